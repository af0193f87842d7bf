"""Instagram (issue 16) against a fake Instagram API with Instagram Login (graph.instagram.com, api.instagram.com),
which checks every request against the documentation its fixtures name (fixtures/instagram) and keeps the account's
containers, media and comments in memory, so what Stoa did can be read back. The contract harness uses the same fake."""

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

from stoa.providers.base import Attempt, Draft, ErrorKind, Grant, MediaFile, ProviderError, Published, ReplyTo
from stoa.providers.instagram.provider import InstagramProvider
from stoa.providers.meta.graph import GRAPH_VERSION

FIXTURES = Path(__file__).parent / "fixtures" / "instagram"
ACCOUNT = "17841405822304914"
TOKEN = "IGQVJlongLivedToken"
APP_ID, APP_SECRET = "990602627938098", "eb8c7-instagram-app-secret"
STARTED = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
KNOWN_MEDIA = "17920238422030506"  # the post the comments and counts fixtures are about
CONVERSATION = "aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6MTc4NDE0MDU4MjIzMDQ5MTQ"  # fixtures/instagram/conversations.json
MESSAGES = {"aWdfZAG1faXRlbTo2": "message_from_customer", "aWdfZAG1faXRlbTo1": "message_from_brand"}  # its messages
CONTAINER_TYPES = {"REELS", "STORIES", "VIDEO", "CAROUSEL"}  # ig-user/media's media_type values Stoa sends


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def answer(name: str) -> httpx.Response:
    found = fixture(name)
    return httpx.Response(found["status"], json=found["body"])


def graph_error(name: str) -> httpx.Response:
    case = fixture("errors")["errors"][name]
    return httpx.Response(case["status"], json=case["body"])


def instagram_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")  # as the insights guide shows them


@dataclass
class Call:
    method: str
    path: str  # without the version: "<id>/media"
    params: dict[str, str]  # the query, the form or the JSON body


@dataclass
class FakeInstagram:
    now: Callable[[], datetime] = lambda: STARTED
    calls: list[Call] = field(default_factory=list)
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: list[dict[str, Any]] = field(default_factory=list)  # newest first, as GET /<IG_ID>/media lists them
    statuses: list[str] = field(default_factory=list)  # the status_code answers to come, FINISHED after them
    quota_used: int = 2
    codes: set[str] = field(default_factory=lambda: {"the-code"})  # authorization codes, each good once
    tokens: set[str] = field(default_factory=lambda: {TOKEN})  # long-lived tokens that work
    ids: itertools.count = field(default_factory=lambda: itertools.count(17889455560051444))
    failures: dict[str, list[str]] = field(default_factory=dict)  # "POST <id>/media" -> error fixtures, in turn
    sleeps: list[float] = field(default_factory=list)  # the provider's waits between status reads

    def handle(self, request: httpx.Request) -> httpx.Response:
        request.read()
        if request.url.host == "api.instagram.com":
            return self.oauth_token(request)
        assert request.url.host == "graph.instagram.com", f"unexpected {request.url}"
        if request.url.path in ("/access_token", "/refresh_access_token"):  # no version; the token in the query
            return self.long_lived(request)
        assert request.url.path.startswith(f"/{GRAPH_VERSION}/"), f"unversioned {request.url}"
        assert "access_token" not in request.url.params, "the token never goes in an API call's URL"
        path = request.url.path.removeprefix(f"/{GRAPH_VERSION}/")
        params = dict(request.url.params)
        if request.method == "POST" and request.headers.get("content-type", "").startswith("application/json"):
            assert request.headers.get("authorization") == f"Bearer {TOKEN}"
            params |= json.loads(request.content)
        elif request.method == "POST":
            form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
            if form.pop("access_token", None) not in self.tokens:
                return graph_error("expired_token")
            params |= form
        elif request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return graph_error("expired_token")
        self.calls.append(Call(request.method, path, params))
        if self.failures.get(f"{request.method} {path}"):
            return graph_error(self.failures[f"{request.method} {path}"].pop(0))
        return self.route(request.method, path, params)

    def route(self, method: str, path: str, params: dict[str, Any]) -> httpx.Response:
        parts = path.split("/")
        if (method, path) == ("GET", "me"):
            return answer("me")
        if parts[0] == ACCOUNT and len(parts) == 2:
            edge = {("GET", "content_publishing_limit"): self.quota, ("POST", "media"): self.create_container,
                    ("POST", "media_publish"): self.publish, ("GET", "media"): self.list_media,
                    ("POST", "messages"): self.send_message,
                    ("GET", "conversations"): self.conversations, ("GET", "tags"): self.tags,
                    ("POST", "subscribed_apps"): self.subscribe}.get((method, parts[1]))
            assert edge is not None, f"Stoa called {method} {path}, which this fake does not know"
            return edge(params)
        if (method, path) == ("GET", ACCOUNT):
            assert params["fields"] == "followers_count,follows_count,media_count"
            return answer("account_counts")
        if len(parts) == 2:
            return self.object_edge(method, parts[0], parts[1], params)
        return self.read_object(method, path, params)

    # -- Publishing ----------------------------------------------------------------------------------------

    def quota(self, params: dict[str, Any]) -> httpx.Response:
        assert params["fields"] == "quota_usage,config"
        used = fixture("content_publishing_limit_used" if self.quota_used >= 50 else "content_publishing_limit")["body"]
        used["data"][0]["quota_usage"] = self.quota_used
        return httpx.Response(200, json=used)

    def create_container(self, params: dict[str, Any]) -> httpx.Response:
        kind = params.get("media_type", "IMAGE")
        assert kind in CONTAINER_TYPES | {"IMAGE"}, f"media_type {kind}"
        if kind == "CAROUSEL":
            children = params["children"].split(",")
            assert 2 <= len(children) <= 10 and all(self.containers[c]["carousel_item"] for c in children)
            assert "image_url" not in params and "video_url" not in params
        else:
            url = params.get("video_url") if kind in ("REELS", "VIDEO") else params.get("image_url") or params.get(
                "video_url")
            assert url and url.startswith("https://"), "Instagram fetches media from a public address"
            assert ("video_url" in params) == (kind in ("REELS", "VIDEO") or (kind == "STORIES" and
                                                                              "image_url" not in params))
        item = params.get("is_carousel_item") == "true"
        assert not (item and "caption" in params), "a carousel's caption goes on the carousel, not its items"
        assert not (kind == "STORIES" and "caption" in params), "stories take no caption"
        assert "alt_text" not in params or (kind == "IMAGE" and not item), "alt_text is for image posts only"
        container = str(next(self.ids))
        self.containers[container] = {"params": params, "carousel_item": item, "status": "IN_PROGRESS"}
        return httpx.Response(200, json=dict(fixture("media_create")["body"], id=container))

    def container_status(self, container: str) -> httpx.Response:
        state = self.containers[container]
        if state["status"] == "IN_PROGRESS":
            state["status"] = self.statuses.pop(0) if self.statuses else "FINISHED"
        body = dict(fixture(f"container_{state['status'].lower()}")["body"], id=container)
        if state["status"] == "PUBLISHED":
            body = {"status_code": "PUBLISHED", "id": container}
        return httpx.Response(200, json=body)

    def publish(self, params: dict[str, Any]) -> httpx.Response:
        container = self.containers[params["creation_id"]]
        assert container["status"] == "FINISHED", "only a FINISHED container is published"
        container["status"] = "PUBLISHED"
        given = container["params"]
        post = self.add(given.get("caption", ""), {"CAROUSEL": "CAROUSEL_ALBUM", "REELS": "VIDEO",
                                                   "STORIES": "STORY"}.get(given.get("media_type", ""), "IMAGE"))
        post["container"] = params["creation_id"]
        return httpx.Response(200, json=dict(fixture("media_publish")["body"], id=post["id"]))

    def add(self, caption: str, media_type: str = "IMAGE", at: datetime | None = None) -> dict[str, Any]:
        media_id = str(next(self.ids))
        post = {"id": media_id, "caption": caption, "media_type": media_type,
                "permalink": f"https://www.instagram.com/p/DC{media_id[-9:]}/", "timestamp": instagram_time(
                    at or self.now())}
        self.media.insert(0, post)
        return post

    def list_media(self, params: dict[str, Any]) -> httpx.Response:
        limit, offset = int(params.get("limit", 25)), int(params.get("after") or 0)
        assert limit <= 100
        fields = params["fields"].split(",")
        page = [{name: post[name] for name in fields if name in post} for post in self.media[offset:offset + limit]]
        paging: dict[str, Any] = dict(fixture("media_list")["body"]["paging"], cursors={  # its shape, with our places
            "before": str(offset), "after": str(offset + limit)})
        if offset + limit < len(self.media):
            paging["next"] = f"https://graph.instagram.com/{GRAPH_VERSION}/{ACCOUNT}/media?after={offset + limit}"
        return httpx.Response(200, json={"data": page, "paging": paging})

    def published(self) -> list[dict[str, Any]]:
        """What each published post's container held (its caption, image_url, alt_text...), oldest first."""
        return [self.containers[post["container"]]["params"] for post in reversed(self.media) if "container" in post]

    # -- Reading and answering -------------------------------------------------------------------------------

    def object_edge(self, method: str, node: str, edge: str, params: dict[str, Any]) -> httpx.Response:
        if (method, edge) == ("GET", "comments"):
            assert "replies{" in params["fields"] and int(params.get("limit", 25)) <= 100
            return answer("comments") if node == KNOWN_MEDIA else httpx.Response(200, json={"data": []})
        if (method, edge) == ("POST", "replies"):
            assert params["message"]
            return answer("reply")
        if (method, edge) == ("GET", "insights"):
            assert params["metric"] == "views"
            return answer("insights")
        raise AssertionError(f"Stoa called {method} {node}/{edge}, which this fake does not know")

    def read_object(self, method: str, node: str, params: dict[str, Any]) -> httpx.Response:
        if method == "POST":
            assert params == {"hide": "true"}, f"a comment is only hidden: {params}"
            return answer("hide")
        if node in self.containers:
            assert params["fields"] == "status_code,status"
            return self.container_status(node)
        if params.get("fields") == "messages":
            assert node == CONVERSATION, f"no conversation {node}"
            return answer("conversation_messages")
        if params.get("fields") == "id,created_time,from,to,message":
            return answer(MESSAGES[node])
        if params.get("fields") == "permalink":
            post = next((post for post in self.media if post["id"] == node), None)
            return httpx.Response(200, json=dict(fixture("permalink")["body"], permalink=post["permalink"], id=node)
                                  ) if post else graph_error("not_found")
        assert params.get("fields") == "like_count,comments_count", f"GET {node} {params}"
        return answer("media_counts")

    def subscribe(self, params: dict[str, Any]) -> httpx.Response:
        assert params == {"subscribed_fields": "comments,messages,mentions"}
        return answer("subscribed")

    def tags(self, params: dict[str, Any]) -> httpx.Response:
        """GET /<IG_ID>/tags (fixtures/instagram/tags.json): IG Media fields only, one page."""
        assert set(params["fields"].split(",")) <= {"id", "caption", "permalink", "timestamp", "username",
                                                    "media_type", "like_count", "comments_count"}
        assert int(params.get("limit", 25)) <= 100
        return answer("tags")

    def conversations(self, params: dict[str, Any]) -> httpx.Response:
        assert params == {"platform": "instagram"}
        return answer("conversations")

    def send_message(self, params: dict[str, Any]) -> httpx.Response:
        assert set(params) == {"recipient", "message"} and params["message"]["text"]
        return answer("message_sent")

    # -- Tokens --------------------------------------------------------------------------------------------

    def oauth_token(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/oauth/access_token") and not request.url.query
        form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
        self.calls.append(Call("POST", "oauth/access_token", form))
        assert form["client_id"] == APP_ID and form["client_secret"] == APP_SECRET
        assert form["grant_type"] == "authorization_code" and form["redirect_uri"]
        if form["code"] not in self.codes:
            return answer("token_code_used")
        self.codes.discard(form["code"])
        return answer("token")

    def long_lived(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "GET"
        params = dict(request.url.params)
        self.calls.append(Call("GET", request.url.path.strip("/"), params))
        if request.url.path == "/access_token":
            assert params["grant_type"] == "ig_exchange_token" and params["client_secret"] == APP_SECRET
            assert params["access_token"] == "IGQVJshortLivedToken"
            return answer("long_lived")
        assert params["grant_type"] == "ig_refresh_token"
        if params["access_token"] not in self.tokens:
            return graph_error("expired_token")
        self.tokens.add("IGQVJrefreshedToken")
        return answer("refreshed")

    def made(self, method: str, path: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if (call.method, call.path) == (method, path)]


# -- The provider against it -----------------------------------------------------------------------------


def jpeg(name: str = "poster.jpg", alt: str = "כרזה · ملصق", size: int = 48_000) -> MediaFile:
    return MediaFile(name, "image/jpeg", size, alt, lambda: b"\xff\xd8\xff", public_url=lambda: f"{PUBLIC}/{name}")


def video(name: str = "clip.mp4") -> MediaFile:
    return MediaFile(name, "video/mp4", 12_000_000, "", lambda: b"", public_url=lambda: f"{PUBLIC}/{name}")


PUBLIC = "https://stoa.example/m/1/1782900000/signature"
CAPTION = "Open on Saturday · פתוח בשבת · مفتوح يوم السبت 👩🏽‍💻 #coffee"
ATTEMPT = Attempt(key="attempt-1", started_at=STARTED, publication_id=1)


def connected(fake: FakeInstagram, handle: Callable[[httpx.Request], httpx.Response] | None = None,
              ) -> InstagramProvider:
    provider = InstagramProvider({"account_id": ACCOUNT, "client_id": APP_ID},
                                 {"access_token": TOKEN, "refresh_token": TOKEN, "client_secret": APP_SECRET},
                                 http=httpx.Client(transport=httpx.MockTransport(handle or fake.handle)))
    provider.sleep = fake.sleeps.append
    return provider


@pytest.fixture
def fake() -> FakeInstagram:
    return FakeInstagram()


@pytest.fixture(autouse=True)
def public_base(settings):
    settings.STOA_PUBLIC_BASE_URL = "https://stoa.example"


def failure(action: Callable[[], Any]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        action()
    return caught.value


# -- Validating ------------------------------------------------------------------------------------------


def test_a_draft_without_media_is_refused_since_instagram_publishes_no_text_alone(fake):
    provider = connected(fake)
    assert [p.field for p in provider.validate(Draft(text=CAPTION))] == ["media"]
    assert failure(lambda: provider.publish(Draft(text=CAPTION), ATTEMPT)).kind == ErrorKind.PERMANENT
    assert fake.calls == []


@pytest.mark.parametrize(("draft", "field"), [
    (Draft(text="x" * 2201, media=(jpeg(),)), "text"),
    (Draft(text=" ".join(f"#tag{n}" for n in range(31)), media=(jpeg(),)), "text"),
    (Draft(text=" ".join(f"@friend{n}" for n in range(21)), media=(jpeg(),)), "text"),
    (Draft(text="PNG", media=(MediaFile("a.png", "image/png", 100, "", lambda: b"", public_url=lambda: PUBLIC),)),
     "media"),
    (Draft(text="Big", media=(jpeg(size=9 * 1024 * 1024),)), "media"),
    (Draft(text="Eleven", media=tuple(jpeg(f"{n}.jpg") for n in range(11))), "media"),
    (Draft(text="", media=(jpeg(), jpeg("b.jpg")), options={"format": "story"}), "media"),
    (Draft(text="Stories carry no text", media=(jpeg(),), options={"format": "story"}), "text"),
])
def test_what_instagram_documents_it_refuses_is_refused_before_any_request(fake, draft, field):
    provider = connected(fake)
    assert field in [p.field for p in provider.validate(draft)]
    assert failure(lambda: provider.publish(draft, ATTEMPT)).kind == ErrorKind.PERMANENT
    assert fake.calls == []


def test_thirty_hashtags_and_twenty_mentions_in_2200_characters_are_accepted(fake):
    text = " ".join([f"#t{n}" for n in range(30)] + [f"@u{n}" for n in range(20)])
    assert connected(fake).validate(Draft(text=text + "ש" * (2200 - len(text) - 1), media=(jpeg(),))) == []


def test_without_a_public_address_the_composer_says_so(fake, settings):
    settings.STOA_PUBLIC_BASE_URL = ""
    [problem] = connected(fake).validate(Draft(text=CAPTION, media=(jpeg(),)))
    assert problem.field == "media" and "STOA_PUBLIC_BASE_URL" in problem.message


# -- Publishing: container, status, publish --------------------------------------------------------------


def test_a_picture_is_a_container_with_its_public_address_caption_and_alt_text_then_published(fake):
    published = connected(fake).publish(Draft(text=CAPTION, media=(jpeg(),)), ATTEMPT)
    [container] = fake.made("POST", f"{ACCOUNT}/media")
    assert container == {"image_url": f"{PUBLIC}/poster.jpg", "caption": CAPTION, "alt_text": "כרזה · ملصق"}
    [publish] = fake.made("POST", f"{ACCOUNT}/media_publish")
    assert publish == {"creation_id": "17889455560051444"}
    assert published.remote_id == fake.media[0]["id"] and published.url == fake.media[0]["permalink"]
    assert fake.made("GET", f"{ACCOUNT}/content_publishing_limit"), "the quota is read before publishing"


def test_publishing_waits_for_the_container_once_a_minute_until_it_is_finished(fake):
    fake.statuses = ["IN_PROGRESS", "IN_PROGRESS", "FINISHED"]
    connected(fake).publish(Draft(text="A reel · ריל", media=(video(),)), ATTEMPT)
    [container] = fake.made("POST", f"{ACCOUNT}/media")
    assert container == {"media_type": "REELS", "video_url": f"{PUBLIC}/clip.mp4", "caption": "A reel · ריל"}
    assert fake.sleeps == [60.0, 60.0] and len(fake.media) == 1


def test_a_container_still_processing_after_five_minutes_is_left_and_nothing_is_published(fake):
    fake.statuses = ["IN_PROGRESS"] * 10
    error = failure(lambda: connected(fake).publish(Draft(text="Slow", media=(video(),)), ATTEMPT))
    assert error.kind == ErrorKind.TRANSIENT and "5 minutes" in error.message
    assert fake.sleeps == [60.0] * 5 and fake.media == [] and not fake.made("POST", f"{ACCOUNT}/media_publish")


@pytest.mark.parametrize(("status", "kind"), [("ERROR", ErrorKind.PERMANENT), ("EXPIRED", ErrorKind.TRANSIENT)])
def test_a_container_instagram_could_not_process_is_never_published(fake, status, kind):
    fake.statuses = [status]
    error = failure(lambda: connected(fake).publish(Draft(text="Bad", media=(video(),)), ATTEMPT))
    assert error.kind == kind and fake.media == []
    if status == "ERROR":
        assert "2207026" in error.message


def test_a_carousel_is_its_items_then_one_container_with_the_caption(fake):
    media = (jpeg("1.jpg"), video("2.mp4"), jpeg("3.jpg"))
    connected(fake).publish(Draft(text=CAPTION, media=media), ATTEMPT)
    *items, carousel = fake.made("POST", f"{ACCOUNT}/media")
    assert items == [{"image_url": f"{PUBLIC}/1.jpg", "is_carousel_item": "true"},
                     {"media_type": "VIDEO", "video_url": f"{PUBLIC}/2.mp4", "is_carousel_item": "true"},
                     {"image_url": f"{PUBLIC}/3.jpg", "is_carousel_item": "true"}]
    assert carousel == {"media_type": "CAROUSEL", "caption": CAPTION,
                        "children": "17889455560051444,17889455560051445,17889455560051446"}
    assert fake.media[0]["media_type"] == "CAROUSEL_ALBUM"


def test_a_carousels_items_are_waited_for_together_five_minutes_at_most(fake):
    fake.statuses = ["IN_PROGRESS", "IN_PROGRESS", "FINISHED", "FINISHED"]  # the two videos take a minute
    connected(fake).publish(Draft(text=CAPTION, media=(video("1.mp4"), video("2.mp4"))), ATTEMPT)
    assert fake.sleeps == [60.0] and len(fake.media) == 1


def test_a_story_is_one_medium_without_caption(fake):
    connected(fake).publish(Draft(text="", media=(jpeg(),), options={"format": "story"}), ATTEMPT)
    assert fake.made("POST", f"{ACCOUNT}/media") == [{"image_url": f"{PUBLIC}/poster.jpg", "media_type": "STORIES"}]


def test_a_video_story_is_its_video_as_stories(fake):
    connected(fake).publish(Draft(text="", media=(video(),), options={"format": "story"}), ATTEMPT)
    assert fake.made("POST", f"{ACCOUNT}/media") == [{"media_type": "STORIES", "video_url": f"{PUBLIC}/clip.mp4"}]
    assert not fake.made("GET", f"{ACCOUNT}/media"), "a story is not looked for among the posts"


def test_the_daily_posts_are_checked_before_instagram_refuses_them(fake):
    fake.quota_used = 50
    error = failure(lambda: connected(fake).publish(Draft(text=CAPTION, media=(jpeg(),)), ATTEMPT))
    assert error.kind == ErrorKind.RATE_LIMITED and error.retry_after == 3600 and "50" in error.message
    assert not fake.made("POST", f"{ACCOUNT}/media"), "no container is made past the quota"


def test_instagrams_own_refusal_of_one_post_too_many_is_a_rate_limit(fake):
    fake.failures["POST " + f"{ACCOUNT}/media_publish"] = ["max_posts"]
    error = failure(lambda: connected(fake).publish(Draft(text=CAPTION, media=(jpeg(),)), ATTEMPT))
    assert error.kind == ErrorKind.RATE_LIMITED and error.retry_after == 3600


@pytest.mark.parametrize(("name", "kind"), [
    ("expired_token", ErrorKind.AUTHORIZATION), ("rate_limited", ErrorKind.RATE_LIMITED),
    ("permission", ErrorKind.PERMISSION), ("image_too_large", ErrorKind.PERMANENT),
    ("invalid_parameter", ErrorKind.PERMANENT), ("server_try_again", ErrorKind.TRANSIENT),
    ("unknown", ErrorKind.TRANSIENT)])
def test_errors_making_a_container_are_mapped_and_nothing_is_published(fake, name, kind):
    fake.failures["POST " + f"{ACCOUNT}/media"] = [name]
    error = failure(lambda: connected(fake).publish(Draft(text=CAPTION, media=(jpeg(),)), ATTEMPT))
    assert error.kind == kind and TOKEN not in error.message and fake.media == []


def test_a_lost_answer_to_publishing_is_an_unknown_outcome_and_reconcile_finds_the_post(fake):
    def lose_publish(request: httpx.Request) -> httpx.Response:
        answered = fake.handle(request)
        if request.url.path.endswith("/media_publish"):
            raise httpx.ReadTimeout("timed out", request=request)
        return answered

    draft = Draft(text=CAPTION, media=(jpeg(),))
    assert failure(lambda: connected(fake, lose_publish).publish(draft, ATTEMPT)).kind == ErrorKind.UNKNOWN_OUTCOME
    found = connected(fake).reconcile(draft, ATTEMPT)
    assert found is not None and found.remote_id == fake.media[0]["id"]
    assert connected(fake).publish(draft, ATTEMPT).remote_id == found.remote_id and len(fake.media) == 1


def test_reconcile_takes_neither_another_caption_nor_a_post_from_another_hour_and_never_guesses(fake):
    draft = Draft(text=CAPTION, media=(jpeg(),))
    fake.add("Something else", at=STARTED + timedelta(minutes=1))
    fake.add(CAPTION, at=STARTED + timedelta(hours=1))
    assert connected(fake).reconcile(draft, ATTEMPT) is None
    fake.add(CAPTION, at=STARTED + timedelta(minutes=2))
    fake.add(CAPTION, at=STARTED + timedelta(minutes=3))
    assert failure(lambda: connected(fake).reconcile(draft, ATTEMPT)).kind == ErrorKind.UNKNOWN_OUTCOME


def test_the_media_list_as_the_page_shows_it_is_read_and_its_older_post_never_taken(fake):
    listed = []

    def documented(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(f"{ACCOUNT}/media") and request.method == "GET":
            listed.append(request.url.params)
            return answer("media_list")
        return fake.handle(request)

    older = Draft(text="Older · ישן", media=(jpeg(),))
    assert connected(fake, documented).reconcile(older, ATTEMPT) is None  # dated the day before the attempt
    assert len(listed) == 1, "no next page is asked for where paging has no next"


def test_deleting_is_refused_with_what_to_do_since_the_api_cannot(fake):
    error = failure(lambda: connected(fake).delete(Published("17920238422030506", "")))
    assert error.kind == ErrorKind.PERMANENT and "Instagram app" in error.message and fake.calls == []


def test_the_token_is_never_in_an_api_address(fake):
    connected(fake).publish(Draft(text=CAPTION, media=(jpeg(),)), ATTEMPT)
    assert fake.calls and all(TOKEN not in str(call.params) for call in fake.calls)


# -- Inbox, push, replies, hiding ------------------------------------------------------------------------


def test_the_inbox_reads_comments_and_replies_under_the_latest_media_without_the_brands_own(fake):
    fake.add("Older", at=STARTED - timedelta(days=1))["id"] = KNOWN_MEDIA
    page = connected(fake).fetch_inbox("")
    comments = [i for i in page.items if i.kind == "comment"]
    assert [(i.remote_id, i.parent_remote_id, i.author.handle) for i in comments] == [
        ("17870913679156914", KNOWN_MEDIA, "dana.levi"), ("17873440459141022", "17870913679156914", "omid.r")]
    assert page.items[0].written_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    assert page.items[0].root_remote_id == KNOWN_MEDIA and page.items[0].kind == "comment"
    assert connected(fake).fetch_inbox(page.cursor).items == ()


def test_the_media_the_account_is_tagged_in_are_read_as_mentions_with_caption_author_time_and_address(fake):
    page = connected(fake).fetch_inbox("")
    mentions = [i for i in page.items if i.kind == "mention"]
    assert [(i.remote_id, i.author.handle, i.text, i.url) for i in mentions] == [
        ("17895695668004550", "noa.bakes", "Saturday brunch at @stoa.cafe · בראנץ' של שבת",
         "https://www.instagram.com/p/DCbbbbbbbbb/"),
        ("17895695668004551", "layla.h", "قهوة الصباح مع @stoa.cafe", "https://www.instagram.com/p/DCccccccccc/")]
    assert mentions[0].written_at == datetime(2026, 7, 1, 7, 15, tzinfo=UTC)
    assert mentions[0].author.profile_url == "https://www.instagram.com/noa.bakes/"
    assert fake.made("GET", f"{ACCOUNT}/tags") == [{"fields": "id,caption,permalink,timestamp,username",
                                                    "limit": "25"}]
    later = connected(fake).fetch_inbox(datetime(2026, 7, 1, 7, 0, tzinfo=UTC).isoformat())
    assert [i.remote_id for i in later.items] == ["17895695668004550"], "only what is newer than the cursor"


def test_a_caption_mention_pushed_by_id_is_read_back_from_the_tagged_media_and_a_comments_mention_left_out(fake):
    parts = InstagramProvider.accounts_in(fixture("webhooks_mentions")["body"])
    [mention] = connected(fake).pushed(parts[ACCOUNT]).items
    assert (mention.kind, mention.remote_id, mention.author.handle, mention.url) == (
        "mention", "17895695668004550", "noa.bakes", "https://www.instagram.com/p/DCbbbbbbbbb/")
    assert mention.text.startswith("Saturday brunch at @stoa.cafe")
    assert len(fake.made("GET", f"{ACCOUNT}/tags")) == 1, "one read of the tags for the whole call"


def test_a_call_without_mentions_reads_nothing_and_a_failed_read_of_the_tags_keeps_the_comments(fake):
    provider = connected(fake)
    provider.pushed(InstagramProvider.accounts_in(fixture("webhooks")["body"])[ACCOUNT])
    assert fake.calls == []
    entries = fixture("webhooks")["body"]["entry"] + fixture("webhooks_mentions")["body"]["entry"]
    fake.failures[f"GET {ACCOUNT}/tags"] = ["unknown"]
    assert [i.kind for i in provider.pushed(entries).items] == ["comment", "message"]


def test_a_mention_is_neither_answered_nor_hidden_since_instagram_cannot_comment_where_the_account_is_tagged(fake):
    provider = connected(fake)
    mention = ReplyTo("17895695668004550", "mention", root_remote_id="17895695668004550")
    assert failure(lambda: provider.reply(mention, "Thank you!")).kind == ErrorKind.PERMANENT
    assert failure(lambda: provider.hide(mention)).kind == ErrorKind.PERMANENT
    assert fake.calls == []


def test_direct_messages_are_read_from_the_latest_conversations_without_the_brands_own(fake):
    page = connected(fake).fetch_messages("")
    [message] = page.items
    assert (message.kind, message.remote_id, message.author.remote_id, message.author.handle) == (
        "message", "aWdfZAG1faXRlbTo2", "17841401234567890", "dana.levi")
    assert message.written_at == datetime(2026, 7, 1, 8, 50, tzinfo=UTC) and message.root_remote_id == (
        "17841401234567890")
    read = len(fake.calls)
    assert connected(fake).fetch_messages(page.cursor).items == ()
    assert len(fake.calls) == read + 1, "a conversation not updated since the cursor is not opened"


def test_an_answer_to_a_direct_message_over_1000_bytes_is_refused_before_sending(fake):
    error = failure(lambda: connected(fake).reply(ReplyTo("m1", "message", author_id="17841401234567890"), "ש" * 501))
    assert error.kind == ErrorKind.PERMANENT and "1000" in error.message and fake.calls == []


def test_a_webhook_call_splits_by_account_and_gives_comments_and_messages(fake):
    body = fixture("webhooks")["body"]
    parts = InstagramProvider.accounts_in(body)
    assert list(parts) == [ACCOUNT]
    comment, message = connected(fake).pushed(parts[ACCOUNT]).items
    assert (comment.kind, comment.remote_id, comment.root_remote_id, comment.author.handle) == (
        "comment", "17865799348089039", KNOWN_MEDIA, "dana.levi")
    assert (message.kind, message.author.remote_id) == ("message", "17841401234567890")
    assert message.written_at == datetime.fromtimestamp(1782896160.123, UTC)
    with pytest.raises(ProviderError):
        InstagramProvider.accounts_in({"object": "page", "entry": []})


def test_a_comment_as_the_examples_page_shows_it_on_the_entry_itself_is_read_too(fake):
    entry = {"id": ACCOUNT, "time": 1782896100, "field": "comments", "value": {
        "id": "17865799348089040", "from": {"id": "17841409876543210", "username": "omid.r"}, "text": "سلام",
        "media": {"id": KNOWN_MEDIA, "media_product_type": "FEED"}}}
    [comment] = connected(fake).pushed([entry]).items
    assert (comment.remote_id, comment.author.handle, comment.text) == ("17865799348089040", "omid.r", "سلام")


def test_connecting_enables_the_accounts_webhooks_for_the_fields_stoa_reads(fake):
    connected(fake).subscribe()
    assert fake.made("POST", f"{ACCOUNT}/subscribed_apps") == [{"subscribed_fields": "comments,messages,mentions"}]


def test_replies_answer_a_comment_and_a_direct_message_and_hiding_never_deletes(fake):
    provider = connected(fake)
    provider.reply(ReplyTo("17870913679156914", "comment"), "Yes! · כן")
    provider.reply(ReplyTo("m1", "message", author_id="17841401234567890"), "Until 18:00")
    provider.hide(ReplyTo("17870913679156914", "comment"))
    assert fake.made("POST", "17870913679156914/replies") == [{"message": "Yes! · כן"}]
    assert fake.made("POST", f"{ACCOUNT}/messages") == [{"recipient": {"id": "17841401234567890"},
                                                          "message": {"text": "Until 18:00"}}]
    assert fake.made("POST", "17870913679156914") == [{"hide": "true"}]
    assert not [call for call in fake.calls if call.method == "DELETE"]


# -- Metrics ---------------------------------------------------------------------------------------------


def test_metrics_are_likes_comments_and_views_and_the_accounts_counts(fake):
    provider = connected(fake)
    with time_machine.travel(STARTED, tick=False):
        points = provider.metrics(Published(KNOWN_MEDIA, ""))
        counts = provider.account_counts()
    assert [(p.name, p.value) for p in points] == [("likes", 42), ("replies", 3), ("views", 1204)]
    assert [(p.name, p.value) for p in counts] == [("followers", 1520), ("following", 87), ("posts", 214)]
    assert points[0].measured_at == STARTED


def test_recent_posts_are_the_latest_media_with_their_counts(fake):
    older = fake.add("Older · ישן", at=STARTED - timedelta(days=2))
    newer = fake.add("Newer · חדש", at=STARTED - timedelta(days=1))
    for post in (older, newer):
        post |= {"like_count": 42, "comments_count": 3}
    with time_machine.travel(STARTED, tick=False):
        [first, second] = connected(fake).recent_posts(50)
    assert (first.published.remote_id, first.published.url, first.published_at) == (
        newer["id"], newer["permalink"], STARTED - timedelta(days=1))
    assert second.published.remote_id == older["id"]
    assert [(p.name, p.value) for p in first.metrics] == [("likes", 42), ("replies", 3), ("views", 1204)]


def test_views_not_counted_yet_are_never_read_as_zero(fake):
    provider = connected(fake, lambda request: answer("insights_empty") if request.url.path.endswith("/insights")
                         else fake.handle(request))
    assert failure(lambda: provider.metrics(Published(KNOWN_MEDIA, ""))).kind == ErrorKind.TRANSIENT


# -- Connecting by Instagram Login -----------------------------------------------------------------------


def acting_as_app(fake: FakeInstagram) -> InstagramProvider:
    return InstagramProvider({"client_id": APP_ID}, {"client_secret": APP_SECRET},
                             http=httpx.Client(transport=httpx.MockTransport(fake.handle)))


def test_the_authorization_window_asks_for_the_business_scopes(fake):
    url = httpx.URL(acting_as_app(fake).authorize_url("https://stoa.example/cb/", "st", "challenge"))
    assert (url.host, url.path) == ("www.instagram.com", "/oauth/authorize")
    assert url.params["scope"].split() == ["instagram_business_basic", "instagram_business_content_publish",
                                           "instagram_business_manage_comments", "instagram_business_manage_messages",
                                           "instagram_business_manage_insights"]
    assert (url.params["client_id"], url.params["response_type"], url.params["state"]) == (APP_ID, "code", "st")


def test_the_code_becomes_a_long_lived_token_kept_as_its_own_refresh_and_one_account(fake):
    provider = acting_as_app(fake)
    with time_machine.travel(STARTED, tick=False):
        grant = provider.exchange("the-code", "https://stoa.example/cb/", "verifier")
    assert (grant.access, grant.refresh) == (TOKEN, TOKEN)
    # Renewed a week before Instagram's 60 days end (any use of the channel in that week renews it).
    assert grant.expires_at == STARTED + timedelta(seconds=5183944) - timedelta(days=7)
    assert "instagram_business_content_publish" in grant.scopes
    [account] = provider.targets(grant)
    assert (account.remote_id, account.name, account.url) == (ACCOUNT, "Stoa Café · קפה סטואה",
                                                              "https://www.instagram.com/stoa.cafe/")
    assert failure(lambda: provider.exchange("the-code", "https://stoa.example/cb/", "v")).kind == (
        ErrorKind.AUTHORIZATION)


def test_a_token_endpoint_echoing_what_it_was_sent_never_puts_a_secret_in_the_message(fake):
    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error_type": "OAuthException", "code": 400,
                                         "error_message": f"Bad request: {request.content.decode()}"})

    provider = InstagramProvider({"client_id": APP_ID}, {"client_secret": APP_SECRET},
                                 http=httpx.Client(transport=httpx.MockTransport(echo)))
    error = failure(lambda: provider.exchange("the-code", "https://stoa.example/cb/", "verifier"))
    assert error.kind == ErrorKind.AUTHORIZATION and APP_SECRET not in error.message and "the-code" not in error.message


def test_refreshing_renews_the_long_lived_token_and_a_refused_one_asks_to_reconnect(fake):
    provider = connected(fake)
    renewed = provider.refresh(Grant(TOKEN, TOKEN))
    assert (renewed.access, renewed.refresh) == ("IGQVJrefreshedToken", "IGQVJrefreshedToken")
    error = failure(lambda: provider.refresh(Grant("revoked", "revoked")))
    assert error.kind == ErrorKind.AUTHORIZATION and not error.access_refused and "revoked" not in error.message
