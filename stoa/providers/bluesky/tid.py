"""Record keys Stoa chooses itself, so that a post whose answer was lost can be looked up.

A TID (https://atproto.com/specs/tid) is a 64-bit integer written as 13 characters of
base32-sortable (234567abcdefghijklmnopqrstuvwxyz): the top bit is 0, then 53 bits of microseconds
since the UNIX epoch, then a 10-bit "clock identifier". app.bsky.feed.post records are keyed by TID.

Stoa derives the TID from the attempt instead of the clock and a random number, and makes it
unique by construction rather than by luck (a 10-bit hash collides once in 1,024 attempts that
start in the same microsecond, which a batch of claims does):
- microseconds: the second the attempt started, then, as the six digits below the second, the
  publication's id modulo 100,000 and the attempt's number modulo 10;
- clock identifier: the part of the thread (0 for the post itself), so a thread's keys sort in order.
Two attempts get the same keys only if they start in the same second on publications whose ids
are 100,000 apart, or on one publication ten attempts apart: neither happens in one database.
The same attempt always gives the same keys, and reconcile() still checks the record's content.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from stoa.providers.base import Attempt, aware

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_PARTS = 2**10  # one clock identifier per part of a thread


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
    if count > MAX_PARTS:
        raise ValueError(f"a thread of more than {MAX_PARTS} posts")
    second = (aware(attempt.started_at) - EPOCH) // timedelta(seconds=1)
    microseconds = second * 1_000_000 + (attempt.publication_id % 100_000) * 10 + attempt.number % 10
    return [encode_tid(microseconds, part) for part in range(count)]


def legacy_attempt_rkeys(attempt: Attempt, count: int) -> list[str]:
    """The keys Stoa chose before December 2026 (start time plus a 10-bit hash of the key): an
    attempt left unknown across the upgrade is looked up under these too."""
    microseconds = (aware(attempt.started_at) - EPOCH) // timedelta(microseconds=1)
    clock_id = int.from_bytes(hashlib.sha256(attempt.key.encode("utf-8")).digest()[:2], "big") & 0x3FF
    return [encode_tid(microseconds + index, clock_id) for index in range(count)]
