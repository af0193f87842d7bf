"""Report templates saved, and their client links made (audited like every change of a workspace)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext

from stoa import clock
from stoa.errors import ActionError
from stoa.reports.forms import ReportTemplateForm
from stoa.reports.models import ReportTemplate
from stoa.reports.sending import next_send_after
from stoa.site_url import site_url
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace, hash_token


def save_template(actor, workspace: Workspace, data: Mapping[str, Any], files: Any = None,
                  template: ReportTemplate | None = None) -> ReportTemplate:
    form = ReportTemplateForm(data, files, instance=template or ReportTemplate(workspace=workspace))
    if not form.is_valid():
        raise ActionError.of_form(form)
    saved = form.save(commit=False)
    saved.workspace = workspace
    saved.next_send_at = next_send_after(saved, clock.now())
    saved.save()
    audit(workspace.pk, actor, "report_template.saved", saved, name=saved.name, frequency=saved.frequency)
    return saved


MAX_LINK_DAYS = 366


def make_client_link(actor, template: ReportTemplate, days_valid: int | None = None) -> str:
    """A new link for the client (the previous one stops working), working `days_valid` days or until revoked;
    returns its address, shown once."""
    if days_valid is not None and not 1 <= days_valid <= MAX_LINK_DAYS:
        raise ActionError({"days_valid": [gettext("From 1 to %(max)s days, or empty for no expiry.")
                                          % {"max": MAX_LINK_DAYS}]})
    token = secrets.token_urlsafe(32)
    expires_at = None if days_valid is None else clock.now() + timedelta(days=days_valid)
    ReportTemplate.objects.filter(pk=template.pk).update(client_token_hash=hash_token(token),
                                                         client_link_expires_at=expires_at)
    audit(template.workspace_id, actor, "report_template.client_link", template, name=template.name,
          days_valid=days_valid)
    return f"{site_url()}{reverse('report-client', args=[token])}"


def revoke_client_link(actor, template: ReportTemplate) -> None:
    """The client's link stops working at once (a new one may be made later)."""
    if ReportTemplate.objects.filter(pk=template.pk).exclude(client_token_hash="").update(
            client_token_hash="", client_link_expires_at=None):
        audit(template.workspace_id, actor, "report_template.client_link_revoked", template, name=template.name)


def template_for_token(token: str) -> ReportTemplate | None:
    """The report the link opens; None for an unknown, revoked or expired link."""
    if not token:
        return None
    found = ReportTemplate.objects.select_related("workspace").filter(client_token_hash=hash_token(token)).first()
    if found is None or (found.client_link_expires_at is not None and found.client_link_expires_at <= clock.now()):
        return None
    return found
