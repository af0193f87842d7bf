"""Who engaged with a Mastodon status (ReadsEngagement): favourites, boosts, replies and quotes, paged by the Link
header, each request checked against docs.joinmastodon.org."""

from typing import Any

import httpx
import pytest

from stoa.providers.base import Published
from stoa.providers.mastodon.provider import MastodonProvider

INSTANCE = "https://mastodon.example"
TOKEN = "stoa-test-token"
STATUS = "109"


def account(n: int) -> dict[str, Any]:
    """An Account as docs.joinmastodon.org/entities/Account/ shows it (the fields Stoa reads)."""
    return {"id": str(n), "username": f"user{n}", "acct": f"user{n}@other.example", "display_name": f"User {n}",
            "url": f"https://other.example/@user{n}", "avatar": "", "created_at": "2020-01-01T00:00:00.000Z"}


def status(n: int, text: str, in_reply_to: str | None = STATUS) -> dict[str, Any]:
    """A Status as docs.joinmastodon.org/entities/Status/ shows it (content is HTML)."""
    return {"id": f"2{n}", "created_at": "2026-12-01T10:00:00.000Z", "in_reply_to_id": in_reply_to,
            "in_reply_to_account_id": "1" if in_reply_to else None, "visibility": "public", "content": f"<p>{text}</p>",
            "url": f"https://other.example/@user{n}/2{n}", "account": account(n), "mentions": [], "tags": []}


# Each endpoint's answer, with the page it is documented on.
DOCUMENTED = {
    f"/api/v1/statuses/{STATUS}/favourited_by": {
        "_doc": "https://docs.joinmastodon.org/methods/statuses/#favourited_by", "pages": {
            "": ([account(3), account(4)], '<https://mastodon.example/api/v1/statuses/109/favourited_by?max_id=77>;'
                                           ' rel="next", <https://mastodon.example/api/v1/statuses/109/'
                                           'favourited_by?since_id=99>; rel="prev"'),
            "77": ([account(5)], "")}},
    f"/api/v1/statuses/{STATUS}/reblogged_by": {
        "_doc": "https://docs.joinmastodon.org/methods/statuses/#reblogged_by", "pages": {"": ([account(6)], "")}},
    f"/api/v1/statuses/{STATUS}/context": {
        "_doc": "https://docs.joinmastodon.org/methods/statuses/#context",
        "body": {"ancestors": [], "descendants": [status(7, "Me! #yafo @a @b"), status(8, "nested", "27")]}},
    f"/api/v1/statuses/{STATUS}/quotes": {
        "_doc": "https://docs.joinmastodon.org/methods/statuses/#quotes", "pages": {"": ([status(9, "Ναι!")], "")}},
    "/api/v1/accounts/relationships": {
        "_doc": "https://docs.joinmastodon.org/methods/accounts/#relationships",
        "body": [{"id": "3", "followed_by": True}, {"id": "4", "followed_by": False}]},
}


class FakeServer:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.method == "GET" and request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.url.host == "mastodon.example" and not request.url.params.get("access_token")
        documented = DOCUMENTED[request.url.path]
        if "body" in documented:
            return httpx.Response(200, json=documented["body"])
        assert set(request.url.params) <= {"limit", "max_id"} and int(request.url.params["limit"]) <= 40
        entries, link = documented["pages"][request.url.params.get("max_id", "")]
        return httpx.Response(200, json=entries, headers={"Link": link} if link else {})


@pytest.fixture
def server():
    return FakeServer()


@pytest.fixture
def provider(server):
    return MastodonProvider({"instance_url": INSTANCE, "account_id": "1"}, {"access_token": TOKEN},
                            http=httpx.Client(transport=httpx.MockTransport(server)))


PUBLISHED = Published(STATUS, f"{INSTANCE}/@brand/{STATUS}", (STATUS,))


def test_favourites_follow_the_link_header_to_the_next_page(provider):
    first = provider.engaged(PUBLISHED, "like", "")
    second = provider.engaged(PUBLISHED, "like", first.cursor)

    assert [p.remote_id for p in first.people] == ["3", "4"] and first.cursor == "77" and first.more
    assert [p.handle for p in second.people] == ["@user5@other.example"] and not second.more


def test_each_person_says_whether_they_follow_the_brand(provider):
    people = provider.engaged(PUBLISHED, "like", "").people

    assert [person.follows_brand for person in people] == [True, False]


def test_boosts_are_the_accounts_that_reblogged(provider):
    assert [person.remote_id for person in provider.engaged(PUBLISHED, "repost", "").people] == ["6"]


def test_replies_are_the_descendants_answering_the_status_itself(provider):
    [reply] = provider.engaged_posts(PUBLISHED, "reply", "").items

    assert reply.author.remote_id == "7" and reply.text == "Me! #yafo @a @b"


def test_quotes_come_with_their_text(provider):
    [quote] = provider.engaged_posts(PUBLISHED, "quote", "").items

    assert quote.text == "Ναι!" and quote.author.remote_id == "9"
