"""What people write to a brand on Mastodon, from the account's notifications and from search.

Facts from docs.joinmastodon.org:
- GET /api/v1/notifications {types[], min_id, limit (max 80)} -> [Notification {id, type, created_at,
  account, status?}]; "min_id: returns results immediately newer than this ID". A reply to one of the
  brand's statuses is a "mention" notification too, since a reply mentions the author.
- Status {id, created_at, in_reply_to_id, in_reply_to_account_id, visibility, content (HTML), url,
  account}; visibility "direct" is a private message to the people it mentions.
- GET /api/v1/accounts/relationships {id[]} -> [Relationship {id, followed_by, ...}].
- GET /api/v2/search {q, type "statuses", min_id, limit (max 40)} -> {accounts, statuses, hashtags}.
- GET /api/v1/timelines/tag/:hashtag {min_id, limit (max 40)} -> [Status].
- GET /api/v1/trends/tags {limit (max 20)} -> [Tag {name, url, history: [{day, uses, accounts}]}], the history's
  figures written as strings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any

from stoa import clock
from stoa.providers.base import Incoming, Person, TrendingTag, parse_time
from stoa.providers.mastodon.text import text_of_html

NOTIFICATIONS_PAGE = 40
SEARCH_PAGE = 40
TAG_PAGE = 40
TRENDS_PAGE = 20
STREAM_SILENCE_SECONDS = 90  # the server sends a heartbeat every few seconds; this much silence is a dead stream


def server_sent_events(lines: Iterable[str], stop: threading.Event) -> Iterator[tuple[str, str]]:
    """(event, data) of each event in a text/event-stream, as the HTML standard defines its lines."""
    event = "message"
    data: list[str] = []
    for line in lines:
        if stop.is_set():
            return
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith(":"):
            continue  # a comment: Mastodon's heartbeat
        else:
            name, _sep, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)


def person(account: Any, follows: dict[str, bool]) -> Person | None:
    if not isinstance(account, dict) or not isinstance(account.get("id"), str):
        return None
    return Person(account["id"], handle=f"@{account.get('acct') or account.get('username') or ''}",
                  name=str(account.get("display_name") or account.get("username") or ""),
                  avatar_url=str(account.get("avatar") or ""), profile_url=str(account.get("url") or ""),
                  follows_brand=follows.get(account["id"]))


def incoming(status: Any, brand_account_id: str, follows: dict[str, bool], kind: str | None = None) -> Incoming | None:
    """A message from a Status; None for anything that is not a status Stoa can read."""
    if not isinstance(status, dict) or not isinstance(status.get("id"), str):
        return None
    author = person(status.get("account"), follows)
    if author is None:
        return None
    answering_brand = status.get("in_reply_to_account_id") == brand_account_id and status.get("in_reply_to_id")
    if kind is None:
        kind = "message" if status.get("visibility") == "direct" else "comment" if answering_brand else "mention"
    parent = str(status.get("in_reply_to_id") or "")
    return Incoming(
        remote_id=status["id"], kind=kind, text=text_of_html(str(status.get("content") or "")).strip(), author=author,
        written_at=parse_time(status.get("created_at")) or clock.now(), url=str(status.get("url") or ""),
        parent_remote_id=parent, root_remote_id=parent if answering_brand else "")


def newest_id(ids: list[str], position: str) -> str:
    """Mastodon's ids are numbers in strings, growing with time."""
    numeric = [int(i) for i in ids if i.isdigit()] + ([int(position)] if position.isdigit() else [])
    return str(max(numeric)) if numeric else position


def deleted(status_id: str) -> Incoming:
    """A status its author deleted: marks the message if Stoa has it, and keeps nothing new."""
    return Incoming(remote_id=status_id, kind="comment", text="", author=Person(""), written_at=clock.now(),
                    deleted=True)


def trending_tag(tag: Any) -> TrendingTag | None:
    """A Tag of the trends with its newest day's figures (by the day's value, whatever order the server lists)."""
    if not isinstance(tag, dict) or not isinstance(tag.get("name"), str):
        return None
    history = [day for day in tag.get("history") or [] if isinstance(day, dict)]
    newest = max(history, key=lambda day: whole(day.get("day")), default={})
    return TrendingTag(tag["name"], str(tag.get("url") or ""), whole(newest.get("uses")), whole(newest.get("accounts")))


def whole(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
