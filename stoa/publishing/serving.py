"""Starting Stoa's processes: the web server, the publishing engine and the task consumer."""

import logging
import threading

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from waitress.server import create_server

from stoa.publishing.engine import run_engine

log = logging.getLogger("stoa")


def start_web(host: str, port: int, threads: int = 8):
    """Waitress in a background thread; call .close() on the result to stop it."""
    server = create_server(get_wsgi_application(), host=host, port=port, threads=threads)
    threading.Thread(target=server.run, name="stoa-web", daemon=True).start()
    log.info("Stoa is serving on http://%s:%s/", host, port)
    return server


def run_workers(publisher_threads: int, task_workers: int = 2) -> None:
    """The publishing engine's threads plus the Huey consumer, until SIGINT or SIGTERM.
    The consumer owns the signal handling; the engine stops after its current publish."""
    from huey.contrib.djhuey import HUEY

    stop = threading.Event()
    engine_threads = run_engine(stop, publisher_threads)
    if settings.STOA_STREAMING:
        from stoa.inbox.streaming import run_streams

        run_streams(stop)
    log.info("Publishing engine: %s threads; tasks: %s", len(engine_threads), settings.STOA_TASKS)
    consumer = HUEY.create_consumer(workers=task_workers, worker_type="thread", periodic=True,
                                    check_worker_health=True)
    try:
        consumer.run()
    finally:
        stop.set()
        for thread in engine_threads:
            thread.join(timeout=settings.STOA_HTTP_TIMEOUT_SECONDS + 5)
