"""The inbox as people run it: a real `stoa run` (and a `stoa worker` on Redis) against the full local AT Protocol
network with its AppView. Someone answers the brand's post, and nobody calls anything: the message must arrive in
the inbox by itself, and its response-time warning go out by itself. (The other inbox tests call the polling
functions directly, which is how a consumer that ran no periodic job at all went unnoticed: issue 13.)"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.core.helpers import die_with_parent, stop_process
from tests.providers.test_bluesky_inbox import write
from tests.runtime.test_tasks import REDIS_URL, redis_or_skip

pytest_plugins = ["tests.providers.bluesky_network"]
pytestmark = [pytest.mark.bluesky, pytest.mark.timeout(480)]

POLL_SECONDS = 2  # STOA_INBOX_POLL_SECONDS: the inbox is read, and its clocks checked, this often
ARRIVAL_SECONDS = 120  # what people may wait for a message to show up by itself

# Carol is the brand here (the other inbox tests use Alice), Bob answers her post. The workspace's response
# target is 2 minutes for every intent, with the warning 2 minutes before: it goes out at the first check.
SETUP = """
import json
from django.contrib.auth import get_user_model
from stoa.channels.models import Channel
from stoa.inbox.models import Intent, ResponseTarget
from stoa.posts.models import Post, Publication, State, Variant
from stoa.workspaces.actions import create_workspace
admin = get_user_model().objects.filter(is_superuser=True).first()
ws = create_workspace(admin, "Kafe Yafo", timezone="Asia/Jerusalem")
channel = Channel(workspace=ws, network="bluesky", name="Carol's cafe",
                  config={"pds_url": %(pds_url)r, "read_direct_messages": False})  # the local network has no chat
channel.credentials = {"identifier": %(handle)r, "app_password": %(app_password)r}
channel.save()
for intent in Intent.values:
    ResponseTarget.objects.create(workspace=ws, intent=intent, first_response_minutes=2, warn_before_minutes=2)
post = Post.objects.create(workspace=ws)
variant = Variant.objects.create(post=post, channel=channel, text=%(text)r)
publication = Publication.objects.create(variant=variant, channel=channel, workspace=ws, state=State.PUBLISHED,
                                         remote_id=%(uri)r)
print(json.dumps({"publication": publication.pk}))
"""
STATE = """
import json
from stoa.inbox.models import Cursor, Item
from stoa.workspaces.models import Notification
print(json.dumps({
    "cursors": Cursor.objects.count(),
    "items": {i.remote_id: {"text": i.text, "publication": i.publication_id} for i in Item.objects.all()},
    "notifications": list(Notification.objects.values_list("kind", "message")),
}))
"""


@pytest.fixture
def stoa_env(tmp_path) -> dict[str, str]:
    """A Stoa of its own: its data directory, the inbox read every few seconds, tasks on SQLite."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "STOA_TASKS_NAME")}
    env.update(STOA_DATA_DIR=str(tmp_path / "data"), STOA_SECRET_KEY="inbox-by-itself", STOA_TASKS="sqlite",
               STOA_INBOX_POLL_SECONDS=str(POLL_SECONDS), STOA_PUBLISHER_THREADS="2", STOA_HTTP_TIMEOUT_SECONDS="10")
    return env


def stoa(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "stoa.cli", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=120).stdout


def state(env: dict[str, str]) -> dict[str, Any]:
    return json.loads(stoa(env, "django", "shell", "--no-imports", "-c", STATE))


def start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen:
    """A Stoa command in its own process group, which the kernel kills if the test run itself dies."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "stoa.cli", *args], env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)


def wait_until(found: Callable[[], Any], seconds: float, what: str, process: subprocess.Popen, log: Path) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := found()):
        if process.poll() is not None:
            pytest.fail(f"Stoa exited ({process.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"Not within {seconds:.0f} s: {what}. Stoa's output:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    return result


def prepare(env: dict[str, str], network, label: str) -> tuple[dict, int]:
    """Stoa's database with Carol connected as a channel, and the brand's post on the network. Returns the post
    (uri, cid) and its publication's id."""
    carol = network.accounts["carol"]
    stoa(env, "migrate", "--verbosity", "0")
    stoa(env, "ensureadmin")
    text = f"Lentil soup is back ({label} {uuid.uuid4().hex[:6]})"
    post = write(network, carol, {"text": text})
    out = stoa(env, "django", "shell", "--no-imports", "-c", SETUP % {
        "pds_url": network.pds_url, "handle": carol.handle, "app_password": carol.app_password, "text": text,
        "uri": post["uri"]})
    return post, json.loads(out)["publication"]


def answered_by_itself(env: dict[str, str], network, post: dict, publication: int, process: subprocess.Popen,
                       log: Path) -> dict[str, float]:
    """Once Stoa has read the channel by itself, Bob answers the brand's post; the answer must come into the
    inbox, under the post, and its warning go out, with nobody calling anything. Returns the timings."""
    started = time.monotonic()
    # The periodic jobs and the task consumer's list of tasks are logged by two threads, in either order.
    wait_until(lambda: "Periodic jobs" in log.read_text() and "+ stoa.workspaces.mail.email_notifications"
               in log.read_text(), 60, "the start-up lines", process, log)
    output = log.read_text()
    assert re.search(r"Periodic jobs .*poll_inboxes every 2 s.*inbox_deadlines every 2 s", output), output
    assert "+ stoa.inbox.tasks.poll_inboxes" in output and "+ stoa.workspaces.mail.email_notifications" in output
    wait_until(lambda: state(env)["cursors"], ARRIVAL_SECONDS, "the first read of the channel", process, log)
    first_read = time.monotonic() - started

    ref = {"uri": post["uri"], "cid": post["cid"]}
    text = f"Is it vegan? Asking for the whole office ({uuid.uuid4().hex[:6]})"
    reply = write(network, network.accounts["bob"], {"text": text, "reply": {"root": ref, "parent": ref}})
    written = time.monotonic()
    seen = wait_until(lambda: (s := state(env))["items"].get(reply["uri"]) and s, ARRIVAL_SECONDS,
                      "Bob's reply in the inbox", process, log)
    arrived = time.monotonic() - written
    assert seen["items"][reply["uri"]] == {"text": text, "publication": publication}  # threaded under the post
    warned = wait_until(lambda: [m for kind, m in state(env)["notifications"] if kind == "inbox_due_soon"],
                        ARRIVAL_SECONDS, "the warning that the reply is due", process, log)
    assert "within 2 min" in warned[0] or "within 1 min" in warned[0], warned
    assert text[:40] in warned[0]
    return {"first_read": first_read, "arrived": arrived, "warned": time.monotonic() - written, "text": text}


def test_stoa_run_reads_the_inbox_and_warns_by_itself(bluesky_appview_network, stoa_env, tmp_path):
    network = bluesky_appview_network
    post, publication = prepare(stoa_env, network, "run")
    token = re.search(r"stoa_\S+", stoa(stoa_env, "apitoken", "inbox-test"))[0]
    log = tmp_path / "stoa-run.log"
    process = start(stoa_env, log, "run", "--host", "127.0.0.1", "--port", "0")
    try:
        timings = answered_by_itself(stoa_env, network, post, publication, process, log)
        url = re.search(r"Stoa is running at (http://127\.0\.0\.1:\d+)/", log.read_text())[1]
        inbox = httpx.get(f"{url}/api/v1/inbox", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    finally:
        stop_process(process)
    assert timings["text"] in [item["text"] for item in inbox.raise_for_status().json()]
    print(f"stoa run: first read {timings['first_read']:.1f} s after start; the reply in the inbox "
          f"{timings['arrived']:.1f} s after it was written, its warning {timings['warned']:.1f} s after")


@pytest.mark.redis
def test_stoa_worker_on_redis_reads_the_inbox_and_warns_by_itself(bluesky_appview_network, stoa_env, tmp_path):
    from huey import RedisHuey

    redis_or_skip()
    name = f"stoa-test-{uuid.uuid4().hex}"  # a queue of its own: runs side by side never take each other's tasks
    stoa_env.update(STOA_TASKS="redis", REDIS_URL=REDIS_URL, STOA_TASKS_NAME=name)
    network = bluesky_appview_network
    post, publication = prepare(stoa_env, network, "worker")
    log = tmp_path / "stoa-worker.log"
    process = start(stoa_env, log, "worker", "--publishers", "2")
    try:
        timings = answered_by_itself(stoa_env, network, post, publication, process, log)
    finally:
        stop_process(process)
        RedisHuey(name=name, url=REDIS_URL).storage.flush_all()
    print(f"stoa worker (Redis): first read {timings['first_read']:.1f} s after start; the reply in the inbox "
          f"{timings['arrived']:.1f} s after it was written, its warning {timings['warned']:.1f} s after")
