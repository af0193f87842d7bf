"""Opinion leaders: the people in the brand's audience, ranked by how far they reach and how much they engage.

The ranking, as docs/audience.md states it:

    points = 3 x (replies + mentions) + 2 x reposts + 1 x likes       (over the period, 90 days by default)
    score  = points x (1 + log10(1 + followers))

A reply or a mention (a quote arrives in the inbox as one) says something about the brand to the person's own
followers, a repost passes the brand's words on, a like only marks them: hence 3, 2 and 1. Followers weigh in by
their order of magnitude (log10), so a person with a million followers and one like does not outrank a regular with
a thousand who answers every week; with followers unknown, the factor is 1 and the person is ranked by interaction
alone. Ties go to the most recent interaction.

Replies and mentions are the inbox's items (comments; mentions and search hits, which name the brand): they carry the
classifier's sentiment, counted as positive and negative. Direct messages are left out: they are private, and say
nothing of a person's influence. Reposts and likes are the Engagement rows read from the networks that
declare ReadsEngagement (stoa.audience.collect).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max

from stoa import clock
from stoa.audience.models import Engagement, Reach
from stoa.inbox.models import Author, Item, Kind, Sentiment
from stoa.workspaces.models import Workspace

POINTS = {"reply": 3, "mention": 3, "repost": 2, "like": 1}
ACTION_OF_KIND = {Kind.COMMENT: "reply", Kind.MENTION: "mention", Kind.SEARCH: "mention"}
SORTS = ("score", "followers", "interactions", "negative", "positive", "last")
DEFAULT_DAYS = 90
LAST_SHOWN = 3  # the last interactions shown beside each person


@dataclass
class LastInteraction:
    action: str
    at: datetime
    text: str = ""
    sentiment: str = ""
    url: str = ""


@dataclass
class Leader:
    network: str
    account_id: str
    handle: str = ""
    name: str = ""
    profile_url: str = ""
    followers: int | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(POINTS, 0))
    positive: int = 0
    negative: int = 0
    last_at: datetime | None = None
    last: list[LastInteraction] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.network, self.account_id

    @property
    def points(self) -> int:
        return sum(POINTS[action] * n for action, n in self.counts.items())

    @property
    def interactions(self) -> int:
        return sum(self.counts.values())

    @property
    def score(self) -> float:
        return round(score(self.points, self.followers), 2)

    @property
    def leaning(self) -> str:
        """Positive or negative where one outweighs the other, neutral otherwise (no text or a balance)."""
        if self.positive > self.negative:
            return Sentiment.POSITIVE
        if self.negative > self.positive:
            return Sentiment.NEGATIVE
        return Sentiment.NEUTRAL


def score(points: int, followers: int | None) -> float:
    return points * (1 + math.log10(1 + (followers or 0)))


@dataclass(frozen=True)
class Filters:
    network: str = ""
    sentiment: str = ""  # positive | negative | neutral: the person's leaning
    sort: str = "score"
    days: int = DEFAULT_DAYS


def since(days: int) -> datetime:
    return clock.now() - timedelta(days=days)


def rank(workspace: Workspace, filters: Filters = Filters(), limit: int | None = None) -> list[Leader]:
    """The workspace's opinion leaders over the filters' period, best first by the chosen order."""
    people: dict[tuple[str, str], Leader] = {}
    add_inbox(people, workspace, filters)
    add_engagement(people, workspace, filters)
    add_reach(people, workspace)
    chosen = [p for p in people.values() if not filters.sentiment or p.leaning == filters.sentiment]
    chosen.sort(key=lambda p: (order_key(p, filters.sort), p.last_at or clock.now()), reverse=True)
    return chosen[:limit] if limit else chosen


def order_key(person: Leader, sort: str) -> float:
    if sort == "followers":
        return person.followers if person.followers is not None else -1
    if sort == "last":
        return person.last_at.timestamp() if person.last_at else 0
    return {"interactions": person.interactions, "negative": person.negative,
            "positive": person.positive}.get(sort, person.score)


def person(people: dict[tuple[str, str], Leader], network: str, account_id: str) -> Leader:
    return people.setdefault((network, account_id), Leader(network, account_id))


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(x for x in (a, b) if x is not None) if (a or b) else None


def inbox_items(workspace: Workspace, filters: Filters):
    items = Item.objects.filter(workspace=workspace, kind__in=list(ACTION_OF_KIND), written_at__gte=since(filters.days))
    return items.filter(author__network=filters.network) if filters.network else items


def add_inbox(people: dict[tuple[str, str], Leader], workspace: Workspace, filters: Filters) -> None:
    rows = (inbox_items(workspace, filters).values("author__network", "author__remote_id", "kind", "sentiment")
            .annotate(n=Count("id"), last=Max("written_at")))
    for row in rows:
        leader = person(people, row["author__network"], row["author__remote_id"])
        leader.counts[ACTION_OF_KIND[row["kind"]]] += row["n"]
        leader.positive += row["n"] if row["sentiment"] == Sentiment.POSITIVE else 0
        leader.negative += row["n"] if row["sentiment"] == Sentiment.NEGATIVE else 0
        leader.last_at = later(leader.last_at, row["last"])
    authors = Author.objects.filter(workspace=workspace, items__in=inbox_items(workspace, filters)).distinct()
    for author in authors:
        if found := people.get((author.network, author.remote_id)):
            found.handle, found.name, found.profile_url = author.handle, author.name, author.profile_url


def engagements(workspace: Workspace, filters: Filters):
    rows = Engagement.objects.filter(workspace=workspace, seen_at__gte=since(filters.days), action__in=list(POINTS))
    return rows.filter(network=filters.network) if filters.network else rows


def add_engagement(people: dict[tuple[str, str], Leader], workspace: Workspace, filters: Filters) -> None:
    rows = (engagements(workspace, filters).values("network", "account_id", "action")
            .annotate(n=Count("id"), last=Max("seen_at"), handle=Max("handle"), name=Max("name"),
                      profile_url=Max("profile_url")))
    for row in rows:
        leader = person(people, row["network"], row["account_id"])
        leader.counts[row["action"]] += row["n"]
        leader.last_at = later(leader.last_at, row["last"])
        leader.handle = leader.handle or row["handle"]
        leader.name = leader.name or row["name"]
        leader.profile_url = leader.profile_url or row["profile_url"]


def add_reach(people: dict[tuple[str, str], Leader], workspace: Workspace) -> None:
    for network, account_id, followers in Reach.objects.filter(workspace=workspace).values_list(
            "network", "account_id", "followers"):
        if leader := people.get((network, account_id)):
            leader.followers = followers


def with_last_interactions(workspace: Workspace, leaders: list[Leader], filters: Filters = Filters()) -> list[Leader]:
    """Fills each leader's last interactions (the LAST_SHOWN most recent, newest first), for the page and export."""
    wanted = {leader.key: leader for leader in leaders}
    found: dict[tuple[str, str], list[LastInteraction]] = defaultdict(list)
    ids = {account_id for _network, account_id in wanted}
    items = inbox_items(workspace, filters).filter(author__remote_id__in=ids).select_related("author")
    for item in items.order_by("-written_at").iterator():
        found[item.author.network, item.author.remote_id].append(LastInteraction(
            ACTION_OF_KIND[Kind(item.kind)], item.written_at, item.text, item.sentiment, item.remote_url))
    for row in engagements(workspace, filters).filter(account_id__in=ids).select_related("publication"):
        found[row.network, row.account_id].append(LastInteraction(row.action, row.seen_at,
                                                                  url=row.publication.remote_url))
    for key, leader in wanted.items():
        leader.last = newest(found.get(key, ()))
    return leaders


def newest(interactions: Iterable[LastInteraction]) -> list[LastInteraction]:
    return sorted(interactions, key=lambda i: i.at, reverse=True)[:LAST_SHOWN]
