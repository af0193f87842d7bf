"""Who engaged with a Bluesky post (ReadsEngagement): likes, reposts, replies and quotes, a page at a time, each
request checked against its lexicon."""

import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stoa.providers.base import Attempt, Draft, ProviderError, Published
from stoa.providers.bluesky.provider import BlueskyProvider

pytest_plugins = ["tests.providers.bluesky_network"]
POST = "at://did:plc:brand/app.bsky.feed.post/3contest"
SESSION = {"identifier": "brand.example", "app_password": "app-pass", "accessJwt": "access", "refreshJwt": "refresh",
           "did": "did:plc:brand", "handle": "brand.example"}


def profile(n: int, follows: bool = False) -> dict[str, Any]:
    """app.bsky.actor.defs#profileView as the lexicon shows it (viewer.followedBy: the brand is followed by them)."""
    viewer = {"followedBy": f"at://did:plc:p{n}/app.bsky.graph.follow/3f"} if follows else {}
    return {"did": f"did:plc:p{n}", "handle": f"p{n}.bsky.social", "displayName": f"Person {n}", "viewer": viewer,
            "indexedAt": "2026-01-01T00:00:00.000Z"}


def post_view(n: int, text: str, rkey: str) -> dict[str, Any]:
    return {"uri": f"at://did:plc:p{n}/app.bsky.feed.post/{rkey}", "cid": f"bafy{rkey}", "author": profile(n),
            "record": {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-12-01T10:00:00.000Z"},
            "indexedAt": "2026-12-01T10:00:01.000Z"}


# One answer per method and page, shaped as each lexicon's output schema says.
ANSWERS = {
    ("app.bsky.feed.getLikes", ""): {
        "_doc": "https://docs.bsky.app/docs/api/app-bsky-feed-get-likes",
        "uri": POST, "cursor": "likes-2",
        "likes": [{"actor": profile(1, follows=True), "createdAt": "2026-12-01T09:00:00.000Z",
                   "indexedAt": "2026-12-01T09:00:01.000Z"}]},
    ("app.bsky.feed.getLikes", "likes-2"): {
        "_doc": "https://docs.bsky.app/docs/api/app-bsky-feed-get-likes",
        "uri": POST, "likes": [{"actor": profile(2), "createdAt": "2026-12-01T09:01:00.000Z",
                                "indexedAt": "2026-12-01T09:01:01.000Z"}]},
    ("app.bsky.feed.getRepostedBy", ""): {
        "_doc": "https://docs.bsky.app/docs/api/app-bsky-feed-get-reposted-by",
        "uri": POST, "repostedBy": [profile(3), profile(4)]},
    ("app.bsky.feed.getPostThread", ""): {
        "_doc": "https://docs.bsky.app/docs/api/app-bsky-feed-get-post-thread",
        "thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": post_view(0, "Win!", "3contest"),
                   "replies": [{"$type": "app.bsky.feed.defs#threadViewPost",
                                "post": post_view(5, "Me! #yafo @p6.bsky.social", "3r1"), "replies": []},
                               {"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://x", "notFound": True}]}},
    ("app.bsky.feed.getQuotes", ""): {
        "_doc": "https://docs.bsky.app/docs/api/app-bsky-feed-get-quotes",
        "uri": POST, "posts": [post_view(7, "קפה יפו! #yafo", "3q1")]},
}


class FakeAppView:
    """The brand's PDS answering the app.bsky.feed queries, refusing any request the lexicon does not allow."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        params = dict(request.url.params)
        self.requests.append((nsid, params))
        assert request.method == "GET" and request.headers["authorization"] == "Bearer access"
        assert params["uri"] == POST
        allowed = {"uri", "depth"} if nsid == "app.bsky.feed.getPostThread" else {"uri", "limit", "cursor"}
        assert set(params) <= allowed, f"{nsid} takes no {set(params) - allowed}"
        assert 1 <= int(params.get("limit", 50)) <= 100
        answer = ANSWERS.get((nsid, params.get("cursor", "")))
        return httpx.Response(200, json=answer) if answer else httpx.Response(
            400, json={"error": "InvalidRequest", "message": "unknown cursor"})


@pytest.fixture
def appview():
    return FakeAppView()


@pytest.fixture
def provider(appview):
    return BlueskyProvider(config={"pds_url": "https://pds.example"}, credentials=dict(SESSION),
                           http=httpx.Client(transport=httpx.MockTransport(appview)))


PUBLISHED = Published(POST, "", (POST,))


def test_likes_are_read_page_by_page_with_the_cursor(provider, appview):
    first = provider.engaged(PUBLISHED, "like", "")
    second = provider.engaged(PUBLISHED, "like", first.cursor)

    assert [person.handle for person in first.people] == ["p1.bsky.social"] and first.more
    assert first.people[0].follows_brand is True
    assert [person.remote_id for person in second.people] == ["did:plc:p2"] and not second.more
    assert appview.requests[0] == ("app.bsky.feed.getLikes", {"uri": POST, "limit": "100"})


def test_reposts_are_the_profiles_that_reposted(provider):
    page = provider.engaged(PUBLISHED, "repost", "")

    assert [person.remote_id for person in page.people] == ["did:plc:p3", "did:plc:p4"]
    assert page.cursor == "" and not page.more


def test_replies_are_the_direct_replies_of_the_thread_with_their_text(provider, appview):
    page = provider.engaged_posts(PUBLISHED, "reply", "")

    [reply] = page.items
    assert reply.author.remote_id == "did:plc:p5" and reply.text == "Me! #yafo @p6.bsky.social"
    assert appview.requests[0] == ("app.bsky.feed.getPostThread", {"uri": POST, "depth": "1"})
    assert [person.remote_id for person in provider.engaged(PUBLISHED, "reply", "").people] == ["did:plc:p5"]


def test_a_reply_is_dated_when_the_appview_indexed_it_not_when_its_writer_says(provider):
    [reply] = provider.engaged_posts(PUBLISHED, "reply", "").items

    assert reply.written_at == datetime(2026, 12, 1, 10, 0, 1, tzinfo=UTC)  # indexedAt; createdAt says 10:00:00


def test_quotes_keep_their_text_in_any_script(provider):
    [quote] = provider.engaged_posts(PUBLISHED, "quote", "").items

    assert quote.text == "קפה יפו! #yafo" and quote.author.handle == "p7.bsky.social"


def test_an_action_bluesky_does_not_list_is_refused_by_name(provider):
    with pytest.raises(ProviderError, match="no 'bookmark'"):
        provider.engaged(PUBLISHED, "bookmark", "")


# -- On the real local AT Protocol network, with its AppView -------------------------------------------------------


@pytest.mark.bluesky
@pytest.mark.usefixtures("publication_ids_of_their_own")
def test_on_the_local_network_likes_reposts_replies_and_quotes_name_who_did_them(bluesky_appview_network):
    from tests.providers.test_bluesky import provider_for
    from tests.providers.test_bluesky_inbox import seen_by, write

    network = bluesky_appview_network
    alice, bob, carol = (network.accounts[n] for n in ("alice", "bob", "carol"))
    brand = provider_for(network, alice)
    post = brand.publish(Draft(text="Win a coffee: reply with #yafo"), Attempt("contest-1", datetime.now(UTC)))
    ref = {"uri": post.remote_id, "cid": brand.find_post(post.remote_id.rsplit("/", 1)[1])[0]["cid"]}
    deadline = time.monotonic() + 30
    while not seen_by(network, bob, post.remote_id) and time.monotonic() < deadline:
        time.sleep(0.2)
    write(network, bob, {"subject": ref}, "app.bsky.feed.like")
    write(network, carol, {"subject": ref}, "app.bsky.feed.repost")
    write(network, bob, {"text": "Me! #yafo", "reply": {"root": ref, "parent": ref}})
    write(network, carol, {"text": "קפה!", "embed": {"$type": "app.bsky.embed.record", "record": ref}})

    def everyone() -> dict[str, set[str]]:
        return {action: {person.handle for person in brand.engaged(post, action, "").people}
                for action in ("like", "repost", "reply", "quote")}

    found = everyone()
    while found != {"like": {bob.handle}, "repost": {carol.handle}, "reply": {bob.handle}, "quote": {carol.handle}} \
            and time.monotonic() < deadline + 30:  # the AppView indexes a moment after the PDS
        time.sleep(0.3)
        found = everyone()
    assert found == {"like": {bob.handle}, "repost": {carol.handle}, "reply": {bob.handle}, "quote": {carol.handle}}
    [reply] = brand.engaged_posts(post, "reply", "").items
    assert reply.text == "Me! #yafo"
