"""Pages: the team and invitations, notifications, personal preferences and workspace settings."""

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa.errors import ActionError, cleaned
from stoa.pages import access_errors
from stoa.workspaces import team
from stoa.workspaces.access import Permission, access_workspace, allowed, workspaces_for
from stoa.workspaces.actions import create_workspace
from stoa.workspaces.forms import (
    InvitationForm,
    LanguageForm,
    MarkReadForm,
    RoleForm,
    SignUpForm,
    WorkspaceForm,
    WorkspaceSettingsForm,
)
from stoa.workspaces.models import ApprovalFlow, Invitation, Membership, Role, Workspace


def _chosen(request: HttpRequest, permission: Permission) -> tuple[list[Workspace], Workspace | None]:
    """The user's workspaces and the one chosen with ?workspace=<slug> (the first by default)."""
    mine = list(workspaces_for(request.user, permission))
    slug = request.GET.get("workspace") or request.POST.get("workspace")
    if slug:
        return mine, access_workspace(request.user, slug, permission)
    return mine, (mine[0] if mine else None)


# -- Team -----------------------------------------------------------------------------------------

@login_required
@access_errors
def team_page(request: HttpRequest) -> HttpResponse:
    mine, workspace = _chosen(request, Permission.VIEW_PUBLICATIONS)
    return render(request, "workspaces/team.html", _team_context(request, mine, workspace))


def _team_context(request: HttpRequest, mine: list, workspace: Workspace | None, **extra) -> dict:
    if workspace is None:
        return {"workspaces": mine, "workspace": None, **extra}
    can_manage = allowed(request.user, workspace, Permission.MANAGE_WORKSPACE)
    invitations = workspace.invitations.filter(accepted_at=None, revoked_at=None).select_related("invited_by")
    return {"workspaces": mine, "workspace": workspace, "can_manage": can_manage, "roles": Role.choices,
            "members": workspace.memberships.select_related("user").order_by("user__username"),
            "invitations": invitations if can_manage else [], **extra}


def _team_url(workspace: Workspace) -> str:
    return f"{reverse('team')}?workspace={workspace.slug}"


def _team_error(request: HttpRequest, workspace: Workspace, error: ActionError) -> HttpResponse:
    mine = list(workspaces_for(request.user, Permission.VIEW_PUBLICATIONS))
    return render(request, "workspaces/team.html", _team_context(request, mine, workspace, error=error.summary()),
                  status=422)


def _membership(request: HttpRequest, membership_id: int) -> Membership:
    membership = get_object_or_404(Membership.objects.select_related("user", "workspace"), pk=membership_id,
                                   workspace__in=workspaces_for(request.user))
    access_workspace(request.user, membership.workspace_id, Permission.MANAGE_WORKSPACE)
    return membership


@login_required
@require_POST
@access_errors
def change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        form = RoleForm(request.POST)
        if not form.is_valid():
            raise ActionError.of_form(form)
        team.set_role(request.user, membership, form.cleaned_data["role"])
    except ActionError as e:
        return _team_error(request, membership.workspace, e)
    return redirect(_team_url(membership.workspace))


@login_required
@require_POST
@access_errors
def remove_member(request: HttpRequest, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    try:
        team.remove_member(request.user, membership)
    except ActionError as e:
        return _team_error(request, membership.workspace, e)
    if membership.user_id == request.user.pk:
        return redirect("home")
    return redirect(_team_url(membership.workspace))


@login_required
@require_POST
@access_errors
def invite(request: HttpRequest) -> HttpResponse:
    workspace = access_workspace(request.user, request.POST.get("workspace", ""), Permission.MANAGE_WORKSPACE)
    form = InvitationForm(request.POST)
    try:
        if not form.is_valid():
            raise ActionError.of_form(form)
        invitation, token = team.invite(request.user, workspace, form.cleaned_data["email"],
                                        form.cleaned_data["role"])
    except ActionError as e:
        return _team_error(request, workspace, e)
    messages.success(request, gettext("Invitation emailed to %(email)s.") % {"email": invitation.email})
    return redirect(_team_url(workspace))


@login_required
@require_POST
@access_errors
def revoke_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation.objects.select_related("workspace"), pk=invitation_id,
                                   workspace__in=workspaces_for(request.user))
    access_workspace(request.user, invitation.workspace_id, Permission.MANAGE_WORKSPACE)
    team.revoke_invitation(request.user, invitation)
    return redirect(_team_url(invitation.workspace))


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A logged-in person joins; anyone else creates an account here and joins."""
    invitation = team.invitation_for_token(token)
    problem = team.invitation_problem(invitation)
    if problem or invitation is None:
        return render(request, "workspaces/invitation_problem.html",
                      {"message": team.PROBLEM_MESSAGES[problem], "invitation": invitation},
                      status=404 if problem == "unknown" else 410)
    context: dict[str, object] = {"invitation": invitation, "role": Role(invitation.role).label}
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                team.accept_invitation(request.user, invitation)
            else:
                account = cleaned(SignUpForm(request.POST))
                user = team.sign_up_and_accept(invitation, account["username"], account["password"])
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except ActionError as e:
            context.update(errors=e.errors, username=SignUpForm(request.POST)["username"].value() or "")
            return render(request, "workspaces/accept.html", context, status=422)
        messages.success(request, gettext("Welcome to %(workspace)s.") % {"workspace": invitation.workspace.name})
        return redirect("home")
    return render(request, "workspaces/accept.html", context)


# -- Notifications and preferences ----------------------------------------------------------------

@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = MarkReadForm(request.POST)
        given = cleaned(form)
        team.mark_read(request.user, form.ids())
        return redirect(given["next"] or "notifications")  # only a path inside Stoa, never another site
    assert request.user.is_authenticated  # login_required
    items = request.user.notifications.select_related("workspace")[:200]
    return render(request, "workspaces/notifications.html", {"notifications": items})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            team.set_language(request.user, cleaned(LanguageForm(request.POST))["language"])
            return redirect("preferences")
        except ActionError as e:
            error = e.words()
    current = getattr(request.user, "stoa_settings", None)
    return render(request, "workspaces/preferences.html",
                  {"languages": settings.LANGUAGES, "current": current.language if current else request.LANGUAGE_CODE,
                   "error": error}, status=422 if error else 200)


# -- Workspace settings ---------------------------------------------------------------------------

def _settings_context(workspace: Workspace | None, **extra) -> dict:
    return {"workspace": workspace, "flows": ApprovalFlow.choices, "languages": settings.LANGUAGES,
            "timezones": sorted(zoneinfo.available_timezones()), **extra}


@login_required
@access_errors
def workspace_settings(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = access_workspace(request.user, slug, Permission.MANAGE_WORKSPACE)
    if request.method == "POST":
        form = WorkspaceSettingsForm(request.POST)
        required_before = workspace.requires_approval
        try:
            if not form.is_valid():
                raise ActionError.of_form(form)
            values = form.cleaned_data
            team.update_workspace(request.user, workspace, name=values["name"], timezone_name=values["timezone"],
                                  language=values["language"], approval_flow=values["approval_flow"],
                                  max_selling_percent=values["max_selling_percent"],
                                  max_selling_in_a_row=values["max_selling_in_a_row"])
        except ActionError as e:
            workspace.refresh_from_db()
            return render(request, "workspaces/settings.html",
                          _settings_context(workspace, errors=e.errors, values=request.POST), status=422)
        messages.success(request, gettext("Settings saved."))
        if workspace.requires_approval and not required_before:
            # Posts scheduled until now would wait for an approval nobody asked for: show them to the owner.
            return redirect(_scheduled_without_approval_url(workspace))
        return redirect("workspace-settings", slug=workspace.slug)
    return render(request, "workspaces/settings.html", _settings_context(workspace))


def _scheduled_without_approval_url(workspace: Workspace) -> str:
    try:
        return reverse("approval-waiting", args=[workspace.slug])
    except NoReverseMatch:  # the approvals app is not installed
        return reverse("workspace-settings", kwargs={"slug": workspace.slug})


@login_required
def new_workspace(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = WorkspaceForm(request.POST)
        try:
            if not form.is_valid():
                raise ActionError.of_form(form)
            workspace = create_workspace(request.user, **form.cleaned_data)
        except ActionError as e:
            return render(request, "workspaces/new.html",
                          _settings_context(None, errors=e.errors, values=request.POST), status=422)
        messages.success(request, gettext("%(workspace)s is created. Next, connect its first channel.")
                         % {"workspace": workspace.name})
        return redirect(f"{reverse('channels')}?workspace={workspace.slug}")
    return render(request, "workspaces/new.html", _settings_context(None))
