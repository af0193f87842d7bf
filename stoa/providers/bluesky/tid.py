"""Record keys Stoa chooses itself, so that a post whose answer was lost can be looked up.

A TID (https://atproto.com/specs/tid) is a 64-bit integer written as 13 characters of
base32-sortable (234567abcdefghijklmnopqrstuvwxyz): the top bit is 0, then 53 bits of microseconds
since the UNIX epoch, then a 10-bit "clock identifier". app.bsky.feed.post records are keyed by TID.

Stoa derives the TID from the publishing attempt instead of the clock and a random number: the
attempt's start time (plus the part's index, keeping a thread's posts in order) and a clock
identifier hashed from the attempt key. The same attempt always gives the same keys.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from stoa.providers.base import Attempt

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_tid(microseconds: int, clock_id: int) -> str:
    if not 0 <= microseconds < 2**53 or not 0 <= clock_id < 2**10:
        raise ValueError("a TID holds 53 bits of microseconds and a 10-bit clock identifier")
    value = (microseconds << 10) | clock_id
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def decode_tid(tid: str) -> tuple[int, int]:
    """(microseconds, clock identifier) of a TID."""
    value = 0
    for char in tid:
        value = value * 32 + ALPHABET.index(char)
    return value >> 10, value & 0x3FF


def attempt_rkeys(attempt: Attempt, count: int) -> list[str]:
    """The record keys of an attempt's posts: one for each part of the thread, in order."""
    started_at = attempt.started_at
    if started_at.tzinfo is None:  # the engine's times are aware; a naive one is taken as UTC
        started_at = started_at.replace(tzinfo=UTC)
    microseconds = (started_at - EPOCH) // timedelta(microseconds=1)
    digest = hashlib.sha256(attempt.key.encode("utf-8")).digest()
    clock_id = int.from_bytes(digest[:2], "big") & 0x3FF
    return [encode_tid(microseconds + index, clock_id) for index in range(count)]
