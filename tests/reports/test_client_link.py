"""The client's report link: owners and managers revoke it, and it may expire, as approval links do."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import time_machine
from django.urls import reverse

from stoa import clock
from stoa.reports import actions
from stoa.workspaces.models import AuditEvent
from tests.reports.test_reports import template_of


def link_path(owner, template, days_valid: int | None = None) -> str:
    return urlparse(actions.make_client_link(owner, template, days_valid)).path


def test_an_owner_revokes_the_client_link_and_it_stops_working_at_once(client, owner, workspace):
    template = template_of(workspace)
    path = link_path(owner, template)
    assert client.get(path).status_code == 200
    client.force_login(owner)
    listing = client.get(reverse("reports"), {"workspace": workspace.slug}).content.decode()
    assert reverse("report-client-link-revoke", args=[template.pk]) in listing
    assert client.post(reverse("report-client-link-revoke", args=[template.pk])).status_code == 302
    client.logout()
    assert client.get(path).status_code == 404
    assert client.get(path + "pdf/").status_code == 404
    assert AuditEvent.objects.filter(action="report_template.client_link_revoked").count() == 1


def test_an_analyst_cannot_revoke_the_client_link(client, owner, workspace, member):
    template = template_of(workspace)
    path = link_path(owner, template)
    client.force_login(member("analyst"))
    assert client.post(reverse("report-client-link-revoke", args=[template.pk])).status_code in (403, 404)
    client.logout()
    assert client.get(path).status_code == 200


def test_a_client_link_given_days_stops_working_when_they_are_over(client, owner, workspace):
    template = template_of(workspace)
    client.force_login(owner)
    client.post(reverse("report-client-link", args=[template.pk]), {"days_valid": "7"})
    template.refresh_from_db()
    assert template.client_link_expires_at is not None
    made = clock.now()
    path = link_path(owner, template, days_valid=7)
    client.logout()
    with time_machine.travel(made + timedelta(days=7) - timedelta(minutes=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(made + timedelta(days=7, minutes=1), tick=False):
        assert client.get(path).status_code == 404


def test_a_client_link_without_days_works_until_revoked(owner, workspace):
    template = template_of(workspace)
    link_path(owner, template)
    template.refresh_from_db()
    assert template.client_link_expires_at is None
