"""The analytics pages: one workspace's or all of the user's (?workspace=all), with filters by period, channel and
content type and the previous period beside; KPI targets (owners and managers set them, others read); each
channel's best times, whose suggested queue slots a person may accept into the content plan."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa import clock
from stoa.analytics import besttime, charts, dashboard, kpis
from stoa.analytics.models import Kpi
from stoa.analytics.queries import KINDS, Scope
from stoa.channels.models import Channel
from stoa.errors import ActionError, Forbidden, NotFound
from stoa.inbox.permissions import VIEW_INBOX
from stoa.pages import access_errors
from stoa.planning import actions as planning
from stoa.workspaces.access import Permission, access_workspace, allowed, chosen_workspace, workspaces_for
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

PERIODS = (7, 30, 90, 365)
ALL = "all"


class TargetsForm(forms.Form):
    """One field per KPI; an empty field removes that target."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kpi in Kpi:
            self.fields[kpi.value] = forms.DecimalField(label=kpi.label, required=False, max_digits=14,
                                                        decimal_places=2)


def _plain(target: Decimal | None) -> Decimal | None:
    """A whole target as it was typed: 150, not the 150.00 stored."""
    if target is None or target != target.to_integral_value():
        return target
    return target.to_integral_value()


def _days(request: HttpRequest) -> int:
    asked = request.GET.get("days", "30")
    return int(asked) if asked.isdigit() and 1 <= int(asked) <= 366 else 30


def _period(request: HttpRequest, zone: tzinfo) -> tuple[datetime, datetime]:
    """?from=YYYY-MM-DD&to=YYYY-MM-DD (whole days in the workspace's timezone, at most 366), else the last ?days."""
    try:
        first, last = date.fromisoformat(request.GET.get("from", "")), date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        end = clock.now()
        return end - timedelta(days=_days(request)), end
    if not timedelta(0) <= last - first < timedelta(days=366):
        last = first
    return (datetime.combine(first, time(), zone).astimezone(UTC),
            datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC))


def _scope(request: HttpRequest, workspaces: list[Workspace]) -> Scope:
    start, end = _period(request, workspaces[0].tzinfo)
    channels = {c.pk for c in Channel.objects.filter(workspace__in=workspaces)}
    asked = request.GET.get("channel", "")
    channel_ids = (int(asked),) if asked.isdigit() and int(asked) in channels else ()
    kind = request.GET.get("kind", "")
    return Scope(workspaces=tuple(workspaces), start=start, end=end, channel_ids=channel_ids,
                 kind=kind if kind in KINDS else "")


@login_required
@access_errors
def analytics_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_ANALYTICS)
    across = request.GET.get("workspace") == ALL and len(mine) > 1
    scope = _scope(request, mine if across else [workspace])
    context = {
        "workspace": None if across else workspace, "workspaces": mine, "across": across,
        "selected": ALL if across else workspace.slug, "days": scope.end.date() - scope.start.date(),
        "period_days": _days(request), "periods": PERIODS,
        "period_from": request.GET.get("from", ""), "period_to": request.GET.get("to", ""),
        "channels": Channel.objects.filter(workspace__in=scope.workspaces).order_by("name"),
        "channel_id": scope.channel_ids[0] if scope.channel_ids else None, "kind": scope.kind,
        "kinds": [(key, str(label)) for key, label in KINDS.items()],
        "can_see_inbox": any(allowed(request.user, w, VIEW_INBOX) for w in scope.workspaces),
    } | dashboard.figures(scope)
    if not across:
        context |= {"kpis": kpis.kpi_statuses(workspace, scope.start, scope.end),
                    "can_set_targets": allowed(request.user, workspace, Permission.MANAGE_WORKSPACE)}
        if context["can_set_targets"]:
            context["targets_form"] = TargetsForm(initial={k.kpi.value: _plain(k.target) for k in context["kpis"]})
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_POST
@access_errors
def targets_save(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = access_workspace(request.user, slug, Permission.MANAGE_WORKSPACE)
    form = TargetsForm(request.POST)
    if form.is_valid():
        targets: dict[str, Decimal | None] = {kpi.value: form.cleaned_data[kpi.value] for kpi in Kpi}
        kpis.set_targets(workspace, targets)
        audit(workspace.pk, request.user, "kpi_targets.saved", None,
              targets={k: str(v) for k, v in targets.items() if v is not None})
        messages.success(request, gettext("Targets saved."))
    else:
        messages.error(request, gettext("The targets were not saved: each must be a number."))
    return redirect(reverse("analytics") + f"?workspace={workspace.slug}")


@login_required
@access_errors
def best_times_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_ANALYTICS)
    found = [besttime.best_times(channel) for channel in Channel.objects.filter(workspace=workspace)
             .select_related("workspace").order_by("name")]
    weekdays = dashboard.weekday_names()
    title = gettext("Engagement rate by weekday and hour")
    rows = [(f, charts.heatmap_chart(title, weekdays, f.rates) if f.source == besttime.OWN else "") for f in found]
    return render(request, "analytics/best_times.html", {
        "workspace": workspace, "workspaces": mine, "rows": rows, "weekdays": weekdays})


def _channel(request: HttpRequest, channel_id: int, permission: Permission) -> Channel:
    channel = Channel.objects.select_related("workspace").filter(pk=channel_id).first()
    if channel is None or channel.workspace not in workspaces_for(request.user, Permission.VIEW_ANALYTICS):
        raise NotFound(f"No channel {channel_id}.")
    if not allowed(request.user, channel.workspace, permission):
        raise Forbidden(gettext("Your role does not allow changing the plan."))
    return channel


@login_required
@access_errors
def suggested_slots(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A channel's best times not yet in its queue, to accept one by one (shown in the content plan's slots)."""
    channel = _channel(request, channel_id, Permission.VIEW_ANALYTICS)
    found = besttime.best_times(channel)
    return render(request, "analytics/_suggested_slots.html", {
        "channel": channel, "found": found, "suggestions": besttime.suggested_slots(channel),
        "weekdays": dashboard.weekday_names(),
        "can_edit": allowed(request.user, channel.workspace, Permission.EDIT_POSTS)})


@login_required
@require_POST
@access_errors
def accept_slot(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A suggested slot accepted: added to the channel's queue by the plan's own action (audited)."""
    channel = _channel(request, channel_id, Permission.EDIT_POSTS)
    weekday, hour = request.POST.get("weekday", ""), request.POST.get("hour", "")
    if not (weekday.isdigit() and hour.isdigit() and int(weekday) < 7 and int(hour) < 24):
        raise Forbidden(gettext("Not a time slot."))
    with contextlib.suppress(ActionError):  # already in the queue: nothing to add
        planning.add_slot(request.user, channel, weekday=int(weekday), time_of_day=time(int(hour)))
    return redirect(reverse("plan-slots", args=[channel.workspace.slug]) + f"#channel-{channel.pk}")

