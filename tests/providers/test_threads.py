"""Threads, against a fake Threads API that answers as developers.facebook.com/docs/threads documents it (the fixtures
in tests/providers/fixtures/threads, each naming its page) and refuses what those pages say it refuses."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import time_machine

from stoa.providers.base import (
    COUNTERS,
    Attempt,
    Draft,
    ErrorKind,
    MediaFile,
    ProviderError,
    Published,
    ReplyTo,
    count_graphemes_emoji_utf8,
)
from stoa.providers.meta.webhooks import signature
from stoa.providers.threads.provider import API_VERSION, SCOPES, ThreadsProvider
from tests.providers.test_telegram import png

FIXTURES = Path(__file__).parent / "fixtures" / "threads"
TOKEN = "THQVJ-long-lived"
USER = "35076616084176123"
USERNAME = "stoa_news"
STARTED = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
ATTEMPT = Attempt(key="attempt-key-1", started_at=STARTED, publication_id=1)
TEXT = "Hello from Stoa · שלום · مرحبا 👩🏽‍💻"
BASE = "https://stoa.example"  # STOA_PUBLIC_BASE_URL: the fake takes media from Stoa's signed links under it
PUBLIC = f"{BASE}/m/7/1782982800/sig/"
CONNECTED = {"account_id": USER, "username": USERNAME, "client_id": "990602627938098"}
MEDIA_TYPES = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def graph_error(code: str) -> httpx.Response:
    """Threads' error answer in the Graph API's shape (errors.json names the page)."""
    found = fixture("errors")["errors"][code]
    return httpx.Response(found["status"], json=found["body"])


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Call:
    method: str
    path: str
    params: dict[str, str]


@dataclass
class FakeThreads:
    """graph.threads.net/v1.0 for the endpoints Stoa calls: one profile's containers and posts kept in memory. A write
    carries access_token in its form body; a read or delete carries it in the Authorization header; never in the
    address."""

    now: Callable[[], datetime] = lambda: STARTED
    tokens: set[str] = field(default_factory=lambda: {TOKEN})
    calls: list[Call] = field(default_factory=list)
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: list[dict[str, Any]] = field(default_factory=list)  # newest first, as GET /threads lists them
    replies: list[dict[str, Any]] = field(default_factory=list)  # others' replies under the profile's posts
    hidden: list[str] = field(default_factory=list)
    ids: itertools.count = field(default_factory=lambda: itertools.count(18090716854396318))
    failures: dict[str, list[str]] = field(default_factory=dict)  # route -> error fixtures to answer, in turn
    status: str = "FINISHED"  # what a container with media says when asked
    quota_usage: int = 4
    reply_quota_usage: int = 1

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "graph.threads.net", f"unexpected {request.url}"
        assert request.url.path.startswith(f"/{API_VERSION}/"), f"unversioned {request.url.path}"
        assert "access_token" not in request.url.params, "the token never travels in the address"
        request.read()
        if request.method == "POST":
            assert request.headers["content-type"] == "application/x-www-form-urlencoded"
            params = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
            token = params.pop("access_token", "")
        else:
            params = dict(request.url.params)
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return graph_error("190")
        path = request.url.path.removeprefix(f"/{API_VERSION}/")
        self.calls.append(Call(request.method, path, params))
        route = self.route(request.method, path)
        if self.failures.get(route):
            return graph_error(self.failures[route].pop(0))
        return getattr(self, route)(path, params)

    @staticmethod
    def route(method: str, path: str) -> str:
        parts = path.split("/")
        if method == "DELETE":
            return "delete"
        if len(parts) == 1:
            return "me" if parts == ["me"] else "node"
        assert parts[0] in (USER, "me") or parts[1] in ("conversation", "insights", "manage_reply"), path
        name = {("POST", "threads"): "create", ("POST", "threads_publish"): "publish",
                ("GET", "threads"): "list", ("GET", "threads_publishing_limit"): "publishing_limit",
                ("GET", "mentions"): "mentions", ("GET", "threads_insights"): "user_insights",
                ("GET", "conversation"): "conversation", ("GET", "insights"): "media_insights",
                ("POST", "manage_reply"): "manage_reply"}.get((method, parts[1]))
        assert name is not None, f"Stoa called {method} {path}, which this fake does not know"
        return name

    # -- Publishing (docs/threads/posts) --

    def create(self, path: str, params: dict[str, str]) -> httpx.Response:
        kind = params.get("media_type")
        assert kind in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"), params
        assert kind != "TEXT" or params.get("text"), "text is required for media_type=TEXT"
        assert params.get("reply_control", "everyone") in ("everyone", "accounts_you_follow", "mentioned_only",
                                                           "parent_post_author_only", "followers_only")
        assert kind != "IMAGE" or params["image_url"].startswith(f"{BASE}/m/")
        assert kind != "VIDEO" or params["video_url"].startswith(f"{BASE}/m/")
        if kind == "CAROUSEL":
            children = params["children"].split(",")
            assert 2 <= len(children) <= 20 and all(self.containers[c]["is_carousel_item"] for c in children)
        if params.get("reply_to_id"):
            assert any(p["id"] == params["reply_to_id"] for p in self.posts + self.replies), "unknown reply_to_id"
        if count_graphemes_emoji_utf8(params.get("text", "")) > 500:
            return graph_error("100")
        container_id = str(next(self.ids))
        self.containers[container_id] = {**params, "is_carousel_item": params.get("is_carousel_item") == "true",
                                         "status": "FINISHED" if kind == "TEXT" else self.status}
        return httpx.Response(200, json={"id": container_id})

    def node(self, path: str, params: dict[str, str]) -> httpx.Response:
        if path in self.containers:
            assert params["fields"] == "status,error_message"
            container = self.containers[path]
            failed = container["status"] == "ERROR"
            body = fixture("status_error")["body"] if failed else {"status": container["status"]}
            return httpx.Response(200, json={**body, "id": path})
        post = next((p for p in self.posts + self.replies if p["id"] == path), None)
        if post is None:
            return graph_error("100/33")
        return httpx.Response(200, json={"id": path, **{name: post[name] for name in params["fields"].split(",")}})

    def publish(self, path: str, params: dict[str, str]) -> httpx.Response:
        container = self.containers.get(params["creation_id"])
        assert container is not None and container["status"] == "FINISHED", "publish only a finished container"
        container["status"] = "PUBLISHED"
        post = self.add(container.get("text", ""), MEDIA_TYPES[container["media_type"]],
                        reply_to=container.get("reply_to_id", ""), container=container)
        return httpx.Response(200, json={"id": post["id"]})

    def add(self, text: str, media_type: str = "TEXT_POST", at: datetime | None = None, reply_to: str = "",
            container: dict[str, Any] | None = None) -> dict[str, Any]:
        post_id = str(next(self.ids))
        parent = next((p for p in self.posts + self.replies if p["id"] == reply_to), {})
        post = {"id": post_id, "text": text, "media_type": media_type, "timestamp": stamp(at or self.now()),
                "permalink": f"https://www.threads.net/@{USERNAME}/post/P{post_id[-6:]}", "reply_to": reply_to,
                "root": parent.get("root") or reply_to, "container": container or {}, "username": USERNAME}
        (self.replies if reply_to else self.posts).insert(0, post)
        return post

    def publishing_limit(self, path: str, params: dict[str, str]) -> httpx.Response:
        body = fixture("publishing_limit")["body"]
        if params["fields"] == "quota_usage,config":
            body["data"][0]["quota_usage"] = self.quota_usage
            return httpx.Response(200, json=body)
        assert params["fields"] == "reply_quota_usage,reply_config"
        body = fixture("reply_publishing_limit")["body"]
        body["data"][0]["reply_quota_usage"] = self.reply_quota_usage
        return httpx.Response(200, json=body)

    def list(self, path: str, params: dict[str, str]) -> httpx.Response:
        since = int(params.get("since", 0))
        found = [p for p in self.posts if datetime.fromisoformat(p["timestamp"]).timestamp() >= since]
        limit = int(params.get("limit", 25))
        assert limit <= 100
        offset = int(params.get("after", 0))
        page = found[offset:offset + limit]
        fields = params["fields"].split(",")
        body: dict[str, Any] = {"data": [{name: p[name] for name in fields if name in p} | {"has_replies": True}
                                         for p in page]}
        if offset + limit < len(found):
            body["paging"] = {"cursors": {"after": str(offset + limit)}, "next": "https://graph.threads.net/next"}
        return httpx.Response(200, json=body)

    def delete(self, path: str, params: dict[str, str]) -> httpx.Response:
        for kept in (self.posts, self.replies):
            if found := [p for p in kept if p["id"] == path]:
                kept.remove(found[0])
                return httpx.Response(200, json={"success": True, "deleted_id": path})
        return graph_error("100/33")

    # -- Inbox, replies and hiding --

    def conversation(self, path: str, params: dict[str, str]) -> httpx.Response:
        assert params["reverse"] == "false" and "replied_to" in params["fields"]
        root = path.split("/")[0]
        return httpx.Response(200, json={"data": [self.reply_json(r) for r in self.replies
                                                  if r.get("root") == root or r.get("reply_to") == root]})

    def reply_json(self, reply: dict[str, Any]) -> dict[str, Any]:
        return {"id": reply["id"], "text": reply["text"], "username": reply["username"],
                "permalink": reply["permalink"], "timestamp": reply["timestamp"],
                "replied_to": {"id": reply["reply_to"]}, "root_post": {"id": reply.get("root", reply["reply_to"])},
                "hide_status": "HIDDEN" if reply["id"] in self.hidden else "NOT_HUSHED"}

    def someone_replies(self, to: str, text: str = "Do you ship to Haifa? · אתם שולחים לחיפה?",
                        at: datetime | None = None) -> dict[str, Any]:
        reply = fixture("conversation")["body"]["data"][0] | {"id": str(next(self.ids)), "text": text,
                                                              "timestamp": stamp(at or self.now())}
        kept = {"id": reply["id"], "text": text, "username": reply["username"], "permalink": reply["permalink"],
                "timestamp": reply["timestamp"], "reply_to": to, "root": to}
        self.replies.insert(0, kept)
        return kept

    def mentions(self, path: str, params: dict[str, str]) -> httpx.Response:
        mention = fixture("mentions")["body"]["data"][0] | {"timestamp": stamp(self.now() - timedelta(minutes=20))}
        since = int(params.get("since", 0))
        found = [mention] if datetime.fromisoformat(mention["timestamp"]).timestamp() >= since else []
        return httpx.Response(200, json={"data": found})

    def manage_reply(self, path: str, params: dict[str, str]) -> httpx.Response:
        assert params == {"hide": "true"}
        self.hidden.append(path.split("/")[0])
        return httpx.Response(200, json=fixture("manage_reply")["body"])

    # -- Metrics and profile --

    def media_insights(self, path: str, params: dict[str, str]) -> httpx.Response:
        assert params["metric"] == "likes,reposts,replies,quotes,views"
        return httpx.Response(200, json=fixture("media_insights")["body"])

    def user_insights(self, path: str, params: dict[str, str]) -> httpx.Response:
        assert params["metric"] == "followers_count"
        return httpx.Response(200, json=fixture("user_insights")["body"])

    def me(self, path: str, params: dict[str, str]) -> httpx.Response:
        assert params["fields"] == "id,username,name,threads_profile_picture_url"
        return httpx.Response(200, json=fixture("me")["body"])

    def made(self, route: str) -> list[dict[str, str]]:
        return [call.params for call in self.calls if self.route(call.method, call.path) == route]


def connected(fake: FakeThreads, handle: Callable[[httpx.Request], httpx.Response] | None = None) -> ThreadsProvider:
    provider = ThreadsProvider(dict(CONNECTED), {"access_token": TOKEN, "refresh_token": TOKEN,
                                                 "client_secret": "threads-app-secret"},
                               http=httpx.Client(transport=httpx.MockTransport(handle or fake.handle)))
    provider.sleep = lambda seconds: None
    return provider


def medium(name: str = "poster.png", kind: str = "image/png", alt: str = "כרזה · ملصق") -> MediaFile:
    data = png(2, 2)
    return MediaFile(name, kind, len(data), alt, lambda: data, public_url=lambda: f"{PUBLIC}{name}")


@pytest.fixture
def fake() -> FakeThreads:
    return FakeThreads()


@pytest.fixture(autouse=True)
def public_address(settings):
    """Stoa has a public address, so media can be sent (a test without one says so)."""
    settings.STOA_PUBLIC_BASE_URL = "https://stoa.example"


# -- Publishing ----------------------------------------------------------------------------------------------------


def test_a_text_post_is_a_text_container_then_published(fake):
    published = connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    assert fake.made("create") == [{"media_type": "TEXT", "text": TEXT}]
    assert fake.made("publish") == [{"creation_id": str(int(published.remote_id) - 1)}]
    post = fake.posts[0]
    assert published == Published(post["id"], post["permalink"], (post["id"],))


def test_the_publishing_limit_is_read_before_and_a_used_up_day_is_refused_before_anything_is_sent(fake):
    fake.quota_usage = 250
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.RATE_LIMITED and caught.value.retry_after == 3600
    assert "250" in caught.value.message and fake.made("create") == []
    assert fake.made("publishing_limit") == [{"fields": "quota_usage,config"}]


def test_an_image_is_fetched_from_its_public_address_with_its_alt_text_after_the_container_is_finished(fake):
    connected(fake).publish(Draft(text="With a picture · עם תמונה", media=(medium(),)), ATTEMPT)
    [container] = fake.made("create")
    assert container == {"media_type": "IMAGE", "image_url": f"{PUBLIC}poster.png", "alt_text": "כרזה · ملصق",
                         "text": "With a picture · עם תמונה"}
    assert [call.path for call in fake.calls if call.method == "GET" and call.path.isdigit()][0] in fake.containers


def test_a_video_waits_while_threads_processes_it_a_minute_between_checks(fake):
    fake.status = "IN_PROGRESS"
    provider = connected(fake)
    pauses: list[float] = []

    def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 2:
            next(iter(fake.containers.values()))["status"] = "FINISHED"

    provider.sleep = pause
    provider.publish(Draft(text="", media=(medium("clip.mp4", "video/mp4"),)), ATTEMPT)
    assert pauses == [60.0, 60.0] and fake.made("create")[0]["media_type"] == "VIDEO"
    assert len(fake.posts) == 1


def test_a_video_threads_cannot_download_is_refused_with_its_reason(fake):
    fake.status = "ERROR"
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text="", media=(medium("clip.mp4", "video/mp4"),)), ATTEMPT)
    assert caught.value.kind == ErrorKind.PERMANENT and "FAILED_DOWNLOADING_VIDEO" in caught.value.message
    assert fake.posts == []


def test_media_still_processing_after_five_minutes_is_tried_again_later(fake):
    fake.status = "IN_PROGRESS"
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text="", media=(medium("clip.mp4", "video/mp4"),)), ATTEMPT)
    assert caught.value.kind == ErrorKind.TRANSIENT and fake.made("publish") == []


def test_several_media_are_a_carousel_of_items_made_first(fake):
    draft = Draft(text="Three · שלוש", media=(medium("a.png"), medium("b.jpg", "image/jpeg"),
                                              medium("c.mp4", "video/mp4", alt="")))
    connected(fake).publish(draft, ATTEMPT)
    *items, carousel = fake.made("create")
    assert [(i["media_type"], i["is_carousel_item"]) for i in items] == [("IMAGE", "true"), ("IMAGE", "true"),
                                                                          ("VIDEO", "true")]
    assert "alt_text" not in items[2]
    assert carousel["media_type"] == "CAROUSEL" and len(carousel["children"].split(",")) == 3
    assert fake.posts[0]["media_type"] == "CAROUSEL_ALBUM"


def test_a_thread_is_the_brands_replies_each_to_the_post_before(fake):
    published = connected(fake).publish(Draft(text=TEXT, options={"thread": ["Two · שתיים", "Three · ثلاثة"]}),
                                        ATTEMPT)
    first, second, third = published.parts
    assert [c.get("reply_to_id") for c in fake.made("create")] == [None, first, second]
    assert published.remote_id == first and len({first, second, third}) == 3


def test_a_thread_that_breaks_part_way_is_an_unknown_outcome_naming_what_went_out(fake):
    answers = iter([None, "100"])

    def second_fails(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/threads_publish") and (code := next(answers)):
            return graph_error(code)
        return fake.handle(request)

    provider = connected(fake, second_fails)
    with pytest.raises(ProviderError) as caught:
        provider.publish(Draft(text=TEXT, options={"thread": ["Two"]}), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME and "1 of the posts" in caught.value.message


def test_a_thread_whose_answer_was_lost_part_way_is_finished_without_repeating_a_post(fake):
    draft = Draft(text=TEXT, options={"thread": ["Two · שתיים", "Three · ثلاثة"]})
    publishes = iter(range(3))

    def second_lost(request: httpx.Request) -> httpx.Response:
        answer = fake.handle(request)
        if request.url.path.endswith("/threads_publish") and next(publishes) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return answer

    with pytest.raises(ProviderError) as caught:
        connected(fake, second_lost).publish(draft, ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME and len(fake.replies) == 1
    found = connected(fake).reconcile(draft, ATTEMPT)
    assert found is not None and [fake.posts[0]["id"], *(r["id"] for r in reversed(fake.replies))] == list(
        found.parts)
    assert [r["text"] for r in reversed(fake.replies)] == ["Two · שתיים", "Three · ثلاثة"]


def test_without_a_public_address_media_cannot_be_sent(fake, settings):
    settings.STOA_PUBLIC_BASE_URL = ""
    problems = connected(fake).validate(Draft(text="Hi", media=(medium(),)))
    assert [p.field for p in problems] == ["media"] and "STOA_PUBLIC_BASE_URL" in problems[0].message


@pytest.mark.parametrize(("kind", "size", "refused"), [("image/png", 8 * 1024 * 1024, False),
                                                       ("image/png", 8 * 1024 * 1024 + 1, True),
                                                       ("video/mp4", 1024 * 1024 * 1024, False),
                                                       ("image/gif", 10, True)])
def test_media_types_and_sizes_are_the_documented_ones(fake, settings, kind, size, refused):
    settings.STOA_PUBLIC_BASE_URL = "https://stoa.example"
    item = MediaFile("x", kind, size, "", lambda: b"", public_url=lambda: PUBLIC)
    assert bool(connected(fake).validate(Draft(text="Hi", media=(item,)))) == refused


def test_who_can_reply_is_sent_as_reply_control_with_the_post(fake):
    connected(fake).publish(Draft(text=TEXT, options={"reply_control": "followers_only"}), ATTEMPT)
    assert fake.made("create")[0]["reply_control"] == "followers_only"


def test_an_unknown_choice_of_who_can_reply_is_refused(fake):
    [problem] = connected(fake).validate(Draft(text=TEXT, options={"reply_control": "friends"}))
    assert problem.field == "options.reply_control" and "followers_only" in problem.message


LINKS = " ".join(f"https://stoa.example/{n}" for n in range(5))


@pytest.mark.parametrize(("text", "refused"), [
    (LINKS, False),  # five links
    (f"{LINKS} https://stoa.example/0.", False),  # the same link again counts once
    (f"{LINKS} www.threads.com", True),  # a sixth, without its scheme, as the page's examples count them
    (f"{LINKS} https://stoa.example/5", True),
])
def test_at_most_five_links_as_threads_counts_them(fake, text, refused):
    problems = connected(fake).validate(Draft(text=text))
    assert [p.field for p in problems] == (["text"] if refused else [])
    assert not refused or "5 links" in problems[0].message


def test_a_thread_part_with_six_links_is_refused(fake):
    problems = connected(fake).validate(Draft(text="Hi", options={"thread": [f"{LINKS} www.threads.com"]}))
    assert [p.field for p in problems] == ["options.thread[0]"]


# -- 500 characters as Threads counts them -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "length"), [
    ("שלום עולם", 9),  # Hebrew letters count one each
    ("שָׁלוֹם", 4),  # with their points: one grapheme each
    ("مرحبا بالعالم", 13),  # Arabic
    ("🎉", 4),  # an emoji counts its UTF-8 bytes
    ("👩🏽‍💻", 15),  # woman, skin tone, joiner, laptop: 4 + 4 + 3 + 4
    ("🇮🇱", 8),  # a flag: two regional indicators
    ("https://stoa.example/a?b=c", 26),  # a link counts its characters
])
def test_length_is_counted_as_threads_counts_it(fake, text, length):
    assert connected(fake).text_length(text) == length == COUNTERS["graphemes_emoji_utf8"](text)


def exactly(piece: str, length: int) -> str:
    text = ""
    while count_graphemes_emoji_utf8(text + piece) <= length:
        text += piece
    while count_graphemes_emoji_utf8(text) < length:
        text += "ש"
    return text


@pytest.mark.parametrize("piece", ["שלום 🎉 ", "مرحبا 👩🏽‍💻 ", "See https://stoa.example · "])
def test_exactly_500_is_accepted_and_sent_and_one_more_is_refused_before_anything_is_sent(fake, piece):
    text = exactly(piece, 500)
    provider = connected(fake)
    assert provider.validate(Draft(text=text)) == []
    provider.publish(Draft(text=text), ATTEMPT)
    assert fake.posts[0]["text"] == text
    refused = provider.validate(Draft(text=text + "ש"))
    assert [p.field for p in refused] == ["text"] and "500" in refused[0].message
    with pytest.raises(ProviderError):
        connected(FakeThreads()).publish(Draft(text=text + "ש"), ATTEMPT)


def test_a_thread_part_over_500_is_refused(fake):
    problems = connected(fake).validate(Draft(text="Hi", options={"thread": ["🎉" * 126]}))
    assert [p.field for p in problems] == ["options.thread[0]"]


# -- Errors --------------------------------------------------------------------------------------------------------

ERRORS = [  # Graph error, kind when publishing, words a person reads
    ("190", ErrorKind.AUTHORIZATION, "Connect the account again"),
    ("4", ErrorKind.RATE_LIMITED, "wait"),
    ("10", ErrorKind.PERMISSION, "threads_content_publish"),
    ("2", ErrorKind.UNKNOWN_OUTCOME, "passing problem"),
    ("368", ErrorKind.PERMANENT, "policies"),
    ("506", ErrorKind.PERMANENT, "duplicate"),
    ("100", ErrorKind.PERMANENT, "Invalid parameter"),
]


@pytest.mark.parametrize(("code", "kind", "words"), ERRORS, ids=[code for code, _k, _w in ERRORS])
def test_each_graph_error_on_publishing_maps_to_a_kind_with_a_clear_message(fake, code, kind, words):
    fake.failures["publish"] = [code]
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    error = caught.value
    assert error.kind == kind and words in error.message and TOKEN not in error.message
    assert error.missing_permission == ("threads_content_publish" if kind == ErrorKind.PERMISSION else "")
    assert error.access_refused == (code == "190")


def test_a_token_threads_no_longer_takes_is_refused_and_never_shown(fake):
    fake.tokens = {"another"}
    with pytest.raises(ProviderError) as caught:
        connected(fake).connect()
    assert caught.value.kind == ErrorKind.AUTHORIZATION and TOKEN not in caught.value.message


@pytest.mark.parametrize(("status", "kind"), [("PUBLISHED", ErrorKind.UNKNOWN_OUTCOME),
                                              ("FINISHED", ErrorKind.UNKNOWN_OUTCOME),  # it may publish yet
                                              ("EXPIRED", ErrorKind.TRANSIENT),
                                              ("ERROR", ErrorKind.PERMANENT)])
def test_a_publish_answered_without_the_posts_id_asks_the_container_what_happened(fake, status, kind):
    """The troubleshooting page: "If ... threads_publish does not return the published media ID", the container's
    status says whether it was published."""

    def no_id(request: httpx.Request) -> httpx.Response:
        answer = fake.handle(request)
        if request.url.path.endswith("/threads_publish"):
            next(iter(fake.containers.values()))["status"] = status
            return httpx.Response(200, json={})
        return answer

    with pytest.raises(ProviderError) as caught:
        connected(fake, no_id).publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == kind


def test_a_container_that_fails_for_a_moment_published_nothing(fake):
    fake.failures["create"] = ["2"]
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.TRANSIENT


# -- After a lost answer -------------------------------------------------------------------------------------------


def lost_publish(fake: FakeThreads) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        answer = fake.handle(request)
        if request.url.path.endswith("/threads_publish"):
            raise httpx.ReadTimeout("timed out", request=request)
        return answer

    return handle


def test_a_lost_answer_is_found_again_by_reading_the_profile_back(fake):
    fake.now = lambda: STARTED + timedelta(seconds=3)
    with pytest.raises(ProviderError) as caught:
        connected(fake, lost_publish(fake)).publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    found = connected(fake).reconcile(Draft(text=TEXT), ATTEMPT)
    assert found is not None and found.remote_id == fake.posts[0]["id"]
    assert fake.made("list")[-1]["since"] == str(int((STARTED - timedelta(minutes=1)).timestamp()))


def test_the_same_attempt_sent_again_finds_its_post_instead_of_posting_twice(fake):
    first = connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    again = connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    assert first.remote_id == again.remote_id and len(fake.posts) == 1


def test_reconcile_reads_the_documented_list_and_takes_only_the_text_post_of_the_attempts_minutes(fake):
    provider = connected(fake, lambda request: httpx.Response(200, json=fixture("threads")["body"]))
    found = provider.reconcile(Draft(text=TEXT), ATTEMPT)  # ...319 is an image, ...317 an hour older
    assert found is not None and found.remote_id == "18090716854396318"


def test_reconcile_never_takes_a_post_of_another_text_kind_or_time(fake):
    fake.add(TEXT, at=STARTED - timedelta(minutes=30))
    fake.add(TEXT, at=STARTED + timedelta(minutes=30))
    fake.add(TEXT + " ", at=STARTED + timedelta(seconds=20))
    fake.add(TEXT, "IMAGE", at=STARTED + timedelta(seconds=20))
    assert connected(fake).reconcile(Draft(text=TEXT), ATTEMPT) is None


def test_two_posts_of_the_text_in_the_attempts_minutes_are_not_guessed_between(fake):
    fake.add(TEXT, at=STARTED + timedelta(seconds=2))
    fake.add(TEXT, at=STARTED + timedelta(seconds=40))
    with pytest.raises(ProviderError) as caught:
        connected(fake).reconcile(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- Deleting ------------------------------------------------------------------------------------------------------


def test_delete_removes_every_part_the_last_first(fake):
    published = connected(fake).publish(Draft(text=TEXT, options={"thread": ["Two"]}), ATTEMPT)
    connected(fake).delete(published)
    assert [call.path for call in fake.calls if call.method == "DELETE"] == list(reversed(published.parts))
    assert fake.posts == [] and fake.replies == []


def test_deleting_what_is_gone_is_done(fake):
    connected(fake).delete(Published("18090716854390000", ""))


# -- Inbox, push, replies, hiding ----------------------------------------------------------------------------------


def test_the_inbox_reads_replies_under_the_brands_posts_and_mentions_but_not_its_own_replies(fake):
    post = fake.add(TEXT, at=STARTED)
    fake.someone_replies(post["id"], at=STARTED + timedelta(minutes=30))
    fake.add("Yes! · כן!", at=STARTED + timedelta(minutes=35), reply_to=post["id"])  # the brand's own answer
    with time_machine.travel(STARTED + timedelta(hours=1), tick=False):
        fake.now = lambda: STARTED + timedelta(hours=1)
        page = connected(fake).fetch_inbox("")
    comment, mention = page.items
    assert (comment.kind, comment.author.handle, comment.parent_remote_id, comment.root_remote_id) == (
        "comment", "@dana.levi", post["id"], post["id"])
    assert (mention.kind, mention.author.remote_id) == ("mention", "omar.k") and "عمّان" in mention.text
    assert page.cursor == str(int(mention.written_at.timestamp()))


def test_the_inbox_goes_on_from_its_cursor(fake):
    post = fake.add(TEXT, at=STARTED)
    fake.someone_replies(post["id"], at=STARTED + timedelta(minutes=5))
    with time_machine.travel(STARTED + timedelta(hours=1), tick=False):
        fake.now = lambda: STARTED + timedelta(hours=1)
        later = str(int((STARTED + timedelta(minutes=50)).timestamp()))
        assert connected(fake).fetch_inbox(later).items == ()


def test_a_webhook_call_is_split_by_profile_and_read_as_a_reply(fake):
    body = fixture("webhook_replies")["body"]
    raw = json.dumps(body).encode()
    assert ThreadsProvider.signature_valid({"X-Hub-Signature-256": signature(raw, "app-secret")}, raw, "app-secret")
    parts = ThreadsProvider.accounts_in(body)
    assert list(parts) == [USER]
    [reply] = connected(fake).pushed(parts[USER]).items
    assert (reply.remote_id, reply.kind, reply.text, reply.root_remote_id) == ("8901234", "comment",
                                                                             "Reply · תגובה", "18090716854396318")


def test_a_reply_pushed_under_another_profiles_post_goes_to_that_profile():
    body = fixture("webhook_replies")["body"]
    body["values"]["value"]["root_post"]["owner_id"] = "17841400000000001"
    assert list(ThreadsProvider.accounts_in([body, fixture("webhook_replies")["body"]])) == ["17841400000000001",
                                                                                              USER]


def test_a_pushed_mention_names_no_profile_and_is_left_to_the_inbox_s_polling():
    body = fixture("webhook_replies")["body"]
    body["topic"], body["values"]["field"] = "interaction", "mentions"
    del body["values"]["value"]["root_post"]
    assert ThreadsProvider.accounts_in(body) == {}


def test_a_webhook_body_that_is_no_event_is_refused():
    with pytest.raises(ProviderError) as caught:
        ThreadsProvider.accounts_in({"entry": []})
    assert caught.value.kind == ErrorKind.PERMANENT


def test_a_reply_is_a_reply_container_published_within_the_reply_limit(fake):
    post = fake.add(TEXT)
    reply = fake.someone_replies(post["id"])
    published = connected(fake).reply(ReplyTo(reply["id"], "comment", post["id"]), "Yes · כן")
    assert fake.made("create") == [{"media_type": "TEXT", "text": "Yes · כן", "reply_to_id": reply["id"]}]
    assert fake.made("publishing_limit") == [{"fields": "reply_quota_usage,reply_config"}]
    assert published.remote_id == fake.replies[0]["id"]


def test_a_reply_is_refused_before_anything_is_sent_once_the_days_1000_replies_are_used(fake):
    fake.reply_quota_usage = 1000
    post = fake.add(TEXT)
    reply = fake.someone_replies(post["id"])
    with pytest.raises(ProviderError) as caught:
        connected(fake).reply(ReplyTo(reply["id"], "comment", post["id"]), "Yes")
    assert caught.value.kind == ErrorKind.RATE_LIMITED and "1000 replies" in caught.value.message
    assert fake.made("create") == []


def test_hiding_a_reply_hides_it_and_deletes_nothing(fake):
    post = fake.add(TEXT)
    reply = fake.someone_replies(post["id"])
    connected(fake).hide(ReplyTo(reply["id"], "comment", post["id"]))
    assert fake.hidden == [reply["id"]] and reply in fake.replies
    assert not [call for call in fake.calls if call.method == "DELETE"]


# -- Metrics --------------------------------------------------------------------------------------------------------


def test_a_posts_insights_are_its_five_counts(fake):
    points = connected(fake).metrics(Published("18090716854396318", ""))
    assert {p.name: p.value for p in points} == {"likes": 100, "reposts": 4, "replies": 12, "quotes": 2,
                                                 "views": 2310}


def test_the_profiles_followers_come_from_its_insights(fake):
    [followers] = connected(fake).account_counts()
    assert (followers.name, followers.value) == ("followers", 1890)


def test_a_count_missing_from_the_insights_is_refused_not_read_as_zero(fake):
    body = fixture("media_insights")["body"]
    body["data"] = body["data"][:-1]
    provider = connected(fake, lambda request: httpx.Response(200, json=body))
    with pytest.raises(ProviderError):
        provider.metrics(Published("18090716854396318", ""))


# -- Connecting ------------------------------------------------------------------------------------------------------


def test_connect_names_the_profile(fake):
    account = connected(fake).connect()
    assert (account.remote_id, account.name, account.url) == (USER, "@stoa_news", "https://www.threads.net/@stoa_news")


def tokens(request: httpx.Request) -> httpx.Response:
    """Threads' token endpoints, as get-access-tokens-and-permissions and long-lived-tokens show them."""
    if request.url.path == "/oauth/access_token":
        request.read()
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["grant_type"] == "authorization_code" and form["client_secret"] == "threads-app-secret"
        return httpx.Response(200, json=fixture("token_short")["body"])
    if request.url.path == "/access_token":
        assert dict(request.url.params) == {"grant_type": "th_exchange_token", "client_secret": "threads-app-secret",
                                            "access_token": "THQVJ-short-lived"}
        return httpx.Response(200, json=fixture("token_long")["body"])
    assert request.url.path == "/refresh_access_token"
    assert dict(request.url.params) == {"grant_type": "th_refresh_token", "access_token": TOKEN}
    return httpx.Response(200, json=fixture("token_refreshed")["body"])


def test_the_code_becomes_a_60_day_token_that_is_its_own_refresh_token(fake):
    provider = connected(fake, tokens)
    with time_machine.travel(STARTED, tick=False):
        grant = provider.exchange("code", "https://stoa.example/cb/", "verifier")
    assert (grant.access, grant.refresh) == ("THQVJ-long-lived", "THQVJ-long-lived")
    # counted as expiring a week before Threads says, so it is refreshed while Threads still takes it
    assert grant.expires_at == STARTED + timedelta(seconds=5183944) - timedelta(days=7)


def test_a_refresh_asks_with_the_long_lived_token_itself(fake):
    provider = connected(fake, tokens)
    grant = provider.refresh(provider.long_lived({"access_token": TOKEN, "expires_in": 60}))
    assert grant.access == grant.refresh == "THQVJ-refreshed"


@pytest.mark.parametrize("answer", [
    httpx.Response(400, json={"error": {"message": "Error validating access token THQVJ-long-lived for "
                                                   "threads-app-secret", "type": "OAuthException", "code": 190}}),
    httpx.Response(400, json={"error": "invalid_grant", "error_description": "THQVJ-long-lived is revoked"}),
])
def test_a_refused_refresh_asks_for_connecting_again_and_shows_no_secret(fake, answer):
    with pytest.raises(ProviderError) as caught:
        connected(fake, lambda request: answer).refresh(connected(fake).long_lived({"access_token": TOKEN}))
    error = caught.value
    assert error.kind == ErrorKind.AUTHORIZATION and not error.access_refused
    assert TOKEN not in error.message and "threads-app-secret" not in error.message


def test_the_authorization_window_asks_for_every_permission_stoa_uses(fake):
    url = httpx.URL(connected(fake).authorize_url("https://stoa.example/cb/", "state", "challenge"))
    assert (url.host, url.path) == ("threads.net", "/oauth/authorize")
    assert url.params["scope"].split(",") == list(SCOPES) and url.params["client_id"] == "990602627938098"


def test_the_token_never_appears_in_an_address_or_a_message(fake):
    fake.failures["me"] = ["190"]
    with pytest.raises(ProviderError) as caught:
        connected(fake).connect()
    assert TOKEN not in caught.value.message and all("access_token" not in c.params for c in fake.calls
                                                     if c.method != "POST")
