"""Media at a public address, for the networks that fetch a file from a URL instead of taking an upload
(Instagram, Threads, Facebook): <STOA_PUBLIC_BASE_URL>/m/<media id>/<expires>/<signature>/<name>.

The link is its own permission, so the fetcher needs no account: an HMAC-SHA256 of the media's id and the link's
expiry (unix seconds), under a key derived from SECRET_KEY for this purpose alone (nothing else Stoa signs can pass
for one), checked in constant time before the database is asked, so a guessed link costs no query and says nothing
of which ids exist. The link never names the file in storage; the name at its end is only for fetchers that like an
extension, and is never read.

`serve_public_media` answers a link that checks out, as a middleware placed before sessions, CSRF and the reader's
language, which a network's fetcher needs none of (like stoa.links.redirects.short_links). Anything else, a wrong
signature, an expired link, a media or file that is gone, goes on to the pages, which have no /m/ route: the same 404
page as any unknown address, saying nothing of why."""

import base64
import re
from collections.abc import Callable
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from stoa import clock
from stoa.posts.models import Media

PREFIX = "/m/"
# A network fetches within minutes, but a scheduled post's container may be made well before its time.
DEFAULT_LIFETIME = timedelta(hours=24)
PURPOSE = "stoa.posts.public_media"  # the salt: this key signs public media links and nothing else
LINK = re.compile(r"/m/(\d{1,19})/(\d{1,12})/([A-Za-z0-9_-]{43})/[^/]+")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp", "video/mp4": "mp4"}
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class NoPublicURL(Exception):
    """STOA_PUBLIC_BASE_URL is not set: the networks that fetch media have no address to fetch it from."""

    def __init__(self) -> None:
        super().__init__(_("Instagram, Threads and Facebook fetch pictures and videos from Stoa at a public "
                           "address, and none is set. Ask whoever runs Stoa to set STOA_PUBLIC_BASE_URL."))


def public_url(media: Media, lifetime: timedelta = DEFAULT_LIFETIME) -> str:
    """An address anyone can fetch `media` from until `lifetime` from now; NoPublicURL when Stoa has none."""
    base = settings.STOA_PUBLIC_BASE_URL
    if not base:
        raise NoPublicURL()
    expires = int(clock.timestamp() + lifetime.total_seconds())
    return f"{base}{PREFIX}{media.pk}/{expires}/{signature(media.pk, expires)}/{public_name(media)}"


def signature(media_id: int, expires: int, secret: str | bytes | None = None) -> str:
    digest = salted_hmac(PURPOSE, f"{media_id}/{expires}", secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def public_name(media: Media) -> str:
    """The name shown at the link's end: the upload's name in plain letters, with its type's extension."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", media.filename.rsplit(".", 1)[0]).strip("-")[:60] or "media"
    return f"{stem}.{EXTENSIONS.get(media.content_type, 'bin')}"


def signed(media_id: int, expires: int, given: str) -> bool:
    """Signed by this deployment's key, or by a key it is rotating away from (SECRET_KEY_FALLBACKS)."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return any([constant_time_compare(given, signature(media_id, expires, key)) for key in keys])


Responder = Callable[[HttpRequest], HttpResponseBase]


def serve_public_media(get_response: Responder) -> Responder:
    def middleware(request: HttpRequest) -> HttpResponseBase:
        asked = request.path_info.startswith(PREFIX) and request.method in ("GET", "HEAD")
        response = answer(request) if asked else None
        return response if response is not None else get_response(request)

    return middleware


def answer(request: HttpRequest) -> HttpResponseBase | None:
    """The file a valid link names, or None for anything else (the pages' 404 answers it)."""
    found = LINK.fullmatch(request.path_info)
    if found is None:
        return None
    media_id, expires = int(found[1]), int(found[2])
    seconds_left = expires - int(clock.timestamp())
    if seconds_left <= 0 or not signed(media_id, expires, found[3]):
        return None
    media = Media.objects.filter(pk=media_id).first()
    if media is None or not media.file.name:
        return None
    try:
        size = media.file.storage.size(media.file.name)
        handle = media.file.storage.open(media.file.name, "rb")
    except OSError:  # deleted from storage
        return None
    response = ranged(request, handle, size, media)
    if response is None:
        response = FileResponse(handle, content_type=media.content_type, filename=public_name(media))
    response["Cache-Control"] = f"private, max-age={seconds_left}"
    response["X-Robots-Tag"] = "noindex"
    response["X-Content-Type-Options"] = "nosniff"
    response["Accept-Ranges"] = "bytes"
    return response


def ranged(request: HttpRequest, handle: IO[bytes], size: int, media: Media) -> HttpResponseBase | None:
    """The part of the file a single `Range: bytes=...` asks for (players and fetchers of videos ask for parts),
    or None to send it whole: no Range, several ranges, an If-Range (Stoa gives no validator to compare it with),
    or a range that does not parse, which the RFC says to ignore."""
    found = RANGE.fullmatch(request.headers.get("Range", "").strip())
    if found is None or "If-Range" in request.headers or found[1] == found[2] == "":
        return None
    if found[1]:
        start, end = int(found[1]), min(int(found[2]) if found[2] else size - 1, size - 1)
        if found[2] and int(found[2]) < start:
            return None
    else:  # the last n bytes
        start, end = max(size - int(found[2]), 0), size - 1
    if start > end:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    handle.seek(start)
    response = FileResponse(Window(handle, end - start + 1), status=206, content_type=media.content_type,
                            filename=public_name(media))
    response["Content-Length"] = str(end - start + 1)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response


class Window:
    """The next `length` bytes of an open file, read as FileResponse reads a file (it closes it when done)."""

    def __init__(self, handle: IO[bytes], length: int) -> None:
        self.handle, self.left = handle, length

    def read(self, n: int = -1) -> bytes:
        data = self.handle.read(self.left if n < 0 else min(n, self.left))
        self.left -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()
