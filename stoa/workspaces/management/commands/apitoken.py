from django.core.management.base import BaseCommand

from stoa.commandline import acting_user, add_user_argument
from stoa.workspaces.models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for a user. The token is printed once; only its hash is kept."

    def add_arguments(self, parser):
        add_user_argument(parser)
        parser.add_argument("name", help="What the token is for, e.g. 'zapier'.")

    def handle(self, *args, name, user=None, **options):
        _, token = ApiToken.issue(acting_user(user), name)
        self.stdout.write(token)
