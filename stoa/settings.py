"""Django settings for Stoa, read from the environment.

Embedded default: SQLite and SqliteHuey under STOA_DATA_DIR, one process.
Scaled: DATABASE_URL (PostgreSQL) and STOA_TASKS=redis with REDIS_URL.
"""

import json
import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (for container secrets)."""
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return None


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("STOA_DATA_DIR", BASE_DIR / "data")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, or one generated once and kept in the data directory."""
    if key := env_secret("STOA_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# Key for credentials at rest; defaults to one derived from SECRET_KEY (see stoa/crypto.py).
STOA_ENCRYPTION_KEY = env_secret("STOA_ENCRYPTION_KEY")

DEBUG = env_bool("STOA_DEBUG")
ALLOWED_HOSTS = os.environ.get("STOA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("STOA_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CSRF_FAILURE_VIEW = "stoa.web.error_pages.form_expired"  # in the person's language, with the menu
# Where people reach Stoa, for the links it sends; empty: where `stoa run` / `stoa web` listen. Read it through
# stoa.site_url.site_url(), which knows that address also in a worker process.
SITE_URL = os.environ.get("STOA_SITE_URL", "").strip().rstrip("/")
# Where Stoa's short links (/l/<code>) start; empty: the site URL. A shorter domain that forwards /l/ here saves
# characters on the networks that count a link's letters (stoa/links/shortening.py).
STOA_SHORT_LINK_BASE_URL = os.environ.get("STOA_SHORT_LINK_BASE_URL", "").strip().rstrip("/")


def public_base_url(value: str) -> str:
    """STOA_PUBLIC_BASE_URL as Stoa uses it (no trailing slash), or ValueError: the networks fetch media over https,
    so plain http is accepted only for this machine (127.0.0.1, localhost), to try it while developing."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parts = urlsplit(value)
    reachable = parts.scheme == "https" and parts.hostname
    local = parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if not (reachable or local) or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"STOA_PUBLIC_BASE_URL must be an https address such as https://stoa.example.com (http only "
                         f"for 127.0.0.1 or localhost), with no query or password, not {value!r}")
    return value


# Where the networks that fetch media from an address (Instagram, Threads, Facebook) download it: each file at a
# signed, expiring <base>/m/... (stoa/posts/public_media.py); empty: Stoa has no address they can reach.
STOA_PUBLIC_BASE_URL = public_base_url(os.environ.get("STOA_PUBLIC_BASE_URL", ""))
# How often the clicks appended to the click log are moved into the database (stoa/links/clicklog.py).
STOA_CLICK_FOLD_SECONDS = float(os.environ.get("STOA_CLICK_FOLD_SECONDS", "10"))
# This machine's name for its click logs, when several web machines share one database (default: its host name).
STOA_MACHINE_NAME = os.environ.get("STOA_MACHINE_NAME", "").strip()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "huey.contrib.djhuey",
    "stoa.workspaces",
    "stoa.channels",
    "stoa.links",
    "stoa.posts",
    "stoa.publishing",
    "stoa.approvals",
    "stoa.planning",
    "stoa.inbox",
    "stoa.contests",
    "stoa.audience",
    "stoa.campaigns",
    "stoa.listening",
    "stoa.analytics",
    "stoa.reports",
    "stoa.web",
    "stoa.runtime",
]
if DEBUG:
    INSTALLED_APPS.insert(0, "whitenoise.runserver_nostatic")

MIDDLEWARE = [
    "stoa.api.errors.api_error_shape",  # outermost: sees every answer under /api/, however it was made
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "stoa.links.redirects.short_links",  # a short link found is answered here, before the pages' middleware
    "stoa.posts.public_media.serve_public_media",  # so is a signed media link (/m/...), for the networks' fetchers
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "stoa.web.middleware.user_language",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "stoa.web.middleware.refuse_broken_text",
]

ROOT_URLCONF = "stoa.urls"
WSGI_APPLICATION = "stoa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stoa.web.navigation.navigation",
            ],
        },
    },
]

DATABASE_URL = os.environ.get("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "stoa.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE: a write transaction takes the lock when it begins, so concurrent
                # claims wait on busy_timeout instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The interface languages; Hebrew, Arabic and Persian are right to left.
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("he", "עברית"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("el", "Ελληνικά"),
]
LOCALE_PATHS = [BASE_DIR / "stoa" / "locale"]
FORMAT_MODULE_PATH = ["stoa.formats"]  # one way to write a date per language, on every page
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve app static files without a collectstatic step
MEDIA_ROOT = Path(os.environ.get("STOA_MEDIA_DIR", DATA_DIR / "media"))
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

EMAIL_BACKEND = os.environ.get("STOA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("STOA_FROM_EMAIL", "stoa@localhost")
# For STOA_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend: the directory each email is written to.
if os.environ.get("STOA_EMAIL_DIR"):
    EMAIL_FILE_PATH = os.environ["STOA_EMAIL_DIR"]

# Tasks: sqlite (embedded default) or redis (scaled). Same task code either way.
STOA_TASKS = os.environ.get("STOA_TASKS", "sqlite")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# The queue's name, which its Redis keys start with: Stoa installations sharing one Redis database need their own.
STOA_TASKS_NAME = os.environ.get("STOA_TASKS_NAME", "stoa")
if STOA_TASKS == "redis":
    HUEY = {"huey_class": "huey.RedisHuey", "name": STOA_TASKS_NAME, "url": REDIS_URL, "immediate": False}
elif STOA_TASKS == "sqlite":
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": STOA_TASKS_NAME,
        "filename": str(DATA_DIR / "tasks.sqlite3"),
        "immediate": env_bool("STOA_TASKS_IMMEDIATE"),
    }
else:
    raise ValueError(f"STOA_TASKS must be 'sqlite' or 'redis', not {STOA_TASKS!r}")

# The publishing engine.
STOA_PUBLISHER_THREADS = env_int("STOA_PUBLISHER_THREADS", 16)
# A publish in flight holds a lease, renewed by its worker every third of it while the worker lives;
# a worker known to be dead (liveness.py) is not waited for at all.
STOA_LEASE_SECONDS = env_int("STOA_LEASE_SECONDS", 60)
STOA_POLL_SECONDS = float(os.environ.get("STOA_POLL_SECONDS", "1.0"))
STOA_MISSED_AFTER_SECONDS = env_int("STOA_MISSED_AFTER_SECONDS", 30 * 60)
STOA_MAX_ATTEMPTS = env_int("STOA_MAX_ATTEMPTS", 6)
STOA_HTTP_TIMEOUT_SECONDS = float(os.environ.get("STOA_HTTP_TIMEOUT_SECONDS", "30"))
# An OAuth 2.0 access token is refreshed this long before it expires (stoa/channels/credentials.py).
STOA_TOKEN_REFRESH_MARGIN_SECONDS = float(os.environ.get("STOA_TOKEN_REFRESH_MARGIN_SECONDS", "60"))
# The deployment's OAuth 2.0 app per network: STOA_OAUTH_<NETWORK>_CLIENT_ID and STOA_OAUTH_<NETWORK>_CLIENT_SECRET
# (or _CLIENT_SECRET_FILE). A network set up here wins over one entered on the OAuth apps page.
STOA_OAUTH_APPS = {
    found[1].lower(): {"client_id": value.strip(), "client_secret": env_secret(f"STOA_OAUTH_{found[1]}_CLIENT_SECRET")}
    for name, value in os.environ.items()
    if (found := re.fullmatch(r"STOA_OAUTH_([A-Z0-9_]+?)_CLIENT_ID", name)) and value.strip()
}

# A network's own addresses replaced, as JSON {"<network>": {"<name>": "<url>"}} (names as each provider's
# `endpoints` lists them): the local OAuth 2.0 server in place of a network's authorize and token endpoints in tests,
# or a proxy in front of an API. Empty in production.
STOA_NETWORK_URLS = json.loads(os.environ.get("STOA_NETWORK_URLS") or "{}")

# Providers beyond Stoa's own, as key=dotted.path.Class separated by commas: the test network
# (oauthtest=stoa.testing.oauth_network.OAuthTestProvider) in tests and benchmarks; empty in production.
STOA_EXTRA_PROVIDERS = dict(
    item.strip().split("=", 1) for item in os.environ.get("STOA_EXTRA_PROVIDERS", "").split(",") if "=" in item
)

# The inbox reads every channel, and checks its response clocks, every STOA_INBOX_POLL_SECONDS, and keeps
# Mastodon's notification streams open in each worker. Every periodic job is listed in stoa/runtime/schedule.py.
STOA_INBOX_POLLING = env_bool("STOA_INBOX_POLLING", True)
_inbox_poll = os.environ.get("STOA_INBOX_POLL_SECONDS", "60").strip()
if not _inbox_poll.isdecimal() or int(_inbox_poll) < 1:
    raise ValueError(f"STOA_INBOX_POLL_SECONDS must be a whole number of seconds, 1 or more, not {_inbox_poll!r}")
STOA_INBOX_POLL_SECONDS = int(_inbox_poll)
STOA_STREAMING = env_bool("STOA_STREAMING", True)
# How often unapproved posts near their time are looked at, to remind whoever must act (a day and two hours before).
STOA_APPROVAL_REMINDER_SECONDS = env_int("STOA_APPROVAL_REMINDER_SECONDS", 300)
# Analytics: every STOA_ANALYTICS_SWEEP_SECONDS, the counts of each post due on its age ladder and each channel's
# daily audience are read (0: never); a channel's recent posts are read once when it is connected.
STOA_ANALYTICS_SWEEP_SECONDS = env_int("STOA_ANALYTICS_SWEEP_SECONDS", 300)
STOA_ANALYTICS_BACKFILL_ON_CONNECT = env_bool("STOA_ANALYTICS_BACKFILL_ON_CONNECT", True)
# Scheduled reports: every STOA_REPORT_SECONDS, the reports due are sent (each by one worker).
STOA_REPORT_SECONDS = env_int("STOA_REPORT_SECONDS", 300)
# Contests: every STOA_CONTEST_SECONDS, open contests' entries are read, closed ones frozen and frozen ones drawn.
STOA_CONTEST_SECONDS = env_int("STOA_CONTEST_SECONDS", 300)
# Audience: every STOA_AUDIENCE_SECONDS the competitors, the reposts and likes of recent posts and the audience's
# followers are read; the public Bluesky AppView that answers without a session is STOA_BLUESKY_PUBLIC_API.
STOA_AUDIENCE_SECONDS = env_int("STOA_AUDIENCE_SECONDS", 3600)
STOA_BLUESKY_PUBLIC_API = os.environ.get("STOA_BLUESKY_PUBLIC_API", "https://public.api.bsky.app")
# Paid campaigns: every STOA_CAMPAIGN_SECONDS their spend is paced against the plan and the managers alerted once.
STOA_CAMPAIGN_SECONDS = env_int("STOA_CAMPAIGN_SECONDS", 3600)
# Listening: every STOA_LISTENING_SECONDS the workspaces' queries are searched for on their channels' networks.
STOA_LISTENING_SECONDS = env_int("STOA_LISTENING_SECONDS", 600)
# ... and Bluesky's event stream is read as it flows, from this relay (a PDS serves its own accounts' stream);
# empty: search alone. Read only while a workspace with a Bluesky channel has an active query.
STOA_BLUESKY_RELAY = os.environ.get("STOA_BLUESKY_RELAY", "wss://bsky.network").strip()

# The inbox's optional classifier: an OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1).
STOA_CLASSIFIER_URL = os.environ.get("STOA_CLASSIFIER_URL", "")
STOA_CLASSIFIER_MODEL = os.environ.get("STOA_CLASSIFIER_MODEL", "local")
STOA_CLASSIFIER_API_KEY = env_secret("STOA_CLASSIFIER_API_KEY") or ""
STOA_CLASSIFIER_TIMEOUT_SECONDS = float(os.environ.get("STOA_CLASSIFIER_TIMEOUT_SECONDS", "10"))
STOA_MAX_UPLOAD_BYTES = env_int("STOA_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
# At most this many API requests per person, e.g. "600/m" (per s, m, h or d); empty: no limit.
STOA_API_RATE_LIMIT = os.environ.get("STOA_API_RATE_LIMIT", "").strip()
if STOA_API_RATE_LIMIT and not re.fullmatch(r"\d+\s*/\s*[smhd][a-z]*", STOA_API_RATE_LIMIT):
    raise ValueError(f"STOA_API_RATE_LIMIT must look like 600/m (per s, m, h or d), not {STOA_API_RATE_LIMIT!r}")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STOA_LOG_LEVEL", "INFO")},
    "loggers": {
        # httpx logs full request URLs at INFO, and Telegram puts the bot token in the URL.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
