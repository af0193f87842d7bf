"""Connecting an Instagram professional account on the channels page, through Instagram Login as the provider speaks it:
the strict local OAuth 2.0 server stands in for Instagram's authorization window and its code exchange (PKCE S256, a
code good once), and a small local Graph API answers the rest as Instagram documents it (the long-lived token's
exchange, GET /me, the account's webhook subscription; answers from tests/providers/fixtures/instagram)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from stoa import clock
from stoa.channels import credentials
from stoa.channels.models import Channel
from stoa.channels.oauth import redirect_uri
from stoa.providers import oauth2
from stoa.providers.meta.graph import GRAPH_VERSION
from stoa.providers.registry import PROVIDERS
from tests.providers.test_instagram import ACCOUNT, fixture

pytest_plugins = ["tests.providers.oauth_server"]
pytestmark = pytest.mark.skipif("instagram" not in PROVIDERS, reason="Instagram is not registered in this run "
                                "(STOA_EXTRA_PROVIDERS=instagram=stoa.providers.instagram.provider.InstagramProvider)")

APP = {"instagram": {"client_id": "stoa-test", "client_secret": "instagram-app-secret"}}
LONG_LIVED = fixture("long_lived")["body"]["access_token"]
REFRESHED = fixture("refreshed")["body"]["access_token"]


class LocalGraph:
    """graph.instagram.com on 127.0.0.1, for the two calls connecting makes after the code exchange."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], str]] = []  # path, query, Authorization header
        self.posts: list[tuple[str, dict[str, str]]] = []  # path, form
        graph = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                query = {name: values[0] for name, values in parse_qs(parts.query).items()}
                graph.requests.append((parts.path, query, self.headers.get("Authorization", "")))
                status, body = graph.answer(parts.path, query, self.headers.get("Authorization", ""))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
                graph.posts.append((self.path, {name: values[0] for name, values in form.items()}))
                ok = self.path == f"/{GRAPH_VERSION}/{ACCOUNT}/subscribed_apps" and form.get("access_token") == [
                    LONG_LIVED]
                payload = json.dumps(fixture("subscribed")["body"] if ok else {"error": {"code": 100}}).encode()
                self.send_response(200 if ok else 400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, path: str, query: dict[str, str], authorization: str) -> tuple[int, Any]:
        if path == "/access_token" and query.get("grant_type") == "ig_exchange_token":
            return 200, fixture("long_lived")["body"]
        if path == "/refresh_access_token" and query.get("grant_type") == "ig_refresh_token" and query.get(
                "access_token") == LONG_LIVED:
            return 200, fixture("refreshed")["body"]
        if path == f"/{GRAPH_VERSION}/me" and authorization in (f"Bearer {LONG_LIVED}", f"Bearer {REFRESHED}"):
            return 200, fixture("me")["body"]
        return 400, fixture("errors")["errors"]["expired_token"]["body"]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def graph() -> Iterator[LocalGraph]:
    local = LocalGraph()
    yield local
    local.stop()


@pytest.fixture
def instagram_urls(oauth_server, graph, settings):
    settings.STOA_NETWORK_URLS = {"instagram": {"authorize": f"{oauth_server.url}/authorize",
                                                "token": f"{oauth_server.url}/token", "graph": graph.url}}
    return oauth_server, graph


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=APP)
def test_an_owner_connects_an_instagram_account_and_keeps_a_long_lived_token_that_refreshes_itself(
        client, owner, workspace, instagram_urls):
    oauth, graph = instagram_urls
    client.force_login(owner)
    page = client.get(f"{reverse('channels')}?workspace={workspace.slug}").content.decode()
    assert "Connect with Instagram" in page

    started = client.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "instagram"})
    assert started.status_code == 302
    asked = {name: values[0] for name, values in parse_qs(urlsplit(started["Location"]).query).items()}
    assert started["Location"].startswith(f"{oauth.url}/authorize?")
    assert (asked["client_id"], asked["response_type"], asked["redirect_uri"]) == (
        "stoa-test", "code", redirect_uri("instagram"))
    assert "instagram_business_content_publish" in asked["scope"].split()

    consent = httpx.get(started["Location"])  # the strict server consents at once and sends the code back
    assert consent.status_code == 302
    chooser = client.get(local(consent.headers["location"]))
    assert chooser.status_code == 302 and not Channel.objects.exists()
    assert "Stoa Café · קפה סטואה" in client.get(chooser["Location"]).content.decode()  # the one account to choose
    client.post(chooser["Location"], {"targets": [ACCOUNT], "workspace": workspace.slug})

    channel = Channel.objects.get()
    assert (channel.network, channel.config["account_id"], channel.config["username"], channel.config["client_id"]) == (
        "instagram", ACCOUNT, "stoa.cafe", "stoa-test")
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.access == grant.refresh == LONG_LIVED  # refreshed by itself (ig_refresh_token)
    assert grant.expires_at and grant.expires_at > clock.now() + timedelta(days=52)  # renewed a week early
    assert channel.credentials["client_secret"] == "instagram-app-secret"
    [exchange] = [query for path, query, _auth in graph.requests if path == "/access_token"]
    assert exchange["grant_type"] == "ig_exchange_token" and exchange["client_secret"] == "instagram-app-secret"
    assert exchange["access_token"] and exchange["access_token"] != LONG_LIVED  # the short-lived token the code gave
    assert all(LONG_LIVED not in json.dumps(query) for path, query, _auth in graph.requests if path != "/access_token")
    assert channel.provider().connect().remote_id == ACCOUNT  # the kept token works on the API
    assert [path for path, form in graph.posts] == [f"/{GRAPH_VERSION}/{ACCOUNT}/subscribed_apps"]  # its webhooks


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=APP)
def test_the_long_lived_token_is_renewed_in_its_last_week_by_using_the_channel(client, owner, workspace,
                                                                                instagram_urls):
    oauth, graph = instagram_urls
    client.force_login(owner)
    started = client.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "instagram"})
    chooser = client.get(local(httpx.get(started["Location"]).headers["location"]))
    client.post(chooser["Location"], {"targets": [ACCOUNT], "workspace": workspace.slug})
    channel = Channel.objects.get()
    renew_by = oauth2.grant_from_credentials(channel.credentials).expires_at

    with time_machine.travel(renew_by, tick=False):  # 53 days on: a week before Instagram's 60 days end
        assert credentials.using(channel, lambda provider: provider.connect()).remote_id == ACCOUNT
    [renewal] = [query for path, query, _auth in graph.requests if path == "/refresh_access_token"]
    assert renewal == {"grant_type": "ig_refresh_token", "access_token": LONG_LIVED}
    channel.refresh_from_db()
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.access == grant.refresh == REFRESHED
    assert grant.expires_at and grant.expires_at > renew_by + timedelta(days=52)
