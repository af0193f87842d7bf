"""Mastodon's part of the inbox, against fixtures from docs.joinmastodon.org and against a local Mastodon
(mastodon-mock): replies, mentions and direct messages from the notifications, search for the brand's name, and
replies."""

import httpx
import pytest

from stoa import clock
from stoa.inbox.answers import send_reply
from stoa.inbox.models import Item, Kind, ReplyState
from stoa.inbox.polling import poll_channel
from stoa.providers.base import Attempt, Draft, ErrorKind, ProviderError, ReplyTo
from tests.providers.mastodon_peer import MastodonPeer
from tests.providers.test_mastodon import FakeMastodon, fixture, provider, recorded

NOTIFICATIONS = "GET /api/v1/notifications"
RELATIONSHIPS = "GET /api/v1/accounts/relationships"
TAG = "GET /api/v1/timelines/tag/:hashtag"


def fake_with_inbox() -> FakeMastodon:
    return FakeMastodon().answer(NOTIFICATIONS, recorded("notifications")).answer(RELATIONSHIPS,
                                                                                  recorded("relationships"))


def test_replies_mentions_and_direct_messages_come_from_the_notifications():
    fake = fake_with_inbox()
    page = provider(fake).fetch_inbox("")
    assert fake.only(NOTIFICATIONS).query == {"types[]": ["mention"], "limit": ["40"]}
    assert fake.only(RELATIONSHIPS).query == {"id[]": ["50001", "50002"]}  # one request for every author
    items = {i.remote_id: i for i in page.items}
    reply, dm, mention = items["110000000000000101"], items["110000000000000102"], items["110000000000000103"]
    assert (reply.kind, reply.root_remote_id, reply.text) == ("comment", "103270115826048975",
                                                              "@trwnh ההזמנה שלי לא הגיעה 😡")
    assert (dm.kind, mention.kind) == ("message", "mention") and len(page.items) == 3  # the favourite is skipped
    assert (reply.author.follows_brand, dm.author.follows_brand) == (True, False)
    assert (reply.author.handle, dm.author.handle) == ("@dana", "@nikos@fosstodon.org")
    assert page.cursor == "34975863"


def test_the_next_read_asks_only_for_what_is_newer():
    fake = FakeMastodon().answer(NOTIFICATIONS, httpx.Response(200, json=[]))
    page = provider(fake).fetch_inbox("34975863")
    assert fake.only(NOTIFICATIONS).query["min_id"] == ["34975863"] and page.items == () and page.cursor == "34975863"


def test_a_garbled_page_is_a_clear_transient_error_and_garbage_entries_are_skipped():
    from stoa.providers.base import ErrorKind, ProviderError

    fake = FakeMastodon().answer(NOTIFICATIONS, httpx.Response(200, json={"error": "oops"}))
    try:
        provider(fake).fetch_inbox("")
    except ProviderError as e:
        assert e.kind == ErrorKind.TRANSIENT and "unexpected form" in e.message
    else:
        raise AssertionError("a page that is not a list must not pass")
    entries = ["junk", {"id": 5}, {"id": "34975899", "type": "mention", "status": {"id": 7}},
               *fixture("notifications")["body"][:1]]
    fake = FakeMastodon().answer(NOTIFICATIONS, httpx.Response(200, json=entries)).answer(
        RELATIONSHIPS, recorded("relationships"))
    page = provider(fake).fetch_inbox("")
    assert [i.remote_id for i in page.items] == ["110000000000000103"] and page.cursor == "34975899"


def test_search_finds_the_brand_named_by_others_only():
    fake = FakeMastodon().answer("GET /api/v2/search", recorded("search_v2")).answer(RELATIONSHIPS,
                                                                                     recorded("relationships"))
    page = provider(fake).search("Kafe Yafo", "")
    assert fake.only("GET /api/v2/search").query == {"q": ["Kafe Yafo"], "type": ["statuses"], "limit": ["40"]}
    assert [(i.remote_id, i.kind) for i in page.items] == [("110000000000000104", "search")]


def test_a_hashtag_timeline_is_read_from_its_position_without_the_brands_own_posts():
    fake = FakeMastodon().answer(TAG, recorded("tag_timeline")).answer(RELATIONSHIPS, recorded("relationships"))
    page = provider(fake).hashtag_timeline("קפה", "110000000000000100")
    call = fake.only(TAG)
    assert call.path == "/api/v1/timelines/tag/קפה"
    assert call.query == {"limit": ["40"], "min_id": ["110000000000000100"]}
    assert [(i.remote_id, i.kind) for i in page.items] == [("110000000000000104", "search")]
    assert page.cursor == "110000000000000105"  # the newest read, the brand's own too


def test_the_servers_trending_tags_give_their_newest_days_figures():
    fake = FakeMastodon().answer("GET /api/v1/trends/tags", recorded("trends_tags"))
    tags = provider(fake).trending_tags()
    assert fake.only("GET /api/v1/trends/tags").query == {"limit": ["20"]}
    assert [(t.name, t.uses, t.accounts) for t in tags] == [("hola", 10, 9), ("nowplaying", 209, 57)]


@pytest.mark.parametrize("garbage", [{"tags": []}, "trending", None])
def test_trends_in_another_form_are_a_transient_error(garbage):
    fake = FakeMastodon().answer("GET /api/v1/trends/tags", httpx.Response(200, json=garbage))
    with pytest.raises(ProviderError) as error:
        provider(fake).trending_tags()
    assert error.value.kind == ErrorKind.TRANSIENT


def test_a_reply_mentions_its_author_and_a_direct_message_is_answered_privately():
    fake = FakeMastodon()
    mastodon = provider(fake)
    mastodon.reply(ReplyTo("110000000000000101", "comment", author_handle="@dana"), "סליחה! בודקים")
    mastodon.reply(ReplyTo("110000000000000102", "message", author_handle="@nikos@fosstodon.org"),
                   "@nikos@fosstodon.org 5 € στην Αθήνα")
    first, second = fake.every("POST /api/v1/statuses")
    assert first.form["status"] == ["@dana סליחה! בודקים"] and first.form["visibility"] == ["public"]
    assert first.form["in_reply_to_id"] == ["110000000000000101"]
    assert second.form["status"] == ["@nikos@fosstodon.org 5 € στην Αθήνα"] and second.form["visibility"] == ["direct"]


# -- The same against a local Mastodon (mastodon-mock): Dana follows the brand, favourites, boosts and answers. --


def dana_answers(peer: MastodonPeer, channel) -> dict[str, dict]:
    """The brand posts; Dana favourites and boosts it (not messages), answers it in public and writes privately."""
    post = channel.provider().publish(Draft(text="Winter menu at Kafe Yafo ☕"), Attempt("inbox-1", clock.now()))
    peer.as_fan("POST", f"/api/v1/statuses/{post.remote_id}/favourite")
    peer.as_fan("POST", f"/api/v1/statuses/{post.remote_id}/reblog")
    reply = peer.as_fan("POST", "/api/v1/statuses", data={"status": "@kafeyafo הקפה היה קר",
                                                           "in_reply_to_id": post.remote_id})
    private = peer.as_fan("POST", "/api/v1/statuses", data={"status": "@kafeyafo do you deliver to Jaffa?",
                                                             "visibility": "direct"})
    return {"post": {"id": post.remote_id}, "reply": reply, "private": private}


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_danas_reply_and_private_message_are_polled_into_the_inbox_and_her_favourite_is_not(mastodon_peer,
                                                                                            workspace):
    channel = mastodon_peer.channel(workspace)
    wrote = dana_answers(mastodon_peer, channel)
    assert poll_channel(channel).new == 2
    reply = Item.objects.get(remote_id=wrote["reply"]["id"])
    private = Item.objects.get(remote_id=wrote["private"]["id"])
    assert (reply.kind, reply.root_remote_id, reply.text) == (Kind.COMMENT, wrote["post"]["id"],
                                                              "@kafeyafo הקפה היה קר")
    assert (private.kind, private.author.handle, private.author.follows_brand) == (Kind.MESSAGE, "@dana", True)
    assert Item.objects.count() == 2 and poll_channel(channel).new == 0  # the next read starts after them


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_an_answer_from_stoa_is_in_danas_thread_and_a_private_one_stays_private(mastodon_peer, workspace, owner):
    channel = mastodon_peer.channel(workspace)
    wrote = dana_answers(mastodon_peer, channel)
    poll_channel(channel)
    public = send_reply(owner, Item.objects.get(remote_id=wrote["reply"]["id"]), "Sorry! The next one is on us")
    private = send_reply(owner, Item.objects.get(remote_id=wrote["private"]["id"]), "Yes, every day until 18:00")
    assert public.state == private.state == ReplyState.SENT
    thread = mastodon_peer.as_fan("GET", f"/api/v1/statuses/{wrote['reply']['id']}/context")["descendants"]
    assert [(s["id"], s["content"]) for s in thread] == [(public.remote_id,
                                                          "<p>@dana Sorry! The next one is on us</p>")]
    seen = mastodon_peer.as_fan("GET", f"/api/v1/statuses/{private.remote_id}")
    assert seen["visibility"] == "direct" and seen["in_reply_to_id"] == wrote["private"]["id"]
    mentions = mastodon_peer.as_fan("GET", "/api/v1/notifications", params={"types[]": ["mention"]})
    assert {n["status"]["id"] for n in mentions} == {public.remote_id, private.remote_id}
