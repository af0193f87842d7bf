"""Connecting channels and changing their rules."""

import logging
from collections.abc import Sequence

import httpx
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stoa.channels.forms import RulesForm
from stoa.channels.models import Channel, ChannelStatus, OAuthApp
from stoa.errors import ActionError, cleaned
from stoa.providers import oauth2
from stoa.providers.base import Account, Provider, ProviderError
from stoa.providers.capabilities import ReceivesAppPush
from stoa.providers.registry import UnknownNetwork, get_provider_class
from stoa.workspaces.actions import audit, in_their_language, notify
from stoa.workspaces.models import Workspace

log = logging.getLogger("stoa")


def placed(provider_class: type[Provider], config: dict, credentials: dict) -> tuple[dict, dict]:
    """Each value a person gave, put where the provider reads it, whichever of the two it came in:
    secrets and sign-in names with the credentials, the rest in the config. Blank ones are left out;
    keys the provider does not declare stay where they were given."""
    config, credentials = dict(config), dict(credentials)
    for f in provider_class.connect_fields:
        given = [str(d.pop(f.name)).strip() for d in (credentials, config) if d.get(f.name) is not None]
        value = next((v for v in given if v), "")
        if value:
            (credentials if f.in_credentials else config)[f.name] = value
    return config, credentials


def _connect(network: str, config: dict, credentials: dict, http: httpx.Client | None) -> tuple[Account, dict, dict]:
    """Ask the network who these credentials belong to; bad credentials are a clear ActionError,
    a missing value is one keyed by its field. Returns the account, the config and the credentials
    to keep (a provider may add a session to them)."""
    try:
        provider_class = get_provider_class(network)
    except UnknownNetwork as e:
        raise ActionError({"network": [str(e)]}) from None
    config, credentials = placed(provider_class, config, credentials)
    missing = {f.name: [_("Required to connect %(network)s.") % {"network": provider_class.name}]
               for f in provider_class.connect_fields
               if f.required and not (credentials if f.in_credentials else config).get(f.name)}
    if missing:
        raise ActionError(missing)
    provider = provider_class(config=config, credentials=credentials, http=http)
    try:
        return provider.connect(), config, provider.credentials
    except ProviderError as e:
        raise ActionError({"credentials": [e.message]}) from None


def _validated_rules(min_gap_minutes: int, daily_max: int) -> tuple[int, int]:
    """The rules as the channels page's form reads them, so the page and the API refuse them in the same words."""
    rules = cleaned(RulesForm({"min_gap_minutes": min_gap_minutes, "daily_max": daily_max}))
    return rules["min_gap_minutes"], rules["daily_max"]


def connect_channel(actor, workspace: Workspace, network: str, config: dict, credentials: dict,
                    name: str = "", min_gap_minutes: int = 0, daily_max: int = 0,
                    http: httpx.Client | None = None) -> Channel:
    """Check the credentials with the network, then keep them encrypted with what it told us.
    A connect field may come in either dict: each is kept where its provider reads it."""
    min_gap_minutes, daily_max = _validated_rules(min_gap_minutes, daily_max)
    account, config, credentials = _connect(network, config, credentials, http)
    with transaction.atomic():
        channel = Channel(
            workspace=workspace, network=network, name=name or account.name,
            config={**config, **account.settings, "account_id": account.remote_id, "account_url": account.url},
            min_gap_minutes=min_gap_minutes, daily_max=daily_max,
        )
        channel.credentials = credentials
        channel.save()
        audit(workspace.pk, actor, "channel.connected", channel, network=network, name=channel.name)
    return channel


def reconnect_channel(actor, channel: Channel, credentials: dict, http: httpx.Client | None = None,
                      config: dict | None = None) -> Channel:
    """New credentials for a channel that needs reconnecting; its waiting publications go out again.
    Connect fields left out keep the channel's values (secrets excepted: they are asked for again),
    and one given blank is cleared, so a moved server or a new handle can be entered here. The
    account must stay the same: another one is a channel of its own, with its own history."""
    provider_class = get_provider_class(channel.network)
    fields = provider_class.connect_fields
    config, credentials = dict(config or {}), dict(credentials)
    kept_credentials = channel.credentials
    for f in fields:
        current = (kept_credentials if f.in_credentials else channel.config).get(f.name)
        if not f.secret and current and f.name not in config and f.name not in credentials:
            config[f.name] = current
    unchanged = {k: v for k, v in channel.config.items() if k not in {f.name for f in fields}}
    account, config, credentials = _connect(channel.network, {**unchanged, **config}, credentials, http)
    known = channel.config.get("account_id")
    if known and str(known) != account.remote_id:
        raise ActionError({"credentials": [_(
            "These credentials are for %(account)s, not for %(channel)s. Connect that account as a channel "
            "of its own.") % {"account": account.name, "channel": channel.name}]})
    with transaction.atomic():
        channel.credentials = credentials
        channel.config = {**config, **account.settings, "account_id": account.remote_id,
                          "account_url": account.url or channel.config.get("account_url", "")}
        channel.status, channel.status_reason = ChannelStatus.ACTIVE, ""
        # A new version, so a worker's save over the credentials it read before cannot undo the reconnect.
        channel.credentials_version = F("credentials_version") + 1
        channel.save()
        channel.refresh_from_db(fields=["credentials_version"])
        audit(channel.workspace_id, actor, "channel.reconnected", channel)
    return channel


def _as_target(account: Account, config: dict, credentials: dict) -> tuple[dict, dict]:
    """The config and credentials of the channel made of one granted target: the grant and the app it was given
    to, and what the target adds (its own secrets go with the credentials)."""
    settings = dict(account.settings)
    own_secrets = settings.pop(oauth2.TARGET_CREDENTIALS, None) or {}
    return ({**config, **settings, "account_id": account.remote_id, "account_url": account.url},
            {**credentials, **own_secrets})


def connect_authorized(actor, workspace: Workspace, network: str, config: dict, credentials: dict,
                       targets: Sequence[Account]) -> list[Channel]:
    """A channel for each chosen target of one OAuth grant, all or none. A target that is a channel of this
    workspace already is refused: reconnect that channel instead, so its history stays one."""
    if not targets:
        raise ActionError({"targets": [_("Choose at least one to connect.")]})
    taken = set(Channel.objects.filter(workspace=workspace, network=network,
                                       config__account_id__in=[t.remote_id for t in targets])
                .values_list("name", flat=True))
    if taken:
        raise ActionError({"targets": [ngettext(
            "%(channels)s is a channel of this workspace already: reconnect it there instead.",
            "%(channels)s are channels of this workspace already: reconnect them there instead.",
            len(taken)) % {"channels": ", ".join(sorted(taken))}]})
    channels = []
    with transaction.atomic():
        for account in targets:
            channel_config, channel_credentials = _as_target(account, config, credentials)
            channel = Channel(workspace=workspace, network=network, name=account.name, config=channel_config)
            channel.credentials = channel_credentials
            channel.save()
            audit(workspace.pk, actor, "channel.connected", channel, network=network, name=channel.name,
                  authorized=True)
            channels.append(channel)
    for channel in channels:
        _subscribe_to_app_push(channel)
    return channels


def _subscribe_to_app_push(channel: Channel) -> None:
    """Where the network pushes per app but must be asked per account, ask it now. A refusal leaves the channel
    polled as before, so it is logged, not said as a failure of the connection."""
    provider = channel.provider()
    if not isinstance(provider, ReceivesAppPush):
        return
    try:
        provider.subscribe()
    except ProviderError as error:
        log.warning("%s did not subscribe channel %s to the app's webhook (it is polled instead): %s",
                    channel.network, channel.pk, error.message)


def reconnect_authorized(actor, channel: Channel, config: dict, credentials: dict,
                         targets: Sequence[Account]) -> Channel:
    """A new OAuth grant for a channel: its history, rules and name stay. The grant must include the channel's
    own account; one for another account is refused, as with pasted credentials."""
    known = str(channel.config.get("account_id") or "")
    account = next((t for t in targets if not known or t.remote_id == known), None)
    if account is None:
        raise ActionError({"credentials": [_(
            "This authorization is for %(account)s, not for %(channel)s. Connect that account as a channel of "
            "its own.") % {"account": ", ".join(t.name for t in targets), "channel": channel.name}]})
    channel_config, channel_credentials = _as_target(account, config, credentials)
    with transaction.atomic():
        channel.credentials = channel_credentials
        channel.config = {**channel.config, **channel_config,
                          "account_url": account.url or channel.config.get("account_url", "")}
        channel.status, channel.status_reason = ChannelStatus.ACTIVE, ""
        # A new version, so a worker's save over the credentials it read before cannot undo the reconnect.
        channel.credentials_version = F("credentials_version") + 1
        channel.save()
        channel.refresh_from_db(fields=["credentials_version"])
        audit(channel.workspace_id, actor, "channel.reconnected", channel, authorized=True)
    _subscribe_to_app_push(channel)
    return channel


def set_oauth_app(actor, network: str, client_id: str, client_secret: str = "") -> OAuthApp:
    """The deployment's app on a network, entered by an administrator; a blank secret keeps the one saved."""
    if not getattr(actor, "is_superuser", False):
        raise ActionError({"__all__": [_("Only an administrator of this Stoa sets up its apps on the networks.")]})
    if not client_id.strip():
        raise ActionError({"client_id": [_("Enter the client ID the network gave the app.")]})
    with transaction.atomic():
        app, _created = OAuthApp.objects.select_for_update().get_or_create(
            network=network, server="", redirect_uri="", defaults={"client_id": client_id.strip()})
        app.client_id = client_id.strip()
        if client_secret.strip() or not app.client_secret_encrypted:
            app.client_secret = client_secret.strip()
        app.save()
    log.info("%s set up the %s app (client id %s)", actor.get_username(), network, app.client_id)
    return app


def set_channel_rules(actor, channel: Channel, min_gap_minutes: int, daily_max: int) -> Channel:
    min_gap_minutes, daily_max = _validated_rules(min_gap_minutes, daily_max)
    with transaction.atomic():
        channel.min_gap_minutes, channel.daily_max = min_gap_minutes, daily_max
        channel.save(update_fields=["min_gap_minutes", "daily_max"])
        audit(channel.workspace_id, actor, "channel.rules_set", channel,
              min_gap_minutes=min_gap_minutes, daily_max=daily_max)
    return channel


def set_channel_status(actor, channel: Channel, status: str, reason: str = "") -> Channel:
    if status not in ChannelStatus.values:
        raise ActionError({"status": [_("Unknown status %(status)r.") % {"status": status}]})
    with transaction.atomic():
        channel.status, channel.status_reason = status, reason
        channel.save(update_fields=["status", "status_reason"])
        audit(channel.workspace_id, actor, "channel.status_set", channel, status=status, reason=reason)
    return channel


def mark_needs_reconnect(channel: Channel, reason: str) -> None:
    """The network refused the channel's credentials: tell the workspace, once, and stop using it."""
    updated = Channel.objects.filter(pk=channel.pk, status=ChannelStatus.ACTIVE).update(
        status=ChannelStatus.NEEDS_RECONNECT, status_reason=reason)
    if updated:
        audit(channel.workspace_id, None, "channel.needs_reconnect", channel, reason=reason)
        notify(channel.workspace_id, "channel_needs_reconnect", in_their_language(
            gettext_lazy("%(channel)s needs reconnecting: %(reason)s Its scheduled posts wait until it is."),
            channel=channel.name, reason=reason), link=f"/channels/?workspace={channel.workspace.slug}")
