"""Clicks written down before the redirect answers, at the cost of one append to a file.

A click is one line of JSON appended to the day's log (DATA_DIR/clicks/<machine>/YYYY-MM-DD.log) with a single
write() on a descriptor opened with O_APPEND: once the write returns, the line is in the kernel's page cache, so a
server killed with -9 right after answering loses no click (a crash of the machine itself can lose the last seconds,
as with the database's synchronous=NORMAL). Lines shorter than PIPE_BUF are appended whole even from several
processes. A database write per click would hold every redirect to the database: on SQLite to its one write lock,
on PostgreSQL to a round trip and its commit (redirects at half a static file's rate or less, bench/analytics.py).

fold_clicks() moves the new lines of this machine's logs into Click rows: it remembers how far it read each
file in the database, in the same transaction as the rows it adds, so every line is folded exactly once whoever
folds: each web process every STOA_CLICK_FOLD_SECONDS (fold_every, started with the server: in the scaled mode a
machine may serve pages with no worker beside it), the worker's periodic job, or a page about to count clicks.
A line whose link is not there (any more) with its code is dropped.

Several machines share one database in the scaled mode (and perhaps one data directory): each writes and folds
its own folder, named after it (`machine()`), so that two machines' logs of one day keep their own positions."""

import json
import logging
import os
import re
import socket
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, transaction

from stoa import clock
from stoa.links.models import Click, ClickLogPosition, ShortLink

log = logging.getLogger("stoa.links")
CHUNK = 4 * 1024 * 1024  # folded at most this much of a file per transaction
KEEP_DAYS = 2  # a fully folded log older than this is deleted

_descriptors: dict[Path, int] = {}
_lock = threading.Lock()


def machine() -> str:
    """This machine's name for its click logs: STOA_MACHINE_NAME, or its host name."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "-", settings.STOA_MACHINE_NAME or socket.gethostname())[:40].strip(".-")
    return name or "this-machine"


def clicks_dir() -> Path:
    return Path(settings.DATA_DIR) / "clicks"


def log_dir() -> Path:
    """Where this machine appends its clicks."""
    return clicks_dir() / machine()


def write_down(link_id: int, code: str, at: datetime, referrer: str, visitor: str) -> None:
    """A click, kept in the day's log before the redirect answers."""
    append(link_id, code, at, referrer, visitor)


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
    if not clicks_dir().is_dir():
        return 0
    added = 0
    # Only what this machine wrote (and the logs of versions that kept them all directly in clicks/): where machines
    # share the data directory on network storage, a file another one is appending to may read back torn.
    for path in sorted(clicks_dir().glob("*.log")) + sorted(log_dir().glob("*.log")):
        while (folded := fold_file(path)) is not None:
            added += folded
        if path.stem < (clock.now().date() - timedelta(KEEP_DAYS)).isoformat() and fully_folded(path):
            path.unlink(missing_ok=True)
    return added


def fold_file(path: Path) -> int | None:
    """Fold the next chunk of one log: the clicks added, or None when there was nothing new."""
    name = log_name(path)
    ClickLogPosition.objects.get_or_create(name=name)  # (Django's answers a race by reading the row made)
    with transaction.atomic():
        position = ClickLogPosition.objects.select_for_update().get(name=name)
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


def log_name(path: Path) -> str:
    """What a log's position is kept under: its machine's folder and its day ("kafe-web-1/2026-12-07.log")."""
    return path.relative_to(clicks_dir()).as_posix()


def fold_every(seconds: float, stop: threading.Event | None = None) -> None:
    """Fold this machine's logs now (what a process killed earlier left) and every `seconds` after (until `stop` is
    set): a web process's own thread."""
    stop = stop or threading.Event()
    while True:
        try:
            fold_clicks()
        except Exception:  # the database away for a moment: the lines wait in the log for the next fold
            log.exception("Clicks not folded into the database this time; they wait in the click log")
        finally:
            close_old_connections()  # a connection the database dropped is opened anew next time
        if stop.wait(seconds):
            return


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
    position = ClickLogPosition.objects.filter(name=log_name(path)).values_list("offset", flat=True).first()
    return position is not None and position >= path.stat().st_size
