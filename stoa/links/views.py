"""The links page: a workspace's UTM and short-link settings (owners and managers change them), its short links
with their clicks, and its campaigns' conversions and ROI (exports imported, costs entered, the webhook's secret
made here too). The redirect itself is stoa/links/redirects.py."""

from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from stoa import clock
from stoa.errors import ActionError
from stoa.links import conversions
from stoa.links.actions import EDITABLE, link_settings_of, update_link_settings
from stoa.links.forms import CostForm, ImportForm, LinkSettingsForm, PeriodForm
from stoa.links.models import PLACEHOLDERS
from stoa.links.queries import links_of
from stoa.pages import access_errors
from stoa.site_url import site_url
from stoa.workspaces.access import Permission, allowed, check, chosen_workspace
from stoa.workspaces.models import Workspace


@login_required
@access_errors
def links_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_PUBLICATIONS)
    bound: dict[str, forms.BaseForm] = {"settings": LinkSettingsForm(instance=link_settings_of(workspace)),
                                        "import": ImportForm(), "cost": CostForm()}
    status, notice = 200, ""
    if request.method == "POST":
        check(request.user, workspace, Permission.MANAGE_WORKSPACE)
        which = request.POST.get("form", "settings")
        if which == "webhook":
            secret = conversions.new_webhook_secret(request.user, workspace)
            notice = f"{site_url()}{reverse('conversion-hook', args=[workspace.pk])} · {secret}"
        elif which in bound:
            bound[which], done = submit(request, workspace, which)
            if done:
                return redirect(f"{reverse('links')}?workspace={workspace.slug}")
            status = 422
    start, end = period(request)
    return render(request, "links/links.html", {
        "workspace": workspace, "workspaces": mine, "form": bound["settings"], "import_form": bound["import"],
        "cost_form": bound["cost"], "links": links_of(workspace), "placeholders": PLACEHOLDERS,
        "roi": conversions.roi(workspace, start, end), "start": start, "end": end, "webhook": notice,
        "can_edit": allowed(request.user, workspace, Permission.MANAGE_WORKSPACE),
    }, status=status)


def submit(request: HttpRequest, workspace: Workspace, which: str) -> tuple[forms.BaseForm, bool]:
    """The posted form, bound, and whether it was saved."""
    form: forms.BaseForm
    if which == "settings":
        form = LinkSettingsForm(request.POST, instance=link_settings_of(workspace))
    else:
        form = ImportForm(request.POST, request.FILES) if which == "import" else CostForm(request.POST)
    if not form.is_valid():
        return form, False
    data = form.cleaned_data
    try:
        if which == "settings":
            update_link_settings(request.user, workspace, **{n: data[n] for n in EDITABLE})
        elif which == "import":
            dates = (data["period_start"], data["period_end"]) if data["period_start"] and data["period_end"] else None
            conversions.import_export(request.user, workspace, data["file"].read(), data["origin"], dates)
        else:
            conversions.add_cost(request.user, workspace, **data)
    except ActionError as e:
        for messages in e.errors.values():
            for message in messages:
                form.add_error(None, message)
        return form, False
    return form, True


def period(request: HttpRequest) -> tuple[date, date]:
    """The period the ROI is shown for: ?start=&end=, else the last 30 days."""
    form = PeriodForm(request.GET)
    today = clock.now().date()
    start = form.cleaned_data.get("start") if form.is_valid() else None
    end = form.cleaned_data.get("end") if form.is_valid() else None
    return start or today - timedelta(days=30), end or today
