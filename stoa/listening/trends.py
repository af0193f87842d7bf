"""Trends: hashtags and terms rising in the workspace's hits (this window against the one before), and the
hashtags trending on its Mastodon servers.

Mastodon: GET /api/v1/trends/tags {limit (default 10, at most 20), offset} -> [Tag], a Tag {name, url, history:
[{day, uses, accounts}]} with the history's figures as strings (day a Unix time), "tags that are being used more
frequently within the past week" (https://docs.joinmastodon.org/methods/trends/#tags,
https://docs.joinmastodon.org/entities/Tag/). Bluesky has no trends endpoint in the AT Protocol lexicons Stoa uses;
there the trends are counted from the workspace's own hits.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from stoa import clock
from stoa.channels.credentials import using
from stoa.channels.models import Channel, ChannelStatus
from stoa.listening.matching import phrase, words
from stoa.listening.models import Hit, ListeningQuery
from stoa.providers.base import Provider, ProviderError
from stoa.providers.mastodon.provider import MastodonProvider
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)
WINDOW_DAYS = 7
MOST_HITS = 20_000  # per window: the newest, so a busy month stays quick to count
MIN_USES = 3
RISE = 2.0  # this window at least twice the one before (each counted plus one)
SHOWN = 15
MASTODON_TRENDS = 20  # the documented maximum of limit
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
    found = [Trend(text, n, before[text]) for text, n in this.items()
             if n >= MIN_USES and (n + 1) / (before[text] + 1) >= RISE]
    found.sort(key=lambda t: (-(t.now + 1) / (t.before + 1) * t.now, t.text))
    return found[:SHOWN]


@dataclass(frozen=True)
class NetworkTrend:
    channel: str
    name: str
    url: str
    uses: int  # the newest day's
    accounts: int


def mastodon_trends(workspace: Workspace) -> tuple[list[NetworkTrend], list[str]]:
    """The trending hashtags of each of the workspace's Mastodon servers, and the channels that could not say."""
    found: list[NetworkTrend] = []
    failed: list[str] = []
    servers: set[str] = set()
    for channel in Channel.objects.filter(workspace=workspace, network="mastodon", status=ChannelStatus.ACTIVE):
        server = str(channel.config.get("instance_url", ""))
        if server in servers:
            continue  # one server's trends once
        servers.add(server)
        try:
            tags = using(channel, read_trends)
        except ProviderError as error:
            log.warning("Listening: the trends of channel %s could not be read: %s", channel.pk, error)
            failed.append(channel.name)
            continue
        found += [t for tag in (tags if isinstance(tags, list) else []) if (t := trend_of(channel.name, tag))]
    return found, failed


def read_trends(provider: Provider) -> Any:
    assert isinstance(provider, MastodonProvider)
    return provider.get_json("/api/v1/trends/tags", params={"limit": MASTODON_TRENDS})


def trend_of(channel: str, tag: Any) -> NetworkTrend | None:
    if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
        return None
    history = [h for h in tag.get("history") or [] if isinstance(h, dict)]
    # The newest day by its value (a Unix time as a string), whatever order the server lists them in.
    newest = max(history, key=lambda h: whole(h.get("day")), default={})
    return NetworkTrend(channel, tag["name"], str(tag.get("url") or ""), whole(newest.get("uses")),
                        whole(newest.get("accounts")))


def whole(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
