"""A real local AT Protocol network (PLC directory + PDS) for the Bluesky tests, as a pytest fixture.

`bluesky_network` starts tests/peers/bluesky_network.js once per test run with the npm packages
that `make peers` installs in .peers/atproto, and stops it at the end; `bluesky_appview_network` starts the
full network, with the AppView that serves notifications, threads and search. The script listens on
127.0.0.1 only. Also here: reading records back from the PDS, and making an expired session token.

`make local-network` (python -m tests.providers.bluesky_network) starts the full network for running Stoa by
hand, prints its accounts, and stops it at Ctrl-C.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import queue
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / ".peers" / "atproto" / "node_modules"
SCRIPT = REPO_ROOT / "tests" / "peers" / "bluesky_network.js"
START_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class LocalAccount:
    handle: str
    did: str
    password: str  # the account password
    app_password: str  # what Stoa signs in with


@dataclass(frozen=True)
class LocalNetwork:
    pds_url: str
    plc_url: str
    jwt_secret: str
    accounts: dict[str, LocalAccount]  # by short name: "alice", "bob", "carol"
    appview_url: str = ""  # the full network's AppView (notifications, threads, search)

    def get_record(self, uri: str) -> dict[str, Any] | None:
        """The record at an at:// URI, read straight from the PDS; None if there is none."""
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        response = httpx.get(f"{self.pds_url}/xrpc/com.atproto.repo.getRecord",
                             params={"repo": repo, "collection": collection, "rkey": rkey})
        if response.status_code == 400 and response.json().get("error") == "RecordNotFound":
            return None
        response.raise_for_status()
        return response.json()

    def list_posts(self, did: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.pds_url}/xrpc/com.atproto.repo.listRecords",
                             params={"repo": did, "collection": "app.bsky.feed.post", "limit": 100})
        response.raise_for_status()
        return response.json()["records"]

    def get_blob(self, did: str, cid: str) -> bytes:
        response = httpx.get(f"{self.pds_url}/xrpc/com.atproto.sync.getBlob", params={"did": did, "cid": cid})
        response.raise_for_status()
        return response.content

    def expired(self, jwt: str) -> str:
        """The same token with an expiry in the past, signed as the PDS signs (HS256)."""
        header, payload, _ = jwt.split(".")
        claims = json.loads(b64decode(payload))
        claims["exp"] = int(time.time()) - 60
        signed = f"{header}.{b64encode(json.dumps(claims).encode())}"
        signature = hmac.new(self.jwt_secret.encode(), signed.encode(), hashlib.sha256).digest()
        return f"{signed}.{b64encode(signature)}"


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class NetworkUnavailable(Exception):
    """What the network needs and this machine lacks: Node, the npm packages, PostgreSQL or Redis."""


@pytest.fixture(scope="session")
def bluesky_network() -> Iterator[LocalNetwork]:
    try:
        yield from run_network({})
    except NetworkUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def bluesky_appview_network() -> Iterator[LocalNetwork]:
    try:
        yield from run_appview_network()
    except NetworkUnavailable as e:
        pytest.skip(str(e))


def run_appview_network() -> Iterator[LocalNetwork]:
    """The full network, with an AppView indexing into PostgreSQL (and Redis), in schemas of its own
    that are dropped afterwards."""
    postgres = os.environ.get("STOA_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/stoa")
    admin_url = postgres.rsplit("/", 1)[0] + "/postgres"
    redis_url = os.environ.get("STOA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    redis_host = redis_url.split("://", 1)[1].split("/", 1)[0]
    try:
        import psycopg

        psycopg.connect(admin_url, connect_timeout=3).close()
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as e:  # noqa: BLE001 - any reason it cannot connect is a reason to skip
        raise NetworkUnavailable(f"the AppView needs PostgreSQL and Redis on loopback: {e}") from None
    schema = "stoa_" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(10))
    try:
        yield from run_network({"STOA_APPVIEW_POSTGRES_URL": admin_url, "STOA_APPVIEW_SCHEMA": schema,
                                "REDIS_HOST": redis_host})
    finally:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as db:
            for prefix in ("appview", "ozone"):
                db.execute(f'DROP SCHEMA IF EXISTS "{prefix}_{schema}" CASCADE')


def run_network(extra_env: dict[str, str]) -> Iterator[LocalNetwork]:
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "@atproto" / "dev-env").is_dir():
        raise NetworkUnavailable("local AT Protocol network not installed: run `make peers`")
    # The PDS keeps its databases and blobs under the temporary directory; this one is removed after.
    with tempfile.TemporaryDirectory(prefix="stoa-atproto-") as data, tempfile.TemporaryFile() as stderr:
        env = {**os.environ, "NODE_PATH": str(NODE_MODULES), "TMPDIR": data, **extra_env}
        process = subprocess.Popen([node, str(SCRIPT)], cwd=REPO_ROOT, env=env, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=stderr)
        try:
            yield read_network(process, stderr)
        finally:
            stop(process)


def read_network(process: subprocess.Popen, stderr: IO[bytes]) -> LocalNetwork:
    """Wait for the script's JSON line; keep reading its output after that so it never blocks."""
    lines: queue.Queue[bytes] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(b"")

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            fail_to_start(process, stderr, f"no answer within {START_TIMEOUT_SECONDS} s")
        if not line:
            fail_to_start(process, stderr, f"it exited with {process.wait()}")
        if line.startswith(b"{"):
            info = json.loads(line)
            accounts = {a["handle"].split(".")[0]: LocalAccount(**a) for a in info["accounts"]}
            return LocalNetwork(info["pds_url"], info["plc_url"], info["jwt_secret"], accounts,
                                info.get("appview_url", ""))


def fail_to_start(process: subprocess.Popen, stderr: IO[bytes], why: str) -> None:
    process.kill()
    stderr.seek(0)
    output = stderr.read().decode(errors="replace")[-2000:]
    pytest.fail(f"The local AT Protocol network did not start ({why}):\n{output}", pytrace=False)


def stop(process: subprocess.Popen) -> None:
    """Closing stdin tells the script to close the network; kill it if it does not."""
    if process.stdin:
        process.stdin.close()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def main() -> None:
    """`make local-network`: the full network, AppView included, for Stoa run by hand, until Ctrl-C."""
    running = run_appview_network()
    try:
        network = next(running)
    except (NetworkUnavailable, pytest.fail.Exception) as e:
        sys.exit(f"The local AT Protocol network cannot start: {e}")
    try:
        print(by_hand(network), flush=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})  # after the network started
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
        print("Stopping the local AT Protocol network...", flush=True)
    finally:
        running.close()  # stops it and drops its AppView's schemas


def by_hand(network: LocalNetwork) -> str:
    """Where the network listens, its accounts, and how to connect one to Stoa."""
    width = max(len(a.handle) for a in network.accounts.values())
    alice = network.accounts["alice"]
    return "\n".join([
        "The local AT Protocol network is up, on 127.0.0.1 only. Ctrl-C stops it, and its accounts go with it.",
        f"  PDS      {network.pds_url}   (the channel's server, pds_url)",
        f"  AppView  {network.appview_url}   (notifications, threads, search: the inbox reads them through the PDS)",
        f"  PLC      {network.plc_url}",
        "",
        f"  {'account':<{width}}  {'app password (Stoa signs in with it)':<38}password (to write as them)",
        *(f"  {a.handle:<{width}}  {a.app_password:<38}{a.password}" for a in network.accounts.values()),
        "",
        "Connect one to a workspace, on the Channels page or here:",
        f"  echo {alice.app_password} | .venv/bin/stoa channel add WORKSPACE bluesky \\",
        f"      --config pds_url={network.pds_url} --secret identifier={alice.handle} --secret app_password=-",
    ])


if __name__ == "__main__":
    main()


@pytest.fixture
def publication_ids_of_their_own(request) -> None:
    """Publication ids that start at a random place. The network lives for the whole test run while each test's
    database starts again, so two tests could otherwise publish publication 1's first attempt to the same account
    within one second: the same record key (stoa/providers/bluesky/tid.py), which no one Stoa database ever makes."""
    from django.db import connection

    from stoa.posts.models import Publication

    marker = request.node.get_closest_marker("django_db")
    if not (marker or {"db", "transactional_db"} & set(request.fixturenames)):
        return  # a test without a database publishes no publication
    request.getfixturevalue("transactional_db" if marker and marker.kwargs.get("transaction") else "db")
    table, start = Publication._meta.db_table, secrets.randbelow(10**9) + 1
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start])
        else:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start])
