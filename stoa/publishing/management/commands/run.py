from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from stoa.publishing.serving import run_workers, start_web


class Command(BaseCommand):
    help = "Set up and start all of Stoa in one process: web server, publishing engine and tasks."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--publishers", type=int, default=settings.STOA_PUBLISHER_THREADS)

    def handle(self, *args, host, port, publishers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("ensureadmin")
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        server = start_web(host, port)
        self.stdout.write(self.style.SUCCESS(f"Stoa is running at http://{host}:{port}/ (Ctrl-C stops it)"))
        try:
            run_workers(publishers)
        finally:
            server.close()
            self.stdout.write("Stoa stopped.")
