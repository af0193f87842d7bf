"""The `stoa` console command: Django's management commands under Stoa's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stoa.settings")
    from django.core.management import execute_from_command_line

    from stoa.broken_text import broken_argument

    if problem := broken_argument(sys.argv[1:]):  # before any command can store it or send it on
        sys.exit(f"stoa: {problem}")

    execute_from_command_line(["stoa", *sys.argv[1:]])


if __name__ == "__main__":
    main()
