"""Collecting the counts (stoa/analytics/collect.py) against a real local Mastodon (mastodon-mock): a fan
favourites, boosts and answers, and the snapshots show exactly that; the ladder decides when a post is read; reads
stay inside the background share of the channel's request budget; garbage from a network never enters a series."""

from __future__ import annotations

import logging
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
import time_machine

from stoa import clock
from stoa.analytics.collect import backfill, claim_post, sweep_channel
from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.channels.budget import ChannelBudget
from stoa.channels.models import Channel, ChannelStatus
from stoa.posts.models import State
from stoa.providers.mastodon.provider import MastodonProvider
from tests.core.helpers import drain, make_due, reload, schedule
from tests.local_http import JSONHandler, serving

COUNTS = ("likes", "reposts", "replies", "quotes", "views")


def counts(snapshot: PostSnapshot) -> dict[str, int | None]:
    return {name: getattr(snapshot, name) for name in COUNTS}


def published(owner, workspace, channel, text="Winter menu at Kafe Yafo ☕"):
    [publication] = schedule(owner, workspace, [channel], text=text)
    make_due(publication)
    drain()
    publication = reload(publication)
    assert publication.state == State.PUBLISHED, publication.last_error
    return publication


def at(publication, **after) -> time_machine.travel:
    """The clock at a moment after the publication went out."""
    return time_machine.travel(publication.published_at + timedelta(**after), tick=True)


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_a_fans_favourite_boost_and_reply_are_exactly_what_the_snapshots_show(mastodon_peer, owner, workspace):
    channel = mastodon_peer.channel(workspace)
    backfill(channel)  # on connect: nothing posted yet, the audience read
    audience = ChannelSnapshot.objects.get(channel=channel)
    assert (audience.followers, audience.following, audience.posts) == (1, 0, 0)  # Dana follows the brand
    publication = published(owner, workspace, channel)
    status = publication.remote_id
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status}/favourite")
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status}/reblog")
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "@kafeyafo is it vegan?",
                                                           "in_reply_to_id": status})

    with at(publication, minutes=59):
        assert sweep_channel(channel).snapshots == 0  # not due before its first hour
    with at(publication, hours=1, minutes=1):
        assert sweep_channel(channel).snapshots == 1
    [first] = PostSnapshot.objects.filter(post__publication=publication)
    # Mastodon gives no quotes nor views: not available, never 0.
    assert counts(first) == {"likes": 1, "reposts": 1, "replies": 1, "quotes": None, "views": None}

    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status}/unfavourite")  # counts may go down: a valid snapshot
    with at(publication, hours=6, minutes=1):
        assert sweep_channel(channel).snapshots == 1
    series = [counts(s)["likes"] for s in PostSnapshot.objects.filter(post__publication=publication)]
    assert series == [1, 0]
    assert MeasuredPost.objects.get(publication=publication).next_read_at == publication.published_at + timedelta(
        days=1)


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_on_connect_the_accounts_recent_posts_made_without_stoa_are_measured_at_once(
        mastodon_peer, workspace, settings, django_capture_on_commit_callbacks):
    older = mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Open on Saturdays now"})
    newer = mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Shakshuka is back"})
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{newer['id']}/favourite")
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "@kafeyafo yes!", "in_reply_to_id": older["id"]})
    settings.STOA_ANALYTICS_BACKFILL_ON_CONNECT = True
    with django_capture_on_commit_callbacks(execute=True):
        channel = mastodon_peer.channel(workspace)  # connected: a backfill is queued (tasks run inline in tests)
    found = {post.remote_id: counts(post.snapshots.get()) for post in MeasuredPost.objects.filter(channel=channel)}
    assert found == {newer["id"]: {"likes": 1, "reposts": 0, "replies": 0, "quotes": None, "views": None},
                     older["id"]: {"likes": 0, "reposts": 0, "replies": 1, "quotes": None, "views": None}}
    assert all(post.publication is None for post in MeasuredPost.objects.all())  # not published by Stoa
    assert ChannelSnapshot.objects.get(channel=channel).posts == 2


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_a_sweep_yields_when_background_reads_have_spent_their_share_and_publishing_keeps_the_rest(
        mastodon_peer, owner, workspace):
    channel = mastodon_peer.channel(workspace)
    backfill(channel)
    publication = published(owner, workspace, channel)
    budget = ChannelBudget(channel, MastodonProvider.rate_limits, "Mastodon")
    with at(publication, hours=1, minutes=1):
        # Publishing and replies have spent 225 of the 300 requests of this 5-minute window: the 75 left are the
        # reserve, which background reads never take.
        budget.spend({"requests": 225})
        report = sweep_channel(channel)
        assert report.yielded and report.snapshots == 0
        post = MeasuredPost.objects.get(publication=publication)
        assert post.next_read_at == publication.published_at + timedelta(hours=1)  # still due: read next time
        assert post.read_until is None  # and free for whichever worker comes next
        budget.spend({"requests": 75})  # a scheduled post may still spend the reserve, to the last request
    with at(publication, hours=1, minutes=9):  # those 300 left the 5-minute window (they count up to 7.5 minutes)
        assert sweep_channel(channel).snapshots == 1


@pytest.mark.django_db
def test_a_post_read_by_one_worker_is_not_read_by_another(workspace):
    channel = Channel.objects.create(workspace=workspace, network="mastodon", name="Kafe Yafo")
    post = MeasuredPost.objects.create(channel=channel, workspace=workspace, remote_id="1", published_at=clock.now(),
                                       next_read_at=clock.now())
    assert claim_post(post.pk) is not None
    assert claim_post(post.pk) is None
    with time_machine.travel(clock.now() + timedelta(minutes=6)):  # its reader died: the lease has run out
        assert claim_post(post.pk) is not None


# -- A network that answers garbage ----------------------------------------------------------------


class Answers:
    status: dict[str, Any] = {}


class GarbageMastodon(JSONHandler):
    """A Mastodon server that answers a status with whatever counts the test sets."""

    def do_GET(self) -> None:
        if self.path == "/api/v1/accounts/verify_credentials":
            return self.answer(200, {"id": "7", "followers_count": 10, "following_count": 2, "statuses_count": 1})
        if self.path.startswith("/api/v1/accounts/7/statuses"):
            return self.answer(200, [])
        if self.path == "/api/v1/statuses/42":
            return self.answer(200, {"id": "42", **Answers.status})
        return self.answer(404, {"error": "Record not found"})


@pytest.fixture
def garbage_server() -> Any:
    handler: type[BaseHTTPRequestHandler] = GarbageMastodon
    with serving(handler) as url:
        yield url


@pytest.mark.django_db
def test_garbage_missing_or_negative_counts_are_refused_and_logged_and_the_series_stays_whole(
        garbage_server, workspace, caplog):
    channel = Channel(workspace=workspace, network="mastodon", name="Kafe Yafo",
                      config={"instance_url": garbage_server, "account_id": "7"})
    channel.credentials = {"access_token": "token"}
    channel.save()
    backfill(channel)
    published_at = clock.now()
    post = MeasuredPost.objects.create(channel=channel, workspace=workspace, remote_id="42",
                                       published_at=published_at, next_read_at=published_at)

    def read_when(after: timedelta, **answer: Any) -> int:
        Answers.status = answer
        MeasuredPost.objects.filter(pk=post.pk).update(next_read_at=published_at + after)
        with time_machine.travel(published_at + after, tick=True):
            return sweep_channel(channel).snapshots

    good = {"favourites_count": 5, "reblogs_count": 1, "replies_count": 2}
    assert read_when(timedelta(hours=1), **good) == 1
    caplog.set_level(logging.WARNING, "stoa.analytics")
    for step, garbage in enumerate([{"favourites_count": -3}, {"reblogs_count": "many"}, {"replies_count": None},
                                    {"favourites_count": 4.5}, {"favourites_count": None, "reblogs_count": -1}]):
        assert read_when(timedelta(hours=2 + step), **(good | garbage)) == 0
        assert "not a count" in caplog.text
        assert MeasuredPost.objects.get(pk=post.pk).next_read_at > clock.now()  # tried again later, not each sweep
    answer_without_replies = {"favourites_count": 5, "reblogs_count": 1}
    assert read_when(timedelta(hours=8), **answer_without_replies) == 0
    assert [counts(s) for s in PostSnapshot.objects.filter(post=post)] == [
        {"likes": 5, "reposts": 1, "replies": 2, "quotes": None, "views": None}]  # one whole row, nothing else
    assert read_when(timedelta(hours=9), **(good | {"favourites_count": 3})) == 1  # fewer likes is valid
    assert [s.likes for s in PostSnapshot.objects.filter(post=post)] == [5, 3]
    assert MeasuredPost.objects.get(pk=post.pk).latest_snapshot.likes == 3  # the pages' figures: the latest read


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_a_post_deleted_on_the_network_keeps_its_series_and_is_read_no_more(mastodon_peer, owner, workspace):
    channel = mastodon_peer.channel(workspace)
    backfill(channel)
    publication = published(owner, workspace, channel)
    with at(publication, hours=1, minutes=1):
        assert sweep_channel(channel).snapshots == 1
    mastodon_peer.as_brand("DELETE", f"/api/v1/statuses/{publication.remote_id}")
    with at(publication, hours=6, minutes=1):
        report = sweep_channel(channel)
    assert (report.snapshots, report.failed) == (0, 1)
    post = MeasuredPost.objects.get(publication=publication)
    assert post.next_read_at is None and post.last_error
    assert post.snapshots.count() == 1  # what was measured before stays


class CountingMastodon(GarbageMastodon):
    """The garbage server, counting the requests it is sent."""

    requests = 0

    def do_GET(self) -> None:
        CountingMastodon.requests += 1
        super().do_GET()


@pytest.mark.parametrize("status", [ChannelStatus.DISABLED, ChannelStatus.NEEDS_RECONNECT])
@pytest.mark.django_db
def test_a_backfill_sends_nothing_to_the_network_for_a_channel_disabled_or_needing_reconnect(workspace, status):
    with serving(CountingMastodon) as url:
        channel = Channel(workspace=workspace, network="mastodon", name="Kafe Yafo",
                          config={"instance_url": url, "account_id": "7"})
        channel.credentials = {"access_token": "token"}
        channel.save()
        Channel.objects.filter(pk=channel.pk).update(status=status)  # after the backfill was queued
        CountingMastodon.requests = 0
        report = backfill(channel)
        assert CountingMastodon.requests == 0
        assert report.backfilled == 0 and not ChannelSnapshot.objects.filter(channel=channel).exists()
        Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.ACTIVE)
        backfill(channel)
        assert CountingMastodon.requests > 0  # the same channel, active, is read
