"""VK's inbox, replies and counts, against the fake VK API of test_vk (each answer from a fixture naming its page):
comments read by polling wall.getComments under the community's latest posts, comments and community messages
pushed by the Callback API, answers as the community (wall.createComment, messages.send), and the counts of posts
(wall.getById) and of the community (groups.getById members_count)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from stoa.providers.base import ErrorKind, ProviderError, Published, ReplyTo
from stoa.providers.capabilities import Hides
from tests.providers.test_vk import GROUP, OWNER, STARTED, FakeVK, connected, fixture


def event(name: str) -> dict:
    return copy.deepcopy(fixture("callback")["events"][name])


@pytest.fixture
def fake() -> FakeVK:
    return FakeVK()


# -- Polling ----------------------------------------------------------------------------------------------------------


def test_polling_reads_the_comments_and_their_thread_under_the_latest_posts_but_not_the_communitys_own(fake):
    post = fake.with_comments()
    page = connected(fake).fetch_inbox("")
    assert [(item.remote_id, item.text, item.author.remote_id) for item in page.items] == [
        (f"{OWNER}_401", "Когда открытие? · מתי הפתיחה?", "1234567"), (f"{OWNER}_402", "+1", "7654321")]
    first, reply = page.items
    assert first.root_remote_id == first.parent_remote_id == f"{OWNER}_{post['id']}"
    assert reply.parent_remote_id == f"{OWNER}_401" and reply.root_remote_id == f"{OWNER}_{post['id']}"
    assert first.url == f"https://vk.com/wall{OWNER}_{post['id']}?reply=401" and first.written_at.tzinfo
    assert first.author.profile_url == "https://vk.com/id1234567" and page.cursor == "402"
    asked = fake.posts("wall.getComments")[0]
    assert (asked["sort"], asked["count"], asked["thread_items_count"]) == ("desc", "100", "10")


def test_polling_again_from_the_cursor_gives_only_newer_comments(fake):
    fake.with_comments()
    provider = connected(fake)
    assert provider.fetch_inbox("402").items == ()
    assert [item.remote_id for item in provider.fetch_inbox("401").items] == [f"{OWNER}_402"]


def test_posts_without_comments_are_not_asked_for_them(fake):
    fake.add("No comments yet")
    assert connected(fake).fetch_inbox("").items == () and fake.posts("wall.getComments") == []


# -- The Callback API -------------------------------------------------------------------------------------------------


def test_a_new_comment_pushed_becomes_a_message_of_the_inbox(fake):
    with time_machine.travel(STARTED, tick=False):
        page = connected(fake).pushed(event("wall_reply_new"))
    [item] = page.items
    assert (item.remote_id, item.kind, item.text, item.root_remote_id, item.edited) == (
        f"{OWNER}_404", "comment", "Где купить? · איפה קונים?", f"{OWNER}_318", False)
    assert page.cursor == "" and fake.calls == []  # a push is read without asking VK anything


def test_an_edited_comment_is_a_new_version_and_a_deleted_one_is_marked_deleted(fake):
    provider = connected(fake)
    [edited] = provider.pushed(event("wall_reply_edit")).items
    [deleted] = provider.pushed(event("wall_reply_delete")).items
    assert edited.edited and edited.text == "Где купить билеты?"
    assert deleted.deleted and deleted.remote_id == f"{OWNER}_404" and deleted.written_at.tzinfo


def test_a_community_message_pushed_becomes_a_direct_message_in_its_conversation(fake):
    [item] = connected(fake).pushed(event("message_new")).items
    assert (item.remote_id, item.kind, item.text, item.root_remote_id, item.author.remote_id) == (
        "message57", "message", "Здравствуйте! مرحبا", "1234567", "1234567")
    assert item.written_at == datetime.fromtimestamp(1782897700, UTC)


def test_an_event_stoa_does_not_read_is_acknowledged_with_no_message(fake):
    assert connected(fake).pushed(event("group_join")).items == ()


@pytest.mark.parametrize("body", [{"type": "wall_reply_new", "group_id": GROUP + 1, "object": {}},
                                  {"hello": "world"},
                                  {"type": "wall_reply_new", "group_id": GROUP, "object": {"id": "x"}}])
def test_a_call_of_another_community_or_none_of_vks_is_refused(fake, body):
    with pytest.raises(ProviderError) as refused:
        connected(fake).pushed(body)
    assert refused.value.kind == ErrorKind.PERMANENT


def test_the_confirmation_is_answered_with_the_code_vk_gives_now(fake):
    provider = connected(fake)
    assert provider.handshake(event("confirmation")) == "a1b2c3d4"
    assert fake.posts("groups.getCallbackConfirmationCode") == [{"group_id": str(GROUP)}]
    assert provider.handshake(event("message_new")) is None


def test_a_confirmation_for_another_community_is_refused(fake):
    with pytest.raises(ProviderError):
        connected(fake).handshake({**event("confirmation"), "group_id": GROUP + 1})


def test_set_webhook_adds_a_callback_server_with_the_secret_and_turns_on_the_events_stoa_reads(fake):
    connected(fake).set_webhook("https://stoa.example/hooks/vk/7/", "s" * 48)
    [added] = fake.posts("groups.addCallbackServer")
    assert added == {"group_id": str(GROUP), "url": "https://stoa.example/hooks/vk/7/", "title": "Stoa",
                     "secret_key": "s" * 48}
    settings = fake.callback_settings[3]
    assert settings["api_version"] == "5.199"
    assert {name for name, on in settings.items() if on == "1"} == {
        "wall_reply_new", "wall_reply_edit", "wall_reply_restore", "wall_reply_delete", "message_new"}


def test_set_webhook_again_edits_the_server_at_that_address_instead_of_adding_another(fake):
    provider = connected(fake)
    provider.set_webhook("https://stoa.example/hooks/vk/7/", "first")
    provider.set_webhook("https://stoa.example/hooks/vk/7/", "second")
    assert len(fake.posts("groups.addCallbackServer")) == 1 and len(fake.servers) == 2
    assert fake.servers[-1]["secret_key"] == "second"


# -- Replies ----------------------------------------------------------------------------------------------------------


def comment_of(post: dict) -> ReplyTo:
    return ReplyTo(f"{OWNER}_401", "comment", root_remote_id=f"{OWNER}_{post['id']}", author_id="1234567")


def test_a_reply_to_a_comment_is_a_comment_of_the_community_in_its_thread(fake):
    post = fake.with_comments()
    published = connected(fake).reply(comment_of(post), "Скоро! · בקרוב!")
    [sent] = fake.posts("wall.createComment")
    assert (sent["owner_id"], sent["post_id"], sent["from_group"], sent["reply_to_comment"], sent["message"]) == (
        str(OWNER), str(post["id"]), str(GROUP), "401", "Скоро! · בקרוב!")
    assert published.remote_id == f"{OWNER}_403"
    assert published.url == f"https://vk.com/wall{OWNER}_{post['id']}?reply=403"


def test_the_same_reply_sent_again_is_the_same_comment(fake):
    post = fake.with_comments()
    provider = connected(fake)
    first, again = (provider.reply(comment_of(post), "Спасибо!") for _ in range(2))
    assert first == again and len(fake.comments[post["id"]]) == 3  # VK's guid made it one
    assert provider.reply(comment_of(post), "Спасибо!!").remote_id != first.remote_id


def test_a_reply_to_a_comment_of_another_wall_is_refused_before_any_request(fake):
    with pytest.raises(ProviderError):
        connected(fake).reply(ReplyTo("-1_401", "comment", root_remote_id="-1_5"), "Hi")
    assert fake.calls == []


def test_a_reply_to_a_community_message_is_sent_in_its_conversation_once(fake):
    to = ReplyTo("message57", "message", root_remote_id="1234567", author_id="1234567")
    provider = connected(fake)
    first, again = provider.reply(to, "Добрый день!"), provider.reply(to, "Добрый день!")
    sent = fake.posts("messages.send")
    assert [(s["peer_id"], s["group_id"], s["message"]) for s in sent] == [("1234567", str(GROUP), "Добрый день!")] * 2
    assert sent[0]["random_id"] == sent[1]["random_id"] and first == again and first.remote_id == "message58"


@pytest.mark.parametrize(("code", "kind"), [(15, ErrorKind.PERMISSION), (5, ErrorKind.AUTHORIZATION),
                                            (10, ErrorKind.UNKNOWN_OUTCOME)])
def test_a_refused_reply_says_why(fake, code, kind):
    post = fake.with_comments()
    fake.failures["wall.createComment"] = [code]
    with pytest.raises(ProviderError) as refused:
        connected(fake).reply(comment_of(post), "Hi")
    assert refused.value.kind == kind


def test_vk_declares_no_hiding_so_nothing_is_ever_deleted_instead():
    from stoa.providers.vk.provider import VKProvider

    assert not issubclass(VKProvider, Hides)


# -- Counts -----------------------------------------------------------------------------------------------------------


def test_a_posts_counts_are_read_from_wall_get_by_id(fake):
    fake.wall.insert(0, fixture("wall.getById")["body"]["response"]["items"][0])
    with time_machine.travel(STARTED, tick=False):
        points = connected(fake).metrics(Published(f"{OWNER}_318", ""))
    assert {point.name: point.value for point in points} == {"likes": 42, "reposts": 5, "replies": 3, "views": 1200}
    assert {point.measured_at for point in points} == {STARTED}


def test_many_posts_are_read_in_one_request_and_a_gone_one_is_said_alone(fake):
    kept = [fake.add(f"Post {n}") for n in range(3)]
    asked = [Published(f"{OWNER}_{post['id']}", "") for post in kept] + [Published(f"{OWNER}_9999", "")]
    found = connected(fake).posts_metrics(asked)
    assert len(fake.posts("wall.getById")) == 1
    assert all(isinstance(found[p.remote_id], tuple) for p in asked[:3])
    gone = found[f"{OWNER}_9999"]
    assert isinstance(gone, ProviderError) and gone.kind == ErrorKind.PERMANENT


def test_a_count_vk_left_out_is_refused_not_read_as_zero(fake):
    post = fake.add("No views")
    del post["views"]
    with pytest.raises(ProviderError):
        connected(fake).metrics(Published(f"{OWNER}_{post['id']}", ""))


def test_the_communitys_followers_are_its_members(fake):
    [followers] = connected(fake).account_counts()
    assert (followers.name, followers.value) == ("followers", 15320)


def test_recent_posts_are_the_communitys_own_with_their_counts(fake):
    own = fake.add("Ours", at=STARTED - timedelta(hours=1))
    fake.add("A member's", from_id=1234567)
    [recent] = connected(fake).recent_posts(10)
    assert recent.published.remote_id == f"{OWNER}_{own['id']}" and recent.published_at == STARTED - timedelta(hours=1)
    assert {point.name for point in recent.metrics} == {"likes", "reposts", "replies", "views"}
