"""`stoa channel authorize`: connecting by OAuth 2.0 from the command line, against the local peers. The command
prints the network's consent page; the person allows Stoa in a browser and pastes back the address the browser
landed on (or only its code); the same state and PKCE checks as the channels page decide what is connected."""

from io import StringIO
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from stoa.channels.models import Channel, OAuthApp

pytest_plugins = ["tests.providers.mastodon_peer", "tests.providers.oauth_server"]

TEST_APP = {"oauthtest": {"client_id": "stoa-test", "client_secret": "test-secret"}}


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


class Person:
    """At the terminal: reads the consent page's address the command printed, answers on it as `consent` does,
    and types back `paste(address the browser landed on)`."""

    def __init__(self, out: StringIO, consent, paste=lambda landed: landed):
        self.out, self.consent, self.paste = out, consent, paste
        self.asked = ""

    def isatty(self) -> bool:
        return False

    def readline(self) -> str:
        self.asked = next(line for line in self.out.getvalue().splitlines() if line.startswith("http"))
        return self.paste(self.consent(self.asked)) + "\n"


def authorize(*args: str, consent, paste=lambda landed: landed) -> tuple[str, Person]:
    out = StringIO()
    person = Person(out, consent, paste)
    call_command("channel", "--user", "olga", "authorize", *args, stdout=out, stdin=person)
    return out.getvalue(), person


def on_mastodon(peer, username: str = "kafeyafo"):
    def consent(authorize_url: str) -> str:
        asked = query(authorize_url)
        answer = httpx.post(f"{peer.url}/oauth/authorize", data={
            "username": username, "client_id": asked["client_id"], "redirect_uri": asked["redirect_uri"],
            "state": asked["state"]})
        return answer.headers["location"]
    return consent


def on_the_test_network(authorize_url: str) -> str:
    """The strict server consents at once: its authorize page redirects back with the code."""
    return httpx.get(authorize_url).headers["location"]


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_an_owner_connects_mastodon_from_the_command_line(workspace, mastodon_peer):
    output, person = authorize("mastodon", "--workspace", workspace.slug, "--instance", mastodon_peer.url,
                               consent=on_mastodon(mastodon_peer))

    assert person.asked.startswith(f"{mastodon_peer.url}/oauth/authorize?")
    assert query(person.asked)["code_challenge_method"] == "S256"
    channel = Channel.objects.get()
    assert f"Connected channel {channel.pk}: @kafeyafo@" in output
    assert channel.config["client_id"] == OAuthApp.objects.get(server=mastodon_peer.url).client_id
    assert channel.provider().connect().remote_id == mastodon_peer.brand_id


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=TEST_APP)
def test_the_code_alone_connects_only_the_pages_named_with_target(workspace, oauth_network_env):
    oauth, _api = oauth_network_env
    exchanged = oauth.stats()["exchanges"]
    output, _person = authorize("oauthtest", "--workspace", workspace.slug, "--target", "page-2",
                                consent=on_the_test_network, paste=lambda landed: query(landed)["code"])

    channel = Channel.objects.get()
    assert (channel.name, channel.config["page_id"]) == ("Test page two", "page-2")
    assert "Connected channel" in output and oauth.stats()["exchanges"] == exchanged + 1


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=TEST_APP)
def test_a_target_the_grant_does_not_give_is_named_and_nothing_is_connected(workspace, oauth_network_env):
    with pytest.raises(CommandError, match=r"--target page-9: not in this authorization, which gives Test page one "
                                           r"\(page-1\), Test page two \(page-2\)"):
        authorize("oauthtest", "--workspace", workspace.slug, "--target", "page-9", consent=on_the_test_network)
    assert not Channel.objects.exists()


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=TEST_APP)
def test_an_answer_with_another_state_is_refused_and_its_code_never_exchanged(workspace, oauth_network_env):
    oauth, _api = oauth_network_env
    exchanged = oauth.stats()["exchanges"]

    def forged(landed: str) -> str:
        return landed.replace(query(landed)["state"], "cli." + "x" * 43)

    with pytest.raises(CommandError, match="does not belong to a connection started"):
        authorize("oauthtest", "--workspace", workspace.slug, consent=on_the_test_network, paste=forged)
    assert oauth.stats()["exchanges"] == exchanged and not Channel.objects.exists()


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_denied_consent_is_said_on_the_command_line(workspace, mastodon_peer):
    def deny(authorize_url: str) -> str:
        return f"{query(authorize_url)['redirect_uri']}?error=access_denied&state={query(authorize_url)['state']}"

    with pytest.raises(CommandError, match="You did not allow Stoa on Mastodon, so nothing was connected."):
        authorize("mastodon", "--workspace", workspace.slug, "--instance", mastodon_peer.url, consent=deny)
    assert not Channel.objects.exists()


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=TEST_APP)
def test_the_browser_landing_on_stoa_is_shown_the_address_to_paste_and_nothing_else_happens(
        workspace, oauth_network_env):
    landed = {}

    def consent_and_land(authorize_url: str) -> str:
        landed["address"] = on_the_test_network(authorize_url)
        answer = urlsplit(landed["address"])
        landed["local"] = f"{answer.path}?{answer.query}"
        landed["page"] = Client().get(landed["local"])  # no one is logged in in that browser
        return landed["address"]

    authorize("oauthtest", "--workspace", workspace.slug, consent=consent_and_land)
    page = landed["page"]
    assert page.status_code == 200 and "Back to the command line" in page.content.decode()
    assert landed["local"].replace("&", "&amp;") + '"' in page.content.decode()  # the address, to copy
    assert Channel.objects.count() == 2  # the command, not the page, connected (both pages: no --target)


def test_the_channels_page_still_needs_a_login_for_its_own_answers(client):
    answer = client.get(reverse("channel-oauth-callback", args=["oauthtest"]), {"code": "c", "state": "s"})
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
