"""What Stoa's management commands share: a help page with only their own options, who is acting,
secrets read without echo, and errors said plainly."""

import argparse
import getpass
import sys
from contextlib import contextmanager
from typing import IO, Literal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from stoa.broken_text import problem
from stoa.errors import ActionError, Forbidden, NotFound
from stoa.providers.base import ProviderError


class StoaCommand(BaseCommand):
    """A Stoa command. Django's own options (--settings, --pythonpath, --verbosity, --traceback...)
    still work but stay out of its help, which shows what the command itself takes."""

    suppressed_base_arguments = {"--version", "-v", "--verbosity", "--settings", "--pythonpath", "--traceback",
                                 "--no-color", "--force-color"}
    # The long-running ones (run, web, worker) check the setup at start: "__all__".
    requires_system_checks: list[str] | Literal["__all__"] = []


def add_user_argument(parser) -> None:
    parser.add_argument("--user", metavar="USERNAME", help="act as this user (default: the first administrator)")


def add_subcommand(subparsers, name: str, help: str, user: bool = True) -> argparse.ArgumentParser:
    """A subcommand with its one line of help, shown both in the command's list and on its own page.
    It takes --user after its name too (`stoa post schedule --user olga ...`)."""
    parser = subparsers.add_parser(name, help=help, description=help)
    if user:
        parser.add_argument("--user", metavar="USERNAME", default=argparse.SUPPRESS,
                            help="act as this user (default: the first administrator)")
    return parser


def read_secret(name: str, stdin: IO[str] | None = None) -> str:
    """A secret given as `-`: typed unseen at a terminal, else one line read from the pipe, silently
    (`echo "$TOKEN" | stoa channel add ...`); several `-` read one line each, in order."""
    stdin = stdin if stdin is not None else sys.stdin
    try:
        if stdin is not None and stdin.isatty():
            line = getpass.getpass(f"{name}: ")
        else:
            line = stdin.readline() if stdin is not None else ""
            if not line:
                raise CommandError(f"{name}=-: nothing to read on standard input (pipe the value in, or run "
                                   "this at a terminal to type it).")
    except UnicodeDecodeError:
        raise CommandError(f"{name}=-: what was read is not UTF-8 text.") from None
    value = line.rstrip("\r\n")
    if reason := problem(value):  # a NUL, or bytes that are not UTF-8 kept as lone surrogates
        raise CommandError(f"{name}: {reason}")
    return value


def acting_user(username: str | None):
    users = get_user_model().objects
    user = users.filter(username=username).first() if username else (
        users.filter(is_superuser=True, is_active=True).order_by("pk").first())
    if user is None:
        raise CommandError(f"No user {username!r}." if username else
                           "No administrator yet: run `stoa ensureadmin` or pass --user.")
    return user


@contextmanager
def plain_errors():
    """Turn Stoa's errors into a CommandError: one clear line, exit status 1, no traceback."""
    try:
        yield
    except ActionError as e:
        raise CommandError(e.summary()) from None
    except (NotFound, Forbidden) as e:
        raise CommandError(str(e)) from None
    except ProviderError as e:
        raise CommandError(e.message) from None
