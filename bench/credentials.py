"""Credentials benchmark: eight workers share one channel whose access tokens expire every few seconds.

    .venv/bin/python bench/credentials.py [--token-seconds 5] [--window 30] [--publications 60] [--comments 40]
                                          [--database sqlite|postgres]

In a fresh temporary data directory (SQLite, the embedded default; `--database postgres` uses a fresh database on
the local PostgreSQL instead):
- the strict OAuth 2.0 server (tests/peers/oauth2_strict_server.mjs; `make peers`) gives access tokens that live
  `--token-seconds` and refresh tokens that are good once each; the test network's API (stoa/testing/oauth_network.py)
  accepts only tokens that have not expired, and counts posts and replies per text;
- one channel of that network is connected, and `--publications` posts to it fall due over `--window` seconds,
  while `--comments` comments arrive on it;
- eight workers use the channel at once, each a process running Stoa's own code: four `stoa worker` processes
  publish (the engine: publish and reconcile), two poll the inbox (the inbox task's read) and two answer each new
  comment (the inbox's send_reply). Every one of them goes through stoa/channels/credentials.py, which refreshes
  STOA_TOKEN_REFRESH_MARGIN_SECONDS (here 1.5) before each expiry.

Counted at the servers, not by Stoa: a refresh is one the OAuth server granted; an expiry is an access token whose end
came during the run and was replaced at it (refreshed within the margin of its end, not earlier), so refreshes ==
expiries means each expiry was refreshed exactly once. lost = posts that never reached the network; duplicates = posts
or replies the network holds twice. Progress goes to stderr; the figures, then one JSON line, to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FAR = datetime(2099, 1, 1, tzinfo=UTC)  # where the due times wait while the workers start
MARGIN_SECONDS = 1.5  # refresh this long before an access token's end
TOLERANCE_SECONDS = 0.25  # a refresh this much before the margin still counts as at the expiry (clock, latency)
PUBLISHERS, POLLERS, REPLIERS = 4, 2, 2
FINAL = ("published", "failed", "missed", "cancelled", "unknown")
CHILDREN: list[subprocess.Popen] = []


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# -- Processes ------------------------------------------------------------------------------------------------


def spawn(args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "wb") as out:
        process = subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT)
    CHILDREN.append(process)
    return process


def stop_all(grace: float = 15.0) -> None:
    """SIGTERM every worker (a publish in flight is finished first), then SIGKILL what is left."""
    for process in CHILDREN:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in CHILDREN:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(max(deadline - time.monotonic(), 0.1))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    CHILDREN.clear()


def wait_for_line(path: Path, text: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{path.name} did not start; it said:\n{path.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def errors_in(data_dir: Path) -> list[str]:
    return [f"{path.name}: {line}" for path in sorted(data_dir.glob("*.log"))
            for line in path.read_text(errors="replace").splitlines() if " ERROR " in line or "Traceback" in line]


# -- Setting up -----------------------------------------------------------------------------------------------


def environment(data_dir: Path, database_url: str) -> dict:
    dropped = {"DATABASE_URL", "REDIS_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}
    env = {k: v for k, v in os.environ.items()
           if k.upper() not in dropped and not (k.startswith("STOA_") and k != "STOA_LOG_LEVEL")}
    env.update(STOA_DATA_DIR=str(data_dir), STOA_SECRET_KEY=secrets.token_urlsafe(40),
               DJANGO_SETTINGS_MODULE="stoa.settings", PYTHONUNBUFFERED="1",
               STOA_EXTRA_PROVIDERS="oauthtest=stoa.testing.oauth_network.OAuthTestProvider",
               STOA_TOKEN_REFRESH_MARGIN_SECONDS=str(MARGIN_SECONDS), STOA_POLL_SECONDS="0.2",
               STOA_STREAMING="0", STOA_INBOX_POLLING="0", STOA_HTTP_TIMEOUT_SECONDS="10",
               STOA_LOG_LEVEL=os.environ.get("STOA_LOG_LEVEL", "INFO"))
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def database(kind: str) -> object:
    """'' for SQLite in the data directory, or the URL of a fresh PostgreSQL database, dropped afterwards."""
    if kind != "postgres":
        yield ""
        return
    import psycopg

    base = os.environ.get("STOA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/stoa").rsplit("/", 1)[0]
    name = f"stoa_bench_credentials_{secrets.token_hex(4)}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def setup_django(env: dict) -> None:
    subprocess.run([sys.executable, "-m", "stoa.cli", "migrate", "--verbosity", "0"], env=env, cwd=ROOT, check=True,
                   timeout=300)
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()


def create_data(oauth_url: str, api_url: str, publications: int, run_id: str) -> tuple[int, list[str]]:
    """The owner, a workspace, the channel (connected by a grant from the strict server) and the publications,
    due in the far future for now."""
    from django.contrib.auth import get_user_model

    from stoa.posts.models import Post, Publication, State, Variant
    from stoa.testing.oauth_network import connect_test_channel
    from stoa.workspaces.actions import create_workspace

    owner = get_user_model().objects.create_user("bench", "bench@example.com", secrets.token_urlsafe(16))
    workspace = create_workspace(owner, "Credentials benchmark")
    channel = connect_test_channel(workspace, oauth_url, api_url)
    texts = [f"Credentials benchmark {run_id}, post {i:03d}" for i in range(publications)]
    for i, text in enumerate(texts):
        post = Post.objects.create(workspace=workspace, title=f"Post {i:03d}")
        variant = Variant.objects.create(post=post, channel=channel, text=text)
        due = FAR + timedelta(seconds=i)
        Publication.objects.create(variant=variant, channel=channel, workspace=workspace, state=State.SCHEDULED,
                                   scheduled_at=due, next_attempt_at=due)
    return channel.pk, texts


def make_due(window_start: float, window: float, count: int) -> None:
    """Spread the due times evenly over the window."""
    from stoa.posts.models import Publication

    for i, publication in enumerate(Publication.objects.order_by("pk")):
        due = datetime.fromtimestamp(window_start + window * i / max(count, 1), UTC)
        Publication.objects.filter(pk=publication.pk).update(scheduled_at=due, next_attempt_at=due)


# -- The roles that are not `stoa worker` ----------------------------------------------------------------------


def run_role(role: str, index: int, channel_id: int) -> None:
    """A process that polls the channel's inbox, or answers its new comments, until SIGTERM."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import close_old_connections

    from stoa.channels.models import Channel
    from stoa.inbox.answers import send_reply
    from stoa.inbox.models import Item
    from stoa.inbox.polling import poll_unless_read

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    actor = get_user_model().objects.get(username="bench")
    print(f"{role} {index} ready", flush=True)
    done = 0
    while not stop.is_set():
        close_old_connections()
        channel = Channel.objects.select_related("workspace").get(pk=channel_id)
        if role == "poll":
            done += (poll_unless_read(channel) or type("none", (), {"new": 0})).new
        else:
            waiting = Item.objects.filter(channel=channel, replies__isnull=True).select_related("author", "channel")
            for item in [i for i in waiting if i.pk % REPLIERS == index]:
                reply = send_reply(actor, item, f"Thank you for comment {item.remote_id}; we answer it here.")
                done += reply.state == "sent"
                print(f"reply to {item.remote_id}: {reply.state} {reply.error}", flush=True)
        stop.wait(0.3)
    print(f"{role} {index} done: {done}", flush=True)


# -- The run --------------------------------------------------------------------------------------------------


def settled(comments: int) -> bool:
    from stoa.inbox.models import Reply
    from stoa.posts.models import Publication

    pending = Publication.objects.exclude(state__in=FINAL).exists() or \
        Publication.objects.filter(state="unknown", reconcile_at__isnull=False).exists()
    return not pending and Reply.objects.filter(state="sent").count() >= comments


def figures(oauth, api, texts: list[str], comments: int, started: float) -> tuple[dict, dict]:
    from stoa.channels.models import Channel, ChannelStatus
    from stoa.inbox.models import Reply
    from stoa.posts.models import Publication
    from stoa.workspaces.models import Notification

    stats, network = oauth.stats(), api.stats()
    refresh_log = stats["refresh_log"]
    expiries = sum(1 for r in refresh_log if r["at"] >= r["expires"] - MARGIN_SECONDS - TOLERANCE_SECONDS)
    on_network = api.post_texts()
    needs_reconnect = Channel.objects.filter(status=ChannelStatus.NEEDS_RECONNECT).count() + \
        Notification.objects.filter(kind="channel_needs_reconnect").values("message").distinct().count()
    result = {"workers": PUBLISHERS + POLLERS + REPLIERS, "expiries": expiries, "refreshes": stats["refreshes"],
              "needs_reconnect": needs_reconnect, "lost": sum(1 for t in texts if not on_network[t]),
              "duplicates": network["duplicate_posts"] + network["duplicate_replies"]}
    detail = {
        "seconds": round(time.time() - started, 1),
        "refused_refreshes": stats["refused"],
        "published_by_stoa": Publication.objects.filter(state="published").count(),
        "publications": len(texts),
        "posts_on_network": network["posts"],
        "comments": comments,
        "replies_sent": Reply.objects.filter(state="sent").count(),
        "replies_on_network": network["replies"],
        "calls": network["calls"],
        "calls_refused": network["refused"],
        "credentials_version": Channel.objects.get().credentials_version,
        "refresh_before_end_seconds": [round(r["expires"] - r["at"], 2) for r in refresh_log],
    }
    return result, detail


def run(args: argparse.Namespace) -> dict:
    from stoa.testing.oauth_network import ResourceServer, strict_oauth_server

    data_dir = Path(tempfile.mkdtemp(prefix="stoa-bench-credentials-"))
    try:
        with database(args.database) as database_url, \
                strict_oauth_server(access_token_seconds=args.token_seconds) as oauth:
            env = environment(data_dir, str(database_url))
            setup_django(env)
            with ResourceServer(oauth) as api:
                channel_id, texts = create_data(oauth.url, api.url, args.publications, secrets.token_hex(3))
                log(f"channel {channel_id} connected; tokens live {args.token_seconds} s; starting 8 workers")
                started = time.time()
                processes = [(f"publisher-{i}", [sys.executable, "-m", "stoa.cli", "worker", "--publishers", "2",
                                                 "--task-workers", "1"], "Publishing engine:")
                             for i in range(PUBLISHERS)]
                processes += [(f"{role}-{i}", [sys.executable, __file__, "--role", role, "--index", str(i),
                                               "--channel", str(channel_id)], f"{role} {i} ready")
                              for role, n in (("poll", POLLERS), ("reply", REPLIERS)) for i in range(n)]
                for name, command, _ready in processes:
                    spawn(command, env, data_dir / f"{name}.log")
                for (name, _command, ready), process in zip(processes, CHILDREN, strict=True):
                    wait_for_line(data_dir / f"{name}.log", ready, process)
                window_start = time.time() + 1
                make_due(window_start, args.window, len(texts))
                log(f"workers up; {len(texts)} posts due and {args.comments} comments over {args.window:.0f} s")
                for n in range(args.comments):
                    time.sleep(max(window_start + args.window * n / args.comments - time.time(), 0))
                    api.add_comment("page-1", f"Comment {n:03d}: do you open early tomorrow?")
                deadline = time.time() + args.timeout
                while not settled(args.comments) and time.time() < deadline:
                    time.sleep(0.5)
                stop_all()
                result, detail = figures(oauth, api, texts, args.comments, started)
                if problems := errors_in(data_dir):
                    detail["errors"] = problems[:20]
                return {**result, "detail": detail}
    finally:
        stop_all(grace=5)
        shutil.rmtree(data_dir, ignore_errors=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--token-seconds", type=int, default=5, help="how long an access token lives")
    parser.add_argument("--window", type=float, default=30.0, help="seconds over which posts and comments come")
    parser.add_argument("--publications", type=int, default=60)
    parser.add_argument("--comments", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait after the window")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--role", choices=("poll", "reply"), help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--channel", type=int, default=0, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.role:
        run_role(args.role, args.index, args.channel)
        return 0
    outcome = run(args)
    detail = outcome.pop("detail")
    for name, value in {**detail, **outcome}.items():
        print(f"{name}: {value}")
    print(json.dumps(outcome))
    good = (outcome["expiries"] >= 5 and outcome["refreshes"] == outcome["expiries"]
            and not (outcome["needs_reconnect"] or outcome["lost"] or outcome["duplicates"]))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
