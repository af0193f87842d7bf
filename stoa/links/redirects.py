"""/l/<code>: a short link Stoa made answers with a redirect to its target, and a person's click is written down
before the answer leaves (a click answered is a click counted): on SQLite appended to the click log
(stoa/links/clicklog.py) rather than inserted, so that redirects never wait on the database's write lock. Anything
else is the 404 page: Stoa redirects only to the targets it stored itself, never to an address taken from the request.

One indexed lookup per click, and the code -> target map is cached (a short link never changes once made). A link
found is answered by `short_links`, a middleware placed before the pages' own (sessions, CSRF, the reader's
language...), which a redirect needs none of: like WhiteNoise for static files. Anything else goes on to the pages
and their 404, in the reader's language."""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from stoa import clock
from stoa.links import clicklog
from stoa.links.crawlers import is_person
from stoa.links.models import ShortLink
from stoa.links.shortening import CODE_ALPHABET, CODE_LENGTH

CACHE_SECONDS = 300


def target_of(code: str) -> tuple[int, str] | None:
    """(link id, target) of a code Stoa made, or None."""
    if len(code) != CODE_LENGTH or not set(code) <= set(CODE_ALPHABET):
        return None
    key = f"stoa:short-link:{code}"
    if found := cache.get(key):
        return found
    row = ShortLink.objects.filter(code=code).values_list("pk", "target").first()
    if row:
        cache.set(key, row, CACHE_SECONDS)
    return row


PREFIX = "/l/"


def short_links(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(PREFIX) and request.method in ("GET", "HEAD"):
            code = request.path_info[len(PREFIX):]
            if found := target_of(code):
                return redirect(request, code, *found)
        return get_response(request)

    return middleware


@require_safe
def follow(request: HttpRequest, code: str) -> HttpResponse:
    """The page route of /l/<code>, for what the middleware let through: a code Stoa did not make (or not yet)."""
    found = target_of(code)
    if found is None:
        raise Http404("No such link.")
    return redirect(request, code, *found)


def redirect(request: HttpRequest, code: str, link_id: int, target: str) -> HttpResponse:
    if request.method == "GET" and is_person(request.headers.get("User-Agent", "")):
        clicklog.write_down(link_id, code, clock.now(), request.headers.get("Referer", "")[:500], visitor(request))
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = "no-store"  # every click comes back here to be counted
    response["X-Robots-Tag"] = "noindex"
    return response


def visitor(request: HttpRequest) -> str:
    """Tells one person's repeat clicks apart for a day without keeping their address: the IP and browser, hashed
    with the deployment's secret and the day (a new day, a new hash)."""
    seed = "|".join([settings.SECRET_KEY, clock.now().date().isoformat(), request.META.get("REMOTE_ADDR", ""),
                     request.headers.get("User-Agent", "")])
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
