"""Every permission check in Stoa goes through here.

Views, the API and the CLI call access_* helpers (those of a workspace here, those of an app's own objects in
its access.py, built on access_in_workspace); the helpers raise NotFound both for objects
that do not exist and for objects the caller may not see, so nothing leaks across workspaces.
"""

import enum

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext

from stoa.errors import Forbidden, NotFound
from stoa.workspaces.models import Membership, Role, Workspace


class Permission(enum.StrEnum):
    VIEW = "view"
    VIEW_PUBLICATIONS = "view_publications"
    EDIT_POSTS = "edit_posts"
    PUBLISH = "publish"
    MANAGE_CHANNELS = "manage_channels"
    MANAGE_WORKSPACE = "manage_workspace"  # settings, members and invitations, approval flow
    VIEW_AUDIT = "view_audit"
    APPROVE = "approve"  # decide in the internal review
    SEND_TO_CLIENT = "send_to_client"  # send posts to the client for approval
    CLIENT_REVIEW = "client_review"  # see and decide on what was sent to the client
    VIEW_INBOX = "view_inbox"  # the comments, mentions and messages people send the brand
    ANSWER_INBOX = "answer_inbox"  # take, answer and close them
    VIEW_ANALYTICS = "view_analytics"  # the analytics pages and KPIs (read-only; targets need MANAGE_WORKSPACE)


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission) - {Permission.CLIENT_REVIEW},
    Role.MANAGER: frozenset(Permission) - {Permission.CLIENT_REVIEW},
    Role.CONTENT_EDITOR: frozenset(
        {Permission.VIEW, Permission.VIEW_PUBLICATIONS, Permission.EDIT_POSTS, Permission.PUBLISH,
         Permission.VIEW_ANALYTICS}
    ),
    Role.COMMUNITY_MANAGER: frozenset(
        {Permission.VIEW, Permission.VIEW_PUBLICATIONS, Permission.VIEW_INBOX, Permission.ANSWER_INBOX}
    ),
    Role.ANALYST: frozenset(
        {Permission.VIEW, Permission.VIEW_PUBLICATIONS, Permission.VIEW_AUDIT, Permission.VIEW_INBOX,
         Permission.VIEW_ANALYTICS}
    ),
    # Clients see what is sent to them for approval, and the brand's numbers (read-only).
    Role.CLIENT: frozenset({Permission.VIEW, Permission.CLIENT_REVIEW, Permission.VIEW_ANALYTICS}),
}


def workspaces_for(user, permission: Permission = Permission.VIEW) -> QuerySet[Workspace]:
    if not user.is_authenticated:
        return Workspace.objects.none()
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if permission in perms]
    return Workspace.objects.filter(memberships__user=user, memberships__role__in=roles).distinct()


def role_in(user, workspace: Workspace) -> str | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, workspace=workspace).only("role").first()
    return membership.role if membership else None


def check(user, workspace: Workspace, permission: Permission) -> None:
    role = role_in(user, workspace)
    if role is None:
        raise NotFound("No such workspace.")
    if permission not in ROLE_PERMISSIONS[role]:
        raise Forbidden(gettext("Your role in %(workspace)s (%(role)s) does not allow this.")
                        % {"workspace": workspace.name, "role": Role(role).label})


def allowed(user, workspace: Workspace, permission: Permission) -> bool:
    """check() as a yes/no question, for what a page shows."""
    try:
        check(user, workspace, permission)
    except (NotFound, Forbidden):
        return False
    return True


def chosen_workspace(request: HttpRequest, permission: Permission) -> tuple[Workspace, list[Workspace]]:
    """The workspace named by ?workspace=<slug> (or the form's), else the first where the user may do
    `permission`; and all of those. A user with none gets Forbidden (the page's 403)."""
    mine = list(workspaces_for(request.user, permission))
    if not mine:
        raise Forbidden(gettext("None of your workspaces lets you do this."))
    slug = request.GET.get("workspace") or request.POST.get("workspace", "")
    return next((w for w in mine if w.slug == slug), None) or mine[0], mine


def access_workspace(user, key: int | str, permission: Permission = Permission.VIEW) -> Workspace:
    """The workspace by id or slug, if the user may do `permission` in it."""
    lookup = {"pk": key} if isinstance(key, int) or str(key).isdigit() else {"slug": key}
    workspace = Workspace.objects.filter(**lookup).first()
    if workspace is None:
        raise NotFound(f"No workspace {key!r}.")
    check(user, workspace, permission)
    return workspace


def access_in_workspace(user, queryset: QuerySet, pk: int, label: str, permission: Permission):
    """An object of `queryset` (any model with a `workspace`), if the user may do `permission` in its workspace.
    Each app's access.py names its own objects with it (channels.access.access_channel...), so this floor imports
    none of their models."""
    obj = queryset.select_related("workspace").filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"No {label} {pk}.")
    try:
        check(user, obj.workspace, permission)
    except NotFound:
        raise NotFound(f"No {label} {pk}.") from None
    return obj
