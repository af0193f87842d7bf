"""Report templates saved, and their client links made (audited like every change of a workspace)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.urls import reverse

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


def make_client_link(actor, template: ReportTemplate) -> str:
    """A new link for the client (the previous one stops working); returns its address, shown once."""
    token = secrets.token_urlsafe(32)
    ReportTemplate.objects.filter(pk=template.pk).update(client_token_hash=hash_token(token))
    audit(template.workspace_id, actor, "report_template.client_link", template, name=template.name)
    return f"{site_url()}{reverse('report-client', args=[token])}"


def template_for_token(token: str) -> ReportTemplate | None:
    if not token:
        return None
    return ReportTemplate.objects.select_related("workspace").filter(client_token_hash=hash_token(token)).first()
