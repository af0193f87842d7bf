"""Facebook Pages in the contract suite (test_contract.py), over the fake Graph API of test_facebook.py.

Meta's token endpoint is not RFC 6749's: the code is exchanged with GET /oauth/access_token (client_id,
redirect_uri, client_secret, code, code_verifier; no grant_type), then the user token for a long-lived one
(grant_type=fb_exchange_token), and there is no refresh token. FacebookTokens answers both as Meta documents them and
records each code exchange in `requests` as the authorization-code grant it is (grant_type=authorization_code added),
so the contract's exchange tests read what they mean; the refresh tests skip, as Facebook gives no refresh token.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx

from stoa.providers.base import Provider, Published, ReplyTo
from stoa.providers.facebook.provider import FacebookProvider
from stoa.providers.meta.graph import GRAPH_VERSION
from stoa.providers.meta.webhooks import SIGNATURE_HEADER, signature
from stoa.providers.oauth2 import ClientApp
from tests.providers import test_facebook as facebook
from tests.providers.contract import CODE, STARTED, Harness, Sent

# The Graph API error each HTTP status of the contract stands for (fixtures/meta/errors.json). Statuses the Graph API
# does not answer with its own body (408, 413, 502, 503, a 429 with Retry-After) come as plain HTTP answers, as what
# stands in front of it would give them.
GRAPH_ERRORS = {400: "invalid_parameter", 401: "expired", 403: "needs_permission", 429: "app_rate_limit",
                500: "unknown"}


class FacebookTokens:
    """GET /oauth/access_token as fixtures/facebook/token.json shows it: a code is good once."""

    def __init__(self) -> None:
        self.codes = {CODE}
        self.requests: list[dict[str, str]] = []  # the code exchanges, as authorization-code grants
        self.long_lived: list[dict[str, str]] = []  # the fb_exchange_token requests
        self.rotates = True
        self.live: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "GET" and not request.content, "Meta documents this endpoint as a GET"
        params = dict(request.url.params)
        answers = facebook.fixture("token")
        if params.get("grant_type") == "fb_exchange_token":
            self.long_lived.append(params)
            return httpx.Response(200, json=answers["long_lived"])
        self.requests.append({"grant_type": "authorization_code", **params})
        if params.get("code") not in self.codes:
            return httpx.Response(400, json=answers["code_used"])
        self.codes.discard(params["code"])
        return httpx.Response(200, json=answers["short"])


class FacebookHarness(Harness):
    key = "facebook"

    def __init__(self) -> None:
        super().__init__()
        self.fake = facebook.FakeFacebook(now=lambda: self.now)
        self.tokens = FacebookTokens()

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        config, credentials = facebook.CONNECTED
        return dict(config), dict(credentials)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/{GRAPH_VERSION}/oauth/access_token":
            return self.tokens(request)
        return self.fake.handle(request)

    def creates(self, request: httpx.Request) -> bool:
        """Every POST makes something (a post, a comment, a message, a hidden state), but a photo uploaded unpublished
        for a post with several: it shows nowhere until the post that attaches it."""
        return request.method == "POST" and b"published=false" not in request.read()

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        if status == 404:
            return facebook.gone()
        if status in GRAPH_ERRORS and not retry_after:
            return facebook.graph_error(GRAPH_ERRORS[status])
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return httpx.Response(status, text=f"{status}", headers=headers)

    def sent(self) -> list[Sent]:
        return [Sent(post["message"], tuple(photo.get("alt_text_custom") for photo in post.get("photos") or ()))
                for post in reversed(self.fake.posts) if not post.get("seeded")]

    def posts(self) -> list[str]:
        return [post["id"] for post in self.fake.posts]

    def published_post(self) -> Published:
        post = self.fake.add("An older post · פוסט ישן", at=STARTED - timedelta(days=1), seeded=True)
        return Published(post["id"], f"https://www.facebook.com/{post['id']}", (post["id"],))

    def message(self, kind: str) -> ReplyTo:
        if kind == "message":
            return ReplyTo("m_AbCdEf1", kind, "t_10160000000000001", author_id="24680000000000001")
        return ReplyTo("900000000000001_700000000000001", kind, "112233445566778_900000000000001",
                       author_id="5550000000000001")

    def app_push(self, app_secret: str) -> tuple[dict[str, str], bytes]:
        body = json.dumps(facebook.fixture("webhooks")["feed"]).encode()
        return {SIGNATURE_HEADER: signature(body, app_secret)}, body

    def acting_as(self, app: ClientApp) -> Provider:
        return FacebookProvider(app.config(), app.credentials(), http=self.client())


HARNESS = FacebookHarness
