import signal
import threading

from stoa.commandline import StoaCommand
from stoa.runtime.serving import add_listen_arguments, listening


class Command(StoaCommand):
    help = "Run only the web server, for scaled deployments (put a reverse proxy in front)."
    requires_system_checks = "__all__"

    def add_arguments(self, parser):
        add_listen_arguments(parser)
        parser.add_argument("--threads", type=int, default=8, help="requests served at once (default %(default)s)")

    def handle(self, *args, host, port, threads, **options):
        stopped = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        server, url = listening(host, port, threads)
        self.stdout.write(f"Serving at {url}")
        stopped.wait()
        server.close()
