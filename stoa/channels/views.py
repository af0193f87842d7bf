"""The channels page: what is connected, its status and posting rules, and connecting more."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa.channels import actions
from stoa.channels.models import Channel, ChannelStatus
from stoa.errors import ActionError
from stoa.providers.registry import PROVIDERS, get_provider_class
from stoa.web.pages import access_errors, allowed
from stoa.workspaces.access import Permission, access_channel, access_workspace, workspaces_for
from stoa.workspaces.models import Workspace


def _networks(typed: dict | None = None) -> list[dict]:
    """Each network with the fields a person fills in to connect it; after an error, the values
    typed into that network's form again, never the secret ones."""
    typed = typed or {}
    networks = []
    for key in PROVIDERS:
        provider = get_provider_class(key)
        again = typed.get("network") == key
        fields = [{"name": f.name, "label": f.label, "secret": f.secret, "required": f.required,
                   "value": typed.get(f.name, "") if again and not f.secret else ""}
                  for f in provider.connect_fields]
        networks.append({"key": key, "name": provider.name, "fields": fields,
                         "typed_name": typed.get("name", "") if again else ""})
    return networks


def _context(request: HttpRequest, workspace: Workspace | None, typed: dict | None = None, **extra) -> dict:
    mine = list(workspaces_for(request.user, Permission.VIEW_PUBLICATIONS))
    if workspace is None:
        return {"workspaces": mine, "workspace": None, **extra}
    channels = list(Channel.objects.filter(workspace=workspace).order_by("name"))
    for c in channels:
        c.secret_fields = [f for f in get_provider_class(c.network).connect_fields if f.secret] \
            if c.network in PROVIDERS else []
    return {"workspaces": mine, "workspace": workspace, "channels": channels, "networks": _networks(typed),
            "can_manage": allowed(request.user, workspace, Permission.MANAGE_CHANNELS), **extra}


def _page_url(workspace: Workspace) -> str:
    return f"{reverse('channels')}?workspace={workspace.slug}"


@login_required
@access_errors
def channels_page(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("workspace")
    if slug:
        workspace = access_workspace(request.user, slug, Permission.VIEW_PUBLICATIONS)
    else:
        workspace = workspaces_for(request.user, Permission.VIEW_PUBLICATIONS).first()
    return render(request, "channels/channels.html", _context(request, workspace))


def _int(value: str, default: int = 0) -> int:
    try:
        return int(value.strip() or default)
    except ValueError:
        raise ActionError({"rules": [gettext("Posting rules are whole numbers (0 means no rule).")]}) from None


@login_required
@require_POST
@access_errors
def connect(request: HttpRequest) -> HttpResponse:
    workspace = access_workspace(request.user, request.POST.get("workspace", ""), Permission.MANAGE_CHANNELS)
    network = request.POST.get("network", "")
    try:
        fields = get_provider_class(network).connect_fields if network in PROVIDERS else ()
        # Secret fields are kept encrypted as credentials; the others are the channel's public settings.
        config = {f.name: request.POST.get(f.name, "").strip() for f in fields
                  if not f.secret and request.POST.get(f.name, "").strip()}
        credentials = {f.name: request.POST.get(f.name, "").strip() for f in fields if f.secret}
        channel = actions.connect_channel(
            request.user, workspace, network, config, credentials, name=request.POST.get("name", "").strip(),
            min_gap_minutes=_int(request.POST.get("min_gap_minutes", "")),
            daily_max=_int(request.POST.get("daily_max", "")))
    except ActionError as e:
        return render(request, "channels/channels.html",
                      _context(request, workspace, connect_error={"network": network, "message": e.summary()},
                               typed=request.POST.dict()), status=422)
    messages.success(request, gettext("%(channel)s is connected.") % {"channel": channel.name})
    return redirect(_page_url(workspace))


def _act(request: HttpRequest, channel_id: int, change) -> HttpResponse:
    """Apply `change(channel)` for a member who manages channels; show the page with the error if any."""
    channel = access_channel(request.user, channel_id, Permission.MANAGE_CHANNELS)
    try:
        change(channel)
    except ActionError as e:
        return render(request, "channels/channels.html",
                      _context(request, channel.workspace, channel_error={"id": channel.pk, "message": e.summary()}),
                      status=422)
    return redirect(_page_url(channel.workspace))


@login_required
@require_POST
@access_errors
def set_rules(request: HttpRequest, channel_id: int) -> HttpResponse:
    return _act(request, channel_id, lambda c: actions.set_channel_rules(
        request.user, c, _int(request.POST.get("min_gap_minutes", "")), _int(request.POST.get("daily_max", ""))))


@login_required
@require_POST
@access_errors
def reconnect(request: HttpRequest, channel_id: int) -> HttpResponse:
    def change(channel: Channel) -> None:
        fields = get_provider_class(channel.network).connect_fields
        credentials = {f.name: request.POST.get(f.name, "").strip() for f in fields if f.secret}
        actions.reconnect_channel(request.user, channel, credentials)

    return _act(request, channel_id, change)


@login_required
@require_POST
@access_errors
def set_status(request: HttpRequest, channel_id: int) -> HttpResponse:
    def change(channel: Channel) -> None:
        status = request.POST.get("status", "")
        if status not in (ChannelStatus.ACTIVE, ChannelStatus.DISABLED):
            raise ActionError({"status": [gettext("A channel can only be enabled or disabled here.")]})
        if status == ChannelStatus.ACTIVE and channel.status == ChannelStatus.NEEDS_RECONNECT:
            raise ActionError({"status": [gettext("Reconnect this channel with new credentials instead.")]})
        actions.set_channel_status(request.user, channel, status)

    return _act(request, channel_id, change)
