"""Collecting Bluesky's counts from the AppView of the full local AT Protocol network: the brand publishes through
Stoa, two other accounts like, repost, answer and quote its post, and the snapshot shows exactly those counts."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
import time_machine

from stoa.analytics.collect import backfill, sweep_channel
from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.providers.base import Published
from tests.analytics.test_collect import counts, published
from tests.providers.test_bluesky_inbox import brand_channel, seen_by, write

pytest_plugins = ["tests.providers.bluesky_network"]
pytestmark = [pytest.mark.bluesky, pytest.mark.usefixtures("publication_ids_of_their_own")]


def indexed(channel, uri: str, expected: dict[str, int], seconds: float = 30) -> None:
    """The AppView counts what the PDS emits a moment later: wait until it has counted all of it."""
    provider = channel.provider()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if {p.name: p.value for p in provider.metrics(Published(uri, ""))} == expected:
            return
        time.sleep(0.3)
    raise AssertionError(f"the AppView did not count {expected} in {seconds} s")


@pytest.mark.django_db
def test_likes_reposts_replies_and_quotes_by_two_accounts_are_exactly_the_snapshot(
        bluesky_appview_network, owner, workspace):
    network = bluesky_appview_network
    bob, carol = network.accounts["bob"], network.accounts["carol"]
    channel = brand_channel(network, workspace)
    publication = published(owner, workspace, channel, text="Sabich Sundays at Kafe Yafo")
    uri = publication.remote_id
    cid = network.get_record(uri)["cid"]
    ref = {"uri": uri, "cid": cid}
    deadline = time.monotonic() + 30
    while not seen_by(network, bob, uri) and time.monotonic() < deadline:
        time.sleep(0.2)
    write(network, bob, {"subject": ref}, "app.bsky.feed.like")
    write(network, carol, {"subject": ref}, "app.bsky.feed.like")
    write(network, bob, {"subject": ref}, "app.bsky.feed.repost")
    write(network, bob, {"text": "See you there", "reply": {"root": ref, "parent": ref}})
    write(network, carol, {"text": "The best in Jaffa", "embed": {"$type": "app.bsky.embed.record", "record": ref}})
    expected = {"likes": 2, "reposts": 1, "replies": 1, "quotes": 1}
    indexed(channel, uri, expected)

    with time_machine.travel(publication.published_at + timedelta(hours=1, minutes=1), tick=True):
        report = sweep_channel(channel)
    assert report.snapshots >= 1 and not report.yielded
    snapshot = PostSnapshot.objects.filter(post__publication=publication).latest("measured_at")
    assert counts(snapshot) == {**expected, "views": None}  # Bluesky counts no views: not available, never 0
    assert MeasuredPost.objects.get(publication=publication).next_read_at == (
        publication.published_at + timedelta(hours=6))


@pytest.mark.django_db
def test_the_audience_is_the_profiles_followers_follows_and_posts(bluesky_appview_network, workspace):
    network = bluesky_appview_network
    channel = brand_channel(network, workspace)
    alice = network.accounts["alice"]
    backfill(channel)
    session = httpx.post(f"{network.pds_url}/xrpc/com.atproto.server.createSession",
                         json={"identifier": alice.handle, "password": alice.password}).json()
    profile = httpx.get(f"{network.pds_url}/xrpc/app.bsky.actor.getProfile", params={"actor": alice.did},
                        headers={"Authorization": f"Bearer {session['accessJwt']}"}).json()
    audience = ChannelSnapshot.objects.get(channel=channel)
    assert (audience.followers, audience.following, audience.posts) == (
        profile["followersCount"], profile["followsCount"], profile["postsCount"])
    # The backfill measured the account's own posts (not its reposts nor replies), each with its counts.
    for post in MeasuredPost.objects.filter(channel=channel):
        assert post.remote_id.startswith(f"at://{alice.did}/app.bsky.feed.post/")
        assert post.snapshots.get().likes is not None
