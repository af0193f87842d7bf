import getpass
import json

from django.core.management.base import BaseCommand, CommandError

from stoa.channels.actions import connect_channel, set_channel_rules
from stoa.channels.models import Channel
from stoa.commandline import acting_user, add_user_argument, plain_errors
from stoa.workspaces.access import Permission, access_channel, access_workspace


def key_values(pairs: list[str], secret: bool) -> dict:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise CommandError(f"{pair!r}: write it as key=value.")
        if secret and value == "-":  # keeps the secret out of shell history and the process list
            value = getpass.getpass(f"{key}: ")
        values[key] = value
    return values


class Command(BaseCommand):
    help = "Connect channels (Bluesky, Mastodon, Telegram) and set their posting rules."

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Connect a channel; the credentials are checked with the network.")
        add.add_argument("workspace", help="id or slug")
        add.add_argument("network", help="bluesky, mastodon or telegram")
        add.add_argument("--name", default="")
        add.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                         help="pds_url=..., instance_url=..., chat_id=...")
        add.add_argument("--secret", action="append", default=[], metavar="KEY=VALUE",
                         help="identifier=..., app_password=-, access_token=-, bot_token=- (- asks for it)")
        add.add_argument("--min-gap", type=int, default=0, help="minutes between posts (0: no rule)")
        add.add_argument("--daily-max", type=int, default=0, help="posts a day at most (0: no rule)")
        listing = sub.add_parser("list", help="The channels of a workspace.")
        listing.add_argument("workspace")
        listing.add_argument("--json", action="store_true")
        rules = sub.add_parser("rules", help="Set a channel's posting rules.")
        rules.add_argument("channel", type=int)
        rules.add_argument("--min-gap", type=int, required=True)
        rules.add_argument("--daily-max", type=int, required=True)
        listen = sub.add_parser("listen", help="What the inbox reads besides the account's messages.")
        listen.add_argument("channel", type=int)
        listen.add_argument("--search", action="append", default=[], metavar="TERM",
                            help="the brand's names to search for (Bluesky, Mastodon); repeat for more")
        listen.add_argument("--telegram-webhook", action="store_true",
                            help="have Telegram push messages to STOA_SITE_URL instead of being polled")

    def handle(self, *args, action, user=None, **o):
        actor = acting_user(user)
        with plain_errors():
            if action == "add":
                ws = access_workspace(actor, o["workspace"], Permission.MANAGE_CHANNELS)
                channel = connect_channel(actor, ws, o["network"], key_values(o["config"], False),
                                          key_values(o["secret"], True), name=o["name"],
                                          min_gap_minutes=o["min_gap"], daily_max=o["daily_max"])
                self.stdout.write(f"Connected channel {channel.pk}: {channel}.")
            elif action == "list":
                ws = access_workspace(actor, o["workspace"])
                rows = [
                    {"id": c.pk, "network": c.network, "name": c.name, "status": c.status,
                     "min_gap_minutes": c.min_gap_minutes, "daily_max": c.daily_max}
                    for c in Channel.objects.filter(workspace=ws)
                ]
                if o["json"]:
                    self.stdout.write(json.dumps(rows, ensure_ascii=False))
                for r in [] if o["json"] else rows:
                    self.stdout.write(f"{r['id']}\t{r['network']}\t{r['status']}\t{r['name']}")
            elif action == "listen":
                channel = access_channel(actor, o["channel"], Permission.MANAGE_CHANNELS)
                channel.config["search_terms"] = [t.strip() for t in o["search"] if t.strip()]
                channel.save(update_fields=["config"])
                self.stdout.write(f"{channel}: searching for {channel.config['search_terms'] or 'nothing'}.")
                if o["telegram_webhook"]:
                    from stoa.inbox.webhooks import enable_telegram_webhook

                    if channel.network != "telegram":
                        raise CommandError("Only Telegram channels push their messages to a webhook.")
                    self.stdout.write(f"Telegram now sends updates to {enable_telegram_webhook(actor, channel)}")
            else:
                channel = access_channel(actor, o["channel"], Permission.MANAGE_CHANNELS)
                set_channel_rules(actor, channel, o["min_gap"], o["daily_max"])
                self.stdout.write(f"Rules set for {channel}.")
