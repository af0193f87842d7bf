"""A local Telegram Bot API for the bot conversation tests: telegram-test-api (npm, a third-party imitation, installed
in .peers/telegram by `make peers`), started by tests/peers/telegram_test_server.js on 127.0.0.1 at a free port.

Any bot token works, and each test takes a bot of its own, so one server serves the whole session. A person writes
to a bot through the package's client side (POST /sendMessage) and reads the bot's answers there (POST /getUpdates).

Where it differs from the Bot API documentation (core.telegram.org/bots/api), the documentation wins and the
documentation fixtures of test_telegram.py keep those cases: its `date` is in milliseconds (documented: Unix
seconds); its errors are HTTP 500 {"message"} (documented: {"ok": false, "error_code", "description"}); getUpdates
ignores `offset` and hands each update out once; it has no sendPhoto, sendMediaGroup, getChat, getChatMember or
getWebhookInfo, no 429 and no 409.
"""

from __future__ import annotations

import itertools
import json
import os
import queue
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from stoa.channels.models import Channel
from stoa.workspaces.models import Workspace

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / ".peers" / "telegram" / "node_modules"
SCRIPT = REPO_ROOT / "tests" / "peers" / "telegram_test_server.js"
START_TIMEOUT_SECONDS = 30
BOT_IDS = itertools.count(7_000_001)


class PeerUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Person:
    """Someone writing to the bot from Telegram: a private chat has the person's own id."""

    id: int
    first_name: str
    username: str

    def user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "username": self.username}


@dataclass
class TelegramPeer:
    url: str

    def new_bot(self) -> str:
        """A bot token of its own for one test: "<bot id>:<secret>", as @BotFather gives them."""
        return f"{next(BOT_IDS)}:AAH{secrets.token_urlsafe(24)}"

    def channel(self, workspace: Workspace, token: str, **config: Any) -> Channel:
        """The bot as a Stoa channel. (Connecting checks getChat, which the package lacks.)"""
        channel = Channel(workspace=workspace, network="telegram", name="Kafe Yafo bot",
                          config={"chat_id": "@kafe_yafo", "api_url": self.url, **config})
        channel.credentials = {"bot_token": token}
        channel.save()
        return channel

    def write(self, token: str, person: Person, text: str) -> None:
        """The person writes to the bot in their private chat, as the package's own client does (its `date` in
        milliseconds). Delivered to the bot's webhook at once if one is set, else kept for getUpdates."""
        message = {"botToken": token, "from": person.user(), "text": text, "date": int(time.time() * 1000),
                   "chat": {"id": person.id, "type": "private", "first_name": person.first_name,
                            "username": person.username}}
        httpx.post(f"{self.url}/sendMessage", json=message).raise_for_status()

    def seen_by(self, token: str, person: Person) -> list[dict[str, Any]]:
        """What the bot sent to the person's chat that they had not seen yet."""
        answer = httpx.post(f"{self.url}/getUpdates", json={"token": token, "chatId": person.id})
        answer.raise_for_status()
        return [update["message"] for update in answer.json()["result"]]


@pytest.fixture(scope="session")
def telegram_peer() -> Iterator[TelegramPeer]:
    try:
        yield from run_peer()
    except PeerUnavailable as e:
        pytest.skip(f"Telegram peer: {e}")


def run_peer() -> Iterator[TelegramPeer]:
    node = shutil.which("node")
    if node is None:
        raise PeerUnavailable("node not found")
    if not (NODE_MODULES / "telegram-test-api").is_dir():
        raise PeerUnavailable("telegram-test-api is not installed in .peers/telegram (run `make peers`)")
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    process = subprocess.Popen([node, str(SCRIPT)], cwd=REPO_ROOT, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield TelegramPeer(read_url(process))
    finally:
        process.stdin.close()  # the script stops when its stdin closes
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_url(process: subprocess.Popen) -> str:
    """The script's JSON line; its output is read on after that, so it never blocks on a full pipe."""
    lines: queue.Queue[bytes] = queue.Queue()
    for stream in (process.stdout, process.stderr):
        threading.Thread(target=lambda s=stream: [lines.put(line) for line in s], daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    seen = []
    while time.monotonic() < deadline and process.poll() is None:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        if line.startswith(b"{"):
            return json.loads(line)["url"]
        seen.append(line.decode(errors="replace"))
    process.kill()
    pytest.fail(f"The local Telegram Bot API did not start:\n{''.join(seen)[-2000:]}", pytrace=False)
