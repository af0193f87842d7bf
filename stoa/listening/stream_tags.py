"""Bluesky's trends, counted from its event stream: the hashtags of every post the listening reader sees, per hour
(stoa.listening.trends tells which rise). Bluesky has no trends endpoint in the AT Protocol lexicons Stoa uses, so
this is how its trends are known.

An hour's long tail (tags used fewer than MIN_KEPT times) is dropped once the hour is over, and hours older than
two days are dropped, so the table holds a few thousand rows even on the whole network's stream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Sum

from stoa import clock
from stoa.listening.matching import words
from stoa.listening.models import Relay, StreamTag
from stoa.providers.base import Incoming

DAY = timedelta(days=1)
MIN_KEPT = 3  # uses in an hour for a tag to be kept once the hour is over
LONGEST_TAG = 100

TABLE = StreamTag._meta.db_table
RAISE = (f"INSERT INTO {TABLE} (relay_id, hour, tag, uses) VALUES (%s, %s, %s, %s)"
         " ON CONFLICT (relay_id, hour, tag) DO UPDATE SET uses = " + TABLE + ".uses + excluded.uses")


def this_hour() -> datetime:
    return clock.now().replace(minute=0, second=0, microsecond=0)


def count(relay: Relay, posts: Iterable[Incoming]) -> None:
    """Raise this hour's count of each hashtag in the posts (a tag once a post), and tidy up once an hour."""
    found: Counter[str] = Counter()
    for post in posts:
        found.update({w[1:] for w in words(post.text) if w.startswith("#") and 1 < len(w) <= LONGEST_TAG + 1})
    if not found:
        return
    hour = this_hour()
    if not StreamTag.objects.filter(relay=relay, hour=hour).exists():
        tidy(relay, hour)  # the first count of a new hour: the hours before are over
    with connection.cursor() as cursor:
        cursor.executemany(RAISE, [(relay.pk, connection.ops.adapt_datetimefield_value(hour), tag, n)
                                   for tag, n in found.items()])


def tidy(relay: Relay, hour: datetime) -> None:
    StreamTag.objects.filter(relay=relay, hour__lt=hour - 2 * DAY).delete()
    StreamTag.objects.filter(relay=relay, hour__lt=hour, uses__lt=MIN_KEPT).delete()


def uses(address: str, start: datetime, end: datetime) -> Counter[str]:
    """Each hashtag's uses on the relay's stream from `start` to `end`."""
    rows = StreamTag.objects.filter(relay__address=address, hour__gte=start, hour__lt=end).values("tag").annotate(
        n=Sum("uses"))
    return Counter({row["tag"]: row["n"] for row in rows})
