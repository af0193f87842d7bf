"""Reading the counts from the networks: each post on its age ladder, each channel's audience once a day, and a
channel's recent posts once, when it is connected (backfill), so its first report is not empty. Counts a network sends
unasked (ReadsMetrics.pushed_post_metrics: Telegram's reactions) are kept as they come with the inbox's pages
(`keep_pushed_counts`), never asked for.

Every read goes through the channel's credentials owner (stoa.channels.credentials) as a background read of the
channel's request budget (stoa.channels.budget): it may spend the budget only down to the reserve kept for
publishing, and where that share is spent the sweep stops (`yielded`) and the rest waits for the next one, so a
scheduled post is never late because of it. Each post is read under a lease (MeasuredPost.read_until), so several
workers sweeping at once never read one post twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q

from stoa import clock
from stoa.analytics.actions import measure, record_channel_snapshot, record_post_snapshot, snapshot_day
from stoa.analytics.ladder import first_read, next_read
from stoa.analytics.models import ChannelMetrics, ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.channels import credentials
from stoa.channels.budget import OverBudget, background
from stoa.channels.models import Channel, ChannelStatus
from stoa.posts.models import Publication, State
from stoa.providers.base import POST_METRICS, ErrorKind, PostCounts, Provider, ProviderError, Published
from stoa.providers.capabilities import ReadsMetrics
from stoa.providers.registry import PROVIDERS, get_provider_class

log = logging.getLogger("stoa.analytics")
T = TypeVar("T")
READ_LEASE = timedelta(minutes=5)  # longer than any read; what a killed worker's read delays at most
AFTER_A_FAILED_READ = timedelta(hours=1)  # a network error or a refused answer: read again then, not each sweep
SWEEP_BATCH = 200  # posts read by one sweep of a channel at most; the rest waits for the next sweep
BACKFILL_POSTS = 50
STOPS_THE_CHANNEL = (ErrorKind.AUTHORIZATION, ErrorKind.PERMISSION, ErrorKind.RATE_LIMITED)


@dataclass
class SweepReport:
    snapshots: int = 0  # post snapshots written
    failed: int = 0  # post reads that failed or were refused (logged)
    audience: bool = False  # the channel's audience was read
    backfilled: int = 0  # posts found by a backfill
    yielded: bool = False  # the background reads' share of the budget was spent: the rest waits


def metrics_of(channel: Channel) -> type[ReadsMetrics] | None:
    """The channel's provider class, when its network gives counts."""
    if channel.network not in PROVIDERS:
        return None
    cls = get_provider_class(channel.network)
    return cls if issubclass(cls, ReadsMetrics) else None


def read(channel: Channel, work: Callable[[ReadsMetrics], T]) -> T:
    """`work` with the channel's provider, on its credentials as their owner keeps them, as a background read."""

    def narrowed(provider: Provider) -> T:
        if not isinstance(provider, ReadsMetrics):
            raise ProviderError(f"{provider.name} gives no counts.", ErrorKind.PERMANENT)
        return work(provider)

    with background():
        return credentials.using(channel, narrowed)


# -- Sweeping a channel -------------------------------------------------------------------------


def sweep_channel(channel: Channel) -> SweepReport:
    """Backfill the channel if it never was, enrol what Stoa published since, read its audience if not read today,
    then the counts of each post due on its ladder, until the background reads' share of the budget is spent."""
    report = SweepReport()
    network = metrics_of(channel)
    if network is None or channel.status != ChannelStatus.ACTIVE:
        return report
    try:
        if not ChannelMetrics.objects.filter(channel=channel, backfilled_at__isnull=False).exists():
            backfill(channel, report)
        enrol_publications(channel)
        read_audience(channel, network, report, unless_read_today=True)
        if network.post_metrics:
            due = due_posts(channel)
            for start in range(0, len(due), network.metrics_per_request):
                read_posts_if_free(channel, due[start:start + network.metrics_per_request], network, report)
    except OverBudget as e:
        report.yielded = True
        log.info("Counts of channel %s wait for the next sweep: %s", channel.pk, e.message)
    except ProviderError as e:
        log.warning("Counts of channel %s not read (%s): %s", channel.pk, e.kind, e.message)
    return report


def enrol_publications(channel: Channel) -> int:
    """What Stoa published on the channel and does not measure yet is measured from now on, first 1 hour after it
    was published (now, for what was published before)."""
    waiting = list(Publication.objects.filter(channel=channel, state=State.PUBLISHED, published_at__isnull=False,
                                              measured__isnull=True).exclude(remote_id=""))
    if not waiting:
        return 0
    with transaction.atomic():  # one write transaction, not several a post: on SQLite publishing waits for each
        for publication in waiting:
            assert publication.published_at is not None  # the query's condition
            measure(channel, publication.remote_id, publication.remote_url, publication.published_at,
                    first_read(publication.published_at), publication)
    return len(waiting)


def due_posts(channel: Channel) -> list[int]:
    return list(MeasuredPost.objects.filter(channel=channel, next_read_at__lte=clock.now())
                .order_by("next_read_at").values_list("pk", flat=True)[:SWEEP_BATCH])


def claim_post(post_id: int) -> MeasuredPost | None:
    """The post, if it is still due and no other worker reads it now; held for READ_LEASE."""
    now = clock.now()
    free = Q(read_until__isnull=True) | Q(read_until__lt=now)
    if not MeasuredPost.objects.filter(free, pk=post_id, next_read_at__lte=now).update(read_until=now + READ_LEASE):
        return None
    return MeasuredPost.objects.get(pk=post_id)


def read_posts_if_free(channel: Channel, post_ids: list[int], network: type[ReadsMetrics],
                       report: SweepReport) -> None:
    """The counts of those posts no other worker reads now, in one request where the network allows."""
    posts = [post for post_id in post_ids if (post := claim_post(post_id))]
    if not posts:
        return
    try:
        read_posts(channel, posts, network, report)
    finally:
        MeasuredPost.objects.filter(pk__in=[post.pk for post in posts]).update(read_until=None)


def read_posts(channel: Channel, posts: list[MeasuredPost], network: type[ReadsMetrics], report: SweepReport) -> None:
    """One read of the posts' counts, and when the next is due for each. An error that concerns them all (the
    budget, the account) is raised and they stay due; a post the network no longer has is read no more."""
    published = [Published(post.remote_id, post.url) for post in posts]
    results = read(channel, lambda provider: provider.posts_metrics(published))
    for post in posts:
        result = results.get(post.remote_id) or ProviderError("The network did not answer for this post.",
                                                              ErrorKind.TRANSIENT)
        if isinstance(result, ProviderError):
            not_read(channel, post, result, report)
        elif record_post_snapshot(post, result, network.post_metrics) is None:
            report.failed += 1
            MeasuredPost.objects.filter(pk=post.pk).update(next_read_at=clock.now() + AFTER_A_FAILED_READ,
                                                           last_error="The network's counts were refused.")
        else:
            report.snapshots += 1
            MeasuredPost.objects.filter(pk=post.pk).update(next_read_at=next_read(post.published_at, clock.now()),
                                                           last_error="")


def not_read(channel: Channel, post: MeasuredPost, error: ProviderError, report: SweepReport) -> None:
    gone = error.kind == ErrorKind.PERMANENT
    log.warning("Counts of post %s on channel %s not read%s: %s", post.remote_id, channel.pk,
                " (no longer on the network: not read again)" if gone else "", error.message)
    MeasuredPost.objects.filter(pk=post.pk).update(
        next_read_at=None if gone else clock.now() + AFTER_A_FAILED_READ, last_error=error.message[:1000])
    report.failed += 1


# -- Counts the network sends unasked -----------------------------------------------------------


def keep_pushed_counts(channel: Channel, counts: Sequence[PostCounts]) -> int:
    """Each post's counts the network sent (InboxPage.counts), a snapshot at the time it gave, through the same checks
    as a read's (refused: logged, nothing kept). Counts of a post Stoa does not measure are let go; one published since
    the last sweep is measured first. The same counts sent again (a webhook retried, a page read twice) are kept once.
    Returns the snapshots written."""
    network = metrics_of(channel)
    if network is None or not network.pushed_post_metrics or not counts:
        return 0
    wanted = {found.remote_id for found in counts}

    def measured() -> dict[str, MeasuredPost]:
        return {post.remote_id: post for post in MeasuredPost.objects.filter(channel=channel, remote_id__in=wanted)}

    posts = measured()
    if wanted - posts.keys() and enrol_publications(channel):
        posts = measured()
    written = 0
    for found in counts:
        post = posts.get(found.remote_id)
        if post is None:
            log.debug("Counts of post %s on channel %s let go: Stoa does not measure it", found.remote_id, channel.pk)
        elif not kept_already(post, found) and record_post_snapshot(post, found.metrics, network.pushed_post_metrics):
            written += 1
    return written


def on_counts_pushed(sender: object, channel: Channel, counts: Sequence[PostCounts], **kwargs: Any) -> None:
    """stoa.channels.signals.counts_pushed, connected in AnalyticsConfig.ready()."""
    keep_pushed_counts(channel, counts)


def kept_already(post: MeasuredPost, found: PostCounts) -> bool:
    """Whether the post has a snapshot of exactly these counts at exactly their time."""
    if not found.metrics or any(point.name not in POST_METRICS for point in found.metrics):
        return False  # refused by the checks, and logged there
    return PostSnapshot.objects.filter(post=post, measured_at=max(point.measured_at for point in found.metrics),
                                       **{point.name: point.value for point in found.metrics}).exists()


# -- The channel's audience and its backfill ----------------------------------------------------


def claim_channel(channel: Channel) -> bool:
    """The channel's audience read or backfill, for this worker alone, held for READ_LEASE."""
    now = clock.now()
    ChannelMetrics.objects.get_or_create(channel=channel)
    free = Q(read_until__isnull=True) | Q(read_until__lt=now)
    return bool(ChannelMetrics.objects.filter(free, channel=channel).update(read_until=now + READ_LEASE))


def release_channel(channel: Channel) -> None:
    ChannelMetrics.objects.filter(channel=channel).update(read_until=None)


def read_audience(channel: Channel, network: type[ReadsMetrics], report: SweepReport, *,
                  unless_read_today: bool) -> None:
    """The channel's followers, following and posts as the network counts them now: the day's snapshot."""
    def read_today() -> bool:
        return unless_read_today and ChannelSnapshot.objects.filter(channel=channel,
                                                                     day=snapshot_day(channel, clock.now())).exists()

    if read_today() or not claim_channel(channel):
        return
    try:
        if read_today():  # by the worker that held the lease before this one
            return
        points = read(channel, lambda provider: provider.account_counts())
        report.audience = record_channel_snapshot(channel, points, network.account_metrics) is not None
    except ProviderError as e:
        if isinstance(e, OverBudget) or e.kind in STOPS_THE_CHANNEL:
            raise
        log.warning("Audience of channel %s not read: %s", channel.pk, e.message)
    finally:
        release_channel(channel)


def backfill(channel: Channel, report: SweepReport | None = None) -> SweepReport:
    """The account's recent posts (made by Stoa or not) measured from now on, each with the counts the list gave,
    and the channel's audience: so the first report is not empty. Done once per channel."""
    report = report or SweepReport()
    network = metrics_of(channel)
    channel.refresh_from_db(fields=["status"])  # disabled or disconnected since the backfill was queued
    if network is None or channel.status != ChannelStatus.ACTIVE or not claim_channel(channel):
        return report
    try:
        if ChannelMetrics.objects.filter(channel=channel, backfilled_at__isnull=False).exists():
            return report  # by the worker that held the lease before this one
        recent = read(channel, lambda provider: provider.recent_posts(BACKFILL_POSTS))
        now = clock.now()
        for found in recent:
            publication = Publication.objects.filter(channel=channel, remote_id=found.published.remote_id).first()
            # Stoa's own record of when it published comes first; the network's is the author's (Bluesky's createdAt).
            published_at = (publication.published_at if publication else None) or found.published_at
            post, created = measure(channel, found.published.remote_id, found.published.url, published_at,
                                    next_read(published_at, now), publication)
            if created and network.post_metrics and record_post_snapshot(post, found.metrics, network.post_metrics):
                report.snapshots += 1
            report.backfilled += created
        ChannelMetrics.objects.filter(channel=channel).update(backfilled_at=now)
    except ProviderError as e:  # not done: the channel's next sweep tries again
        report.yielded = isinstance(e, OverBudget)
        log.warning("The recent posts of channel %s not read (%s): %s", channel.pk, e.kind, e.message)
        return report
    finally:
        release_channel(channel)
    try:
        read_audience(channel, network, report, unless_read_today=True)
    except ProviderError as e:  # read on the channel's next sweep
        report.yielded = isinstance(e, OverBudget)
        log.warning("The audience of channel %s not read (%s): %s", channel.pk, e.kind, e.message)
    return report
