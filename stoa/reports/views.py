"""The reports' pages: the templates of a workspace (those who manage it make and change them, analysts and clients
read them), a report on the web, as a PDF and as CSV files, and the same read-only through the client link, without
an account and showing nothing but that report's workspace."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa.errors import ActionError
from stoa.pages import access_errors
from stoa.reports import actions, build
from stoa.reports import render as rendering
from stoa.reports.forms import ReportTemplateForm
from stoa.reports.models import ReportTemplate
from stoa.workspaces.access import Permission, access_in_workspace, access_workspace, allowed, chosen_workspace


@login_required
@access_errors
def reports_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_ANALYTICS)
    can_manage = allowed(request.user, workspace, Permission.MANAGE_WORKSPACE)
    form = ReportTemplateForm(initial={"language": workspace.language}) if can_manage else None
    if request.method == "POST" and can_manage:
        try:
            actions.save_template(request.user, workspace, request.POST, request.FILES)
            messages.success(request, gettext("Report saved."))
            return redirect(reverse("reports") + f"?workspace={workspace.slug}")
        except ActionError:
            form = ReportTemplateForm(request.POST, request.FILES)
            form.is_valid()
    return render(request, "reports/reports.html", {
        "workspace": workspace, "workspaces": mine, "can_manage": can_manage, "form": form,
        "templates": ReportTemplate.objects.filter(workspace=workspace)})


def _template(request: HttpRequest, template_id: int) -> ReportTemplate:
    template: ReportTemplate = access_in_workspace(request.user, ReportTemplate.objects.select_related("workspace"),
                                                   template_id, "report", Permission.VIEW_ANALYTICS)
    return template


def _page(report: dict, base: str) -> HttpResponse:
    return HttpResponse(rendering.html(report, links={"pdf": f"{base}pdf/", "csv": f"{base}csv/"}))


def _pdf(report: dict) -> HttpResponse:
    response = HttpResponse(rendering.pdf(report), content_type="application/pdf")
    name = f'{report["workspace"].slug}-{report["first_day"]:%Y-%m-%d}.pdf'
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _csv(report: dict, table: str) -> HttpResponse:
    found = report["tables"].get(table)
    if found is None:
        raise Http404(f"No table {table}.")
    response = HttpResponse(rendering.csv_of(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report["workspace"].slug}-{table}.csv"'
    return response


@login_required
@access_errors
def report_page(request: HttpRequest, template_id: int) -> HttpResponse:
    return _page(build.build(_template(request, template_id)), reverse("report", args=[template_id]))


@login_required
@access_errors
def report_pdf(request: HttpRequest, template_id: int) -> HttpResponse:
    return _pdf(build.build(_template(request, template_id)))


@login_required
@access_errors
def report_csv(request: HttpRequest, template_id: int, table: str) -> HttpResponse:
    return _csv(build.build(_template(request, template_id)), table)


def _days_valid(asked: str) -> int | None:
    """Empty: no expiry; anything but a whole number is 0 days, which make_client_link refuses."""
    if not asked.strip():
        return None
    try:
        return int(asked)
    except ValueError:
        return 0


@login_required
@require_POST
@access_errors
def client_link(request: HttpRequest, template_id: int) -> HttpResponse:
    template = _template(request, template_id)
    access_workspace(request.user, template.workspace.pk, Permission.MANAGE_WORKSPACE)
    try:
        address = actions.make_client_link(request.user, template, _days_valid(request.POST.get("days_valid", "")))
        messages.success(request, gettext("The client's link (shown once; a new one replaces it): %(url)s")
                         % {"url": address})
    except ActionError as e:
        messages.error(request, " ".join(str(m) for m in e.errors.get("days_valid", [])))
    return redirect(reverse("reports") + f"?workspace={template.workspace.slug}")


@login_required
@require_POST
@access_errors
def revoke_client_link(request: HttpRequest, template_id: int) -> HttpResponse:
    """Owners and managers stop the client's link at once."""
    template = _template(request, template_id)
    access_workspace(request.user, template.workspace.pk, Permission.MANAGE_WORKSPACE)
    actions.revoke_client_link(request.user, template)
    messages.success(request, gettext("The client's link no longer works."))
    return redirect(reverse("reports") + f"?workspace={template.workspace.slug}")


def _shared(token: str) -> ReportTemplate:
    template = actions.template_for_token(token)
    if template is None:
        raise Http404("This report link does not work.")
    return template


def client_report(request: HttpRequest, token: str) -> HttpResponse:
    return _page(build.build(_shared(token)), reverse("report-client", args=[token]))


def client_report_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _pdf(build.build(_shared(token)))


def client_report_csv(request: HttpRequest, token: str, table: str) -> HttpResponse:
    return _csv(build.build(_shared(token)), table)
