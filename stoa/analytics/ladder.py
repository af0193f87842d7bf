"""When a post's counts are read: often while it is young and its counts move, then less and less.

1 hour, 6 hours, 1 day, 3 days, 7 days and 30 days after it was published, then every 30 days. A read that comes
late (workers were down, the budget was spent) reads once and goes on to the next rung still ahead: missed rungs are
not read one after another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

LADDER = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=3), timedelta(days=7),
          timedelta(days=30))
THEN_EVERY = timedelta(days=30)


def first_read(published_at: datetime) -> datetime:
    return published_at + LADDER[0]


def next_read(published_at: datetime, after: datetime) -> datetime:
    """The first rung of the ladder later than `after`."""
    for step in LADDER:
        if published_at + step > after:
            return published_at + step
    last = published_at + LADDER[-1]
    return last + ((after - last) // THEN_EVERY + 1) * THEN_EVERY
