"""Real `stoa worker` processes on one SQLite database, one of them killed mid-burst."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from stoa.testing.fake_network import FakeNetwork
from tests.core.helpers import die_with_parent, stop_process

SETUP = """
from datetime import timedelta
from django.utils import timezone
from stoa.channels.models import Channel
from stoa.posts.models import Post, Publication, Variant
from stoa.workspaces.models import Workspace
ws = Workspace.objects.create(name="W", slug="w", timezone="Europe/Athens")
now = timezone.now()
for n in range(1, 6):
    c = Channel(workspace=ws, network="mastodon", name=f"M{n}",
                config={"instance_url": "%(url)s", "account_id": str(n), "max_characters": 500})
    c.credentials = {"access_token": f"token-{n}"}
    c.save()
    for k in range(%(per_channel)d):
        post = Post.objects.create(workspace=ws)
        v = Variant.objects.create(post=post, channel=c, text=f"post {n}-{k}")
        Publication.objects.create(variant=v, channel=c, workspace=ws, state="scheduled",
                                   scheduled_at=now, next_attempt_at=now)
"""
STATES = "from stoa.posts.models import Publication; from collections import Counter; " \
         "import json; print(json.dumps(Counter(Publication.objects.values_list('state', flat=True))))"


def stoa(env, *args, **kwargs):
    return subprocess.run([sys.executable, "-m", "stoa.cli", *args], env=env, check=True,
                          capture_output=True, text=True, timeout=120, **kwargs)


def start_worker(env) -> subprocess.Popen:
    """A `stoa worker` in its own process group, which the kernel kills if the test run itself dies."""
    return subprocess.Popen([sys.executable, "-m", "stoa.cli", "worker", "--publishers", "4"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=die_with_parent)


@pytest.fixture
def worker_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(STOA_DATA_DIR=str(tmp_path), STOA_LEASE_SECONDS="3", STOA_POLL_SECONDS="0.1",
               STOA_HTTP_TIMEOUT_SECONDS="2", STOA_TASKS="sqlite", STOA_SECRET_KEY="worker-test")
    return env


def test_post_is_not_published_twice_when_a_worker_process_is_killed(worker_env):
    network = FakeNetwork(latency=0.05).start()
    workers = []
    try:
        stoa(worker_env, "migrate", "--verbosity", "0")
        stoa(worker_env, "shell", "--no-imports", "-c", SETUP % {"url": network.url, "per_channel": 16})
        workers = [start_worker(worker_env), start_worker(worker_env)]
        deadline = time.monotonic() + 30
        while len(network.statuses) < 25 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(workers[0].pid, signal.SIGKILL)  # mid-burst, with publishes in flight
        workers.append(start_worker(worker_env))

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = json.loads(stoa(worker_env, "shell", "--no-imports", "-c", STATES).stdout)
            if states.get("published", 0) == 80:
                break
            time.sleep(0.5)
    finally:
        for worker in workers:
            stop_process(worker)
        network.stop()

    assert states == {"published": 80}
    texts = network.created_texts()
    assert len(texts) == 80 and set(texts.values()) == {1}, "every post exactly once on the network"


def test_a_restarted_worker_settles_what_the_killed_one_left_without_waiting_out_its_lease(worker_env):
    worker_env.pop("STOA_LEASE_SECONDS")  # the lease users run (60 s)
    network = FakeNetwork(latency=0.2).start()
    workers = []
    try:
        stoa(worker_env, "migrate", "--verbosity", "0")
        stoa(worker_env, "shell", "--no-imports", "-c", SETUP % {"url": network.url, "per_channel": 16})
        workers = [start_worker(worker_env)]
        deadline = time.monotonic() + 30
        while len(network.statuses) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(workers[0].pid, signal.SIGKILL)  # the whole worker, with publishes in flight
        workers[0].wait(timeout=10)
        restarted_at = time.monotonic()
        workers.append(start_worker(worker_env))

        while time.monotonic() < restarted_at + 30:
            states = json.loads(stoa(worker_env, "shell", "--no-imports", "-c", STATES).stdout)
            if states.get("published", 0) == 80:
                break
            time.sleep(0.5)
        settled_after = time.monotonic() - restarted_at
    finally:
        for worker in workers:
            stop_process(worker)
        network.stop()

    assert states == {"published": 80}, f"not settled {settled_after:.0f} s after the restart: {states}"
    texts = network.created_texts()
    assert len(texts) == 80 and set(texts.values()) == {1}, "every post exactly once on the network"
