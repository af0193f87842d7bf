"""The one owner of a channel's tokens.

Whoever talks to a network as a channel (the engine's publish and reconcile, the inbox's polls and the stream's
catch-up, replies, hiding, push) does it through `using(channel, work)`, which hands `work` a provider on the
credentials as saved now, and:

- refreshes an OAuth 2.0 grant STOA_TOKEN_REFRESH_MARGIN_SECONDS ahead of its expiry under the channel's renewal
  lease (Channel.credentials_renewing_until), so of N workers that meet one expiry one refreshes and the others wait
  for its new tokens. Networks rotate refresh tokens (each is good once): a second refresh of one expiry would be
  refused. The lease is claimed by one conditional UPDATE that commits at once, the refresh request runs outside any
  transaction (no row lock, and on SQLite no database write lock, is held across a network call: publishing, the
  inbox and the web pages write meanwhile), the new tokens are saved by version and the lease released. A worker
  killed mid-refresh only delays the next refresh until its lease ends;
- an access token the network refuses (401) while our clock says it is valid: refreshed once, `work` runs once more;
- a refresh the network refuses (the grant was revoked or its refresh token used already) cannot be mended here:
  the channel is marked needs-reconnect and the workspace told, once, and the caller gets an AUTHORIZATION error;
- a missing permission (ErrorKind.PERMISSION, naming it) passes through as it is: nothing to refresh or reconnect;
- a session the provider keeps itself (Bluesky's: its renewal, and its first sign-in) is renewed under the same
  lease, and credentials a provider changed itself while it worked are saved by version.

Every save is a compare-and-swap on `credentials_version`: it writes only over the version it read, so a stale
copy never overwrites newer tokens.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from django.conf import settings

from stoa import clock
from stoa.channels.actions import mark_needs_reconnect
from stoa.channels.models import Channel
from stoa.crypto import decrypt_json, encrypt_json
from stoa.providers import oauth2
from stoa.providers.base import ErrorKind, Grant, Provider, ProviderError
from stoa.providers.capabilities import Authorizes

log = logging.getLogger("stoa.channels")
T = TypeVar("T")
WAIT_STEP_SECONDS = 0.05  # how often a worker waiting for another's renewal looks whether it saved


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
    """A session the provider keeps itself (Bluesky's, whose refresh token rotates too) expired, or was never opened:
    renew it under the channel's renewal lease, unless another worker saved new credentials since these were read;
    then take those."""

    def renewed_meanwhile(stored: Held) -> bool:
        return stored.credentials != current.held.credentials

    def renewal(stored: Held, lease: Lease) -> Held:
        renew()
        changed = {key: value for key, value in provider.credentials.items() if stored.credentials.get(key) != value}
        return save_renewed(channel, stored, changed)

    current.held = under_lease(channel, renewed_meanwhile, renewal)
    provider.credentials = dict(current.held.credentials)


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
    """Refresh the grant under the channel's renewal lease, unless another worker did meanwhile: then its tokens are
    taken. `refused` is an access token the network refused before it expired by our clock. A refused refresh marks
    the channel needs-reconnect (and tells the workspace, once)."""

    def refreshed_meanwhile(held: Held) -> bool:
        grant = oauth2.grant_from_credentials(held.credentials)
        return grant is None or not (expiring(grant) or bool(refused and grant.access == refused))

    def refresh_grant(held: Held, lease: Lease) -> Held:
        provider = channel.provider(http=http)  # on the credentials just loaded
        grant = oauth2.grant_from_credentials(held.credentials)
        if grant is None or not isinstance(provider, Authorizes) or not grant.refresh:
            raise ProviderError(f"The access token to {provider.name} expired and cannot be renewed; "
                                "connect the channel again.", ErrorKind.AUTHORIZATION)
        try:
            renewed = provider.refresh(grant)
        except ProviderError as error:
            if error.kind == ErrorKind.AUTHORIZATION and lease.taken_over:
                raise ProviderError(f"{error.message.rstrip('.')}. {SPENT_BY_AN_INTERRUPTED_REFRESH}",
                                    error.kind) from error
            raise
        saved = save_renewed(channel, held, oauth2.grant_to_credentials(renewed))
        log.info("Channel %s: access token refreshed", channel.pk)
        return saved

    try:
        return under_lease(channel, refreshed_meanwhile, refresh_grant)
    except ProviderError as error:
        if error.kind == ErrorKind.AUTHORIZATION:
            mark_needs_reconnect(channel, f"{error.message} Connect the channel again to give Stoa access.")
        raise


# -- The renewal lease ---------------------------------------------------------------------------------------------
#
# A worker killed after the network rotated the refresh token but before the new tokens were saved has spent the
# grant: the network took the old refresh token and gave a new one nobody kept. No retry can mend that (the lease only
# stops two live workers from racing): the next worker's refresh, with the old token, is refused, and the channel
# ends as needs-reconnect, once, saying why; later calls are refused at once by the network, never retried in a loop.
# It is inherent to rotating refresh tokens; the lease makes it as rare as a kill in the middle of one request.
SPENT_BY_AN_INTERRUPTED_REFRESH = (
    "A worker stopped in the middle of refreshing this channel's access, perhaps after the network had already "
    "replaced the refresh token with one Stoa never received.")


@dataclass(frozen=True)
class Lease:
    until: datetime
    taken_over: bool  # from a worker whose lease ran out before it released it: killed mid-renewal, or too slow


def lease_length() -> timedelta:
    """Longer than any renewal: at most two requests (Bluesky signs in again when its refresh token expired too),
    each connecting and reading within the HTTP timeout, and a few quick writes. The most a worker killed
    mid-renewal delays the next renewal by."""
    return timedelta(seconds=4 * settings.STOA_HTTP_TIMEOUT_SECONDS + 2)


def under_lease(channel: Channel, done: Callable[[Held], bool], renewal: Callable[[Held, Lease], Held]) -> Held:
    """`renewal` of the saved credentials, by one worker at a time, unless `done` finds them renewed meanwhile. A
    worker that finds the lease held waits for the holder's save (or for its lease to end) and looks again. Called
    outside any transaction: the claim must be seen by the other workers at once."""
    give_up = time.monotonic() + 2 * lease_length().total_seconds()
    while time.monotonic() < give_up:
        held = load(channel)
        if done(held):
            return held
        if lease := claim_renewal(channel, held.version):
            try:
                return renewal(held, lease)
            finally:
                release_renewal(channel, lease)
        wait_for_renewal(channel, held.version)
    raise ProviderError("Another worker's renewal of this channel's access did not end in time; Stoa tries again.",
                        ErrorKind.TRANSIENT)


def claim_renewal(channel: Channel, version: int) -> Lease | None:
    """The renewal of the credentials at `version` for this worker, by one conditional update that commits at once.
    None when another worker holds it, or the credentials changed since they were read."""
    now = clock.now()
    until = now + lease_length()
    these = Channel.objects.filter(pk=channel.pk, credentials_version=version)
    if these.filter(credentials_renewing_until__isnull=True).update(credentials_renewing_until=until):
        return Lease(until, taken_over=False)
    if these.filter(credentials_renewing_until__lt=now).update(credentials_renewing_until=until):
        return Lease(until, taken_over=True)
    return None


def release_renewal(channel: Channel, lease: Lease) -> None:
    """Only this worker's lease: one that ran out may be another worker's now."""
    Channel.objects.filter(pk=channel.pk, credentials_renewing_until=lease.until).update(
        credentials_renewing_until=None)


def wait_for_renewal(channel: Channel, version: int) -> None:
    """Until the worker holding the renewal saved (the version moved on), released it, or its lease ended."""
    give_up = time.monotonic() + lease_length().total_seconds()
    while time.monotonic() < give_up:
        saved, until = Channel.objects.filter(pk=channel.pk).values_list(
            "credentials_version", "credentials_renewing_until").get()
        if saved != version or until is None or until <= clock.now():
            return
        time.sleep(WAIT_STEP_SECONDS)


def save_renewed(channel: Channel, read: Held, renewed: dict[str, Any]) -> Held:
    """Save renewed tokens over the credentials they were renewed from. A save made since (a webhook's secret) is
    kept and the tokens written over it: they must not be lost, as the network may have spent the old refresh token.
    Only when another renewal saved its own tokens meanwhile (this one outlived its lease) are these dropped."""
    seen = read
    while not save(channel, {**seen.credentials, **renewed}, seen.version):
        seen = load(channel)
        if any(seen.credentials.get(key) != read.credentials.get(key) for key in renewed):
            log.warning("Channel %s: another worker renewed the credentials meanwhile; theirs are kept", channel.pk)
            return seen
    return Held({**seen.credentials, **renewed}, seen.version + 1)

def keep(channel: Channel, held: Held, provider: Provider) -> None:
    """Save what the provider changed or added in its credentials while it worked (a session it renewed itself).
    Only those values: what the provider does not carry (a webhook's secret) stays as saved."""
    changed = {key: value for key, value in provider.credentials.items() if held.credentials.get(key) != value}
    if changed and not save(channel, {**held.credentials, **changed}, held.version):
        log.info("Channel %s: credentials were saved by another worker meanwhile; theirs are kept", channel.pk)
