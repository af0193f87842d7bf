"""A channel's request budget (stoa.channels.budget): the network's documented limits, shared by every process that
talks to it as the channel, with a reserve background reads never take, so a poll never makes a post late."""

import logging
import multiprocessing
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from stoa import clock
from stoa.channels.budget import (
    RESERVE,
    ChannelBudget,
    OverBudget,
    background,
    half_window,
    prepaid,
    prepay,
    reserve,
    window_start,
)
from stoa.channels.models import Channel
from stoa.inbox.polling import poll_channel
from stoa.posts.models import State
from stoa.providers.base import ErrorKind, ProviderError, RateLimit
from stoa.providers.mastodon.provider import MastodonProvider
from stoa.publishing.engine import Engine
from tests.conftest import mastodon_channel
from tests.core.helpers import drain, make_due, reload, schedule

# Also run on PostgreSQL by `make test-postgres`.
pytestmark = pytest.mark.postgres

HOURLY = RateLimit("requests", 8, 3600)  # reads may take 6 of them: RESERVE keeps 2 for publishing
NOTIFICATIONS = ("GET", "/api/v1/notifications")


def fresh_window(seconds: int = 3600) -> time_machine.travel:
    """The clock at the start of a window, so none turns over while a test runs."""
    return time_machine.travel(window_start(clock.now(), seconds) + timedelta(seconds=seconds + 1), tick=True)


@pytest.fixture
def small_budget(monkeypatch):
    monkeypatch.setattr(MastodonProvider, "rate_limits", (HOURLY,))


def test_the_reserve_is_a_quarter_of_each_limit_and_never_nothing():
    assert RESERVE == 0.25
    assert reserve(HOURLY) == 2 and reserve(RateLimit("messages", 20, 60)) == 5 and reserve(RateLimit("x", 1, 1)) == 1


def test_polling_stops_at_the_reserve_while_a_publication_still_goes_out(owner, workspace, channel, fake_network,
                                                                        small_budget, caplog):
    with fresh_window(), caplog.at_level(logging.DEBUG, logger="stoa.inbox"):
        for _cycle in range(10):
            assert poll_channel(channel).new == 0  # past the reserve: skipped, not an error
        assert fake_network.requests[NOTIFICATIONS] == HOURLY.limit - reserve(HOURLY)
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert "waits for its next cycle" in caplog.text

        [publication] = schedule(owner, workspace, [channel], text="On time · בזמן")
        make_due(publication)
        drain()
        assert reload(publication).state == State.PUBLISHED
        assert fake_network.created_texts() == {"On time · בזמן": 1}
        assert channel.provider().budget.used() == {"requests": HOURLY.limit - reserve(HOURLY) + 1}


def test_reads_have_their_share_again_once_what_they_spent_left_the_window(channel, fake_network, small_budget):
    with fresh_window() as traveller:
        for _cycle in range(8):
            poll_channel(channel)
        traveller.shift(timedelta(seconds=HOURLY.seconds) + half_window(HOURLY))  # at most half a window late
        poll_channel(channel)
    assert fake_network.requests[NOTIFICATIONS] == HOURLY.limit - reserve(HOURLY) + 1


def test_publishing_may_spend_the_reserve_but_never_past_the_limit(channel, small_budget):
    budget = channel.provider().budget
    with fresh_window():
        with background():
            for _read in range(HOURLY.limit - reserve(HOURLY)):
                budget.spend({"requests": 1})
            with pytest.raises(OverBudget):
                budget.spend({"requests": 1})
        budget.spend({"requests": 2})  # publishing takes the reserve
        with pytest.raises(ProviderError) as refused:
            budget.spend({"requests": 1})
    assert refused.value.kind == ErrorKind.RATE_LIMITED and not isinstance(refused.value, OverBudget)
    assert 0 < refused.value.retry_after <= HOURLY.seconds * 1.5
    assert "limit of 8 requests every 3600 seconds" in refused.value.message


def test_a_post_spends_what_its_claim_prepaid_and_its_publishing_thread_writes_no_budget(owner, workspace, channel,
                                                                                          fake_network):
    """On SQLite a spend of its own in each publishing thread queued them behind the engine's claims (bench/publish)."""
    [publication] = schedule(owner, workspace, [channel], text="Prepaid · שולם מראש")
    make_due(publication)
    engine = Engine(owner="test")
    with fresh_window(MastodonProvider.rate_limits[0].seconds):
        [claim] = engine.claim_batch(1)
        assert claim.prepaid is not None and claim.prepaid.points == {"requests": 1}
        assert channel.provider().budget.used()["requests"] == 1
        with CaptureQueriesContext(connection) as queries:
            outcome = engine.attempt(claim)
        engine.record(outcome)
        assert reload(publication).state == State.PUBLISHED
        assert not [q["sql"] for q in queries.captured_queries if "requestwindow" in q["sql"].lower()]
        assert channel.provider().budget.used()["requests"] == 1  # spent once, not twice
        assert claim.prepaid.points == {"requests": 0}


def test_prepaid_points_are_spent_only_in_the_half_window_they_were_counted_in(channel, small_budget):
    budget = channel.provider().budget
    with fresh_window() as traveller:
        allowance = prepay(channel, (HOURLY,), "Mastodon", {"requests": 1})
        traveller.shift(half_window(HOURLY))
        with prepaid(allowance):
            budget.spend({"requests": 1})  # from the database: counted now, where the request is made
        assert allowance is not None and allowance.points == {"requests": 1}
        assert budget.used() == {"requests": 2}


def test_prepaid_points_cover_only_their_channel_and_what_they_hold(owner, workspace, channel, fake_network,
                                                                     small_budget):
    other = mastodon_channel(workspace, fake_network, account=2)
    with fresh_window():
        allowance = prepay(channel, (HOURLY,), "Mastodon", {"requests": 1})
        with prepaid(allowance):
            other.provider().budget.spend({"requests": 1})
            channel.provider().budget.spend({"requests": 2})  # more than prepaid: all of it from the database
            channel.provider().budget.spend({"requests": 1})
        assert other.provider().budget.used() == {"requests": 1}
        assert channel.provider().budget.used() == {"requests": 3}


def test_nothing_is_prepaid_when_the_budget_has_no_room(channel, small_budget):
    with fresh_window():
        channel.provider().budget.spend({"requests": HOURLY.limit})
        assert prepay(channel, (HOURLY,), "Mastodon", {"requests": 1}) is None
        assert channel.provider().budget.used() == {"requests": HOURLY.limit}


def test_points_of_several_limits_are_taken_together_or_not_at_all(channel):
    limits = (RateLimit("points-hour", 10, 3600), RateLimit("points-day", 12, 86400))
    budget = ChannelBudget(channel, limits, "Bluesky")
    with fresh_window(86400):
        budget.spend({"points-hour": 3, "points-day": 3})
        budget.spend({"points-hour": 3, "points-day": 3})
        budget.spend({"points-hour": 3, "points-day": 3})
        with pytest.raises(ProviderError):
            budget.spend({"points-hour": 1, "points-day": 5})  # the day's limit refuses; the hour's gives it back
        assert budget.used() == {"points-hour": 9, "points-day": 9}


MINUTELY = RateLimit("messages", 20, 60)


def minutes_ahead(minutes: int) -> Any:
    """The start of a minute a few minutes from now: a boundary of fixed windows of a minute, or of half a minute."""
    return window_start(clock.now(), 60) + timedelta(minutes=minutes)


def test_a_limit_spent_just_before_a_window_boundary_is_not_given_again_just_after_it(channel):
    budget = ChannelBudget(channel, (MINUTELY,), "Telegram")
    boundary = minutes_ahead(5)
    with time_machine.travel(boundary - timedelta(seconds=1), tick=False) as traveller:
        for _message in range(MINUTELY.limit):
            budget.spend({"messages": 1})
        traveller.move_to(boundary + timedelta(seconds=1))  # a network's minute from here holds all 20 already
        with pytest.raises(ProviderError) as refused:
            budget.spend({"messages": 1})
        assert refused.value.kind == ErrorKind.RATE_LIMITED
        assert refused.value.retry_after == 59  # when the 20 are a minute old
        traveller.shift(timedelta(seconds=58))
        with pytest.raises(ProviderError):
            budget.spend({"messages": 1})
        traveller.shift(timedelta(seconds=1))
        budget.spend({"messages": 1})


def test_no_window_of_a_limits_length_ever_holds_more_than_the_limit(channel):
    """Three tries every two seconds for four minutes, against 20 a minute: every minute, wherever it starts, holds
    at most 20 of the requests let through, and a whole limit goes out at least every minute and a half."""
    budget = ChannelBudget(channel, (MINUTELY,), "Telegram")
    taken = []
    with time_machine.travel(minutes_ahead(5) - timedelta(seconds=7), tick=False) as traveller:
        for _step in range(120):
            for _try in range(3):
                try:
                    budget.spend({"messages": 1})
                    taken.append(clock.now())
                except ProviderError:
                    pass
            traveller.shift(timedelta(seconds=2))
    minute = timedelta(seconds=MINUTELY.seconds)
    busiest = max(sum(1 for moment in taken if start <= moment < start + minute) for start in taken)
    assert busiest == MINUTELY.limit
    assert len(taken) >= 3 * MINUTELY.limit


def test_a_background_read_waits_across_the_boundary_too(channel):
    budget = ChannelBudget(channel, (MINUTELY,), "Telegram")
    boundary = minutes_ahead(5)
    with time_machine.travel(boundary - timedelta(seconds=1), tick=False) as traveller:
        with background():
            for _read in range(MINUTELY.limit - reserve(MINUTELY)):
                budget.spend({"messages": 1})
            traveller.move_to(boundary + timedelta(seconds=1))
            with pytest.raises(OverBudget):
                budget.spend({"messages": 1})
        budget.spend({"messages": reserve(MINUTELY)})  # the reserve is still publishing's
        assert budget.used() == {"messages": MINUTELY.limit}


def test_a_429_makes_every_caller_wait_until_its_retry_after(owner, workspace, channel, fake_network, small_budget):
    with fresh_window() as traveller:
        fake_network.inject("429")  # Retry-After: 1
        [publication] = schedule(owner, workspace, [channel])
        make_due(publication)
        drain()
        assert reload(publication).state == State.SCHEDULED  # it is tried again later
        poll_channel(channel)
        assert fake_network.requests[NOTIFICATIONS] == 0  # the channel waits, its reads too
        with pytest.raises(ProviderError) as waiting:
            channel.provider().budget.spend({"requests": 1})
        assert waiting.value.kind == ErrorKind.RATE_LIMITED and waiting.value.retry_after >= 1
        traveller.shift(timedelta(seconds=2))
        poll_channel(channel)
        assert fake_network.requests[NOTIFICATIONS] == 1


def spend_all_you_can(channel_id: int, attempts: int, start: Any, granted: Any) -> None:
    """One process spending a shared budget as fast as it can, one point at a time, once both are ready."""
    budget = ChannelBudget(Channel.objects.get(pk=channel_id), (HOURLY_SHARED,), "Test")
    start.wait(30)
    taken = 0
    for _attempt in range(attempts):
        try:
            budget.spend({"requests": 1})
            taken += 1
        except ProviderError:
            pass
    connections.close_all()
    granted.put(taken)


HOURLY_SHARED = RateLimit("requests", 40, 3600)


@pytest.mark.django_db(transaction=True)
def test_two_processes_sharing_one_budget_never_exceed_it(channel):
    with fresh_window():
        connections.close_all()  # each process opens its own connection
        fork = multiprocessing.get_context("fork")
        granted, start = fork.Queue(), fork.Barrier(2)
        processes = [fork.Process(target=spend_all_you_can, args=(channel.pk, 60, start, granted)) for _ in range(2)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(120)
        taken = [granted.get(timeout=5) for _ in processes]
        assert all(process.exitcode == 0 for process in processes)
        assert sum(taken) == HOURLY_SHARED.limit, taken  # 120 tries for 40 points: all taken, none twice
        assert ChannelBudget(channel, (HOURLY_SHARED,), "Test").used() == {"requests": HOURLY_SHARED.limit}


def spend_once(channel_id: int, start: Any, granted: Any) -> None:
    budget = ChannelBudget(Channel.objects.get(pk=channel_id), (HOURLY_SHARED,), "Test")
    start.wait(30)
    try:
        budget.spend({"requests": 1})
        granted.put(1)
    except ProviderError:
        granted.put(0)
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_processes_meeting_a_channels_first_request_all_spend(channel):
    """The first request on a limit makes its row; processes making it at the same moment each spend once."""
    for _round in range(3):
        channel.request_windows.all().delete()
        connections.close_all()
        fork = multiprocessing.get_context("fork")
        granted, start = fork.Queue(), fork.Barrier(4)
        processes = [fork.Process(target=spend_once, args=(channel.pk, start, granted)) for _ in range(4)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(60)
        assert [granted.get(timeout=5) for _ in processes] == [1, 1, 1, 1]
        assert ChannelBudget(channel, (HOURLY_SHARED,), "Test").used() == {"requests": 4}


def synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_spend_never_changes_how_durably_anything_else_commits(channel):
    """On PostgreSQL a spend of its own commits without waiting for the disk; a caller's transaction around it, and
    what the connection does next, keep the durability they had."""
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    budget = ChannelBudget(channel, (MINUTELY,), "Telegram")
    with transaction.atomic():
        budget.spend({"messages": 1})
        assert synchronous_commit() == "on"
    budget.spend({"messages": 1})
    assert synchronous_commit() == "on"
    assert budget.used() == {"messages": 2}
