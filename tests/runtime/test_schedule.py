"""The periodic jobs (stoa/runtime/schedule.py): listed in one place, run by `stoa run` and every `stoa worker`."""

import os
import re
import subprocess
import sys
import threading
import time

import pytest
from huey import MemoryHuey, crontab
from huey.contrib.djhuey import HUEY

from stoa.runtime.schedule import PeriodicJob, periodic_jobs, run_schedule, startup_summary
from tests.core.helpers import die_with_parent, stop_process


def test_the_inbox_is_read_and_its_clocks_checked_every_poll_interval(settings):
    settings.STOA_INBOX_POLL_SECONDS = 5
    assert [(job.name, job.every_seconds) for job in periodic_jobs()] == [
        ("poll_inboxes", 5), ("inbox_deadlines", 5), ("approval_reminders", 300), ("sweep_metrics", 300),
        ("fold_click_log", 10), ("send_scheduled_reports", 300), ("run_contests", 300), ("collect_listening", 600),
        ("pace_campaigns", 3600), ("read_audience", 3600)]
    assert str(periodic_jobs()[0]) == "poll_inboxes every 5 s (read every channel's new messages)"


def test_with_polling_off_only_the_response_clocks_are_checked(settings):
    settings.STOA_INBOX_POLLING = False
    assert [job.name for job in periodic_jobs()] == ["inbox_deadlines", "approval_reminders", "sweep_metrics",
                                                     "fold_click_log", "send_scheduled_reports", "run_contests",
                                                     "collect_listening", "pace_campaigns", "read_audience"]


def test_the_counts_are_swept_on_their_own_interval_and_not_at_all_at_zero(settings):
    settings.STOA_ANALYTICS_SWEEP_SECONDS = 60
    assert [job.every_seconds for job in periodic_jobs() if job.name == "sweep_metrics"] == [60]
    settings.STOA_ANALYTICS_SWEEP_SECONDS = 0
    assert "sweep_metrics" not in [job.name for job in periodic_jobs()]


def test_each_job_is_queued_at_start_and_then_every_interval():
    huey = MemoryHuey(immediate=True)
    runs: list[float] = []
    started = time.monotonic()
    stop = threading.Event()
    thread = run_schedule(stop, [PeriodicJob(huey.task()(lambda: runs.append(time.monotonic())), 0.2, "count")])
    time.sleep(1.1)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert runs[0] - started < 0.5  # at start, not after the first interval
    assert 3 <= len(runs) <= 7  # about every 0.2 s; never piled up


def test_a_queue_that_fails_for_a_moment_does_not_end_the_schedule(caplog):
    class RestartingRedis:
        def func(self) -> None:
            """The job's name in the log."""

        calls = 0

        def __call__(self) -> None:
            self.calls += 1
            if self.calls == 1:
                raise ConnectionError("Redis is restarting")

    queue, stop = RestartingRedis(), threading.Event()
    thread = run_schedule(stop, [PeriodicJob(queue, 0.05, "count")])
    deadline = time.monotonic() + 5
    while queue.calls < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)
    assert queue.calls >= 3
    assert "Could not put func on the task queue; it is tried again in 0.05 s" in caplog.text


def test_the_start_up_line_names_a_job_still_left_on_hueys_crontab():
    jobs = periodic_jobs()
    assert "Huey's own crontab" not in startup_summary(jobs)
    task = HUEY.periodic_task(crontab(minute="*/5"))(lambda: None)
    try:
        assert startup_summary(jobs).endswith(f"and on Huey's own crontab (to be listed in stoa.runtime.schedule): "
                                              f"{__name__}.<lambda>")
    finally:
        task.unregister()


@pytest.fixture
def worker_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(STOA_DATA_DIR=str(tmp_path), STOA_TASKS="sqlite", STOA_SECRET_KEY="schedule-test",
               STOA_INBOX_POLL_SECONDS="1")
    return env


def test_stoa_worker_says_what_it_runs_and_runs_every_periodic_job(worker_env, tmp_path):
    subprocess.run([sys.executable, "-m", "stoa.cli", "migrate", "--verbosity", "0"], env=worker_env, check=True,
                   timeout=120)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "stoa.cli", "worker", "--publishers", "1"], env=worker_env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  preexec_fn=die_with_parent)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and min(
                len(re.findall(rf"stoa\.inbox\.tasks\.{name}: \S+ executed", log.read_text()))
                for name in ("poll_inboxes", "inbox_deadlines")) < 2:
            time.sleep(0.2)
        while "stoa.approvals.tasks.approval_reminders: " not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop_process(worker)
    output = log.read_text()
    assert "Periodic jobs (stoa/runtime/schedule.py): poll_inboxes every 1 s" in output
    for task in ("stoa.inbox.tasks.poll_inboxes", "stoa.inbox.tasks.poll_inbox", "stoa.inbox.tasks.inbox_deadlines",
                 "stoa.workspaces.mail.email_notifications"):  # the consumer knows every task it may be handed
        assert f"+ {task}\n" in output
    for name in ("poll_inboxes", "inbox_deadlines"):  # at start, then again a second later
        assert len(re.findall(rf"stoa\.inbox\.tasks\.{name}: \S+ executed", output)) >= 2, output
    assert re.search(r"stoa\.approvals\.tasks\.approval_reminders: \S+ executed", output), output


def test_a_poll_interval_that_is_not_whole_seconds_stops_stoa_at_start(worker_env):
    worker_env["STOA_INBOX_POLL_SECONDS"] = "0.5"
    result = subprocess.run([sys.executable, "-m", "stoa.cli", "worker"], env=worker_env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0
    assert "STOA_INBOX_POLL_SECONDS must be a whole number of seconds, 1 or more, not '0.5'" in result.stderr
