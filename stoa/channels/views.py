"""The channels page: what is connected, its status and posting rules, and connecting more."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa.channels import actions
from stoa.channels.access import access_channel
from stoa.channels.forms import ConnectForm, RulesForm, StatusForm
from stoa.channels.models import Channel, ChannelStatus
from stoa.channels.oauth_views import authorize_cards
from stoa.errors import ActionError, cleaned
from stoa.pages import access_errors
from stoa.providers.registry import PROVIDERS, get_provider_class
from stoa.workspaces.access import Permission, access_workspace, allowed, workspaces_for
from stoa.workspaces.models import Workspace


def _networks(failed: ConnectForm | None = None) -> list[dict]:
    """Each network with its connect form; the one whose connecting failed keeps what was typed into
    it (never the secrets) and its errors."""
    networks = []
    for key in PROVIDERS:
        provider = get_provider_class(key)
        if not provider.connect_fields:
            continue  # connects only by signing in on the network
        form = failed if failed is not None and failed.provider_class is provider else (
            ConnectForm(provider, auto_id=f"connect-{key}-%s"))
        networks.append({"key": key, "name": provider.name, "form": form})
    return networks


def _reconnect_form(channel: Channel, data: QueryDict | None = None) -> ConnectForm:
    """The channel's connect fields, filled in with what it uses now except the secrets; a field
    left out of what is sent keeps its value, as in the action."""
    provider = get_provider_class(channel.network)
    credentials = channel.credentials
    initial = {f.name: str((credentials if f.in_credentials else channel.config).get(f.name, ""))
               for f in provider.connect_fields if not f.secret}
    values = {**initial, **data.dict()} if data is not None else None
    return ConnectForm(provider, values, reconnect=True, initial=initial, auto_id=f"channel-{channel.pk}-%s")


def _context(request: HttpRequest, workspace: Workspace | None, failed: ConnectForm | None = None,
             failed_channel: tuple[int, ConnectForm] | None = None, **extra) -> dict:
    mine = list(workspaces_for(request.user, Permission.VIEW_PUBLICATIONS))
    if workspace is None:
        return {"workspaces": mine, "workspace": None, **extra}
    can_manage = allowed(request.user, workspace, Permission.MANAGE_CHANNELS)
    channels = list(Channel.objects.filter(workspace=workspace).order_by("name"))
    for c in channels:
        c.reconnect_form = None
        if can_manage and c.network in PROVIDERS:
            c.reconnect_form = failed_channel[1] if failed_channel and failed_channel[0] == c.pk else (
                _reconnect_form(c))
    authorize = authorize_cards(workspace.slug, request.user) if can_manage else []
    return {"workspaces": mine, "workspace": workspace, "channels": channels, "networks": _networks(failed),
            "authorize": authorize, "reauthorize": [card["key"] for card in authorize if card["ready"]],
            "can_manage": can_manage, **extra}


def _page_url(workspace: Workspace) -> str:
    return f"{reverse('channels')}?workspace={workspace.slug}"


@login_required
@access_errors
def channels_page(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("workspace")
    workspace: Workspace | None
    if slug:
        workspace = access_workspace(request.user, slug, Permission.VIEW_PUBLICATIONS)
    else:
        workspace = workspaces_for(request.user, Permission.VIEW_PUBLICATIONS).first()
    return render(request, "channels/channels.html", _context(request, workspace))


@login_required
@require_POST
@access_errors
def connect(request: HttpRequest) -> HttpResponse:
    workspace = access_workspace(request.user, request.POST.get("workspace", ""), Permission.MANAGE_CHANNELS)
    network = request.POST.get("network", "")
    if network not in PROVIDERS:
        return render(request, "channels/channels.html", _context(request, workspace, connect_error={
            "network": "", "messages": [gettext("Choose a network to connect.")]}), status=422)
    form = ConnectForm(get_provider_class(network), request.POST, auto_id=f"connect-{network}-%s")
    if form.is_valid():
        config, credentials = form.connection()
        try:
            channel = actions.connect_channel(request.user, workspace, network, config, credentials,
                                              name=form.cleaned_data["name"], **form.rules())
        except ActionError as e:
            form.add_action_error(e)
    if not form.is_valid():
        return render(request, "channels/channels.html", _context(request, workspace, failed=form, connect_error={
            "network": network, "messages": form.messages()}), status=422)
    messages.success(request, gettext("%(channel)s is connected.") % {"channel": channel.name})
    return redirect(_page_url(workspace))


def _act(request: HttpRequest, channel_id: int, change) -> HttpResponse:
    """Apply `change(channel)` for a member who manages channels; show the page with the error if any."""
    channel = access_channel(request.user, channel_id, Permission.MANAGE_CHANNELS)
    try:
        change(channel)
    except ActionError as e:
        said = [message for messages in e.errors.values() for message in messages]
        return render(request, "channels/channels.html",
                      _context(request, channel.workspace, channel_error={"id": channel.pk, "messages": said}),
                      status=422)
    return redirect(_page_url(channel.workspace))


@login_required
@require_POST
@access_errors
def set_rules(request: HttpRequest, channel_id: int) -> HttpResponse:
    def change(channel: Channel) -> None:
        rules = cleaned(RulesForm(request.POST))
        actions.set_channel_rules(request.user, channel, rules["min_gap_minutes"], rules["daily_max"])

    return _act(request, channel_id, change)


@login_required
@require_POST
@access_errors
def reconnect(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = access_channel(request.user, channel_id, Permission.MANAGE_CHANNELS)
    form = _reconnect_form(channel, request.POST)
    if form.is_valid():
        config, credentials = form.connection()
        try:
            actions.reconnect_channel(request.user, channel, credentials, config=config)
        except ActionError as e:
            form.add_action_error(e)
    if not form.is_valid():
        return render(request, "channels/channels.html", _context(
            request, channel.workspace, failed_channel=(channel.pk, form),
            channel_error={"id": channel.pk, "messages": form.messages()}), status=422)
    messages.success(request, gettext("%(channel)s is connected again.") % {"channel": channel.name})
    return redirect(_page_url(channel.workspace))


@login_required
@require_POST
@access_errors
def set_status(request: HttpRequest, channel_id: int) -> HttpResponse:
    def change(channel: Channel) -> None:
        status = cleaned(StatusForm(request.POST))["status"]
        if status == ChannelStatus.ACTIVE and channel.status == ChannelStatus.NEEDS_RECONNECT:
            raise ActionError({"status": [gettext("Reconnect this channel with new credentials instead.")]})
        actions.set_channel_status(request.user, channel, status)

    return _act(request, channel_id, change)
