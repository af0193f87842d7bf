"""Connecting channels and changing their rules."""

import httpx
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stoa.channels.models import Channel, ChannelStatus
from stoa.errors import ActionError
from stoa.providers.base import Account, ProviderError
from stoa.providers.registry import UnknownNetwork, get_provider_class
from stoa.workspaces.actions import audit, in_their_language, notify
from stoa.workspaces.models import Workspace


def _connect(network: str, config: dict, credentials: dict, http: httpx.Client | None) -> tuple[Account, dict]:
    """Ask the network who these credentials belong to; bad credentials are a clear ActionError.
    Returns the account and the credentials to keep (a provider may add a session to them)."""
    try:
        provider_class = get_provider_class(network)
    except UnknownNetwork as e:
        raise ActionError({"network": [str(e)]}) from None
    missing = [f.label for f in provider_class.connect_fields
               if f.required and not (credentials.get(f.name) or config.get(f.name))]
    if missing:
        raise ActionError({"credentials": [_("%(network)s needs: %(fields)s.")
                                                % {"network": provider_class.name, "fields": ", ".join(missing)}]})
    provider = provider_class(config=config, credentials=credentials, http=http)
    try:
        return provider.connect(), provider.credentials
    except ProviderError as e:
        raise ActionError({"credentials": [e.message]}) from None


def _validated_rules(min_gap_minutes: int, daily_max: int) -> None:
    if min_gap_minutes < 0 or daily_max < 0:
        raise ActionError({"rules": [_("Posting rules cannot be negative (0 means no rule).")]})


def connect_channel(actor, workspace: Workspace, network: str, config: dict, credentials: dict,
                    name: str = "", min_gap_minutes: int = 0, daily_max: int = 0,
                    http: httpx.Client | None = None) -> Channel:
    """Check the credentials with the network, then keep them encrypted with what it told us."""
    _validated_rules(min_gap_minutes, daily_max)
    account, credentials = _connect(network, config, credentials, http)
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


def reconnect_channel(actor, channel: Channel, credentials: dict, http: httpx.Client | None = None) -> Channel:
    """New credentials for a channel that needs reconnecting; its waiting publications go out again."""
    account, credentials = _connect(channel.network, channel.config, credentials, http)
    with transaction.atomic():
        channel.credentials = credentials
        channel.config = {**channel.config, **account.settings}
        channel.status, channel.status_reason = ChannelStatus.ACTIVE, ""
        channel.save()
        audit(channel.workspace_id, actor, "channel.reconnected", channel)
    return channel


def set_channel_rules(actor, channel: Channel, min_gap_minutes: int, daily_max: int) -> Channel:
    _validated_rules(min_gap_minutes, daily_max)
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


def keep_refreshed_credentials(channel: Channel, provider) -> None:
    """Save what the provider changed in the credentials while it worked (Bluesky refreshes its session)."""
    if provider.credentials != channel.credentials:
        channel.credentials = provider.credentials
        channel.save(update_fields=["credentials_encrypted"])
