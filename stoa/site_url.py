"""Where people reach Stoa, for the links it sends: invitations, client approval links, notification emails and
the address Telegram pushes to.

STOA_SITE_URL when it is set. Otherwise the address `stoa run` or `stoa web` listens on (`--host`, `--port`): the
web server records it in the data directory when it starts, so that a worker in another process (`stoa worker`,
the task consumer) builds the same links as the web process, not links to a port nothing listens on."""

import logging
import os
from urllib.parse import urlsplit

from django.conf import settings

log = logging.getLogger("stoa")
DEFAULT = "http://127.0.0.1:8000"  # `stoa run` with no options
RECORD = "listening-at"  # in the data directory
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EVERY_INTERFACE = {"", "0.0.0.0", "::"}


def site_url() -> str:
    """The address links start with, without a trailing slash."""
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    try:
        return (settings.DATA_DIR / RECORD).read_text().strip() or DEFAULT
    except OSError:  # no web server has started with this data directory yet
        return DEFAULT


def listening_at(host: str, url: str) -> None:
    """The web server listens on `url` (its `--host` was `host`): links follow it unless STOA_SITE_URL is set,
    and a configured STOA_SITE_URL that cannot reach this server is said at start, not found out by a client."""
    path = settings.DATA_DIR / RECORD
    temporary = path.with_suffix(f".{os.getpid()}")
    temporary.write_text(url.rstrip("/") + "\n")
    os.replace(temporary, path)  # a worker reading it meanwhile sees the old address or the new, never half
    if not settings.SITE_URL:
        if host in EVERY_INTERFACE:
            log.warning("Stoa listens on every network interface, but the links it sends (invitations, client "
                        "links) start with %s, which reaches this machine only. Set STOA_SITE_URL to the address "
                        "other people reach it at.", site_url())
        return
    if warning := mismatch(settings.SITE_URL, host, url):
        log.warning(warning)
    elif urlsplit(settings.SITE_URL).hostname not in LOOPBACK | {host}:
        log.info("The links Stoa sends start with STOA_SITE_URL=%s, and it listens on %s: right when a proxy "
                 "forwards that address here.", settings.SITE_URL, url)


def mismatch(configured: str, host: str, url: str) -> str:
    """Why links to `configured` miss a server listening on `url` (its `--host` was `host`), or ''. Only an
    address naming this server is judged: another host name may be a reverse proxy that forwards here."""
    wanted, served = urlsplit(configured), urlsplit(url)
    if wanted.hostname not in LOOPBACK | {host}:
        return ""
    port = wanted.port or {"http": 80, "https": 443}.get(wanted.scheme)
    if (wanted.scheme, port) == (served.scheme, served.port):
        return ""
    return (f"STOA_SITE_URL is {configured}, but Stoa listens on {url}: the links it sends (invitations, client "
            f"links, notifications) would lead where Stoa is not. Correct STOA_SITE_URL, or unset it to use the "
            f"address Stoa listens on.")
