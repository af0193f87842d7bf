"""Comments, replies and messages to an Instagram professional account, as Incoming, from what the API reads and what
Meta's webhooks push.

Sources:
- COMMENT: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment (fields
  from {id, username}, id, parent_id, replies, text, timestamp, username).
- WEBHOOKS: https://developers.facebook.com/docs/instagram-platform/webhooks ({"object": "instagram", "entry": [{"id":
  <the professional account's id>, "time", "changes": [{"field": "comments", "value": {"from": {"id", "username"},
  "media": {"id", "media_product_type"}, "id", "parent_id", "text"}}], "messaging": [...]}]}); the examples page
  (https://developers.facebook.com/docs/instagram-platform/webhooks/examples) shows Business Login's comment with
  "field" and "value" on the entry itself.
- MESSAGING: https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/messaging-api
  (a "messages" event: {"sender": {"id"}, "recipient": {"id"}, "timestamp" in milliseconds, "message": {"mid", "text",
  "is_echo" for what the account itself sent, "is_deleted"}}).
- MENTIONS: https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/mentions (on
  graph.instagram.com, with instagram_business_basic and instagram_business_manage_comments: GET /<IG_ID>/tags, "the
  media objects in which a Business or Creator Account has been tagged", and the webhook's comment ids looked up
  there; mentioned_comment and mentioned_media are listed for Facebook Login only). TAGS:
  https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/tags (IG Media
  objects; "Private IG Media objects will not be returned"). The webhook field "mentions" is one of Instagram
  Login's (https://developers.facebook.com/documentation/instagram-platform/webhooks/fields); its value names the
  media (media_id) and, for a comment, the comment (comment_id): "The ID is included in the Webhook notification
  payload" (ig-user/mentioned_media, ig-user/mentions). No example of the value's JSON was found in the documentation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stoa.providers.base import ErrorKind, Incoming, Person, ProviderError
from stoa.providers.meta.graph import graph_time

COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id"
TAGGED_FIELDS = "id,caption,permalink,timestamp,username"  # IG Media fields; username is the media's author
PROFILE = "https://www.instagram.com/{username}/"


def author(given: Any, username: Any = "") -> Person | None:
    """The person a comment's `from` names; None when the answer names nobody."""
    given = given if isinstance(given, dict) else {}
    handle = str(given.get("username") or username or "")
    remote_id = str(given.get("id") or "") or handle
    if not remote_id:
        return None
    return Person(remote_id=remote_id, handle=handle, profile_url=PROFILE.format(username=handle) if handle else "")


def comment(item: dict[str, Any], media_id: str, *, written_at: datetime | None = None) -> Incoming | None:
    """One comment or reply under the brand's media; None for an answer without an id, an author or a time."""
    person = author(item.get("from"), item.get("username"))
    at = graph_time(item.get("timestamp")) or written_at
    if not item.get("id") or person is None or at is None:
        return None
    return Incoming(remote_id=str(item["id"]), kind="comment", text=str(item.get("text") or ""), author=person,
                    written_at=at, parent_remote_id=str(item.get("parent_id") or media_id),
                    root_remote_id=media_id)


def comments_with_replies(items: list[dict[str, Any]], media_id: str) -> list[Incoming]:
    """A media's comments and the replies under each (the `replies` edge: {"data": [...]})."""
    found = []
    for item in items:
        found.append(comment(item, media_id))
        replies = item.get("replies")
        for reply in (replies.get("data") if isinstance(replies, dict) else None) or []:
            if isinstance(reply, dict):
                found.append(comment({"parent_id": item.get("id"), **reply}, media_id))
    return [incoming for incoming in found if incoming is not None]


def tagged(media: Any, account_id: str) -> Incoming | None:
    """A medium the account is tagged or mentioned in (TAGS) as a mention: its caption, author, time and address; None
    for the account's own media or an answer without an id, an author or a time."""
    if not isinstance(media, dict) or not media.get("id"):
        return None
    person, at = author(None, media.get("username")), graph_time(media.get("timestamp"))
    if person is None or person.remote_id == account_id or at is None:
        return None
    return Incoming(remote_id=str(media["id"]), kind="mention", text=str(media.get("caption") or ""), author=person,
                    written_at=at, url=str(media.get("permalink") or ""), root_remote_id=str(media["id"]))


def mentioned_media(entries: Any) -> list[str]:
    """The media whose captions mention the account, as a call's "mentions" changes name them (value {"media_id"}), in
    their order, once each. A mention in a comment (value {"media_id", "comment_id"}) is left out: Instagram Login
    offers no way to read another account's comment (mentioned_comment is Facebook Login's), and the medium it is
    under is not what mentions the account."""
    found: list[str] = []
    for change in changes_of(entries):
        value = change.get("value") if change.get("field") == "mentions" else None
        if not isinstance(value, dict) or value.get("comment_id"):
            continue
        media_id = str(value.get("media_id") or "")
        if media_id and media_id not in found:
            found.append(media_id)
    return found


def changes_of(entries: Any) -> list[dict[str, Any]]:
    """Every change of an account's entries. The examples of Business Login's notifications put field and value on the
    entry itself; Meta's webhooks in general put them in changes[]. Both are read."""
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict):
            found += [change for change in entry.get("changes") or [] if isinstance(change, dict)]
            found += [entry] if "field" in entry else []
    return found


def accounts_in(body: Any) -> dict[str, list[dict[str, Any]]]:
    """A webhook call's entries by the professional account they concern."""
    if not isinstance(body, dict) or body.get("object") != "instagram" or not isinstance(body.get("entry"), list):
        raise ProviderError("This call is not one of Instagram's webhooks (object instagram, with entries).",
                            ErrorKind.PERMANENT)
    parts: dict[str, list[dict[str, Any]]] = {}
    for entry in body["entry"]:
        if isinstance(entry, dict) and entry.get("id"):
            parts.setdefault(str(entry["id"]), []).append(entry)
    return parts


def pushed_items(entries: Any, account_id: str) -> list[Incoming]:
    """What one account's entries carry: comments (field "comments") and direct messages (messaging)."""
    found: list[Incoming | None] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        at = unix_time(entry.get("time"), milliseconds=False)
        # The examples of Business Login's notifications put field and value on the entry itself; Meta's webhooks in
        # general put them in changes[]. Both are read.
        changes = (entry.get("changes") or []) + ([entry] if "field" in entry else [])
        for change in changes:
            if isinstance(change, dict) and change.get("field") == "comments" and isinstance(change.get("value"), dict):
                found.append(pushed_comment(change["value"], at, account_id))
        for event in entry.get("messaging") or []:
            if isinstance(event, dict):
                found.append(message(event, account_id))
    return [item for item in found if item is not None]


def pushed_comment(value: dict[str, Any], at: datetime | None, account_id: str) -> Incoming | None:
    media = value.get("media")
    media_id = str(media.get("id") or "") if isinstance(media, dict) else ""
    person = author(value.get("from"))
    if person is None or person.remote_id == account_id or not media_id:
        return None  # the brand's own comment, or nothing to answer under
    return comment(value, media_id, written_at=at)


def message(event: dict[str, Any], account_id: str) -> Incoming | None:
    """A direct message to the account; None for what the account sent itself (an echo) or a read receipt."""
    sent, sender = event.get("message"), event.get("sender")
    at = unix_time(event.get("timestamp"), milliseconds=True)
    if not isinstance(sent, dict) or not isinstance(sender, dict) or at is None:
        return None
    if sent.get("is_echo") or not sent.get("mid") or not sender.get("id"):
        return None
    if str(sender["id"]) == account_id:
        return None
    return Incoming(remote_id=str(sent["mid"]), kind="message", text=str(sent.get("text") or ""),
                    author=Person(remote_id=str(sender["id"])), written_at=at, root_remote_id=str(sender["id"]),
                    deleted=bool(sent.get("is_deleted")))


def listed_messages(conversation: Any) -> list[dict[str, Any]]:
    """A conversation's messages as GET /<conversation>?fields=messages lists them: {"messages": {"data": [...]}}."""
    messages = conversation.get("messages") if isinstance(conversation, dict) else None
    data = messages.get("data") if isinstance(messages, dict) else None
    return [item for item in data if isinstance(item, dict) and item.get("id")] if isinstance(data, list) else []


def read_message(details: Any, account_id: str) -> Incoming | None:
    """One message's details (fields id, created_time, from, to, message); None for the account's own, or garbage."""
    if not isinstance(details, dict) or not details.get("id"):
        return None
    person, at = author(details.get("from")), message_time(details.get("created_time"))
    if person is None or person.remote_id == account_id or at is None:
        return None
    return Incoming(remote_id=str(details["id"]), kind="message", text=str(details.get("message") or ""),
                    author=person, written_at=at, root_remote_id=person.remote_id)


def message_time(value: Any) -> datetime | None:
    """A conversation's or message's time: ISO 8601 as the Graph API writes times, or (as the page's placeholder
    reads) a Unix time."""
    return graph_time(value) or unix_time(value, milliseconds=False)


def unix_time(value: Any, *, milliseconds: bool) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000 if milliseconds else value, UTC)
