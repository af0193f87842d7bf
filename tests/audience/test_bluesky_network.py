"""A competitor read from the AppView of the real local AT Protocol network, with no session: the same public reads
Stoa makes on Bluesky's public AppView."""

import time
from datetime import UTC, datetime

import pytest

from stoa.audience.competitors import add_competitor, read_competitor
from stoa.providers.base import Attempt, Draft

pytest_plugins = ["tests.providers.bluesky_network"]  # the session-wide network, shared with the providers' tests
pytestmark = [pytest.mark.bluesky, pytest.mark.django_db]


@pytest.mark.usefixtures("publication_ids_of_their_own")
def test_a_competitors_posts_and_followers_come_from_the_appview_without_a_session(bluesky_appview_network, owner,
                                                                                   workspace, settings):
    from tests.providers.test_bluesky import provider_for
    from tests.providers.test_bluesky_inbox import write

    network = bluesky_appview_network
    alice, bob = network.accounts["alice"], network.accounts["bob"]
    post = provider_for(network, alice).publish(Draft(text="Sufganiyot at Café Noir"),
                                                Attempt("audience-1", datetime.now(UTC)))
    write(network, bob, {"subject": alice.did}, "app.bsky.graph.follow")
    settings.STOA_BLUESKY_PUBLIC_API = network.appview_url
    competitor = add_competitor(owner, workspace, "bluesky", alice.handle)

    def seen() -> bool:
        followed = competitor.snapshots.filter(followers__gte=1).exists()
        return followed and competitor.posts.filter(remote_id=post.remote_id).exists()

    deadline = time.monotonic() + 30
    while not seen() and time.monotonic() < deadline:
        read_competitor(competitor)  # the AppView indexes (and counts followers) a moment after the PDS
        time.sleep(0.3)
    competitor.refresh_from_db()
    assert (competitor.remote_id, competitor.last_error) == (alice.did, "")
    mine = competitor.posts.get(remote_id=post.remote_id)
    assert (mine.text, mine.format) == ("Sufganiyot at Café Noir", "text")
    assert competitor.snapshots.get().followers >= 1  # Bob (and whoever followed her in earlier tests)
