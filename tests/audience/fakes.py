"""Fakes of the public APIs that competitors are read from, as their documentation gives them (the fixtures name their
pages): each request is checked (method, path, parameters, and no credentials of any kind) before it is answered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def without_credentials(request: httpx.Request) -> None:
    assert request.method == "GET"
    assert "authorization" not in request.headers and "cookie" not in request.headers, "a public read sent credentials"


class FakeAppView:
    """Bluesky's public AppView: app.bsky.actor.getProfile(s) and app.bsky.feed.getAuthorFeed."""

    def __init__(self) -> None:
        self.profile = fixture("bluesky_get_profile.json")
        self.feed = fixture("bluesky_get_author_feed.json")
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        without_credentials(request)
        self.requests.append(request)
        params = request.url.params
        method = request.url.path.removeprefix("/xrpc/")
        if method == "app.bsky.actor.getProfile":
            if params["actor"] not in (self.profile["handle"], self.profile["did"]):
                return httpx.Response(400, json={"error": "InvalidRequest", "message": "Profile not found"})
            return httpx.Response(200, json=self.profile)
        if method == "app.bsky.actor.getProfiles":
            actors = params.get_list("actors")
            assert 1 <= len(actors) <= 25  # actors: maxLength 25
            return httpx.Response(200, json={"profiles": [self.profile] if self.profile["did"] in actors else []})
        if method == "app.bsky.feed.getAuthorFeed":
            assert params["actor"] == self.profile["did"] and params["filter"] == "posts_no_replies"
            assert 1 <= int(params["limit"]) <= 100
            return httpx.Response(200, json=self.feed)
        return httpx.Response(501, json={"error": "MethodNotImplemented"})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self), base_url="https://public.api.bsky.app")


class FakeMastodonServer:
    """A Mastodon server's public account methods: lookup, an account, an account's statuses."""

    def __init__(self) -> None:
        self.account = fixture("mastodon_lookup.json")
        self.statuses = fixture("mastodon_statuses.json")["statuses"]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        without_credentials(request)
        path, params = request.url.path, request.url.params
        if path == "/api/v1/accounts/lookup":
            found = params["acct"] == self.account["acct"]
            return httpx.Response(200, json=self.account) if found else httpx.Response(
                404, json={"error": "Record not found"})
        if path == f"/api/v1/accounts/{self.account['id']}/statuses":
            assert params["exclude_replies"] == "true" and params["exclude_reblogs"] == "true"
            assert int(params["limit"]) <= 40
            return httpx.Response(200, json=self.statuses)
        if path == f"/api/v1/accounts/{self.account['id']}":
            return httpx.Response(200, json=self.account)
        return httpx.Response(404, json={"error": "Record not found"})

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))
