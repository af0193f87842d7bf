"""Counts a network sends unasked, kept as the posts' series: Telegram's reactions on the channel's posts, in the
updates getUpdates reads or the webhook receives (fixtures that follow the Bot API documentation, tests/providers/
fixtures/telegram/getUpdates.reactions.json), on a post Stoa published through its engine."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from stoa.analytics.collect import keep_pushed_counts, sweep_channel
from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.channels.models import Channel
from stoa.channels.push import enable_push
from stoa.inbox.models import Item, Kind
from stoa.inbox.polling import poll_channel
from stoa.posts.models import Publication, State
from stoa.providers.base import MetricPoint, PostCounts
from tests.core.helpers import drain, make_due, reload, schedule
from tests.providers.test_telegram import TOKEN, FakeBotAPI, provider
from tests.providers.test_telegram_inbox import REACTIONS, UPDATES, page_of, post_update, reactions

COUNTS = ("likes", "reposts", "replies", "quotes", "views")
SENT = datetime.fromtimestamp(1781000000, UTC)  # sendMessage.json's date: when the post went out
FIRST = datetime.fromtimestamp(1781000600, UTC)  # the fixture's reactions: 3 x 👍 + 2 x a custom emoji + 1 paid


def counts(snapshot: PostSnapshot) -> dict[str, int | None]:
    return {name: getattr(snapshot, name) for name in COUNTS}


def series(publication: Publication) -> list[tuple[datetime, int | None]]:
    return [(s.measured_at, s.likes) for s in PostSnapshot.objects.filter(post__publication=publication)]


@pytest.fixture
def bot(monkeypatch) -> FakeBotAPI:
    api = FakeBotAPI()
    monkeypatch.setattr(Channel, "provider", lambda self, http=None: provider(api, **self.config))
    return api


@pytest.fixture
def telegram(workspace, settings, bot) -> Channel:
    settings.SITE_URL = "https://stoa.example"
    channel = Channel(workspace=workspace, network="telegram", name="Stoa news",
                      config={"chat_id": "@stoa_news", "api_url": "https://api.telegram.org"})
    channel.credentials = {"bot_token": TOKEN}
    channel.save()
    return channel


@pytest.fixture
def post(owner, workspace, telegram) -> Publication:
    """Published by the engine as sendMessage.json answers: Telegram's message 42 in the channel."""
    with time_machine.travel(SENT, tick=True):
        [publication] = schedule(owner, workspace, [telegram], text="Winter menu at Kafe Yafo ☕")
        make_due(publication)
        drain()
    publication = reload(publication)
    assert publication.state == State.PUBLISHED and publication.remote_id == "42", publication.last_error
    return publication


def poll(telegram: Channel, bot: FakeBotAPI, *updates: dict, at: datetime = FIRST + timedelta(minutes=3)) -> None:
    bot.answer("getUpdates", page_of(*updates))
    with time_machine.travel(at, tick=True):
        poll_channel(telegram)


def test_the_reactions_on_a_published_post_are_its_likes_at_the_time_telegram_gives(telegram, bot, post):
    assert not MeasuredPost.objects.exists()  # published since the last sweep: measured when its reactions come
    poll(telegram, bot, *REACTIONS)
    [snapshot] = PostSnapshot.objects.filter(post__publication=post)
    assert counts(snapshot) == {"likes": 6, "reposts": None, "replies": None, "quotes": None, "views": None}
    assert snapshot.measured_at == FIRST
    assert MeasuredPost.objects.get(publication=post).latest_snapshot == snapshot
    assert Item.objects.get().kind == Kind.COMMENT  # the comment on the same page reached the inbox


def test_each_later_update_is_a_new_snapshot_and_the_latest_figure_is_the_latest_change(telegram, bot, post):
    poll(telegram, bot, REACTIONS[0])
    later = FIRST + timedelta(hours=1)
    nine = [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 5}, {"type": {"type": "paid"}, "total_count": 4}]
    poll(telegram, bot, reactions(update_id=900301, date=int(later.timestamp()), reactions=nine))
    assert series(post) == [(FIRST, 6), (later, 9)]
    # A change Telegram held back (its updates are grouped, up to minutes late) takes its place in the series.
    between = FIRST + timedelta(minutes=30)
    seven = [{"type": {"type": "emoji", "emoji": "👍"}, "total_count": 7}]
    poll(telegram, bot, reactions(update_id=900302, date=int(between.timestamp()), reactions=seven),
         at=later + timedelta(minutes=5))
    assert series(post) == [(FIRST, 6), (between, 7), (later, 9)]
    assert MeasuredPost.objects.get(publication=post).latest_snapshot.likes == 9


def test_the_same_update_read_or_pushed_twice_is_kept_once(telegram, bot, post):
    poll(telegram, bot, REACTIONS[0])
    poll(telegram, bot, REACTIONS[0])  # a read that failed before moving its cursor is read again
    assert series(post) == [(FIRST, 6)]


def test_garbage_is_refused_and_logged_while_the_comment_of_the_same_page_reaches_the_inbox(telegram, bot, post,
                                                                                             caplog):
    spoilt = copy.deepcopy(REACTIONS[0])
    spoilt["message_reaction_count"]["reactions"][0]["total_count"] = -3
    with caplog.at_level(logging.WARNING):
        poll(telegram, bot, spoilt, UPDATES[1])
    assert not PostSnapshot.objects.exists()
    assert Item.objects.get().publication_id == post.pk  # the comment, under the post
    assert "Telegram update 900101: reaction counts refused, nothing kept (total_count '-3'" in caplog.text


def test_counts_that_pass_the_provider_but_not_the_analytics_checks_are_refused_whole(telegram, post, caplog):
    """The analytics check what comes as they check a read: a negative, a count Telegram does not declare."""
    keep_pushed_counts(telegram, [PostCounts("42", (MetricPoint("likes", 4, FIRST),))])  # measured from now on
    refused = [PostCounts("42", (MetricPoint("likes", -1, FIRST + timedelta(minutes=1)),)),
               PostCounts("42", (MetricPoint("likes", 5, FIRST + timedelta(minutes=2)),
                                 MetricPoint("views", 90, FIRST + timedelta(minutes=2)))),
               PostCounts("42", ())]
    with caplog.at_level(logging.WARNING):
        assert keep_pushed_counts(telegram, refused) == 0
    assert series(post) == [(FIRST, 4)]
    assert caplog.text.count("Counts of post 42 on channel") == 3 and "refused, nothing kept" in caplog.text


def test_reactions_in_another_chat_or_on_a_message_stoa_does_not_measure_are_let_go(telegram, bot, post):
    elsewhere = reactions(update_id=900401, chat={"id": -1005550000000, "title": "Другой канал", "type": "channel"})
    not_ours = reactions(update_id=900402, message_id=77)  # posted in the channel without Stoa
    poll(telegram, bot, REACTIONS[2], elsewhere, not_ours)  # REACTIONS[2]: the discussion group's
    assert not PostSnapshot.objects.exists() and list(MeasuredPost.objects.values_list("remote_id", flat=True)) == [
        "42"]


def test_pushed_reactions_reach_the_posts_series_through_the_webhook(telegram, bot, post):
    enable_push(None, telegram)
    telegram.refresh_from_db()
    secret = telegram.credentials["webhook_secret"]
    assert bot.only("setWebhook").params["allowed_updates"] == ["message", "edited_message", "message_reaction_count"]
    with time_machine.travel(FIRST + timedelta(minutes=3), tick=True):
        assert post_update(telegram, REACTIONS[0], secret) == 200
        assert post_update(telegram, REACTIONS[0], secret) == 200  # Telegram sends it again: kept once
        spoilt = reactions(update_id=900501, message_id="42")
        assert post_update(telegram, spoilt, secret) == 200  # refused and logged; Telegram need not send it again
    assert series(post) == [(FIRST, 6)]


def test_the_sweep_never_asks_telegram_for_a_posts_counts(telegram, bot, post):
    poll(telegram, bot, REACTIONS[0])
    bot.calls.clear()
    with time_machine.travel(SENT + timedelta(hours=1, minutes=1), tick=True):
        report = sweep_channel(telegram)
    assert report.snapshots == 0 and report.audience
    assert [call.method for call in bot.calls] == ["getChatMemberCount"]  # the subscribers only
    assert series(post) == [(FIRST, 6)]


def test_the_analytics_page_shows_a_telegram_posts_reactions_and_says_views_are_not_available(
        client, owner, telegram, bot, post):
    with time_machine.travel(SENT + timedelta(minutes=5), tick=True):
        sweep_channel(telegram)  # the day's subscribers: 1287
    poll(telegram, bot, REACTIONS[0])
    assert ChannelSnapshot.objects.get(channel=telegram).followers == 1287
    client.force_login(owner)
    with time_machine.travel(SENT + timedelta(hours=2), tick=True):
        html = client.get(reverse("analytics"), {"days": "7"}).content.decode()
    top = html.split("Top posts", 1)[1].split("</section>")[0]
    assert "Winter menu at Kafe Yafo ☕" in top and '<td class="count">6</td>' in top  # 3 + 2 + 1 reactions
    assert '<span class="rate">0.47%</span> <small class="basis">per follower at the time of the post' in top
    assert "not available on Telegram" in html  # its views
