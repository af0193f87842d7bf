"""A network with no way to check an unknown outcome: a person decides, nothing is resent."""

import httpx
from django.utils import timezone

from stoa.channels.models import Channel
from stoa.posts.actions import resolve_unknown
from stoa.posts.models import Publication, State
from stoa.publishing.engine import Engine
from tests.core.helpers import drain, make_due, reload, schedule


def test_telegram_timeout_is_left_to_a_person_and_never_resent(owner, workspace):
    sent = []

    def bot_api(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path.rsplit("/", 1)[1])
        raise httpx.ReadTimeout("no answer", request=request)

    channel = Channel(workspace=workspace, network="telegram", name="Kafe channel",
                      config={"chat_id": "@kafeyafo", "username": "kafeyafo"})
    channel.credentials = {"bot_token": "123456:SECRET-token"}
    channel.save()
    [publication] = schedule(owner, workspace, [channel], text="<b>not bold</b> & שלום")
    make_due(publication)
    engine = Engine(owner="test", http=httpx.Client(transport=httpx.MockTransport(bot_api)))

    drain(engine)
    assert reload(publication).state == State.UNKNOWN
    Publication.objects.filter(pk=publication.pk).update(reconcile_at=timezone.now())
    drain(engine)

    publication = reload(publication)
    assert publication.state == State.UNKNOWN and publication.reconcile_at is None
    assert "mark it published or publish it again" in publication.last_error
    assert sent == ["sendMessage"], "sent once, never again without a person"
    assert "SECRET" not in publication.last_error

    resolve_unknown(owner, publication, published=True, url="https://t.me/kafeyafo/42")
    assert reload(publication).state == State.PUBLISHED
