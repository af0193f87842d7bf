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
import queue
import threading
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext_lazy, ngettext_lazy

from stoa import clock
from stoa.channels import budget, credentials
from stoa.channels.actions import mark_needs_reconnect
from stoa.channels.models import Channel, ChannelStatus
from stoa.posts.actions import rule_problems
from stoa.posts.drafts import draft_to_send
from stoa.posts.models import Publication, State
from stoa.posts.status import waits_for_approval
from stoa.providers.base import Attempt, ErrorKind, Provider, ProviderError, Published, http_client
from stoa.providers.capabilities import Publishes
from stoa.providers.registry import UnknownNetwork, get_provider_class
from stoa.publishing import liveness
from stoa.workspaces.actions import audit, in_their_language, notify

log = logging.getLogger("stoa.publishing")

RECONCILE_DELAY = timedelta(seconds=2)
RECONCILE_RETRY = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min, then hourly."""
    return timedelta(seconds=min(30 * 4 ** max(attempts - 1, 0), 3600))


@dataclass
class Claim:
    publication: Publication
    attempt: Attempt
    prepaid: budget.Prepaid | None = None  # what its post will spend, taken from the budget with the claim


@dataclass
class Outcome:
    """What the network said about one attempt, to be recorded by whoever writes."""

    publication: Publication
    result: Published | None = None
    error: ProviderError | None = None


class Engine:
    """One engine per thread. `http` lets tests and the benchmark share a client."""

    def __init__(self, owner: str | None = None, http: httpx.Client | None = None):
        self.owner = owner or liveness.this_process()
        self.http = http or http_client()

    # -- Claiming -------------------------------------------------------------------------

    def _due(self, now: datetime):
        return Publication.objects.filter(
            state=State.SCHEDULED, next_attempt_at__lte=now, channel__status=ChannelStatus.ACTIVE
        ).order_by("next_attempt_at")

    def claim_next(self) -> Claim | None:
        """Take the most overdue publication, or return None when nothing is due."""
        for _ in range(100):  # settling a missed or ruled-out one lets the next one through
            if claims := self.claim_batch(1):
                return claims[0]
            if not self._due(clock.now()).exists():
                return None
        return None

    def claim_batch(self, limit: int) -> list[Claim]:
        """Claim up to `limit` due publications in one transaction (the dispatcher's way)."""
        now = clock.now()
        if not self._due(now).exists():
            return []  # a plain read: no write lock just to learn there is nothing to do
        claims, ruled_channels = [], set()
        with transaction.atomic():
            candidates = (self._due(now).select_for_update(skip_locked=True, of=("self",))
                          .select_related("channel__workspace", "variant__post")[:limit])
            for publication in candidates:
                channel = publication.channel
                if channel.min_gap_minutes or channel.daily_max:
                    # One per ruled channel per batch, so the next one's check sees this one publishing.
                    if channel.pk in ruled_channels:
                        continue
                    ruled_channels.add(channel.pk)
                if claim := self._claim_or_refuse(publication, now):
                    claims.append(claim)
            # In the order of the channels, so two engines' claims never wait on each other's budget rows.
            for claim in sorted(claims, key=lambda claim: claim.publication.channel_id):
                claim.prepaid = self._prepay(claim.publication.channel)
        prefetch_related_objects([c.publication.variant for c in claims], "variantmedia_set__media")
        return claims

    def _claim_or_refuse(self, publication: Publication, now: datetime) -> Claim | None:
        """Inside the claim's transaction: claim it, or settle it as missed or failed."""
        # Late against next_attempt_at, not scheduled_at: a retry planned for later is not late,
        # but one that waited while Stoa was down or the channel was disconnected is.
        assert publication.next_attempt_at is not None  # it was due by next_attempt_at (_due)
        late = now - publication.next_attempt_at
        if late > timedelta(seconds=settings.STOA_MISSED_AFTER_SECONDS):
            minutes = int(late.total_seconds() // 60)
            reason = (f"it was due {minutes} minutes ago, while Stoa was not running or the channel was "
                      "disconnected. Publish it now or give it a new time.")
            if self._settle(publication, [State.SCHEDULED], State.MISSED, "publication.missed",
                            last_error=f"Not published: {reason}"):
                notify(publication.workspace_id, "publish_missed", in_their_language(
                    ngettext_lazy("A post to %(channel)s was not published: it was due %(minutes)s minute ago, "
                                  "while Stoa was not running or the channel was disconnected. Publish it now or "
                                  "give it a new time.",
                                  "A post to %(channel)s was not published: it was due %(minutes)s minutes ago, "
                                  "while Stoa was not running or the channel was disconnected. Publish it now or "
                                  "give it a new time.", minutes),
                    channel=publication.channel.name, minutes=minutes),
                    link=f"/posts/{publication.variant.post_id}/")
            return None
        post = publication.variant.post
        if waits_for_approval(publication.channel.workspace.requires_approval, post.approval_state,
                              post.approval_exempt):
            reason = (f"it was not approved by its time (it is {post.get_approval_state_display().lower()}). "
                      "Once it is approved, publish it now or give it a new time.")
            if self._settle(publication, [State.SCHEDULED], State.MISSED, "publication.missed",
                            last_error=f"Not published: {reason}"):
                notify(publication.workspace_id, "publish_missed", in_their_language(
                    gettext_lazy("A post to %(channel)s was not published: it was not approved by its time (it "
                                 "is %(state)s). Once it is approved, publish it now or give it a new time."),
                    channel=publication.channel.name, state=post.get_approval_state_display().lower()),
                    link=f"/posts/{post.pk}/")
            return None
        if problems := self._rule_problems_now(publication, now):
            self._settle(publication, [State.SCHEDULED], State.FAILED, "publication.failed",
                         last_error="Not published: " + " ".join(problems))
            notify(publication.workspace_id, "publish_failed", in_their_language(
                gettext_lazy("A post to %(channel)s failed: %(reason)s"), channel=publication.channel.name,
                reason=problems[0]),
                link=f"/posts/{post.pk}/")
            return None
        attempt = Attempt(key=uuid.uuid4().hex, started_at=now, publication_id=publication.pk,
                          number=publication.attempts + 1)
        claimed = Publication.objects.filter(pk=publication.pk, state=State.SCHEDULED).update(
            state=State.PUBLISHING, attempts=publication.attempts + 1, attempt_key=attempt.key,
            attempt_started_at=now, lease_owner=self.owner,
            lease_expires_at=now + timedelta(seconds=settings.STOA_LEASE_SECONDS), updated_at=now,
        )
        if claimed != 1:
            return None
        publication.attempts += 1
        return Claim(publication, attempt)

    @staticmethod
    def _prepay(channel: Channel) -> budget.Prepaid | None:
        """The points its post will spend, taken from the channel's budget with the claim's other writes, so that
        the publishing threads write nothing (stoa.channels.budget)."""
        try:
            network = get_provider_class(channel.network)
        except UnknownNetwork:
            return None  # the attempt says so
        if not issubclass(network, Publishes):
            return None
        return budget.prepay(channel, network.rate_limits, network.name, network.post_cost)

    def _rule_problems_now(self, publication: Publication, now: datetime) -> list[str]:
        """The channel's posting rules, checked again at delivery: they may have changed."""
        channel = publication.channel
        if not (channel.min_gap_minutes or channel.daily_max):
            return []
        # Serialise publishes on this channel (PostgreSQL) so two workers cannot both pass the check.
        Channel.objects.select_for_update().filter(pk=channel.pk).first()
        return rule_problems(channel, now, exclude_id=publication.pk, states=[State.PUBLISHING, State.PUBLISHED])

    def _settle(self, publication: Publication, expected: Collection[str], state: str, action: str,
                **fields) -> bool:
        """Move to `state` if still in an `expected` state (for this attempt, where there is one)."""
        match = {"pk": publication.pk, "state__in": expected}
        if publication.attempt_key:
            match["attempt_key"] = publication.attempt_key
        updated = Publication.objects.filter(**match).update(state=state, updated_at=clock.now(), **fields)
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
        self.record(self.attempt(claim))

    def attempt(self, claim: Claim) -> Outcome:
        """The network part of a publish, so it can run on any thread: the outcome is recorded by record(). Its
        only writes are the channel's credentials, by their owner (a refresh at an expiry, a renewed session), the
        publication's short links the first time its Draft is built (stoa/links/shortening.py, once per link), and
        what its requests spend of the channel's budget beyond the post's own request, prepaid with the claim (a
        media upload, a sign-in)."""
        publication, attempt = claim.publication, claim.attempt
        publication.attempt_key = attempt.key

        def publish(provider: Provider) -> Published:
            if not isinstance(provider, Publishes):
                raise ProviderError(f"Stoa cannot publish on {provider.name}.", ErrorKind.PERMANENT)
            draft = draft_to_send(publication)  # its links made short here, once, if the workspace chose it
            if problems := provider.validate(draft):
                # Checked again at delivery: the channel's limits may have changed since scheduling.
                raise ProviderError("; ".join(p.message for p in problems), ErrorKind.PERMANENT)
            return provider.publish(draft, attempt)

        try:
            with budget.prepaid(claim.prepaid):
                result = credentials.using(publication.channel, publish, http=self.http)
        except ProviderError as error:
            return Outcome(publication, error=error)
        except Exception as error:  # a bug or a crash mid-publish: what was sent is not known
            log.exception("publication %s: unexpected error while publishing", publication.pk)
            return Outcome(publication, error=ProviderError(
                f"Stoa stopped with an internal error while publishing ({type(error).__name__}).",
                ErrorKind.UNKNOWN_OUTCOME))
        return Outcome(publication, result=result)

    def record(self, outcome: Outcome) -> None:
        """The database part of a publish."""
        with transaction.atomic():
            if outcome.error:
                self._record_failure(outcome.publication, outcome.error)
            else:
                assert outcome.result is not None  # an outcome without an error has the network's result
                self._record_success(outcome.publication, outcome.result)

    def _record_success(self, publication: Publication, result: Published) -> None:
        # UNKNOWN too: the lease may have expired while the network was slow to answer.
        with transaction.atomic():
            self._settle(publication, [State.PUBLISHING, State.UNKNOWN], State.PUBLISHED, "publication.published",
                         remote_id=result.remote_id, remote_url=result.url, remote_parts=list(result.parts),
                         published_at=clock.now(), last_error="", lease_owner="", lease_expires_at=None,
                         reconcile_at=None)

    def _record_failure(self, publication: Publication, error: ProviderError) -> None:
        now = clock.now()
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
            elif error.kind in (ErrorKind.PERMANENT, ErrorKind.PERMISSION) or \
                    publication.attempts >= self._max_attempts(error):
                self._settle(publication, in_states, State.FAILED, "publication.failed", **release,
                             last_error=f"Not published: {error.message}")
                notify(publication.workspace_id, "publish_failed", in_their_language(
                    gettext_lazy("A post to %(channel)s failed: %(reason)s"), channel=publication.channel.name,
                    reason=error.message), link=f"/posts/{publication.variant.post_id}/")
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
        mark_needs_reconnect(channel, reason)

    # -- Unknown outcomes -----------------------------------------------------------------

    def expire_leases(self) -> int:
        """Publications whose worker stopped mid-publish: their outcome is unknown. A worker known
        to be dead is not waited for; one that may be alive on another machine, until its lease ends."""
        now = clock.now()
        in_flight = Publication.objects.filter(state=State.PUBLISHING)
        owners = set(in_flight.exclude(lease_owner=self.owner).values_list("lease_owner", flat=True).distinct())
        dead = [owner for owner in owners if liveness.is_dead(owner)]
        expired = list(in_flight.filter(Q(lease_expires_at__lt=now) | Q(lease_owner__in=dead))
                       .only("pk", "workspace_id", "attempt_key"))
        liveness.prune(keep=owners - set(dead))
        for publication in expired:
            with transaction.atomic():
                self._settle(publication, [State.PUBLISHING], State.UNKNOWN, "publication.lease_expired",
                             lease_owner="", lease_expires_at=None, reconcile_at=now + RECONCILE_DELAY,
                             last_error="The worker stopped while publishing this. "
                                        "Checking with the network whether it was published.")
        return len(expired)

    def renew_leases(self) -> int:
        """The heartbeat: this worker is alive, so its publications in flight keep their leases."""
        now = clock.now()
        return Publication.objects.filter(state=State.PUBLISHING, lease_owner=self.owner).update(
            lease_expires_at=now + timedelta(seconds=settings.STOA_LEASE_SECONDS))

    def reconcile_next(self) -> bool:
        """Ask the network what one unknown attempt did. False when none is waiting."""
        publication = self.claim_reconcile()
        if publication is None:
            return False
        self.reconcile(publication)
        return True

    def claim_reconcile(self) -> Publication | None:
        now = clock.now()
        waiting = Publication.objects.filter(state=State.UNKNOWN, reconcile_at__lte=now,
                                             channel__status=ChannelStatus.ACTIVE)
        if not waiting.exists():
            return None
        with transaction.atomic():
            publication = (waiting.select_for_update(skip_locked=True, of=("self",))
                           .select_related("channel__workspace", "variant").order_by("reconcile_at").first())
            if publication is None:
                return None
            # reconcile_at doubles as the lease: if this worker dies, another tries again later.
            Publication.objects.filter(pk=publication.pk, state=State.UNKNOWN).update(
                reconcile_at=now + timedelta(seconds=settings.STOA_LEASE_SECONDS))
        return publication

    def reconcile(self, publication: Publication) -> None:
        channel = publication.channel
        assert publication.attempt_started_at is not None  # an unknown outcome is an attempt's
        attempt = Attempt(publication.attempt_key, publication.attempt_started_at, publication.pk,
                          publication.attempts)

        def find(provider: Provider) -> Published | None:
            if not isinstance(provider, Publishes):
                raise ProviderError(f"{provider.name} offers no way to check whether this was published.",
                                    ErrorKind.UNKNOWN_OUTCOME)
            return provider.reconcile(draft_to_send(publication), attempt)

        try:
            result = credentials.using(channel, find, http=self.http)
        except ProviderError as error:
            self._record_reconcile_failure(publication, error)
        except Exception as error:
            log.exception("publication %s: unexpected error while reconciling", publication.pk)
            self._record_reconcile_failure(publication, ProviderError(
                f"Stoa hit an internal error while checking ({type(error).__name__}).", ErrorKind.TRANSIENT))
        else:
            if result is not None and (taken_by := self._already_recorded(publication, result)):
                self._record_reconcile_failure(publication, ProviderError(
                    f"The network shows a post at {result.url or result.remote_id}, but it is already recorded as "
                    f"publication {taken_by}'s, so it is not taken for this one. Look at the account, then mark this "
                    "one published or publish it again.", ErrorKind.UNKNOWN_OUTCOME))
            elif result is not None:
                self._record_success(publication, result)
            else:
                with transaction.atomic():
                    self._settle(publication, [State.UNKNOWN], State.SCHEDULED, "publication.reconciled_not_published",
                                 next_attempt_at=clock.now(), reconcile_at=None,
                                 last_error="The network confirmed the earlier attempt published nothing; "
                                            "publishing again.")

    @staticmethod
    def _already_recorded(publication: Publication, result: Published) -> int | None:
        """Another publication of the channel that owns the post reconcile() found, if one does:
        what exists on the network is never taken as this attempt's because it exists."""
        return (Publication.objects.filter(channel_id=publication.channel_id, remote_id=result.remote_id)
                .exclude(pk=publication.pk).values_list("pk", flat=True).first())

    def _record_reconcile_failure(self, publication: Publication, error: ProviderError) -> None:
        with transaction.atomic():
            if error.kind in (ErrorKind.UNKNOWN_OUTCOME, ErrorKind.PERMISSION):
                # The network cannot tell, or will not let Stoa look: a person looks and decides.
                self._settle(publication, [State.UNKNOWN], State.UNKNOWN, "publication.needs_person",
                             reconcile_at=None, last_error=error.message)
            elif error.kind == ErrorKind.AUTHORIZATION:
                self._needs_reconnect(publication.channel, error.message)
            else:
                wait = timedelta(seconds=error.retry_after) if error.retry_after else RECONCILE_RETRY
                Publication.objects.filter(pk=publication.pk, state=State.UNKNOWN).update(
                    reconcile_at=clock.now() + wait,
                    last_error=f"Could not check with the network yet ({error.message}); trying again.")

    # -- The loop -------------------------------------------------------------------------

    def work_once(self) -> bool:
        """Do one unit of work; False when there was none."""
        return self.reconcile_next() or self.publish_next()


def _audit_detail(fields: dict) -> dict:
    keep = ("last_error", "remote_id", "remote_url", "next_attempt_at")
    return {k: str(v) for k, v in fields.items() if k in keep and v}


class Dispatcher:
    """Runs the engine in one process: one dispatcher thread does every write of the hot path
    (claims and outcomes, in batches) and publisher threads only talk to the networks.

    SQLite allows one writer at a time; many threads queueing for its lock, each holding it
    while Python builds a query, cost far more than one thread writing in batches. On
    PostgreSQL the same shape keeps connections and round trips few."""

    def __init__(self, stop: threading.Event, threads: int, http: httpx.Client | None, poll: float):
        self.stop, self.threads, self.http, self.poll = stop, threads, http, poll
        self.capacity = 2 * threads  # claimed ahead, so publishers never wait for the next claim
        self.batch = max(1, threads // 2)
        self.work: queue.Queue = queue.Queue()
        self.done: queue.Queue = queue.Queue()  # an Outcome per publish, None per reconcile
        self.in_flight = 0

    def start(self) -> list[threading.Thread]:
        started = [threading.Thread(target=self.dispatch, name="stoa-dispatcher", daemon=True)]
        started += [threading.Thread(target=self.publish, name=f"stoa-publisher-{i}", daemon=True)
                    for i in range(self.threads)]
        for thread in started:
            thread.start()
        return started

    def dispatch(self) -> None:
        engine = Engine(http=self.http)
        last_sweep = last_reconcile = last_heartbeat = 0.0
        claimed = 0
        try:
            # After stop, no new claims; what is in flight is still recorded.
            while not self.stop.is_set() or self.in_flight:
                try:
                    wait = 0 if claimed else self.poll
                    self._record(engine, self._collect(wait))
                    if self.stop.is_set():
                        continue
                    now = time.monotonic()
                    if now - last_heartbeat > settings.STOA_LEASE_SECONDS / 3:
                        engine.renew_leases()
                        last_heartbeat = now
                    if now - last_sweep > self.poll * 5:
                        engine.expire_leases()
                        last_sweep = now
                    items: list[tuple[str, Claim | Publication]] = []
                    if now - last_reconcile > self.poll:
                        while len(items) < self.capacity - self.in_flight and (p := engine.claim_reconcile()):
                            items.append(("reconcile", p))
                        last_reconcile = now
                    room = self.capacity - self.in_flight - len(items)
                    if room >= self.batch:
                        items += [("publish", claim) for claim in engine.claim_batch(room)]
                    for item in items:
                        self.work.put(item)
                    self.in_flight += len(items)
                    claimed = len(items)
                except Exception:
                    log.exception("publishing dispatcher: error; continuing")
                    close_old_connections()
                    self.stop.wait(self.poll)
        finally:
            for _ in range(self.threads):
                self.work.put(None)
            connection.close()

    def _collect(self, wait: float) -> list[Outcome | None]:
        """Outcomes that arrived; waits up to `wait` seconds for the first one."""
        finished = []
        try:
            finished.append(self.done.get(timeout=wait) if wait else self.done.get_nowait())
            while True:
                finished.append(self.done.get_nowait())
        except queue.Empty:
            pass
        self.in_flight -= len(finished)
        return finished

    @staticmethod
    def _record(engine: Engine, finished: list[Outcome | None]) -> None:
        outcomes = [o for o in finished if o is not None]
        if not outcomes:
            return
        with transaction.atomic():  # one commit for the batch; each outcome in its own savepoint
            for outcome in outcomes:
                try:
                    engine.record(outcome)
                except Exception:
                    log.exception("publication %s: could not record the outcome", outcome.publication.pk)

    def publish(self) -> None:
        engine = Engine(http=self.http)
        try:
            while (item := self.work.get()) is not None:
                kind, target = item
                outcome = None
                try:
                    if kind == "publish":
                        outcome = engine.attempt(target)
                    else:
                        engine.reconcile(target)
                except Exception:
                    log.exception("publisher: error; continuing")
                    close_old_connections()
                finally:
                    self.done.put(outcome)
        finally:
            connection.close()


def run_engine(stop: threading.Event, threads: int | None = None, http: httpx.Client | None = None,
               poll_seconds: float | None = None) -> list[threading.Thread]:
    """Start the engine's threads; they work until `stop` is set. Returns them to join."""
    poll = settings.STOA_POLL_SECONDS if poll_seconds is None else poll_seconds
    return Dispatcher(stop, threads or settings.STOA_PUBLISHER_THREADS, http, poll).start()
