"""Trends: hashtags and terms rising in the workspace's hits (this window against the one before), and the
hashtags trending where its channels' networks say (ReadsTrends: Mastodon's trends of each server, "tags that are
being used more frequently within the past week"). Bluesky has no trends endpoint in the AT Protocol lexicons Stoa
uses; its trends are counted from its event stream (stream_tags).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from stoa import clock
from stoa.channels.credentials import using
from stoa.channels.models import Channel, ChannelStatus
from stoa.listening import stream_tags
from stoa.listening.matching import phrase, words
from stoa.listening.models import Hit, ListeningQuery
from stoa.providers.base import Provider, ProviderError, TrendingTag
from stoa.providers.capabilities import ReadsTrends
from stoa.providers.registry import supports
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)
WINDOW_DAYS = 7
MOST_HITS = 20_000  # per window: the newest, so a busy month stays quick to count
MIN_USES = 3
MIN_STREAM_USES = 5  # a hashtag's uses on Bluesky's whole stream in a day, to be shown as rising
DAY = timedelta(days=1)
RISE = 2.0  # this window at least twice the one before (each counted plus one)
SHOWN = 15
MIN_TERM_LETTERS = 4  # shorter words are mostly the little words of every language


@dataclass(frozen=True)
class Trend:
    text: str  # "#tag" or a word
    now: int
    before: int

    @property
    def hashtag(self) -> str:
        return self.text.lstrip("#")

    @property
    def is_hashtag(self) -> bool:
        return self.text.startswith("#")


def texts(workspace: Workspace, start, end) -> list[str]:
    hits = Hit.objects.filter(workspace=workspace, written_at__gte=start, written_at__lt=end)
    return list(hits.order_by("-written_at").values_list("text", flat=True)[:MOST_HITS])


def counted(posts: list[str], own: set[str]) -> Counter:
    """Each hashtag and term once a post, leaving out the words of the workspace's own queries."""
    found: Counter = Counter()
    for text in posts:
        found.update({w for w in words(text) if w.lstrip("#") not in own and
                      (w.startswith("#") or (len(w) >= MIN_TERM_LETTERS and not w.isdigit()))})
    return found


def rising(workspace: Workspace, days: int = WINDOW_DAYS) -> list[Trend]:
    now = clock.now()
    window = timedelta(days=days)
    own = {w for q in ListeningQuery.objects.filter(workspace=workspace)
           for text in [*q.terms, *q.hashtags] for w in phrase(text)}
    this = counted(texts(workspace, now - window, now), own)
    before = counted(texts(workspace, now - 2 * window, now - window), own)
    return risen(this, before, MIN_USES)


def risen(this: Counter, before: Counter, least: int) -> list[Trend]:
    """What was used at least `least` times in this window and RISE times as often as in the one before."""
    found = [Trend(text, n, before[text]) for text, n in this.items()
             if n >= least and (n + 1) / (before[text] + 1) >= RISE]
    found.sort(key=lambda t: (-(t.now + 1) / (t.before + 1) * t.now, t.text))
    return found[:SHOWN]


def bluesky_rising(workspace: Workspace) -> list[Trend] | None:
    """The hashtags rising on Bluesky's event stream, the last day against the one before; None where the workspace
    has no Bluesky channel or the stream is not read."""
    address = settings.STOA_BLUESKY_RELAY
    if not address or not Channel.objects.filter(workspace=workspace, network="bluesky",
                                                  status=ChannelStatus.ACTIVE).exists():
        return None
    end = stream_tags.this_hour() + timedelta(hours=1)
    this = Counter({f"#{tag}": n for tag, n in stream_tags.uses(address, end - DAY, end).items()})
    before = Counter({f"#{tag}": n for tag, n in stream_tags.uses(address, end - 2 * DAY, end - DAY).items()})
    return risen(this, before, MIN_STREAM_USES)


@dataclass(frozen=True)
class NetworkTrend:
    channel: str
    tag: TrendingTag


def network_trends(workspace: Workspace) -> tuple[list[NetworkTrend], list[str]]:
    """The hashtags trending where the workspace's channels can say (each Mastodon server once), and the channels
    that could not."""
    found: list[NetworkTrend] = []
    failed: list[str] = []
    servers: set[tuple[str, str]] = set()
    for channel in Channel.objects.filter(workspace=workspace, status=ChannelStatus.ACTIVE).order_by("pk"):
        server = (channel.network, str(channel.config.get("instance_url", "")))
        if server in servers or not supports(channel, ReadsTrends):
            continue  # one server's trends once
        servers.add(server)
        try:
            tags = using(channel, read_trends)
        except ProviderError as error:
            log.warning("Listening: the trends of channel %s could not be read: %s", channel.pk, error)
            failed.append(channel.name)
            continue
        found += [NetworkTrend(channel.name, tag) for tag in tags]
    return found, failed


def read_trends(provider: Provider) -> tuple[TrendingTag, ...]:
    assert isinstance(provider, ReadsTrends)
    return provider.trending_tags()
