"""Analytics benchmark, on SQLite and on PostgreSQL: the data set of `stoa demo`, the analytics pages, the short-link
redirector against a static file, and clicks through a server killed with -9.

    .venv/bin/python bench/analytics.py [--brands 6] [--years 2] [--channels 5] [--requests 30] [--only sqlite]

For each database, in a child process with a fresh data directory (and, for PostgreSQL, a fresh database on the
server of STOA_TEST_POSTGRES_URL, dropped afterwards; skipped with a note when it cannot be reached):
- builds the data set with stoa.runtime.demo (the code of `stoa demo`: 6 brands x 2 years x 5 channels);
  `snapshots_per_s` is its bulk path (PostSnapshot bulk inserts of 5,000 rows, the time spent in them), and
  `collector_snapshots_per_s` the collector's own write path (stoa.analytics.actions.record_post_snapshot, checked
  and inserted one by one) over 2,000 snapshots;
- `dashboard_p50_ms` / `dashboard_p95_ms`: the analytics page of one workspace over a quarter (?days=90) through
  Django's test client, logged in as the owner, `--requests` requests after 3 to warm up; `cross_workspace_p95_ms`:
  the page across all six (?workspace=all&days=90);
- `redirects_per_s` / `static_per_s`: a real `stoa web` on 127.0.0.1, 8 concurrent clients with keep-alive for 5 s
  each, in five turns of one second each (so that anything else the machine does weighs on both alike), on
  /l/<code> of the latest 100 short links (clicks follow recent posts; a browser's User-Agent, so every click is
  counted: appended to the click log, on either database) and on /static/web/stoa.css;
  `redirects_uncached_per_s`: the same over 2,000 links of the whole data set, most clicks the first on their link
  in this process, so found in the database rather than in the cache;
- `clicks_lost`: 8 clients click while the server is killed with SIGKILL after 2 s; the server is started again
  and the click logs folded: clicks answered with a redirect minus clicks added to the database;
- `pdf_report_s`: the slowest of three PDFs of the Hebrew café's last month (stoa.reports: the report built, then
  laid out by WeasyPrint), after one to warm up (`pdf_report_first_s`).

The last line is JSON: the top-level figures are the worse of the two databases, "sqlite" and "postgres" give each.
Targets: dashboard p95 <= 300 ms, cross-workspace p95 <= 600 ms, redirects >= 50 % of static, no click lost, a
month's PDF report in 5 s or less.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

POSTGRES_URL = os.environ.get("STOA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/stoa")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
STATIC_PATH = "/static/web/stoa.css"
CLIENTS = 8
LOAD_SECONDS = 5.0
TARGETS = {"dashboard_p95_ms": 300.0, "cross_workspace_p95_ms": 600.0, "redirect_share": 0.5, "clicks_lost": 0,
           "pdf_report_s": 5.0}
LOWER_IS_WORSE = ("snapshots_per_s", "collector_snapshots_per_s", "redirects_per_s", "redirects_uncached_per_s",
                  "static_per_s", "redirect_share")


# -- The parent: one child per database, then the figures side by side ----------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--brands", type=int, default=6)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--channels", type=int, default=5)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--child", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args)), flush=True)
        return
    results = {}
    for database in [args.only] if args.only else ["sqlite", "postgres"]:
        results[database] = run_child(database, args)
    print(json.dumps(combined(results)))


def run_child(database: str, args) -> dict:
    print(f"== {database}", flush=True)
    command = [sys.executable, __file__, "--child", database, "--brands", str(args.brands), "--years",
               str(args.years), "--channels", str(args.channels), "--requests", str(args.requests)]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = done.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(f"   {line}", flush=True)
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": f"the {database} run failed (exit {done.returncode}); see above"}


def combined(results: dict) -> dict:
    measured = [r for r in results.values() if "error" not in r and "skipped" not in r]
    top: dict = {}
    for name in ("snapshots_per_s", "collector_snapshots_per_s", "dashboard_p50_ms", "dashboard_p95_ms",
                 "cross_workspace_p95_ms", "redirects_per_s", "redirects_uncached_per_s", "static_per_s",
                 "redirect_share", "clicks_lost",
                 "pdf_report_s"):
        values = [r[name] for r in measured if r.get(name) is not None]
        top[name] = (min(values) if name in LOWER_IS_WORSE else max(values)) if values else None
    top["meets_targets"] = bool(measured) and all(
        top[name] is not None and (top[name] >= target if name in LOWER_IS_WORSE else top[name] <= target)
        for name, target in TARGETS.items())
    top["notes"] = ("top-level figures are the worse of the databases measured; snapshots_per_s is the demo's bulk "
                    "path, collector_snapshots_per_s the collector's write path; redirects_per_s on the latest 100 "
                    "links, redirects_uncached_per_s on 2,000 links of the data set")
    return top | results


# -- A child: one database ------------------------------------------------------------------------------------


def run_one(args) -> dict:
    data_dir = tempfile.mkdtemp(prefix=f"stoa-bench-analytics-{args.child}-")
    database = None
    try:
        env = environment(data_dir)
        if args.child == "postgres":
            database = fresh_postgres()
            if database is None:
                return {"skipped": f"cannot connect to {POSTGRES_URL}"}
            env["DATABASE_URL"] = database
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        figures: dict = {"database": args.child}
        figures |= build(args)
        figures |= pages(args.requests)
        figures |= report()
        figures |= serving(env)
        return figures
    finally:
        from django.db import connections

        connections.close_all()
        if database:
            drop_postgres(database)
        shutil.rmtree(data_dir, ignore_errors=True)


def environment(data_dir: str) -> dict:
    for name in [n for n in os.environ if n.startswith("STOA_") and n != "STOA_TEST_POSTGRES_URL"
                 or n in ("DATABASE_URL", "REDIS_URL")]:
        del os.environ[name]
    return {"STOA_DATA_DIR": data_dir, "DJANGO_SETTINGS_MODULE": "stoa.settings",
            "STOA_SECRET_KEY": "bench-secret-key-not-for-production"}


def fresh_postgres() -> str | None:
    import psycopg

    base, _ = POSTGRES_URL.rsplit("/", 1)
    name = f"stoa_bench_analytics_{os.getpid()}"
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}")
            connection.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError:
        return None
    return f"{base}/{name}"


def drop_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def say(text: str) -> None:
    print(text, flush=True)


# -- The data set and the pages -------------------------------------------------------------------------------


def build(args) -> dict:
    from django.db import connection

    from stoa.runtime import demo

    started = time.perf_counter()
    made = demo.build(brands=args.brands, years=args.years, channels=args.channels, seed=1)
    seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    say(f"data set: {made.workspaces} workspaces, {made.channels} channels, {made.publications} publications, "
        f"{made.post_snapshots} post snapshots, {made.clicks} clicks in {seconds:.0f} s")
    return {"publications": made.publications, "post_snapshots": made.post_snapshots, "build_s": round(seconds, 1),
            "snapshots_per_s": round(made.post_snapshots / made.snapshot_seconds),
            "collector_snapshots_per_s": collector_rate()}


def collector_rate(count: int = 2000) -> float:
    """Snapshots through the collector's write path: each checked, then inserted on its own."""
    from stoa import clock
    from stoa.analytics.actions import record_post_snapshot
    from stoa.analytics.models import MeasuredPost
    from stoa.providers.base import LIKES, REPLIES, REPOSTS, MetricPoint

    declared = (LIKES, REPOSTS, REPLIES)
    posts = list(MeasuredPost.objects.filter(channel__network="mastodon")[:count])
    now = clock.now()
    started = time.perf_counter()
    for n, post in enumerate(posts):
        record_post_snapshot(post, [MetricPoint(name, 10 + n % 7, now) for name in declared], declared)
    return round(len(posts) / (time.perf_counter() - started))


def pages(requests: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from stoa.workspaces.models import Workspace

    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    one = Workspace.objects.order_by("pk").first()
    url = reverse("analytics")
    dashboard = timed(client, url, {"workspace": one.slug, "days": 90}, requests)
    across = timed(client, url, {"workspace": "all", "days": 90}, requests)
    say(f"dashboard of {one.slug}, a quarter: p50 {dashboard[0]:.0f} ms, p95 {dashboard[1]:.0f} ms; "
        f"all workspaces: p50 {across[0]:.0f} ms, p95 {across[1]:.0f} ms")
    slowest_queries(client, url, {"workspace": "all", "days": 90})
    return {"dashboard_p50_ms": round(dashboard[0], 1), "dashboard_p95_ms": round(dashboard[1], 1),
            "cross_workspace_p50_ms": round(across[0], 1), "cross_workspace_p95_ms": round(across[1], 1)}


def report() -> dict:
    from stoa.reports.build import build as build_report
    from stoa.reports.models import ReportTemplate
    from stoa.reports.render import pdf
    from stoa.workspaces.models import Workspace

    workspace = Workspace.objects.filter(language="he").order_by("pk").first() or Workspace.objects.first()
    template = ReportTemplate.objects.create(workspace=workspace, name="Monthly", language=workspace.language)
    times = []
    for _ in range(4):
        started = time.perf_counter()
        size = len(pdf(build_report(template)))
        times.append(time.perf_counter() - started)
    say(f"a month's PDF report of {workspace.slug} ({workspace.language}, {size // 1024} kB): first "
        f"{times[0]:.2f} s, then {', '.join(f'{t:.2f}' for t in times[1:])} s")
    return {"pdf_report_s": round(max(times[1:]), 2), "pdf_report_first_s": round(times[0], 2)}


def slowest_queries(client, url: str, query: dict, shown: int = 3) -> None:
    """Where a page's time goes: its slowest queries, and the plan of the slowest (EXPLAIN ANALYZE on PostgreSQL)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url, query)
    ranked = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    for found in ranked[:shown]:
        say(f"  {float(found['time']) * 1000:.0f} ms of {len(ranked)} queries: {found['sql'][:150]}...")
    explain = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + ranked[0]["sql"])
        for row in cursor.fetchall()[:40]:
            say(f"    {row[-1]}")


def timed(client, url: str, query: dict, requests: int) -> tuple[float, float]:
    for _ in range(3):
        assert client.get(url, query).status_code == 200
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url, query)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


# -- A real server: redirects, static files, and clicks through a kill -9 -------------------------------------


def serving(env: dict) -> dict:
    from stoa.links.clicklog import fold_clicks
    from stoa.links.models import Click, ShortLink

    # Clicks follow recent posts: the latest 100 links (about two weeks of the six brands); and, once, 2,000 links
    # of the whole data set, each first click of which finds its link in the database (not yet cached).
    codes = list(ShortLink.objects.order_by("-created_at").values_list("code", flat=True)[:100])
    spread = list(ShortLink.objects.order_by("?").values_list("code", flat=True)[:2000])
    port = free_port()
    server = start_server(env, port)
    try:
        cold = load(port, lambda rng: f"/l/{rng.choice(spread)}", 302, LOAD_SECONDS)
        redirects, static = in_turns(port, [(lambda rng: f"/l/{rng.choice(codes)}", 302),
                                            (lambda rng: STATIC_PATH, 200)], LOAD_SECONDS)
        say(f"short-link redirects {redirects['per_s']:.0f}/s on the latest 100 links ({cold['per_s']:.0f}/s on "
            f"2,000 links not yet cached), static file {static['per_s']:.0f}/s ({CLIENTS} clients, "
            f"{LOAD_SECONDS:.0f} s each)")
        fold_clicks()
        before = Click.objects.count()
        killer = threading.Timer(2.0, lambda: os.killpg(server.pid, signal.SIGKILL))
        killer.start()
        burst = load(port, lambda rng: f"/l/{rng.choice(codes)}", 302, 4.0)
        killer.join()
        server.wait()
    finally:
        stop(server)
    server = start_server(env, port)
    try:
        assert http_get(port, f"/l/{codes[0]}")[0] == 302  # back, and redirecting
        fold_clicks()
        added = Click.objects.count() - before - 1
    finally:
        stop(server)
    lost = max(0, burst["answered"] - added)
    say(f"kill -9 mid-burst: {burst['answered']} clicks answered with a redirect, {added} in the database after "
        f"the fold: {lost} lost")
    return {"redirects_per_s": round(redirects["per_s"]), "redirects_uncached_per_s": round(cold["per_s"]),
            "static_per_s": round(static["per_s"]),
            "redirect_share": round(redirects["per_s"] / static["per_s"], 2), "clicks_answered": burst["answered"],
            "clicks_in_database": added, "clicks_lost": lost}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(ROOT / ".venv/bin/stoa"), "web", "--host", "127.0.0.1", "--port", str(port)],
                              env=os.environ | env, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            http_get(port, STATIC_PATH)
            return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError("stoa web did not start within 60 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def http_get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"User-Agent": BROWSER})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def load(port: int, path_of, expected: int, seconds: float) -> dict:
    """CLIENTS keep-alive clients asking for path_of(rng) for `seconds`; how many got `expected`, and per second.
    A client whose connection breaks (the server killed) stops."""
    answered = [0] * CLIENTS
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            while time.monotonic() < deadline:
                connection.request("GET", path_of(rng), headers={"User-Agent": BROWSER})
                response = connection.getresponse()
                response.read()
                if response.status == expected:
                    answered[n] += 1
        except (OSError, http.client.HTTPException):
            pass  # the server is gone: what it answered before is counted
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {"answered": sum(answered), "seconds": elapsed, "per_s": sum(answered) / elapsed}


def in_turns(port: int, loads: list[tuple], seconds: float, turns: int = 5) -> list[dict]:
    """Each (path_of, expected) load in turn, `turns` times, `seconds` in all each: whatever else the machine does
    meanwhile (a database's autovacuum after the build, another process) weighs on each of them alike, so their
    ratio holds even where their rates do not."""
    totals = [{"answered": 0, "seconds": 0.0} for _ in loads]
    for _ in range(turns):
        for total, (path_of, expected) in zip(totals, loads, strict=True):
            result = load(port, path_of, expected, seconds / turns)
            total["answered"] += result["answered"]
            total["seconds"] += result["seconds"]
    return [{**total, "per_s": total["answered"] / total["seconds"]} for total in totals]


if __name__ == "__main__":
    main()
