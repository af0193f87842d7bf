"""The `stoa` console command: Stoa's own commands, grouped, each with one line of help; Django's
management commands (shell, dbshell, createsuperuser...) all stay reachable as `stoa django ...`,
and, for the scripts written before, also as `stoa shell`, with a line on standard error saying so."""

import difflib
import os
import sys
from importlib.metadata import PackageNotFoundError, version

# Stoa's commands in the order a person meets them, each with the line `stoa --help` shows for it.
# `migrate` and `changepassword` are Django's, listed here because running Stoa needs them.
GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Run Stoa", (
        ("run", "Set up and start all of Stoa in one process: web server, publishing engine and tasks."),
        ("web", "Run only the web server, for scaled deployments."),
        ("worker", "Run the publishing engine and the task consumer; as many as you like, anywhere."),
    )),
    ("Workspaces, people and channels", (
        ("workspace", "Create and list workspaces (one per brand or client) and set members' roles."),
        ("channel", "Connect Bluesky, Mastodon and Telegram channels; list them, set posting rules."),
        ("networks", "List the networks Stoa ships: what each can do, its limits and rate limits (--json)."),
        ("ensureadmin", "Create the first administrator if there is none, and print how to log in."),
        ("changepassword", "Set a user's password: stoa changepassword USERNAME."),
        ("apitoken", "Create an API token for scripts; it is printed once."),
    )),
    ("Posts", (
        ("post", "Schedule a post to several channels at a local time, or save it as a draft."),
        ("publications", "List publications; cancel, publish now, edit, reschedule or resolve one."),
        ("posts_csv", "Import posts from a CSV file, or export a workspace's posts to one."),
        ("contest", "Verify a contest's published draw file: stoa contest verify FILE."),
    )),
    ("Maintenance", (
        ("migrate", "Bring the database up to date (run does it by itself)."),
        ("compiletranslations", "Compile the interface's translations."),
        ("demo", "Fill an empty install with a year of six demo brands, to see the analytics at once."),
        ("django", "Django's own management commands: `stoa django help` lists them all."),
    )),
)
COMMANDS = {name for _, commands in GROUPS for name, _ in commands}


def stoa_version() -> str:
    try:
        return version("stoa")
    except PackageNotFoundError:
        return "unknown"


def main_help() -> str:
    lines = ["usage: stoa COMMAND [options]", "",
             "Stoa, self-hosted social media management: plan, publish, engage, listen, measure.", ""]
    width = max(len(name) for name in COMMANDS) + 2
    for title, commands in GROUPS:
        lines.append(f"{title}:")
        lines += [f"  {name:<{width}}{summary}" for name, summary in commands]
        lines.append("")
    lines += ["`stoa COMMAND --help` (or `stoa help COMMAND`) tells what a command takes.",
              "The environment variables Stoa reads are in README.md (STOA_DATA_DIR, DATABASE_URL...)."]
    return "\n".join(lines) + "\n"


def is_djangos(name: str) -> bool:
    import django
    from django.core.management import get_commands

    django.setup()
    return name in get_commands()


def unknown(name: str) -> str:
    close = difflib.get_close_matches(name, sorted(COMMANDS), n=1)
    hint = f" Did you mean `stoa {close[0]}`?" if close else ""
    return f"stoa: there is no command '{name}'.{hint} `stoa --help` lists them."


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stoa.settings")
    from django.core.management import execute_from_command_line

    from stoa.broken_text import broken_argument

    if problem := broken_argument(args):  # before any command can store it or send it on
        sys.exit(f"stoa: {problem}")

    first = args[0] if args else "--help"
    if first in ("-h", "--help") or args == ["help"]:
        sys.stdout.write(main_help())
    elif first in ("--version", "version"):
        sys.stdout.write(f"stoa {stoa_version()}\n")
    elif first == "help":
        main([args[1], "--help"])
    elif first == "django":
        execute_from_command_line(["stoa django", *args[1:]])
    elif first in COMMANDS:
        execute_from_command_line(["stoa", *args])
    elif is_djangos(first):  # as before this list was made, so that scripts keep working; said once
        sys.stderr.write(f"stoa: `{first}` is one of Django's commands; its place is `stoa django {first}`.\n")
        execute_from_command_line(["stoa django", *args])
    else:
        sys.stderr.write(unknown(first) + "\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
