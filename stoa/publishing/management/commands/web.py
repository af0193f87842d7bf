import signal
import threading

from django.core.management.base import BaseCommand

from stoa.publishing.serving import start_web


class Command(BaseCommand):
    help = "Run only the web server (for scaled deployments; put a reverse proxy in front)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        stopped = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        server = start_web(host, port, threads)
        stopped.wait()
        server.close()
