"""A network that connects by OAuth 2.0, for tests and `make bench-credentials` (the real ones come later).

Three parts, all on 127.0.0.1:

- `strict_oauth_server()` starts the strict authorization server (tests/peers/oauth2_strict_server.mjs on the npm
  package oauth2-mock-server that `make peers` installs in .peers/oauth2): authorization code with PKCE S256, RS256
  JWT access tokens living `access_token_seconds`, each code and each refresh token good once (`invalid_grant`
  otherwise). `.stats()` counts refreshes at the server, `.revoke_all()` revokes every refresh token.
- `ResourceServer(oauth)` is the network's API: it accepts only bearer JWTs the server signed (checked against its
  JWKS) that have not expired by the server's clock (401 `invalid_token` otherwise), and a call whose scope the
  grant lacks gets 403 `insufficient_scope`. Two pages per person; posts are kept once per idempotency key, and
  `.stats()` counts posts and replies per text, so duplicates show. `add_comment()` writes to a page's inbox.
- `OAuthTestProvider` (network key `oauthtest`) publishes (reconcile by attempt key), reads the inbox, replies and
  authorizes against the two. It is listed only where settings.STOA_EXTRA_PROVIDERS names it (tests/settings.py
  does; a process can set `STOA_EXTRA_PROVIDERS=oauthtest=stoa.testing.oauth_network.OAuthTestProvider`), never in
  production. A provider made before a channel exists (the connect flow) finds the servers in the environment:
  STOA_TEST_OAUTH_SERVER_URL and STOA_TEST_OAUTH_API_URL; a channel keeps them in its config.

In a test:

    with strict_oauth_server(access_token_seconds=5) as oauth, ResourceServer(oauth) as api:
        provider = OAuthTestProvider({"server_url": oauth.url, "api_url": api.url}, {})
        grant = authorize_without_browser(provider)          # or the web app's connect flow
        page = provider.targets(grant)[0]                    # each target becomes a channel

(tests/providers/oauth_server.py has them as pytest fixtures.)
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from stoa import clock
from stoa.providers import oauth2
from stoa.providers.base import (
    Account,
    Attempt,
    Draft,
    ErrorKind,
    Grant,
    InboxPage,
    Incoming,
    Limits,
    Person,
    Provider,
    ProviderError,
    Published,
    ReplyTo,
    describe_response,
    parse_time,
)
from stoa.providers.capabilities import Authorizes, Publishes, ReadsInbox, ReceivesAppPush, Replies
from stoa.providers.meta.webhooks import MetaWebhooks

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_SCRIPT = REPO_ROOT / "tests" / "peers" / "oauth2_strict_server.mjs"
NODE_MODULES = REPO_ROOT / ".peers" / "oauth2" / "node_modules"
CLIENT_ID = "stoa-test"
SCOPES = ("read", "publish", "reply")
PAGES = (("page-1", "Test page one"), ("page-2", "Test page two"))  # what one grant may post as


# -- The authorization server ----------------------------------------------------------------------------------


@dataclass
class StrictOAuthServer:
    url: str
    process: subprocess.Popen

    def stats(self) -> dict[str, Any]:
        """authorizations, exchanges, refreshes (granted), refused, revocations, live_refresh_tokens."""
        return httpx.get(f"{self.url}/_control/stats").json()

    def revoke_all(self) -> None:
        """The person took the app's access away on the network: every refresh token is refused from now on."""
        httpx.post(f"{self.url}/_control/revoke").raise_for_status()

    def jwks(self) -> dict[str, Any]:
        return httpx.get(f"{self.url}/jwks").json()


@contextmanager
def strict_oauth_server(access_token_seconds: int = 3600, port: int = 0) -> Iterator[StrictOAuthServer]:
    """The strict server as a Node process on 127.0.0.1 until the block ends."""
    if not NODE_MODULES.is_dir():
        raise RuntimeError(f"{NODE_MODULES} is missing: run `make peers`.")
    env = {**os.environ, "OAUTH2_PORT": str(port), "OAUTH2_ACCESS_TOKEN_SECONDS": str(access_token_seconds)}
    process = subprocess.Popen(["node", str(SERVER_SCRIPT)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("{"):
            raise RuntimeError(f"The strict OAuth 2.0 server did not start (it said {line!r}).")
        yield StrictOAuthServer(json.loads(line)["ready"], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def authorize_without_browser(provider: OAuthTestProvider, scopes: tuple[str, ...] = SCOPES) -> Grant:
    """What the person's consent gives, without a browser: the authorize URL answers with a redirect carrying the
    code (the mock server consents at once), and the code is exchanged with the PKCE verifier."""
    verifier, challenge = oauth2.new_pkce()
    redirect_uri = "http://127.0.0.1/callback"
    url = oauth2.authorize_url(f"{provider.server_url}/authorize", client_id=CLIENT_ID, redirect_uri=redirect_uri,
                               state="test", code_challenge=challenge, scopes=scopes)
    location = httpx.get(url, follow_redirects=False).headers["location"]
    code = parse_qs(urlsplit(location).query)["code"][0]
    return provider.exchange(code, redirect_uri, verifier)


def connect_test_channel(workspace: Any, server_url: str, api_url: str, scopes: tuple[str, ...] = SCOPES,
                         page: int = 0) -> Any:
    """A channel of the test network in `workspace`, as the connect flow makes one: a fresh grant, its first (or
    `page`th) target, the grant kept in the credentials."""
    from stoa.channels.models import Channel

    provider = OAuthTestProvider({"server_url": server_url, "api_url": api_url}, {})
    grant = authorize_without_browser(provider, scopes)
    target = provider.targets(grant)[page]
    channel = Channel(workspace=workspace, network=OAuthTestProvider.key, name=target.name,
                      config={**target.settings, "account_id": target.remote_id, "account_url": target.url})
    channel.credentials = oauth2.grant_to_credentials(grant)
    channel.save()
    return channel


# -- The resource server -----------------------------------------------------------------------------------------


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Post:
    id: str
    page: str
    text: str
    key: str
    in_reply_to: str = ""


@dataclass
class Comment:
    id: int
    page: str
    text: str
    author: str
    created_at: float


@dataclass
class ResourceState:
    posts: dict[str, Post] = field(default_factory=dict)
    by_key: dict[tuple[str, str], str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)  # expired, invalid, insufficient_scope
    calls: Counter = field(default_factory=Counter)  # publish, reply, inbox, reconcile


class ResourceServer:
    """The network's API (see the module's docstring). Use as a context manager, or start() and stop()."""

    def __init__(self, oauth: StrictOAuthServer, port: int = 0):
        self.oauth = oauth
        self.port = port
        self.state = ResourceState()
        self.lock = threading.Lock()
        self.keys: dict[str, rsa.RSAPublicKey] = {}
        self._server: ThreadingHTTPServer | None = None
        # The network's clock is the authorization server's (a test may shift this process's wall clock).
        self._clock_origin = (float(oauth.stats()["now"]), time.monotonic())

    def __enter__(self) -> ResourceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> ResourceServer:
        resource = self

        class Handler(_ResourceHandler):
            server_state = resource

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 256
        threading.Thread(target=self._server.serve_forever, name="oauth-resource-server", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_port}"  # where start() listens

    def now(self) -> float:
        origin, started = self._clock_origin
        return origin + (time.monotonic() - started)

    # -- What tests look at and do --

    def add_comment(self, page: str, text: str, author: str = "bob") -> int:
        with self.lock:
            comment = Comment(len(self.state.comments) + 1, page, text, author, self.now())
            self.state.comments.append(comment)
            return comment.id

    def stats(self) -> dict[str, Any]:
        """posts and replies kept, how many of them repeat a text (duplicates), and what was refused."""
        with self.lock:
            posts = [p for p in self.state.posts.values() if not p.in_reply_to]
            replies = [p for p in self.state.posts.values() if p.in_reply_to]
            post_texts, reply_texts = Counter(p.text for p in posts), Counter(p.text for p in replies)
            return {"posts": len(posts), "replies": len(replies),
                    "duplicate_posts": sum(n - 1 for n in post_texts.values()),
                    "duplicate_replies": sum(n - 1 for n in reply_texts.values()),
                    "refused": dict(self.state.refused), "calls": dict(self.state.calls)}

    def post_texts(self) -> Counter:
        with self.lock:
            return Counter(p.text for p in self.state.posts.values() if not p.in_reply_to)

    # -- Checking a bearer token --

    def claims(self, token: str) -> dict[str, Any] | None:
        """The token's claims if the authorization server signed it for us; None otherwise."""
        try:
            header_part, payload_part, signature = token.split(".")
            header = json.loads(b64decode(header_part))
            key = self.key(str(header.get("kid")))
            if header.get("alg") != "RS256" or key is None:
                return None
            key.verify(b64decode(signature), f"{header_part}.{payload_part}".encode(), padding.PKCS1v15(),
                       hashes.SHA256())
            claims = json.loads(b64decode(payload_part))
        except (ValueError, InvalidSignature):
            return None
        return claims if claims.get("iss") == self.oauth.url else None

    def key(self, kid: str) -> rsa.RSAPublicKey | None:
        if kid not in self.keys:
            for jwk in self.oauth.jwks().get("keys", []):
                if jwk.get("kty") == "RSA":
                    numbers = rsa.RSAPublicNumbers(int.from_bytes(b64decode(jwk["e"])),
                                                   int.from_bytes(b64decode(jwk["n"])))
                    self.keys[jwk["kid"]] = numbers.public_key()
        return self.keys.get(kid)


class _ResourceHandler(BaseHTTPRequestHandler):
    server_state: ResourceServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else {}

    def authorized(self, scope: str) -> bool:
        """Answers 401 or 403 itself when the bearer token does not allow the call."""
        resource = self.server_state
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        claims = resource.claims(token)
        if claims is None or float(claims.get("exp", 0)) <= resource.now():
            reason = "invalid" if claims is None else "expired"
            with resource.lock:
                resource.state.refused[reason] += 1
            self.answer(401, {"error": "invalid_token", "error_description": f"The access token is {reason}."},
                        {"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{reason}"'})
            return False
        if scope and scope not in str(claims.get("scope", "")).split():
            with resource.lock:
                resource.state.refused["insufficient_scope"] += 1
            self.answer(403, {"error": "insufficient_scope", "scope": scope,
                              "error_description": f"This call needs the {scope} permission."},
                        {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})
            return False
        return True

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    def do_DELETE(self) -> None:
        self.route("DELETE")

    def route(self, method: str) -> None:
        """Each call needs a valid token, and a scope for what touches a page."""
        parts = urlsplit(self.path)
        path, query = parts.path.strip("/").split("/"), parse_qs(parts.query)
        page = path[1] if len(path) >= 3 and path[0] == "pages" else ""
        routes: dict[tuple[str, str], tuple[str, Any]] = {
            ("GET", "me"): ("", lambda: self.answer(200, {"id": "user-42", "name": "Test person"})),
            ("GET", "pages"): ("", lambda: self.answer(200, {"pages": [{"id": p, "name": n} for p, n in PAGES]})),
            ("GET", "posts"): ("read", lambda: self.find_posts(page, query.get("key", [""])[0])),
            ("GET", "inbox"): ("read", lambda: self.inbox(page, int(query.get("after", ["0"])[0] or 0))),
            ("POST", "posts"): ("publish", lambda: self.create(page, self.body(), in_reply_to="")),
            ("POST", "replies"): ("reply", lambda: self.create_reply(page, self.body())),
            ("DELETE", "post"): ("publish", lambda: self.delete(path[-1])),
        }
        name = path[0] if len(path) == 1 else (path[2] if len(path) == 3 else "post" if len(path) == 4 else "")
        scope, action = routes.get((method, name), ("", None))
        if action is None or (len(path) > 1 and not page):
            self.answer(404, {"error": "not_found"})
        elif self.authorized(scope):
            action()

    def delete(self, post_id: str) -> None:
        with self.server_state.lock:
            found = self.server_state.state.posts.pop(post_id, None)
        self.answer(200 if found else 404, {})

    def create_reply(self, page: str, body: dict[str, Any]) -> None:
        self.create(page, body, in_reply_to=str(body.get("in_reply_to") or "?"))

    def create(self, page: str, body: dict[str, Any], in_reply_to: str) -> None:
        resource, key = self.server_state, self.headers.get("Idempotency-Key") or ""
        with resource.lock:
            resource.state.calls["reply" if in_reply_to else "publish"] += 1
            existing = resource.state.by_key.get((page, key)) if key else None
            post = resource.state.posts.get(existing) if existing else None
            if post is None:
                post = Post(uuid.uuid4().hex[:12], page, str(body.get("text") or ""), key, in_reply_to)
                resource.state.posts[post.id] = post
                if key:
                    resource.state.by_key[(page, key)] = post.id
        self.answer(200, self.post_json(post))

    def find_posts(self, page: str, key: str) -> None:
        resource = self.server_state
        with resource.lock:
            resource.state.calls["reconcile"] += 1
            found = [p for p in resource.state.posts.values() if p.page == page and p.key == key]
        self.answer(200, {"posts": [self.post_json(p) for p in found]})

    def inbox(self, page: str, after: int) -> None:
        resource = self.server_state
        with resource.lock:
            resource.state.calls["inbox"] += 1
            comments = [c for c in resource.state.comments if c.page == page and c.id > after]
        shown = comments[:20]
        self.answer(200, {"comments": [{"id": str(c.id), "text": c.text, "author": c.author,
                                        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(c.created_at))}
                                       for c in shown],
                          "cursor": str(shown[-1].id if shown else after), "more": len(comments) > len(shown)})

    def post_json(self, post: Post) -> dict[str, Any]:
        return {"id": post.id, "text": post.text, "url": f"{self.server_state.url}/pages/{post.page}/posts/{post.id}"}


# -- The provider ------------------------------------------------------------------------------------------------


class OAuthTestProvider(Provider, Publishes, ReadsInbox, Replies, Authorizes, MetaWebhooks, ReceivesAppPush):
    """A page on the test network, connected by OAuth 2.0. Credentials: the grant (stoa.providers.oauth2's keys);
    config: server_url, api_url and page_id."""

    key = "oauthtest"
    name = "OAuth test network"
    limits = Limits(max_text=500, max_media=0, media_types=frozenset())

    # -- Where the servers are --

    @property
    def server_url(self) -> str:
        return str(self.config.get("server_url") or os.environ.get("STOA_TEST_OAUTH_SERVER_URL", "")).rstrip("/")

    @property
    def api_url(self) -> str:
        return str(self.config.get("api_url") or os.environ.get("STOA_TEST_OAUTH_API_URL", "")).rstrip("/")

    @property
    def page(self) -> str:
        return str(self.config.get("page_id") or PAGES[0][0])

    @property
    def client_id(self) -> str:
        """The app it acts as (Authorizes): the deployment's, else the one the strict server's tests use."""
        return str(self.config.get(oauth2.CLIENT_ID) or CLIENT_ID)

    # -- Authorizes --

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        return oauth2.authorize_url(f"{self.server_url}/authorize", client_id=self.client_id,
                                    redirect_uri=redirect_uri, state=state, code_challenge=code_challenge,
                                    scopes=SCOPES)

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        return oauth2.token_request(self, f"{self.server_url}/token", {
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier, "client_id": self.client_id})

    def refresh(self, grant: Grant) -> Grant:
        return oauth2.token_request(self, f"{self.server_url}/token", {
            "grant_type": "refresh_token", "refresh_token": grant.refresh, "client_id": self.client_id},
            previous=grant)

    def targets(self, grant: Grant) -> tuple[Account, ...]:
        pages = self.json(self.call("GET", "/pages", token=grant.access)).get("pages", [])
        return tuple(Account(remote_id=p["id"], name=p["name"], url=f"{self.api_url}/pages/{p['id']}",
                             settings={"page_id": p["id"], "server_url": self.server_url, "api_url": self.api_url})
                     for p in pages)

    def connect(self) -> Account:
        me = self.json(self.call("GET", "/me"))
        return Account(remote_id=self.page, name=str(me.get("name") or self.page),
                       url=f"{self.api_url}/pages/{self.page}")

    # -- Publishes --

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        if problems := self.validate(draft):  # what validate refuses is never sent (the contract suite checks it)
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        response = self.call("POST", f"/pages/{self.page}/posts", creating=True, json={"text": draft.text},
                             headers={"Idempotency-Key": attempt.key})
        return self.published(self.json(response, creating=True))

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        found = self.json(self.call("GET", f"/pages/{self.page}/posts", params={"key": attempt.key}))
        posts = found.get("posts") if isinstance(found, dict) else None
        return self.published(posts[0]) if posts else None

    def delete(self, published: Published) -> None:
        try:
            self.call("DELETE", f"/pages/{self.page}/posts/{published.remote_id}")
        except ProviderError as error:
            if "(404)" not in error.message:  # already gone is what we wanted
                raise

    # -- ReadsInbox and Replies --

    def fetch_inbox(self, position: str) -> InboxPage:
        body = self.json(self.call("GET", f"/pages/{self.page}/inbox", params={"after": position or "0"}))
        items = tuple(self.comment(c) for c in body.get("comments", []))
        return InboxPage(items, str(body.get("cursor") or position), bool(body.get("more")))

    def comment(self, c: dict[str, Any]) -> Incoming:
        return Incoming(remote_id=str(c["id"]), kind="comment", text=str(c["text"]),
                        author=Person(remote_id=str(c["author"]), handle=str(c["author"])),
                        written_at=parse_time(c["created_at"]) or clock.now(), root_remote_id=self.page)

    # -- ReceivesAppPush: calls shaped as Meta's webhooks, {"object": "page", "entry": [{"id": <page>, "changes":
    # [{"field": "comments", "value": <a comment as the inbox lists it>}]}]}, signed as Meta signs them --

    @classmethod
    def accounts_in(cls, body: Any) -> dict[str, Any]:
        entries = body.get("entry") if isinstance(body, dict) and body.get("object") == "page" else None
        if not isinstance(entries, list) or not all(isinstance(e, dict) and "id" in e for e in entries):
            raise ProviderError("This is not a call of the OAuth test network.", ErrorKind.PERMANENT)
        return {str(entry["id"]): entry for entry in entries}

    def pushed(self, part: Any) -> InboxPage:
        changes = [c.get("value") for c in part.get("changes", []) if isinstance(c, dict)]
        try:
            return InboxPage(tuple(self.comment(value) for value in changes if isinstance(value, dict)), "")
        except KeyError as e:
            raise ProviderError(f"A pushed comment lacks its {e}.", ErrorKind.PERMANENT) from e

    def reply(self, to: ReplyTo, text: str) -> Published:
        response = self.call("POST", f"/pages/{self.page}/replies", creating=True,
                             json={"in_reply_to": to.remote_id, "text": text},
                             headers={"Idempotency-Key": f"stoa-reply-{uuid.uuid4().hex}"})
        return self.published(self.json(response, creating=True))

    # -- Talking to the API --

    def call(self, method: str, path: str, *, token: str = "", creating: bool = False,
             headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        token = token or str(self.credentials.get(oauth2.ACCESS) or "")
        if not token:
            raise ProviderError("Connect the OAuth test network again.", ErrorKind.AUTHORIZATION)
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        return self.request(method, self.api_url + path, creating=creating, headers=headers, **kwargs)

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> ProviderError:
        if response.status_code == 401:
            return ProviderError(f"{self.name} refused the access token: {describe_response(response)}",
                                 ErrorKind.AUTHORIZATION, access_refused=True)
        if response.status_code == 403:
            scope = scope_missing(response)
            return ProviderError(f"{self.name} needs the “{scope}” permission for this; connect again and grant "
                                 "it.", ErrorKind.PERMISSION, missing_permission=scope)
        return super().error_from_response(response, creating=creating)

    def published(self, post: Any) -> Published:
        if not isinstance(post, dict) or not isinstance(post.get("id"), str):
            raise ProviderError(f"{self.name} did not say what it created.", ErrorKind.UNKNOWN_OUTCOME)
        return Published(post["id"], str(post.get("url") or ""), (post["id"],))


def scope_missing(response: httpx.Response) -> str:
    """The scope a 403 names (RFC 6750: WWW-Authenticate: Bearer error="insufficient_scope", scope="...")."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and isinstance(body.get("scope"), str):
        return body["scope"]
    header = response.headers.get("www-authenticate", "")
    return header.split('scope="', 1)[1].split('"', 1)[0] if 'scope="' in header else "?"
