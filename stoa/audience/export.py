"""The opinion leaders as a CSV file: UTF-8 with a byte order mark (so spreadsheet programs read Hebrew, Arabic
and Cyrillic names as such), RFC 4180 quoting, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from stoa.audience.leaders import POINTS, Leader
from stoa.posts.csv_io import neutralise

PLURALS = {"reply": "replies", "mention": "mentions", "repost": "reposts", "like": "likes"}
COLUMNS = ["network", "account_id", "handle", "name", "profile_url", "followers", *(PLURALS[a] for a in POINTS),
           "positive", "negative", "points", "score", "last_interaction_at", "last_interactions"]


def row(leader: Leader) -> list[object]:
    last = " | ".join(f"{i.at:%Y-%m-%d %H:%M} {i.action}{': ' + i.text if i.text else ''}" for i in leader.last)
    return [leader.network, leader.account_id, leader.handle, leader.name, leader.profile_url,
            "" if leader.followers is None else leader.followers, *(leader.counts[a] for a in POINTS),
            leader.positive, leader.negative, leader.points, leader.score,
            leader.last_at.isoformat() if leader.last_at else "", last]


def csv_lines(leaders: Iterable[Leader]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(c) if isinstance(c, str) else c for c in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(list(COLUMNS))
    for leader in leaders:
        yield line(row(leader))
