"""Threads' contract harness (tests/providers/contract.py's Harness): the provider against the fake Threads API of its
own tests (tests/providers/test_threads.py), with Threads' token requests held to RFC 6749's meaning."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

import httpx

from stoa.providers.base import Provider, Published, ReplyTo
from stoa.providers.meta.webhooks import SIGNATURE_HEADER, signature
from stoa.providers.oauth2 import ClientApp
from stoa.providers.threads.provider import ThreadsProvider
from tests.providers import test_threads as threads
from tests.providers.contract import STARTED, Harness, Sent, TokenEndpoint

# Each HTTP status of the contract as the Graph API answers it (fixtures/threads/errors.json). Statuses with no Graph
# error (408, 413, 502, 503, a 429 with Retry-After) come as HTTP answers, as what stands in front of Meta gives them.
GRAPH_ERRORS = {400: "100", 401: "190", 403: "10", 404: "100/33", 429: "4", 500: "2"}


class ThreadsTokens(TokenEndpoint):
    """Threads' token requests, noted in RFC 6749's words so the contract reads them:
    - POST graph.threads.net/oauth/access_token takes the code once (a used one refused with invalid_grant: how Threads
      words that refusal is not documented) and answers a one-hour token;
    - GET /access_token (th_exchange_token) makes it a 60-day token, live for refreshing;
    - GET /refresh_access_token (th_refresh_token) is the refresh, noted as grant_type refresh_token with the token sent
      as refresh_token: a new token when the network `rotates` (the old one then refused with Meta's code 190), else
      the same one."""

    def __init__(self, fake: threads.FakeThreads) -> None:
        super().__init__("THQVJ-short-lived", refresh_tokens=True, expires_in=3600, scope="")
        self.fake = fake
        self.long = itertools.count(1)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/access_token":
            answer = super().__call__(request)
            if answer.status_code != 200:
                return answer
            return httpx.Response(200, json={"access_token": self.access, "user_id": int(threads.USER)})
        token = request.url.params.get("access_token", "")
        if request.url.path == "/access_token":
            assert request.url.params.get("grant_type") == "th_exchange_token" and token == self.access
            return self.long_lived()
        assert request.url.params.get("grant_type") == "th_refresh_token", request.url
        self.requests.append({"grant_type": "refresh_token", "refresh_token": token})
        if token not in self.live:
            return threads.graph_error("190")
        if not self.rotates:
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": 5183944})
        self.live.discard(token)
        return self.long_lived()

    def long_lived(self) -> httpx.Response:
        token = f"THQVJ-long-{next(self.long)}"
        self.live.add(token)
        self.fake.tokens.add(token)
        return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": 5183944})


class ThreadsHarness(Harness):
    key = "threads"

    def __init__(self) -> None:
        super().__init__()
        self.fake = threads.FakeThreads(now=lambda: self.now)
        self.tokens = ThreadsTokens(self.fake)
        # The post the replies are under, from before the contract's minutes (so no attempt's post).
        self.older = self.fake.add("Our new blend · תערובת חדשה", at=STARTED - timedelta(days=1))

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return dict(threads.CONNECTED), {"access_token": threads.TOKEN, "refresh_token": threads.TOKEN,
                                         "client_secret": "threads-app-secret"}

    def provider(self) -> Provider:
        provider: Any = super().provider()
        provider.sleep = lambda seconds: None
        return provider

    def acting_as(self, app: ClientApp) -> Provider:
        return ThreadsProvider(app.config(), app.credentials(), http=self.client())

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path in ("/oauth/access_token", "/access_token", "/refresh_access_token"):
            return self.tokens(request)
        return self.fake.handle(request)

    def creates(self, request: httpx.Request) -> bool:
        """A post or reply (threads_publish) and a hidden reply; not a container, which publishes nothing."""
        return request.method == "POST" and request.url.path.endswith(("/threads_publish", "/manage_reply"))

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        if status in GRAPH_ERRORS and not retry_after:
            return threads.graph_error(GRAPH_ERRORS[status])
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return httpx.Response(status, text=f"{status}", headers=headers)

    def sent(self) -> list[Sent]:
        found = []
        for post in reversed(self.fake.posts):
            container = post["container"]
            if not container:
                continue
            items = [self.fake.containers[child] for child in container.get("children", "").split(",") if child]
            media = items or ([container] if container["media_type"] != "TEXT" else [])
            found.append(Sent(post["text"], tuple(item.get("alt_text") for item in media)))
        return found

    def posts(self) -> list[str]:
        """The profile's posts made in the test (the older one aside)."""
        return [post["id"] for post in self.fake.posts if post is not self.older]

    def published_post(self) -> Published:
        post = self.fake.add("An older post · פוסט ישן", at=STARTED - timedelta(hours=2))
        return Published(post["id"], post["permalink"], (post["id"],))

    def message(self, kind: str) -> ReplyTo:
        """A reply under the brand's older post (Threads has no direct messages: a 'message' is answered the same)."""
        reply = self.fake.someone_replies(self.older["id"], at=self.now - timedelta(minutes=5))
        return ReplyTo(reply["id"], kind, root_remote_id=self.older["id"], author_id=reply["username"],
                       author_handle=f"@{reply['username']}")

    def app_push(self, app_secret: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(threads.fixture("webhook_replies")["body"]).encode()
        return {SIGNATURE_HEADER: signature(body, app_secret)}, body


HARNESS = ThreadsHarness
