"""What VK says of comments and community messages, as Stoa's Incoming messages: read by polling (wall.getComments)
and pushed by the Callback API. The shapes are those of VK's schema of version 5.199 (github.com/VKCOM/vk-api-schema):
a comment is wall/objects.json wall_wall_comment (id, from_id, post_id, owner_id, date in unixtime, text,
reply_to_comment, thread.items; https://dev.vk.com/en/reference/objects/comment); a Callback API call is
callback/objects.json callback_base (type, group_id, event_id, v, secret) with its object: wall_reply_new and
wall_reply_edit carry a comment, wall_reply_delete {owner_id, id, user_id, post_id} (callback_wall_comment_delete),
message_new {message, client_info} whose message is a messages_message (id, date, peer_id, from_id, text)
(https://dev.vk.com/en/api/callback/getting-started).

Names: a comment is "<owner_id>_<comment id>" (comment ids are the wall's own), its post "<owner_id>_<post id>" as
Stoa names published posts; a community message is "message<id>" in the conversation "<peer_id>".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stoa.providers.base import ErrorKind, Incoming, Person, ProviderError

COMMENT_EVENTS = ("wall_reply_new", "wall_reply_edit", "wall_reply_restore")
DELETED_COMMENT = "wall_reply_delete"
MESSAGE = "message_new"
CONFIRMATION = "confirmation"
EVENTS = (*COMMENT_EVENTS, DELETED_COMMENT, MESSAGE)  # what Stoa asks groups.setCallbackSettings to send


def whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def at(value: Any) -> datetime | None:
    moment = whole(value)
    return datetime.fromtimestamp(moment, UTC) if moment is not None else None


def author(from_id: int) -> Person:
    """A user (a positive id) or a community (a negative one), as vk.com addresses them."""
    handle = f"id{from_id}" if from_id > 0 else f"club{-from_id}"
    return Person(remote_id=str(from_id), handle=handle, profile_url=f"https://vk.com/{handle}")


def comment_url(owner_id: int, post_id: int, comment_id: int) -> str:
    return f"https://vk.com/wall{owner_id}_{post_id}?reply={comment_id}"


def comment(item: Any, *, edited: bool = False) -> Incoming | None:
    """A comment under one of the community's posts; None for what is not one."""
    if not isinstance(item, dict):
        return None
    ids = [whole(item.get(name)) for name in ("id", "owner_id", "post_id", "from_id")]
    written_at = at(item.get("date"))
    if any(value is None for value in ids) or written_at is None:
        return None
    comment_id, owner_id, post_id, from_id = (value for value in ids if value is not None)
    parent = whole(item.get("reply_to_comment"))
    post = f"{owner_id}_{post_id}"
    return Incoming(remote_id=f"{owner_id}_{comment_id}", kind="comment", text=str(item.get("text") or ""),
                    author=author(from_id), written_at=written_at, url=comment_url(owner_id, post_id, comment_id),
                    parent_remote_id=f"{owner_id}_{parent}" if parent else post, root_remote_id=post,
                    edited=edited)


def deleted_comment(item: Any, now: datetime) -> Incoming | None:
    if not isinstance(item, dict):
        return None
    owner_id, comment_id, post_id = (whole(item.get(name)) for name in ("owner_id", "id", "post_id"))
    if owner_id is None or comment_id is None or post_id is None:
        return None
    return Incoming(remote_id=f"{owner_id}_{comment_id}", kind="comment", text="",
                    author=author(whole(item.get("user_id")) or owner_id), written_at=now,
                    root_remote_id=f"{owner_id}_{post_id}", deleted=True)


def message(item: Any) -> Incoming | None:
    """A person's message to the community (message_new's object.message)."""
    found = item.get("message") if isinstance(item, dict) else None
    if not isinstance(found, dict):
        return None
    message_id, peer_id, from_id = (whole(found.get(name)) for name in ("id", "peer_id", "from_id"))
    written_at = at(found.get("date"))
    if message_id is None or peer_id is None or from_id is None or written_at is None:
        return None
    return Incoming(remote_id=f"message{message_id}", kind="message", text=str(found.get("text") or ""),
                    author=author(from_id), written_at=written_at, root_remote_id=str(peer_id))


def pushed(body: dict[str, Any], group_id: int, now: datetime) -> tuple[Incoming, ...]:
    """The messages of one Callback API call for this community: none for an event Stoa does not read (VK sends only
    those asked for, but a setting changed in the community's page may add more); ProviderError(PERMANENT) for a
    call that is no Callback API event, or is another community's."""
    kind, of = body.get("type"), whole(body.get("group_id"))
    if not isinstance(kind, str) or of is None:
        raise ProviderError("This is not a call of VK's Callback API.", ErrorKind.PERMANENT)
    if of != group_id:
        raise ProviderError(f"This Callback API call is for community {of}, not this channel's.", ErrorKind.PERMANENT)
    item = body.get("object")
    if kind in COMMENT_EVENTS:
        found = comment(item, edited=kind != "wall_reply_new")
    elif kind == DELETED_COMMENT:
        found = deleted_comment(item, now)
    elif kind == MESSAGE:
        found = message(item)
    else:
        return ()
    if found is None:
        raise ProviderError(f"VK's {kind} call does not carry the object VK documents.", ErrorKind.PERMANENT)
    return (found,)


def comments_in_thread(item: dict[str, Any]) -> list[Any]:
    """A comment and the replies wall.getComments gave in its thread (thread.items, with thread_items_count)."""
    thread = item.get("thread")
    replies = thread.get("items") if isinstance(thread, dict) else None
    return [item, *(replies if isinstance(replies, list) else [])]
