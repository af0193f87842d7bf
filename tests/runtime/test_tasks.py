"""Background tasks: the same task code on SQLite (embedded) and Redis (scaled)."""

import os
import uuid

import pytest
from django.core import mail
from huey import RedisHuey, SqliteHuey

from stoa.workspaces.actions import notify
from stoa.workspaces.mail import email_notifications
from stoa.workspaces.models import Notification

REDIS_URL = os.environ.get("STOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as e:
        pytest.skip(f"Redis not reachable at {REDIS_URL} ({e}); start it or set STOA_TEST_REDIS_URL")


def run_through(huey, workspace_id: int) -> int:
    """Enqueue the real task function on `huey`, let a consumer step take it, return its result."""
    notifications = notify(workspace_id, "publish_failed", "A post to Bluesky failed.")
    mail.outbox.clear()
    task = huey.task()(email_notifications.func)
    result = task([n.pk for n in notifications])
    huey.execute(huey.dequeue())
    return result.get(blocking=True, timeout=10)


def test_notification_is_shown_in_the_app_and_emailed_to_managers(workspace, owner,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(workspace.pk, "publish_failed", "A post to Bluesky failed: the image is too large.")
    assert Notification.objects.get().message.startswith("A post to Bluesky failed")
    [message] = mail.outbox
    assert message.to == [owner.email] and "image is too large" in message.body


@pytest.mark.redis
def test_task_runs_through_real_redis(workspace, owner):
    redis_or_skip()
    huey = RedisHuey(name=f"stoa-test-{uuid.uuid4().hex}", url=REDIS_URL)
    try:
        assert run_through(huey, workspace.pk) == 1
        assert mail.outbox[0].to == [owner.email]
    finally:
        huey.storage.flush_all()


def test_task_runs_through_sqlite_queue(workspace, owner, tmp_path):
    huey = SqliteHuey(name="stoa-test", filename=str(tmp_path / "tasks.sqlite3"))
    assert run_through(huey, workspace.pk) == 1
