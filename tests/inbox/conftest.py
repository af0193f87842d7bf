"""What the inbox tests share: one message, on a Bluesky channel whose server nothing answers."""

import pytest

from stoa.inbox.actions import ingest
from stoa.inbox.models import Item
from stoa.providers.base import Person
from tests.inbox.test_ingest import ByFirstWord, message


@pytest.fixture
def item(workspace):
    from stoa.channels.models import Channel
    from tests.providers.test_bluesky import closed_port_url

    channel = Channel(workspace=workspace, network="bluesky", name="Kafe Yafo",
                      config={"pds_url": closed_port_url()})  # nothing answers there
    channel.credentials = {"identifier": "kafe.test", "app_password": "app-password"}
    channel.save()
    ingest(channel, [message(1, "complaint: ההזמנה לא הגיעה", author=Person("did:plc:dana", "dana.test", "Dana"))],
           ByFirstWord())
    return Item.objects.get()
