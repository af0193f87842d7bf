"""A network that fetches media from a public address (Instagram, Threads, Facebook) is said to need one on its
connect card, before anyone connects it, while this Stoa has none."""

import pytest
from django.urls import reverse

from stoa.testing.oauth_network import OAuthTestProvider

SAID = "fetches pictures and videos from Stoa at a public address, and this Stoa has none"


@pytest.fixture
def fetching_network(monkeypatch, settings):
    settings.STOA_OAUTH_APPS = {"oauthtest": {"client_id": "stoa-test", "client_secret": "s"}}
    monkeypatch.setattr(OAuthTestProvider, "media_by_url", True)


def connect_card(client, owner, workspace) -> str:
    client.force_login(owner)
    page = client.get(f"{reverse('channels')}?workspace={workspace.slug}").content.decode()
    return page.split('id="authorize-oauthtest"')[1].split("</section>")[0]


def test_the_connect_card_says_media_need_a_public_address_while_there_is_none(client, owner, workspace, settings,
                                                                               fetching_network):
    settings.STOA_PUBLIC_BASE_URL = ""
    card = connect_card(client, owner, workspace)
    assert SAID in card and "STOA_PUBLIC_BASE_URL" in card and "text only" in card


def test_with_a_public_address_the_card_says_nothing_of_it(client, owner, workspace, settings, fetching_network):
    settings.STOA_PUBLIC_BASE_URL = "https://stoa.example.com"
    assert SAID not in connect_card(client, owner, workspace)


def test_a_network_that_takes_uploads_never_says_it(client, owner, workspace, settings):
    settings.STOA_OAUTH_APPS = {"oauthtest": {"client_id": "stoa-test", "client_secret": "s"}}
    settings.STOA_PUBLIC_BASE_URL = ""
    assert SAID not in connect_card(client, owner, workspace)
