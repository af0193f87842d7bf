"""Telegram's part of the inbox, against fixtures that follow the Bot API documentation: comments in the
channel's discussion group and private messages, by getUpdates or the webhook, and replies; and the reaction
counts of the channel's posts that come the same way (kept by the analytics: tests/analytics/test_pushed_counts.py)."""

import copy
import json
from datetime import UTC, datetime

import httpx
import pytest
from django.test import Client

from stoa.channels.models import Channel
from stoa.channels.push import enable_push
from stoa.inbox.models import Item, Kind
from stoa.posts.models import Publication, State
from stoa.providers.base import InboxPage, MetricPoint, PostCounts, ReplyTo
from tests.core.helpers import schedule
from tests.providers.test_telegram import TOKEN, FakeBotAPI, fixture, provider, recorded

UPDATES = fixture("getUpdates")["body"]["result"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # the Bot API's, for setWebhook's secret_token


def test_getupdates_brings_comments_and_private_messages_but_not_the_bots_own():
    api = FakeBotAPI()
    page = provider(api).fetch_inbox("")
    assert api.only("getUpdates").params == {"timeout": 0, "limit": 100,
                                             "allowed_updates": ["message", "edited_message", "message_reaction_count"]}
    comment, private, edit = page.items
    assert (comment.kind, comment.remote_id, comment.root_remote_id) == ("comment", "-1009876543210:8", "42")
    assert comment.parent_remote_id == "-1009876543210:7" and comment.text == "ההזמנה שלי לא הגיעה, מספר 4521"
    assert (comment.author.name, comment.author.handle) == ("Dana Levi", "@dana_levi")
    assert comment.url == "https://t.me/stoa_news_chat/8"
    assert (private.kind, private.remote_id, private.author.name) == ("message", "5550002:3", "Γιάννης")
    assert (edit.remote_id, edit.edited, edit.text) == ("-1009876543210:8", True, "ההזמנה שלי לא הגיעה, מספר 4521!!")
    assert page.cursor == "900005"


def test_the_next_read_confirms_what_was_read():
    api = FakeBotAPI().answer("getUpdates", httpx.Response(200, json={"ok": True, "result": []}))
    page = provider(api).fetch_inbox("900005")
    assert api.only("getUpdates").params["offset"] == 900006 and page.items == () and page.cursor == "900005"


def test_garbage_in_an_update_is_skipped_and_the_rest_kept():
    broken = [{"update_id": 1, "message": {"message_id": "x"}}, {"update_id": 2, "message": "nonsense"},
              {"update_id": 3}, "not an update", UPDATES[2]]
    api = FakeBotAPI().answer("getUpdates", httpx.Response(200, json={"ok": True, "result": broken}))
    page = provider(api).fetch_inbox("")
    assert [i.remote_id for i in page.items] == ["5550002:3"] and page.cursor == "900003"


# -- Reaction counts of the channel's posts (stoa/providers/telegram/metrics.py) ---------------------------------

REACTIONS = fixture("getUpdates.reactions")["body"]["result"]  # post 42: 3 x 👍, 2 x a custom emoji, 1 paid


def page_of(*updates) -> httpx.Response:
    return httpx.Response(200, json={"ok": True, "result": list(updates)})


def reactions(update_id=900201, message_id=42, date=1781000600, **changed) -> dict:
    """An update with the reactions of a message of the channel, from the fixture's."""
    update = copy.deepcopy(REACTIONS[0]) | {"update_id": update_id}
    update["message_reaction_count"] |= {"message_id": message_id, "date": date} | changed
    return update


def test_the_reactions_on_a_channels_post_come_as_its_likes_with_the_comments_of_the_same_page():
    api = FakeBotAPI().answer("getUpdates", recorded("getUpdates.reactions"))
    page = provider(api).fetch_inbox("")
    assert page.counts == (PostCounts("42", (MetricPoint("likes", 6, datetime(2026, 6, 9, 10, 23, 20, tzinfo=UTC)),)),)
    assert [item.remote_id for item in page.items] == ["-1009876543210:8"] and page.cursor == "900103"


def test_reactions_in_another_chat_are_not_the_channels():
    """The discussion group's (in the fixture), another channel's of the same bot, or any chat but a channel set by
    its numeric id."""
    other_channel = reactions(chat={"id": -1005550000000, "title": "Other", "username": "other", "type": "channel"})
    api = FakeBotAPI().answer("getUpdates", page_of(REACTIONS[2], other_channel), page_of(REACTIONS[0], other_channel))
    assert provider(api).fetch_inbox("").counts == ()
    by_id = provider(api, chat_id="-1001234567890").fetch_inbox("").counts
    assert [found.remote_id for found in by_id] == ["42"]


def test_a_post_whose_reactions_were_all_taken_back_has_none():
    api = FakeBotAPI().answer("getUpdates", page_of(reactions(reactions=[])))
    [found] = provider(api).fetch_inbox("").counts
    assert [(point.name, point.value) for point in found.metrics] == [("likes", 0)]


GARBAGE = {
    "negative": lambda u: u["message_reaction_count"]["reactions"][0].update(total_count=-1),
    "text": lambda u: u["message_reaction_count"]["reactions"][1].update(total_count="2"),
    "fraction": lambda u: u["message_reaction_count"]["reactions"][1].update(total_count=2.5),
    "boolean": lambda u: u["message_reaction_count"]["reactions"][2].update(total_count=True),
    "no total": lambda u: u["message_reaction_count"]["reactions"][2].pop("total_count"),
    "no reaction": lambda u: u["message_reaction_count"]["reactions"].append("👍"),
    "no list": lambda u: u["message_reaction_count"].update(reactions={"👍": 3}),
    "no message": lambda u: u["message_reaction_count"].pop("message_id"),
    "message as text": lambda u: u["message_reaction_count"].update(message_id="42"),
    "no date": lambda u: u["message_reaction_count"].pop("date"),
    "milliseconds": lambda u: u["message_reaction_count"].update(date=1781000600000),
    "no chat": lambda u: u["message_reaction_count"].pop("chat"),
    "not an object": lambda u: u.update(message_reaction_count=[6]),
}


@pytest.mark.parametrize("spoil", GARBAGE.values(), ids=GARBAGE.keys())
def test_garbage_reaction_counts_are_refused_and_logged_and_the_rest_of_the_page_is_read(spoil, caplog):
    spoilt = copy.deepcopy(REACTIONS[0])
    spoil(spoilt)
    later = reactions(message_id=43)
    api = FakeBotAPI().answer("getUpdates", page_of(spoilt, UPDATES[1], later))
    page = provider(api).fetch_inbox("")
    assert [found.remote_id for found in page.counts] == ["43"]  # only the other post's
    assert [item.remote_id for item in page.items] == ["-1009876543210:8"] and page.cursor == "900201"
    assert "Telegram update 900101: reaction counts refused, nothing kept" in caplog.text
    assert "900201" not in caplog.text


def test_pushed_reaction_counts_are_the_same_as_read_ones():
    page = provider(FakeBotAPI()).pushed(REACTIONS[0])
    assert page.items == () and page.cursor == "" and [found.remote_id for found in page.counts] == ["42"]
    assert provider(FakeBotAPI()).pushed(REACTIONS[2]) == InboxPage((), "")  # the discussion group's: nothing


def test_a_reply_answers_the_message_in_its_chat():
    api = FakeBotAPI()
    published = provider(api).reply(ReplyTo("-1009876543210:8", "comment"), "מצטערים, בודקים")
    call = api.only("sendMessage")
    assert call.params["chat_id"] == -1009876543210 and call.params["reply_parameters"] == {"message_id": 8}
    assert published.remote_id == "-1009876543210:42"


@pytest.fixture
def telegram(workspace, settings):
    settings.SITE_URL = "https://stoa.example"
    channel = Channel(workspace=workspace, network="telegram", name="Stoa news",
                      config={"chat_id": "@stoa_news", "api_url": "https://api.telegram.org"})
    channel.credentials = {"bot_token": TOKEN}
    channel.save()
    return channel


def enable(telegram, monkeypatch) -> tuple[str, FakeBotAPI]:
    api = FakeBotAPI()
    monkeypatch.setattr(Channel, "provider", lambda self, http=None: provider(api, **self.config))
    url = enable_push(None, telegram)
    telegram.refresh_from_db()
    return url, api


def test_enabling_the_webhook_gives_telegram_a_secret_kept_encrypted(telegram, monkeypatch):
    url, api = enable(telegram, monkeypatch)
    secret = telegram.credentials["webhook_secret"]
    assert url == f"https://stoa.example/hooks/telegram/{telegram.pk}/"
    assert api.only("setWebhook").params == {"url": url, "secret_token": secret,
                                             "allowed_updates": ["message", "edited_message", "message_reaction_count"]}
    assert secret not in telegram.credentials_encrypted and 1 <= len(secret) <= 256


def post_update(telegram, update, secret: str | None) -> int:
    headers = {f"HTTP_{SECRET_HEADER.upper().replace('-', '_')}": secret} if secret is not None else {}
    return Client().post(f"/hooks/telegram/{telegram.pk}/", json.dumps(update), content_type="application/json",
                         **headers).status_code


def test_a_pushed_comment_lands_under_the_channels_post(owner, workspace, telegram, monkeypatch):
    _url, _api = enable(telegram, monkeypatch)
    publication = schedule(owner, workspace, [telegram])[0]
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED, remote_id="42")
    secret = telegram.credentials["webhook_secret"]
    assert post_update(telegram, UPDATES[1], secret) == 200
    assert post_update(telegram, UPDATES[1], secret) == 200  # Telegram retries: kept once
    item = Item.objects.get()
    assert (item.kind, item.publication_id, item.language) == (Kind.COMMENT, publication.pk, "he")


def test_forged_webhook_calls_are_refused_and_nothing_is_kept(telegram, monkeypatch):
    enable(telegram, monkeypatch)
    assert post_update(telegram, UPDATES[1], None) == 403
    assert post_update(telegram, UPDATES[1], "guessed-secret") == 403
    assert post_update(telegram, UPDATES[1], telegram.credentials["webhook_secret"][:-1]) == 403
    assert Item.objects.count() == 0


def test_a_channel_without_a_webhook_refuses_every_call(telegram):
    assert post_update(telegram, UPDATES[1], "") == 403
    assert post_update(telegram, UPDATES[1], "anything") == 403


def test_malformed_updates_are_answered_clearly(telegram, monkeypatch):
    enable(telegram, monkeypatch)
    secret = telegram.credentials["webhook_secret"]
    response = Client().post(f"/hooks/telegram/{telegram.pk}/", "{not json", content_type="application/json",
                             HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret)
    assert response.status_code == 400 and response.json() == {"error": "not JSON"}
    assert post_update(telegram, {"message": UPDATES[1]["message"]}, secret) == 400
    assert post_update(telegram, UPDATES[0], secret) == 200  # the channel's own post copied: nothing to keep
    assert Item.objects.count() == 0


def test_a_bot_with_a_webhook_is_not_polled(telegram, monkeypatch):
    from stoa.inbox.polling import poll_channel

    _url, api = enable(telegram, monkeypatch)
    poll_channel(telegram)
    assert [call.method for call in api.calls] == ["setWebhook"]  # no getUpdates, which Telegram would refuse


def test_a_bot_without_one_is_polled_into_the_inbox(telegram, monkeypatch):
    from stoa.inbox.polling import poll_channel

    api = FakeBotAPI()
    monkeypatch.setattr(Channel, "provider", lambda self, http=None: provider(api, **self.config))
    assert poll_channel(telegram).new == 2  # and the edit changed the comment it belongs to
    assert set(Item.objects.values_list("kind", flat=True)) == {Kind.COMMENT, Kind.MESSAGE}


def test_an_edited_comment_shows_its_new_text_and_keeps_the_old_one(workspace, telegram):
    from stoa.inbox.actions import ingest

    comment, _private, edit = provider(FakeBotAPI()).fetch_inbox("").items
    ingest(telegram, [comment])
    report = ingest(telegram, [edit])
    item = Item.objects.get()
    assert report.edited == 1 and item.text == "ההזמנה שלי לא הגיעה, מספר 4521!!"
    assert item.earlier_texts == ["ההזמנה שלי לא הגיעה, מספר 4521"] and item.edited_at
    assert ingest(telegram, [edit]).edited == 0  # the same version again changes nothing


def test_a_comment_edited_before_stoa_read_it_keeps_both_versions(workspace, telegram):
    from stoa.inbox.actions import ingest

    ingest(telegram, provider(FakeBotAPI()).fetch_inbox("").items)
    item = Item.objects.get(kind=Kind.COMMENT)
    assert item.text.endswith("!!") and item.earlier_texts == ["ההזמנה שלי לא הגיעה, מספר 4521"]


def test_a_channel_is_read_by_one_worker_at_a_time_and_a_killed_read_only_delays_the_next(telegram, monkeypatch):
    from datetime import timedelta

    from stoa import clock
    from stoa.inbox.tasks import poll_inbox

    monkeypatch.setattr(Channel, "provider", lambda self, http=None: provider(FakeBotAPI(), **self.config))
    Channel.objects.filter(pk=telegram.pk).update(inbox_read_until=clock.now() + timedelta(minutes=4))
    assert poll_inbox.call_local(telegram.pk) == 0 and not Item.objects.exists()  # another worker reads it now

    # That worker was killed mid-read: once its lease is over, the channel is read again, and then let go.
    Channel.objects.filter(pk=telegram.pk).update(inbox_read_until=clock.now() - timedelta(seconds=1))
    assert poll_inbox.call_local(telegram.pk) == 2
    assert Channel.objects.get(pk=telegram.pk).inbox_read_until is None
