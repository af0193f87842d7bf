"""Pages: a workspace's monthly plan of paid campaigns with their pacing and ROI, the export for each platform, and a
campaign's page with its audience form (the platform's refusals on its fields) and its results' import (the row
report). Every change goes through actions.py; who may do what is asked of access.py and the permissions."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from stoa import clock
from stoa.campaigns import actions, exports, pacing
from stoa.campaigns.access import access_campaign
from stoa.campaigns.audience import Audience, rules_of
from stoa.campaigns.audience import problems as audience_problems
from stoa.campaigns.forms import AudienceForm, CampaignForm, ImportForm, field_of
from stoa.campaigns.models import Campaign, Platform
from stoa.campaigns.permissions import PLAN_CAMPAIGNS
from stoa.errors import ActionError
from stoa.pages import access_errors
from stoa.workspaces.access import Permission, allowed, check, chosen_workspace


def month_asked(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        return clock.now().date().replace(day=1)


def put_errors(form, error: ActionError) -> None:
    for name, reasons in error.errors.items():
        field = field_of(name)
        form.add_error(field if field in form.fields else None, reasons)


@login_required
@access_errors
def plan_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_ANALYTICS)
    can_plan = allowed(request.user, workspace, PLAN_CAMPAIGNS)
    month = month_asked(request)
    form = CampaignForm(workspace, request.POST or None)
    status = 200
    if request.method == "POST" and can_plan:
        if form.is_valid():
            try:
                campaign = actions.plan_campaign(request.user, workspace, form.campaign_input())
                return redirect("campaign", campaign.pk)
            except ActionError as error:
                put_errors(form, error)
        status = 422
    campaigns = actions.plan_of(workspace, month)
    rows = [(c, pacing.pace(c), pacing.roi(c)) for c in campaigns]
    return render(request, "campaigns/plan.html", {
        "workspace": workspace, "workspaces": mine, "month": month, "form": form, "can_plan": can_plan,
        "rows": rows, "platforms": sorted({c.platform for c in campaigns}),
        "budgets": totals_by_currency(campaigns)}, status=status)


def totals_by_currency(campaigns: list[Campaign]) -> list[tuple[str, object]]:
    totals: dict[str, object] = {}
    for campaign in campaigns:
        totals[campaign.currency] = totals.get(campaign.currency, 0) + campaign.budget  # type: ignore[operator]
    return sorted(totals.items())


@login_required
@access_errors
@require_POST
def check_audience(request: HttpRequest) -> HttpResponse:
    """While the plan's form is filled in (htmx, on each change): what the chosen platform would refuse of the
    audience, before the form is sent. Nothing is saved."""
    workspace, _mine = chosen_workspace(request, PLAN_CAMPAIGNS)
    form = AudienceForm(request.POST)
    platform = request.POST.get("platform", "")
    found: dict[str, list[str]] = {}
    if platform in Platform.values and form.is_valid():
        found = audience_problems(platform, form.audience())
    labels = {name: field.label for name, field in form.fields.items()}
    return render(request, "campaigns/_check.html", {
        "found": [(labels.get(field_of(name) or name, name), reason) for name, reasons in found.items()
                  for reason in reasons],
        "checked": platform in Platform.values and form.is_valid(), "workspace": workspace,
        "platform": Platform(platform).label if platform in Platform.values else ""})


@login_required
@access_errors
def export_file(request: HttpRequest, platform: str, month: str) -> HttpResponse:
    workspace, _mine = chosen_workspace(request, PLAN_CAMPAIGNS)
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        first = None
    if platform not in Platform.values or first is None:
        raise Http404(_("No such export."))
    campaigns = [c for c in actions.plan_of(workspace, first) if c.platform == platform]
    response = HttpResponse(exports.export(platform, campaigns), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{exports.file_name(platform, first)}"'
    return response


@login_required
@access_errors
def campaign_page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(request.user, campaign_id)
    audience_form = AudienceForm.of(Audience.from_json(campaign.audience))
    return show(request, campaign, audience_form, ImportForm())


def show(request: HttpRequest, campaign: Campaign, audience_form, import_form, status: int = 200,
         imported: int | None = None) -> HttpResponse:
    return render(request, "campaigns/detail.html", {
        "campaign": campaign, "workspace": campaign.workspace, "audience_form": audience_form,
        "import_form": import_form, "pace": pacing.pace(campaign), "roi": pacing.roi(campaign),
        "results": campaign.results.order_by("day"), "rules": rules_of(campaign.platform), "imported": imported,
        "can_plan": allowed(request.user, campaign.workspace, PLAN_CAMPAIGNS)}, status=status)


@login_required
@access_errors
@require_POST
def change_audience(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(request.user, campaign_id)
    check(request.user, campaign.workspace, PLAN_CAMPAIGNS)
    form = AudienceForm(request.POST)
    if form.is_valid():
        try:
            actions.change_audience(request.user, campaign, form.audience())
            messages.success(request, _("The audience is saved."))
            return redirect("campaign", campaign.pk)
        except ActionError as error:
            put_errors(form, error)
    return show(request, campaign, form, ImportForm(), status=422)


@login_required
@access_errors
@require_POST
def import_report(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = access_campaign(request.user, campaign_id)
    check(request.user, campaign.workspace, PLAN_CAMPAIGNS)
    form = ImportForm(request.POST, request.FILES)
    audience_form = AudienceForm.of(Audience.from_json(campaign.audience))
    if form.is_valid():
        try:
            days = actions.import_results(request.user, campaign, form.cleaned_data["report"].read())
            return show(request, campaign, audience_form, ImportForm(), imported=days)
        except ActionError as error:
            form.add_error("report", error.errors.get("file") or error.words())
    return show(request, campaign, audience_form, form, status=422)
