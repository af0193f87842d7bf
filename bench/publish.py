"""Publishing benchmark: a burst of scheduled publications through Stoa's real workers.

    .venv/bin/python bench/publish.py [--mode steady|kill|both] [--publications 10000] [--channels 500]
                                      [--latency 0.05] [--threads 16] [--workers 1]

For each mode, in a fresh temporary data directory (SQLite, the embedded default):
- a fake Mastodon network runs in its own process on 127.0.0.1 with `--latency` per request;
- a bare httpx client measures what that server can take at the same concurrency (the limit);
- `--publications` scheduled publications across `--channels` Mastodon channels, each with its
  own text, fall due spread evenly over one minute that starts a few seconds after setup;
- `stoa worker --publishers THREADS` runs as `--workers` subprocesses; in kill mode the first
  one is SIGKILLed (with its process group) halfway through the minute and started again;
- when every publication is final (or after `--timeout`), the network's own records say what
  was published, duplicated, lost and how late.

One JSON line per mode goes to stdout; progress goes to stderr. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import math
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
WINDOW_SECONDS = 60.0  # the due times are spread over one minute
LEAD_SECONDS = 3.0  # the minute starts this long after setup ends and the workers are up
FAR = datetime(2099, 1, 1, tzinfo=UTC)  # where the due times wait while the workers start
MODES = ("steady", "kill", "pds", "pds-kill")
FINAL = ("published", "failed", "missed", "cancelled")  # and unknown once it waits for a person
ENGINE_ENV = {
    # The engine runs with the settings users run (lease, poll, timeouts): a killed worker's
    # publications come back because the new worker knows the old one is dead, not by a short lease.
    # Publishing is measured here, not the inbox's reading (that is bench/inbox.py).
    "STOA_STREAMING": "0",
    "STOA_INBOX_POLLING": "0",
}

CHILDREN: list[subprocess.Popen] = []  # everything started, for cleanup on any exit
GROUP_LEADERS: set[int] = set()  # those started in their own process group


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- Processes ------------------------------------------------------------------------------


def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    """In the child, before exec: get `sig` if the benchmark itself dies (Linux)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG


def spawn(args: list[str], env: dict, cwd: Path = ROOT, **kwargs) -> subprocess.Popen:
    """A child in its own process group (so it can be killed whole) that dies with us."""
    process = subprocess.Popen(args, env=env, cwd=cwd, start_new_session=True, preexec_fn=_die_with_parent,
                               **kwargs)
    CHILDREN.append(process)
    GROUP_LEADERS.add(process.pid)
    return process


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after `grace` seconds."""
    if process.poll() is None:
        kill_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace)
    kill_group(process, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def cleanup() -> None:
    """Stop everything still running: our process groups at once; a mode's process (it has its
    own children and temporary directory) with SIGTERM first, so that it can clean up."""
    while CHILDREN:
        process = CHILDREN.pop()
        if process.poll() is not None:
            continue
        if process.pid in GROUP_LEADERS:
            kill_group(process, signal.SIGKILL)
        else:
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(20)
            process.kill()
        with contextlib.suppress(Exception):
            process.wait(5)


STOPPING = threading.Event()


def _on_signal(signum, frame) -> None:
    """The first SIGINT or SIGTERM interrupts the run; later ones must not interrupt its cleanup."""
    if not STOPPING.is_set():
        STOPPING.set()
        raise KeyboardInterrupt


class FakeServer:
    """The fake Mastodon network in its own process, so that it does not share the workers' GIL."""

    def __init__(self, latency: float, env: dict):
        self.process = spawn([sys.executable, "-m", "stoa.testing.fake_network", "--latency", str(latency),
                              "--until-stdin-closes"], env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the fake network did not start (it said {self.url!r})")

    def stats(self) -> dict:
        return httpx.get(f"{self.url}/_stats", timeout=60, trust_env=False).json()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.process.stdin.close()
        stop(self.process, grace=5)


class Worker:
    """One `stoa worker` process; its output goes to a log file in the data directory."""

    def __init__(self, index: int, generation: int, threads: int, env: dict, data_dir: Path, source: Path = ROOT):
        self.log_path = data_dir / f"worker-{index}-{generation}.log"
        self.started_at = time.time()
        with open(self.log_path, "wb") as out:
            self.process = spawn([sys.executable, "-m", "stoa.cli", "worker", "--publishers", str(threads)], env,
                                 cwd=source, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        self.ready_at: float | None = None

    def ready(self) -> bool:
        """True once the engine's threads run (the worker logs it at startup)."""
        if self.ready_at is None and "Publishing engine:" in self.log_path.read_text(errors="replace"):
            self.ready_at = time.time()
        if self.ready_at is None and self.process.poll() is not None:
            raise RuntimeError(f"the worker exited with {self.process.returncode}; see {self.log_path}:\n"
                               + self.log_path.read_text(errors="replace")[-3000:])
        return self.ready_at is not None

    def wait_ready(self, timeout: float = 60.0) -> float:
        deadline = time.time() + timeout
        while not self.ready():
            if time.time() > deadline:
                raise RuntimeError(f"the worker did not start within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.05)
        return self.ready_at - self.started_at

    def errors(self) -> list[str]:
        return [line for line in self.log_path.read_text(errors="replace").splitlines()
                if " ERROR " in line or " CRITICAL " in line]


# -- The limit: a bare httpx client against the same server ----------------------------------


def measure_limit(url: str, concurrency: int, total: int) -> float:
    """Statuses per second that `concurrency` threads, each with its own httpx.Client, get created
    by the fake server when they do nothing else: the ceiling for any publisher at that concurrency."""
    counter = itertools.count()
    start = threading.Barrier(concurrency + 1)
    errors: list[str] = []

    def post(client: httpx.Client, thread: int, text: str) -> None:
        response = client.post(f"{url}/api/v1/statuses", data={"status": text, "visibility": "public"},
                               headers={"Authorization": f"Bearer token-probe{thread}",
                                        "Idempotency-Key": uuid.uuid4().hex})
        response.raise_for_status()

    def run(thread: int) -> None:
        with httpx.Client(timeout=10, trust_env=False) as client:
            try:
                post(client, thread, f"limit warm-up {thread}")  # connect before the clock starts
                warmed = True
            except Exception as error:  # reported below; the measurement is then void
                errors.append(repr(error))
                warmed = False
            start.wait()
            try:
                while warmed and (n := next(counter)) < total:
                    post(client, thread, f"limit probe {n}")
            except Exception as error:
                errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join(120)
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"the bare client failed: {errors[:3]}")
    return total / elapsed


# -- Setup ------------------------------------------------------------------------------------


def create_data(url: str, publications: int, channels: int, run_id: str) -> tuple[list[str], list[float]]:
    """One workspace, `channels` Mastodon channels and `publications` scheduled publications with
    unique texts, due in the far future for now. Returns the texts and each one's due offset."""
    from django.db import transaction

    from stoa.channels.models import Channel
    from stoa.posts.models import Post, Publication, State, Variant
    from stoa.workspaces.models import Workspace

    texts = [f"Stoa benchmark {run_id}, publication {i:05d}: good morning from channel {i % channels + 1}."
             for i in range(publications)]
    offsets = [WINDOW_SECONDS * i / publications for i in range(publications)]
    with transaction.atomic():
        workspace = Workspace.objects.create(name="Benchmark", slug=f"benchmark-{run_id}")
        rows = []
        for n in range(1, channels + 1):
            channel = Channel(workspace=workspace, network="mastodon", name=f"Benchmark {n:04d}", config={
                "instance_url": url, "account_id": str(n), "username": f"u{n}", "max_characters": 500,
                "max_media_attachments": 4, "characters_reserved_per_url": 23,
                "supported_mime_types": ["image/jpeg", "image/png"],
                "image_size_limit": 16777216, "video_size_limit": 103809024})
            channel.credentials = {"access_token": f"token-{n}"}  # encrypted, as connect() stores it
            rows.append(channel)
        rows = Channel.objects.bulk_create(rows)
        posts = Post.objects.bulk_create(
            [Post(workspace=workspace, title=f"Benchmark {i:05d}") for i in range(publications)], batch_size=2000)
        variants = Variant.objects.bulk_create(
            [Variant(post=post, channel=rows[i % channels], text=texts[i]) for i, post in enumerate(posts)],
            batch_size=2000)
        Publication.objects.bulk_create(
            [Publication(variant=variant, channel=rows[i % channels], workspace=workspace, state=State.SCHEDULED,
                         scheduled_at=FAR + timedelta(seconds=offsets[i]),
                         next_attempt_at=FAR + timedelta(seconds=offsets[i]))
             for i, variant in enumerate(variants)], batch_size=2000)
    return texts, offsets


def make_due(window_start: float) -> None:
    """Move every due time from the far future into the minute that starts at `window_start`."""
    from django.db.models import F

    from stoa.posts.models import Publication

    shift = FAR - datetime.fromtimestamp(window_start, UTC)
    Publication.objects.update(scheduled_at=F("scheduled_at") - shift, next_attempt_at=F("next_attempt_at") - shift)


def state_counts() -> tuple[dict[str, int], int]:
    """Stoa's own view: publications per state, and how many are not settled yet."""
    from django.db.models import Count, Q

    from stoa.posts.models import Publication

    rows = Publication.objects.values("state").annotate(
        n=Count("id"), waiting=Count("id", filter=Q(reconcile_at__isnull=False)))
    counts = {row["state"]: row["n"] for row in rows}
    # An unknown outcome still waiting for automatic reconciliation is not settled yet.
    pending = sum(row["n"] for row in rows if row["state"] not in FINAL and row["state"] != "unknown")
    pending += sum(row["waiting"] for row in rows if row["state"] == "unknown")
    return counts, pending


# -- One mode ------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float | None:
    """Nearest-rank quantile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def prepare(mode: str, args: argparse.Namespace) -> tuple[Path, dict]:
    """A fresh data directory and the environment every process of the mode runs with: the
    embedded default (no DATABASE_URL, SQLite tasks, no other STOA_ settings from the caller),
    and no proxy between Stoa and 127.0.0.1."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"stoa-bench-{mode}-"))
    dropped = {"DATABASE_URL", "REDIS_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in dropped and not (k.startswith("STOA_") and k != "STOA_LOG_LEVEL")}
    env.update(ENGINE_ENV, STOA_DATA_DIR=str(data_dir), STOA_SECRET_KEY=secrets.token_urlsafe(40),
               DJANGO_SETTINGS_MODULE="stoa.settings", STOA_PUBLISHER_THREADS=str(args.threads),
               STOA_LOG_LEVEL=os.environ.get("STOA_LOG_LEVEL", "INFO"), PYTHONUNBUFFERED="1")
    os.environ.clear()
    os.environ.update(env)
    return data_dir, env


def setup_django(env: dict, source: Path) -> None:
    subprocess.run([sys.executable, "-m", "stoa.cli", "migrate", "--verbosity", "0"], env=env, cwd=source,
                   check=True, timeout=300)
    sys.path.insert(0, str(source))  # Stoa's code comes from --source everywhere
    import django

    django.setup()


def in_flight() -> list[int]:
    """The publications a worker holds or left unknown: what a restart has to settle."""
    from stoa.posts.models import Publication

    return list(Publication.objects.filter(state__in=("publishing", "unknown")).values_list("pk", flat=True))


def settled_after(ids: list[int], since: float) -> float | None:
    """Seconds from `since` until the last of `ids` was settled; None while one is not."""
    from django.db.models import Max

    from stoa.posts.models import Publication

    rows = Publication.objects.filter(pk__in=ids)
    if rows.filter(state__in=("publishing", "scheduled")).exists() or \
            rows.filter(state="unknown", reconcile_at__isnull=False).exists():
        return None
    last = rows.aggregate(last=Max("updated_at"))["last"]
    return round(last.timestamp() - since, 2) if last else 0.0


def run_mode(mode: str, args: argparse.Namespace) -> dict:
    data_dir, env = prepare(mode, args)
    workers: list[Worker] = []
    fake = None
    result: dict = {"mode": mode}
    try:
        fake = FakeServer(args.latency, env)
        log(f"{mode}: fake network at {fake.url} ({args.latency * 1000:.0f} ms per request); data in {data_dir}")
        setup_django(env, args.source)

        concurrency = args.threads * args.workers
        limit = measure_limit(fake.url, concurrency, args.limit_requests)
        log(f"{mode}: bare httpx client, {concurrency} threads: {limit:.1f} statuses/s over {args.limit_requests}")

        began = time.time()
        run_id = secrets.token_hex(3)
        texts, offsets = create_data(fake.url, args.publications, args.channels, run_id)
        setup_seconds = time.time() - began
        log(f"{mode}: created {args.channels} channels and {args.publications} publications in {setup_seconds:.1f} s")

        workers = [Worker(k, 0, args.threads, env, data_dir, args.source) for k in range(args.workers)]
        startup = max(w.wait_ready() for w in workers)
        log(f"{mode}: {args.workers} worker(s) x {args.threads} publisher threads up in {startup:.1f} s "
            f"(pid {', '.join(str(w.process.pid) for w in workers)})")

        window_start = time.time() + LEAD_SECONDS
        make_due(window_start)
        window_end = window_start + WINDOW_SECONDS
        deadline = window_end + args.timeout
        log(f"{mode}: {args.publications} publications fall due over the next minute, from "
            f"{datetime.fromtimestamp(window_start, UTC):%H:%M:%S} UTC")

        kill_at = window_start + WINDOW_SECONDS / 2 if mode == "kill" else None
        killed: dict = {}
        replacement: Worker | None = None
        last_report = 0.0
        while True:
            now = time.time()
            if kill_at is not None and now >= kill_at:
                kill_at = None
                victim = workers[0]
                kill_group(victim.process)  # SIGKILL: no chance to finish or record anything
                victim.process.wait(10)
                killed_time = time.time()
                held = in_flight()
                replacement = Worker(0, 1, args.threads, env, data_dir, args.source)
                workers.append(replacement)
                killed = {"killed_at_s": round(killed_time - window_start, 2), "publishing_at_kill": len(held)}
                log(f"{mode}: SIGKILLed worker pid {victim.process.pid} at +{killed['killed_at_s']} s "
                    f"({killed['publishing_at_kill']} publications were publishing); restarted it")
            if replacement is not None and "restart_ready_s" not in killed and replacement.ready():
                killed["restart_ready_s"] = round(replacement.ready_at - replacement.started_at, 2)
                log(f"{mode}: the restarted worker is up after {killed['restart_ready_s']} s")
            counts, pending = state_counts()
            if now - last_report >= 5:
                last_report = now
                log(f"{mode}: +{now - window_start:6.1f} s  {json.dumps(counts, sort_keys=True)}")
            if pending == 0 and now >= window_end and kill_at is None:
                break
            if now > deadline:
                log(f"{mode}: time limit reached with {pending} publications not settled")
                break
            time.sleep(0.5)
        finished = time.time()
        for worker in workers:
            stop(worker.process)
        if replacement is not None:
            killed["in_flight_settled_after_restart_s"] = settled_after(held, replacement.started_at)
        counts, pending = state_counts()
        stats = fake.stats()
        errors = [line for worker in workers for line in worker.errors()]
        for line in errors[:10]:
            log(f"{mode}: worker error: {line}")

        # The network's truth: what it holds per publication text.
        on_network = stats["texts"]
        expected = set(texts)
        published = duplicates = lost = 0
        lateness, last_created = [], window_start
        for text, offset in zip(texts, offsets, strict=True):
            entry = on_network.get(text)
            if entry is None:
                lost += 1
                continue
            count, first_created, _first_arrived = entry
            published += 1
            duplicates += count - 1
            lateness.append(first_created - (window_start + offset))
            last_created = max(last_created, first_created)
        strays = sum(n for text, (n, *_) in on_network.items()
                     if text not in expected and not text.startswith("limit "))
        throughput = published / (last_created - window_start) if published and last_created > window_start else 0.0
        p50, p99 = quantile(lateness, 0.50), quantile(lateness, 0.99)
        result.update({
            "published": published,
            "duplicates": duplicates,
            "lost": lost,
            "p50_lateness_s": round(p50, 3) if p50 is not None else None,
            "p99_lateness_s": round(p99, 3) if p99 is not None else None,
            "max_lateness_s": round(max(lateness), 3) if lateness else None,
            "throughput_per_s": round(throughput, 1),
            "limit_throughput_per_s": round(limit, 1),
            "offered_rate_per_s": round(args.publications / WINDOW_SECONDS, 1),
            "targets_met": {
                "no_duplicates": duplicates == 0 and strays == 0,
                "none_lost": lost == 0,
                "p99_lateness_at_most_5s": p99 is not None and p99 <= 5.0,
                "throughput_at_least_half_limit": throughput >= limit / 2,
            },
            "states": dict(sorted(counts.items())),
            "unsettled": pending,
            "unexpected_statuses": strays,
            "publications": args.publications,
            "channels": args.channels,
            "latency_s": args.latency,
            "threads": args.threads,
            "workers": args.workers,
            **killed,
            "worker_startup_s": round(startup, 2),
            "setup_s": round(setup_seconds, 1),
            "drain_s": round(finished - window_start, 1),
            "network_requests": stats["requests"],
            "worker_errors": len(errors),
        })
        return result
    finally:
        STOPPING.set()  # a signal from now on must not interrupt the cleanup
        for worker in workers:
            stop(worker.process, grace=2)
        if fake is not None:
            fake.stop()
        if args.keep:
            log(f"{mode}: kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# -- One Bluesky account on the real local PDS -----------------------------------------------


def start_pds():
    """The local AT Protocol network (tests/peers/bluesky_network.js, `make peers`): (network, stopper)."""
    sys.path.insert(0, str(ROOT))
    from tests.providers.bluesky_network import run_network

    running = run_network({})
    return next(running), running.close


def list_repository(network, did: str) -> dict[str, str]:
    """Every post in the account's repository, read back from the PDS: at:// URI -> text."""
    posts, cursor = {}, None
    with httpx.Client(timeout=30, trust_env=False) as client:
        while True:
            params = {"repo": did, "collection": "app.bsky.feed.post", "limit": 100}
            body = client.get(f"{network.pds_url}/xrpc/com.atproto.repo.listRecords",
                              params=params | ({"cursor": cursor} if cursor else {})).raise_for_status().json()
            posts.update({r["uri"]: r["value"].get("text", "") for r in body["records"]})
            cursor = body.get("cursor")
            if not cursor or not body["records"]:
                return posts


def create_pds_data(network, count: int, run_id: str) -> tuple[int, dict[int, str]]:
    """The account connected as a channel (as the web page does it) and `count` publications
    due in the far future for now. Returns the channel's id and each publication's text."""
    from stoa.channels.actions import connect_channel
    from stoa.posts.models import Post, Publication, State, Variant
    from stoa.workspaces.models import Workspace

    alice = network.accounts["alice"]
    workspace = Workspace.objects.create(name="Benchmark", slug=f"benchmark-{run_id}")
    channel = connect_channel(None, workspace, "bluesky", config={"pds_url": network.pds_url},
                              credentials={"identifier": alice.handle, "app_password": alice.app_password})
    posts = Post.objects.bulk_create([Post(workspace=workspace, title=f"Burst {i}") for i in range(count)])
    variants = Variant.objects.bulk_create(
        [Variant(post=post, channel=channel, text=f"Crash test {run_id} #{i + 1}") for i, post in enumerate(posts)])
    Publication.objects.bulk_create(
        [Publication(variant=v, channel=channel, workspace=workspace, state=State.SCHEDULED, scheduled_at=FAR,
                     next_attempt_at=FAR) for v in variants])
    return channel.pk, dict(Publication.objects.values_list("pk", "variant__text"))


def run_pds_mode(mode: str, args: argparse.Namespace) -> dict:
    """`pds`: `--pds-posts` publications due in the same second on ONE account of a real PDS.
    `pds-kill`: the same, with the whole worker SIGKILLed as the first posts go out and started again."""
    data_dir, env = prepare(mode, args)
    workers: list[Worker] = []
    stop_pds = None
    result: dict = {"mode": mode}
    try:
        network, stop_pds = start_pds()
        log(f"{mode}: local PDS at {network.pds_url}; data in {data_dir}")
        setup_django(env, args.source)
        from django.db.models import Max

        from stoa.posts.models import Publication

        channel_id, texts = create_pds_data(network, args.pds_posts, secrets.token_hex(3))
        workers = [Worker(0, 0, args.threads, env, data_dir, args.source)]
        startup = workers[0].wait_ready()
        due = time.time() + LEAD_SECONDS
        Publication.objects.update(scheduled_at=datetime.fromtimestamp(due, UTC),
                                   next_attempt_at=datetime.fromtimestamp(due, UTC))
        log(f"{mode}: {args.pds_posts} publications on one account due at "
            f"{datetime.fromtimestamp(due, UTC):%H:%M:%S} UTC; worker up in {startup:.1f} s")
        killed: dict = {}
        restarted: Worker | None = None
        held: list[int] = []
        deadline, last_report = due + args.timeout, 0.0
        while True:
            counts, pending = state_counts()
            if mode == "pds-kill" and restarted is None and counts.get("published", 0) >= 10:
                kill_group(workers[0].process)  # the whole process group, as `kill -9` of `make run`
                workers[0].process.wait(10)
                held = in_flight()
                restarted = Worker(0, 1, args.threads, env, data_dir, args.source)
                workers.append(restarted)
                killed = {"killed_at_s": round(time.time() - due, 2), "publishing_at_kill": len(held)}
                log(f"{mode}: SIGKILLed the worker at +{killed['killed_at_s']} s with {len(held)} in flight; "
                    "started it again")
                continue
            if time.time() - last_report >= 5:
                last_report = time.time()
                log(f"{mode}: +{time.time() - due:6.1f} s  {json.dumps(counts, sort_keys=True)}")
            if (pending == 0 and time.time() > due) or time.time() > deadline:
                break
            time.sleep(0.25)
        for worker in workers:
            stop(worker.process)
        counts, pending = state_counts()
        if restarted is not None:
            killed["in_flight_settled_after_restart_s"] = settled_after(held, restarted.started_at)
            last = Publication.objects.aggregate(last=Max("updated_at"))["last"]
            killed["all_settled_after_restart_s"] = round(last.timestamp() - restarted.started_at, 2)

        # The network's truth: the account's repository, listed back.
        on_network = list_repository(network, network.accounts["alice"].did)
        per_text: dict[str, int] = {}
        for text in on_network.values():
            per_text[text] = per_text.get(text, 0) + 1
        rows = Publication.objects.filter(channel_id=channel_id).values_list("pk", "state", "remote_id",
                                                                             "published_at")
        wrong_remote = sum(1 for pk, state, remote, _at in rows
                           if state == "published" and on_network.get(remote) != texts[pk])
        lateness = [at.timestamp() - due for _pk, state, _remote, at in rows if state == "published" and at]
        published = sum(1 for text in texts.values() if per_text.get(text))
        p50, p99 = quantile(lateness, 0.50), quantile(lateness, 0.99)
        result.update({
            "published": published,
            "duplicates": sum(n - 1 for text, n in per_text.items() if text in set(texts.values())),
            "lost": len(texts) - published,
            "wrong_remote": wrong_remote,
            "unexpected_posts": sum(n for text, n in per_text.items() if text not in set(texts.values())),
            "p50_lateness_s": round(p50, 3) if p50 is not None else None,
            "p99_lateness_s": round(p99, 3) if p99 is not None else None,
            "throughput_per_s": round(len(lateness) / max(lateness), 1) if lateness else 0.0,
            "states": dict(sorted(counts.items())),
            "unsettled": pending,
            "publications": args.pds_posts,
            "accounts": 1,
            "threads": args.threads,
            **killed,
            "worker_errors": len([line for worker in workers for line in worker.errors()]),
        })
        result["targets_met"] = {
            "no_duplicates": result["duplicates"] == 0 and result["unexpected_posts"] == 0,
            "none_lost": result["lost"] == 0,
            "no_wrong_remote": wrong_remote == 0,
            **({"restart_settled_within_30s": (killed.get("in_flight_settled_after_restart_s") or 1e9) <= 30}
               if mode == "pds-kill" else {}),
        }
        return result
    finally:
        STOPPING.set()
        for worker in workers:
            stop(worker.process, grace=2)
        if stop_pds is not None:
            stop_pds()
        if args.keep:
            log(f"{mode}: kept {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


# -- Entry point ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=(*MODES, "both", "all"), default="all",
                        help="both: steady and kill; all: those and the one-account PDS runs")
    parser.add_argument("--publications", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake network adds per request")
    parser.add_argument("--threads", type=int, default=16, help="publisher threads per worker")
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--pds-posts", type=int, default=1000,
                        help="publications due in the same second on one account of the local PDS")
    parser.add_argument("--limit-requests", type=int, default=3000,
                        help="requests the bare httpx client sends to measure the limit")
    parser.add_argument("--timeout", type=float, default=300,
                        help="seconds to wait after the minute for every publication to settle")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="run Stoa from this copy of the source tree (to measure a change to it)")
    parser.add_argument("--keep", action="store_true", help="keep the data directory (database, worker logs)")
    parser.add_argument("--check", action="store_true", help="exit with status 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.publications < 1 or args.channels < 1 or args.threads < 1 or args.workers < 1:
        parser.error("--publications, --channels, --threads and --workers must be at least 1")
    return args


def child_args(args: argparse.Namespace, mode: str) -> list[str]:
    out = ["--mode", mode]
    for name in ("publications", "channels", "latency", "threads", "workers", "limit_requests", "timeout", "pds_posts"):
        out += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    return out + ["--source", str(args.source)] + ["--keep"] * args.keep


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stop cleanly on Ctrl-C and SIGTERM, even when started with SIGINT ignored (in the background).
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_signal)
    try:
        if args.mode in MODES:
            result = (run_pds_mode if args.mode.startswith("pds") else run_mode)(args.mode, args)
            print(json.dumps(result), flush=True)
            return 1 if args.check and not all(result["targets_met"].values()) else 0
        # Each mode in its own process: Django's settings (the data directory) are read once per process.
        missed = False
        for mode in ("steady", "kill") if args.mode == "both" else MODES:
            child = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *child_args(args, mode)],
                                     stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                     preexec_fn=lambda: _die_with_parent(signal.SIGTERM))  # so it cleans up
            CHILDREN.append(child)
            output, _ = child.communicate()
            CHILDREN.remove(child)
            lines = [line for line in output.splitlines() if line.startswith("{")]
            if child.returncode not in (0, 1) or not lines:
                log(f"{mode}: the run failed (exit status {child.returncode})")
                return 2
            print(lines[-1], flush=True)
            missed = missed or not all(json.loads(lines[-1])["targets_met"].values())
        return 1 if args.check and missed else 0
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
