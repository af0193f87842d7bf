"""Connecting a Threads profile on the channels page, step by step. The strict local OAuth 2.0 server stands in for
Threads' authorization window and code exchange (authorize, one code good once, PKCE S256), as far as Threads works
as RFC 6749 does; what is Threads' own (the code's token exchanged for a 60-day one at GET /access_token, the profile at
GET /v1.0/me) is a small local Threads API that answers as its fixtures do
(tests/providers/fixtures/threads/token_long.json, me.json)."""

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
from django.test import Client, override_settings
from django.urls import reverse

from stoa import clock
from stoa.channels import credentials
from stoa.channels.models import Channel
from stoa.channels.oauth import redirect_uri
from stoa.providers import oauth2
from stoa.providers.threads.provider import SCOPES
from tests.providers.test_threads import USER, fixture

pytest_plugins = ["tests.providers.oauth_server"]

APP = {"threads": {"client_id": "stoa-test", "client_secret": "threads-app-secret"}}
LONG_LIVED = fixture("token_long")["body"]["access_token"]
REFRESHED = fixture("token_refreshed")["body"]["access_token"]


class LocalThreads:
    """graph.threads.net's own parts of connecting, on 127.0.0.1: GET /access_token (th_exchange_token) takes the
    short-lived token the authorization server gave, with the app's secret; GET /refresh_access_token
    (th_refresh_token) takes the long-lived token; GET /v1.0/me takes a live token in the Authorization header.
    Anything else is refused as Threads would (code 100; 190 for a token it does not know)."""

    def __init__(self) -> None:
        self.short_lived: list[str] = []  # what each exchange was given
        self.live = {LONG_LIVED}
        self.refreshes = 0
        self.server: ThreadingHTTPServer | None = None

    def __enter__(self) -> LocalThreads:
        local = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, body = local.answer(self.path, self.headers.get("Authorization", ""))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, path: str, authorization: str) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        if parts.path == "/access_token" and query.get("grant_type") == "th_exchange_token" and query.get(
                "client_secret") == APP["threads"]["client_secret"] and query.get("access_token", "").count(".") == 2:
            self.short_lived.append(query["access_token"])  # a JWT the strict server signed
            return 200, fixture("token_long")["body"]
        if parts.path == "/refresh_access_token" and query.get("grant_type") == "th_refresh_token":
            if query.get("access_token") not in self.live:
                expired = fixture("errors")["errors"]["190"]
                return expired["status"], expired["body"]
            self.refreshes += 1
            self.live = {REFRESHED}
            return 200, fixture("token_refreshed")["body"]
        if parts.path == "/v1.0/me" and authorization.removeprefix("Bearer ") in self.live and (
                "access_token" not in query):
            assert query["fields"] == "id,username,name,threads_profile_picture_url"
            return 200, fixture("me")["body"]
        refused = fixture("errors")["errors"]["100"]
        return refused["status"], refused["body"]


@pytest.fixture
def local_threads() -> Iterator[LocalThreads]:
    with LocalThreads() as local:
        yield local


@pytest.fixture
def threads_network(oauth_server, local_threads, settings):
    """Threads' addresses pointed at the local stand-ins."""
    settings.STOA_NETWORK_URLS = {"threads": {"authorize": f"{oauth_server.url}/authorize",
                                              "token": f"{oauth_server.url}/token", "api": local_threads.url}}
    return oauth_server, local_threads


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def start(client: Client, workspace) -> str:
    """Press "Connect with Threads": the address of the authorization window."""
    response = client.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "threads"})
    assert response.status_code == 302, response.content
    return response["Location"]


def consent(authorize_url: str) -> str:
    """The person allows Stoa in the authorization window, which sends them back with a code."""
    answer = httpx.get(authorize_url)
    assert answer.status_code == 302
    return local(answer.headers["location"])


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=APP)
def test_an_owner_connects_a_threads_profile_and_the_channel_keeps_a_60_day_token(client, owner, workspace,
                                                                                 threads_network):
    oauth, threads = threads_network
    client.force_login(owner)
    exchanged = oauth.stats()["exchanges"]
    authorize_url = start(client, workspace)

    asked = query(authorize_url)
    assert authorize_url.startswith(f"{oauth.url}/authorize?")
    assert (asked["client_id"], asked["response_type"], asked["redirect_uri"]) == (
        "stoa-test", "code", redirect_uri("threads"))
    assert asked["scope"].split(",") == list(SCOPES) and asked["code_challenge_method"] == "S256"

    callback = consent(authorize_url)
    chooser = client.get(callback)
    assert chooser.status_code == 302 and not Channel.objects.exists()  # nothing is made before the choice
    page = client.get(chooser["Location"]).content.decode()
    assert "@stoa_news" in page
    assert "was used already" in client.get(callback, follow=True).content.decode()  # the code is not sent again
    client.post(chooser["Location"], {"targets": [USER], "workspace": workspace.slug})

    assert oauth.stats()["exchanges"] == exchanged + 1 and len(threads.short_lived) == 1
    channel = Channel.objects.get()
    assert (channel.network, channel.name, channel.config["account_id"], channel.config["username"]) == (
        "threads", "@stoa_news", USER, "stoa_news")
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.access == grant.refresh == LONG_LIVED  # Threads refreshes the token with itself
    assert grant.expires_at and grant.expires_at > clock.now() + timedelta(days=52)  # refreshed a week ahead
    assert channel.credentials["client_secret"] == "threads-app-secret" and "client_secret" not in channel.config
    assert LONG_LIVED not in json.dumps(channel.config)
    assert channel.provider().connect().remote_id == USER  # the token works on the (local) Threads API


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=APP)
def test_the_channel_s_token_is_refreshed_with_itself_a_week_before_threads_would_let_it_expire(
        client, owner, workspace, threads_network):
    _oauth, threads = threads_network
    client.force_login(owner)
    chooser = client.get(consent(start(client, workspace)))
    client.post(chooser["Location"], {"targets": [USER], "workspace": workspace.slug})
    channel = Channel.objects.get()
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.expires_at

    with time_machine.travel(grant.expires_at, tick=False):  # 53 days on: Threads still takes the token
        assert credentials.using(channel, lambda provider: provider.connect()).remote_id == USER
    assert threads.refreshes == 1
    renewed = oauth2.grant_from_credentials(Channel.objects.get().credentials)
    assert renewed and renewed.access == renewed.refresh == REFRESHED and renewed.expires_at > grant.expires_at


@pytest.mark.django_db
def test_without_an_app_the_page_says_what_to_register_at_meta(client, owner, workspace, settings):
    settings.STOA_OAUTH_APPS = {}
    client.force_login(owner)
    page = client.get(f"{reverse('channels')}?workspace={workspace.slug}").content.decode()
    section = page.split('id="authorize-threads"')[1].split("</section>")[0]
    assert "Threads is not set up for this Stoa yet" in section and redirect_uri("threads") in section
    assert "threads_content_publish" in section and "https://developers.facebook.com/apps/" in section
    assert "Connect with Threads" not in section
