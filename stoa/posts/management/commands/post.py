from pathlib import Path

from django.core.management.base import CommandError

from stoa.commandline import StoaCommand, acting_user, add_subcommand, add_user_argument, plain_errors
from stoa.posts.actions import VariantInput, add_media, create_post
from stoa.posts.models import ContentType
from stoa.posts.times import WHEN_HELP, at_time, when_said
from stoa.workspaces.access import Permission, access_workspace


class Command(StoaCommand):
    help = "Schedule a post to several channels at a time local to the workspace, or save it as a draft."

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        schedule = add_subcommand(sub, "schedule", "Write a post once for several channels; schedule it or keep "
                                                   "it as a draft.")
        schedule.add_argument("workspace", help="the workspace, by id or slug")
        schedule.add_argument("--channel", type=int, action="append", required=True, metavar="ID",
                              help="a channel to post to, by id (see `stoa channel list`); repeat for each")
        schedule.add_argument("--text", required=True, help="the post's text, the same on every channel")
        when = schedule.add_mutually_exclusive_group(required=True)
        when.add_argument("--at", metavar="TIME", type=at_time, help=WHEN_HELP)
        when.add_argument("--draft", action="store_true", help="save it without a time, to finish later")
        schedule.add_argument("--media", action="append", default=[], type=Path, metavar="FILE",
                              help="an image or video to attach; repeat for more")
        schedule.add_argument("--alt", action="append", default=[], metavar="TEXT",
                              help="alt text describing a --media file for people who cannot see it; "
                                   "one per --media, in the same order")
        schedule.add_argument("--content-type", default=ContentType.OTHER, choices=ContentType.values,
                              help="what kind of post it is, for the content mix: %(choices)s "
                                   "(default: %(default)s)")
        schedule.add_argument("--tag", action="append", default=[], metavar="TAG",
                              help="a tag to find the post by later; repeat for more")
        schedule.add_argument("--title", default="", help="a title shown in Stoa only, never published")

    def handle(self, *args, user=None, **o):
        actor = acting_user(user)
        if len(o["alt"]) > len(o["media"]):
            raise CommandError("More --alt than --media: give one alt text per file, in the same order.")
        with plain_errors():
            ws = access_workspace(actor, o["workspace"], Permission.PUBLISH)
            media_ids = [self._upload(actor, ws, path, alt).pk
                         for path, alt in zip(o["media"], o["alt"] + [""] * len(o["media"]), strict=False)]
            post = create_post(
                actor, ws, text=o["text"], media_ids=media_ids,
                variants=[VariantInput(channel_id=c) for c in o["channel"]],
                scheduled_at=o["at"],
                title=o["title"], content_type=o["content_type"], tags=o["tag"],
            )
        publications = [v.publication for v in post.variants.all()]
        ids = ", ".join(str(p.pk) for p in publications)
        when = f"scheduled for {when_said(publications[0].scheduled_at, ws.timezone)}" if o["at"] else (
            "saved as a draft")
        self.stdout.write(f"Post {post.pk} {when}; publications {ids}.")

    @staticmethod
    def _upload(actor, ws, path: Path, alt: str):
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        return add_media(actor, ws, path.name, path.read_bytes(), alt)
