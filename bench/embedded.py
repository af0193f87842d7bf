"""Benchmarks run Stoa as shipped: the embedded default (SQLite) in a data directory of their own."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(data_dir: str) -> None:
    """Settings from this checkout, with nothing from the caller's environment, and a migrated database."""
    for name in [n for n in os.environ if n.startswith("STOA_") or n == "DATABASE_URL"]:
        del os.environ[name]
    os.environ.update(STOA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="stoa.settings",
                      STOA_SECRET_KEY="bench-secret-key-not-for-production")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
