"""What people write to a brand on Bluesky, read from the AppView (through the PDS, which proxies app.bsky.*).

Facts from the lexicons (app.bsky.notification.listNotifications, app.bsky.feed.searchPosts,
app.bsky.feed.defs#postView, app.bsky.actor.defs#profileView):
- listNotifications {reasons?, limit 1..100, cursor?} -> {cursor?, notifications: [{uri, cid, author,
  reason, reasonSubject?, record, isRead, indexedAt}]}, newest first; reasons include "reply",
  "mention" and "quote" (and likes, reposts, follows, which are not messages).
- searchPosts {q, sort "top"|"latest", limit 1..100, cursor?} -> {cursor?, hitsTotal?, posts: [postView]},
  postView {uri, cid, author, record, indexedAt}.
- profileView {did, handle, displayName?, avatar?, viewer?: {following?, followedBy?}}: followedBy is
  set when that account follows the viewer, here the brand.
- A post record {text, createdAt, reply?: {root: {uri, cid}, parent: {uri, cid}}}.
The position kept between reads is the newest indexedAt seen; pages are read until they reach it.
"""

from __future__ import annotations

from typing import Any

from stoa import clock
from stoa.providers.base import Incoming, Person, parse_time

MESSAGE_REASONS = {"reply": "comment", "mention": "mention", "quote": "mention"}
# Direct messages live in Bluesky's chat service, reached through the PDS with this proxy header
# (chat.bsky.convo.getLog {cursor} -> {cursor, logs: [#logCreateMessage {convoId, message: #messageView
# {id, text, sender {did}, sentAt}}, #logDeleteMessage, ...]}; chat.bsky.convo.sendMessage {convoId,
# message {text}}). The app password must be allowed to read direct messages.
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
CREATED = "chat.bsky.convo.defs#logCreateMessage"
DELETED = "chat.bsky.convo.defs#logDeleteMessage"
MESSAGE_VIEW = "chat.bsky.convo.defs#messageView"
MAX_PAGES = 10  # per read; the rest waits for the next one (the position is not moved past it)


def person(author: Any) -> Person | None:
    if not isinstance(author, dict) or not isinstance(author.get("did"), str):
        return None
    handle = str(author.get("handle") or "")
    viewer = author.get("viewer") if isinstance(author.get("viewer"), dict) else {}
    return Person(author["did"], handle=handle, name=str(author.get("displayName") or ""),
                  avatar_url=str(author.get("avatar") or ""),
                  profile_url=f"https://bsky.app/profile/{handle or author['did']}",
                  follows_brand=bool(viewer.get("followedBy")) if viewer else None)


def incoming(uri: Any, record: Any, author: Any, indexed_at: str, kind: str) -> Incoming | None:
    """A message from a post's parts; None for anything that is not a post Stoa can read."""
    who = person(author)
    if not isinstance(uri, str) or not uri.startswith("at://") or not isinstance(record, dict) or who is None:
        return None
    reply = reply if isinstance(reply := record.get("reply"), dict) else {}
    return Incoming(
        remote_id=uri, kind=kind, text=text if isinstance(text := record.get("text"), str) else "",
        author=who, written_at=parse_time(record.get("createdAt")) or parse_time(indexed_at) or clock.now(),
        url=f"https://bsky.app/profile/{who.handle or who.remote_id}/post/{uri.rsplit('/', 1)[-1]}",
        parent_remote_id=ref_uri(reply.get("parent")), root_remote_id=ref_uri(reply.get("root")))


def ref_uri(ref: Any) -> str:
    return ref["uri"] if isinstance(ref, dict) and isinstance(ref.get("uri"), str) else ""


def message_key(convo_id: str, message_id: str) -> str:
    return f"{convo_id}:{message_id}"


def chat_message(log: dict[str, Any], people: dict[str, Person], brand_did: str) -> Incoming | None:
    """A direct message from a #logCreateMessage (or, marked deleted, a #logDeleteMessage) entry."""
    message = log.get("message") if isinstance(log.get("message"), dict) else None
    convo = log.get("convoId")
    if message is None or not isinstance(convo, str) or not isinstance(message.get("id"), str):
        return None
    sender = (message.get("sender") or {}).get("did") if isinstance(message.get("sender"), dict) else None
    if not isinstance(sender, str) or sender == brand_did:
        return None
    return Incoming(
        remote_id=message_key(convo, message["id"]), kind="message",
        text=message.get("text") if isinstance(message.get("text"), str) else "",
        author=people.get(sender) or Person(sender), written_at=parse_time(message.get("sentAt")) or clock.now(),
        deleted=log.get("$type") == DELETED or message.get("$type") != MESSAGE_VIEW)
