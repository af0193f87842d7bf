from django.conf import settings
from django.core.management import call_command

from stoa.commandline import StoaCommand
from stoa.runtime.serving import add_listen_arguments, listening, run_workers


class Command(StoaCommand):
    help = "Set up and start all of Stoa in one process: web server, publishing engine and tasks."
    requires_system_checks = "__all__"

    def add_arguments(self, parser):
        add_listen_arguments(parser)
        parser.add_argument("--publishers", type=int, default=settings.STOA_PUBLISHER_THREADS, metavar="THREADS",
                            help="threads that publish to the networks (default %(default)s, from "
                                 "STOA_PUBLISHER_THREADS)")

    def handle(self, *args, host, port, publishers, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("ensureadmin")
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        server, url = listening(host, port)
        self.stdout.write(self.style.SUCCESS(f"Stoa is running at {url} (Ctrl-C stops it)"))
        try:
            run_workers(publishers, beside_web=True)
        finally:
            server.close()
            self.stdout.write("Stoa stopped.")
