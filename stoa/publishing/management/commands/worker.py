from django.conf import settings
from django.core.management.base import BaseCommand

from stoa.publishing.serving import run_workers


class Command(BaseCommand):
    help = "Run the publishing engine and the task consumer (start as many as you like, anywhere)."

    def add_arguments(self, parser):
        parser.add_argument("--publishers", type=int, default=settings.STOA_PUBLISHER_THREADS)
        parser.add_argument("--task-workers", type=int, default=2)

    def handle(self, *args, publishers, task_workers, **options):
        run_workers(publishers, task_workers)
