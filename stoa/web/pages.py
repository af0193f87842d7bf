"""What every page shares: access errors answered as 404 and 403, and a yes/no permission question."""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from stoa.workspaces.access import Forbidden, NotFound, Permission, check, workspaces_for
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


def chosen_workspace(request: HttpRequest, permission: Permission) -> tuple[Workspace, list[Workspace]]:
    """The workspace named by ?workspace=<slug> (or the form's), else the first where the user may do
    `permission`; and all of those. A user with none gets the page's 403."""
    mine = list(workspaces_for(request.user, permission))
    if not mine:
        raise Forbidden(_("None of your workspaces lets you do this."))
    slug = request.GET.get("workspace") or request.POST.get("workspace", "")
    return next((w for w in mine if w.slug == slug), None) or mine[0], mine
