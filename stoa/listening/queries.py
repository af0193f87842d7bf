"""What the listening page shows: the stream of hits, volume and sentiment by day, and the share of voice, each
for the caller's workspace and filters. The figures come from the day counts, so a month of hundreds of thousands
of hits stays a few hundred rows to read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import QuerySet, Sum

from stoa.listening.models import DayCount, Hit, ListeningQuery
from stoa.workspaces.models import Workspace

STREAM = 50
SENTIMENTS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class Filters:
    query: int | None = None
    network: str = ""
    sentiment: str = ""
    language: str = ""
    days: int = 30

    def applied(self, rows: QuerySet, first: date) -> QuerySet:
        rows = rows.filter(day__gte=first)
        chosen = {"query_id": self.query, "network": self.network, "sentiment": self.sentiment,
                  "language": self.language}
        return rows.filter(**{name: value for name, value in chosen.items() if value})


@dataclass
class Day:
    day: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, sentiment: str) -> float:
        return round(100 * self.counts.get(sentiment, 0) / self.total, 1) if self.total else 0.0


def stream(workspace: Workspace, filters: Filters, first: date) -> list[Hit]:
    hits = filters.applied(Hit.objects.filter(workspace=workspace), first)
    return list(hits.select_related("query").order_by("-written_at", "-id")[:STREAM])


def by_day(workspace: Workspace, filters: Filters, first: date, last: date) -> list[Day]:
    """Every day from `first` to `last`, with its hits by sentiment ("" where none was given)."""
    days = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    rows = filters.applied(DayCount.objects.filter(workspace=workspace), first).values("day", "sentiment")
    for row in rows.annotate(n=Sum("hits")):
        if row["day"] in days:
            days[row["day"]].counts[row["sentiment"] or "neutral"] = row["n"]
    return list(days.values())


@dataclass(frozen=True)
class Voice:
    query: ListeningQuery
    hits: int
    percent: float


def share_of_voice(workspace: Workspace, filters: Filters, first: date) -> list[Voice]:
    """Each query's hits in the window against all of them, the brand's first (the query filter left out: the
    share is of everyone named)."""
    rows = Filters(None, filters.network, filters.sentiment, filters.language).applied(
        DayCount.objects.filter(workspace=workspace), first)
    counts = dict(rows.values("query").annotate(n=Sum("hits")).values_list("query", "n"))
    total = sum(counts.values())
    queries = ListeningQuery.objects.filter(workspace=workspace, pk__in=list(counts))
    return [Voice(q, counts[q.pk], round(100 * counts[q.pk] / total, 1)) for q in queries if total]
