import secrets

from django.contrib.auth import get_user_model

from stoa.commandline import StoaCommand


class Command(StoaCommand):
    help = "Create the first administrator if there is none, and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="its user name (default admin)")
        parser.add_argument("--email", default="admin@localhost",
                            help="its email address, for notifications (default admin@localhost)")

    def handle(self, *args, username, email, **options):
        users = get_user_model().objects
        if users.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        users.create_superuser(username=username, email=email, password=password)
        self.stdout.write(self.style.SUCCESS(
            f"Created the first administrator.\n  User name: {username}\n"
            f"  Password: {password}\n  (shown once; change it with `stoa changepassword {username}`)"
        ))
