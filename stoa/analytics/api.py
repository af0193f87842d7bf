"""The API's analytics, under /api/v1/workspaces/{workspace_id}/analytics: a period's figures beside the previous
period's, the rates by a grouping, the KPIs with their status, and each channel's best times. Read-only for
everyone who may see the workspace's analytics; targets are set by those who manage the workspace."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ninja import Query, Router, Schema

from stoa import clock
from stoa.analytics import besttime, kpis, queries
from stoa.analytics.queries import KINDS, Scope
from stoa.api.schemas import ERRORS
from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.workspaces.access import Permission, access_workspace
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

workspace_analytics = Router(tags=["analytics"])  # under /workspaces/{workspace_id}/

GROUPINGS = ("kind", "format", "theme", "selling", "network", "weekday", "hour")


class Filters(Schema):
    days: int = 30
    channel_id: int | None = None
    kind: str = ""


class RateOut(Schema):
    """`rate` in percent (null: nothing to divide by); `basis`: impressions, followers, mixed or empty."""

    posts: int
    interactions: int | None
    denominator: int | None
    rate: float | None
    basis: str


class SummaryOut(Schema):
    start: str
    end: str
    current: RateOut
    previous: RateOut
    net_followers: int | None
    reach: dict[str, int | None]  # per network; null: the network gives no figure
    clicks: int | None  # null: no short links yet
    conversions: int | None
    roi: float | None


class GroupOut(RateOut):
    key: str


class KpiOut(Schema):
    """Over the period (?days=, 30 by default) beside the previous one; `target` is for 30 days, `period_target` the
    one the status compares with (scaled to the period for follower growth, clicks and conversions)."""

    kpi: str
    value: float | None
    previous: float | None
    target: Decimal | None
    period_target: Decimal | None
    status: str


class TargetsIn(Schema):
    """Only the KPIs named change; null removes a target."""

    targets: dict[str, Decimal | None]


class BestTimesOut(Schema):
    channel_id: int
    source: str  # own, queue or habits
    explanation: str
    slots: list[tuple[int, int]]  # (weekday 0 = Monday, hour), in the workspace's timezone


def _scope(workspace: Workspace, filters: Filters) -> Scope:
    if not 1 <= filters.days <= 366:
        raise ActionError({"days": ["From 1 to 366."]})
    if filters.kind and filters.kind not in KINDS:
        raise ActionError({"kind": [f"One of {', '.join(KINDS)}."]})
    channels: tuple[int, ...] = ()
    if filters.channel_id is not None:
        if not Channel.objects.filter(workspace=workspace, pk=filters.channel_id).exists():
            raise ActionError({"channel_id": ["Not a channel of this workspace."]})
        channels = (filters.channel_id,)
    end = clock.now()
    return Scope(workspaces=(workspace,), start=end - timedelta(days=filters.days), end=end, channel_ids=channels,
                 kind=filters.kind)


def _rate(row: dict) -> dict:
    return {key: row[key] for key in ("posts", "interactions", "denominator", "rate", "basis")}


@workspace_analytics.get("/{workspace_id}/analytics", response={200: SummaryOut, **ERRORS})
def analytics_summary(request, workspace_id: int, filters: Query[Filters]):
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_ANALYTICS)
    scope = _scope(workspace, filters)
    linked, converted = queries.clicks(scope), queries.conversions(scope)
    return {"start": scope.start.isoformat(), "end": scope.end.isoformat(),
            "current": _rate(queries.totals(scope)), "previous": _rate(queries.totals(scope.previous())),
            "net_followers": queries.net_followers(queries.audience_growth(scope)),
            "reach": {row["network"]: row["views"] for row in queries.reach(scope)},
            "clicks": linked["clicks"] if linked["links"] else None,
            "conversions": converted["conversions"], "roi": converted["roi"]}


@workspace_analytics.get("/{workspace_id}/analytics/by/{grouping}", response={200: list[GroupOut], **ERRORS})
def analytics_by(request, workspace_id: int, grouping: str, filters: Query[Filters]):
    """The engagement rate per kind, format, theme, selling, network, weekday or hour."""
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_ANALYTICS)
    if grouping not in GROUPINGS:
        raise ActionError({"grouping": [f"One of {', '.join(GROUPINGS)}."]})
    return [_rate(row) | {"key": str(row[grouping])} for row in queries.engagement_by(_scope(workspace, filters),
                                                                                       grouping)]


@workspace_analytics.get("/{workspace_id}/analytics/kpis", response={200: list[KpiOut], **ERRORS})
def analytics_kpis(request, workspace_id: int, filters: Query[Filters]):
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_ANALYTICS)
    return _kpis(workspace, _scope(workspace, filters))


def _kpis(workspace: Workspace, scope: Scope) -> list[dict]:
    return [{"kpi": k.kpi.value, "value": k.value, "previous": k.previous, "target": k.target,
             "period_target": k.period_target, "status": k.status}
            for k in kpis.kpi_statuses(workspace, scope.start, scope.end)]


@workspace_analytics.put("/{workspace_id}/analytics/kpis", response={200: list[KpiOut], **ERRORS})
def set_kpi_targets(request, workspace_id: int, payload: TargetsIn):
    workspace = access_workspace(request.auth, workspace_id, Permission.MANAGE_WORKSPACE)
    unknown = set(payload.targets) - {k.value for k in kpis.Kpi}
    if unknown:
        raise ActionError({"targets": [f"Unknown KPIs: {', '.join(sorted(unknown))}."]})
    kpis.set_targets(workspace, payload.targets)
    audit(workspace.pk, request.auth, "kpi_targets.saved", None,
          targets={k: None if v is None else str(v) for k, v in payload.targets.items()})
    return _kpis(workspace, _scope(workspace, Filters()))


@workspace_analytics.get("/{workspace_id}/analytics/best-times", response={200: list[BestTimesOut], **ERRORS})
def best_times(request, workspace_id: int):
    workspace = access_workspace(request.auth, workspace_id, Permission.VIEW_ANALYTICS)
    found = [besttime.best_times(c) for c in Channel.objects.filter(workspace=workspace).select_related("workspace")]
    return [{"channel_id": f.channel.pk, "source": f.source, "explanation": f.explanation, "slots": f.slots}
            for f in found]
