"""An owner connects channels by signing in on the network, in a real browser, through the channels page: on the local
Mastodon (mastodon-mock: Stoa registers itself on the server named, the person picks their account on its consent
page) and on the test network behind the strict OAuth 2.0 server (one grant, two pages, one chosen)."""

import pytest

from stoa.channels.models import Channel
from stoa.providers import oauth2
from tests.web.conftest import keep_screenshot, log_in

pytest_plugins = ["tests.providers.mastodon_peer", "tests.providers.oauth_server"]


@pytest.fixture
def stoa_at_live_server(live_server, settings):
    """The networks send the person back to the address Stoa says it is at: this test's server."""
    settings.SITE_URL = live_server.url
    return live_server


@pytest.mark.browser
@pytest.mark.mastodon_peer
@pytest.mark.django_db(transaction=True)
def test_an_owner_connects_mastodon_by_signing_in_on_their_server(page, stoa_at_live_server, owner, workspace,
                                                                  mastodon_peer, tmp_path):
    log_in(page, stoa_at_live_server.url, "olga", "pw-olga-123", f"/channels/?workspace={workspace.slug}")
    card = page.locator("#authorize-mastodon")
    card.get_by_label("Your server").fill(mastodon_peer.url)
    keep_screenshot(page, "channels-sign-in", tmp_path)
    card.get_by_role("button", name="Connect with Mastodon").click()

    page.wait_for_url(f"{mastodon_peer.url}/oauth/authorize?**")  # the server's own consent page
    page.get_by_role("button", name="@kafeyafo").click()

    page.get_by_role("heading", name="Connect Mastodon").wait_for(timeout=10000)
    account = page.get_by_role("checkbox", name="@kafeyafo@")
    assert account.is_checked()
    keep_screenshot(page, "channels-choose", tmp_path)
    page.get_by_role("button", name="Connect", exact=True).click()

    page.locator(".messages", has_text="Connected: @kafeyafo@").wait_for(timeout=10000)
    channel = Channel.objects.get()
    assert (channel.workspace, channel.config["account_id"]) == (workspace, mastodon_peer.brand_id)
    assert channel.provider().connect().remote_id == mastodon_peer.brand_id
    assert page.locator(f"#channel-{channel.pk}").get_by_role(
        "button", name="Reconnect by signing in on Mastodon").count() == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_owner_connects_one_of_two_pages_a_grant_gives_on_the_strict_oauth_network(
        page, stoa_at_live_server, settings, owner, workspace, oauth_network_env, tmp_path):
    settings.STOA_OAUTH_APPS = {"oauthtest": {"client_id": "stoa-test", "client_secret": "test-secret"}}
    oauth, _api = oauth_network_env
    exchanged = oauth.stats()["exchanges"]
    log_in(page, stoa_at_live_server.url, "olga", "pw-olga-123", f"/channels/?workspace={workspace.slug}")
    page.locator("#authorize-oauthtest").get_by_role("button", name="Connect with OAuth test network").click()

    # The strict server consents at once and sends the browser back with a code, exchanged once with the verifier.
    page.get_by_role("heading", name="Connect OAuth test network").wait_for(timeout=10000)
    page.get_by_role("checkbox", name="Test page one").uncheck()
    assert page.get_by_role("checkbox", name="Test page two").is_checked()
    page.get_by_role("button", name="Connect", exact=True).click()

    page.locator(".messages", has_text="Connected: Test page two.").wait_for(timeout=10000)
    channel = Channel.objects.get()
    assert channel.config["page_id"] == "page-2" and oauth.stats()["exchanges"] == exchanged + 1
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.refresh and grant.expires_at
