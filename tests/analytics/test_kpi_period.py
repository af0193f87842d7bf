"""KPIs over the period a page or a report is about, beside the previous period, not always the last 30 days."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import time_machine
from django.urls import reverse

from stoa.analytics import kpis
from stoa.analytics.models import Kpi
from stoa.reports import build
from stoa.reports.models import Period, ReportTemplate
from tests.analytics.dataset import small_dataset, utc


def kpi_row(html: str, label: str) -> list[str]:
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', html, re.S)
    assert row, label
    return re.findall(r"<td>(.*?)</td>", row.group(1), re.S)


@time_machine.travel(utc(12, 20), tick=False)
def test_the_dashboards_kpis_cover_its_chosen_period_beside_the_previous_one(client, owner, workspace):
    small_dataset(workspace)
    kpis.set_targets(workspace, {Kpi.FOLLOWER_GROWTH: Decimal("30")})
    client.force_login(owner)
    html = client.get(reverse("analytics"), {"from": "2026-12-01", "to": "2026-12-07"}).content.decode()
    # The week's posts A, B, C: 22 / 1210; the week before, post D: 2 / 950 (not the 30 days before 20 December).
    assert kpi_row(html, "Engagement rate")[:2] == ['<bdi dir="ltr">1.82%</bdi>', '<bdi dir="ltr">0.21%</bdi>']
    # 30 followers in 30 days is 7 in the week; the week gained 5 (+10 on 2 December, -5 on the 4th).
    assert kpi_row(html, "Follower growth")[0] == '<bdi dir="ltr">5</bdi>'
    assert kpi_row(html, "Follower growth")[2] == '<bdi dir="ltr">7</bdi>'  # a count: no decimals


def test_a_rate_target_is_not_scaled_to_the_period_and_a_count_target_is(workspace):
    growth = kpis.KpiStatus(Kpi.FOLLOWER_GROWTH, 8.0, Decimal("30"), days=7)
    assert (growth.period_target, growth.status) == (Decimal("7.00"), kpis.ON_TRACK)
    assert kpis.KpiStatus(Kpi.ENGAGEMENT_RATE, 1.5, Decimal("2"), days=7).period_target == Decimal("2")


def test_a_reports_kpis_cover_its_period(workspace):
    small_dataset(workspace)
    template = ReportTemplate.objects.create(workspace=workspace, name="Weekly", period=Period.WEEK)
    start, end = build.period_of(template, date(2026, 12, 9))  # 30 November to 6 December in Jerusalem
    report = build.build(template, start, end)
    rate = next(k for k in report["kpis"] if k.kpi == Kpi.ENGAGEMENT_RATE)
    assert (rate.value, rate.previous, rate.days) == (1.82, 0.21, 7)
    assert report["tables"]["kpis"].headers[:3] == ["KPI", "Now", "Previous"]
