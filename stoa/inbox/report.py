"""The response-time report: first answers and resolutions in working time, per member, channel and intent,
against the workspace's targets."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch

from stoa.inbox.models import Item, Reply, ReplyState
from stoa.inbox.routing import Policy as RoutingPolicy


@dataclass
class Row:
    label: str
    messages: int = 0
    answered: int = 0
    within_target: int = 0
    with_target: int = 0
    first_response_minutes: list[float] = field(default_factory=list)
    resolution_minutes: list[float] = field(default_factory=list)

    @property
    def median_first_response(self) -> float | None:
        return statistics.median(self.first_response_minutes) if self.first_response_minutes else None

    @property
    def mean_first_response(self) -> float | None:
        return statistics.fmean(self.first_response_minutes) if self.first_response_minutes else None

    @property
    def median_resolution(self) -> float | None:
        return statistics.median(self.resolution_minutes) if self.resolution_minutes else None

    @property
    def on_time_percent(self) -> float | None:
        return 100 * self.within_target / self.with_target if self.with_target else None


def response_report(workspace, start: datetime, end: datetime) -> dict[str, list[Row]]:
    """Messages written from `start` to `end`, grouped three ways and in total."""
    policy = RoutingPolicy.of(workspace)
    first_replies = Prefetch("replies", queryset=Reply.objects.filter(state=ReplyState.SENT)
                             .select_related("author").order_by("sent_at"), to_attr="sent")
    items = (Item.objects.filter(workspace=workspace, written_at__gte=start, written_at__lt=end)
             .select_related("channel").prefetch_related(first_replies))
    groups: dict[str, dict[str, Row]] = {"member": {}, "channel": {}, "intent": {}, "total": {}}
    for item in items:
        responder = item.sent[0].author.get_username() if item.sent and item.sent[0].author else "—"
        keys = {"member": responder if item.first_response_at else "—", "channel": item.channel.name,
                "intent": item.get_intent_display(), "total": "all"}
        first = resolution = None
        if item.first_response_at:
            first = policy.clock.between(item.written_at, item.first_response_at).total_seconds() / 60
        if item.resolved_at:
            resolution = policy.clock.between(item.written_at, item.resolved_at).total_seconds() / 60
        target = policy.targets.get(item.intent)
        for group, key in keys.items():
            row = groups[group].setdefault(key, Row(key))
            row.messages += 1
            if first is not None:
                row.answered += 1
                row.first_response_minutes.append(first)
            if resolution is not None:
                row.resolution_minutes.append(resolution)
            if target:
                row.with_target += 1
                row.within_target += first is not None and first <= target
    return {group: sorted(rows.values(), key=lambda r: -r.messages) for group, rows in groups.items()}


def hours(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    return f"{minutes:.0f} min" if minutes < 90 else f"{minutes / 60:.1f} h"
