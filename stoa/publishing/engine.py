"""The publishing engine: claims due publications with a lease, publishes, records the outcome.

The database is the source of truth. Every state change here is a conditional UPDATE that
checks the state (and the attempt) it expects, so any number of threads, processes and
machines can run engines against one database and a publication is never sent twice:
- a claim moves SCHEDULED -> PUBLISHING and stamps a new attempt key and a lease;
- the outcome is recorded only for that attempt key;
- a lease that expires (the worker died mid-publish) turns into UNKNOWN, never back into
  SCHEDULED: reconcile() asks the network what that attempt did before anything is resent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from stoa.channels.models import Channel, ChannelStatus
from stoa.posts.actions import draft_for, rule_problems
from stoa.posts.models import Publication, State
from stoa.providers.base import Attempt, ErrorKind, Provider, ProviderError, Published
from stoa.workspaces.actions import audit, notify

log = logging.getLogger("stoa.publishing")

RECONCILE_DELAY = timedelta(seconds=2)
RECONCILE_RETRY = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, then hourly."""
    return timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 3600))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class Claim:
    publication: Publication
    attempt: Attempt


class Engine:
    """One engine per thread. `http` lets tests and the benchmark share a client."""

    def __init__(self, owner: str | None = None, http: httpx.Client | None = None):
        self.owner = owner or worker_name()
        self.http = http or httpx.Client(timeout=settings.STOA_HTTP_TIMEOUT_SECONDS)

    # -- Claiming -------------------------------------------------------------------------

    def _due(self, now: datetime):
        return Publication.objects.filter(
            state=State.SCHEDULED, next_attempt_at__lte=now, channel__status=ChannelStatus.ACTIVE
        ).order_by("next_attempt_at")

    def claim_next(self) -> Claim | None:
        """Take the most overdue publication, or return None when nothing is due."""
        while True:
            now = timezone.now()
            with transaction.atomic():
                candidate = (
                    self._due(now).select_for_update(skip_locked=True, of=("self",))
                    .select_related("channel__workspace", "variant").first()
                )
                if candidate is None:
                    return None
                if claim := self._claim_or_refuse(candidate, now):
                    return claim

    def _claim_or_refuse(self, publication: Publication, now: datetime) -> Claim | None:
        """Inside the claim's transaction: claim it, or settle it as missed or failed."""
        # Late against next_attempt_at, not scheduled_at: a retry planned for later is not late,
        # but one that waited while Stoa was down or the channel was disconnected is.
        late = now - publication.next_attempt_at
        if late > timedelta(seconds=settings.STOA_MISSED_AFTER_SECONDS):
            minutes = int(late.total_seconds() // 60)
            reason = (f"it was due {minutes} minutes ago, while Stoa was not running or the channel was "
                      "disconnected. Publish it now or give it a new time.")
            if self._settle(publication, [State.SCHEDULED], State.MISSED, "publication.missed",
                            last_error=f"Not published: {reason}"):
                notify(publication.workspace_id, "publish_missed", f"A post to {publication.channel.name} "
                       f"was not published: {reason}")
            return None
        if problems := self._rule_problems_now(publication, now):
            self._settle(publication, [State.SCHEDULED], State.FAILED, "publication.failed",
                         last_error="Not published: " + " ".join(problems))
            notify(publication.workspace_id, "publish_failed", f"{publication.channel.name}: {problems[0]}")
            return None
        attempt = Attempt(key=uuid.uuid4().hex, started_at=now)
        claimed = Publication.objects.filter(pk=publication.pk, state=State.SCHEDULED).update(
            state=State.PUBLISHING, attempts=publication.attempts + 1, attempt_key=attempt.key,
            attempt_started_at=now, lease_owner=self.owner,
            lease_expires_at=now + timedelta(seconds=settings.STOA_LEASE_SECONDS), updated_at=now,
        )
        if claimed != 1:
            return None
        publication.attempts += 1
        return Claim(publication, attempt)

    def _rule_problems_now(self, publication: Publication, now: datetime) -> list[str]:
        """The channel's posting rules, checked again at delivery: they may have changed."""
        channel = publication.channel
        if not (channel.min_gap_minutes or channel.daily_max):
            return []
        # Serialise publishes on this channel (PostgreSQL) so two workers cannot both pass the check.
        Channel.objects.select_for_update().filter(pk=channel.pk).first()
        return rule_problems(channel, now, exclude_id=publication.pk, states=[State.PUBLISHING, State.PUBLISHED])

    def _settle(self, publication: Publication, expected: list[str], state: str, action: str, **fields) -> bool:
        """Move to `state` if still in an `expected` state (for this attempt, where there is one)."""
        match = {"pk": publication.pk, "state__in": expected}
        if publication.attempt_key:
            match["attempt_key"] = publication.attempt_key
        updated = Publication.objects.filter(**match).update(state=state, updated_at=timezone.now(), **fields)
        if updated:
            audit(publication.workspace_id, None, action, publication, **_audit_detail(fields))
        return bool(updated)

    # -- Publishing -----------------------------------------------------------------------

    def publish_next(self) -> bool:
        """Claim and publish one publication. False when nothing was due."""
        claim = self.claim_next()
        if claim is None:
            return False
        self.publish(claim)
        return True

    def publish(self, claim: Claim) -> None:
        publication, attempt = claim.publication, claim.attempt
        publication.attempt_key = attempt.key
        channel = publication.channel
        provider = None
        try:
            provider = channel.provider(http=self.http)
            draft = draft_for(publication.variant, channel.workspace)
            if problems := provider.validate(draft):
                # Checked again at delivery: the channel's limits may have changed since scheduling.
                raise ProviderError("; ".join(p.message for p in problems), ErrorKind.PERMANENT)
            result = provider.publish(draft, attempt)
        except ProviderError as error:
            self._record_failure(publication, error)
        except Exception as error:  # a bug or a crash mid-publish: what was sent is not known
            log.exception("publication %s: unexpected error while publishing", publication.pk)
            self._record_failure(publication, ProviderError(
                f"Stoa stopped with an internal error while publishing ({type(error).__name__}).",
                ErrorKind.UNKNOWN_OUTCOME))
        else:
            self._record_success(publication, result)
        finally:
            self._save_credentials(channel, provider)

    def _record_success(self, publication: Publication, result: Published) -> None:
        # UNKNOWN too: the lease may have expired while the network was slow to answer.
        with transaction.atomic():
            self._settle(publication, [State.PUBLISHING, State.UNKNOWN], State.PUBLISHED, "publication.published",
                         remote_id=result.remote_id, remote_url=result.url, remote_parts=list(result.parts),
                         published_at=timezone.now(), last_error="", lease_owner="", lease_expires_at=None,
                         reconcile_at=None)

    def _record_failure(self, publication: Publication, error: ProviderError) -> None:
        now = timezone.now()
        in_states = [State.PUBLISHING]
        release = {"lease_owner": "", "lease_expires_at": None}
        with transaction.atomic():
            if error.kind == ErrorKind.UNKNOWN_OUTCOME:
                self._settle(publication, in_states, State.UNKNOWN, "publication.unknown_outcome", **release,
                             reconcile_at=now + RECONCILE_DELAY,
                             last_error=f"{error.message} Checking with the network whether it was published.")
            elif error.kind == ErrorKind.AUTHORIZATION:
                # Nothing was published: it waits for the channel to be reconnected.
                if self._settle(publication, in_states, State.SCHEDULED, "publication.waiting_for_reconnect",
                                **release, last_error=f"Waiting for the channel to be reconnected: {error.message}"):
                    self._needs_reconnect(publication.channel, error.message)
            elif error.kind == ErrorKind.PERMANENT or publication.attempts >= self._max_attempts(error):
                self._settle(publication, in_states, State.FAILED, "publication.failed", **release,
                             last_error=f"Not published: {error.message}")
                notify(publication.workspace_id, "publish_failed",
                       f"A post to {publication.channel.name} failed: {error.message}")
            else:
                retry_at = now + (timedelta(seconds=error.retry_after) if error.retry_after
                                  else backoff(publication.attempts))
                self._settle(publication, in_states, State.SCHEDULED, "publication.retry", **release,
                             next_attempt_at=retry_at,
                             last_error=f"{error.message} Trying again at {retry_at:%H:%M:%S} UTC.")

    @staticmethod
    def _max_attempts(error: ProviderError) -> int:
        # The network said when to come back: waiting is not failing, so allow more tries.
        factor = 3 if error.kind == ErrorKind.RATE_LIMITED else 1
        return settings.STOA_MAX_ATTEMPTS * factor

    def _needs_reconnect(self, channel: Channel, reason: str) -> None:
        updated = Channel.objects.filter(pk=channel.pk, status=ChannelStatus.ACTIVE).update(
            status=ChannelStatus.NEEDS_RECONNECT, status_reason=reason)
        if updated:
            audit(channel.workspace_id, None, "channel.needs_reconnect", channel, reason=reason)
            notify(channel.workspace_id, "channel_needs_reconnect",
                   f"{channel.name} needs reconnecting: {reason} Its scheduled posts wait until it is.")

    @staticmethod
    def _save_credentials(channel: Channel, provider: Provider | None) -> None:
        """Keep what the provider refreshed (a new session token), encrypted."""
        if provider is not None and provider.credentials != channel.credentials:
            channel.credentials = provider.credentials
            Channel.objects.filter(pk=channel.pk).update(credentials_encrypted=channel.credentials_encrypted)

    # -- Unknown outcomes -----------------------------------------------------------------

    def expire_leases(self) -> int:
        """Publications whose worker stopped mid-publish: their outcome is unknown."""
        now = timezone.now()
        expired = list(Publication.objects.filter(state=State.PUBLISHING, lease_expires_at__lt=now)
                       .only("pk", "workspace_id", "attempt_key"))
        for publication in expired:
            with transaction.atomic():
                self._settle(publication, [State.PUBLISHING], State.UNKNOWN, "publication.lease_expired",
                             lease_owner="", lease_expires_at=None, reconcile_at=now,
                             last_error="The worker stopped while publishing this. "
                                        "Checking with the network whether it was published.")
        return len(expired)

    def reconcile_next(self) -> bool:
        """Ask the network what one unknown attempt did. False when none is waiting."""
        now = timezone.now()
        with transaction.atomic():
            publication = (
                Publication.objects.filter(state=State.UNKNOWN, reconcile_at__lte=now,
                                           channel__status=ChannelStatus.ACTIVE)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("channel__workspace", "variant").order_by("reconcile_at").first()
            )
            if publication is None:
                return False
            # reconcile_at doubles as the lease: if this worker dies, another tries again later.
            Publication.objects.filter(pk=publication.pk, state=State.UNKNOWN).update(
                reconcile_at=now + timedelta(seconds=settings.STOA_LEASE_SECONDS))
        self.reconcile(publication)
        return True

    def reconcile(self, publication: Publication) -> None:
        channel = publication.channel
        attempt = Attempt(publication.attempt_key, publication.attempt_started_at)
        provider = None
        try:
            provider = channel.provider(http=self.http)
            result = provider.reconcile(draft_for(publication.variant, channel.workspace), attempt)
        except ProviderError as error:
            self._record_reconcile_failure(publication, error)
        except Exception as error:
            log.exception("publication %s: unexpected error while reconciling", publication.pk)
            self._record_reconcile_failure(publication, ProviderError(
                f"Stoa hit an internal error while checking ({type(error).__name__}).", ErrorKind.TRANSIENT))
        else:
            if result is not None:
                self._record_success(publication, result)
            else:
                with transaction.atomic():
                    self._settle(publication, [State.UNKNOWN], State.SCHEDULED, "publication.reconciled_not_published",
                                 next_attempt_at=timezone.now(), reconcile_at=None,
                                 last_error="The network confirmed the earlier attempt published nothing; "
                                            "publishing again.")
        finally:
            self._save_credentials(channel, provider)

    def _record_reconcile_failure(self, publication: Publication, error: ProviderError) -> None:
        with transaction.atomic():
            if error.kind == ErrorKind.UNKNOWN_OUTCOME:
                # The network cannot tell: a person looks and decides.
                self._settle(publication, [State.UNKNOWN], State.UNKNOWN, "publication.needs_person",
                             reconcile_at=None, last_error=error.message)
            elif error.kind == ErrorKind.AUTHORIZATION:
                self._needs_reconnect(publication.channel, error.message)
            else:
                wait = timedelta(seconds=error.retry_after) if error.retry_after else RECONCILE_RETRY
                Publication.objects.filter(pk=publication.pk, state=State.UNKNOWN).update(
                    reconcile_at=timezone.now() + wait,
                    last_error=f"Could not check with the network yet ({error.message}); trying again.")

    # -- The loop -------------------------------------------------------------------------

    def work_once(self) -> bool:
        """Do one unit of work; False when there was none."""
        return self.reconcile_next() or self.publish_next()


def _audit_detail(fields: dict) -> dict:
    keep = ("last_error", "remote_id", "remote_url", "next_attempt_at")
    return {k: str(v) for k, v in fields.items() if k in keep and v}


def run_engine(stop: threading.Event, threads: int | None = None, http: httpx.Client | None = None,
               poll_seconds: float | None = None) -> list[threading.Thread]:
    """Start publisher threads that work until `stop` is set. Returns them to join."""
    threads = threads or settings.STOA_PUBLISHER_THREADS
    poll = settings.STOA_POLL_SECONDS if poll_seconds is None else poll_seconds

    def loop(index: int) -> None:
        engine = Engine(http=http)
        last_sweep = 0.0
        try:
            while not stop.is_set():
                try:
                    if index == 0 and (now := timezone.now().timestamp()) - last_sweep > poll * 5:
                        engine.expire_leases()
                        last_sweep = now
                    if not engine.work_once():
                        stop.wait(poll)
                except Exception:
                    log.exception("publisher thread %s: error; continuing", index)
                    close_old_connections()
                    stop.wait(poll)
        finally:
            connection.close()

    started = []
    for index in range(threads):
        thread = threading.Thread(target=loop, args=(index,), name=f"stoa-publisher-{index}", daemon=True)
        thread.start()
        started.append(thread)
    return started
