import json

from stoa.commandline import StoaCommand, acting_user, add_subcommand, add_user_argument, plain_errors
from stoa.posts.access import access_publication
from stoa.posts.actions import (
    cancel_publication,
    edit_variant,
    publish_now,
    resolve_unknown,
    schedule_publication,
)
from stoa.posts.models import State
from stoa.posts.queries import publication_dict, publications_in
from stoa.posts.times import WHEN_HELP, at_time, when_said
from stoa.workspaces.access import Permission, access_workspace, workspaces_for


class Command(StoaCommand):
    help = "List publications and act on one: cancel, publish now, edit, reschedule, resolve an unknown outcome."

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = add_subcommand(sub, "list", "Publications, soonest first: id, state, local time, workspace, "
                                              "channel and text.")
        listing.add_argument("workspace", nargs="?", help="the workspace, by id or slug (default: all of yours)")
        listing.add_argument("--state", action="append", choices=State.values, metavar="STATE",
                             help="only publications in this state; repeat for more: %(choices)s")
        listing.add_argument("--json", action="store_true", help="one JSON array instead, for scripts")
        cancel = add_subcommand(sub, "cancel", "Cancel a publication that has not gone out.")
        cancel.add_argument("id", type=int, help="the publication's id (see `stoa publications list`)")
        now = add_subcommand(sub, "publish-now", "Publish now a publication that is a draft, scheduled, failed or "
                                                   "missed.")
        now.add_argument("id", type=int, help="the publication's id (see `stoa publications list`)")
        edit = add_subcommand(sub, "edit", "Change the text of a publication that has not gone out yet.")
        edit.add_argument("id", type=int, help="the publication's id (see `stoa publications list`)")
        edit.add_argument("--text", required=True, help="the new text, for this channel only")
        reschedule = add_subcommand(sub, "reschedule", "Move a publication to another time.")
        reschedule.add_argument("id", type=int, help="the publication's id (see `stoa publications list`)")
        reschedule.add_argument("--at", required=True, metavar="TIME", type=at_time, help=WHEN_HELP)
        resolve = add_subcommand(sub, "resolve", "Say what happened to a publication with an unknown outcome.")
        resolve.add_argument("id", type=int, help="the publication's id (see `stoa publications list`)")
        group = resolve.add_mutually_exclusive_group(required=True)
        group.add_argument("--published", metavar="URL", help="it went out, at this address")
        group.add_argument("--not-published", action="store_true", help="it did not: publish it now")

    def handle(self, *args, action, user=None, **o):
        actor = acting_user(user)
        with plain_errors():
            if action == "list":
                return self._list(actor, o)
            publication = access_publication(actor, o["id"], Permission.PUBLISH)
            if action == "cancel":
                publication = cancel_publication(actor, publication)
            elif action == "publish-now":
                publication = publish_now(actor, publication)
            elif action == "edit":
                publication = edit_variant(actor, publication, text=o["text"])
            elif action == "reschedule":
                publication = schedule_publication(actor, publication, o["at"])
            else:
                publication = resolve_unknown(actor, publication, published=bool(o["published"]),
                                              url=o["published"] or "")
        state = publication.get_state_display().lower()
        if action == "reschedule":
            state += f" for {when_said(publication.scheduled_at, publication.workspace.timezone)}"
        self.stdout.write(f"Publication {publication.pk} is now {state}.")

    def _list(self, actor, o) -> None:
        if o["workspace"]:
            ids = [access_workspace(actor, o["workspace"], Permission.VIEW_PUBLICATIONS).pk]
        else:
            ids = list(workspaces_for(actor, Permission.VIEW_PUBLICATIONS).values_list("pk", flat=True))
        rows = [publication_dict(p) for p in publications_in(ids, o["state"])]
        if o["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1, default=str))
            return
        self.stdout.write(f"{'ID':>6}  {'STATE':<10}  {'WHEN (LOCAL)':<16}  {'WORKSPACE':<14}  {'CHANNEL':<20}  TEXT")
        for r in rows:
            text = r["text"].replace("\n", " ")[:40]
            self.stdout.write(f"{r['id']:>6}  {r['state']:<10}  {r['scheduled_local'] or '-':<16}  "
                              f"{r['workspace'][:14]:<14}  {r['channel_name'][:20]:<20}  {text}")
            if r["last_error"]:
                self.stdout.write(f"{'':>8}{r['last_error']}")
