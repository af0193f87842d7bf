"""A workspace's KPIs over the last 30 days, against the targets its owners set, and their status.

Follower growth, engagement rate, clicks, conversions and ROI are "on track" at or above their target, response time
at or below it. A KPI without figures yet (no short links, no conversions imported) is "no data yet", never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from stoa import clock
from stoa.analytics.models import Kpi, KpiTarget
from stoa.analytics.queries import Scope, audience_growth, clicks, conversions, net_followers, totals
from stoa.inbox.report import response_report
from stoa.workspaces.models import Workspace

PERIOD = timedelta(days=30)
LOWER_IS_BETTER = {Kpi.RESPONSE_TIME}
UNITS = {Kpi.ENGAGEMENT_RATE: "%", Kpi.ROI: "%", Kpi.RESPONSE_TIME: " h"}
ON_TRACK, BEHIND, NO_TARGET, NO_DATA = "on_track", "behind", "no_target", "no_data"
STATUS_LABELS = {ON_TRACK: _("On track"), BEHIND: _("Behind"), NO_TARGET: _("No target"), NO_DATA: _("No data yet")}


@dataclass(frozen=True)
class KpiStatus:
    kpi: Kpi
    value: float | None
    target: Decimal | None

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
        if self.target is None:
            return NO_TARGET
        if self.kpi in LOWER_IS_BETTER:
            return ON_TRACK if self.value <= self.target else BEHIND
        return ON_TRACK if self.value >= self.target else BEHIND

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _response_hours(workspace: Workspace, start: datetime, end: datetime) -> float | None:
    total = next(iter(response_report(workspace, start, end)["total"]), None)
    median = total.median_first_response if total else None
    return None if median is None else round(median / 60, 2)


def kpi_values(workspace: Workspace, end: datetime | None = None) -> dict[Kpi, float | None]:
    end = end or clock.now()
    scope = Scope(workspaces=(workspace,), start=end - PERIOD, end=end)
    linked = clicks(scope)
    converted = conversions(scope)
    return {
        Kpi.FOLLOWER_GROWTH: net_followers(audience_growth(scope)),
        Kpi.ENGAGEMENT_RATE: totals(scope)["rate"],
        Kpi.RESPONSE_TIME: _response_hours(workspace, scope.start, end),
        Kpi.CLICKS: linked["clicks"] if linked["links"] else None,
        Kpi.CONVERSIONS: converted["conversions"],
        Kpi.ROI: converted["roi"],
    }


def kpi_statuses(workspace: Workspace, end: datetime | None = None) -> list[KpiStatus]:
    targets = dict(KpiTarget.objects.filter(workspace=workspace).values_list("kpi", "target"))
    values = kpi_values(workspace, end)
    return [KpiStatus(kpi, values[kpi], targets.get(kpi)) for kpi in Kpi]


def set_targets(workspace: Workspace, targets: dict[str, Decimal | None]) -> None:
    """Store the targets given; an empty one removes that KPI's target."""
    now = clock.now()
    for kpi, target in targets.items():
        if target is None:
            KpiTarget.objects.filter(workspace=workspace, kpi=kpi).delete()
        else:
            KpiTarget.objects.update_or_create(workspace=workspace, kpi=kpi,
                                               defaults={"target": target, "updated_at": now})
