"""VK's first slice: publishing to a community wall, against a fake VK API that answers as dev.vk.com documents it
(the fixtures in tests/providers/fixtures/vk, each naming its page)."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from stoa.providers.base import Attempt, Draft, ErrorKind, ProviderError, Published
from stoa.providers.vk.provider import API_VERSION, VKProvider

FIXTURES = Path(__file__).parent / "fixtures" / "vk"
TOKEN = "vk1.a.StoaTestAccessKey_0123456789abcdefABCDEF"
GROUP = 229101116
OWNER = -GROUP
STARTED = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 1782896400, as the fixtures' dates count from
ATTEMPT = Attempt(key="attempt-key-1", started_at=STARTED, publication_id=1)
TEXT = "Привет! שלום · مرحبا 👩🏽‍💻"


UPLOADS = ("pu.vk.com", "ovu.mycdn.me")  # the hosts of the fixtures' upload addresses


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def vk_error(code: int) -> httpx.Response:
    """VK's error answer: HTTP 200 with the error object (errors.json: its _doc names the pages)."""
    return httpx.Response(200, json=fixture("errors")["errors"][str(code)])


@dataclass
class Call:
    method: str
    params: dict[str, str]


@dataclass
class FakeVK:
    """The VK API for the methods Stoa calls: POST api.vk.com/method/<method> with a form body carrying access_token
    and v (https://dev.vk.com/en/api/api-requests), a community wall kept in memory, answers shaped as the fixtures."""

    now: Callable[[], datetime] = lambda: STARTED
    calls: list[Call] = field(default_factory=list)
    wall: list[dict[str, Any]] = field(default_factory=list)  # newest first, as wall.get lists them
    ids: itertools.count = field(default_factory=lambda: itertools.count(318))
    by_guid: dict[str, int] = field(default_factory=dict)
    failures: dict[str, list[int]] = field(default_factory=dict)  # method -> VK error codes to answer, in turn
    tokens: set[str] = field(default_factory=lambda: {TOKEN})  # the access keys VK takes
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # post id -> its comments, newest first
    comment_ids: itertools.count = field(default_factory=lambda: itertools.count(403))
    by_comment_guid: dict[str, int] = field(default_factory=dict)
    messages: dict[int, int] = field(default_factory=dict)  # random_id -> the message it made
    servers: list[dict[str, Any]] = field(default_factory=lambda: fixture("groups.getCallbackServers")["body"][
        "response"]["items"])
    callback_settings: dict[int, dict[str, str]] = field(default_factory=dict)
    uploads: list[tuple[str, str, bytes]] = field(default_factory=list)  # (field, file name, bytes) sent to upload
    media: dict[str, dict[str, Any]] = field(default_factory=dict)  # "photo-1_2" -> what was saved
    refuse_uploads: bool = False  # the upload server answers that the file is no picture it takes

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in UPLOADS:  # the upload addresses photos.getWallUploadServer and video.save gave
            return self.uploaded(request)
        assert (request.method, request.url.host) == ("POST", "api.vk.com"), f"unexpected {request.url}"
        assert request.url.path.startswith("/method/") and not request.url.query, "parameters go in the form body"
        request.read()
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"  # JSON is not accepted
        params = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
        assert params.pop("v") == API_VERSION == "5.199"
        if params.pop("access_token") not in self.tokens:
            return vk_error(5)
        method = request.url.path.removeprefix("/method/")
        self.calls.append(Call(method, params))
        if self.failures.get(method):
            return vk_error(self.failures[method].pop(0))
        answer = {"wall.post": self.wall_post, "wall.get": self.wall_get, "wall.delete": self.wall_delete,
                  "groups.getById": self.groups_get_by_id, "groups.get": self.groups_get,
                  "wall.getComments": self.wall_get_comments, "wall.createComment": self.wall_create_comment,
                  "messages.send": self.messages_send, "wall.getById": self.wall_get_by_id,
                  "groups.getCallbackServers": self.get_callback_servers,
                  "groups.addCallbackServer": self.add_callback_server,
                  "groups.editCallbackServer": self.edit_callback_server,
                  "groups.setCallbackSettings": self.set_callback_settings,
                  "groups.getCallbackConfirmationCode": self.confirmation_code,
                  "photos.getWallUploadServer": self.wall_upload_server, "photos.saveWallPhoto": self.save_wall_photo,
                  "video.save": self.video_save, "polls.create": self.polls_create}.get(method)
        assert answer is not None, f"Stoa called {method}, which this fake does not know"
        return answer(params)

    def wall_post(self, params: dict[str, str]) -> httpx.Response:
        assert params["owner_id"] == str(OWNER) and params["from_group"] == "1" and params["guid"]
        if params["guid"] in self.by_guid:  # the guid names one post: sent again, it is that post
            return httpx.Response(200, json={"response": {"post_id": self.by_guid[params["guid"]]}})
        post = self.add(params.get("message", ""))
        attached = [name for name in params.get("attachments", "").split(",") if name]
        assert len([name for name in attached if not name.startswith("http")]) <= 10, "at most 10 media"
        assert len([name for name in attached if name.startswith("http")]) <= 1, "at most one link"
        post["attachments"] = [self.attached(name) for name in attached]
        self.by_guid[params["guid"]] = post["id"]
        return httpx.Response(200, json={"response": {"post_id": post["id"]}})

    def add(self, text: str, from_id: int = OWNER, at: datetime | None = None) -> dict[str, Any]:
        post = {"id": next(self.ids), "owner_id": OWNER, "from_id": from_id,
                "date": int((at or self.now()).timestamp()), "text": text, "comments": {"count": 0},
                "likes": {"count": 0}, "reposts": {"count": 0}, "views": {"count": 0}}
        self.wall.insert(0, post)
        return post

    def wall_get(self, params: dict[str, str]) -> httpx.Response:
        assert params["owner_id"] == str(OWNER) and int(params["count"]) <= 100
        offset = int(params.get("offset", 0))
        items = self.wall[offset:offset + int(params["count"])]
        return httpx.Response(200, json={"response": {"count": len(self.wall), "items": items}})

    def wall_delete(self, params: dict[str, str]) -> httpx.Response:
        assert params["owner_id"] == str(OWNER)
        found = [post for post in self.wall if post["id"] == int(params["post_id"])]
        if not found:
            return vk_error(104)
        self.wall.remove(found[0])
        return httpx.Response(200, json=fixture("wall.delete")["body"])

    def groups_get_by_id(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP)
        if params.get("fields") == "members_count":
            return httpx.Response(200, json=fixture("groups.getById.members")["body"])
        return httpx.Response(200, json=fixture("groups.getById")["body"])

    def groups_get(self, params: dict[str, str]) -> httpx.Response:
        assert (params["filter"], params["extended"]) == ("admin,editor", "1") and int(params["count"]) <= 1000
        return httpx.Response(200, json=fixture("groups.get")["body"])

    def attached(self, name: str) -> dict[str, Any]:
        """An attachment of a post as the post object has it ({"type", "<type>": {...}})."""
        if name.startswith("http"):
            return {"type": "link", "link": {"url": name}}
        kind = next(kind for kind in ("photo", "video", "poll") if name.startswith(kind))
        assert name in self.media, f"{name} was never made"
        return {"type": kind, kind: self.media[name]}

    def wall_upload_server(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP)
        return httpx.Response(200, json=fixture("photos.getWallUploadServer")["body"])

    def uploaded(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and request.headers["content-type"].startswith("multipart/form-data")
        content = request.read()
        name = "photo" if request.url.host == "pu.vk.com" else "video_file"
        assert f'name="{name}"'.encode() in content, f"the file goes as the field {name}"
        self.uploads.append((name, request.headers["content-type"], content))
        answer = fixture("upload.photo" if name == "photo" else "upload.video")
        return httpx.Response(200, json=answer["refused"] if self.refuse_uploads else answer["body"])

    def save_wall_photo(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP) and params["photo"] == fixture("upload.photo")["body"]["photo"]
        assert params["server"] and params["hash"] and len(params.get("caption", "")) <= 2048
        photo = {**fixture("photos.saveWallPhoto")["body"]["response"][0], "id": 457239017 + len(self.media),
                 "text": params.get("caption", "")}
        self.media[f"photo{photo['owner_id']}_{photo['id']}"] = photo
        return httpx.Response(200, json={"response": [photo]})

    def video_save(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP) and params["wallpost"] == "0" and len(params["name"]) <= 128
        video = {**fixture("video.save")["body"]["response"], "video_id": 456239017 + len(self.media),
                 "title": params["name"], "description": params.get("description", "")}
        self.media[f"video{video['owner_id']}_{video['video_id']}"] = video
        return httpx.Response(200, json={"response": video})

    def polls_create(self, params: dict[str, str]) -> httpx.Response:
        assert params["owner_id"] == str(OWNER) and params["question"]
        given = json.loads(params["add_answers"])
        assert 1 <= len(given) <= 10, "from 1 to 10 answers"
        poll = {**fixture("polls.create")["body"]["response"], "id": 865432 + len(self.media),
                "question": params["question"], "answers": [{"id": n, "text": text} for n, text in enumerate(given)],
                "anonymous": params["is_anonymous"] == "1", "multiple": params["is_multiple"] == "1"}
        self.media[f"poll{poll['owner_id']}_{poll['id']}"] = poll
        return httpx.Response(200, json={"response": poll})

    def with_comments(self, text: str = "Привет!", at: datetime | None = None) -> dict[str, Any]:
        """A post of the community with the documented comments (a thread of two, and the community's own)."""
        post = self.add(text, at=at)
        self.comments[post["id"]] = [{**item, "post_id": post["id"]} for item in
                                     fixture("wall.getComments")["body"]["response"]["items"]]
        post["comments"] = {"count": 3}
        return post

    def wall_get_comments(self, params: dict[str, str]) -> httpx.Response:
        assert params["owner_id"] == str(OWNER) and int(params["count"]) <= 100 and params["sort"] == "desc"
        assert 0 <= int(params.get("thread_items_count", 0)) <= 10
        items = self.comments.get(int(params["post_id"]), [])
        return httpx.Response(200, json={"response": {"count": len(items), "items": items, "can_post": True}})

    def wall_create_comment(self, params: dict[str, str]) -> httpx.Response:
        assert params["owner_id"] == str(OWNER) and params["from_group"] == str(GROUP) and params["guid"]
        post_id = int(params["post_id"])
        assert any(post["id"] == post_id for post in self.wall) or post_id in self.comments, "no such post"
        if params["guid"] not in self.by_comment_guid:  # "unique identifier to avoid repeated comments"
            self.by_comment_guid[params["guid"]] = new_id = next(self.comment_ids)
            self.comments.setdefault(post_id, []).insert(0, {
                "id": new_id, "from_id": OWNER, "post_id": post_id, "owner_id": OWNER,
                "date": int(self.now().timestamp()), "text": params["message"],
                "reply_to_comment": int(params.get("reply_to_comment") or 0)})
        return httpx.Response(200, json={"response": {"comment_id": self.by_comment_guid[params["guid"]],
                                                      "parents_stack": []}})

    def messages_send(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP) and int(params["peer_id"]) and params["message"]
        random_id = int(params["random_id"])
        assert 0 <= random_id < 2**31, "random_id is an int32"
        self.messages.setdefault(random_id, 58 + len(self.messages))  # the same random_id is the same message
        return httpx.Response(200, json={"response": self.messages[random_id]})

    def wall_get_by_id(self, params: dict[str, str]) -> httpx.Response:
        wanted = params["posts"].split(",")
        items = [post for post in self.wall if f"{post['owner_id']}_{post['id']}" in wanted]
        return httpx.Response(200, json={"response": {"items": items}})

    def get_callback_servers(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP)
        return httpx.Response(200, json={"response": {"count": len(self.servers), "items": self.servers}})

    def add_callback_server(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP) and len(params["title"]) <= 14 and len(params["secret_key"]) <= 50
        server = {"id": max([s["id"] for s in self.servers], default=2) + 1, "title": params["title"],
                  "creator_id": 1234567, "url": params["url"],
                  "secret_key": params["secret_key"], "status": "unconfigured"}
        self.servers.append(server)
        return httpx.Response(200, json={"response": {"server_id": server["id"]}})

    def edit_callback_server(self, params: dict[str, str]) -> httpx.Response:
        [server] = [server for server in self.servers if server["id"] == int(params["server_id"])]
        assert len(params["title"]) <= 14 and len(params["secret_key"]) <= 50
        server.update(url=params["url"], title=params["title"], secret_key=params["secret_key"])
        return httpx.Response(200, json=fixture("groups.setCallbackSettings")["body"])

    def set_callback_settings(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP) and any(s["id"] == int(params["server_id"]) for s in self.servers)
        self.callback_settings[int(params["server_id"])] = params
        return httpx.Response(200, json=fixture("groups.setCallbackSettings")["body"])

    def confirmation_code(self, params: dict[str, str]) -> httpx.Response:
        assert params["group_id"] == str(GROUP)
        return httpx.Response(200, json=fixture("groups.getCallbackConfirmationCode")["body"])

    def posts(self, method: str = "wall.post") -> list[dict[str, str]]:
        return [call.params for call in self.calls if call.method == method]


@contextmanager
def served(fake: FakeVK) -> Iterator[str]:
    """The fake VK API at a local address (its base for settings.STOA_NETWORK_URLS["vk"]["api"]), for the parts of
    Stoa that make their own HTTP client: the web app's connect flow and the push endpoint."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            content = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            request = httpx.Request("POST", f"https://api.vk.com{self.path}", content=content,
                                    headers={"content-type": self.headers.get("Content-Type", "")})
            response = fake.handle(request)
            self.send_response(response.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/method"
    finally:
        server.shutdown()
        server.server_close()


def connected(fake: FakeVK, handle: Callable[[httpx.Request], httpx.Response] | None = None) -> VKProvider:
    transport = httpx.MockTransport(handle or fake.handle)
    return VKProvider({"group_id": str(GROUP)}, {"access_token": TOKEN}, http=httpx.Client(transport=transport))


@pytest.fixture
def fake() -> FakeVK:
    return FakeVK()


# -- Connecting -----------------------------------------------------------------------------------


def test_connect_names_the_community_from_groups_get_by_id(fake):
    account = connected(fake).connect()
    assert (account.remote_id, account.name, account.url) == (
        str(GROUP), "Стоа · סטואה · ستوا", "https://vk.com/stoa_news")
    assert fake.posts("groups.getById") == [{"group_id": str(GROUP)}]


def test_connect_reads_the_older_answer_that_is_a_plain_list(fake):
    groups = fixture("groups.getById")["body"]["response"]["groups"]
    provider = connected(fake, lambda request: httpx.Response(200, json={"response": groups}))
    assert provider.connect().name == "Стоа · סטואה · ستوا"


def test_a_refused_key_at_connect_says_so_and_never_shows_the_key(fake):
    provider = VKProvider({"group_id": str(GROUP)}, {"access_token": "not-the-key"},
                          http=httpx.Client(transport=httpx.MockTransport(fake.handle)))
    with pytest.raises(ProviderError) as caught:
        provider.connect()
    assert caught.value.kind == ErrorKind.AUTHORIZATION and "not-the-key" not in caught.value.message


@pytest.mark.parametrize("group", ["", "stoa_news", "0", "-"])
def test_a_community_that_is_no_number_is_refused_before_any_request(fake, group):
    provider = VKProvider({"group_id": group}, {"access_token": TOKEN},
                          http=httpx.Client(transport=httpx.MockTransport(fake.handle)))
    with pytest.raises(ProviderError):
        provider.connect()
    assert fake.calls == []


# -- Publishing -----------------------------------------------------------------------------------


def test_publish_posts_to_the_community_wall_as_the_community_with_the_attempt_key_as_guid(fake):
    published = connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    assert fake.posts() == [{"owner_id": "-229101116", "from_group": "1", "message": TEXT, "guid": ATTEMPT.key}]
    assert published == Published("-229101116_318", "https://vk.com/wall-229101116_318", ("-229101116_318",))


def test_publishing_the_same_attempt_again_sends_the_same_guid_and_makes_one_post(fake):
    first = connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    again = connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    assert first == again and len(fake.wall) == 1
    assert [call["guid"] for call in fake.posts()] == [ATTEMPT.key, ATTEMPT.key]


def test_the_documented_answer_of_wall_post_is_read(fake):
    provider = connected(fake, lambda request: httpx.Response(200, json=fixture("wall.post")["body"]))
    assert provider.publish(Draft(text=TEXT), ATTEMPT).remote_id == "-229101116_318"


def test_an_answer_without_the_post_id_is_an_unknown_outcome(fake):
    provider = connected(fake, lambda request: httpx.Response(200, json={"response": {}}))
    with pytest.raises(ProviderError) as caught:
        provider.publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- Validation: 9000 UTF-16 units ----------------------------------------------------------------------

WRITING = {"russian": "Привет, мир! 🎉 ", "hebrew": "שלום עולם! 🎉 ", "arabic": "مرحبا بالعالم! 🎉 "}


def exactly(piece: str, length: int) -> str:
    """`piece` repeated, then cut to exactly `length` UTF-16 units without splitting an emoji."""
    text = ""
    while len((text + piece).encode("utf-16-le")) // 2 <= length:
        text += piece
    while len(text.encode("utf-16-le")) // 2 < length:
        text += "я"
    return text


@pytest.mark.parametrize("language", WRITING)
def test_a_text_of_exactly_9000_is_accepted_and_one_more_is_refused(fake, language):
    provider = connected(fake)
    text = exactly(WRITING[language], 9000)
    assert provider.text_length(text) == 9000 and "🎉" in text
    assert provider.validate(Draft(text=text)) == []
    refused = provider.validate(Draft(text=text + "!"))
    assert [problem.field for problem in refused] == ["text"] and "9000" in refused[0].message


def test_an_emoji_counts_two_as_utf16_does(fake):
    assert connected(fake).text_length("👩🏽‍💻") == 7  # woman, skin tone, joiner, laptop: 2 + 2 + 1 + 2


def test_a_draft_validate_refuses_is_never_sent(fake):
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text="ж" * 9001), ATTEMPT)
    assert caught.value.kind == ErrorKind.PERMANENT and fake.calls == []


# -- Errors: HTTP 200 with an error body ----------------------------------------------------------------

ERRORS = [  # code, kind when creating a post, words the person reads
    (5, ErrorKind.AUTHORIZATION, "Connect the community again"),
    (6, ErrorKind.RATE_LIMITED, "Too many requests per second"),
    (9, ErrorKind.RATE_LIMITED, "Flood control"),
    (29, ErrorKind.RATE_LIMITED, "Rate limit reached"),
    (10, ErrorKind.UNKNOWN_OUTCOME, "Internal server error"),
    (36, ErrorKind.UNKNOWN_OUTCOME, "timeout"),
    (14, ErrorKind.PERMANENT, "captcha"),
    (7, ErrorKind.PERMISSION, "'wall' right"),
    (15, ErrorKind.PERMISSION, "administrator or editor"),
    (214, ErrorKind.PERMISSION, "Access to adding post denied"),
    (100, ErrorKind.PERMANENT, "missing or invalid"),
    (222, ErrorKind.PERMANENT, "Hyperlinks are forbidden"),
    (25, ErrorKind.AUTHORIZATION, "Connect the community again"),
    (103, ErrorKind.RATE_LIMITED, "Out of limits"),
    (223, ErrorKind.RATE_LIMITED, "Too many replies"),
    (22, ErrorKind.PERMANENT, "change or remove it"),
    (129, ErrorKind.PERMANENT, "Invalid photo"),
]


@pytest.mark.parametrize(("code", "kind", "words"), ERRORS, ids=[str(code) for code, _k, _w in ERRORS])
def test_each_error_code_on_wall_post_maps_to_a_kind_with_a_clear_message(fake, code, kind, words):
    fake.failures["wall.post"] = [code]
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    error = caught.value
    assert error.kind == kind and words in error.message and f"(error {code})" in error.message
    assert TOKEN not in error.message
    if kind == ErrorKind.PERMISSION:
        assert error.missing_permission == "wall"


def test_too_many_requests_per_second_waits_a_second(fake):
    fake.failures["wall.post"] = [6]
    with pytest.raises(ProviderError) as caught:
        connected(fake).publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.retry_after == 1.0


class Budget:
    def __init__(self) -> None:
        self.waits: list[float | None] = []

    def spend(self, costs: Any) -> None:
        pass

    def rate_limited(self, retry_after: float | None) -> None:
        self.waits.append(retry_after)


@pytest.mark.parametrize(("code", "wait"), [(6, 1.0), (9, None)])
def test_a_rate_limit_answered_with_http_200_makes_the_whole_channel_wait(fake, code, wait):
    fake.failures["wall.post"] = [code]
    provider = connected(fake)
    provider.budget = budget = Budget()
    with pytest.raises(ProviderError):
        provider.publish(Draft(text=TEXT), ATTEMPT)
    assert budget.waits == [wait]


@pytest.mark.parametrize("code", [10, 36, 1])
def test_an_internal_error_is_unknown_only_where_something_may_have_been_created(fake, code):
    fake.failures["wall.get"] = [code]
    with pytest.raises(ProviderError) as caught:
        connected(fake).reconcile(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.TRANSIENT


def test_an_answer_with_neither_response_nor_error_is_unknown_when_posting(fake):
    provider = connected(fake, lambda request: httpx.Response(200, json={"ok": True}))
    with pytest.raises(ProviderError) as caught:
        provider.publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- Reconcile: the attempt's own post, never another ----------------------------------------------------


def test_reconcile_finds_the_attempts_post_in_the_documented_wall_and_not_a_members_post_with_the_same_text(fake):
    provider = connected(fake, lambda request: httpx.Response(200, json=fixture("wall.get")["body"]))
    found = provider.reconcile(Draft(text=TEXT), ATTEMPT)
    assert found is not None and found.remote_id == "-229101116_318"  # 319 is a member's, 320 pinned and older


def test_reconcile_never_takes_the_communitys_post_of_the_same_text_from_another_time(fake):
    fake.add(TEXT, at=STARTED - timedelta(minutes=30))
    fake.add(TEXT, at=STARTED + timedelta(minutes=30))
    fake.add(TEXT, from_id=743784474, at=STARTED + timedelta(seconds=20))  # a member wrote the same words
    fake.add(TEXT + " ", at=STARTED + timedelta(seconds=20))  # not exactly the text
    assert connected(fake).reconcile(Draft(text=TEXT), ATTEMPT) is None


def test_reconcile_finds_the_post_after_a_lost_answer(fake):
    def lost(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("wall.post"):
            fake.handle(request)
            raise httpx.ReadTimeout("timed out", request=request)
        return fake.handle(request)

    fake.now = lambda: STARTED + timedelta(seconds=3)
    with pytest.raises(ProviderError) as caught:
        connected(fake, lost).publish(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    found = connected(fake).reconcile(Draft(text=TEXT), ATTEMPT)
    assert found is not None and found.remote_id == f"{OWNER}_{fake.wall[0]['id']}"


def test_two_posts_of_the_text_in_the_attempts_minutes_are_not_guessed_between(fake):
    fake.add(TEXT, at=STARTED + timedelta(seconds=2))
    fake.add(TEXT, at=STARTED + timedelta(seconds=40))
    with pytest.raises(ProviderError) as caught:
        connected(fake).reconcile(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


def test_reconcile_reads_back_page_by_page_and_stops_once_past_the_attempt(fake):
    fake.add(TEXT, at=STARTED + timedelta(seconds=2))
    for n in range(150):
        fake.add(f"Later post {n}", at=STARTED + timedelta(minutes=10, seconds=n))
    found = connected(fake).reconcile(Draft(text=TEXT), ATTEMPT)
    assert found is not None
    assert [(call["offset"], call["count"]) for call in fake.posts("wall.get")] == [("0", "100"), ("100", "100")]


def test_a_wall_too_busy_to_read_back_says_it_cannot_tell(fake):
    for n in range(301):
        fake.add(f"Later post {n}", at=STARTED + timedelta(minutes=10))
    with pytest.raises(ProviderError) as caught:
        connected(fake).reconcile(Draft(text=TEXT), ATTEMPT)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME and len(fake.posts("wall.get")) == 3


# -- Deleting -------------------------------------------------------------------------------------------


def test_delete_sends_wall_delete_for_the_post(fake):
    post = fake.add(TEXT)
    connected(fake).delete(Published(f"{OWNER}_{post['id']}", ""))
    assert fake.posts("wall.delete") == [{"owner_id": str(OWNER), "post_id": str(post["id"])}]
    assert fake.wall == []


def test_deleting_a_post_that_is_gone_is_done(fake):
    connected(fake).delete(Published(f"{OWNER}_999", ""))
    assert fake.posts("wall.delete") == [{"owner_id": str(OWNER), "post_id": "999"}]


def test_a_post_of_another_wall_is_never_deleted(fake):
    with pytest.raises(ProviderError) as caught:
        connected(fake).delete(Published("-1_5", ""))
    assert caught.value.kind == ErrorKind.PERMANENT and fake.calls == []
