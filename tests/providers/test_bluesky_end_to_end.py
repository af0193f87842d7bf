"""Stoa end to end on a real local AT Protocol network: connect, schedule, publish, survive a crash."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stoa.channels.actions import connect_channel
from stoa.posts.actions import draft_for
from stoa.posts.models import Publication, State
from stoa.publishing.engine import Engine
from tests.core.helpers import drain, make_due, reload, schedule

pytest_plugins = ["tests.providers.bluesky_network"]
pytestmark = pytest.mark.bluesky


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
