"""`stoa posts_csv import|export --workspace SLUG FILE`: the CSV import and export of the page, from a shell."""

import sys
from datetime import date
from pathlib import Path

from django.core.management.base import CommandError

from stoa.commandline import StoaCommand, acting_user, add_user_argument, plain_errors
from stoa.posts.csv_io import export_posts, import_posts
from stoa.posts.models import State
from stoa.workspaces.access import Permission, access_workspace


class Command(StoaCommand):
    help = "Import posts from a CSV file, or export a workspace's posts to one."

    def add_arguments(self, parser):
        add_user_argument(parser)
        parser.add_argument("action", choices=["import", "export"], metavar="import|export",
                            help="import the file's rows, or export to it")
        parser.add_argument("file", help="the CSV file to read or write, '-' for standard input or output; its "
                                         "columns: text, channels, scheduled_local (or date and time), title, "
                                         "content_type, tags, media, thread")
        parser.add_argument("--workspace", required=True, metavar="WORKSPACE", help="the workspace, by id or slug")
        parser.add_argument("--dry-run", action="store_true", help="import: check every row and report, import nothing")
        parser.add_argument("--start", type=date.fromisoformat, metavar="DAY",
                            help="export: first local day, YYYY-MM-DD")
        parser.add_argument("--end", type=date.fromisoformat, metavar="DAY", help="export: last local day, YYYY-MM-DD")
        parser.add_argument("--state", action="append", choices=State.values, metavar="STATE",
                            help="export: only publications in this state; repeat for more: %(choices)s")

    def handle(self, *args, user=None, **o):
        actor = acting_user(user)
        with plain_errors():
            if o["action"] == "export":
                self._export(actor, o)
            else:
                self._import(actor, o)

    def _export(self, actor, o) -> None:
        workspace = access_workspace(actor, o["workspace"], Permission.VIEW_PUBLICATIONS)
        chunks = export_posts(workspace, start=o["start"], end=o["end"], states=o["state"], actor=actor)
        if o["file"] == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        rows = -1
        with open(o["file"], "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
                rows += 1
        self.stderr.write(f"{rows} publications of {workspace.name} written to {o['file']}.")

    def _import(self, actor, o) -> None:
        workspace = access_workspace(actor, o["workspace"], Permission.EDIT_POSTS)
        path = Path(o["file"])
        if o["file"] != "-" and not path.is_file():
            raise CommandError(f"{path}: no such file.")
        data = sys.stdin.buffer.read() if o["file"] == "-" else path.read_bytes()
        report = import_posts(actor, workspace, data, dry_run=o["dry_run"])
        for line, reasons in report.errors:
            self.stdout.write(f"Line {line}: {'; '.join(reasons)}")
        if report.duplicates:
            self.stdout.write(f"Duplicates, not imported: lines {', '.join(map(str, report.duplicates))}")
        if report.ignored_columns:
            self.stdout.write(f"Ignored columns: {', '.join(report.ignored_columns)}")
        verb = "would be imported" if report.dry_run else "imported"
        self.stdout.write(f"{len(report.imported_lines)} rows {verb} ({len(report.created)} posts created), "
                          f"{len(report.errors)} with errors, {len(report.duplicates)} duplicate(s).")
