from stoa.commandline import StoaCommand, acting_user, add_subcommand, add_user_argument, plain_errors
from stoa.workspaces.access import Permission, access_workspace, workspaces_for
from stoa.workspaces.actions import add_member, create_workspace
from stoa.workspaces.models import Role


class Command(StoaCommand):
    help = "Create and list workspaces (one per brand or client), and set members' roles."

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = add_subcommand(sub, "create", "Create a workspace; you become its owner.")
        create.add_argument("name", help="the brand's or client's name")
        create.add_argument("--timezone", default="UTC",
                            help="where its posts are scheduled: an IANA name such as Asia/Jerusalem (default UTC)")
        create.add_argument("--language", default="en",
                            help="the language its posts are written in: en, he, ar, fa, el, ru... (default en)")
        create.add_argument("--slug", default="", help="its short name in addresses and commands (default: from "
                                                       "the name)")
        add_subcommand(sub, "list", "The workspaces you belong to: id, slug, timezone, language and name.")
        member = add_subcommand(sub, "member", "Give a user a role in a workspace.")
        member.add_argument("workspace", help="the workspace, by id or slug")
        member.add_argument("username", help="the user's name in Stoa")
        member.add_argument("role", choices=Role.values, metavar="ROLE", help="their role: %(choices)s")

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
