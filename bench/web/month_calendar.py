"""Web benchmark: the month calendar across six busy workspaces.

    .venv/bin/python bench/web/month_calendar.py [--posts 2000] [--workspaces 6] [--runs 30] [--keep] [--check]

In a fresh temporary data directory (SQLite, the embedded default), creates `--workspaces`
workspaces with four channels each and `--posts` posts in next month (most on one or two
channels, some on three; bulk inserts), then requests the month calendar of ALL the workspaces
`--runs` times through Django's test Client, logged in as their owner. Prints the server time
(median, p95, max), the SQL queries per request, the response size, the densest day and what
the month view draws of it, and PASS/FAIL against "median <= 300 ms".
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench.embedded import setup_django  # noqa: E402 - after the path is set

TARGET_MS = 300.0
TIMEZONES = ["Asia/Jerusalem", "Europe/Athens", "Europe/London", "America/New_York", "Asia/Tehran", "UTC"]
NETWORKS = ["mastodon", "bluesky", "telegram", "mastodon"]
TYPES = ["informational", "selling", "entertaining", "question", "news", "other"]


def create_data(posts: int, workspaces: int, month: date, seed: int = 7):
    """Workspaces, channels and posts with variants and scheduled publications, by bulk inserts."""
    from django.contrib.auth import get_user_model

    from stoa.channels.models import Channel
    from stoa.posts.models import Post, Publication, Variant
    from stoa.workspaces.actions import create_workspace

    rng = random.Random(seed)
    user = get_user_model().objects.create_user("bench", "bench@example.com", "bench-password")
    spaces = [create_workspace(user, f"Brand {n + 1}", timezone=TIMEZONES[n % len(TIMEZONES)])
              for n in range(workspaces)]
    channels = {w.pk: Channel.objects.bulk_create(
        Channel(workspace=w, network=NETWORKS[k], name=f"{w.name} {NETWORKS[k]} {k}", config={})
        for k in range(len(NETWORKS))) for w in spaces}
    days = (add_month(month) - month).days
    busy = month + timedelta(days=days // 2)  # one launch day gets far more than the others
    plan = []
    for n in range(posts):
        workspace = spaces[n % workspaces]
        day = busy if rng.random() < 0.05 else month + timedelta(days=rng.randrange(days))
        when = datetime(day.year, day.month, day.day, rng.randrange(6, 22), rng.choice([0, 15, 30, 45]), tzinfo=UTC)
        targets = rng.sample(channels[workspace.pk], rng.choice([1, 1, 2, 2, 3]))
        plan.append((workspace, when, targets))
    created = Post.objects.bulk_create(Post(workspace=w, title=f"Post {n}", content_type=rng.choice(TYPES),
                                            created_by=user) for n, (w, _, _) in enumerate(plan))
    variants = Variant.objects.bulk_create(
        Variant(post=post, channel=c, text=f"Post {post.pk} for {c.name}: " + "lorem ipsum dolor sit amet " * 8)
        for post, (_, _, targets) in zip(created, plan, strict=True) for c in targets)
    when_of = {post.pk: when for post, (_, when, _) in zip(created, plan, strict=True)}
    Publication.objects.bulk_create(
        Publication(variant=v, channel_id=v.channel_id, workspace_id=v.channel.workspace_id, state="scheduled",
                    scheduled_at=when_of[v.post_id], next_attempt_at=when_of[v.post_id]) for v in variants)
    return user, busy, len(variants)


def add_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def measure(user, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    for _ in range(3):  # warm up: template loading, translations, the SQLite page cache
        assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    times.sort()
    return {"times": times, "queries": len(queries), "html": response.content.decode()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--workspaces", type=int, default=6)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when the target is missed")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="stoa-bench-web-")
    try:
        setup_django(data_dir)
        month = add_month(date.today())
        started = time.perf_counter()
        user, busy, publications = create_data(args.posts, args.workspaces, month)
        setup_s = time.perf_counter() - started
        url = f"/calendar/?view=month&date={month:%Y-%m-%d}"
        result = measure(user, url, max(args.runs, 1))
        html, times = result["html"], result["times"]
        median = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        drawn = html.count('class="entry ')
        busy_cell = re.search(rf'data-date="{busy:%Y-%m-%d}">(.*?)</td>', html, re.S)
        busy_drawn = busy_cell.group(1).count('class="entry ') if busy_cell else 0
        more = re.search(r">\+(\d+) ", busy_cell.group(1)) if busy_cell else None
        busy_total = busy_drawn + (int(more.group(1)) if more else 0)
        print(f"Month calendar, all {args.workspaces} workspaces: {args.posts} posts, {publications} publications "
              f"in {month:%Y-%m} (setup {setup_s:.1f} s, data in {data_dir})")
        print(f"  GET {url} x {len(times)}")
        print(f"  server time: median {median:.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms")
        print(f"  SQL queries per request: {result['queries']}")
        print(f"  response size: {len(html.encode()) / 1024:.1f} KiB HTML, {drawn} entries drawn")
        print(f"  densest day {busy:%Y-%m-%d}: {busy_total} publications, {busy_drawn} drawn, "
              f"the rest behind a '+{busy_total - busy_drawn} more' link to that day's list")
        passed = median <= TARGET_MS
        print(f"  {'PASS' if passed else 'FAIL'}: median {median:.1f} ms {'<=' if passed else '>'} {TARGET_MS:.0f} ms")
        return 0 if passed or not args.check else 1
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
