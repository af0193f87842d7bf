from django.conf import settings

from stoa.commandline import StoaCommand
from stoa.runtime.serving import run_workers


class Command(StoaCommand):
    help = "Run the publishing engine and the task consumer; start as many as you like, on any machine."
    requires_system_checks = "__all__"

    def add_arguments(self, parser):
        parser.add_argument("--publishers", type=int, default=settings.STOA_PUBLISHER_THREADS, metavar="THREADS",
                            help="threads that publish to the networks (default %(default)s, from "
                                 "STOA_PUBLISHER_THREADS)")
        parser.add_argument("--task-workers", type=int, default=2, metavar="THREADS",
                            help="threads for background tasks: reading inboxes, sending email... "
                                 "(default %(default)s)")

    def handle(self, *args, publishers, task_workers, **options):
        run_workers(publishers, task_workers)
