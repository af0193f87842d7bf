"""Handing a message to the service that can solve it: a signed webhook to a helpdesk running here, or
email; the reference it answers is kept, and so is a failure."""

import json

import pytest
from django.core import mail

from stoa.errors import ActionError
from stoa.inbox.answers import add_note
from stoa.inbox.handoff import SIGNATURE_HEADER, TIMESTAMP_HEADER, hand_off, sign
from stoa.inbox.models import HandoffState, Item, Policy
from tests.local_http import JSONHandler, serving
from tests.providers.test_bluesky import closed_port_url


class Helpdesk(JSONHandler):
    """A helpdesk on loopback: it opens a ticket only for a correctly signed request."""

    secret = "shared-secret"
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = sign(self.secret, self.headers[TIMESTAMP_HEADER], body)
        if self.headers.get(SIGNATURE_HEADER) != expected:
            return self.answer(401, {"error": "bad signature"})
        Helpdesk.received.append(json.loads(body))
        self.answer(201, {"id": "HD-1042"})


@pytest.fixture
def helpdesk():
    Helpdesk.received = []
    with serving(Helpdesk) as url:
        yield url + "/tickets"


def policy(item, **fields) -> Policy:
    p, _ = Policy.objects.get_or_create(workspace=item.workspace)
    for name, value in fields.items():
        setattr(p, name, value)
    p.save()
    return p


def test_a_signed_handoff_opens_a_ticket_with_the_whole_context(item, owner, helpdesk):
    policy(item, handoff_url=helpdesk, handoff_secret="shared-secret")
    add_note(owner, item, "Order 4521, paid by card")
    handoff = hand_off(owner, item, "Refund please")
    assert (handoff.state, handoff.reference) == (HandoffState.SENT, "HD-1042")
    sent = Helpdesk.received[0]
    assert sent["message"]["text"] == item.text and sent["author"]["name"] == "Dana"
    assert sent["notes"] == ["Order 4521, paid by card"] and sent["note"] == "Refund please"
    assert "shared-secret" not in Policy.objects.get().handoff_secret_encrypted


def test_a_wrong_secret_is_refused_by_the_service_and_the_failure_kept(item, owner, helpdesk):
    policy(item, handoff_url=helpdesk, handoff_secret="not-the-shared-one")
    handoff = hand_off(owner, item)
    assert handoff.state == HandoffState.FAILED and "401" in handoff.error and not Helpdesk.received


def test_an_unreachable_service_is_a_failure_with_its_reason(item, owner):
    policy(item, handoff_url=closed_port_url() + "/tickets")
    handoff = hand_off(owner, item)
    assert handoff.state == HandoffState.FAILED and "did not answer" in handoff.error
    assert Item.objects.get().handoffs.count() == 1


def test_leads_go_to_sales_by_email_and_others_to_the_helpdesk_address(item, owner):
    policy(item, handoff_email="support@kafe.example", sales_email="sales@kafe.example")
    hand_off(owner, item)
    Item.objects.filter(pk=item.pk).update(intent="lead")
    item.refresh_from_db()
    hand_off(owner, item)
    assert [m.to for m in mail.outbox] == [["support@kafe.example"], ["sales@kafe.example"]]
    assert item.text in mail.outbox[0].body


def test_without_a_destination_the_policy_is_named(item, owner):
    with pytest.raises(ActionError, match="inbox policy"):
        hand_off(owner, item)
