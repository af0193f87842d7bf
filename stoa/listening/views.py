"""The listening page: the workspace's queries, the stream of hits with its filters, volume and sentiment by day,
the share of voice, and "Send to inbox". Views parse, check access through the access helpers, call the actions."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stoa.errors import ActionError
from stoa.inbox.classifier import LANGUAGES
from stoa.inbox.models import Sentiment
from stoa.listening import actions, queries, trends
from stoa.listening.access import access_hit, access_query
from stoa.listening.alerts import today_of
from stoa.listening.forms import HitFilter, QueryForm
from stoa.listening.models import NETWORKS, ListeningQuery
from stoa.listening.permissions import LISTEN
from stoa.pages import access_errors
from stoa.planning.models import Weekday
from stoa.workspaces.access import Permission, access_workspace, allowed, chosen_workspace


def filters_of(request: HttpRequest) -> queries.Filters:
    form = HitFilter(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    return queries.Filters(query=data.get("query"), network=data.get("network") or "",
                           sentiment=data.get("sentiment") or "", language=data.get("language") or "",
                           days=data.get("days") or 30)


@login_required
@access_errors
def listening_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_PUBLICATIONS)
    return render_page(request, workspace, mine, QueryForm())


def render_page(request: HttpRequest, workspace, mine, form: QueryForm, status: int = 200) -> HttpResponse:
    filters = filters_of(request)
    last = today_of(workspace)
    first = last - timedelta(days=filters.days - 1)
    days = queries.by_day(workspace, filters, first, last)
    return render(request, "listening/page.html", {
        "workspace": workspace, "workspaces": mine, "form": form, "filters": filters,
        "can_listen": allowed(request.user, workspace, LISTEN),
        "queries": ListeningQuery.objects.filter(workspace=workspace),
        "hits": queries.stream(workspace, filters, first), "days": days,
        "busiest": max((d.total for d in days), default=0) or 1,
        "voices": queries.share_of_voice(workspace, filters, first),
        "networks": NETWORKS, "sentiments": Sentiment.choices,
        "languages": LANGUAGES,
        "has_telegram": workspace.channels.filter(network="telegram").exists()}, status=status)


@login_required
@access_errors
@require_POST
def query_new(request: HttpRequest) -> HttpResponse:
    workspace = access_workspace(request.user, request.POST.get("workspace", ""), LISTEN)
    try:
        actions.save_query(request.user, workspace, request.POST)
    except ActionError:
        form = QueryForm(request.POST)
        form.is_valid()
        return render_page(request, workspace, [workspace], form, status=422)
    return redirect(f"{reverse('listening')}?workspace={workspace.slug}")


@login_required
@access_errors
@require_POST
def query_stop(request: HttpRequest, query_id: int) -> HttpResponse:
    query = access_query(request.user, query_id, LISTEN)
    actions.stop_query(request.user, query)
    return redirect(f"{reverse('listening')}?workspace={query.workspace.slug}")


@login_required
@access_errors
@require_POST
def hit_to_inbox(request: HttpRequest, hit_id: int) -> HttpResponse:
    hit = access_hit(request.user, hit_id, LISTEN)
    try:
        item = actions.send_to_inbox(request.user, hit)
    except ActionError as error:
        messages.error(request, error.summary())
        return redirect(f"{reverse('listening')}?workspace={hit.workspace.slug}")
    messages.success(request, _("Sent to the inbox, where it waits for an answer."))
    return redirect("inbox-item", item.pk)


@login_required
@access_errors
def trends_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_PUBLICATIONS)
    network_trends, failed = trends.network_trends(workspace)
    return render(request, "listening/trends.html", {
        "workspace": workspace, "workspaces": mine, "rising": trends.rising(workspace),
        "network_trends": network_trends, "failed": failed, "bluesky_rising": trends.bluesky_rising(workspace),
        "weekdays": Weekday.choices,
        "can_plan": allowed(request.user, workspace, Permission.EDIT_POSTS), "window": trends.WINDOW_DAYS})


@login_required
@access_errors
@require_POST
def trend_to_plan(request: HttpRequest) -> HttpResponse:
    workspace = access_workspace(request.user, request.POST.get("workspace", ""), Permission.EDIT_POSTS)
    try:
        theme = actions.trend_as_theme(request.user, workspace, request.POST.get("hashtag", ""),
                                       request.POST.get("weekday", ""))
        messages.success(request, _("%(theme)s is a daily theme of the content plan now.") % {"theme": theme.name})
    except ActionError as error:
        messages.error(request, error.summary())
    return redirect(f"{reverse('listening-trends')}?workspace={workspace.slug}")
