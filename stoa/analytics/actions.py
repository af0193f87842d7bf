"""The one write path of analytics: what is measured, and each snapshot, checked before it is written.

A read is refused whole (logged, nothing written) when a count is negative, not a whole number, missing though the
network declares it, given twice, or one the network does not declare: a series holds only counts the network gave.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import OuterRef, Subquery

from stoa import clock
from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.analytics.queries import kind_of
from stoa.channels.models import Channel
from stoa.posts.models import Publication
from stoa.providers.base import ACCOUNT_METRICS, POST_METRICS, MetricPoint

log = logging.getLogger("stoa.analytics")


class Refused(ValueError):
    """What a network gave cannot be kept."""


def checked(points: Iterable[MetricPoint], declared: Iterable[str]) -> tuple[dict[str, int], datetime]:
    """The counts by name, and when they were read; Refused for anything but exactly the declared counts."""
    values: dict[str, int] = {}
    measured_at = None
    for point in points:
        if isinstance(point.value, bool) or not isinstance(point.value, int) or point.value < 0:
            raise Refused(f"{point.name} = {str(point.value)[:40]!r} is not a count")
        if point.name in values:
            raise Refused(f"{point.name} was given twice")
        values[point.name] = point.value
        measured_at = max(measured_at or point.measured_at, point.measured_at)
    if values.keys() != set(declared):
        missing, unexpected = sorted(set(declared) - values.keys()), sorted(values.keys() - set(declared))
        raise Refused(f"missing {missing}, not declared {unexpected}")
    return values, measured_at or clock.now()


def record_post_snapshot(post: MeasuredPost, points: Iterable[MetricPoint], declared: Iterable[str]) -> \
        PostSnapshot | None:
    """One row with every count, or nothing (logged) when the read is refused."""
    try:
        values, measured_at = checked(points, declared)
    except Refused as refused:
        log.warning("Counts of post %s on channel %s refused, nothing kept: %s", post.remote_id, post.channel_id,
                    refused)
        return None
    with transaction.atomic():
        snapshot = PostSnapshot.objects.create(post=post, measured_at=measured_at,
                                               **{name: values.get(name) for name in POST_METRICS})
        point_to_latest([post.pk])
    return snapshot


def point_to_latest(post_ids: Iterable[int]) -> None:
    """Each post's latest_snapshot set to the latest of its series (the pages' figures); called in the transaction
    that writes its snapshots, so the two never disagree."""
    latest = PostSnapshot.objects.filter(post=OuterRef("pk")).order_by("-measured_at", "-pk").values("pk")[:1]
    ids = list(post_ids)
    for start in range(0, len(ids), 2000):  # within SQLite's limit of parameters
        MeasuredPost.objects.filter(pk__in=ids[start:start + 2000]).update(latest_snapshot=Subquery(latest))


def snapshot_day(channel: Channel, moment: datetime) -> date:
    """The day of `moment` in the channel's workspace's timezone."""
    return moment.astimezone(channel.workspace.tzinfo).date()


def record_channel_snapshot(channel: Channel, points: Iterable[MetricPoint], declared: Iterable[str]) -> \
        ChannelSnapshot | None:
    """The day's row of the channel's audience (a later read that day replaces it whole), or nothing when refused.
    The day is the workspace's (ChannelSnapshot.day), so a brand's day ends at its own midnight."""
    try:
        values, measured_at = checked(points, declared)
    except Refused as refused:
        log.warning("Audience counts of channel %s refused, nothing kept: %s", channel.pk, refused)
        return None
    snapshot, _created = ChannelSnapshot.objects.update_or_create(
        channel=channel, day=snapshot_day(channel, measured_at),
        defaults={"measured_at": measured_at, **{name: values.get(name) for name in ACCOUNT_METRICS}})
    return snapshot


def classify(post_ids: Iterable[int]) -> None:
    """Each post's kind (MeasuredPost.kind) from its publication's media and options."""
    found = MeasuredPost.objects.filter(pk__in=list(post_ids)).annotate(found=kind_of()).values_list("pk", "found")
    by_kind: dict[str, list[int]] = {}
    for pk, kind in found:
        by_kind.setdefault(kind, []).append(pk)
    for kind, pks in by_kind.items():
        for start in range(0, len(pks), 2000):  # within SQLite's limit of parameters
            MeasuredPost.objects.filter(pk__in=pks[start:start + 2000]).update(kind=kind)


def measure(channel: Channel, remote_id: str, url: str, published_at: datetime, next_read_at: datetime,
            publication: Publication | None = None) -> tuple[MeasuredPost, bool]:
    """The post measured from now on (it may be measured already: found by a backfill, then seen published by
    Stoa, or the reverse), and whether it is new."""
    post, created = MeasuredPost.objects.get_or_create(
        channel=channel, remote_id=remote_id,
        defaults={"workspace_id": channel.workspace_id, "url": url, "published_at": published_at,
                  "next_read_at": next_read_at, "publication": publication})
    if not created and publication is not None and post.publication_id is None:
        MeasuredPost.objects.filter(pk=post.pk, publication__isnull=True).update(publication=publication)
    if created or publication is not None:
        classify([post.pk])
    return post, created
