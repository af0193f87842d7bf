from stoa.commandline import StoaCommand, acting_user
from stoa.workspaces.models import ApiToken


class Command(StoaCommand):
    help = "Create an API token for a user; it is printed once, and only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="USERNAME", help="whose token it is (default: the first administrator)")
        parser.add_argument("name", help="what the token is for, e.g. zapier, to recognise it later")

    def handle(self, *args, name, user=None, **options):
        _, token = ApiToken.issue(acting_user(user), name)
        self.stdout.write(token)
