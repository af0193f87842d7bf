"""The reports' task: `send_scheduled_reports` runs every STOA_REPORT_SECONDS from stoa/runtime/schedule.py."""

from huey.contrib.djhuey import db_task

from stoa.reports.sending import send_due_reports


@db_task()
def send_scheduled_reports() -> int:
    return send_due_reports()
