"""A workspace's KPIs over a period (the page's or the report's; the last 30 days where none is given) beside the
previous period of the same length, against the targets its owners set, and their status.

A target is for 30 days: follower growth, clicks and conversions, which add up over time, are compared with their
target scaled to the period's length (100 followers in 30 days is 23.33 in 7); rates and the response time are not.

Follower growth, engagement rate, clicks, conversions and ROI are "on track" at or above their target, response time
at or below it. A KPI without figures yet (no short links, no conversions imported) is "no data yet", never 0.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from stoa import clock
from stoa.analytics.models import Kpi, KpiTarget
from stoa.analytics.queries import Scope, audience_growth, clicks, conversions, net_followers, totals
from stoa.inbox.models import Item
from stoa.inbox.routing import Policy as RoutingPolicy
from stoa.workspaces.models import Workspace

TARGET_DAYS = 30  # what a target is for
PERIOD = timedelta(days=TARGET_DAYS)  # the period where none is given
ADDS_UP = {Kpi.FOLLOWER_GROWTH, Kpi.CLICKS, Kpi.CONVERSIONS}
LOWER_IS_BETTER = {Kpi.RESPONSE_TIME}
UNITS = {Kpi.ENGAGEMENT_RATE: "%", Kpi.ROI: "%"}  # hours are said in the reader's language (kpi_figures)
ON_TRACK, BEHIND, NO_TARGET, NO_DATA = "on_track", "behind", "no_target", "no_data"
STATUS_LABELS = {ON_TRACK: _("On track"), BEHIND: _("Behind"), NO_TARGET: _("No target"), NO_DATA: _("No data yet")}


@dataclass(frozen=True)
class KpiStatus:
    kpi: Kpi
    value: float | None
    target: Decimal | None  # for 30 days, as set
    previous: float | None = None  # over the previous period of the same length
    days: int = TARGET_DAYS  # the period's length

    @property
    def period_target(self) -> Decimal | None:
        """The target for this period's length (a KPI that adds up over time scaled to it)."""
        if self.target is None or self.kpi not in ADDS_UP or self.days == TARGET_DAYS:
            return self.target
        return round(self.target * self.days / TARGET_DAYS, 2)

    @property
    def change(self) -> float | None:
        return None if self.value is None or self.previous is None else round(self.value - self.previous, 2)

    @property
    def label(self) -> str:
        return str(self.kpi.label)

    @property
    def unit(self) -> str:
        return UNITS.get(self.kpi, "")

    @property
    def status(self) -> str:
        if self.value is None:
            return NO_DATA
        target = self.period_target
        if target is None:
            return NO_TARGET
        if self.kpi in LOWER_IS_BETTER:
            return ON_TRACK if self.value <= target else BEHIND
        return ON_TRACK if self.value >= target else BEHIND

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _response_hours(workspace: Workspace, periods: list[tuple[datetime, datetime]]) -> list[float | None]:
    """The median working time to a first answer (hours) of the messages written in each period, as the response
    report's total gives it (stoa/inbox/report.py), from one query of only the two times it needs."""
    clock_ = RoutingPolicy.of(workspace).clock
    answered = (Item.objects.filter(workspace=workspace, written_at__gte=min(start for start, _ in periods),
                                    written_at__lt=max(end for _, end in periods), first_response_at__isnull=False)
                .values_list("written_at", "first_response_at"))
    minutes: list[list[float]] = [[] for _ in periods]
    for written_at, first_response_at in answered:
        assert first_response_at is not None  # filtered above
        taken = clock_.between(written_at, first_response_at).total_seconds() / 60
        for n, (start, end) in enumerate(periods):
            if start <= written_at < end:
                minutes[n].append(taken)
    return [round(statistics.median(m) / 60, 2) if m else None for m in minutes]


def kpi_values(scope: Scope, response_hours: float | None) -> dict[Kpi, float | None]:
    """The KPIs of the scope's one workspace over its period (the response time computed beforehand, see
    _response_hours)."""
    linked = clicks(scope)
    converted = conversions(scope)
    return {
        Kpi.FOLLOWER_GROWTH: net_followers(audience_growth(scope)),
        Kpi.ENGAGEMENT_RATE: totals(scope)["rate"],
        Kpi.RESPONSE_TIME: response_hours,
        Kpi.CLICKS: linked["clicks"] if linked["links"] else None,
        Kpi.CONVERSIONS: converted["conversions"],
        Kpi.ROI: converted["roi"],
    }


def kpi_statuses(workspace: Workspace, start: datetime | None = None, end: datetime | None = None) -> \
        list[KpiStatus]:
    """Each KPI from `start` to `end` (the last 30 days where not given) beside the period just before."""
    end = end or clock.now()
    scope = Scope(workspaces=(workspace,), start=start or end - PERIOD, end=end)
    targets = dict(KpiTarget.objects.filter(workspace=workspace).values_list("kpi", "target"))
    previous = scope.previous()
    hours_now, hours_before = _response_hours(workspace, [(scope.start, scope.end), (previous.start, previous.end)])
    values, before = kpi_values(scope, hours_now), kpi_values(previous, hours_before)
    days = max(1, round((scope.end - scope.start) / timedelta(days=1)))  # whole days, across a change of clocks
    return [KpiStatus(kpi, values[kpi], targets.get(kpi), before[kpi], days) for kpi in Kpi]


def set_targets(workspace: Workspace, targets: dict[str, Decimal | None]) -> None:
    """Store the targets given; an empty one removes that KPI's target."""
    now = clock.now()
    for kpi, target in targets.items():
        if target is None:
            KpiTarget.objects.filter(workspace=workspace, kpi=kpi).delete()
        else:
            KpiTarget.objects.update_or_create(workspace=workspace, kpi=kpi,
                                               defaults={"target": target, "updated_at": now})
