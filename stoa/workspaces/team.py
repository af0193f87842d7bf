"""Writes for the team, invitations, workspace settings and personal preferences."""

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, ngettext

from stoa import clock
from stoa.errors import ActionError, cleaned
from stoa.site_url import site_url
from stoa.workspaces.actions import audit, in_their_language, notify
from stoa.workspaces.forms import InvitationForm, LanguageForm, RoleForm, WorkspaceSettingsForm
from stoa.workspaces.models import (
    Invitation,
    Membership,
    Role,
    UserSettings,
    Workspace,
    hash_token,
)

INVITATION_DAYS = 7


# -- Members --------------------------------------------------------------------------------------

def _other_owners(membership: Membership) -> bool:
    return Membership.objects.filter(workspace_id=membership.workspace_id, role=Role.OWNER).exclude(
        pk=membership.pk).exists()


def set_role(actor, membership: Membership, role: str) -> Membership:
    form = RoleForm({"role": role})
    if not form.is_valid():
        raise ActionError.of_form(form)
    with transaction.atomic():
        # Lock the owners so that two managers cannot demote the last two owners at once.
        list(Membership.objects.select_for_update().filter(workspace_id=membership.workspace_id, role=Role.OWNER))
        if membership.role == Role.OWNER and role != Role.OWNER and not _other_owners(membership):
            raise ActionError({"role": [gettext("A workspace needs at least one owner; make someone else "
                                                "owner first.")]})
        if actor.pk != membership.user_id and membership.role == Role.OWNER and not _is_owner(actor, membership):
            raise ActionError({"role": [gettext("Only an owner can change another owner's role.")]})
        if role == Role.OWNER and not _is_owner(actor, membership):
            raise ActionError({"role": [gettext("Only an owner can make someone an owner.")]})
        before, membership.role = membership.role, role
        membership.save(update_fields=["role"])
        audit(membership.workspace_id, actor, "member.role_changed", membership,
              username=membership.user.get_username(), before=before, role=role)
    return membership


def _is_owner(user, membership: Membership) -> bool:
    return Membership.objects.filter(workspace_id=membership.workspace_id, user=user, role=Role.OWNER).exists()


def remove_member(actor, membership: Membership) -> None:
    with transaction.atomic():
        list(Membership.objects.select_for_update().filter(workspace_id=membership.workspace_id, role=Role.OWNER))
        if membership.role == Role.OWNER and not _other_owners(membership):
            raise ActionError({"member": [gettext("The last owner cannot be removed; make someone else owner "
                                                  "first.")]})
        if membership.role == Role.OWNER and not _is_owner(actor, membership):
            raise ActionError({"member": [gettext("Only an owner can remove another owner.")]})
        audit(membership.workspace_id, actor, "member.removed", membership,
              username=membership.user.get_username(), role=membership.role)
        membership.delete()


# -- Invitations ----------------------------------------------------------------------------------

def invite(actor, workspace: Workspace, email: str, role: str) -> tuple[Invitation, str]:
    """Email an invitation to join `workspace` as `role`; returns it and its token (shown once)."""
    form = InvitationForm({"email": email, "role": role})
    if not form.is_valid():
        raise ActionError.of_form(form)
    email = form.cleaned_data["email"]
    if role == Role.OWNER and not Membership.objects.filter(workspace=workspace, user=actor,
                                                            role=Role.OWNER).exists():
        raise ActionError({"role": [gettext("Only an owner can invite an owner.")]})
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise ActionError({"email": [gettext("%(email)s is already a member of %(workspace)s.")
                                     % {"email": email, "workspace": workspace.name}]})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=workspace, email=email, role=role, token_hash=hash_token(token), invited_by=actor,
            expires_at=clock.now() + timedelta(days=INVITATION_DAYS))
        audit(workspace.pk, actor, "invitation.sent", invitation, email=email, role=role)
        transaction.on_commit(lambda: _email_invitation(invitation.pk, token))
    return invitation, token


def invitation_url(token: str) -> str:
    return f"{site_url()}{reverse('accept-invitation', args=[token])}"


def _email_invitation(invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.select_related("workspace", "invited_by").get(pk=invitation_id)
    inviter = invitation.invited_by.get_username() if invitation.invited_by else invitation.workspace.name
    with translation.override(invitation.workspace.language):
        values = {"inviter": inviter, "workspace": invitation.workspace.name, "url": invitation_url(token),
                  "role": Role(invitation.role).label, "days": INVITATION_DAYS}
        subject = gettext("%(inviter)s invited you to %(workspace)s on Stoa") % values
        body = ngettext("%(inviter)s invited you to join %(workspace)s on Stoa as %(role)s.\n\n"
                        "Accept: %(url)s\n\nThe invitation works for %(days)s day.",
                        "%(inviter)s invited you to join %(workspace)s on Stoa as %(role)s.\n\n"
                        "Accept: %(url)s\n\nThe invitation works for %(days)s days.", INVITATION_DAYS) % values
    send_mail(subject, body, None, [invitation.email])


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("workspace", "invited_by").filter(token_hash=hash_token(token)).first()


def invitation_problem(invitation: Invitation | None) -> str:
    """'' when the invitation can be accepted, else unknown / revoked / used / expired."""
    if invitation is None:
        return "unknown"
    if invitation.revoked_at:
        return "revoked"
    if invitation.accepted_at:
        return "used"
    if invitation.expires_at <= clock.now():
        return "expired"
    return ""


PROBLEM_MESSAGES = {
    "unknown": gettext_lazy("This invitation does not exist."),
    "revoked": gettext_lazy("This invitation was withdrawn."),
    "used": gettext_lazy("This invitation was already used."),
    "expired": gettext_lazy("This invitation expired; ask for a new one."),
}


def accept_invitation(user, invitation: Invitation) -> Membership:
    """The user joins the workspace with the invited role. Someone already a member keeps their
    role, so an old invitation never demotes an owner."""
    with transaction.atomic():
        problem = invitation_problem(invitation)
        if problem:
            raise ActionError({"invitation": [str(PROBLEM_MESSAGES[problem])]})
        # Conditional: one invitation makes one member, even if accepted twice at once.
        if not Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(
                accepted_at=clock.now(), accepted_by=user):
            raise ActionError({"invitation": [str(PROBLEM_MESSAGES["used"])]})
        membership, created = Membership.objects.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role})
        audit(invitation.workspace_id, user, "invitation.accepted", invitation, email=invitation.email,
              role=membership.role, joined=created)
        message = in_their_language(gettext_lazy("%(name)s joined %(workspace)s as %(role)s."),
                                    name=user.get_username(), workspace=invitation.workspace.name,
                                    role=Role(membership.role).label)
        notify(invitation.workspace_id, "member_joined", message, link=f"/team/?workspace={invitation.workspace.slug}")
    return membership


def sign_up_and_accept(invitation: Invitation, username: str, password: str):
    """A new account from an invitation: its email is the invited address."""
    errors: dict[str, list] = {}
    problem = invitation_problem(invitation)
    if problem:
        raise ActionError({"invitation": [str(PROBLEM_MESSAGES[problem])]})
    username = username.strip()
    User = get_user_model()
    if not username:
        errors["username"] = [gettext("Choose a user name.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [gettext("This user name is taken; choose another or log in.")]
    else:
        try:
            User.username_validator(username)
        except ValidationError as e:
            errors["username"] = list(e.messages)
    try:
        password_validation.validate_password(password, User(username=username, email=invitation.email))
    except ValidationError as e:
        errors["password"] = list(e.messages)
    if errors:
        raise ActionError(errors)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username, invitation.email, password)
            accept_invitation(user, invitation)
    except IntegrityError:
        raise ActionError({"username": [gettext("This user name is taken; choose another or log in.")]}) from None
    return user


def revoke_invitation(actor, invitation: Invitation) -> None:
    with transaction.atomic():
        if Invitation.objects.filter(pk=invitation.pk, revoked_at=None, accepted_at=None).update(
                revoked_at=clock.now()):
            audit(invitation.workspace_id, actor, "invitation.revoked", invitation, email=invitation.email)


# -- Settings -------------------------------------------------------------------------------------

def update_workspace(actor, workspace: Workspace, *, name: str, timezone_name: str, language: str,
                     approval_flow: str, max_selling_percent, max_selling_in_a_row) -> Workspace:
    form = WorkspaceSettingsForm({"name": name, "timezone": timezone_name, "language": language,
                                  "approval_flow": approval_flow, "max_selling_percent": max_selling_percent,
                                  "max_selling_in_a_row": max_selling_in_a_row})
    if not form.is_valid():
        raise ActionError.of_form(form)
    changed = {}
    values = form.cleaned_data
    with transaction.atomic():
        for field, value in values.items():
            if getattr(workspace, field) != value:
                changed[field] = value
                setattr(workspace, field, value)
        if changed:
            workspace.save(update_fields=list(changed))
            audit(workspace.pk, actor, "workspace.settings_changed", workspace, **changed)
    return workspace


def set_language(user, language: str) -> UserSettings:
    language = cleaned(LanguageForm({"language": language}))["language"]
    chosen, _ = UserSettings.objects.update_or_create(user=user, defaults={"language": language})
    return chosen


def mark_read(user, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read: these ids, or all of them."""
    unread = user.notifications.filter(read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=clock.now())
