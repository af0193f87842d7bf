import time

from django.core.management.base import CommandError

from stoa.commandline import StoaCommand
from stoa.runtime import demo


class Command(StoaCommand):
    help = "Fill an empty install with a realistic year of six brands, to see the analytics at once."

    def add_arguments(self, parser):
        parser.add_argument("--brands", type=int, default=6, help="how many brands, 1 to 6 (default %(default)s)")
        parser.add_argument("--years", type=float, default=1.0, help="how far back, in years (default %(default)s)")
        parser.add_argument("--channels", type=int, default=5, help="channels per brand (default %(default)s)")
        parser.add_argument("--seed", type=int, default=1, help="the same seed makes the same data")
        parser.add_argument("--force", action="store_true",
                            help="add the demo brands even though the install has workspaces (under new slugs)")

    def handle(self, *args, brands, years, channels, seed, force, **options):
        if not 1 <= brands <= 60 or not 0 < years <= 10 or not 1 <= channels <= 20:
            raise CommandError("--brands takes 1 to 60, --years more than 0 up to 10, --channels 1 to 20.")
        started = time.monotonic()
        try:
            made = demo.build(brands=brands, years=years, channels=channels, seed=seed, force=force)
        except demo.NotEmpty as e:
            raise CommandError(str(e)) from e
        self.stdout.write(
            f"Made {made.workspaces} workspaces ({', '.join(made.slugs)}), {made.channels} demo channels (disabled: "
            f"nothing is sent to a network), {made.publications} publications, {made.post_snapshots} post "
            f"snapshots, {made.channel_snapshots} channel snapshots, {made.inbox_items} inbox messages, "
            f"{made.replies} replies, {made.short_links} short links, {made.clicks} clicks in "
            f"{time.monotonic() - started:.0f} s.")
        if made.password:
            self.stdout.write(f"Log in as {made.username} with the password {made.password} (shown once).")
        else:
            self.stdout.write(f"Log in as {made.username}, the owner of every demo workspace.")
