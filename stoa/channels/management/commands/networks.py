"""`stoa networks`: every network Stoa ships, what it can and cannot do, its limits, rate limits and metrics.

It reads only the provider classes, so it works before `stoa migrate` and on a machine with no database.
"""

import json
import textwrap
from typing import Any

from stoa.commandline import StoaCommand
from stoa.providers.base import POST_METRICS
from stoa.providers.capabilities import CAPABILITIES
from stoa.providers.catalogue import capability_key, shipped

# Each capability in plain words; a new one missing here is said as its name, underscores as spaces.
SAID = {
    "publishes": "publish",
    "reads_inbox": "read inbox",
    "reads_messages": "read direct messages",
    "searches": "search",
    "reads_hashtags": "read hashtag timelines",
    "reads_trends": "read trending hashtags",
    "streams": "stream inbox",
    "receives_push": "receive pushed messages",
    "receives_app_push": "receive pushed messages through the app's webhook",
    "replies": "reply",
    "hides": "hide replies",
    "reads_metrics": "read metrics",
    "reads_engagement": "read who engaged",
    "authorizes": "connect by OAuth 2.0",
    "registers_apps": "register itself on each server",
}
UNITS = {"graphemes": "graphemes", "characters": "code points", "utf16": "UTF-16 units",
         "graphemes_emoji_utf8": "graphemes (an emoji counts its UTF-8 bytes)"}  # how Limits.counts counts
PERIODS = ((86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))
LABEL = 13  # the width of the labels, so every value starts in one column
WIDTH = 100
NO_BREAK = "\0"  # stands for a space inside a listed item while lines are wrapped


def said(capability: str) -> str:
    return SAID.get(capability, capability.replace("_", " "))


def every(seconds: int) -> str:
    """'every 5 minutes', 'every hour': in the largest unit the window is a whole number of."""
    size, unit = next((size, unit) for size, unit in PERIODS if seconds % size == 0)
    count = seconds // size
    return f"every {unit}" if count == 1 else f"every {count} {unit}s"


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f}".removesuffix(".0") + " MB"


def text_limit(network: dict[str, Any]) -> str:
    """'4,096 code points; 1,024 with media': the limit as the network counts it."""
    limits = network["limits"]
    limit = f"{limits['max_text']:,} {UNITS.get(limits['counts'], limits['counts'])}"
    if limits["max_caption"]:
        limit += f"; {limits['max_caption']:,} with media"
    return limit + (" (each server may set another)" if network["limits_set_by_server"] else "")


def media_limit(limits: dict[str, Any]) -> str:
    return f"{limits['max_media']} files, at most {megabytes(limits['max_media_bytes'])} each"


def formats(media_types: list[str]) -> list[str]:
    """'image: gif, jpeg, png' per kind of media."""
    kinds: dict[str, list[str]] = {}
    for media_type in media_types:
        kind, _, subtype = media_type.partition("/")
        kinds.setdefault(kind, []).append(subtype)
    return [f"{kind}: {', '.join(subtypes)}" for kind, subtypes in sorted(kinds.items())]


def cannot(capabilities: list[str]) -> list[str]:
    return [key for capability in CAPABILITIES if (key := capability_key(capability)) not in capabilities]


def metrics_lines(metrics: dict[str, Any]) -> list[str]:
    """'post: likes (sent unasked); not reposts, ...', the account's counts, and the network's note."""
    given = metrics["post"] + [f"{name} (sent unasked)" for name in metrics["pushed"]]
    missing = [name for name in POST_METRICS if name not in metrics["post"] + metrics["pushed"]]
    lines = [f"post: {', '.join(given) or 'none'}" + (f"; not {', '.join(missing)}" if given and missing else ""),
             f"account: {', '.join(metrics['account']) or 'none'}"]
    return lines + ([metrics["note"]] if metrics["note"] else [])


def listed(items: list[str]) -> str:
    """Items joined with commas, each kept whole when the line is wrapped."""
    return ", ".join(item.replace(" ", NO_BREAK) for item in items)


def block(network: dict[str, Any]) -> str:
    limits = network["limits"]
    rows = [
        ("can", [listed([said(c) for c in network["capabilities"]]) or "nothing yet"]),
        ("cannot", [listed([said(c) for c in cannot(network["capabilities"])]) or "-"]),
        ("text", [text_limit(network)]),
        ("media", [media_limit(limits), *formats(limits["media_types"])]),
        ("rate limits", [f"{r['limit']:,} {r['name']} {every(r['seconds'])}" for r in network["rate_limits"]]
         or ["none declared"]),
        ("metrics", metrics_lines(network["metrics"])),
    ]
    lines = [f"{network['name']} ({network['key']})"]
    for label, values in rows:
        for number, value in enumerate(values):
            head = f"  {label if number == 0 else '':<{LABEL}}"
            lines += [line.replace(NO_BREAK, " ") for line in textwrap.wrap(
                value, WIDTH, initial_indent=head, subsequent_indent=" " * len(head), break_on_hyphens=False)]
    return "\n".join(lines)


class Command(StoaCommand):
    help = ("List the networks Stoa ships: what each can and cannot do, its text and media limits, rate limits and "
            "metrics.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true",
                            help="print a JSON list for scripts: key, name, capabilities, limits, rate_limits, metrics")

    def handle(self, *args, **options):
        networks = shipped()
        if options["json"]:
            self.stdout.write(json.dumps(networks, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n\n".join(block(network) for network in networks))
