"""Connecting Facebook Pages on the channels page, step by step. The strict OAuth 2.0 server stands in for Facebook
Login's dialog (authorize, the code good once, PKCE S256 checked at the exchange); a small local Graph API answers
Meta's own parts: GET /oauth/access_token (which it hands to the strict server as the RFC 6749 exchange it stands
for, so the server checks the code and the verifier), the long-lived token exchange, /me/accounts and the Page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.test import Client, override_settings
from django.urls import reverse

from stoa.channels.models import Channel
from stoa.channels.oauth import redirect_uri
from stoa.providers import oauth2
from stoa.providers.facebook.provider import PAGE_TOKEN, SCOPES
from stoa.providers.meta.graph import GRAPH_VERSION
from stoa.testing.oauth_network import StrictOAuthServer
from tests.providers.test_facebook import fixture

pytest_plugins = ["tests.providers.oauth_server"]

APP = {"facebook": {"client_id": "stoa-test", "client_secret": "test-secret"}}
PAGE = "112233445566778"


class LocalGraph:
    """Meta's token endpoint, /me/accounts and the Page on 127.0.0.1, the code exchange checked by the strict
    server."""

    def __init__(self, oauth: StrictOAuthServer):
        self.oauth = oauth
        self.requests: list[tuple[str, dict[str, str], str]] = []  # path, query, Authorization header
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                url = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                graph.requests.append((url.path, query, self.headers.get("Authorization", "")))
                status, body = graph.answer(url.path.removeprefix(f"/{GRAPH_VERSION}/"), query,
                                            self.headers.get("Authorization", ""))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, query: dict[str, str], authorization: str) -> tuple[int, Any]:
        tokens = fixture("token")
        if path == "oauth/access_token" and query.get("grant_type") == "fb_exchange_token":
            assert query["fb_exchange_token"] == tokens["short"]["access_token"]
            return 200, tokens["long_lived"]
        if path == "oauth/access_token":
            assert (query["client_id"], query["client_secret"]) == ("stoa-test", "test-secret")
            exchanged = httpx.post(f"{self.oauth.url}/token", data={
                "grant_type": "authorization_code", "code": query["code"], "redirect_uri": query["redirect_uri"],
                "client_id": query["client_id"], "code_verifier": query["code_verifier"]})
            return (200, tokens["short"]) if exchanged.status_code == 200 else (400, tokens["code_used"])
        if path == "me/accounts" and authorization == f"Bearer {tokens['long_lived']['access_token']}":
            return 200, fixture("accounts")
        if path == PAGE and authorization == "Bearer EAAPageTokenCafe0123456789abcdef":
            return 200, fixture("page")["page"]
        return 400, {"error": {"message": "Invalid OAuth access token", "type": "OAuthException", "code": 190}}

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph(oauth_server: StrictOAuthServer) -> Iterator[LocalGraph]:
    local = LocalGraph(oauth_server)
    yield local
    local.stop()


@pytest.fixture
def facebook_network(oauth_server: StrictOAuthServer, graph: LocalGraph) -> Iterator[LocalGraph]:
    urls = {"facebook": {"authorize": f"{oauth_server.url}/authorize",
                         "token": f"{graph.url}/{GRAPH_VERSION}/oauth/access_token", "graph": graph.url}}
    with override_settings(STOA_NETWORK_URLS=urls, STOA_OAUTH_APPS=APP):
        yield graph


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.django_db
def test_an_owner_connects_the_pages_they_choose_through_facebook_login(client: Client, owner, workspace,
                                                                        oauth_server, facebook_network):
    client.force_login(owner)
    exchanged = oauth_server.stats()["exchanges"]
    started = client.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "facebook"})
    assert started.status_code == 302
    authorize_url = started["Location"]
    asked = {name: values[0] for name, values in parse_qs(urlsplit(authorize_url).query).items()}
    assert authorize_url.startswith(f"{oauth_server.url}/authorize?")
    assert (asked["client_id"], asked["code_challenge_method"], asked["response_type"]) == ("stoa-test", "S256",
                                                                                            "code")
    assert asked["redirect_uri"] == redirect_uri("facebook") and asked["scope"].split() == list(SCOPES)

    consent = httpx.get(authorize_url)  # the strict server consents at once, back to Stoa with the code
    assert consent.status_code == 302
    callback = local(consent.headers["location"])
    chooser = client.get(callback)
    assert chooser.status_code == 302 and not Channel.objects.exists()  # nothing is made before the choice
    page = client.get(chooser["Location"]).content.decode()
    assert "Stoa Café · קפה" in page and "مقهى ستوا" in page and "Stoa Analytics" not in page  # ANALYZE only
    assert "was used already" in client.get(callback, follow=True).content.decode()  # the code is not sent again

    client.post(chooser["Location"], {"targets": [PAGE], "workspace": workspace.slug})
    assert oauth_server.stats()["exchanges"] == exchanged + 1  # the strict server took the code and verifier once
    channel = Channel.objects.get()
    assert (channel.name, channel.network, channel.config["page_id"], channel.config["account_id"]) == (
        "Stoa Café · קפה", "facebook", PAGE, PAGE)
    assert channel.credentials[PAGE_TOKEN] == "EAAPageTokenCafe0123456789abcdef"
    assert PAGE_TOKEN not in channel.config and "EAAPageToken" not in json.dumps(channel.config)
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.refresh == "" and grant.expires_at is None  # a Page's token lasts until revoked
    assert channel.provider().connect().remote_id == PAGE  # the Page's token works on the (local) Graph API
    [code_exchange] = [query for path, query, _auth in facebook_network.requests
                       if path.endswith("oauth/access_token") and "code" in query]
    assert code_exchange["redirect_uri"] == redirect_uri("facebook") and code_exchange["code_verifier"]
