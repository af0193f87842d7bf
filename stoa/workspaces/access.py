"""Every permission check in Stoa goes through here.

Views, the API and the CLI call access_* helpers (those of a workspace here, those of an app's own objects in
its access.py, built on access_in_workspace); the helpers raise NotFound both for objects
that do not exist and for objects the caller may not see, so nothing leaks across workspaces.
"""

from typing import ClassVar

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext

from stoa.errors import Forbidden, NotFound
from stoa.workspaces.models import Membership, Role, Workspace


class Permission(str):
    """What a role may do in a workspace, by name. The workspace's own are named here; an app above adds its own with
    grant() in its permissions.py, which its AppConfig.ready imports, so this floor names no app above it."""

    registry: ClassVar[dict[str, "Permission"]] = {}

    VIEW: ClassVar["Permission"]
    VIEW_PUBLICATIONS: ClassVar["Permission"]
    EDIT_POSTS: ClassVar["Permission"]
    PUBLISH: ClassVar["Permission"]
    MANAGE_CHANNELS: ClassVar["Permission"]
    MANAGE_WORKSPACE: ClassVar["Permission"]
    VIEW_AUDIT: ClassVar["Permission"]
    VIEW_ANALYTICS: ClassVar["Permission"]

    @classmethod
    def all(cls) -> list["Permission"]:
        return list(cls.registry.values())


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {role: frozenset() for role in Role.values}


def grant(name: str, *roles: str) -> Permission:
    """The permission `name`, allowed to `roles` (and to no other); once per name."""
    if name in Permission.registry:
        raise ValueError(f"The permission {name!r} is granted once, where it is defined.")
    permission = Permission.registry[name] = Permission(name)
    for role in roles:
        ROLE_PERMISSIONS[role] |= {permission}
    return permission


MANAGERS = (Role.OWNER, Role.MANAGER)
Permission.VIEW = grant("view", *Role.values)
Permission.VIEW_PUBLICATIONS = grant("view_publications", *MANAGERS, Role.CONTENT_EDITOR, Role.COMMUNITY_MANAGER,
                                     Role.ANALYST)
Permission.EDIT_POSTS = grant("edit_posts", *MANAGERS, Role.CONTENT_EDITOR)
Permission.PUBLISH = grant("publish", *MANAGERS, Role.CONTENT_EDITOR)
Permission.MANAGE_CHANNELS = grant("manage_channels", *MANAGERS)
# Settings, members and invitations, approval flow.
Permission.MANAGE_WORKSPACE = grant("manage_workspace", *MANAGERS)
Permission.VIEW_AUDIT = grant("view_audit", *MANAGERS, Role.ANALYST)
# The analytics pages and KPIs (read-only; targets need MANAGE_WORKSPACE); clients see the brand's numbers too.
Permission.VIEW_ANALYTICS = grant("view_analytics", *MANAGERS, Role.CONTENT_EDITOR, Role.ANALYST, Role.CLIENT)


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
