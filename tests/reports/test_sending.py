"""Scheduled reports: each due report emailed once with its PDF, whichever and however many workers ask."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail

from stoa import clock
from stoa.reports import sending
from stoa.reports.models import Frequency, ReportTemplate
from tests.core.helpers import die_with_parent, stop_process
from tests.runtime.test_tasks import REDIS_URL, redis_or_skip


def due_report(workspace, **fields) -> ReportTemplate:
    return ReportTemplate.objects.create(workspace=workspace, name="Weekly", language="he",
                                         frequency=Frequency.WEEKLY, recipients="boss@example.com\nceo@example.com",
                                         next_send_at=clock.now() - timedelta(minutes=1), **fields)


@pytest.mark.postgres  # the claim's conditional UPDATE on both databases
def test_a_due_report_is_emailed_once_with_its_pdf_and_its_next_time_set(workspace):
    template = due_report(workspace)
    assert sending.send_due_reports() == 1
    assert sending.send_due_reports() == 0  # the second look finds it sent
    [message] = mail.outbox
    assert message.to == ["boss@example.com", "ceo@example.com"]
    [(name, data, kind)] = message.attachments
    assert kind == "application/pdf" and data.startswith(b"%PDF") and name.endswith(".pdf")
    template.refresh_from_db()
    assert template.sending_until is None and template.last_sent_at is not None
    local = template.next_send_at.astimezone(workspace.tzinfo)
    assert local.weekday() == 0 and local.hour == sending.SEND_HOUR and template.next_send_at > clock.now()


@pytest.mark.postgres  # the claim's conditional UPDATE on both databases
def test_a_report_another_worker_holds_is_left_to_it_until_its_lease_runs_out(workspace, settings):
    template = due_report(workspace)
    now = clock.now()
    assert sending.claim(template.pk, now)
    assert not sending.claim(template.pk, now)  # a second worker, meanwhile
    assert sending.send_due_reports() == 0 and not mail.outbox
    later = now + timedelta(seconds=settings.STOA_LEASE_SECONDS + 1)  # the first worker died mid-send
    assert sending.claim(template.pk, later)


def test_a_report_not_scheduled_is_never_sent(workspace):
    due_report(workspace)
    ReportTemplate.objects.update(frequency=Frequency.NEVER)
    assert sending.send_due_reports() == 0 and not mail.outbox


SETUP = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from stoa import clock
from stoa.reports.models import ReportTemplate
from stoa.workspaces.actions import create_workspace
owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
workspace = create_workspace(owner, "Kafe Yafo", timezone="Asia/Jerusalem", language="he")
ReportTemplate.objects.create(workspace=workspace, name="סיכום שבועי", language="he", frequency="weekly",
                              recipients="boss@example.com", next_send_at=clock.now() - timedelta(seconds=5))
"""


def stoa(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "stoa.cli", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=120).stdout


def start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "stoa.cli", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)


def sent_mails(directory: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(path.read_bytes()) for path in sorted(directory.glob("*.log"))]


@pytest.mark.redis
def test_two_stoa_workers_send_a_due_report_once(tmp_path):
    """Two real `stoa worker` processes, each with its schedule asking for due reports every second."""
    from huey import RedisHuey

    redis_or_skip()
    name = f"stoa-test-{uuid.uuid4().hex}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "STOA_TASKS_NAME")}
    env.update(STOA_DATA_DIR=str(tmp_path / "data"), STOA_SECRET_KEY="reports-by-themselves", STOA_TASKS="redis",
               REDIS_URL=REDIS_URL, STOA_TASKS_NAME=name, STOA_REPORT_SECONDS="1", STOA_ANALYTICS_SWEEP_SECONDS="0",
               STOA_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", STOA_EMAIL_DIR=str(outbox))
    stoa(env, "migrate", "--verbosity", "0")
    stoa(env, "django", "shell", "--no-imports", "-c", SETUP)
    logs = [tmp_path / f"worker-{n}.log" for n in (1, 2)]
    workers = [start(env, log, "worker", "--publishers", "1") for log in logs]
    try:
        deadline = time.monotonic() + 90
        while not sent_mails(outbox):
            assert all(w.poll() is None for w in workers), [log.read_text()[-3000:] for log in logs]
            assert time.monotonic() < deadline, [log.read_text()[-3000:] for log in logs]
            time.sleep(0.5)
        time.sleep(6)  # several more rounds of both schedules
    finally:
        for worker in workers:
            stop_process(worker)
        RedisHuey(name=name, url=REDIS_URL).storage.flush_all()
    for log in logs:
        assert "send_scheduled_reports every 1 s" in log.read_text()
    [message] = sent_mails(outbox)
    assert message["To"] == "boss@example.com"
    [pdf] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert pdf.get_payload(decode=True).startswith(b"%PDF")
