"""Stoa end to end on a real local AT Protocol network: connect, schedule, publish, survive a crash."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from stoa.channels.actions import connect_channel, reconnect_channel
from stoa.channels.models import Channel, ChannelStatus
from stoa.errors import ActionError
from stoa.posts.actions import draft_for
from stoa.posts.models import Publication, State
from stoa.publishing.engine import Engine
from tests.core.helpers import drain, make_due, reload, schedule

pytest_plugins = ["tests.providers.bluesky_network"]
pytestmark = [pytest.mark.bluesky, pytest.mark.usefixtures("publication_ids_of_their_own")]


@pytest.fixture
def bluesky_channel(bluesky_network, owner, workspace):
    bob = bluesky_network.accounts["bob"]
    return connect_channel(owner, workspace, "bluesky", {"pds_url": bluesky_network.pds_url},
                           {"identifier": bob.handle, "app_password": bob.app_password})


def test_connected_channel_keeps_credentials_encrypted(bluesky_channel, bluesky_network):
    bob = bluesky_network.accounts["bob"]
    assert bluesky_channel.config["did"] == bob.did
    assert bob.app_password not in bluesky_channel.credentials_encrypted
    assert bluesky_channel.credentials["app_password"] == bob.app_password


def test_scheduled_post_is_published_to_the_pds_with_facets(bluesky_network, bluesky_channel, owner, workspace):
    [publication] = schedule(owner, workspace, [bluesky_channel], text="חג שמח #יפו https://example.com")
    make_due(publication)

    drain()

    publication = reload(publication)
    assert publication.state == State.PUBLISHED, publication.last_error
    record = bluesky_network.get_record(publication.remote_id)["value"]
    assert record["text"] == "חג שמח #יפו https://example.com"
    features = [f["features"][0]["$type"] for f in record["facets"]]
    assert features == ["app.bsky.richtext.facet#tag", "app.bsky.richtext.facet#link"]


def test_post_is_not_published_twice_after_worker_crash(bluesky_network, bluesky_channel, owner, workspace):
    bob = bluesky_network.accounts["bob"]
    before = len(bluesky_network.list_posts(bob.did))
    [publication] = schedule(owner, workspace, [bluesky_channel], text="Καλή χρονιά")
    make_due(publication)
    claim = Engine(owner="crashed").claim_next()
    bluesky_channel.provider().publish(draft_for(claim.publication.variant), claim.attempt)  # never recorded
    Publication.objects.filter(pk=publication.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    survivor = Engine(owner="survivor")
    survivor.expire_leases()
    Publication.objects.filter(pk=publication.pk).update(reconcile_at=timezone.now())
    drain(survivor)

    assert reload(publication).state == State.PUBLISHED
    assert len(bluesky_network.list_posts(bob.did)) == before + 1


def test_crash_before_sending_is_reconciled_then_published_once(bluesky_network, bluesky_channel, owner,
                                                                workspace):
    bob = bluesky_network.accounts["bob"]
    before = len(bluesky_network.list_posts(bob.did))
    [publication] = schedule(owner, workspace, [bluesky_channel], text="سلام")
    make_due(publication)
    Engine(owner="crashed").claim_next()  # claimed, then died before sending
    Publication.objects.filter(pk=publication.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    survivor = Engine(owner="survivor")
    survivor.expire_leases()
    Publication.objects.filter(pk=publication.pk).update(reconcile_at=timezone.now())
    drain(survivor)

    publication = reload(publication)
    assert publication.state == State.PUBLISHED
    assert len(bluesky_network.list_posts(bob.did)) == before + 1


# -- Connecting as a person does: the channels page, the API's or the CLI's way of giving the handle ----


def test_channels_page_connects_with_server_handle_and_app_password(bluesky_network, owner, workspace, client):
    bob = bluesky_network.accounts["bob"]
    client.force_login(owner)
    response = client.post("/channels/connect/", {
        "workspace": workspace.slug, "network": "bluesky", "pds_url": bluesky_network.pds_url,
        "identifier": f"@{bob.handle}", "app_password": bob.app_password, "name": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get()
    assert (channel.name, channel.config["did"], channel.config["pds_url"]) == (bob.handle, bob.did,
                                                                                 bluesky_network.pds_url)
    assert "identifier" not in channel.config and channel.credentials["identifier"] == f"@{bob.handle}"
    assert bob.app_password not in channel.credentials_encrypted


def test_wrong_app_password_on_the_page_says_what_bluesky_answered(bluesky_network, owner, workspace, client):
    bob = bluesky_network.accounts["bob"]
    client.force_login(owner)
    response = client.post("/channels/connect/", {
        "workspace": workspace.slug, "network": "bluesky", "pds_url": bluesky_network.pds_url,
        "identifier": bob.handle, "app_password": "aaaa-bbbb-cccc-dddd"})
    html = response.content.decode()
    assert response.status_code == 422 and "Bluesky did not accept this handle and app password" in html
    assert "credentials:" not in html and "aaaa-bbbb-cccc-dddd" not in html
    assert f'value="{bob.handle}"' in html  # typed again for the person, the password never
    assert not Channel.objects.exists()


@pytest.mark.parametrize("where", ["config", "credentials"])
def test_the_handle_is_taken_from_config_or_credentials(bluesky_network, owner, workspace, where):
    bob = bluesky_network.accounts["bob"]
    given = {"config": {"pds_url": bluesky_network.pds_url}, "credentials": {"app_password": bob.app_password}}
    given[where]["identifier"] = bob.handle
    channel = connect_channel(owner, workspace, "bluesky", given["config"], given["credentials"])
    assert channel.credentials["identifier"] == bob.handle and "identifier" not in channel.config


def test_reconnect_keeps_the_handle_and_takes_a_new_app_password(bluesky_network, bluesky_channel, owner, client):
    bob = bluesky_network.accounts["bob"]
    Channel.objects.filter(pk=bluesky_channel.pk).update(status=ChannelStatus.NEEDS_RECONNECT)
    client.force_login(owner)
    page = client.get(f"/channels/?workspace={bluesky_channel.workspace.slug}").content.decode()
    assert f'value="{bob.handle}"' in page and f'value="{bluesky_network.pds_url}"' in page

    response = client.post(f"/channels/{bluesky_channel.pk}/reconnect/", {"app_password": bob.app_password})

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(pk=bluesky_channel.pk)
    assert channel.status == ChannelStatus.ACTIVE and channel.credentials["identifier"] == bob.handle


def test_reconnect_with_another_account_is_refused(bluesky_network, bluesky_channel, owner):
    carol = bluesky_network.accounts["carol"]
    with pytest.raises(ActionError, match=f"These credentials are for {carol.handle}"):
        reconnect_channel(owner, bluesky_channel, {"identifier": carol.handle, "app_password": carol.app_password})
    assert Channel.objects.get(pk=bluesky_channel.pk).credentials["identifier"] == \
        bluesky_network.accounts["bob"].handle


def test_command_line_takes_the_handle_as_config_and_a_piped_app_password(bluesky_network, owner, workspace):
    bob = bluesky_network.accounts["bob"]
    out = StringIO()
    call_command("channel", "add", workspace.slug, "bluesky", "--user", "olga",
                 "--config", f"pds_url={bluesky_network.pds_url}", "--config", f"identifier={bob.handle}",
                 "--secret", "app_password=-", stdin=StringIO(f"{bob.app_password}\n"), stdout=out)
    channel = Channel.objects.get()
    assert f"Connected channel {channel.pk}: {bob.handle} (bluesky)." in out.getvalue()
    assert channel.credentials["identifier"] == bob.handle and channel.config["did"] == bob.did
