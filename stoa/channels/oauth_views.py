"""The pages of connecting by OAuth 2.0: start, the network's answer, the choice of channels, and the deployment's
apps on the networks (for administrators). The steps themselves are in stoa.channels.oauth."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from stoa.channels import actions, app_push, oauth
from stoa.channels.access import access_channel
from stoa.channels.forms import AuthorizeForm, ChooseTargetsForm, OAuthAppForm
from stoa.errors import ActionError
from stoa.pages import access_errors
from stoa.providers.capabilities import Authorizes, RegistersApps
from stoa.providers.registry import get_provider_class, supports
from stoa.workspaces.access import Forbidden, Permission, access_workspace, workspaces_for
from stoa.workspaces.models import Workspace


def _channels_url(workspace_id: int | None) -> str:
    """The channels page of the workspace a connection was started in, or of the person's first."""
    slug = Workspace.objects.filter(pk=workspace_id).values_list("slug", flat=True).first() if workspace_id else None
    return reverse("channels") + (f"?workspace={slug}" if slug else "")


def _refused(request: HttpRequest, refusal: oauth.Refused) -> HttpResponse:
    messages.error(request, refusal.message)
    return redirect(_channels_url(refusal.workspace_id))


@login_required
@require_POST
@access_errors
def authorize(request: HttpRequest) -> HttpResponse:
    """Start connecting a network: off to its consent page."""
    form = AuthorizeForm(request.POST)
    if not form.is_valid() or not supports(form.cleaned_data["network"], Authorizes):
        messages.error(request, gettext("Choose a network to connect."))
        return redirect("channels")
    workspace = access_workspace(request.user, form.cleaned_data["workspace"], Permission.MANAGE_CHANNELS)
    try:
        url = oauth.start(request.session, form.cleaned_data["network"], workspace.pk,
                          server=form.cleaned_data["server"])
    except oauth.Refused as e:
        return _refused(request, oauth.Refused(e.message, workspace.pk))
    return redirect(url)


@login_required
@require_POST
@access_errors
def reauthorize(request: HttpRequest, channel_id: int) -> HttpResponse:
    """Reconnect a channel by signing in on its network again."""
    channel = access_channel(request.user, channel_id, Permission.MANAGE_CHANNELS)
    if not supports(channel, Authorizes):
        raise Forbidden(gettext("%(network)s does not connect by signing in there.") % {
            "network": channel.network_name})
    provider_class = get_provider_class(channel.network)
    server = str(channel.config.get(provider_class.server_field, "")) if issubclass(
        provider_class, RegistersApps) else ""
    try:
        url = oauth.start(request.session, channel.network, channel.workspace_id, server=server,
                          channel_id=channel.pk)
    except oauth.Refused as e:
        return _refused(request, oauth.Refused(e.message, channel.workspace_id))
    return redirect(url)


def callback(request: HttpRequest, network: str) -> HttpResponse:
    """Where the network sends the person back, with a code or with the reason there is none. A connection started
    on the command line is not this browser's: the page shows its address to paste back there, and touches nothing
    (the code is of no use without the PKCE verifier, which only the command holds)."""
    if oauth.started_on_command_line(request.GET.get("state", "")):
        return render(request, "channels/oauth_command_line.html", {"address": request.build_absolute_uri()})
    return _answered_in_browser(request, network)


@login_required
@access_errors
def _answered_in_browser(request: HttpRequest, network: str) -> HttpResponse:
    def may_connect(workspace_id: int, channel_id: int | None) -> object:
        if channel_id is None:
            return access_workspace(request.user, workspace_id, Permission.MANAGE_CHANNELS)
        return access_channel(request.user, channel_id, Permission.MANAGE_CHANNELS)

    try:
        granted = oauth.finish(request.session, network, request.GET.dict(), may_connect)
    except oauth.Refused as e:
        return _refused(request, e)
    if granted.channel_id is None:
        return redirect("channel-oauth-choose", granted.key)
    oauth.forget(request.session, granted.key)
    channel = access_channel(request.user, granted.channel_id, Permission.MANAGE_CHANNELS)
    try:
        actions.reconnect_authorized(request.user, channel, granted.config, granted.credentials, granted.targets)
    except ActionError as e:
        return _refused(request, oauth.Refused(" ".join(m for ms in e.errors.values() for m in ms),
                                               channel.workspace_id))
    messages.success(request, gettext("%(channel)s is connected again.") % {"channel": channel.name})
    return redirect(_channels_url(channel.workspace_id))


@login_required
@access_errors
def choose(request: HttpRequest, key: str) -> HttpResponse:
    """Which of the granted accounts, pages or groups become channels, and in which workspace."""
    try:
        granted = oauth.granted(request.session, key)
    except oauth.Refused as e:
        return _refused(request, e)
    workspaces = list(workspaces_for(request.user, Permission.MANAGE_CHANNELS))
    if not workspaces:
        raise Forbidden(gettext("None of your workspaces lets you do this."))
    started_in = next((w for w in workspaces if w.pk == granted.workspace_id), workspaces[0])
    form = ChooseTargetsForm(granted.targets, workspaces, request.POST if request.method == "POST" else None,
                             initial={"workspace": started_in.slug})
    if request.method == "POST" and form.is_valid():
        workspace = access_workspace(request.user, form.cleaned_data["workspace"], Permission.MANAGE_CHANNELS)
        try:
            channels = actions.connect_authorized(request.user, workspace, granted.network, granted.config,
                                                  granted.credentials, form.chosen())
        except ActionError as e:
            form.add_action_error(e)
        else:
            oauth.forget(request.session, key)
            messages.success(request, gettext("Connected: %(channels)s.") % {
                "channels": ", ".join(c.name for c in channels)})
            return redirect(_channels_url(workspace.pk))
    network = get_provider_class(granted.network).name
    return render(request, "channels/oauth_choose.html", {"form": form, "network": network, "granted": granted,
                                                          "workspace": started_in},
                  status=422 if form.is_bound else 200)


# -- The deployment's apps on the networks ------------------------------------------------------------


def _apps(failed: OAuthAppForm | None = None) -> list[dict]:
    """Each network whose app the deployment registers: where, what, and whether it is set up."""
    listed = []
    for provider_class in oauth.oauth_networks():
        if issubclass(provider_class, RegistersApps):
            continue
        key = provider_class.key
        from_environment = oauth.app_from_environment(key) is not None
        saved = oauth.deployment_app(key)
        form = failed if failed is not None and failed.data.get("network") == key else OAuthAppForm(
            initial={"network": key, "client_id": saved.client_id if saved else ""}, auto_id=f"app-{key}-%s")
        listed.append({"key": key, "name": provider_class.name, **oauth.registration(provider_class),
                       "redirect_uri": oauth.redirect_uri(key),
                       "environment": f"STOA_OAUTH_{key.upper()}_CLIENT_ID", "from_environment": from_environment,
                       "ready": saved is not None, "form": form, "push": app_push.setup(provider_class)})
    return listed


@login_required
@access_errors
def apps_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_superuser:
        raise PermissionDenied(gettext("Only an administrator of this Stoa sets up its apps on the networks."))
    failed = None
    if request.method == "POST":
        form = OAuthAppForm(request.POST)
        if form.is_valid() and supports(form.cleaned_data["network"], Authorizes):
            try:
                actions.set_oauth_app(request.user, form.cleaned_data["network"], form.cleaned_data["client_id"],
                                      form.cleaned_data["client_secret"])
            except ActionError as e:
                for field, said in e.errors.items():
                    for message in said:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, gettext("The %(network)s app is saved.") % {
                    "network": get_provider_class(form.cleaned_data["network"]).name})
                return redirect("channel-oauth-apps")
        failed = form
    return render(request, "channels/oauth_apps.html", {"apps": _apps(failed)}, status=422 if failed else 200)


def authorize_cards(workspace_slug: str, user: Any) -> list[dict[str, Any]]:
    """The channels page's "sign in with" cards: a form where the network is ready, else what to set up."""
    cards = []
    for provider_class in oauth.oauth_networks():
        key = provider_class.key
        cards.append({
            "key": key, "name": provider_class.name, "ready": oauth.is_ready(provider_class),
            "per_server": issubclass(provider_class, RegistersApps),
            "form": AuthorizeForm(initial={"workspace": workspace_slug, "network": key},
                                  auto_id=f"authorize-{key}-%s"),
            **oauth.registration(provider_class), "redirect_uri": oauth.redirect_uri(key),
            "environment": f"STOA_OAUTH_{key.upper()}_CLIENT_ID",
            "secret_environment": f"STOA_OAUTH_{key.upper()}_CLIENT_SECRET", "administrator": user.is_superuser})
    return cards
