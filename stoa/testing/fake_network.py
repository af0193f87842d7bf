"""A local network that speaks the part of Mastodon's client API Stoa publishes with.

Used by the engine's tests and by the publishing benchmark: it listens on 127.0.0.1 only,
adds a fixed latency to every request, honours Idempotency-Key as Mastodon does, and counts
what was created per publication so that duplicates and losses can be measured. Faults can
be injected per request: a 500, garbage, a hang, a 401, a 429, or a dropped connection
after the status was created (a crash mid-publish as the client sees it).

Run on its own (the benchmark runs it in a separate process, so that serving does not take
the GIL from the workers it measures):

    python -m stoa.testing.fake_network --latency 0.05

prints the instance URL on the first line of stdout and serves until SIGINT or SIGTERM (or,
with --until-stdin-closes, until its parent goes away). GET /_stats reports what it created.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

FAULTS = {"500", "garbage", "hang", "401", "429", "drop_after_create", "422"}


@dataclass
class Status:
    id: str
    account_id: str
    text: str
    idempotency_key: str
    received_at: float
    media_ids: list[str] = field(default_factory=list)
    in_reply_to_id: str | None = None
    arrived_at: float = 0.0  # when the request that created it arrived, before the latency


class FakeNetwork:
    """Start with .start(); .url is the instance URL; any bearer token `token-N` is account N."""

    def __init__(self, latency: float = 0.0, max_characters: int = 500, port: int = 0):
        self.latency = latency
        self.port = port
        self.max_characters = max_characters
        self.statuses: dict[str, Status] = {}
        self.by_key: dict[tuple[str, str], str] = {}
        self.faults: deque[str] = deque()
        self.requests: Counter[tuple[str, str]] = Counter()  # (method, path) -> how many
        self.lock = threading.Lock()
        self._next_id = 100000
        self._server: ThreadingHTTPServer | None = None

    # -- Control ----------------------------------------------------------------------

    def start(self) -> FakeNetwork:
        network = self

        class Handler(_Handler):
            fake = network

        self._server = _Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 1024
        threading.Thread(target=self._server.serve_forever, name="fake-network", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() it first"
        return f"http://127.0.0.1:{self._server.server_port}"  # where start() listens

    def inject(self, *faults: str) -> None:
        """The next requests that create statuses fail this way, in order."""
        assert set(faults) <= FAULTS, faults
        self.faults.extend(faults)

    def created_texts(self) -> Counter:
        """How many statuses were created with each text (more than one is a duplicate)."""
        with self.lock:
            return Counter(s.text for s in self.statuses.values())

    def stats(self) -> dict:
        """Per status text: how many statuses exist with it, and when the first was created and
        when its request arrived (Unix seconds). Deleted statuses are not counted."""
        texts: dict[str, list] = {}
        with self.lock:
            for status in self.statuses.values():
                entry = texts.get(status.text)
                if entry is None:
                    texts[status.text] = [1, status.received_at, status.arrived_at or status.received_at]
                else:
                    entry[0] += 1
                    entry[1] = min(entry[1], status.received_at)
                    entry[2] = min(entry[2], status.arrived_at or status.received_at)
            requests = {f"{method} {path}": n for (method, path), n in self.requests.items()}
            return {"statuses": len(self.statuses), "texts": texts, "requests": requests,
                    "fields": ["count", "first_created_at", "first_arrived_at"]}

    def create(self, account_id: str, text: str, key: str, **extra) -> tuple[Status, bool]:
        with self.lock:
            if key and (account_id, key) in self.by_key:
                return self.statuses[self.by_key[(account_id, key)]], False
            self._next_id += 1
            status = Status(str(self._next_id), account_id, text, key, time.time(), **extra)
            self.statuses[status.id] = status
            if key:
                self.by_key[(account_id, key)] = status.id
            return status, True

    def next_fault(self) -> str | None:
        with self.lock:
            return self.faults.popleft() if self.faults else None


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        """A client that went away mid-request (a killed worker) is expected; anything else is shown."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def status_json(status: Status, base_url: str) -> dict:
    created = datetime.fromtimestamp(status.received_at, UTC).isoformat().replace("+00:00", "Z")
    return {
        "id": status.id, "created_at": created, "in_reply_to_id": status.in_reply_to_id,
        "content": f"<p>{status.text}</p>", "visibility": "public", "spoiler_text": "", "sensitive": False,
        "uri": f"{base_url}/users/u{status.account_id}/statuses/{status.id}",
        "url": f"{base_url}/@u{status.account_id}/{status.id}",
        "account": {"id": status.account_id, "username": f"u{status.account_id}", "acct": f"u{status.account_id}"},
        "media_attachments": [{"id": m, "type": "image"} for m in status.media_ids],
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeNetwork
    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY a small answer waits for the client's delayed ACK (~40 ms on Linux),
    # which would add to the configured latency and make the server the bottleneck.
    disable_nagle_algorithm = True
    wbufsize = -1  # buffered: headers and body leave in one write when the request is done

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, code: int, body, headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _account(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        return token.removeprefix("token-") if token.startswith("token-") else None

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:  # the client died mid-request: a real server never sees this request
            raise ConnectionAbortedError("request body cut short")
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            return json.loads(raw or b"{}")
        if "form-urlencoded" in ctype:
            parsed = parse_qs(raw.decode(), keep_blank_values=True)
            return {k.removesuffix("[]"): (v if k.endswith("[]") else v[0]) for k, v in parsed.items()}
        return {}

    def _route(self, method: str) -> None:
        fake = self.fake
        self.arrived_at = time.time()
        path = urlparse(self.path).path
        if path == "/_stats" and method == "GET":  # the benchmark's view; no latency, no auth
            return self._send(200, fake.stats())
        with fake.lock:
            fake.requests[(method, path.rsplit("/", 1)[0] if path[-1:].isdigit() else path)] += 1
        if fake.latency:
            time.sleep(fake.latency)
        body = self._body() if method in ("POST", "PUT", "PATCH") else {}
        account = self._account()
        if path == "/api/v2/instance" and method == "GET":
            return self._send(200, {"domain": "fake.local", "title": "Fake", "version": "4.3.0",
                                    "configuration": {"statuses": {"max_characters": fake.max_characters,
                                                                   "max_media_attachments": 4,
                                                                   "characters_reserved_per_url": 23},
                                                      "media_attachments": {
                                                          "supported_mime_types": ["image/jpeg", "image/png"],
                                                          "image_size_limit": 16777216,
                                                          "video_size_limit": 103809024}}})
        if account is None:
            return self._send(401, {"error": "The access token is invalid"})
        if path == "/api/v1/accounts/verify_credentials":
            return self._send(200, {"id": account, "username": f"u{account}", "acct": f"u{account}",
                                    "display_name": f"Account {account}", "url": f"{fake.url}/@u{account}"})
        if path == "/api/v1/statuses" and method == "POST":
            return self._create_status(account, body)
        if path == "/api/v1/notifications" and method == "GET":  # nobody writes to the brand here
            return self._send(200, [])
        if path.startswith("/api/v1/statuses/"):
            status = fake.statuses.get(path.rsplit("/", 1)[1])
            if status is None or status.account_id != account:
                return self._send(404, {"error": "Record not found"})
            if method == "DELETE":
                with fake.lock:
                    fake.statuses.pop(status.id, None)
            return self._send(200, status_json(status, fake.url))
        if path == f"/api/v1/accounts/{account}/statuses":
            with fake.lock:
                mine = sorted((s for s in fake.statuses.values() if s.account_id == account),
                              key=lambda s: int(s.id), reverse=True)
            query = parse_qs(urlparse(self.path).query)
            if max_id := query.get("max_id", [None])[0]:
                mine = [s for s in mine if int(s.id) < int(max_id)]
            limit = int(query.get("limit", ["20"])[0])
            return self._send(200, [status_json(s, fake.url) for s in mine[:limit]])
        return self._send(404, {"error": "Record not found"})

    def _create_status(self, account: str, body: dict) -> None:
        fake = self.fake
        fault = fake.next_fault()
        if fault == "hang":
            time.sleep(60)
            return
        if fault in ("500", "401", "429", "422", "garbage"):
            code = {"500": 500, "401": 401, "429": 429, "422": 422, "garbage": 200}[fault]
            if fault == "garbage":
                return self._send(200, b"<html>oops</html>")
            headers = {"Retry-After": "1"} if fault == "429" else {}
            message = {"401": "The access token is invalid", "422": "Validation failed: Text is too long",
                       "429": "Too many requests", "500": "Internal server error"}[fault]
            return self._send(code, {"error": message}, headers)
        text = body.get("status", "")
        if not text.strip() and not body.get("media_ids"):
            return self._send(422, {"error": "Validation failed: Text can't be blank"})
        if len(text) > fake.max_characters:
            return self._send(422, {"error": "Validation failed: Text character limit of "
                                             f"{fake.max_characters} exceeded"})
        media = body.get("media_ids", [])
        status, _ = fake.create(account, text, self.headers.get("Idempotency-Key", ""),
                                media_ids=media if isinstance(media, list) else [media],
                                in_reply_to_id=body.get("in_reply_to_id"), arrived_at=self.arrived_at)
        if fault == "drop_after_create":
            self.close_connection = True
            self.connection.shutdown(2)  # created, but the client never hears back
            return
        self._send(200, status_json(status, fake.url))

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m stoa.testing.fake_network", description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--max-characters", type=int, default=500)
    parser.add_argument("--until-stdin-closes", action="store_true",
                        help="also stop when stdin reaches end of file (the parent process went away)")
    args = parser.parse_args(argv)
    network = FakeNetwork(latency=args.latency, max_characters=args.max_characters, port=args.port).start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    if args.until_stdin_closes:
        def watch_stdin() -> None:
            while sys.stdin.buffer.read(4096):
                pass
            stop.set()

        threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
    print(network.url, flush=True)
    while not stop.wait(0.5):
        pass
    network.stop()


if __name__ == "__main__":
    main()
