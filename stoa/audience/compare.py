"""Competitors side by side with the brand's own channels over a period: posting frequency, formats, engagement per
post, top posts and follower growth.

The brand's figures are analytics' (stoa.analytics.models: each post's latest snapshot and the channels' daily
audience), read here because audience sits above analytics in the layers. Engagement is likes + reposts + replies
for both sides, the counts every network here gives (quotes and views are left out: not all give them). Analytics
tells a post's kind from its media (photo, video, GIF...), not whether its text carries a link, so the brand's posts
with a link and no media count as text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from stoa import clock
from stoa.analytics.models import ChannelSnapshot, MeasuredPost
from stoa.audience.models import Competitor, CompetitorSnapshot, Format
from stoa.audience.public import READ_ERRORS
from stoa.channels.models import Channel
from stoa.workspaces.models import Workspace

TOP_POSTS = 3
BRAND_FORMATS = {"photo": Format.IMAGE, "video": Format.VIDEO, "gif": Format.VIDEO}  # anything else: text


@dataclass(frozen=True)
class TopPost:
    url: str
    text: str
    engagement: int


@dataclass
class Column:
    """One account in the side-by-side table."""

    name: str
    network: str
    brand: bool
    days: int
    posts: int = 0
    formats: dict[str, int] = field(default_factory=lambda: dict.fromkeys(Format.values, 0))
    engagement: int = 0
    followers: int | None = None
    growth: int | None = None  # followers at the period's end minus at its start (first and last snapshots)
    series: list[tuple[date, int | None]] = field(default_factory=list)  # followers by day
    top: list[TopPost] = field(default_factory=list)
    error: str = ""

    @property
    def per_week(self) -> float:
        return round(self.posts * 7 / self.days, 1)

    @property
    def per_post(self) -> float | None:
        return round(self.engagement / self.posts, 1) if self.posts else None

    def shares(self) -> dict[str, int]:
        """Each format's share of the posts, in whole percent."""
        return {kind: round(100 * n / self.posts) if self.posts else 0 for kind, n in self.formats.items()}


def period_start(days: int) -> datetime:
    return clock.now() - timedelta(days=days)


def with_growth(column: Column, series: list[tuple[date, int | None]]) -> Column:
    column.series = series
    known = [n for _day, n in series if n is not None]
    column.followers = known[-1] if known else None
    column.growth = known[-1] - known[0] if len(known) > 1 else None
    return column


def competitor_column(competitor: Competitor, days: int) -> Column:
    error = str(READ_ERRORS.get(competitor.last_error, competitor.last_error))
    column = Column(str(competitor), competitor.network, brand=False, days=days, error=error)
    posts = list(competitor.posts.filter(published_at__gte=period_start(days)))
    column.posts = len(posts)
    column.formats.update(Counter(post.format for post in posts))
    column.engagement = sum(post.engagement for post in posts)
    column.top = [TopPost(p.url, p.text, p.engagement) for p in top(posts, lambda p: p.engagement)]
    snapshots = CompetitorSnapshot.objects.filter(competitor=competitor, day__gte=period_start(days).date())
    return with_growth(column, list(snapshots.values_list("day", "followers")))


def top(posts: Iterable, engagement) -> list:
    return sorted(posts, key=engagement, reverse=True)[:TOP_POSTS]


def snapshot_engagement(post: MeasuredPost) -> int:
    snapshot = post.latest_snapshot
    if snapshot is None:
        return 0
    return (snapshot.likes or 0) + (snapshot.reposts or 0) + (snapshot.replies or 0)


def brand_column(channel: Channel, days: int) -> Column:
    column = Column(channel.name, channel.network, brand=True, days=days)
    posts = list(MeasuredPost.objects.filter(channel=channel, published_at__gte=period_start(days))
                 .select_related("latest_snapshot", "publication__variant"))
    column.posts = len(posts)
    column.formats.update(Counter(BRAND_FORMATS.get(post.kind, Format.TEXT) for post in posts))
    column.engagement = sum(map(snapshot_engagement, posts))
    column.top = [TopPost(p.url, p.publication.variant.text if p.publication else "", snapshot_engagement(p))
                  for p in top(posts, snapshot_engagement)]
    snapshots = ChannelSnapshot.objects.filter(channel=channel, day__gte=period_start(days).date())
    return with_growth(column, list(snapshots.values_list("day", "followers")))


def side_by_side(workspace: Workspace, days: int = 30) -> list[Column]:
    """The brand's channels first, then the competitors, each over the last `days` days."""
    brand = [brand_column(channel, days) for channel in Channel.objects.filter(workspace=workspace).order_by("name")]
    others = [competitor_column(c, days) for c in Competitor.objects.filter(workspace=workspace)]
    return brand + others
