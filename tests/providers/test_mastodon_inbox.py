"""Mastodon's part of the inbox, against fixtures from docs.joinmastodon.org: replies, mentions and direct
messages from the notifications, search for the brand's name, and replies."""

import httpx

from stoa.providers.base import ReplyTo
from tests.providers.test_mastodon import FakeMastodon, fixture, provider, recorded

NOTIFICATIONS = "GET /api/v1/notifications"
RELATIONSHIPS = "GET /api/v1/accounts/relationships"


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
