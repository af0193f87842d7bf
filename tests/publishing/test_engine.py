"""The publishing engine against a local network that speaks Mastodon's API."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from stoa.channels.actions import reconnect_channel, set_channel_rules
from stoa.channels.models import ChannelStatus
from stoa.posts.drafts import draft_for
from stoa.posts.models import Publication, State
from stoa.publishing import liveness
from stoa.publishing.engine import Engine, run_engine
from stoa.workspaces.models import AuditEvent, Notification
from tests.conftest import mastodon_channel
from tests.core.helpers import drain, make_due, reload, schedule

# Also run on PostgreSQL by `make test-postgres`.
pytestmark = pytest.mark.postgres

def reconcile_now(publication: Publication) -> None:
    Publication.objects.filter(pk=publication.pk).update(reconcile_at=timezone.now())


def test_due_publication_is_published_once_with_the_networks_id(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel], text="Καλημέρα! בוקר טוב")
    make_due(publication)

    drain()

    publication = reload(publication)
    assert publication.state == State.PUBLISHED
    [status] = fake_network.statuses.values()
    assert status.text == "Καλημέρα! בוקר טוב"
    assert publication.remote_id == status.id
    assert publication.remote_url.endswith(f"/{status.id}")
    assert status.idempotency_key, "Mastodon statuses are sent with an Idempotency-Key"
    assert AuditEvent.objects.filter(action="publication.published", object_id=publication.pk).exists()


def test_publication_that_is_not_due_yet_is_left_alone(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel], in_seconds=600)
    drain()
    assert reload(publication).state == State.SCHEDULED
    assert not fake_network.statuses


@pytest.mark.django_db(transaction=True)
def test_post_is_not_published_twice_when_many_engines_race(owner, workspace, fake_network):
    channels = [mastodon_channel(workspace, fake_network, account=n) for n in range(1, 6)]
    publications = []
    for n in range(8):
        publications += schedule(owner, workspace, channels, text=f"race {n}", in_seconds=3600 + n * 60)
    make_due(*publications)
    start = threading.Barrier(6)

    def work(index: int) -> None:
        start.wait()
        try:
            drain(Engine(owner=f"engine-{index}"), rounds=100)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert Publication.objects.filter(state=State.PUBLISHED).count() == 40
    per_account_and_text = {(s.account_id, s.text) for s in fake_network.statuses.values()}
    assert len(fake_network.statuses) == len(per_account_and_text) == 40


def test_post_is_not_published_twice_after_worker_crash(owner, workspace, channel, fake_network):
    """The worker died after the network created the post but before Stoa recorded it."""
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication)
    crashed = Engine(owner="crashed")
    claim = crashed.claim_next()
    channel.provider().publish(draft_for(claim.publication.variant), claim.attempt)  # sent, never recorded
    Publication.objects.filter(pk=publication.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    survivor = Engine(owner="survivor")
    assert survivor.expire_leases() == 1
    assert reload(publication).state == State.UNKNOWN
    reconcile_now(publication)
    drain(survivor)

    publication = reload(publication)
    assert publication.state == State.PUBLISHED
    assert len(fake_network.statuses) == 1
    assert publication.remote_id == next(iter(fake_network.statuses))


def dead_owner() -> str:
    """The owner name of a worker process that has stopped: its lock file is there, held by nobody."""
    (liveness.workers_dir() / "0123456789ab.lock").touch()
    return "elsewhere:4242:0123456789ab"


def test_a_dead_workers_publish_is_reconciled_at_once_not_after_its_lease(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication)
    claim = Engine(owner=dead_owner()).claim_next()
    channel.provider().publish(draft_for(claim.publication.variant), claim.attempt)  # sent, then killed
    assert reload(publication).lease_expires_at > timezone.now() + timedelta(seconds=20)

    survivor = Engine()
    assert survivor.expire_leases() == 1
    reconcile_now(publication)
    drain(survivor)

    assert reload(publication).state == State.PUBLISHED and len(fake_network.statuses) == 1
    assert not list(liveness.workers_dir().glob("0123456789ab.*")), "the stopped worker's file is cleaned up"


def test_a_live_workers_lease_is_renewed_by_its_heartbeat_and_never_taken(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication)
    alive = Engine()
    alive.claim_next()
    Publication.objects.filter(pk=publication.pk).update(lease_expires_at=timezone.now() + timedelta(seconds=1))

    assert alive.renew_leases() == 1
    assert Engine(owner="another").expire_leases() == 0
    assert reload(publication).state == State.PUBLISHING
    assert reload(publication).lease_expires_at > timezone.now() + timedelta(seconds=20)


def test_reconcile_never_takes_another_publications_post_for_its_own(owner, workspace, channel, fake_network):
    first, second = (schedule(owner, workspace, [channel], text="Same words", in_seconds=600 + n)[0] for n in (0, 1))
    make_due(first)
    drain()
    assert reload(first).state == State.PUBLISHED
    make_due(second)
    claim = Engine(owner="crashed").claim_next()
    # Its answer was lost long ago, while the first was published: Mastodon is asked by content, and finds the
    # first one's status made in the minutes the second's attempt could have made its own.
    [status] = fake_network.statuses.values()
    status.received_at -= timedelta(hours=2).total_seconds()
    Publication.objects.filter(pk=second.pk).update(
        state=State.UNKNOWN, attempt_started_at=claim.attempt.started_at - timedelta(hours=2))
    reconcile_now(second)
    drain()

    second = reload(second)
    assert second.state == State.UNKNOWN and second.reconcile_at is None and not second.remote_id
    assert f"publication {first.pk}" in second.last_error
    assert len(fake_network.statuses) == 1


def test_dropped_connection_after_create_is_reconciled_not_resent(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication)
    fake_network.inject("drop_after_create")

    drain()
    publication = reload(publication)
    assert publication.state == State.UNKNOWN
    assert "Checking with the network" in publication.last_error

    reconcile_now(publication)
    drain()
    assert reload(publication).state == State.PUBLISHED
    assert len(fake_network.statuses) == 1


@pytest.mark.parametrize("fault", ["garbage", "500", "hang"])
def test_unclear_answer_while_creating_is_an_unknown_outcome_then_reconciled(
        fault, owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication)
    fake_network.inject(fault)

    drain()
    assert reload(publication).state == State.UNKNOWN

    reconcile_now(publication)
    drain()
    assert reload(publication).state == State.PUBLISHED
    assert len(fake_network.statuses) == 1


def test_unreachable_network_is_retried_later_with_backoff(owner, workspace, fake_network):
    channel = mastodon_channel(workspace, fake_network)
    [publication] = schedule(owner, workspace, [channel])
    channel.config["instance_url"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    channel.save()
    make_due(publication)

    drain()

    publication = reload(publication)
    assert publication.state == State.SCHEDULED
    assert publication.attempts == 1
    assert publication.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert "Could not reach Mastodon" in publication.last_error


def test_rate_limited_publish_waits_as_long_as_the_network_says(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication)
    fake_network.inject("429")

    drain()

    publication = reload(publication)
    assert publication.state == State.SCHEDULED
    assert publication.next_attempt_at <= timezone.now() + timedelta(seconds=2)
    assert "limiting how often" in publication.last_error


def test_rate_limited_publication_gives_up_after_three_times_the_attempts(
        owner, workspace, channel, fake_network, settings):
    settings.STOA_MAX_ATTEMPTS = 2
    [publication] = schedule(owner, workspace, [channel])
    for _ in range(2):
        make_due(publication)
        fake_network.inject("429")
        drain()
    publication = reload(publication)
    assert publication.state == State.SCHEDULED, "rate limits allow more tries than other errors"
    Publication.objects.filter(pk=publication.pk).update(attempts=6)
    make_due(publication)
    fake_network.inject("429")
    drain()
    assert reload(publication).state == State.FAILED


def test_rejected_credentials_put_the_channel_in_needs_reconnect_and_stop(
        owner, workspace, channel, fake_network, django_capture_on_commit_callbacks):
    first, second = schedule(owner, workspace, [channel]), schedule(owner, workspace, [channel], text="second")
    make_due(*first, ago_seconds=2)
    make_due(*second, ago_seconds=1)
    fake_network.inject("401")

    with django_capture_on_commit_callbacks(execute=True):
        drain()

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert reload(first[0]).state == State.SCHEDULED
    assert "reconnected" in reload(first[0]).last_error
    assert reload(second[0]).attempts == 0, "nothing more is tried on that channel"
    assert not fake_network.statuses
    assert Notification.objects.filter(workspace=workspace, kind="channel_needs_reconnect").exists()
    assert mail.outbox and "needs reconnecting" in mail.outbox[0].body

    reconnect_channel(owner, channel, {"access_token": "token-1"})
    drain()
    assert {reload(p).state for p in first + second} == {State.PUBLISHED}
    assert len(fake_network.statuses) == 2


def test_refused_content_fails_with_the_networks_reason(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication)
    fake_network.inject("422")

    drain()

    publication = reload(publication)
    assert publication.state == State.FAILED
    assert "Text is too long" in publication.last_error
    assert Notification.objects.filter(kind="publish_failed").exists()


def test_publication_far_past_its_time_is_marked_missed_not_posted(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication, ago_seconds=3 * 3600)

    drain()

    publication = reload(publication)
    assert publication.state == State.MISSED
    assert "Publish it now or give it a new time" in publication.last_error
    assert not fake_network.statuses


def test_posting_rules_are_checked_again_when_publishing(owner, workspace, channel, fake_network):
    first = schedule(owner, workspace, [channel], text="one", in_seconds=3600)
    second = schedule(owner, workspace, [channel], text="two", in_seconds=7200)
    make_due(*first)
    drain()
    set_channel_rules(owner, channel, min_gap_minutes=0, daily_max=1)  # changed after scheduling
    make_due(*second)

    drain()

    assert reload(second[0]).state == State.FAILED
    assert "at most 1 post a day" in reload(second[0]).last_error
    assert len(fake_network.statuses) == 1


def test_text_is_validated_again_at_delivery(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel], text="x" * 400)
    channel.config["max_characters"] = 300  # the instance lowered its limit since
    channel.save()
    make_due(publication)

    drain()

    publication = reload(publication)
    assert publication.state == State.FAILED
    assert "300" in publication.last_error
    assert not fake_network.statuses


def test_posts_exactly_the_minimum_gap_apart_both_go_out(owner, workspace, fake_network):
    channel = mastodon_channel(workspace, fake_network, min_gap_minutes=60)
    first = schedule(owner, workspace, [channel], text="one", in_seconds=3600)
    second = schedule(owner, workspace, [channel], text="two", in_seconds=7200)
    make_due(*first)
    Publication.objects.filter(pk=second[0].pk).update(
        scheduled_at=timezone.now() + timedelta(minutes=60), next_attempt_at=timezone.now() + timedelta(minutes=60))

    drain()

    assert reload(first[0]).state == State.PUBLISHED
    make_due(*second)
    Publication.objects.filter(pk=first[0].pk).update(scheduled_at=timezone.now() - timedelta(minutes=61))
    drain()
    assert reload(second[0]).state == State.PUBLISHED


def test_waiting_for_reconnect_too_long_makes_it_missed(owner, workspace, channel, fake_network):
    [publication] = schedule(owner, workspace, [channel])
    make_due(publication, ago_seconds=2 * 3600)  # the channel was disconnected for two hours
    Publication.objects.filter(pk=publication.pk).update(attempts=1)

    drain()

    assert reload(publication).state == State.MISSED
    assert not fake_network.statuses


def test_batch_claims_one_publication_per_channel_with_rules(owner, workspace, fake_network):
    ruled = mastodon_channel(workspace, fake_network, 1, daily_max=5)
    free = mastodon_channel(workspace, fake_network, 2)
    publications = []
    for n in range(3):
        publications += schedule(owner, workspace, [ruled, free], text=f"batch {n}", in_seconds=600 + n)
    make_due(*publications)

    claims = Engine(owner="dispatcher").claim_batch(10)

    channels = sorted(c.publication.channel_id for c in claims)
    assert channels == [ruled.pk, free.pk, free.pk, free.pk]
    assert len({c.attempt.key for c in claims}) == 4
    assert Publication.objects.filter(state=State.PUBLISHING).count() == 4


@pytest.mark.django_db(transaction=True)
def test_dispatcher_publishes_everything_due_and_stops_cleanly(owner, workspace, fake_network):
    channels = [mastodon_channel(workspace, fake_network, account=n) for n in range(1, 4)]
    publications = []
    for n in range(10):
        publications += schedule(owner, workspace, channels, text=f"dispatch {n}", in_seconds=600 + n)
    make_due(*publications)
    stop = threading.Event()

    threads = run_engine(stop, threads=4, poll_seconds=0.05)
    deadline = time.monotonic() + 20
    while Publication.objects.filter(state=State.PUBLISHED).count() < 30 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(timeout=10)

    assert not any(t.is_alive() for t in threads)
    assert Publication.objects.filter(state=State.PUBLISHED).count() == 30
    assert len(fake_network.statuses) == 30
