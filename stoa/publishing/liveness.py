"""Which publishing processes are alive, so that a restart does not wait out their leases.

Each engine process holds an exclusive lock (flock) on a file of its own under
STOA_DATA_DIR/workers/ for as long as it runs; the kernel drops the lock the moment the process
ends, however it ends (kill -9 included). A lease owner whose file is there but not locked is
known to be dead: what it was publishing is reconciled at once instead of when its lease runs
out. Processes on other machines have no file here; their leases, renewed by a heartbeat while
they live, run out instead.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import socket
import uuid
from pathlib import Path

from django.conf import settings

log = logging.getLogger("stoa.publishing")

_held: dict[str, int] = {}  # this process's lock files -> their open descriptors
_owner: str | None = None  # this process's owner name, once this_process() made it


def workers_dir() -> Path:
    folder = Path(settings.DATA_DIR) / "workers"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def this_process() -> str:
    """This process's owner name (host:pid:instance), holding its lock from the first call on."""
    global _owner
    if _owner is None or _owner.split(":")[1] != str(os.getpid()):  # a forked child is another owner
        instance = uuid.uuid4().hex[:12]
        owner = f"{socket.gethostname()}:{os.getpid()}:{instance}"
        _hold(instance)
        _owner = owner
    return _owner


def _hold(instance: str) -> None:
    # Locked before it gets its name, so prune() never takes a starting process's file for a dead one.
    starting = workers_dir() / f"{instance}.starting"
    descriptor = os.open(starting, os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    starting.rename(starting.with_suffix(".lock"))
    _held[instance] = descriptor


def is_dead(owner: str) -> bool:
    """True only when `owner` is known to have stopped: its lock file is here and nobody holds it."""
    match = re.fullmatch(r".*:\d+:([0-9a-f]{12})", owner)
    if not match or match[1] in _held:
        return False
    return _unheld(workers_dir() / f"{match[1]}.lock")


def prune(keep: set[str]) -> None:
    """Remove the files of stopped processes, except those still named by a lease in `keep`."""
    kept = {owner.rsplit(":", 1)[-1] for owner in keep}
    for path in workers_dir().glob("*.lock"):
        if path.stem not in kept and path.stem not in _held and _unheld(path):
            path.unlink(missing_ok=True)


def _unheld(path: Path) -> bool:
    try:
        descriptor = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False  # another machine's process, or one from before this check existed
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # alive
    finally:
        os.close(descriptor)
    return True
