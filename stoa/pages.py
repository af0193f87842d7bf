"""What every page shares, below every app that has pages: access errors answered as 404 and 403.

The yes/no permission question (allowed) and the workspace a request names (chosen_workspace) are access
helpers in stoa.workspaces.access."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from stoa.errors import Forbidden, NotFound


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it, for the type checker: `request.htmx` says whether htmx
    asked, for which part of the page, and whether it follows a boosted link (which wants the whole page)."""

    htmx: HtmxDetails


def access_errors(view: Callable) -> Callable:
    """NotFound -> 404 and Forbidden -> 403, the same for every page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as e:
            raise Http404(str(e)) from None
        except Forbidden as e:
            raise PermissionDenied(str(e)) from None

    return wrapped
