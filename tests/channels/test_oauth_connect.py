"""Connecting channels by OAuth 2.0 on the channels page, step by step, against real local peers: Mastodon
(mastodon-mock, where Stoa registers its app on the server the person names) and the strict OAuth 2.0 server with the
test network (where the deployment's app comes from the environment or the administrator's page). Every refusal says
what happened and creates nothing."""

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from stoa import clock
from stoa.channels import credentials
from stoa.channels.models import Channel, ChannelStatus, OAuthApp
from stoa.channels.oauth import ANSWER_WITHIN, redirect_uri
from stoa.providers import oauth2
from stoa.workspaces.models import AuditEvent, Membership, Role

pytest_plugins = ["tests.providers.mastodon_peer", "tests.providers.oauth_server"]

TEST_APP = {"oauthtest": {"client_id": "stoa-test", "client_secret": "test-secret"}}


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def local(url: str) -> str:
    """The path and query of an address on Stoa, for the test client."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def browser(client: Client, owner) -> Client:
    client.force_login(owner)
    return client


def start_mastodon(client: Client, workspace, server: str) -> str:
    """Press "Connect with Mastodon": the address of the server's consent page."""
    response = client.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "mastodon",
                                                          "server": server})
    assert response.status_code == 302, response.content
    return response["Location"]


def consent_on_mastodon(peer, authorize_url: str, username: str = "kafeyafo") -> str:
    """The person picks their account on the server's consent page: the address it sends them back to."""
    asked = query(authorize_url)
    answer = httpx.post(f"{peer.url}/oauth/authorize", data={
        "username": username, "client_id": asked["client_id"], "redirect_uri": asked["redirect_uri"],
        "state": asked["state"]})
    assert answer.status_code == 302
    return local(answer.headers["location"])


def page_text(response) -> str:
    return response.content.decode()


# -- Mastodon ----------------------------------------------------------------------------------------------------


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_an_owner_connects_mastodon_by_signing_in_on_the_server_they_name(browser, workspace, owner, mastodon_peer):
    authorize_url = start_mastodon(browser, workspace, mastodon_peer.url)

    asked = query(authorize_url)
    assert authorize_url.startswith(f"{mastodon_peer.url}/oauth/authorize?")
    assert (asked["response_type"], asked["scope"], asked["code_challenge_method"]) == ("code", "read write", "S256")
    assert asked["redirect_uri"] == redirect_uri("mastodon") and len(asked["state"]) >= 32
    app = OAuthApp.objects.get(network="mastodon", server=mastodon_peer.url)
    assert app.client_id == asked["client_id"] and app.client_secret
    assert app.client_secret not in app.client_secret_encrypted  # encrypted at rest

    chooser = browser.get(consent_on_mastodon(mastodon_peer, authorize_url))
    assert chooser.status_code == 302 and not Channel.objects.exists()  # nothing is made before the choice
    page = browser.get(chooser["Location"])
    assert "@kafeyafo@" in page_text(page)

    done = browser.post(chooser["Location"], {"targets": [mastodon_peer.brand_id], "workspace": workspace.slug},
                        follow=True)
    channel = Channel.objects.get()
    assert "Connected: @kafeyafo@" in page_text(done)
    assert (channel.workspace, channel.network, channel.config["account_id"]) == (workspace, "mastodon",
                                                                                 mastodon_peer.brand_id)
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.refresh == "" and grant.expires_at is None  # Mastodon: no refresh, no expiry
    assert channel.config["client_id"] == app.client_id and channel.credentials["client_secret"] == app.client_secret
    assert channel.provider().connect().remote_id == mastodon_peer.brand_id  # the token works on the server
    assert AuditEvent.objects.filter(action="channel.connected", object_id=channel.pk, actor=owner).exists()


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_stoa_registers_its_app_once_per_server_and_reuses_it(browser, workspace, mastodon_peer):
    first = query(start_mastodon(browser, workspace, mastodon_peer.url))
    second = query(start_mastodon(browser, workspace, mastodon_peer.url + "/"))
    assert first["client_id"] == second["client_id"] and first["state"] != second["state"]
    assert OAuthApp.objects.count() == 1


UNKNOWN_CLIENT = {"error": "invalid_client", "error_description": "Client authentication failed due to unknown "
                  "client, no client authentication included, or unsupported authentication method."}


def forget_stoa_s_app(peer, how: str) -> None:
    """The server no longer knows the app Stoa registered there."""
    if how == "data lost":
        peer.reset()  # the mock's data starts again from its seed: the registered app is gone
    else:  # as Mastodon answers for an unknown client (the mock's token endpoint does not check the client)
        peer.fault({"type": "status", "status": 401, "body": UNKNOWN_CLIENT}, path="/oauth/token")


@pytest.mark.mastodon_peer
@pytest.mark.django_db
@pytest.mark.parametrize("how", ["data lost", "client refused"])
def test_a_server_that_forgot_stoa_s_app_gets_it_registered_again_and_the_person_connects(
        browser, workspace, mastodon_peer, how):
    forgotten = query(start_mastodon(browser, workspace, mastodon_peer.url))["client_id"]
    forget_stoa_s_app(mastodon_peer, how)

    authorize_url = start_mastodon(browser, workspace, mastodon_peer.url)
    registered = query(authorize_url)["client_id"]
    assert registered != forgotten
    assert list(OAuthApp.objects.values_list("client_id", flat=True)) == [registered]
    chooser = browser.get(consent_on_mastodon(mastodon_peer, authorize_url))
    browser.post(chooser["Location"], {"targets": [mastodon_peer.brand_id], "workspace": workspace.slug})
    channel = Channel.objects.get()
    assert channel.config["client_id"] == registered and channel.provider().connect().remote_id == (
        mastodon_peer.brand_id)


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_a_server_that_forgets_stoa_s_app_during_consent_says_start_again_and_the_next_start_registers_anew(
        browser, workspace, mastodon_peer):
    authorize_url = start_mastodon(browser, workspace, mastodon_peer.url)
    callback = consent_on_mastodon(mastodon_peer, authorize_url)
    forget_stoa_s_app(mastodon_peer, "client refused")

    back = browser.get(callback, follow=True)
    assert (f"{mastodon_peer.url} no longer knows the app Stoa registered there, so nothing was connected. Start "
            "again: Stoa registers itself there anew.") in page_text(back)
    assert not Channel.objects.exists() and not OAuthApp.objects.exists()
    again = query(start_mastodon(browser, workspace, mastodon_peer.url))
    assert again["client_id"] != query(authorize_url)["client_id"] and OAuthApp.objects.count() == 1


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_a_server_answering_badly_while_its_app_is_checked_still_gets_the_person_to_its_consent_page(
        browser, workspace, mastodon_peer):
    first = query(start_mastodon(browser, workspace, mastodon_peer.url))
    mastodon_peer.fault({"type": "status", "status": 503}, path="/oauth/token")
    assert query(start_mastodon(browser, workspace, mastodon_peer.url))["client_id"] == first["client_id"]


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_denied_consent_says_so_and_creates_nothing(browser, workspace, mastodon_peer):
    asked = query(start_mastodon(browser, workspace, mastodon_peer.url))
    back = browser.get(reverse("channel-oauth-callback", args=["mastodon"]), {
        "error": "access_denied", "error_description": "The resource owner denied the request.",
        "state": asked["state"]}, follow=True)
    assert "You did not allow Stoa on Mastodon, so nothing was connected." in page_text(back)
    assert back.redirect_chain[-1][0] == f"{reverse('channels')}?workspace={workspace.slug}"
    assert not Channel.objects.exists()


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_an_answer_for_a_connection_not_started_here_is_refused(browser, workspace, mastodon_peer):
    authorize_url = start_mastodon(browser, workspace, mastodon_peer.url)
    forged = consent_on_mastodon(mastodon_peer, authorize_url).replace(query(authorize_url)["state"], "x" * 43)
    back = browser.get(forged, follow=True)
    assert "does not belong to a connection started in this browser" in page_text(back)
    assert not Channel.objects.exists()


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_a_stale_answer_is_refused(browser, workspace, mastodon_peer):
    authorize_url = start_mastodon(browser, workspace, mastodon_peer.url)
    callback = consent_on_mastodon(mastodon_peer, authorize_url)
    with time_machine.travel(clock.now() + ANSWER_WITHIN + ANSWER_WITHIN / 10):
        back = browser.get(callback, follow=True)
    assert "has expired. Nothing was connected; start again." in page_text(back)
    assert not Channel.objects.exists()


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_an_answer_is_used_once(browser, workspace, mastodon_peer):
    callback = consent_on_mastodon(mastodon_peer, start_mastodon(browser, workspace, mastodon_peer.url))
    chooser = browser.get(callback)
    again = browser.get(callback, follow=True)
    assert "was used already: each one connects once." in page_text(again)
    browser.post(chooser["Location"], {"targets": [mastodon_peer.brand_id], "workspace": workspace.slug})
    assert Channel.objects.count() == 1
    used = browser.post(chooser["Location"], {"targets": [mastodon_peer.brand_id], "workspace": workspace.slug},
                        follow=True)
    assert "This connection is over or has expired." in page_text(used) and Channel.objects.count() == 1


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_a_network_error_while_exchanging_the_code_says_so_and_creates_nothing(browser, workspace, mastodon_peer):
    callback = consent_on_mastodon(mastodon_peer, start_mastodon(browser, workspace, mastodon_peer.url))
    mastodon_peer.fault({"type": "status", "status": 503}, path="/oauth/token")
    back = browser.get(callback, follow=True)
    assert "Mastodon could not complete the connection: Mastodon had a server error (503" in page_text(back)
    assert not Channel.objects.exists()


@pytest.mark.django_db
def test_a_server_that_cannot_be_reached_is_said_at_start(browser, workspace):
    response = browser.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "mastodon",
                                                           "server": "http://127.0.0.1:9"}, follow=True)
    assert "Stoa could not register itself on http://127.0.0.1:9: Could not reach Mastodon" in page_text(response)
    assert not OAuthApp.objects.exists()


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_reconnecting_signs_in_again_and_keeps_the_channel(browser, workspace, mastodon_peer):
    chooser = browser.get(consent_on_mastodon(mastodon_peer, start_mastodon(browser, workspace, mastodon_peer.url)))
    browser.post(chooser["Location"], {"targets": [mastodon_peer.brand_id], "workspace": workspace.slug})
    channel = Channel.objects.get()
    old_token, read_before = channel.credentials["access_token"], credentials.load(channel)
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT, status_reason="Revoked.",
                                                 min_gap_minutes=30)

    page = browser.get(f"{reverse('channels')}?workspace={workspace.slug}")
    assert reverse("channel-reauthorize", args=[channel.pk]) in page_text(page)
    again = browser.post(reverse("channel-reauthorize", args=[channel.pk]))
    assert query(again["Location"])["client_id"] == channel.config["client_id"]
    done = browser.get(consent_on_mastodon(mastodon_peer, again["Location"]), follow=True)

    assert f"{channel.name} is connected again." in page_text(done)
    channel.refresh_from_db()
    assert (Channel.objects.count(), channel.status, channel.min_gap_minutes) == (1, ChannelStatus.ACTIVE, 30)
    assert channel.credentials["access_token"] != old_token
    # A worker that read the old token before cannot write it back over the new grant.
    assert not credentials.save(channel, read_before.credentials, read_before.version)
    assert Channel.objects.get().credentials["access_token"] == channel.credentials["access_token"]


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_reconnecting_with_another_account_is_refused(browser, workspace, mastodon_peer):
    chooser = browser.get(consent_on_mastodon(mastodon_peer, start_mastodon(browser, workspace, mastodon_peer.url)))
    browser.post(chooser["Location"], {"targets": [mastodon_peer.brand_id], "workspace": workspace.slug})
    channel = Channel.objects.get()
    before = channel.credentials

    again = browser.post(reverse("channel-reauthorize", args=[channel.pk]))
    done = browser.get(consent_on_mastodon(mastodon_peer, again["Location"], username="dana"), follow=True)

    assert "This authorization is for @dana@" in page_text(done) and "not for @kafeyafo@" in page_text(done)
    channel.refresh_from_db()
    assert channel.credentials == before


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_an_account_connected_already_in_the_workspace_is_not_connected_twice(browser, workspace, mastodon_peer):
    for expected in (201, 422):
        chooser = browser.get(consent_on_mastodon(mastodon_peer, start_mastodon(browser, workspace,
                                                                                mastodon_peer.url)))
        done = browser.post(chooser["Location"], {"targets": [mastodon_peer.brand_id], "workspace": workspace.slug})
        assert done.status_code == (302 if expected == 201 else 422)
    assert "is a channel of this workspace already: reconnect it there instead." in page_text(done)
    assert Channel.objects.count() == 1


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_only_people_who_manage_channels_start_a_connection(client, workspace, member, stranger, mastodon_peer):
    client.force_login(member("content_editor"))
    form = {"workspace": workspace.slug, "network": "mastodon", "server": mastodon_peer.url}
    assert client.post(reverse("channel-authorize"), form).status_code == 403
    client.force_login(stranger)
    assert client.post(reverse("channel-authorize"), form).status_code == 404
    assert not OAuthApp.objects.exists()


@pytest.mark.mastodon_peer
@pytest.mark.django_db
def test_starting_a_connection_needs_the_page_s_csrf_token(owner, workspace, mastodon_peer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    response = client.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "mastodon",
                                                          "server": mastodon_peer.url})
    assert response.status_code == 403 and not OAuthApp.objects.exists()


# -- A network whose app the deployment registers (the strict OAuth 2.0 server) --------------------------------


def start_test_network(client: Client, workspace) -> str:
    response = client.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "oauthtest"})
    assert response.status_code == 302, response.content
    return response["Location"]


def consent_on_test_network(authorize_url: str) -> str:
    """The strict server consents at once: its authorize page redirects back with the code."""
    answer = httpx.get(authorize_url)
    assert answer.status_code == 302
    return local(answer.headers["location"])


@pytest.mark.django_db
def test_a_network_without_an_app_shows_owners_what_to_register_not_a_button(browser, workspace):
    page = page_text(browser.get(f"{reverse('channels')}?workspace={workspace.slug}"))
    assert "OAuth test network is not set up for this Stoa yet" in page
    assert redirect_uri("oauthtest") in page and "STOA_OAUTH_OAUTHTEST_CLIENT_ID" in page
    assert "Connect with OAuth test network" not in page and "Connect with Mastodon" in page
    refused = browser.post(reverse("channel-authorize"), {"workspace": workspace.slug, "network": "oauthtest"},
                           follow=True)
    assert "OAuth test network is not set up for connecting yet" in page_text(refused)


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=TEST_APP)
def test_one_grant_gives_several_pages_and_the_owner_chooses_which_become_channels(browser, workspace,
                                                                                  oauth_network_env):
    oauth, api = oauth_network_env
    exchanged = oauth.stats()["exchanges"]
    authorize_url = start_test_network(browser, workspace)
    asked = query(authorize_url)
    assert (asked["client_id"], asked["code_challenge_method"]) == ("stoa-test", "S256")

    callback = consent_on_test_network(authorize_url)
    chooser = browser.get(callback)
    page = page_text(browser.get(chooser["Location"]))
    assert "Test page one" in page and "Test page two" in page
    assert "was used already" in page_text(browser.get(callback, follow=True))  # the code is not sent again
    browser.post(chooser["Location"], {"targets": ["page-2"], "workspace": workspace.slug})

    assert oauth.stats()["exchanges"] == exchanged + 1
    channel = Channel.objects.get()
    assert (channel.name, channel.config["page_id"], channel.config["client_id"]) == ("Test page two", "page-2",
                                                                                     "stoa-test")
    grant = oauth2.grant_from_credentials(channel.credentials)
    assert grant and grant.refresh and grant.expires_at and grant.expires_at > clock.now()
    assert channel.credentials["client_secret"] == "test-secret"
    assert channel.provider().connect().remote_id == "page-2"  # the grant works on the network's API


@pytest.mark.django_db
def test_an_administrator_sets_up_the_deployment_s_app_and_owners_can_connect(client, owner, workspace,
                                                                             oauth_network_env):
    client.force_login(owner)
    assert client.get(reverse("channel-oauth-apps")).status_code == 403  # an owner of a workspace is no admin
    owner.is_superuser = True
    owner.save()
    page = page_text(client.get(reverse("channel-oauth-apps")))
    assert "OAuth test network" in page and redirect_uri("oauthtest") in page and "Mastodon" not in page.split(
        "<h2>")[-1]

    client.post(reverse("channel-oauth-apps"), {"network": "oauthtest", "client_id": "stoa-test",
                                                "client_secret": "s3cret"})
    app = OAuthApp.objects.get(network="oauthtest", server="")
    assert (app.client_id, app.client_secret) == ("stoa-test", "s3cret") and "s3cret" not in app.client_secret_encrypted
    client.post(reverse("channel-oauth-apps"), {"network": "oauthtest", "client_id": "stoa-test", "client_secret": ""})
    assert OAuthApp.objects.get(pk=app.pk).client_secret == "s3cret"  # a blank secret keeps the saved one

    chooser = client.get(consent_on_test_network(start_test_network(client, workspace)))
    client.post(chooser["Location"], {"targets": ["page-1"], "workspace": workspace.slug})
    assert Channel.objects.get().credentials["client_secret"] == "s3cret"


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=TEST_APP)
def test_a_person_who_may_no_longer_manage_channels_gets_nothing_and_the_code_is_not_exchanged(
        client, workspace, member, oauth_network_env):
    oauth, _api = oauth_network_env
    manager = member("manager")
    client.force_login(manager)
    callback = consent_on_test_network(start_test_network(client, workspace))
    exchanged = oauth.stats()["exchanges"]
    Membership.objects.filter(user=manager, workspace=workspace).update(role=Role.CONTENT_EDITOR)

    assert client.get(callback).status_code == 403
    assert oauth.stats()["exchanges"] == exchanged and not Channel.objects.exists()


@pytest.mark.django_db
@override_settings(STOA_OAUTH_APPS=TEST_APP)
def test_an_app_set_up_in_the_environment_is_shown_so_and_not_editable_on_the_page(client, owner, workspace):
    owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    assert reverse("channel-oauth-apps") in page_text(client.get(f"{reverse('channels')}?workspace={workspace.slug}"))
    page = page_text(client.get(reverse("channel-oauth-apps")))
    assert "Set up in the environment (STOA_OAUTH_OAUTHTEST_CLIENT_ID); change it there." in page
    assert 'id="app-oauthtest-client_id"' not in page
