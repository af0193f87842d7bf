"""Test settings: a throwaway data directory, tasks run inline, quick engine timings."""

import atexit
import os
import shutil
import tempfile

if "STOA_DATA_DIR" not in os.environ:
    os.environ["STOA_DATA_DIR"] = tempfile.mkdtemp(prefix="stoa-test-")
    atexit.register(shutil.rmtree, os.environ["STOA_DATA_DIR"], ignore_errors=True)  # nothing left behind
os.environ.setdefault("STOA_SECRET_KEY", "test-secret-key-not-for-production")

from stoa.settings import *  # noqa: E402,F403

HUEY = {**HUEY, "immediate": True}  # noqa: F405  (immediate mode keeps tasks in memory)
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STOA_HTTP_TIMEOUT_SECONDS = 2.0
STOA_LEASE_SECONDS = 30
# A connected channel's backfill reads its network at once; the tests of analytics turn it on where they look at it.
STOA_ANALYTICS_BACKFILL_ON_CONNECT = False
# The OAuth 2.0 test network (stoa/testing/oauth_network.py), which production never lists.
STOA_EXTRA_PROVIDERS = {**STOA_EXTRA_PROVIDERS, "oauthtest": "stoa.testing.oauth_network.OAuthTestProvider"}  # noqa: F405

# A file, not SQLite's shared in-memory database, so threads racing for claims lock it
# the way separate processes do.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
