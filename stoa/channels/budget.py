"""A channel's request budget: the rate limits its network documents for one account (Provider.rate_limits), spent by
every request any process makes as the channel (publishing, replies, hiding, the inbox's polls, later metrics).

A limit is never exceeded in any window of its length, wherever that window starts: networks count by sliding
windows (or by fixed ones on their own clock), so fixed windows of ours would let twice a limit through across a
boundary and earn a 429. Each limit is a row (RequestWindow) counting what the last three half-windows (aligned to
the epoch) used; a request may spend while the three together, the current one included, stay within the limit.
Any window of the limit's length lies within three consecutive half-windows, so it never holds more than the limit;
the price is that points come back up to half a window later than a perfect sliding window would give them back.

Spending is one conditional UPDATE (`... WHERE earlier + previous + used + n <= ceiling`, the half-windows shifted
along in the same statement), so two processes can never take the same points, on SQLite and on PostgreSQL alike.

Publishing comes first, and its threads write nothing: the engine takes what a publication's post will spend
(Publishes.post_cost) from the budget when it claims it, in the claim's own transaction (`prepay`), and the request
that creates the post spends from that prepaid allowance (`prepaid`) instead of the database. On SQLite, where one
writer at a time holds the database, a spend of its own in each of sixteen publishing threads queued them behind
the claims and records for tens of milliseconds each (bench/publish.py). Points are prepaid only within the
half-window they are counted in: a request made after it turned spends from the database as any other, and the
prepaid points stay counted unused, which errs on the side of the network.

Background reads (polling, metrics sweeps) run inside `background()` and may spend a limit
only down to the reserve kept for publishing (RESERVE, a quarter of it); past that they raise OverBudget, which
their callers take as "wait for the next cycle", never as an error. Publishing and replies may spend it all; past
that they get RATE_LIMITED with the seconds until points come back, and the engine tries again then. When the
network answers 429 anyway, the channel is blocked until its Retry-After, for every caller.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from stoa import clock
from stoa.channels.models import Channel, RequestWindow
from stoa.providers.base import ErrorKind, ProviderError, RateLimit

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RESERVE = 0.25  # of each limit, kept for publishing and replies: a sweep never makes a scheduled post late
BLOCKED_WITHOUT_RETRY_AFTER = timedelta(seconds=60)  # a 429 that does not say how long to wait
_background: ContextVar[bool] = ContextVar("stoa_background_reads", default=False)


@dataclass
class Prepaid:
    """Points a channel's budget gave a publication when it was claimed, and the half-window of each limit they are
    counted in."""

    channel_id: int
    points: dict[str, int]
    counted_in: dict[str, datetime] = field(default_factory=dict)


_prepaid: ContextVar[Prepaid | None] = ContextVar("stoa_prepaid_points", default=None)


class OverBudget(ProviderError):
    """A background read found the budget spent down to the reserve kept for publishing: it waits for its next
    cycle."""


@contextmanager
def background() -> Iterator[None]:
    """Requests made inside are background reads: they leave the reserve to publishing."""
    token = _background.set(True)
    try:
        yield
    finally:
        _background.reset(token)


@contextmanager
def prepaid(allowance: Prepaid | None) -> Iterator[None]:
    """Requests made inside spend from `allowance` first (see the module's docstring)."""
    token = _prepaid.set(allowance)
    try:
        yield
    finally:
        _prepaid.reset(token)


def prepay(channel: Channel, limits: tuple[RateLimit, ...], network: str, costs: Mapping[str, int]) -> Prepaid | None:
    """Take `costs` from the channel's budget now, inside the caller's transaction, for a request to be made soon;
    None when the budget has no room (the request then spends, and is refused, as any other)."""
    budget = ChannelBudget(channel, limits, network)
    costs = budget.counted_costs(costs)
    if not costs:
        return None
    now = clock.now()
    try:
        budget.spend(costs)
    except ProviderError:
        return None
    return Prepaid(channel.pk, costs, {name: window_start(now, half_window(budget.limits[name]).total_seconds())
                                       for name in costs})


def window_start(moment: datetime, seconds: float) -> datetime:
    elapsed = (moment - EPOCH).total_seconds()
    return EPOCH + timedelta(seconds=math.floor(elapsed / seconds) * seconds)


def half_window(limit: RateLimit) -> timedelta:
    return timedelta(seconds=limit.seconds / 2)


def counted(row: RequestWindow, limit: RateLimit, now: datetime) -> tuple[int, int, int]:
    """What the half-window `now` is in, the one before it and the one before that used, as the row says."""
    half = half_window(limit)
    start = window_start(now, half.total_seconds())
    if row.window_start >= start:  # a process whose clock runs ahead spent in a later one: count it as now
        return row.used, row.previous, row.earlier
    if row.window_start == start - half:
        return 0, row.used, row.previous
    if row.window_start == start - 2 * half:
        return 0, 0, row.used
    return 0, 0, 0


SPEND = """UPDATE {table} SET
    used = CASE WHEN window_start >= %(now_start)s THEN used + %(points)s ELSE %(points)s END,
    previous = CASE WHEN window_start >= %(now_start)s THEN previous WHEN window_start = %(one_back)s THEN used
                    ELSE 0 END,
    earlier = CASE WHEN window_start >= %(now_start)s THEN earlier WHEN window_start = %(one_back)s THEN previous
                   WHEN window_start = %(two_back)s THEN used ELSE 0 END,
    window_start = CASE WHEN window_start > %(now_start)s THEN window_start ELSE %(now_start)s END
WHERE channel_id = %(channel)s AND name = %(name)s AND (blocked_until IS NULL OR blocked_until <= %(now)s)
    AND ((window_start >= %(now_start)s AND used + previous + earlier <= %(left)s)
         OR (window_start = %(one_back)s AND used + previous <= %(left)s)
         OR (window_start = %(two_back)s AND used <= %(left)s)
         OR window_start < %(two_back)s)"""  # a clock running ahead spent in a later half-window: counted as now


BLOCKED = "SELECT 1 FROM {table} WHERE channel_id = %(channel)s AND blocked_until > %(now)s LIMIT 1"


@contextmanager
def spending(several: bool) -> Iterator[None]:
    """Where a request's spend runs. Points of several limits are taken together or not at all, in a transaction
    (a savepoint inside someone else's). On PostgreSQL a spend of its own commits without waiting for the disk
    (synchronous_commit off, for this transaction only): that wait was most of a spend's time on a busy machine
    (4 to 6 ms against 0.5; bench/budget.py), and it held the row's lock from every other process meanwhile. Should
    the database server itself crash, the spends of its last fraction of a second are forgotten, the network may
    then answer a few requests with 429, and that 429 blocks the channel as any other does. Inside someone else's
    transaction nothing changes: its commit keeps the durability it asked for."""
    if connection.in_atomic_block or connection.vendor != "postgresql":
        with transaction.atomic() if several else nullcontext():
            yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def spend_statement() -> str:
    return SPEND.format(table=connection.ops.quote_name(RequestWindow._meta.db_table))


def reserve(limit: RateLimit) -> int:
    """The points of a limit kept for publishing: background reads never take them."""
    return max(1, math.ceil(limit.limit * RESERVE))


class ChannelBudget:
    """The budget of one channel, for its provider's requests (Provider.budget)."""

    def __init__(self, channel: Channel, limits: tuple[RateLimit, ...], network: str):
        self.channel_id = channel.pk
        self.limits = {limit.name: limit for limit in limits}
        self.network = network
        self.rows_ready = False

    def spend(self, costs: Mapping[str, int]) -> None:
        if not self.limits:
            return
        costs = self.counted_costs(costs)
        now = clock.now()
        if self.spend_prepaid(costs, now):
            return
        background_read = _background.get()
        if not costs:  # a request no limit counts still waits out a 429
            self.refuse_if_blocked(now, background_read)
            return
        with spending(several=len(costs) > 1):
            for name in sorted(costs):  # one order everywhere, so two processes never wait on each other's rows
                limit = self.limits[name]
                if not self.take(limit, costs[name], now, background_read):
                    self.refuse_if_blocked(now, background_read)
                    # and the points taken above are given back
                    raise self.refusal(limit, costs[name], now, background_read)

    def counted_costs(self, costs: Mapping[str, int]) -> dict[str, int]:
        """The points of the limits this budget keeps; a cost of another, or of nothing, counts for none."""
        return {name: points for name, points in costs.items() if points > 0 and name in self.limits}

    def spend_prepaid(self, costs: dict[str, int], now: datetime) -> bool:
        """Whether the prepaid allowance covered every cost, within the half-windows it was counted in."""
        allowance = _prepaid.get()
        if allowance is None or allowance.channel_id != self.channel_id or not costs:
            return False
        for name, points in costs.items():
            if points > allowance.points.get(name, 0) or allowance.counted_in[name] != window_start(
                    now, half_window(self.limits[name]).total_seconds()):
                return False
        for name, points in costs.items():
            allowance.points[name] -= points
        return True

    def take(self, limit: RateLimit, points: int, now: datetime, background_read: bool) -> bool:
        """The points are taken if the last three half-windows, the current one included, have room for them, and
        the network has not asked the account to wait. A channel's first request on a limit makes its row (or finds
        it made by another process meanwhile) and tries again."""
        ceiling = limit.limit - (reserve(limit) if background_read else 0)
        if points > ceiling:
            return False
        if self.spend_in_row(limit, points, ceiling, now):
            return True
        self.make_row(limit, now)
        return self.spend_in_row(limit, points, ceiling, now)

    def spend_in_row(self, limit: RateLimit, points: int, ceiling: int, now: datetime) -> bool:
        """One conditional UPDATE (SPEND), which also moves the counts along when a half-window has turned: SET
        reads the row as it was, so no other process can slip between. Written out rather than built by the ORM,
        which took a hundred times as long to build it as the database took to run it (bench/budget.py)."""
        half = half_window(limit)
        now_start = window_start(now, half.total_seconds())
        moment = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.execute(spend_statement(), {
                "channel": self.channel_id, "name": limit.name, "points": points, "left": ceiling - points,
                "now": moment(now), "now_start": moment(now_start), "one_back": moment(now_start - half),
                "two_back": moment(now_start - 2 * half)})
            return cursor.rowcount == 1

    def make_row(self, limit: RateLimit, now: datetime) -> None:
        RequestWindow.objects.get_or_create(channel_id=self.channel_id, name=limit.name, defaults={
            "window_start": window_start(now, half_window(limit).total_seconds())})

    def refuse_if_blocked(self, now: datetime, background_read: bool) -> None:
        if self.blocked(now) and (blocked := self.blocked_until(now)):
            refused = OverBudget if background_read else ProviderError
            raise refused(f"{self.network} asked this account to wait; Stoa goes on in "
                          f"{seconds_until(blocked, now):.0f} seconds.", ErrorKind.RATE_LIMITED,
                          retry_after=seconds_until(blocked, now))

    def refusal(self, limit: RateLimit, points: int, now: datetime, background_read: bool) -> ProviderError:
        wait = seconds_until(self.room_again(limit, points, now, background_read), now)
        if background_read:
            return OverBudget(f"Reads of {self.network} wait until their share of its {limit.name} limit is "
                              "free again; the rest is kept for publishing.", ErrorKind.RATE_LIMITED, retry_after=wait)
        return ProviderError(f"Stoa keeps to {self.network}'s limit of {limit.limit} {limit.name} every "
                             f"{limit.seconds} seconds for this account; it goes on in {wait:.0f} seconds.",
                             ErrorKind.RATE_LIMITED, retry_after=wait)

    def rate_limited(self, retry_after: float | None) -> None:
        if not self.limits:
            return
        now = clock.now()
        self.ensure_rows(now)
        until = now + (timedelta(seconds=retry_after) if retry_after else BLOCKED_WITHOUT_RETRY_AFTER)
        RequestWindow.objects.filter(channel_id=self.channel_id).filter(
            Q(blocked_until__isnull=True) | Q(blocked_until__lt=until)).update(blocked_until=until)

    def blocked(self, now: datetime) -> bool:
        """Whether the network asked the account to wait: a request no limit counts asks this, so it is written out
        (the ORM's query took 0.6 ms a request on SQLite, this one 0.02)."""
        with connection.cursor() as cursor:
            cursor.execute(BLOCKED.format(table=connection.ops.quote_name(RequestWindow._meta.db_table)),
                           {"channel": self.channel_id, "now": connection.ops.adapt_datetimefield_value(now)})
            return cursor.fetchone() is not None

    def blocked_until(self, now: datetime) -> datetime | None:
        return RequestWindow.objects.filter(channel_id=self.channel_id, blocked_until__gt=now).values_list(
            "blocked_until", flat=True).order_by("-blocked_until").first()

    def ensure_rows(self, now: datetime) -> None:
        if self.rows_ready:
            return
        have = set(RequestWindow.objects.filter(channel_id=self.channel_id).values_list("name", flat=True))
        for name in self.limits.keys() - have:
            RequestWindow.objects.get_or_create(channel_id=self.channel_id, name=name, defaults={
                "window_start": window_start(now, self.limits[name].seconds)})
        self.rows_ready = True

    def room_again(self, limit: RateLimit, points: int, now: datetime, background_read: bool) -> datetime:
        """When the half-windows still counted will have room for `points` again, as the oldest ones drop out."""
        row = RequestWindow.objects.get(channel_id=self.channel_id, name=limit.name)
        current, before, _earliest = counted(row, limit, now)
        ceiling = limit.limit - (reserve(limit) if background_read else 0)
        half = half_window(limit)
        next_start = window_start(now, half.total_seconds()) + half
        still_counted = (current + before, current, 0)  # at the next half-window's start, and the two after it
        turns = next((n for n, spent in enumerate(still_counted) if spent + points <= ceiling), 2)
        return next_start + turns * half

    def used(self) -> dict[str, int]:
        """What each limit has used in the half-windows still counted (the last three)."""
        now = clock.now()
        return {row.name: sum(counted(row, self.limits[row.name], now))
                for row in RequestWindow.objects.filter(channel_id=self.channel_id, name__in=self.limits)}


def seconds_until(moment: datetime, now: datetime) -> float:
    return max((moment - now).total_seconds(), 1.0)
