"""The inbox asks what a network can do: a network that can only search is still read, and a message is offered
"Hide on the network" only where the network can hide."""

import pytest

from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.inbox import answers
from stoa.inbox.models import Cursor, Item, Kind, Policy
from stoa.inbox.tasks import poll_inboxes
from stoa.providers.base import InboxPage, Limits, Provider
from stoa.providers.capabilities import Searches
from stoa.providers.registry import PROVIDERS
from tests.inbox.test_ingest import message


class Lookout(Provider, Searches):
    """A network Stoa can only search."""

    key = "lookout"
    name = "Lookout"
    limits = Limits(max_text=100)

    def search(self, query: str, position: str) -> InboxPage:
        n = int(position or 0) + 1
        return InboxPage((message(n, f"question: is {query} open today?", kind=Kind.SEARCH),), str(n))


class Billboard(Provider):
    """A network with nothing to read."""

    key = "billboard"
    name = "Billboard"
    limits = Limits(max_text=100)


@pytest.fixture
def networks(monkeypatch):
    monkeypatch.setitem(PROVIDERS, "lookout", f"{__name__}.Lookout")
    monkeypatch.setitem(PROVIDERS, "billboard", f"{__name__}.Billboard")


def channel(workspace, network: str, **config) -> Channel:
    made = Channel(workspace=workspace, network=network, name=f"Kafe Yafo on {network}", config=config)
    made.credentials = {}
    made.save()
    return made


def test_a_network_that_can_only_search_is_still_read(networks, workspace):
    lookout = channel(workspace, "lookout", search_terms=["Kafe Yafo"])
    channel(workspace, "billboard")
    assert poll_inboxes.call_local() == 1
    [found] = Item.objects.all()
    assert (found.channel, found.kind, found.text) == (lookout, Kind.SEARCH, "question: is Kafe Yafo open today?")
    assert Cursor.objects.get(channel=lookout).stream == "search:Kafe Yafo"
    assert Cursor.objects.get(channel=lookout).position == "1"


def hide_offered(client, item) -> bool:
    return 'value="hide"' in client.get(f"/inbox/{item.pk}/").content.decode()


def test_hiding_is_offered_only_where_the_network_can_hide(client, owner, item):
    Policy.objects.update_or_create(workspace=item.workspace, defaults={"hiding_allowed": True})
    client.force_login(owner)
    assert hide_offered(client, item)  # Bluesky hides replies
    Channel.objects.filter(pk=item.channel_id).update(network="mastodon")
    item.refresh_from_db()
    assert not hide_offered(client, item)
    with pytest.raises(ActionError, match="Mastodon offers no way to hide a reply"):
        answers.hide(owner, item, "abusive")
    assert Item.objects.get().hidden_reason == ""


def test_a_network_that_cannot_answer_offers_no_reply_form_and_says_why(networks, client, owner, workspace):
    lookout = channel(workspace, "lookout", search_terms=["Kafe Yafo"])
    poll_inboxes.call_local()
    found = Item.objects.get(channel=lookout)
    client.force_login(owner)
    page = client.get(f"/inbox/{found.pk}/").content.decode()
    assert 'value="reply"' not in page
    assert "Stoa cannot answer on Lookout yet." in page
    with pytest.raises(ActionError, match="Stoa cannot answer on Lookout yet"):
        answers.send_reply(owner, found, "Yes, until 22:00.")
