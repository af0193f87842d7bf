"""What people write to a brand on Telegram: comments in the channel's discussion group and private
messages to the bot, from Update objects (getUpdates, or the webhook).

Facts from https://core.telegram.org/bots/api (Update, Message, MessageOriginChannel):
- Update {update_id, message?, edited_message?, ...}; Message {message_id, from?, chat, date (Unix time),
  text?, caption?, reply_to_message?, is_automatic_forward?, forward_origin?}.
- A channel post is copied into its linked discussion group as a message with is_automatic_forward
  and forward_origin {type: "channel", chat, message_id}; comments on the post reply to that copy.
- A chat's type is "private" for a person writing to the bot.
Each message is known as "<chat id>:<message id>", which is also what a reply needs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from stoa import clock
from stoa.providers.base import Incoming, Person
from stoa.providers.telegram.metrics import REACTION_COUNT

# What Stoa asks Telegram for (getUpdates' and setWebhook's allowed_updates): messages, and the reaction counts of
# the channel's posts (stoa.providers.telegram.metrics).
UPDATES = ("message", "edited_message", REACTION_COUNT)


def message_key(chat_id: Any, message_id: Any) -> str:
    return f"{chat_id}:{message_id}"


def person(user: Any) -> Person | None:
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        return None
    username = str(user.get("username") or "")
    name = " ".join(str(user[k]) for k in ("first_name", "last_name") if user.get(k))
    return Person(str(user["id"]), handle=f"@{username}" if username else "", name=name,
                  profile_url=f"https://t.me/{username}" if username else "")


def channel_post_answered(reply_to: Any) -> str:
    """The channel post's message id (as Stoa keeps it for a publication) that a comment answers."""
    if not isinstance(reply_to, dict) or not reply_to.get("is_automatic_forward"):
        return ""
    origin = reply_to.get("forward_origin")
    if isinstance(origin, dict) and origin.get("type") == "channel" and isinstance(origin.get("message_id"), int):
        return str(origin["message_id"])
    return ""


def sent_at(date: Any) -> datetime:
    """Message.date, Unix seconds. Anything else (an imitation of the Bot API writes milliseconds, far past the
    year 9999) is read as "now" rather than losing the message or the page it came in."""
    try:
        return datetime.fromtimestamp(date, UTC) if isinstance(date, int) else clock.now()
    except (OverflowError, OSError, ValueError):
        return clock.now()


def incoming(update: Any, bot_id: int | None) -> Incoming | None:
    """A message to the brand from one update (a new one, or a new version of one); None for anything else
    (the bot's own messages, the channel's posts copied into the group, updates of other kinds)."""
    if not isinstance(update, dict):
        return None
    edited = "edited_message" in update
    message = update.get("edited_message") if edited else update.get("message")
    if not isinstance(message, dict) or message.get("is_automatic_forward"):
        return None
    chat, author = message.get("chat"), person(message.get("from"))
    if not isinstance(chat, dict) or author is None or not isinstance(message.get("message_id"), int):
        return None
    if bot_id is not None and author.remote_id == str(bot_id):
        return None
    reply_to = message.get("reply_to_message")
    text = message.get("text") if isinstance(message.get("text"), str) else message.get("caption")
    return Incoming(
        remote_id=message_key(chat.get("id"), message["message_id"]),
        kind="message" if chat.get("type") == "private" else "comment",
        text=text if isinstance(text, str) else "",
        author=author,
        written_at=sent_at(message.get("date")),
        url=f"https://t.me/{chat['username']}/{message['message_id']}" if chat.get("username") else "",
        parent_remote_id=message_key(chat.get("id"), reply_to["message_id"])
        if isinstance(reply_to, dict) and isinstance(reply_to.get("message_id"), int) else "",
        root_remote_id=channel_post_answered(reply_to),
        edited=edited,
    )
