"""`stoa contest verify FILE`: reproduce a contest's winners from its published file alone."""

import json
from pathlib import Path

from django.core.management.base import CommandError

from stoa.commandline import StoaCommand
from stoa.contests import draw


class Command(StoaCommand):
    help = "Contests: verify a published draw file (the frozen list, its hash, the random value and the winners)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        verify = commands.add_parser("verify", help="reproduce the winners from a published draw file",
                                     description="Reproduce the winners from a published draw file.")
        verify.add_argument("file", help="the published file (JSON), as downloaded from the contest's public page")
        verify.add_argument("--hash", default="", help="the frozen list's SHA-256 as published before the draw")

    def handle(self, *args, command, file, hash="", **options):
        checked = draw.verify(read(Path(file)), hash.strip().lower())
        for line in checked.unchecked:
            self.stdout.write(f"Not checked: {line}")
        if not checked.ok:
            said_problems = "\n".join(f"- {problem}" for problem in checked.problems)
            raise CommandError(f"The draw does NOT verify:\n{said_problems}")
        self.stdout.write("The draw verifies: the list's hash, the random value and the winners all match.")
        for place, entrant in enumerate(checked.winners, start=1):
            self.stdout.write(f"Winner {place}: {said(entrant)}")
        for place, entrant in enumerate(checked.substitutes, start=1):
            self.stdout.write(f"Substitute {place}: {said(entrant)}")


def said(entrant: draw.Entrant) -> str:
    return f"{entrant.network} {entrant.account_id} {entrant.handle}".rstrip()


def read(path: Path) -> dict:
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise CommandError(f"{path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CommandError(f"{path}: not a JSON file.") from None
    if not isinstance(document, dict) or "frozen" not in document:
        raise CommandError(f"{path}: not a published contest draw (no frozen list in it).")
    return document
