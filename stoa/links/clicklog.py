"""Clicks written down before the redirect answers, at the cost of one append to a file.

A click is one line of JSON appended to the day's log (DATA_DIR/clicks/YYYY-MM-DD.log) with a single write()
on a descriptor opened with O_APPEND: once the write returns, the line is in the kernel's page cache, so a server
killed with -9 right after answering loses no click (a crash of the machine itself can lose the last seconds, as
with the database's synchronous=NORMAL). Lines shorter than PIPE_BUF are appended whole even from several
processes. A database insert per click would serialise every redirect on the database's write lock.

fold_clicks() moves the new lines into Click rows: it remembers how far it read each file in the database, in the
same transaction as the rows it adds, so every line is folded exactly once whoever folds (the periodic job, or a
page about to count clicks). A line whose link is not there (any more) with its code is dropped.

Only the embedded default (SQLite) keeps the log: see write_down()."""

import json
import os
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from stoa import clock
from stoa.links.models import Click, ClickLogPosition, ShortLink

CHUNK = 4 * 1024 * 1024  # folded at most this much of a file per transaction
KEEP_DAYS = 2  # a fully folded log older than this is deleted

_descriptors: dict[Path, int] = {}
_lock = threading.Lock()


def log_dir() -> Path:
    return Path(settings.DATA_DIR) / "clicks"


def write_down(link_id: int, code: str, at: datetime, referrer: str, visitor: str) -> None:
    """A click, kept before the redirect answers. On SQLite in the day's log; on PostgreSQL (the scaled mode, where
    the web processes may run on machines whose files no worker reads) inserted at once: PostgreSQL takes
    concurrent inserts without one write lock."""
    if connection.vendor == "sqlite":
        append(link_id, code, at, referrer, visitor)
        return
    if connection.in_atomic_block:  # inside someone else's transaction: its commit keeps the durability it asked for
        Click.objects.create(link_id=link_id, at=at, referrer=referrer[:500], visitor=visitor[:32])
        return
    with connection.cursor() as cursor:
        cursor.execute(INSERT_QUICKLY.format(table=connection.ops.quote_name(Click._meta.db_table)),
                       [link_id, at, referrer[:500], visitor[:32]])


# The click is committed before the redirect leaves, without waiting for the disk (synchronous_commit off for this
# statement's own transaction only: set_config's `true`): a web server killed mid-burst loses nothing; only a crash of
# PostgreSQL itself could forget its last fraction of a second. One statement, one round trip: the BEGIN, SET LOCAL,
# INSERT and COMMIT it replaces held the redirect to a quarter of a static file's rate (bench/analytics.py).
INSERT_QUICKLY = """INSERT INTO {table} (link_id, at, referrer, visitor)
SELECT %s, %s, %s, %s FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_without_waiting"""


def append(link_id: int, code: str, at: datetime, referrer: str, visitor: str) -> None:
    line = json.dumps({"link": link_id, "code": code, "at": at.isoformat(), "referrer": referrer,
                       "visitor": visitor}, separators=(",", ":")) + "\n"
    os.write(descriptor(at.date()), line.encode("utf-8"))


def descriptor(day: date) -> int:
    path = log_dir() / f"{day.isoformat()}.log"
    with _lock:
        if (fd := _descriptors.get(path)) is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = _descriptors[path] = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            for old in [p for p in _descriptors if p.parent == path.parent and p.stem < f"{day - timedelta(2)}"]:
                os.close(_descriptors.pop(old))  # no request writes to a day two days gone
        return fd


def fold_clicks() -> int:
    """Fold every log's new lines into Click rows; how many clicks were added."""
    if not log_dir().is_dir():
        return 0
    added = 0
    for path in sorted(log_dir().glob("*.log")):
        while (folded := fold_file(path)) is not None:
            added += folded
        if path.stem < (clock.now().date() - timedelta(KEEP_DAYS)).isoformat() and fully_folded(path):
            path.unlink(missing_ok=True)
    return added


def fold_file(path: Path) -> int | None:
    """Fold the next chunk of one log: the clicks added, or None when there was nothing new."""
    ClickLogPosition.objects.get_or_create(name=path.name)  # (Django's answers a race by reading the row made)
    with transaction.atomic():
        position = ClickLogPosition.objects.select_for_update().get(name=path.name)
        with path.open("rb") as log:
            log.seek(position.offset)
            data = log.read(CHUNK)
        end = data.rfind(b"\n") + 1  # a line still being written waits for the next fold
        if end == 0:
            return None
        records = [record for line in data[:end].splitlines() if (record := parse(line))]
        codes = dict(ShortLink.objects.filter(pk__in={r["link"] for r in records}).values_list("pk", "code"))
        clicks = [Click(link_id=r["link"], at=datetime.fromisoformat(r["at"]), referrer=r["referrer"][:500],
                        visitor=r["visitor"][:32]) for r in records if codes.get(r["link"]) == r["code"]]
        Click.objects.bulk_create(clicks)
        position.offset += end
        position.save(update_fields=["offset"])
    return len(clicks)


def parse(line: bytes) -> dict | None:
    try:
        record = json.loads(line)
        datetime.fromisoformat(record["at"])
        if isinstance(record["link"], int) and all(isinstance(record[k], str) for k in ("code", "referrer",
                                                                                          "visitor")):
            return record
    except (ValueError, KeyError, TypeError):
        pass
    return None


def fully_folded(path: Path) -> bool:
    position = ClickLogPosition.objects.filter(name=path.name).values_list("offset", flat=True).first()
    return position is not None and position >= path.stat().st_size
