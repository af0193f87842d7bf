import json
import sys
from collections.abc import Sequence

from django.core.management.base import CommandError

from stoa.channels import oauth
from stoa.channels.access import access_channel
from stoa.channels.actions import connect_authorized, connect_channel, set_channel_rules
from stoa.channels.models import Channel
from stoa.channels.push import enable_push
from stoa.commandline import StoaCommand, acting_user, add_subcommand, add_user_argument, plain_errors, read_secret
from stoa.errors import ActionError
from stoa.providers.base import Account
from stoa.providers.capabilities import Authorizes, ReceivesPush
from stoa.providers.registry import PROVIDERS, get_provider_class, providers_with, supports
from stoa.workspaces.access import Permission, access_workspace


def _fields_by_network(credentials: bool) -> str:
    """'bluesky: identifier, app_password; mastodon: access_token; ...' from the providers' connect fields."""
    parts = []
    for key in PROVIDERS:
        names = [f.name + ("" if f.required else " (optional)")
                 for f in get_provider_class(key).connect_fields if f.in_credentials == credentials]
        if names:
            parts.append(f"{key}: {', '.join(names)}")
    return "; ".join(parts)


def key_values(pairs: list[str], secret: bool, stdin=None) -> dict:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"{pair!r}: write it as KEY=VALUE.")
        if secret and value == "-":  # keeps the secret out of shell history and the process list
            value = read_secret(key.strip(), stdin)
        values[key.strip()] = value
    return values


def said_for_the_command_line(error: ActionError, network: str) -> str:
    """The action's errors, each connect field named the way it is given here (--secret app_password=...)."""
    fields = {f.name: f for f in get_provider_class(network).connect_fields} if network in PROVIDERS else {}
    said = []
    for key, messages in error.errors.items():
        for message in messages:
            if key in fields:
                said.append(f"--{'secret' if fields[key].in_credentials else 'config'} {key}=…: {message}")
            elif key in ("__all__", "credentials"):
                said.append(message)
            else:
                said.append(f"{key}: {message}")
    return "; ".join(said)


def whole_answer(network: str) -> bool:
    """Whether the network's answer carries more than the code that its token request needs (VK ID's device_id),
    so the whole address must be pasted."""
    provider_class = get_provider_class(network)
    return issubclass(provider_class, Authorizes) and bool(provider_class.callback_fields)


def chosen_targets(targets: Sequence[Account], ids: list[str]) -> list[Account]:
    """The granted accounts, pages or groups named by --target (all when none is named)."""
    unknown = [i for i in ids if i not in {t.remote_id for t in targets}]
    if unknown:
        given = ", ".join(f"{t.name} ({t.remote_id})" for t in targets)
        raise CommandError(f"--target {', '.join(unknown)}: not in this authorization, which gives {given}. "
                           "Nothing was connected.")
    return [t for t in targets if not ids or t.remote_id in ids]


class Command(StoaCommand):
    help = "Connect channels (Bluesky, Mastodon, Telegram), list them, set their posting rules and what they listen to."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        add_user_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        add = add_subcommand(sub, "add", "Connect a channel; the credentials are checked with the network first.")
        add.add_argument("workspace", help="the workspace, by id or slug")
        add.add_argument("network", choices=list(PROVIDERS), metavar="NETWORK", help="the network: %(choices)s")
        add.add_argument("--name", default="", help="the channel's name in Stoa (default: the account's name)")
        add.add_argument("--config", action="append", default=[], metavar="KEY=VALUE",
                         help=f"a connection setting; repeat for each. {_fields_by_network(False)}")
        add.add_argument("--secret", action="append", default=[], metavar="KEY=VALUE",
                         help="a sign-in value, kept encrypted; repeat for each. KEY=- reads it unseen: typed at a "
                              "terminal, or one line from a pipe (one line per '-', in order). "
                              f"{_fields_by_network(True)}")
        add.add_argument("--min-gap", type=int, default=0, metavar="MINUTES",
                         help="minutes at least between two posts (default 0: no rule)")
        add.add_argument("--daily-max", type=int, default=0, metavar="POSTS",
                         help="posts a day at most (default 0: no rule)")
        authorize = add_subcommand(sub, "authorize", "Connect channels by signing in on the network: open the "
                                   "address printed, allow Stoa, then paste the address the browser lands on.")
        authorize.add_argument("network", choices=[p.key for p in oauth.oauth_networks()], metavar="NETWORK",
                               help="the network: %(choices)s")
        authorize.add_argument("--workspace", required=True, help="the workspace, by id or slug")
        authorize.add_argument("--instance", default="", metavar="URL", help="your server's address (Mastodon)")
        authorize.add_argument("--target", action="append", default=[], metavar="ID",
                               help="an account, page or group the sign-in gives to connect; repeat for each "
                                    "(default: all)")
        listing = add_subcommand(sub, "list", "The channels of a workspace: id, network, status and name.")
        listing.add_argument("workspace", help="the workspace, by id or slug")
        listing.add_argument("--json", action="store_true", help="one JSON array instead, for scripts")
        rules = add_subcommand(sub, "rules", "Set a channel's posting rules.")
        rules.add_argument("channel", type=int, help="the channel's id (see `stoa channel list`)")
        rules.add_argument("--min-gap", type=int, required=True, metavar="MINUTES",
                           help="minutes at least between two posts (0: no rule)")
        rules.add_argument("--daily-max", type=int, required=True, metavar="POSTS",
                           help="posts a day at most (0: no rule)")
        listen = add_subcommand(sub, "listen", "What the inbox reads besides the account's own messages.")
        listen.add_argument("channel", type=int, help="the channel's id (see `stoa channel list`)")
        listen.add_argument("--search", action="append", default=[], metavar="TERM",
                            help="a name of the brand to search for (Bluesky, Mastodon); repeat for more; "
                                 "none clears the search")
        listen.add_argument("--push", "--telegram-webhook", action="store_true", dest="push",
                            help="have the network push messages to STOA_SITE_URL instead of being polled (Telegram)")

    def handle(self, *args, action, user=None, **o):
        actor = acting_user(user)
        with plain_errors():
            if action == "add":
                ws = access_workspace(actor, o["workspace"], Permission.MANAGE_CHANNELS)
                config = key_values(o["config"], False)
                credentials = key_values(o["secret"], True, o.get("stdin"))
                try:
                    channel = connect_channel(actor, ws, o["network"], config, credentials, name=o["name"],
                                              min_gap_minutes=o["min_gap"], daily_max=o["daily_max"])
                except ActionError as e:
                    raise CommandError(said_for_the_command_line(e, o["network"])) from None
                self.stdout.write(f"Connected channel {channel.pk}: {channel}.")
            elif action == "authorize":
                self.authorize(actor, o)
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
                if o["push"]:
                    if not supports(channel, ReceivesPush):
                        pushing = [cls.name for cls in providers_with(ReceivesPush)]
                        said = " and ".join([", ".join(pushing[:-1]), pushing[-1]] if len(pushing) > 1 else pushing)
                        raise CommandError(f"{channel.network_name} does not push messages through a channel's own "
                                           f"address; {said} {'do' if len(pushing) > 1 else 'does'}.")
                    self.stdout.write(f"{channel.network_name} now sends messages to {enable_push(actor, channel)}")
            else:
                channel = access_channel(actor, o["channel"], Permission.MANAGE_CHANNELS)
                set_channel_rules(actor, channel, o["min_gap"], o["daily_max"])
                self.stdout.write(f"Rules set for {channel}.")

    def authorize(self, actor, o) -> None:
        """The connect flow of the channels page, with the person's browser for the network's consent page and
        standard input for its answer: the same state and PKCE checks (stoa.channels.oauth)."""
        workspace = access_workspace(actor, o["workspace"], Permission.MANAGE_CHANNELS)
        session: dict = {}
        try:
            url = oauth.start(session, o["network"], workspace.pk, server=o["instance"], command_line=True)
            self.stdout.write("Open this address in a browser and allow Stoa there:")
            self.stdout.write(url)
            self.stdout.write("Then paste here the address the browser lands on" + (
                ":" if whole_answer(o["network"]) else " (or only its code):"))
            self.stdout.flush()
            pasted = (o.get("stdin") or sys.stdin).readline()
            if not pasted.strip():
                raise CommandError("Nothing was pasted, so nothing was connected.")
            granted = oauth.finish(session, o["network"], oauth.pasted_answer(session, pasted),
                                   lambda workspace_id, _channel: access_workspace(actor, workspace_id,
                                                                                   Permission.MANAGE_CHANNELS))
        except oauth.Refused as e:
            raise CommandError(e.message) from None
        channels = connect_authorized(actor, workspace, granted.network, granted.config, granted.credentials,
                                      chosen_targets(granted.targets, o["target"]))
        for channel in channels:
            self.stdout.write(f"Connected channel {channel.pk}: {channel}.")
