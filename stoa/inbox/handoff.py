"""Handing a message on, with its context, to the service that can solve it: a helpdesk or CRM by a signed
webhook, or by email; leads to sales. The reference the service answers is kept, and so is a failure."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from stoa import clock
from stoa.errors import ActionError
from stoa.inbox.answers import policy_of
from stoa.inbox.models import Handoff, HandoffState, Intent, Item
from stoa.providers.base import http_client
from stoa.workspaces.actions import audit

SIGNATURE_HEADER = "X-Stoa-Signature"  # "sha256=" + HMAC-SHA256 of "<timestamp>.<body>" with the shared secret
TIMESTAMP_HEADER = "X-Stoa-Timestamp"
REFERENCE_KEYS = ("reference", "id", "ticket_id", "lead_id", "key")


def context_of(item: Item, note: str, actor) -> dict:
    """What the service needs to act without opening Stoa."""
    return {
        "event": "stoa.inbox.handoff",
        "workspace": item.workspace.name,
        "message": {"id": item.pk, "kind": item.kind, "text": item.text, "url": item.remote_url,
                    "written_at": item.written_at.isoformat(), "language": item.language,
                    "sentiment": item.sentiment, "intent": item.intent},
        "author": {"name": item.author.name, "handle": item.author.handle, "profile_url": item.author.profile_url,
                   "network": item.channel.network},
        "channel": item.channel.name,
        "notes": [n.body for n in item.notes.all()],
        "replies": [{"text": r.text, "state": r.state} for r in item.replies.all()],
        "note": note,
        "handed_on_by": actor.get_username() if actor else "",
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def hand_off(actor, item: Item, note: str = "", http: httpx.Client | None = None) -> Handoff:
    """To sales for a lead when the policy names a sales address, else to the helpdesk webhook or address."""
    policy = policy_of(item.workspace_id)
    payload = context_of(item, note.strip(), actor)
    if item.intent == Intent.LEAD and policy.sales_email:
        handoff = _email(actor, item, policy.sales_email, payload)
    elif policy.handoff_url:
        handoff = _webhook(actor, item, policy.handoff_url, policy.handoff_secret, payload, http)
    elif policy.handoff_email:
        handoff = _email(actor, item, policy.handoff_email, payload)
    else:
        raise ActionError({"handoff": [_("Set where messages are handed on in the workspace's inbox policy.")]})
    audit(item.workspace_id, actor, "inbox.handoff", item, target=handoff.target, state=handoff.state)
    return handoff


def _webhook(actor, item: Item, url: str, secret: str, payload: dict, http: httpx.Client | None) -> Handoff:
    body = json.dumps(payload, ensure_ascii=False).encode()
    timestamp = str(int(clock.timestamp()))
    headers = {"Content-Type": "application/json", TIMESTAMP_HEADER: timestamp, "User-Agent": "Stoa"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, timestamp, body)
    client = http or http_client()
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as e:
        return Handoff.objects.create(item=item, actor=actor, target=url, state=HandoffState.FAILED,
                                      error=_("The service did not answer (%(error)s).") % {"error": type(e).__name__})
    if response.is_error:
        return Handoff.objects.create(item=item, actor=actor, target=url, state=HandoffState.FAILED,
                                      error=_("The service refused it (HTTP %(status)d).") % {
                                          "status": response.status_code})
    return Handoff.objects.create(item=item, actor=actor, target=url, state=HandoffState.SENT,
                                  reference=reference_in(response))


def reference_in(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        for key in REFERENCE_KEYS:
            if isinstance(body.get(key), str | int):
                return str(body[key])[:300]
    return ""


def _email(actor, item: Item, address: str, payload: dict) -> Handoff:
    lines = [f"{payload['author']['name']} ({payload['author']['handle']}, {payload['author']['network']}):",
             item.text, "", item.remote_url, "", *(f"- {n}" for n in payload["notes"]), payload["note"]]
    try:
        send_mail(f"[Stoa] {item.workspace.name}: {item.get_intent_display()} · {item.text[:60]}",
                  "\n".join(line for line in lines if line is not None), None, [address])
    except Exception as e:  # noqa: BLE001 - any mail failure is kept with the hand-off
        return Handoff.objects.create(item=item, actor=actor, target=address, state=HandoffState.FAILED,
                                      error=str(e)[:500])
    return Handoff.objects.create(item=item, actor=actor, target=address, state=HandoffState.SENT)
