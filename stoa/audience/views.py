"""Pages: the opinion leaders (sortable, filtered by network and leaning, exported as CSV) and the competitors (added
and removed, side by side with the brand's own channels, with their follower growth and engagement per post drawn)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stoa import clock
from stoa.analytics import charts
from stoa.audience import competitors as actions
from stoa.audience.access import access_competitor
from stoa.audience.compare import Column, side_by_side
from stoa.audience.export import csv_lines
from stoa.audience.forms import SORT_LABELS, ComparePeriod, CompetitorForm, LeaderFilters
from stoa.audience.leaders import rank, with_last_interactions
from stoa.audience.permissions import VIEW_LEADERS, WATCH_COMPETITORS
from stoa.errors import ActionError
from stoa.pages import access_errors
from stoa.workspaces.access import Permission, allowed, chosen_workspace

LEADERS_SHOWN = 200  # the page lists this many; the export has them all


@login_required
@access_errors
def leaders_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, VIEW_LEADERS)
    form = LeaderFilters(request.GET or None)
    filters = form.filters()
    leaders = rank(workspace, filters)
    shown = with_last_interactions(workspace, leaders[:LEADERS_SHOWN], filters)
    given: dict[str, str | int] = {"workspace": workspace.slug, "network": filters.network,
                                   "sentiment": filters.sentiment, "days": filters.days}
    query = {key: value for key, value in given.items() if value}
    sorts = [(key, label, f"?{urlencode(query | {'sort': key})}") for key, label in SORT_LABELS.items()]
    return render(request, "audience/leaders.html", {
        "workspace": workspace, "workspaces": mine, "form": form, "filters": filters, "leaders": shown,
        "total": len(leaders), "sorts": sorts,
        "export_url": f"{reverse('leaders-export')}?{urlencode(query | {'sort': filters.sort})}"})


@login_required
@access_errors
def leaders_export(request: HttpRequest) -> StreamingHttpResponse:
    workspace, _mine = chosen_workspace(request, VIEW_LEADERS)
    filters = LeaderFilters(request.GET or None).filters()
    leaders = with_last_interactions(workspace, rank(workspace, filters), filters)
    response = StreamingHttpResponse(csv_lines(leaders), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stoa-{workspace.slug}-leaders.csv"'
    return response


@login_required
@access_errors
def competitors_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_ANALYTICS)
    can_watch = allowed(request.user, workspace, WATCH_COMPETITORS)
    form = CompetitorForm(request.POST or None)
    status = 200
    if request.method == "POST" and can_watch:
        if form.is_valid():
            try:
                competitor = actions.add_competitor(request.user, workspace, form.cleaned_data["network"],
                                                    form.cleaned_data["handle"])
                actions.read_competitor(competitor)  # its figures at once, not at the next hourly read
                return redirect(f"{reverse('competitors')}?{urlencode({'workspace': workspace.slug})}")
            except ActionError as error:
                for field, problems in error.errors.items():
                    form.add_error(field if field in form.fields else None, problems)
        status = 422
    period = ComparePeriod(request.GET or None)
    days = (period.cleaned_data.get("days") if period.is_valid() else None) or 30
    columns = side_by_side(workspace, days)
    return render(request, "audience/competitors.html", {
        "workspace": workspace, "workspaces": mine, "form": form, "can_watch": can_watch, "period": period,
        "days": days, "columns": columns, "competitors": workspace.competitors.all(),
        "growth_chart": growth_chart(columns, days), "engagement_chart": engagement_chart(columns)}, status=status)


@login_required
@access_errors
@require_POST
def remove(request: HttpRequest, competitor_id: int) -> HttpResponse:
    competitor = access_competitor(request.user, competitor_id, WATCH_COMPETITORS)
    workspace = competitor.workspace
    actions.remove_competitor(request.user, competitor)
    messages.success(request, _("%(account)s is no longer watched.") % {"account": competitor.handle})
    return redirect(f"{reverse('competitors')}?{urlencode({'workspace': workspace.slug})}")


def growth_chart(columns: list[Column], days: int) -> SafeString:
    """Followers by day, one line per account (a gap where there was no read)."""
    today = clock.now().date()
    period = [today - timedelta(days=n) for n in range(days, -1, -1)]
    series = [charts.Series(column.name, day_points(period, dict(column.series))) for column in columns]
    return charts.line_chart(_("Followers by day"), series)


def day_points(period: list[date], followers: dict[date, int | None]) -> list[tuple[str, float | None]]:
    return [(day.strftime("%d.%m"), followers.get(day)) for day in period]


def engagement_chart(columns: list[Column]) -> SafeString:
    return charts.bar_chart(_("Engagement per post"), [(column.name, column.per_post) for column in columns])
