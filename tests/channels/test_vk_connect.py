"""Connecting VK on the channels page, step by step, with the strict local OAuth 2.0 server standing in for VK ID
(its /authorize and /token, PKCE S256, each code and refresh token good once) and the fake VK API of
tests/providers/test_vk.py served locally: start, consent, VK ID's answer carrying device_id beside the code, the
person's choice among the communities they run, one channel each with the grant and the device in its encrypted
credentials, and the refresh that names the device again."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from stoa import clock
from stoa.channels import credentials
from stoa.channels.models import Channel
from stoa.channels.oauth import redirect_uri
from stoa.providers import oauth2
from tests.channels.test_oauth_command_line import authorize
from tests.providers.test_vk import GROUP, FakeVK, served

pytest_plugins = ["tests.providers.oauth_server"]

DEVICE = "d3v1c3-1d-from-vk-id"


class IssuedTokens:
    """The access keys the fake VK API takes: the ones the strict server issued (signed JWTs, three parts)."""

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and token.count(".") == 2


@pytest.fixture
def vk_network(oauth_server, settings) -> Iterator[FakeVK]:
    api = FakeVK(tokens=IssuedTokens())  # type: ignore[arg-type]
    with served(api) as api_url:
        settings.STOA_OAUTH_APPS = {"vk": {"client_id": "stoa-test", "client_secret": ""}}
        settings.STOA_NETWORK_URLS = {"vk": {"authorize": f"{oauth_server.url}/authorize",
                                             "token": f"{oauth_server.url}/token", "api": api_url}}
        yield api


@pytest.fixture
def browser(client: Client, owner) -> Client:
    client.force_login(owner)
    return client


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def consent(browser: Client, workspace) -> str:
    """Press "Connect with VK", consent on the (stand-in) VK ID: the address VK ID sends the person back to."""
    started = browser.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "vk"})
    assert started.status_code == 302, started.content
    asked = query(started["Location"])
    assert (asked["client_id"], asked["code_challenge_method"], asked["scope"]) == (
        "stoa-test", "S256", "wall groups photos video stats")
    assert asked["redirect_uri"] == redirect_uri("vk")
    answer = httpx.get(started["Location"])
    assert answer.status_code == 302
    parts = urlsplit(answer.headers["location"])
    return f"{parts.path}?{parts.query}"


@pytest.mark.django_db
def test_an_owner_connects_the_communities_they_choose_and_each_keeps_the_grant_and_the_device(
        browser, workspace, vk_network):
    chooser = browser.get(consent(browser, workspace) + f"&device_id={DEVICE}")  # VK ID adds the device
    assert chooser.status_code == 302 and not Channel.objects.exists()
    page = browser.get(chooser["Location"]).content.decode()
    assert "Стоа · סטואה · ستوا" in page and "Stoa Café" in page and "DELETED" not in page

    browser.post(chooser["Location"], {"targets": [str(GROUP)], "workspace": workspace.slug})
    channel = Channel.objects.get()
    assert (channel.network, channel.name, channel.config["group_id"], channel.config["client_id"]) == (
        "vk", "Стоа · סטואה · ستوا", str(GROUP), "stoa-test")
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.refresh and grant.expires_at and grant.expires_at > clock.now()
    assert channel.credentials["device_id"] == DEVICE and DEVICE not in channel.credentials_encrypted
    assert channel.provider().connect().remote_id == str(GROUP)  # the grant works on the API


@pytest.mark.django_db
def test_the_grant_is_refreshed_naming_the_device_and_the_new_refresh_token_is_kept(browser, workspace, vk_network):
    chooser = browser.get(consent(browser, workspace) + f"&device_id={DEVICE}")
    browser.post(chooser["Location"], {"targets": [str(GROUP)], "workspace": workspace.slug})
    channel = Channel.objects.get()
    before = oauth2.grant_from_credentials(channel.credentials)

    held = credentials.refresh(channel, refused=before.access if before else "")  # VK refused the key: renew it
    after = oauth2.grant_from_credentials(held.credentials)
    assert before and after and after.refresh != before.refresh and after.access  # the refresh token rotated
    assert held.credentials["device_id"] == DEVICE


@pytest.mark.django_db
def test_an_answer_without_the_device_connects_nothing_and_says_why(browser, workspace, vk_network):
    refused = browser.get(consent(browser, workspace), follow=True)
    assert "lacks device_id" in refused.content.decode() and not Channel.objects.exists()


# -- On the command line (`stoa channel authorize vk`) -------------------------------------------------------------


def vk_id_consents(authorize_url: str) -> str:
    """The stand-in VK ID consents at once; VK ID's answer carries the device beside the code."""
    return httpx.get(authorize_url).headers["location"] + f"&device_id={DEVICE}"


@pytest.mark.django_db
def test_an_owner_connects_a_community_from_the_command_line_by_pasting_the_whole_address(workspace, vk_network):
    output, _person = authorize("vk", "--workspace", workspace.slug, "--target", "229101117",
                                consent=vk_id_consents)
    assert "paste here the address the browser lands on:" in output and "only its code" not in output
    channel = Channel.objects.get()
    assert (channel.name, channel.credentials["device_id"]) == ("Stoa Café", DEVICE)


@pytest.mark.django_db
def test_the_code_alone_is_not_enough_for_vk_and_nothing_is_connected(workspace, vk_network):
    def code_only(landed: str) -> str:
        return query(landed)["code"]

    with pytest.raises(CommandError, match="lacks device_id"):
        authorize("vk", "--workspace", workspace.slug, consent=vk_id_consents, paste=code_only)
    assert not Channel.objects.exists()
