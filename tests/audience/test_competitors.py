"""Competitors: public accounts read without the brand's credentials, and set side by side with the brand's own."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from stoa import clock
from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.audience.compare import side_by_side
from stoa.audience.competitors import add_competitor, parse_account, read_competitor, remove_competitor
from stoa.audience.models import Competitor, CompetitorSnapshot
from stoa.errors import ActionError, Forbidden
from tests.audience.fakes import FakeAppView, FakeMastodonServer

pytestmark = pytest.mark.django_db
NOV_25 = time_machine.travel(datetime(2026, 11, 25, 12, tzinfo=UTC), tick=False)


@pytest.mark.parametrize(("network", "given", "handle", "server"), [
    ("bluesky", "cafenoir.bsky.social", "cafenoir.bsky.social", ""),
    ("bluesky", "@CafeNoir.bsky.social", "cafenoir.bsky.social", ""),
    ("bluesky", "https://bsky.app/profile/cafenoir.bsky.social", "cafenoir.bsky.social", ""),
    ("bluesky", "did:plc:cafenoir7xk2", "did:plc:cafenoir7xk2", ""),
    ("mastodon", "@athensbakery@mastodon.example", "athensbakery@mastodon.example", "https://mastodon.example"),
    ("mastodon", "https://mastodon.example/@athensbakery", "athensbakery@mastodon.example", "https://mastodon.example"),
])
def test_an_account_is_taken_as_people_write_it(network, given, handle, server):
    assert parse_account(network, given) == (handle, server)


@pytest.mark.parametrize(("network", "given"), [
    ("bluesky", "not a handle"), ("mastodon", "athensbakery"), ("mastodon", "https://mastodon.example/"),
    ("telegram", "@channel"),
])
def test_what_is_no_account_is_refused_in_words(network, given):
    with pytest.raises(ActionError) as refused:
        parse_account(network, given)
    assert refused.value.errors


def test_an_account_is_watched_once_and_only_by_those_allowed(owner, member, workspace):
    competitor = add_competitor(owner, workspace, "bluesky", "cafenoir.bsky.social")
    with pytest.raises(ActionError):
        add_competitor(owner, workspace, "bluesky", "@cafenoir.bsky.social")
    with pytest.raises(Forbidden):
        add_competitor(member("content_editor"), workspace, "bluesky", "other.bsky.social")
    with pytest.raises(Forbidden):
        remove_competitor(member("client"), competitor)
    remove_competitor(owner, competitor)
    assert not Competitor.objects.exists()


@NOV_25
def test_a_bluesky_account_is_read_from_the_public_appview(owner, workspace):
    competitor = add_competitor(owner, workspace, "bluesky", "cafenoir.bsky.social")
    appview = FakeAppView()

    assert read_competitor(competitor, appview.client()) == 4  # its repost of someone else's post is not its own
    competitor.refresh_from_db()
    assert (competitor.remote_id, competitor.name, competitor.last_error) == ("did:plc:cafenoir7xk2",
                                                                             "Café Noir תל אביב", "")
    assert {p.url: (p.format, p.engagement) for p in competitor.posts.all()} == {
        "https://bsky.app/profile/cafenoir.bsky.social/post/3lpic": ("image", 54),
        "https://bsky.app/profile/cafenoir.bsky.social/post/3lvid": ("video", 15),
        "https://bsky.app/profile/cafenoir.bsky.social/post/3llnk": ("link", 3),
        "https://bsky.app/profile/cafenoir.bsky.social/post/3ltxt": ("text", 1)}
    snapshots = CompetitorSnapshot.objects.values_list("day", "followers", "posts")
    assert list(snapshots) == [(date(2026, 11, 25), 1840, 512)]

    assert read_competitor(competitor, appview.client()) == 0  # read again: the same posts, counts updated


@NOV_25
def test_a_mastodon_account_is_read_from_its_server(owner, workspace):
    competitor = add_competitor(owner, workspace, "mastodon", "athensbakery@mastodon.example")

    assert read_competitor(competitor, FakeMastodonServer().client()) == 4
    assert {p.remote_id: (p.format, p.text) for p in competitor.posts.all()} == {
        "1101": ("image", "Φρέσκο ψωμί!"), "1102": ("video", "How we bake"),
        "1103": ("link", "Order: bakery.example"), "1104": ("text", "Closed on Sunday")}


def test_an_account_that_is_not_there_is_said_on_the_competitor(owner, workspace, brand_channel):
    competitor = add_competitor(owner, workspace, "mastodon", "nobody@mastodon.example")

    assert read_competitor(competitor, FakeMastodonServer().client()) == 0
    competitor.refresh_from_db()
    assert competitor.last_error == "not_found"
    [_brand, shown] = side_by_side(workspace)
    assert shown.error == "There is no such public account."


def test_a_real_mastodon_server_answers_without_credentials(mastodon_peer, owner, workspace):
    status = mastodon_peer.as_brand("POST", "/api/v1/statuses", data={"status": "Sufganiyot are back"})
    mastodon_peer.as_fan("POST", f"/api/v1/statuses/{status['id']}/favourite")
    competitor = add_competitor(owner, workspace, "mastodon", f"{mastodon_peer.url}/@kafeyafo")

    assert read_competitor(competitor) == 1
    [post] = competitor.posts.all()
    assert (post.text, post.likes, post.format) == ("Sufganiyot are back", 1, "text")
    assert competitor.snapshots.get().followers == 1  # Dana


@NOV_25
def test_competitors_stand_beside_the_brands_own_channels(owner, workspace, brand_channel):
    for days_ago, kind, likes in ((1, "photo", 30), (2, "text", 6), (40, "video", 999)):  # the last before the period
        post = MeasuredPost.objects.create(channel=brand_channel, workspace=workspace, remote_id=f"b{days_ago}",
                                           published_at=clock.now() - timedelta(days=days_ago), kind=kind)
        post.latest_snapshot = PostSnapshot.objects.create(post=post, measured_at=clock.now(), likes=likes,
                                                           reposts=0, replies=0)
        post.save()
    for days_ago, followers in ((20, 100), (1, 130)):
        ChannelSnapshot.objects.create(channel=brand_channel, day=(clock.now() - timedelta(days=days_ago)).date(),
                                       measured_at=clock.now(), followers=followers)
    read_competitor(add_competitor(owner, workspace, "bluesky", "cafenoir.bsky.social"), FakeAppView().client())

    brand, cafe = side_by_side(workspace, days=30)
    assert (brand.brand, brand.posts, brand.per_week, brand.per_post, brand.growth) == (True, 2, 0.5, 18, 30)
    assert brand.shares() == {"text": 50, "image": 50, "video": 0, "link": 0}
    assert (cafe.brand, cafe.name, cafe.posts, cafe.per_post, cafe.followers) == (False, "Café Noir תל אביב", 4,
                                                                                 18.2, 1840)
    assert cafe.shares() == {"text": 25, "image": 25, "video": 25, "link": 25}
    assert [t.engagement for t in cafe.top] == [54, 15, 3]


def test_a_bluesky_account_that_asks_for_signed_in_viewers_only_is_not_read(owner, workspace, brand_channel):
    appview = FakeAppView()
    did = appview.profile["did"]  # a self-label (com.atproto.label.defs#label) on the profile record
    appview.profile["labels"] = [{"src": did, "uri": f"at://{did}/app.bsky.actor.profile/self",
                                  "val": "!no-unauthenticated", "cts": "2026-01-01T00:00:00Z"}]
    competitor = add_competitor(owner, workspace, "bluesky", "cafenoir.bsky.social")

    assert read_competitor(competitor, appview.client()) == 0
    assert not competitor.posts.exists() and not competitor.snapshots.exists()
    assert [r.url.path for r in appview.requests] == ["/xrpc/app.bsky.actor.getProfile"]  # and nothing after
    [_brand, shown] = side_by_side(workspace)
    assert shown.error == "The account asked to be shown only to signed-in people, so Stoa does not read it."
