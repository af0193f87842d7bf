"""Instagram's contract harness (tests/providers/contract.py's Harness): the provider against the fake Instagram API of
its own tests (tests/providers/test_instagram.py), with Instagram Login's token requests held to RFC 6749's meaning."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from stoa.providers.base import Draft, MediaFile, Provider, Published, ReplyTo
from stoa.providers.meta.webhooks import SIGNATURE_HEADER, signature
from stoa.providers.oauth2 import ClientApp
from tests.providers import test_instagram as instagram
from tests.providers.contract import STARTED, Harness, Sent, TokenEndpoint

COMMENT, COMMENTER = "17870913679156914", ("17841401234567890", "dana.levi")  # fixtures/instagram/comments.json
# Each HTTP status of the contract as the Graph API answers it (fixtures/instagram/errors.json). Statuses with no Graph
# error (408, 413, 502, 503, a 429 with Retry-After) come as HTTP answers, as what stands in front of Meta gives them.
GRAPH_ERRORS = {400: "invalid_parameter", 401: "expired_token", 403: "permission", 404: "not_found",
                429: "rate_limited", 500: "unknown"}


class InstagramTokens(TokenEndpoint):
    """Instagram Login's token requests, noted in RFC 6749's words so the contract reads them:
    - POST api.instagram.com/oauth/access_token takes the code once (a used one: Instagram's OAuthException, 400)
      and answers a short-lived token;
    - GET graph.instagram.com/access_token (ig_exchange_token) makes it a long-lived token, live for refreshing;
    - GET graph.instagram.com/refresh_access_token (ig_refresh_token) is the refresh, noted as grant_type
      refresh_token with the token sent as refresh_token: a new token when the network `rotates` (the old one then
      refused with Meta's code 190), else the same one."""

    def __init__(self, fake: instagram.FakeInstagram) -> None:
        super().__init__("IGQVJshortLivedToken", refresh_tokens=True, expires_in=5183944, scope="")
        self.fake = fake
        self.long = itertools.count(1)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if request.url.host == "api.instagram.com":
            form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
            self.requests.append(form)
            if form.get("grant_type") != "authorization_code" or form.get("code") not in self.codes:
                return instagram.answer("token_code_used")
            self.codes.discard(form["code"])
            return instagram.answer("token")
        token = request.url.params.get("access_token", "")
        if request.url.path == "/access_token":
            assert request.url.params.get("grant_type") == "ig_exchange_token" and token == self.access
            return self.long_lived()
        assert request.url.params.get("grant_type") == "ig_refresh_token", request.url
        self.requests.append({"grant_type": "refresh_token", "refresh_token": token})
        if token not in self.live:
            return instagram.graph_error("expired_token")
        if not self.rotates:
            return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": 5183944})
        self.live.discard(token)
        return self.long_lived()

    def long_lived(self) -> httpx.Response:
        token = f"IGQVJlong-{next(self.long)}"
        self.live.add(token)
        self.fake.tokens.add(token)
        return httpx.Response(200, json={"access_token": token, "token_type": "bearer", "expires_in": 5183944})


class InstagramHarness(Harness):
    """Instagram publishes no text alone and its API cannot delete a post: `draft`, `image` and `deletes` say so to
    the contract (the hooks the lead is asked to add to Harness; see docs/networks/instagram.md)."""

    key = "instagram"
    deletes = False

    def __init__(self) -> None:
        super().__init__()
        self.fake = instagram.FakeInstagram(now=lambda: self.now)
        self.tokens = InstagramTokens(self.fake)
        # The post the comments fixture is about, from before the contract's minutes (so no attempt's post).
        self.fake.add("Our new blend · תערובת חדשה", at=STARTED - timedelta(days=1))["id"] = instagram.KNOWN_MEDIA

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"account_id": instagram.ACCOUNT, "username": "stoa.cafe", "client_id": instagram.APP_ID},
                {"access_token": instagram.TOKEN, "refresh_token": instagram.TOKEN,
                 "client_secret": instagram.APP_SECRET})

    def provider(self) -> Provider:
        provider: Any = super().provider()
        provider.sleep = self.fake.sleeps.append
        return provider

    def acting_as(self, app: ClientApp) -> Provider:
        return instagram.InstagramProvider(app.config(), app.credentials(), http=self.client())

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "api.instagram.com" or request.url.path in ("/access_token", "/refresh_access_token"):
            return self.tokens(request)
        return self.fake.handle(request)

    def creates(self, request: httpx.Request) -> bool:
        """A post (media_publish), a reply, a message, a hidden comment; not a container, which publishes nothing."""
        return (request.method == "POST" and request.url.host == "graph.instagram.com"
                and not request.url.path.endswith("/media"))

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        if status in GRAPH_ERRORS and not retry_after:
            return instagram.graph_error(GRAPH_ERRORS[status])
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return httpx.Response(status, text=f"{status}", headers=headers)

    def sent(self) -> list[Sent]:
        return [Sent(params.get("caption", ""), (params.get("alt_text"),)) for params in self.fake.published()]

    def posts(self) -> list[str]:
        """The account's posts made in the test (the fixtures' older post aside)."""
        return [post["id"] for post in self.fake.media if post["id"] != instagram.KNOWN_MEDIA]

    def published_post(self) -> Published:
        post = self.fake.add("An older post · פוסט ישן", at=STARTED - timedelta(hours=2))
        return Published(post["id"], post["permalink"], (post["id"],))

    def message(self, kind: str) -> ReplyTo:
        if kind == "message":
            return ReplyTo("aWdfZAG1faXRlbToxOklHTWVzc2FnZA", kind, root_remote_id=COMMENTER[0],
                           author_id=COMMENTER[0])
        return ReplyTo(COMMENT, kind, root_remote_id=instagram.KNOWN_MEDIA, author_id=COMMENTER[0],
                       author_handle=COMMENTER[1])

    def draft(self, text: str) -> Draft:
        """A post of this text as Instagram takes it: with a picture."""
        return Draft(text=text, media=(self.image(),))

    def image(self, alt: str = "כרזה · ملصق") -> MediaFile:
        """A JPEG (the only picture format Instagram takes) at its public address."""
        return MediaFile("poster.jpg", "image/jpeg", 48_000, alt, lambda: b"\xff\xd8\xff",
                         public_url=lambda: "https://stoa.example/m/1/1782900000/signature/poster.jpg")

    def app_push(self, app_secret: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(instagram.fixture("webhooks")["body"]).encode()
        return {SIGNATURE_HEADER: signature(body, app_secret)}, body


HARNESS = InstagramHarness
