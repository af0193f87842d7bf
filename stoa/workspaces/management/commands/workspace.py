from django.core.management.base import BaseCommand

from stoa.commandline import acting_user, add_user_argument, plain_errors
from stoa.workspaces.access import Permission, access_workspace, workspaces_for
from stoa.workspaces.actions import add_member, create_workspace


class Command(BaseCommand):
    help = "Create and list workspaces (one per brand or client), and set members' roles."

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a workspace; you become its owner.")
        create.add_argument("name")
        create.add_argument("--timezone", default="UTC", help="IANA name, e.g. Asia/Jerusalem")
        create.add_argument("--language", default="en")
        create.add_argument("--slug", default="")
        sub.add_parser("list", help="The workspaces you belong to.")
        member = sub.add_parser("member", help="Give a user a role in a workspace.")
        member.add_argument("workspace", help="id or slug")
        member.add_argument("username")
        member.add_argument("role")

    def handle(self, *args, action, user=None, **options):
        actor = acting_user(user)
        with plain_errors():
            if action == "create":
                ws = create_workspace(actor, options["name"], options["timezone"], options["language"],
                                      options["slug"])
                self.stdout.write(f"Created workspace {ws.pk} ({ws.slug}) in {ws.timezone}.")
            elif action == "list":
                for ws in workspaces_for(actor):
                    self.stdout.write(f"{ws.pk}\t{ws.slug}\t{ws.timezone}\t{ws.language}\t{ws.name}")
            else:
                ws = access_workspace(actor, options["workspace"], Permission.MANAGE_WORKSPACE)
                add_member(actor, ws, options["username"], options["role"])
                self.stdout.write(f"{options['username']} is now {options['role']} in {ws.name}.")
