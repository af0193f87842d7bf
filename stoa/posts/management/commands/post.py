from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stoa.commandline import acting_user, add_user_argument, plain_errors
from stoa.posts.actions import VariantInput, add_media, create_post
from stoa.posts.models import ContentType
from stoa.posts.times import parse_when
from stoa.workspaces.access import Permission, access_workspace


class Command(BaseCommand):
    help = "Schedule a post to several channels at a time local to the workspace, or save a draft."

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        schedule = sub.add_parser("schedule")
        schedule.add_argument("workspace", help="id or slug")
        schedule.add_argument("--channel", type=int, action="append", required=True, help="repeat for each")
        schedule.add_argument("--text", required=True)
        schedule.add_argument("--at", help="YYYY-MM-DD HH:MM in the workspace's timezone")
        schedule.add_argument("--draft", action="store_true", help="save without a time")
        schedule.add_argument("--media", action="append", default=[], type=Path, help="image or video file")
        schedule.add_argument("--alt", action="append", default=[], help="alt text, one per --media")
        schedule.add_argument("--content-type", default=ContentType.OTHER, choices=ContentType.values)
        schedule.add_argument("--tag", action="append", default=[])
        schedule.add_argument("--title", default="")

    def handle(self, *args, user=None, **o):
        if not o["at"] and not o["draft"]:
            raise CommandError("Give --at 'YYYY-MM-DD HH:MM' or --draft.")
        actor = acting_user(user)
        with plain_errors():
            ws = access_workspace(actor, o["workspace"], Permission.PUBLISH)
            media_ids = [self._upload(actor, ws, path, alt).pk
                         for path, alt in zip(o["media"], o["alt"] + [""] * len(o["media"]), strict=False)]
            post = create_post(
                actor, ws, text=o["text"], media_ids=media_ids,
                variants=[VariantInput(channel_id=c) for c in o["channel"]],
                scheduled_at=parse_when(o["at"]) if o["at"] else None,
                title=o["title"], content_type=o["content_type"], tags=o["tag"],
            )
        ids = ", ".join(str(v.publication.pk) for v in post.variants.all())
        what = f"scheduled for {o['at']} ({ws.timezone})" if o["at"] else "saved as a draft"
        self.stdout.write(f"Post {post.pk} {what}; publications {ids}.")

    @staticmethod
    def _upload(actor, ws, path: Path, alt: str):
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        return add_media(actor, ws, path.name, path.read_bytes(), alt)
