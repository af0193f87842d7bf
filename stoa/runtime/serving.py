"""Starting Stoa's processes: the web server, the publishing engine, the periodic jobs and the task consumer."""

import logging
import threading

from django.conf import settings
from django.core.management.base import CommandError
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import autodiscover_modules
from waitress.server import create_server

from stoa.inbox.streaming import run_streams
from stoa.links.clicklog import fold_every
from stoa.listening.firehose import run_firehose
from stoa.publishing.engine import run_engine
from stoa.runtime.schedule import periodic_jobs, run_schedule, startup_summary
from stoa.site_url import listening_at

log = logging.getLogger("stoa")


def start_web(host: str, port: int, threads: int = 8):
    """Waitress in a background thread; call .close() on the result to stop it. Beside it, a thread that folds the
    clicks this machine's short links wrote down into the database: a scaled deployment's web machine may have no
    worker beside it to do so."""
    server = create_server(get_wsgi_application(), host=host, port=port, threads=threads)
    threading.Thread(target=server.run, name="stoa-web", daemon=True).start()
    threading.Thread(target=fold_every, args=(settings.STOA_CLICK_FOLD_SECONDS,), name="stoa-click-fold",
                     daemon=True).start()
    log.info("Stoa is serving on http://%s:%s/", host, port)
    return server


def add_listen_arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default %(default)s: this machine only; 0.0.0.0 for every "
                             "network interface)")
    parser.add_argument("--port", type=int, default=8000, help="the port to listen on (default %(default)s)")


def listening(host: str, port: int, threads: int = 8):
    """Start the web server for a command, saying plainly when the port is taken. Returns the server
    and its address; without STOA_SITE_URL, the links Stoa sends (invitations, notifications) use it."""
    try:
        server = start_web(host, port, threads)
    except OSError as e:
        raise CommandError(f"Cannot listen on {host}:{port}: {e.strerror or e}. Is Stoa (or something else) "
                           "already running there? Choose another port: --port 8001, or `make run PORT=8001`."
                           ) from None
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{server.effective_port}/"
    listening_at(host, url)
    return server, url


def run_workers(publisher_threads: int, task_workers: int = 2, beside_web: bool = False) -> None:
    """The publishing engine's threads, the periodic jobs and the Huey consumer, until SIGINT or SIGTERM.
    The consumer owns the signal handling; the engine stops after its current publish. `beside_web`: in the web
    server's process (stoa run), whose own thread folds the clicks."""
    from huey.contrib.djhuey import HUEY

    # Every app's tasks (and mail) module, so that the consumer knows each task it may be handed, also one that only
    # a web process (email) or another worker puts on the queue: a task it does not know is dropped with an error.
    autodiscover_modules("tasks", "mail")
    stop = threading.Event()
    engine_threads = run_engine(stop, publisher_threads)
    if settings.STOA_STREAMING:
        run_streams(stop)
    if settings.STOA_BLUESKY_RELAY:
        run_firehose(stop)
    log.info("Publishing engine: %s threads; tasks: %s", len(engine_threads), settings.STOA_TASKS)
    jobs = periodic_jobs(folds_clicks=not beside_web)
    log.info("Periodic jobs (stoa/runtime/schedule.py): %s", startup_summary(jobs))
    run_schedule(stop, jobs)
    consumer = HUEY.create_consumer(workers=task_workers, worker_type="thread", periodic=True,
                                    check_worker_health=True)
    try:
        consumer.run()
    finally:
        stop.set()
        for thread in engine_threads:
            thread.join(timeout=settings.STOA_HTTP_TIMEOUT_SECONDS + 5)
