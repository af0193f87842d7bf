"""Request budget benchmark: what spending a channel's budget (stoa/channels/budget.py) costs each request.

    .venv/bin/python bench/budget.py [--seconds 3] [--database sqlite|postgres|both]

In a fresh temporary data directory (SQLite, the embedded default) and a fresh database on the local PostgreSQL
(STOA_TEST_POSTGRES_URL, dropped afterwards), one channel's budget is spent as fast as possible for `--seconds`, by
one process and by four processes sharing it (the worst case: every worker on the same channel, so on the same rows):

- one limit: a request that counts against one limit (most Mastodon and Telegram requests);
- two limits: a request that counts against two at once (a Bluesky write: the hour's and the day's points), taken
  together or not at all, in one transaction;
- new budget: a new provider's first request (Channel.provider() gives each provider a new budget);
- uncounted: a request no limit counts (Bluesky's reads, Telegram's getUpdates), which still waits out a 429;
- round trip: `SELECT 1`, the least a request to the database costs, for scale.

The limits are set high enough never to refuse, so every spend is the whole path a request takes. It prints spends
per second (all processes together) and the mean time one spend takes a process; publishing one post takes a few
milliseconds of the network's time and a handful of queries of Stoa's.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HIGH = 10**9  # a limit that never refuses
KINDS = ("one limit", "two limits", "new budget", "uncounted", "round trip")


@contextlib.contextmanager
def database(kind: str) -> Iterator[dict[str, str]]:
    """The environment of a fresh, migrated database of `kind`, removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix="stoa-bench-budget-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOA_") and k != "DATABASE_URL"}
    env.update(STOA_DATA_DIR=str(data_dir), STOA_SECRET_KEY=secrets.token_urlsafe(40),
               DJANGO_SETTINGS_MODULE="stoa.settings", STOA_LOG_LEVEL="WARNING")
    name = ""
    base = os.environ.get("STOA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/stoa").rsplit("/", 1)[0]
    if kind == "postgres":
        import psycopg

        name = f"stoa_bench_budget_{secrets.token_hex(4)}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        env["DATABASE_URL"] = f"{base}/{name}"
    try:
        subprocess.run([sys.executable, "-m", "stoa.cli", "migrate", "--verbosity", "0"], env=env, cwd=ROOT,
                       check=True, timeout=300)
        yield env
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if name:
            import psycopg

            with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def spender(kind: str, channel_id: int) -> Callable[[], None]:
    """One request's spend of `kind`."""
    from django.db import connection

    from stoa.channels.budget import ChannelBudget
    from stoa.channels.models import Channel
    from stoa.providers.base import RateLimit

    channel = Channel.objects.get(pk=channel_id)
    one = (RateLimit("requests", HIGH, 300),)
    two = (RateLimit("points-hour", HIGH, 3600), RateLimit("points-day", HIGH, 86400))
    if kind == "one limit":
        budget = ChannelBudget(channel, one, "Bench")
        return lambda: budget.spend({"requests": 1})
    if kind == "two limits":
        both = ChannelBudget(channel, two, "Bench")
        return lambda: both.spend({"points-hour": 3, "points-day": 3})
    if kind == "new budget":
        return lambda: ChannelBudget(channel, one, "Bench").spend({"requests": 1})
    if kind == "uncounted":
        budget = ChannelBudget(channel, one, "Bench")
        return lambda: budget.spend({})

    def round_trip() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return round_trip


def spend_for(kind: str, channel_id: int, seconds: float, start: Any, results: Any) -> None:
    """A process spending as fast as it can once all are ready; it reports how many spends it made."""
    from django.db import connections

    spend = spender(kind, channel_id)
    spend()  # rows made, connection open
    start.wait(60)
    count, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        spend()
        count += 1
    connections.close_all()
    results.put(count)


def measure(kind: str, channel_id: int, processes: int, seconds: float) -> tuple[float, float]:
    """Spends per second of all processes together, and the mean milliseconds of one spend in one process."""
    from django.db import connections

    connections.close_all()  # each process opens its own connection
    fork = multiprocessing.get_context("fork")
    start, results = fork.Barrier(processes), fork.Queue()
    workers = [fork.Process(target=spend_for, args=(kind, channel_id, seconds, start, results))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    counts = [results.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join(30)
    if any(worker.exitcode != 0 for worker in workers):
        raise SystemExit(f"a process spending '{kind}' failed")
    total = sum(counts)
    return total / seconds, 1000 * seconds * processes / max(total, 1)


def run(kind: str, seconds: float) -> list[tuple[str, int, str, float, float]]:
    with database(kind) as env:
        os.environ.clear()
        os.environ.update(env)
        import django

        django.setup()
        from django.contrib.auth import get_user_model

        from stoa.channels.models import Channel
        from stoa.workspaces.actions import create_workspace

        owner = get_user_model().objects.create_user("bench", "bench@example.com", secrets.token_urlsafe(16))
        workspace = create_workspace(owner, "Budget benchmark")
        channel = Channel.objects.create(workspace=workspace, network="mastodon", name="Bench")
        rows = []
        for processes in (1, 4):
            for spend in KINDS:
                per_second, ms = measure(spend, channel.pk, processes, seconds)
                rows.append((kind, processes, spend, per_second, ms))
                print(f"{kind:<9} {processes} process{'es' if processes > 1 else '  '} {spend:<11} "
                      f"{per_second:>9,.0f} spends/s {ms:>8.3f} ms each", flush=True)
        from django.db import connections

        connections.close_all()
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    for kind in kinds:
        # Django is set up once per process: each database runs in a process of its own.
        child = multiprocessing.get_context("spawn").Process(target=run, args=(kind, args.seconds))
        child.start()
        child.join()
        if child.exitcode:
            raise SystemExit(child.exitcode)


if __name__ == "__main__":
    main()
