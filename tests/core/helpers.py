import ctypes
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from PIL import Image

from stoa.posts.actions import VariantInput, create_post
from stoa.posts.models import Publication
from stoa.publishing.engine import Engine


def schedule(user, workspace, channels, text="Shalom, hello", in_seconds=120, **kwargs) -> list[Publication]:
    """Schedule a post to `channels` and return its publications."""
    post = create_post(user, workspace, text=text, variants=[VariantInput(c.pk) for c in channels],
                       scheduled_at=timezone.now() + timedelta(seconds=in_seconds), **kwargs)
    return list(Publication.objects.filter(variant__post=post).order_by("pk"))


def make_due(*publications: Publication, ago_seconds: int = 1) -> None:
    when = timezone.now() - timedelta(seconds=ago_seconds)
    Publication.objects.filter(pk__in=[p.pk for p in publications]).update(scheduled_at=when, next_attempt_at=when)


def drain(engine: Engine | None = None, rounds: int = 50) -> None:
    """Let one engine work until nothing is left to do right now."""
    engine = engine or Engine(owner="test")
    for _ in range(rounds):
        if not engine.work_once():
            return


def reload(publication: Publication) -> Publication:
    publication.refresh_from_db()
    return publication


def image_bytes(width: int = 4, height: int = 4, kind: str = "PNG", colour: str = "orange") -> bytes:
    """A real picture that opens, as uploads must."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, kind)
    return buffer.getvalue()


def worker_environment(data_dir: object, **settings: str) -> dict[str, str]:
    """The environment of a `stoa worker` (or `stoa run`) a test starts on a SQLite data directory of its own: this
    process's, without what would point it elsewhere (DATABASE_URL, the tests' settings module), and `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    # Bluesky's event stream is read only where a test points it at its local network.
    env.update(STOA_DATA_DIR=str(data_dir), STOA_TASKS="sqlite", DJANGO_SETTINGS_MODULE="stoa.settings",
               STOA_BLUESKY_RELAY="")
    env.update(settings)
    return env


def prepare_data_dir(env: dict[str, str], setup: str, *argv: str) -> None:
    """Migrate the data directory of `env` and run `setup` (Python, with Django set up; sys.argv[2:] is `argv`) in
    it, each in a process of its own, as a person would before starting Stoa."""
    run: dict[str, Any] = {"env": env, "check": True, "timeout": 120}
    subprocess.run([sys.executable, "-m", "stoa.cli", "migrate", "--verbosity", "0"], **run)
    subprocess.run([sys.executable, "-c", "import sys, django; django.setup(); exec(sys.argv[1])", setup, *argv], **run)


def run_worker_until(env: dict[str, str], log: Path, done: Callable[[], bool], seconds: float = 60,
                     then: float = 0) -> str:
    """Start `stoa worker` with `env`, its output in `log`, until `done()` or `seconds` have passed (and `then` more
    seconds), stop it, and give its log."""
    with log.open("wb") as out:
        worker = subprocess.Popen([sys.executable, "-m", "stoa.cli", "worker", "--publishers", "1"], env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  preexec_fn=die_with_parent)
    try:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            time.sleep(0.3)
        time.sleep(then)
    finally:
        stop_process(worker)
    return log.read_text()


def die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)


def stop_process(process: subprocess.Popen, grace: float = 15) -> None:
    """Stop a process group started by a test: asked first, killed if it does not stop in time."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)
