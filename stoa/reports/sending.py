"""Reports sent on their schedule, weekly or monthly, with the PDF attached.

A due report is claimed by one conditional UPDATE (due, and no other worker's lease running), so of two workers
asking at once only one gets it; the lease lets another take it over only if the first dies mid-send. After
sending, the next time is set and the lease dropped in one more UPDATE."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext

from stoa import clock
from stoa.reports import build, render
from stoa.reports.models import Frequency, Period, ReportTemplate

log = logging.getLogger("stoa")
SEND_HOUR = 8  # in the workspace's timezone


def next_send_after(template: ReportTemplate, moment: datetime) -> datetime | None:
    """The next Monday (weekly) or first of the month (monthly) at SEND_HOUR in the workspace's timezone."""
    zone = template.workspace.tzinfo
    day = moment.astimezone(zone).date()
    if template.frequency == Frequency.WEEKLY:
        day += timedelta(days=7 - day.weekday())
    elif template.frequency == Frequency.MONTHLY:
        day = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    else:
        return None
    return datetime.combine(day, time(SEND_HOUR), zone)


def claim(template_id: int, now: datetime) -> bool:
    """Take a due report for this worker; False if it is not due or another worker holds it."""
    lease = timedelta(seconds=settings.STOA_LEASE_SECONDS)
    return bool(ReportTemplate.objects.filter(pk=template_id, next_send_at__lte=now)
                .filter(Q(sending_until__isnull=True) | Q(sending_until__lt=now))
                .update(sending_until=now + lease))


def period_sent(template: ReportTemplate) -> tuple[datetime, datetime]:
    """What an email covers: the template's period (its last whole week, month or quarter on the day it is sent);
    custom dates, which would repeat the same days each time, give way to the schedule's last whole week or month."""
    if template.period != Period.CUSTOM:
        return build.period_of(template)
    period = Period.WEEK if template.frequency == Frequency.WEEKLY else Period.MONTH
    return build.period_of(ReportTemplate(workspace=template.workspace, period=period))


def send(template: ReportTemplate) -> None:
    """The report of its period (period_sent) as a PDF, emailed to its recipients in its language."""
    start, end = period_sent(template)
    report = build.build(template, start, end)
    with translation.override(template.language):
        subject = gettext("%(workspace)s: %(report)s, %(first)s to %(last)s") % {
            "workspace": template.workspace.name, "report": template.name, "first": report["first_day"].isoformat(),
            "last": report["last_day"].isoformat()}
        body = gettext("The report is attached as a PDF.")
    message = EmailMessage(subject, body, None, template.recipient_list)
    message.attach(f"{slugify(template.workspace.slug)}-{report['first_day'].isoformat()}.pdf", render.pdf(report),
                   "application/pdf")
    message.send()


def send_due_reports() -> int:
    """Send every report whose time has come, each by one worker only. Returns how many this one sent."""
    now = clock.now()
    due = ReportTemplate.objects.filter(next_send_at__lte=now).exclude(frequency=Frequency.NEVER)
    sent = 0
    for template_id in due.values_list("pk", flat=True):
        if not claim(template_id, now):
            continue
        template = ReportTemplate.objects.select_related("workspace").get(pk=template_id)
        try:
            if template.recipient_list:
                send(template)
                sent += 1
        except Exception:  # noqa: BLE001 - the lease runs out and a worker tries again later
            log.exception("Could not send report %s", template_id)
            continue
        ReportTemplate.objects.filter(pk=template_id).update(
            last_sent_at=now, sending_until=None, next_send_at=next_send_after(template, now))
    return sent
