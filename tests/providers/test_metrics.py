"""Counts read from the networks (ReadsMetrics): exactly the ones each network gives, and garbage refused where it
is read, so a series never holds a count the network did not give."""

import httpx
import pytest

from stoa.providers.base import ErrorKind, ProviderError, Published
from tests.providers import test_mastodon as mastodon
from tests.providers import test_telegram as telegram


def status_with(**counts) -> httpx.Response:
    return httpx.Response(200, json=mastodon.fixture("status")["body"] | counts)


def test_mastodon_counts_favourites_boosts_and_replies_of_a_status():
    fake = mastodon.FakeMastodon()
    status = fake.create_status("Our new roast", favourites_count=7, reblogs_count=2, replies_count=3)
    points = mastodon.provider(fake).metrics(Published(status["id"], status["url"]))
    assert {point.name: point.value for point in points} == {"likes": 7, "reposts": 2, "replies": 3}
    assert fake.routes() == ["GET /api/v1/statuses/:id"]


@pytest.mark.parametrize("garbage", [{"favourites_count": -1}, {"reblogs_count": "12"}, {"replies_count": None},
                                     {"favourites_count": 2.5}, {"reblogs_count": True}])
def test_a_negative_missing_or_non_numeric_count_refuses_the_whole_read(garbage):
    fake = mastodon.FakeMastodon().answer("GET /api/v1/statuses/:id", status_with(**garbage))
    with pytest.raises(ProviderError) as refused:
        mastodon.provider(fake).metrics(Published("103270115826048975", ""))
    assert refused.value.kind == ErrorKind.TRANSIENT and "not a count" in refused.value.message


def test_a_deleted_status_is_said_to_be_gone_not_counted_as_zero():
    fake = mastodon.FakeMastodon()
    with pytest.raises(ProviderError) as gone:
        mastodon.provider(fake).metrics(Published("999", ""))
    assert gone.value.kind == ErrorKind.PERMANENT


def test_mastodon_account_counts_come_from_verify_credentials():
    points = mastodon.provider().account_counts()
    me = mastodon.ME
    assert {p.name: p.value for p in points} == {"followers": me["followers_count"],
                                                 "following": me["following_count"], "posts": me["statuses_count"]}


def test_mastodon_backfill_lists_the_accounts_own_statuses_with_their_counts():
    fake = mastodon.FakeMastodon()
    fake.create_status("Older", favourites_count=1)
    fake.create_status("Newer", favourites_count=4)
    recent = mastodon.provider(fake).recent_posts(20)
    assert [dict((p.name, p.value) for p in post.metrics)["likes"] for post in recent] == [4, 1]
    query = fake.only("GET /api/v1/accounts/:id/statuses").query
    assert query["exclude_reblogs"] == ["true"] and query["exclude_replies"] == ["true"]


def test_telegram_gives_subscribers_when_asked_and_a_posts_reactions_only_unasked():
    fake = telegram.FakeBotAPI()
    bot = telegram.provider(fake)
    assert [(p.name, p.value) for p in bot.account_counts()] == [("followers", 1287)]
    # No Bot API method tells a post's counts: the sweep asks for none, its reactions come with the updates.
    assert bot.metrics(Published("42", "")) == () and bot.post_metrics == ()
    assert bot.pushed_post_metrics == ("likes",)
    assert "administrator" in bot.metrics_note and "a few minutes late" in bot.metrics_note


def test_telegram_refuses_a_member_count_that_is_no_count():
    fake = telegram.FakeBotAPI().answer("getChatMemberCount", httpx.Response(200, json={"ok": True, "result": "many"}))
    with pytest.raises(ProviderError):
        telegram.provider(fake).account_counts()


def test_bluesky_reads_25_posts_in_one_request_and_tells_a_gone_or_garbled_post_apart():
    from stoa.providers.bluesky.provider import BlueskyProvider
    from tests.providers.contract import BRAND

    requests = []

    def appview(request: httpx.Request) -> httpx.Response:
        uris = request.url.params.get_list("uris")
        requests.append(uris)
        views = [{"uri": uri, "likeCount": 4, "repostCount": 1, "replyCount": 0, "quoteCount": 2} for uri in uris
                 if not uri.endswith("gone")]
        views[0]["likeCount"] = -1  # garbage for the first one only
        return httpx.Response(200, json={"posts": views})

    bluesky = BlueskyProvider({"pds_url": "https://pds.example"}, dict(BRAND),
                              http=httpx.Client(transport=httpx.MockTransport(appview)))
    posts = [Published(f"at://did:plc:brand/app.bsky.feed.post/{n}", "") for n in range(23)]
    posts += [Published("at://did:plc:brand/app.bsky.feed.post/gone", "")]
    found = bluesky.posts_metrics(posts)
    assert len(requests) == 1 and len(requests[0]) == 24
    assert isinstance(found[posts[0].remote_id], ProviderError) and found[posts[0].remote_id].kind == "transient"
    assert found[posts[-1].remote_id].kind == ErrorKind.PERMANENT
    assert {p.name: p.value for p in found[posts[1].remote_id]} == {"likes": 4, "reposts": 1, "replies": 0,
                                                                    "quotes": 2}
    assert bluesky.metrics_per_request == 25
