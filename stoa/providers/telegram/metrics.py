"""What Telegram tells a bot of a channel's posts: their reaction counts, in updates it sends unasked.

Facts from https://core.telegram.org/bots/api (Update, MessageReactionCountUpdated, ReactionCount, ReactionType):
- Update.message_reaction_count: "Reactions to a message with anonymous reactions were changed. The bot must be an
  administrator in the chat and must explicitly specify "message_reaction_count" in the list of allowed_updates to
  receive these updates. The updates are grouped and can be sent with delay up to a few minutes." A channel's
  reactions are anonymous.
- MessageReactionCountUpdated {chat (Chat), message_id (Integer), date (Integer, Unix time of the change),
  reactions (Array of ReactionCount: the list of reactions present on the message)}.
- ReactionCount {type (ReactionType: "emoji", "custom_emoji" or "paid"), total_count (Integer)}.
There is no method to ask for them. The counts are totals at `date`, not increments: a post's reactions are the sum of
total_count, kept as its likes (on Telegram a reaction is what a like is elsewhere). An update that cannot be read
whole is refused and logged, so a series never holds part of one, and the rest of its page is read as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from stoa.providers.base import LIKES, PostCounts, metric_point

log = logging.getLogger("stoa.providers.telegram")
REACTION_COUNT = "message_reaction_count"  # the Update field, and its name in allowed_updates


def is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def changed_at(date: Any) -> datetime | None:
    """MessageReactionCountUpdated.date, Unix seconds; None for anything else (milliseconds overflow the calendar)."""
    if not is_count(date):
        return None
    try:
        return datetime.fromtimestamp(date, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def reaction_counts(update: Any, own_chat: Callable[[dict[str, Any]], bool]) -> PostCounts | None:
    """The reactions on one of the channel's posts, from one update; None for an update of another kind or another
    chat (the discussion group, another channel of the same bot), and for one that is garbage (logged)."""
    if not isinstance(update, dict) or REACTION_COUNT not in update:
        return None
    changed = update[REACTION_COUNT]
    if isinstance(changed, dict) and isinstance(changed.get("chat"), dict) and not own_chat(changed["chat"]):
        return None
    problem = garbage(changed)
    if problem:
        log.warning("Telegram update %s: reaction counts refused, nothing kept (%s)",
                    str(update.get("update_id"))[:20], problem)
        return None
    at = changed_at(changed["date"])
    assert at is not None  # garbage() said so
    total = sum(reaction["total_count"] for reaction in changed["reactions"])
    return PostCounts(str(changed["message_id"]), (metric_point("Telegram", LIKES, total, at),))


def garbage(changed: Any) -> str:
    """What makes a MessageReactionCountUpdated unreadable; "" when nothing does."""
    if not isinstance(changed, dict) or not isinstance(changed.get("chat"), dict):
        return "not a MessageReactionCountUpdated with its chat"
    if not is_count(changed.get("message_id")) or changed["message_id"] == 0:
        return f"message_id {str(changed.get('message_id'))[:40]!r}"
    if changed_at(changed.get("date")) is None:
        return f"date {str(changed.get('date'))[:40]!r}"
    reactions = changed.get("reactions")
    if not isinstance(reactions, list):
        return "no list of reactions"
    for reaction in reactions:
        if not isinstance(reaction, dict):
            return f"a reaction {str(reaction)[:40]!r} that is no ReactionCount"
        if not is_count(reaction.get("total_count")):
            return f"total_count {str(reaction.get('total_count'))[:40]!r} is not a count"
    return ""
