"""Writes to workspaces, memberships and the audit log."""

from collections.abc import Iterable
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise, lazy
from django.utils.text import slugify

from stoa.errors import ActionError
from stoa.workspaces.forms import WorkspaceForm
from stoa.workspaces.mail import email_notifications
from stoa.workspaces.models import (
    AuditEvent,
    Membership,
    Notification,
    Role,
    UserSettings,
    Workspace,
)

MANAGING_ROLES = (Role.OWNER, Role.MANAGER)

ENGINE = "engine"


def audit(workspace_id: int, actor, action: str, obj=None, **detail) -> AuditEvent:
    """Record who did what. `actor` is a user, or None for the publishing engine."""
    return AuditEvent.objects.create(
        workspace_id=workspace_id,
        actor=actor,
        actor_label=actor.get_username() if actor else ENGINE,
        action=action,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=obj.pk if obj is not None else None,
        detail=detail,
    )


def notify(workspace_id: int, kind: str, message: str | Promise, *, link: str = "",
           to: Iterable | None = None) -> list[Notification]:
    """Tell people of a workspace, in the app now and by email through a task: the users `to`,
    or the workspace's owners and managers. A lazy message is written in each one's language."""
    if to is None:
        to = [m.user for m in Membership.objects.filter(workspace_id=workspace_id, role__in=MANAGING_ROLES)
              .select_related("user")]
    notifications = []
    for user in {u.pk: u for u in to}.values():
        with translation.override(language_of(user)):
            notifications.append(Notification(workspace_id=workspace_id, user=user, kind=kind,
                                              message=str(message), link=link))
    Notification.objects.bulk_create(notifications)
    ids = [n.pk for n in notifications]
    if ids:
        transaction.on_commit(lambda: email_notifications(ids))
    return notifications


def in_their_language(message: Promise, **values) -> Promise:
    """A lazy message with %(name)s values filled in when it is rendered, so that notify() writes
    it in each recipient's language: in_their_language(_("A post needs review: %(title)s"), title=...)."""
    # cast: django-stubs types what lazy() makes as its function's result (str), but it is a lazy Promise.
    return cast(Promise, lazy(lambda: str(message) % values, str)())


def language_of(user) -> str:
    """The language a person chose for Stoa, or the site's default."""
    chosen = UserSettings.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return chosen or settings.LANGUAGE_CODE


@transaction.atomic
def create_workspace(actor, name: str, timezone: str = "UTC", language: str = "en", slug: str = "") -> Workspace:
    """A new workspace with `actor` as its owner."""
    form = WorkspaceForm({"name": name, "timezone": timezone, "language": language})
    if not form.is_valid():
        raise ActionError.of_form(form)
    name = form.cleaned_data["name"]
    slug = slugify(slug or name, allow_unicode=False)[:50] or "workspace"
    base, n = slug, 2
    while Workspace.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    workspace = Workspace.objects.create(name=name, slug=slug, timezone=timezone, language=language)
    if actor is not None:
        Membership.objects.create(workspace=workspace, user=actor, role=Role.OWNER)
    audit(workspace.pk, actor, "workspace.created", workspace, name=workspace.name)
    return workspace


@transaction.atomic
def add_member(actor, workspace: Workspace, username: str, role: str) -> Membership:
    if role not in Role.values:
        raise ActionError({"role": [f"Unknown role {role!r}; choose one of {', '.join(Role.values)}."]})
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ActionError({"username": [f"No user {username!r}."]})
    membership, _ = Membership.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
    audit(workspace.pk, actor, "member.set", membership, username=username, role=role)
    return membership
