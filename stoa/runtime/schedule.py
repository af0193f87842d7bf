"""Every job Stoa runs on a schedule, listed in one place (`periodic_jobs`), and the thread that starts them.

`stoa run` and every `stoa worker` keep this schedule beside their task consumer (serving.run_workers), so the
jobs run embedded and scaled alike. A job is a Huey task: the schedule only puts it on the queue when it is due
(once at start, then every `every_seconds`), and whichever task worker is free runs it. Each process keeps its
own schedule, so with several workers a job runs once per worker per interval; the jobs are written for that
(a channel is read by one task at a time and from its cursor; each alert goes out once).

To add a job: write it as a `db_task` in its app's tasks.py and list it in `periodic_jobs`, its interval from
the settings. Huey's own `periodic_task` looks at most once a minute and hides a job in its module (issue 13: the
inbox's jobs never ran, as nothing imported theirs); one still declared with it runs, and the start-up log names
it, to be moved here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from huey.api import TaskWrapper
from huey.contrib.djhuey import HUEY

from stoa.analytics.tasks import sweep_metrics
from stoa.approvals.tasks import approval_reminders
from stoa.audience.tasks import read_audience
from stoa.campaigns.tasks import pace_campaigns
from stoa.contests.tasks import run_contests
from stoa.inbox.tasks import inbox_deadlines, poll_inboxes
from stoa.links.tasks import fold_click_log
from stoa.listening.tasks import collect_listening
from stoa.reports.tasks import send_scheduled_reports

log = logging.getLogger("stoa")


@dataclass(frozen=True)
class PeriodicJob:
    task: TaskWrapper
    every_seconds: float
    what: str  # for the start-up log

    @property
    def name(self) -> str:
        return self.task.func.__name__

    def __str__(self) -> str:
        return f"{self.name} every {self.every_seconds:g} s ({self.what})"


def periodic_jobs(folds_clicks: bool = True) -> list[PeriodicJob]:
    """Every job Stoa runs on a schedule, with its interval from the settings. `stoa run` leaves the clicks to the
    web server's own fold thread (start_web), which folds the same machine's log."""
    jobs = []
    if settings.STOA_INBOX_POLLING:
        jobs.append(PeriodicJob(poll_inboxes, settings.STOA_INBOX_POLL_SECONDS, "read every channel's new messages"))
    jobs.append(PeriodicJob(inbox_deadlines, settings.STOA_INBOX_POLL_SECONDS,
                            "warn before a first answer is due, alert when it is late"))
    jobs.append(PeriodicJob(approval_reminders, settings.STOA_APPROVAL_REMINDER_SECONDS,
                            "remind reviewers, the client or the authors before an unapproved post's time"))
    if settings.STOA_ANALYTICS_SWEEP_SECONDS:
        jobs.append(PeriodicJob(sweep_metrics, settings.STOA_ANALYTICS_SWEEP_SECONDS,
                                "read the counts of posts due on their age ladder, and each channel's audience"))
    if folds_clicks:
        jobs.append(PeriodicJob(fold_click_log, settings.STOA_CLICK_FOLD_SECONDS,
                                "move the short links' clicks from the click log into the database"))
    jobs.append(PeriodicJob(send_scheduled_reports, settings.STOA_REPORT_SECONDS,
                            "email the weekly and monthly reports that are due, with their PDF"))
    jobs.append(PeriodicJob(run_contests, settings.STOA_CONTEST_SECONDS,
                            "read open contests' entries, freeze the closed ones and draw the frozen ones"))
    jobs.append(PeriodicJob(collect_listening, settings.STOA_LISTENING_SECONDS,
                            "look for the workspaces' listening queries on their channels' networks"))
    jobs.append(PeriodicJob(pace_campaigns, settings.STOA_CAMPAIGN_SECONDS,
                            "pace paid campaigns' spend against the plan and alert the managers once"))
    jobs.append(PeriodicJob(read_audience, settings.STOA_AUDIENCE_SECONDS,
                            "read the competitors, the reposts and likes of recent posts and the audience's reach"))
    return jobs


def startup_summary(jobs: Sequence[PeriodicJob]) -> str:
    """What will run on a schedule, for the start-up log of `stoa run` and `stoa worker`."""
    summary = "; ".join(map(str, jobs)) or "none"
    if on_huey := [f"{t.__module__}.{t.__name__}" for t in HUEY._registry._periodic_tasks]:
        summary += f"; and on Huey's own crontab (to be listed in {__name__}): {', '.join(on_huey)}"
    return summary


def run_schedule(stop: threading.Event, jobs: Sequence[PeriodicJob]) -> threading.Thread:
    """A thread that enqueues each job at start and then every `every_seconds` (monotonic time, so a
    change of the wall clock neither skips nor repeats one), until `stop`."""

    def loop() -> None:
        due = {job: time.monotonic() for job in jobs}
        while jobs and not stop.is_set():
            now = time.monotonic()
            for job in jobs:
                if due[job] <= now:
                    due[job] = now + job.every_seconds  # after a stall (suspend): once, not piled up
                    enqueue(job)
            stop.wait(max(min(due.values()) - time.monotonic(), 0))

    thread = threading.Thread(target=loop, name="stoa-schedule", daemon=True)
    thread.start()
    return thread


def enqueue(job: PeriodicJob) -> None:
    try:
        job.task()
    except Exception:  # noqa: BLE001 - the queue unreachable for a moment must not end the schedule
        log.exception("Could not put %s on the task queue; it is tried again in %g s", job.name, job.every_seconds)
