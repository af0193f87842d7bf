"""Reposts and likes read from a real local Mastodon (mastodon-mock) through the brand's channel, and the followers
of the people who engaged read publicly, so they are ranked among the opinion leaders."""

from datetime import timedelta

import httpx
import pytest

from stoa import clock
from stoa.audience.collect import collect_engagement
from stoa.audience.leaders import rank
from stoa.audience.models import Engagement, Reach
from stoa.audience.reach import read_reach
from stoa.posts.models import Post, Publication, State, Variant

pytestmark = pytest.mark.django_db


def brand_post(peer, workspace, text="Shakshuka all week"):
    channel = peer.channel(workspace)
    status = peer.as_brand("POST", "/api/v1/statuses", data={"status": text})
    post = Post.objects.create(workspace=workspace, title="Shakshuka")
    variant = Variant.objects.create(post=post, channel=channel, text=text)
    return Publication.objects.create(variant=variant, channel=channel, workspace=workspace, state=State.PUBLISHED,
                                      remote_id=status["id"], remote_url=status["url"], published_at=clock.now())


def test_danas_boost_and_favourite_are_kept_once_and_rank_her(mastodon_peer, workspace):
    publication = brand_post(mastodon_peer, workspace)
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{publication.remote_id}/favourite")
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{publication.remote_id}/reblog")

    assert collect_engagement(workspace) == 2
    assert collect_engagement(workspace) == 0  # read again: nothing new
    assert sorted(Engagement.objects.values_list("account_id", "action")) == [
        (mastodon_peer.fan_id, "like"), (mastodon_peer.fan_id, "repost")]

    with httpx.Client() as http:
        assert read_reach(workspace, http) == 1
        assert read_reach(workspace, http) == 0  # read this week already
    assert Reach.objects.get(account_id=mastodon_peer.fan_id).followers == 0  # Dana follows; nobody follows her
    [dana] = rank(workspace)
    assert (dana.handle, dana.counts["repost"], dana.counts["like"], dana.followers) == ("dana", 1, 1, 0)


def test_an_old_post_is_not_read_again(mastodon_peer, workspace):
    publication = brand_post(mastodon_peer, workspace)
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{publication.remote_id}/favourite")
    Publication.objects.filter(pk=publication.pk).update(published_at=clock.now() - timedelta(days=30))

    assert collect_engagement(workspace) == 0
