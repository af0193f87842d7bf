"""The links page: a workspace's UTM and short-link settings (owners and managers change them) and its short links
with their clicks. The redirect itself is stoa/links/redirects.py."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from stoa.errors import ActionError
from stoa.links.actions import EDITABLE, link_settings_of, update_link_settings
from stoa.links.forms import LinkSettingsForm
from stoa.links.models import PLACEHOLDERS
from stoa.links.queries import links_of
from stoa.pages import access_errors
from stoa.workspaces.access import Permission, allowed, check, chosen_workspace


@login_required
@access_errors
def links_page(request: HttpRequest) -> HttpResponse:
    workspace, mine = chosen_workspace(request, Permission.VIEW_PUBLICATIONS)
    current = link_settings_of(workspace)
    form, status = LinkSettingsForm(instance=current), 200
    if request.method == "POST":
        check(request.user, workspace, Permission.MANAGE_WORKSPACE)
        form = LinkSettingsForm(request.POST, instance=link_settings_of(workspace))
        if form.is_valid():
            try:
                update_link_settings(request.user, workspace, **{n: form.cleaned_data[n] for n in EDITABLE})
            except ActionError as e:
                form.add_error(None, e.summary())
            else:
                return redirect(f"{reverse('links')}?workspace={workspace.slug}")
        status = 422
    return render(request, "links/links.html", {
        "workspace": workspace, "workspaces": mine, "form": form, "links": links_of(workspace),
        "placeholders": PLACEHOLDERS,
        "can_edit": allowed(request.user, workspace, Permission.MANAGE_WORKSPACE),
    }, status=status)
