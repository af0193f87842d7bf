"""What every page shares: access errors answered as 404 and 403, and a yes/no permission question."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404

from stoa.workspaces.access import Forbidden, NotFound, Permission, check
from stoa.workspaces.models import Workspace


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


def allowed(user, workspace: Workspace, permission: Permission) -> bool:
    try:
        check(user, workspace, permission)
    except (NotFound, Forbidden):
        return False
    return True
