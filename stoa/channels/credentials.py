"""The one owner of a channel's tokens.

Whoever talks to a network as a channel (the engine's publish and reconcile, the inbox's polls and the stream's
catch-up, replies, hiding, push) does it through `using(channel, work)`, which hands `work` a provider on the
credentials as saved now, and:

- refreshes an OAuth 2.0 grant STOA_TOKEN_REFRESH_MARGIN_SECONDS ahead of its expiry, under the channel's row lock
  (SELECT ... FOR UPDATE on PostgreSQL; on SQLite every write transaction takes the database's write lock when it
  begins), so of N workers that meet one expiry one refreshes and the others find the new tokens when the lock is
  theirs. Networks rotate refresh tokens (each is good once): a second refresh of one expiry would be refused;
- an access token the network refuses (401) while our clock says it is valid: refreshed once, `work` runs once more;
- a refresh the network refuses (the grant was revoked or its refresh token used already) cannot be mended here:
  the channel is marked needs-reconnect and the workspace told, once, and the caller gets an AUTHORIZATION error;
- a missing permission (ErrorKind.PERMISSION, naming it) passes through as it is: nothing to refresh or reconnect;
- credentials a provider changed itself while it worked (Bluesky refreshes its own session) are saved by version.

Every save is a compare-and-swap on `credentials_version`: it writes only over the version it read, so a stale
copy never overwrites newer tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from django.conf import settings
from django.db import transaction

from stoa import clock
from stoa.channels.actions import mark_needs_reconnect
from stoa.channels.models import Channel
from stoa.crypto import decrypt_json, encrypt_json
from stoa.providers import oauth2
from stoa.providers.base import ErrorKind, Grant, Provider, ProviderError
from stoa.providers.capabilities import Authorizes

log = logging.getLogger("stoa.channels")
T = TypeVar("T")


@dataclass(frozen=True)
class Held:
    """A channel's credentials as read, and the version they were read at."""

    credentials: dict[str, Any]
    version: int


def load(channel: Channel) -> Held:
    """The credentials as saved now (another worker may have refreshed them); `channel` is brought up to date."""
    encrypted, version = Channel.objects.filter(pk=channel.pk).values_list(
        "credentials_encrypted", "credentials_version").get()
    channel.credentials_encrypted, channel.credentials_version = encrypted, version
    return Held(decrypt_json(encrypted), version)


def save(channel: Channel, credentials: dict[str, Any], seen: int) -> bool:
    """Write the credentials over version `seen` and only over it. False when newer ones were saved since: they
    stay, and these are dropped."""
    encrypted = encrypt_json(credentials)
    saved = Channel.objects.filter(pk=channel.pk, credentials_version=seen).update(
        credentials_encrypted=encrypted, credentials_version=seen + 1)
    if saved:
        channel.credentials_encrypted, channel.credentials_version = encrypted, seen + 1
    return bool(saved)


def update(channel: Channel, changes: dict[str, Any]) -> dict[str, Any]:
    """Add `changes` to the saved credentials (a webhook's secret) without losing tokens refreshed meanwhile."""
    while True:
        held = load(channel)
        merged = {**held.credentials, **changes}
        if save(channel, merged, held.version):
            return merged


@dataclass
class Current:
    """What `using` last read or saved of the channel's credentials, while its work runs."""

    held: Held


def using(channel: Channel, work: Callable[[Provider], T], *, http: httpx.Client | None = None) -> T:
    """`work` with the channel's provider on fresh credentials; what changed is kept (see the module's docstring)."""
    current = Current(fresh(channel, load(channel), http))
    provider = owned(channel, current, http)
    try:
        return work(provider)
    except ProviderError as error:
        if not (error.kind == ErrorKind.AUTHORIZATION and error.access_refused and refreshable(provider, current.held)):
            raise
        # The network refused a token our clock thinks valid (revoked early, or clocks apart): refresh, once.
        refused = str(current.held.credentials.get(oauth2.ACCESS) or "")
        current.held = refresh(channel, http, refused=refused)
        provider = owned(channel, current, http)
        return work(provider)
    finally:
        keep(channel, current.held, provider)


def owned(channel: Channel, current: Current, http: httpx.Client | None) -> Provider:
    """The channel's provider on the credentials read, renewing a session it keeps itself through this module."""
    provider = channel.provider(http=http)

    def renewal(provider: Provider, renew: Callable[[], None]) -> None:
        renew_session(channel, current, provider, renew)

    provider.session_renewal = renewal
    return provider


def renew_session(channel: Channel, current: Current, provider: Provider, renew: Callable[[], None]) -> None:
    """A session the provider keeps itself (Bluesky's, whose refresh token rotates too) expired: renew it under the
    channel's row lock, unless another worker saved new credentials since these were read; then take those."""
    with transaction.atomic():
        locked = Channel.objects.select_for_update().get(pk=channel.pk)
        stored = Held(locked.credentials, locked.credentials_version)
        if stored.credentials != current.held.credentials:
            provider.credentials = dict(stored.credentials)  # renewed by another worker meanwhile
            current.held = stored
            return
        renew()
        credentials = {**stored.credentials, **dict(provider.credentials)}
        save(channel, credentials, stored.version)  # the row is locked: nobody saved in between
        current.held = Held(credentials, stored.version + 1)


def fresh(channel: Channel, held: Held, http: httpx.Client | None = None) -> Held:
    """The credentials, refreshed first if the grant expires within the margin."""
    grant = oauth2.grant_from_credentials(held.credentials)
    if grant is None or not expiring(grant):
        return held
    return refresh(channel, http)


def expiring(grant: Grant) -> bool:
    margin = timedelta(seconds=settings.STOA_TOKEN_REFRESH_MARGIN_SECONDS)
    return grant.expires_at is not None and grant.expires_at - margin <= clock.now()


def refreshable(provider: Provider, held: Held) -> bool:
    grant = oauth2.grant_from_credentials(held.credentials)
    return isinstance(provider, Authorizes) and grant is not None and bool(grant.refresh)


def refresh(channel: Channel, http: httpx.Client | None = None, *, refused: str = "") -> Held:
    """Refresh the grant under the channel's row lock, unless another worker did while this one waited for it:
    then its tokens are taken. `refused` is an access token the network refused before it expired by our clock.
    A refused refresh marks the channel needs-reconnect (and tells the workspace, once)."""
    try:
        with transaction.atomic():
            locked = Channel.objects.select_for_update().get(pk=channel.pk)
            held = Held(locked.credentials, locked.credentials_version)
            channel.credentials_encrypted, channel.credentials_version = locked.credentials_encrypted, held.version
            grant = oauth2.grant_from_credentials(held.credentials)
            if grant is None or not (expiring(grant) or (refused and grant.access == refused)):
                return held  # refreshed by another worker meanwhile
            provider = locked.provider(http=http)
            if not isinstance(provider, Authorizes) or not grant.refresh:
                raise ProviderError(f"The access token to {provider.name} expired and cannot be renewed; "
                                    "connect the channel again.", ErrorKind.AUTHORIZATION)
            renewed = provider.refresh(grant)
            credentials = {**held.credentials, **oauth2.grant_to_credentials(renewed)}
            save(channel, credentials, held.version)  # the row is locked: nobody saved in between
            log.info("Channel %s: access token refreshed", channel.pk)
            return Held(credentials, held.version + 1)
    except ProviderError as error:
        if error.kind == ErrorKind.AUTHORIZATION:
            mark_needs_reconnect(channel, f"{error.message} Connect the channel again to give Stoa access.")
        raise


def keep(channel: Channel, held: Held, provider: Provider) -> None:
    """Save what the provider changed or added in its credentials while it worked (a session it renewed itself).
    Only those values: what the provider does not carry (a webhook's secret) stays as saved."""
    changed = {key: value for key, value in provider.credentials.items() if held.credentials.get(key) != value}
    if changed and not save(channel, {**held.credentials, **changed}, held.version):
        log.info("Channel %s: credentials were saved by another worker meanwhile; theirs are kept", channel.pk)
