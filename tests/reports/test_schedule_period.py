"""A scheduled email covers the template's period, not always the schedule's last whole week or month."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.core import mail

from stoa import clock
from stoa.reports import sending
from stoa.reports.forms import ReportTemplateForm
from stoa.reports.models import Frequency, Period, ReportTemplate
from tests.analytics.dataset import utc

ON_WEDNESDAY_9_DECEMBER = time_machine.travel(utc(12, 9, 8), tick=False)


def sent_days(workspace, frequency: str, period: str, **fields) -> str:
    ReportTemplate.objects.create(workspace=workspace, name="Kafe", language="en", frequency=frequency,
                                  period=period, recipients="boss@example.com",
                                  next_send_at=clock.now() - timedelta(minutes=1), **fields)
    assert sending.send_due_reports() == 1
    return mail.outbox[-1].subject.split(", ")[-1]


@ON_WEDNESDAY_9_DECEMBER
def test_a_weekly_email_of_a_monthly_template_covers_the_last_whole_month(workspace):
    assert sent_days(workspace, Frequency.WEEKLY, Period.MONTH) == "2026-11-01 to 2026-11-30"


@ON_WEDNESDAY_9_DECEMBER
def test_a_monthly_email_of_a_quarterly_template_covers_the_last_whole_quarter(workspace):
    assert sent_days(workspace, Frequency.MONTHLY, Period.QUARTER) == "2026-07-01 to 2026-09-30"


@ON_WEDNESDAY_9_DECEMBER
def test_a_weekly_email_of_custom_dates_covers_the_last_whole_week(workspace):
    days = sent_days(workspace, Frequency.WEEKLY, Period.CUSTOM, custom_start=date(2026, 1, 1),
                     custom_end=date(2026, 1, 31))
    assert days == "2026-11-30 to 2026-12-06"


def test_the_template_form_says_what_a_scheduled_email_covers():
    html = str(ReportTemplateForm())
    assert "A report sent by email covers this period on the day it is sent" in html
