"""The channels page: list, connect with the network's own check, rules, reconnect, disable. The Mastodon it connects
to by pasted token is the local one (mastodon-mock): the brand's token and Dana's are its seeded accounts'."""

import re

import pytest
from django.test import Client

from stoa.channels.models import Channel, ChannelStatus
from stoa.workspaces.models import AuditEvent
from tests.providers.mastodon_peer import BRAND_TOKEN, FAN_TOKEN

pytestmark = pytest.mark.mastodon_peer


@pytest.fixture
def channel(workspace, mastodon_peer) -> Channel:
    """The brand's account on the local Mastodon, connected."""
    return mastodon_peer.channel(workspace)


def as_user(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def alert(response) -> list[str]:
    """What the page says went wrong, line by line, as a person reads it."""
    html = response.content.decode()
    box = html[html.index('role="alert"'):]
    return re.findall(r"<p>(.*?)</p>", box[:box.index("</div>")])


def test_channels_page_highlights_a_channel_that_needs_reconnecting(owner, workspace, channel):
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT,
                                                 status_reason="The access token is invalid")
    page = as_user(owner).get(f"/channels/?workspace={workspace.slug}").content.decode()
    assert channel.name in page and 'class="needs_reconnect"' in page and "The access token is invalid" in page
    assert 'type="password" name="access_token"' in page and BRAND_TOKEN not in page


def test_connect_with_bad_credentials_shows_the_networks_error(owner, workspace, mastodon_peer):
    response = as_user(owner).post("/channels/connect/", {
        "workspace": workspace.slug, "network": "mastodon", "instance_url": mastodon_peer.url,
        "access_token": "stolen-token"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Mastodon rejected the access token (This method requires an authenticated user)" in html  # its words
    assert mastodon_peer.url in html and "stolen-token" not in html  # typed values back, secrets never
    assert not Channel.objects.exists()


def test_connect_with_good_credentials_keeps_them_encrypted(owner, workspace, mastodon_peer):
    response = as_user(owner).post("/channels/connect/", {
        "workspace": workspace.slug, "network": "mastodon", "instance_url": mastodon_peer.url,
        "access_token": BRAND_TOKEN, "min_gap_minutes": "30", "daily_max": "4"})
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert channel.credentials == {"access_token": BRAND_TOKEN} and BRAND_TOKEN not in channel.credentials_encrypted
    assert (channel.min_gap_minutes, channel.daily_max) == (30, 4)
    assert channel.config["instance_url"] == mastodon_peer.url


def test_missing_fields_and_bad_rules_are_refused(owner, workspace, mastodon_peer):
    c = as_user(owner)
    response = c.post("/channels/connect/", {"workspace": workspace.slug, "network": "telegram"})
    assert response.status_code == 422
    assert alert(response) == ["Channel: This field is required.", "Bot token: This field is required."]
    response = c.post("/channels/connect/", {"workspace": workspace.slug, "network": "mastodon",
                                             "instance_url": mastodon_peer.url, "access_token": BRAND_TOKEN,
                                             "min_gap_minutes": "soon"})
    assert response.status_code == 422 and not Channel.objects.exists()


def test_rules_reconnect_and_disable(owner, workspace, channel):
    c = as_user(owner)
    assert c.post(f"/channels/{channel.pk}/rules/", {"min_gap_minutes": "60", "daily_max": "3"}).status_code == 302
    assert c.post(f"/channels/{channel.pk}/rules/", {"min_gap_minutes": "-5", "daily_max": "3"}).status_code == 422
    channel.refresh_from_db()
    assert (channel.min_gap_minutes, channel.daily_max) == (60, 3)
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT)
    assert c.post(f"/channels/{channel.pk}/status/", {"status": "active"}).status_code == 422
    assert c.post(f"/channels/{channel.pk}/reconnect/", {"access_token": "nope"}).status_code == 422
    assert c.post(f"/channels/{channel.pk}/reconnect/", {"access_token": BRAND_TOKEN}).status_code == 302
    assert Channel.objects.get(pk=channel.pk).status == ChannelStatus.ACTIVE
    assert c.post(f"/channels/{channel.pk}/status/", {"status": "disabled"}).status_code == 302
    assert Channel.objects.get(pk=channel.pk).status == ChannelStatus.DISABLED
    assert AuditEvent.objects.filter(action="channel.reconnected").exists()


@pytest.mark.parametrize("role", ["content_editor", "analyst", "community_manager"])
def test_only_channel_managers_change_channels(role, member, workspace, channel, mastodon_peer):
    c = as_user(member(role))
    page = c.get(f"/channels/?workspace={workspace.slug}").content.decode()
    assert channel.name in page and "Connect a channel" not in page
    assert c.post(f"/channels/{channel.pk}/status/", {"status": "disabled"}).status_code == 403
    response = c.post("/channels/connect/", {"workspace": workspace.slug, "network": "mastodon",
                                             "instance_url": mastodon_peer.url, "access_token": FAN_TOKEN})
    assert response.status_code == 403
    assert Channel.objects.get().status == ChannelStatus.ACTIVE and Channel.objects.count() == 1


def test_client_does_not_see_channels(member, workspace, channel):
    assert as_user(member("client")).get(f"/channels/?workspace={workspace.slug}").status_code == 403


def test_stranger_gets_404(stranger, workspace, channel):
    c = as_user(stranger)
    assert c.get(f"/channels/?workspace={workspace.slug}").status_code == 404
    assert c.post(f"/channels/{channel.pk}/rules/", {"min_gap_minutes": "1", "daily_max": "1"}).status_code == 404
    assert c.post(f"/channels/{channel.pk}/reconnect/", {"access_token": BRAND_TOKEN}).status_code == 404
    assert c.post(f"/channels/{channel.pk}/status/", {"status": "disabled"}).status_code == 404
    assert c.post("/channels/connect/", {"workspace": workspace.slug, "network": "mastodon"}).status_code == 404
    assert Channel.objects.get().min_gap_minutes == 0


def test_every_networks_form_has_its_labels_and_help(owner, workspace):
    page = as_user(owner).get(f"/channels/?workspace={workspace.slug}").content.decode()
    for label in ("Server", "Handle", "App password", "Access token", "Channel", "Bot token", "Bot API server"):
        assert f">{label}</label>" in page
    assert "Like name.bsky.social, or the account&#x27;s email." in page
    assert 'id="connect-bluesky-identifier"' in page and 'id="connect-mastodon-instance_url"' in page


def test_the_networks_refusal_is_said_without_internal_names(owner, workspace, mastodon_peer):
    response = as_user(owner).post("/channels/connect/", {
        "workspace": workspace.slug, "network": "mastodon", "instance_url": mastodon_peer.url,
        "access_token": "stolen-token"})
    [said] = alert(response)
    assert "Mastodon rejected the access token" in said and "credentials:" not in said and "access_token" not in said


def test_reconnect_form_shows_the_settings_in_use_but_no_secret(owner, workspace, channel, mastodon_peer):
    page = as_user(owner).get(f"/channels/?workspace={workspace.slug}").content.decode()
    form = page[page.index(f'action="/channels/{channel.pk}/reconnect/"'):]
    form = form[:form.index("</form>")]
    assert f'value="{mastodon_peer.url}"' in form and 'type="password" name="access_token"' in form
    assert BRAND_TOKEN not in form


def test_reconnect_with_another_accounts_token_is_refused(owner, workspace, channel, mastodon_peer):
    Channel.objects.filter(pk=channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT)
    response = as_user(owner).post(f"/channels/{channel.pk}/reconnect/", {
        "instance_url": mastodon_peer.url, "access_token": FAN_TOKEN})
    assert response.status_code == 422
    assert "These credentials are for @dana@" in response.content.decode()
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT and channel.credentials == {"access_token": BRAND_TOKEN}


def test_reconnect_without_a_required_setting_names_it(owner, workspace, channel):
    response = as_user(owner).post(f"/channels/{channel.pk}/reconnect/", {"instance_url": "", "access_token": "x"})
    assert response.status_code == 422
    assert "Server: This field is required." in response.content.decode()


def test_the_channels_page_and_the_api_refuse_negative_posting_rules_in_the_same_words(owner, workspace, channel,
                                                                                       mastodon_peer):
    """Both read the rules through stoa/channels/forms.py (RulesForm): setting them and connecting with them."""
    import html

    from stoa.workspaces.models import ApiToken

    words = "Posting rules cannot be negative (0 means no rule)."
    page = as_user(owner).post(f"/channels/{channel.pk}/rules/", {"min_gap_minutes": "-5", "daily_max": "3"})
    assert page.status_code == 422 and words in html.unescape(page.content.decode())
    connect_page = as_user(owner).post("/channels/connect/", {
        "workspace": workspace.slug, "network": "mastodon", "instance_url": mastodon_peer.url,
        "access_token": FAN_TOKEN, "daily_max": "-1"})
    assert connect_page.status_code == 422 and f"Posts per day at most: {words}" in alert(connect_page)

    _, token = ApiToken.issue(owner, "tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    rules = api.patch(f"/api/v1/channels/{channel.pk}", {"min_gap_minutes": -5, "daily_max": 3},
                      content_type="application/json")
    assert rules.status_code == 422 and rules.json()["detail"] == [{"field": "min_gap_minutes", "message": words}]
    connect = api.post(f"/api/v1/workspaces/{workspace.pk}/channels", {
        "network": "mastodon", "config": {"instance_url": mastodon_peer.url},
        "credentials": {"access_token": FAN_TOKEN}, "daily_max": -1}, content_type="application/json")
    assert connect.status_code == 422 and connect.json()["detail"] == [{"field": "daily_max", "message": words}]
    channel.refresh_from_db()
    assert (channel.min_gap_minutes, channel.daily_max, Channel.objects.count()) == (0, 0, 1)
