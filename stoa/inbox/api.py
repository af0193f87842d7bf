"""The API's inbox: the messages people send the brand, answered, noted, assigned and handed off: /api/v1/inbox."""

from ninja import Query, Router, Status

from stoa.api.schemas import (
    ERRORS,
    MAX_ID,
    InboxAssignIn,
    InboxHandoffIn,
    InboxHandoffOut,
    InboxItemOut,
    InboxNoteIn,
    InboxReplyIn,
    InboxReplyOut,
    InboxStatusIn,
)
from stoa.errors import ActionError
from stoa.inbox.access import access_inbox_item
from stoa.inbox.actions import assign, set_status, take
from stoa.inbox.answers import add_note, refuse_delete, send_reply
from stoa.inbox.handoff import hand_off
from stoa.inbox.permissions import ANSWER_INBOX, VIEW_INBOX
from stoa.inbox.queries import VIEWS, filtered
from stoa.workspaces.access import access_workspace, workspaces_for

inbox = Router(tags=["inbox"])


def _item_out(item) -> dict:
    a = item.author
    return {"id": item.pk, "workspace_id": item.workspace_id, "channel_id": item.channel_id,
            "network": item.channel.network, "kind": item.kind, "text": item.text, "url": item.remote_url,
            "written_at": item.written_at,
            "author": {"name": a.name, "handle": a.handle, "profile_url": a.profile_url,
                       "follows_brand": a.follows_brand},
            "language": item.language, "sentiment": item.sentiment, "intent": item.intent, "status": item.status,
            "assigned_to": item.assigned_to.get_username() if item.assigned_to else None,
            "team": item.team.name if item.team else None, "first_response_due": item.first_response_due,
            "first_response_at": item.first_response_at, "deleted_on_network": item.deleted_on_network,
            "edited_at": item.edited_at, "earlier_texts": item.earlier_texts, "hidden_reason": item.hidden_reason}


@inbox.get("", response={200: list[InboxItemOut], **ERRORS})
def list_inbox(request, workspace_id: int | None = Query(None, ge=1, le=MAX_ID), view: str = "unanswered",
               channel: int | None = Query(None, ge=1, le=MAX_ID), language: str | None = None,
               kind: str | None = None):
    """The messages of a view (unanswered, mine, overdue, negative, leads, non_followers, done, all), most urgent
    first, at most 100."""
    if view not in VIEWS:
        raise ActionError({"view": [f"Choose one of {', '.join(VIEWS)}."]})
    ids = [access_workspace(request.auth, workspace_id, VIEW_INBOX).pk] if workspace_id else list(
        workspaces_for(request.auth, VIEW_INBOX).values_list("pk", flat=True))
    params = {"view": view, "channel": channel, "language": language, "kind": kind}
    return [_item_out(i) for i in filtered(request.auth, params, ids)[0][:100]]


@inbox.get("/{item_id}", response={200: InboxItemOut, **ERRORS})
def get_inbox_item(request, item_id: int):
    return _item_out(access_inbox_item(request.auth, item_id))


@inbox.post("/{item_id}/replies", response={201: InboxReplyOut, **ERRORS})
def reply_to(request, item_id: int, payload: InboxReplyIn):
    """Checked against the network's limits and the link policy, saved, then sent. A reply the network did not
    take is answered too, with state "failed" and the reason."""
    reply = send_reply(request.auth, access_inbox_item(request.auth, item_id, ANSWER_INBOX),
                       payload.text, confirmed=payload.confirmed)
    return Status(201, {"id": reply.pk, "text": reply.text, "state": reply.state, "error": reply.error,
                        "remote_url": reply.remote_url})


@inbox.post("/{item_id}/notes", response={201: dict, **ERRORS})
def note_on(request, item_id: int, payload: InboxNoteIn):
    note = add_note(request.auth, access_inbox_item(request.auth, item_id, ANSWER_INBOX), payload.body)
    return Status(201, {"id": note.pk, "body": note.body})


@inbox.post("/{item_id}/status", response={200: InboxItemOut, **ERRORS})
def set_inbox_status(request, item_id: int, payload: InboxStatusIn):
    item = access_inbox_item(request.auth, item_id, ANSWER_INBOX)
    return _item_out(set_status(request.auth, item, payload.status))


@inbox.post("/{item_id}/take", response={200: InboxItemOut, **ERRORS})
def take_item(request, item_id: int):
    return _item_out(take(request.auth, access_inbox_item(request.auth, item_id, ANSWER_INBOX)))


@inbox.post("/{item_id}/assign", response={200: InboxItemOut, **ERRORS})
def assign_item(request, item_id: int, payload: InboxAssignIn):
    item = access_inbox_item(request.auth, item_id, ANSWER_INBOX)
    return _item_out(assign(request.auth, item, user_id=payload.user_id, team_id=payload.team_id))


@inbox.post("/{item_id}/handoff", response={201: InboxHandoffOut, **ERRORS})
def hand_item_off(request, item_id: int, payload: InboxHandoffIn):
    handoff = hand_off(request.auth, access_inbox_item(request.auth, item_id, ANSWER_INBOX), payload.note)
    return Status(201, {"id": handoff.pk, "state": handoff.state, "target": handoff.target,
                        "reference": handoff.reference, "error": handoff.error})


@inbox.delete("/{item_id}", response={**ERRORS})
def delete_item(request, item_id: int):
    """Always refused: Stoa never deletes what people write to the brand."""
    refuse_delete(access_inbox_item(request.auth, item_id, ANSWER_INBOX))
