"""Facebook Pages, against a fake Graph API that checks each request as Meta documents it and answers as the fixtures
in tests/providers/fixtures/facebook show (each names its page)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from stoa.providers import oauth2
from stoa.providers.base import Attempt, Draft, ErrorKind, MediaFile, ProviderError, Published, ReplyTo
from stoa.providers.facebook.provider import PAGE_TOKEN, SCOPES, FacebookProvider
from stoa.providers.meta.graph import GRAPH_VERSION
from stoa.providers.meta.webhooks import SIGNATURE_HEADER, signature
from tests.providers.test_telegram import png

FIXTURES = Path(__file__).parent / "fixtures" / "facebook"
META = Path(__file__).parent / "fixtures" / "meta"
PAGE = "112233445566778"
PAGE_TOKEN_VALUE = "EAAPageTokenCafe0123456789abcdef"
USER_TOKEN = "EAALongLivedUserToken0123456789"
APP = oauth2.ClientApp("1234567890", "app-secret-0123456789")
CODE = "AQDcode-from-the-dialog"
STARTED = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
ATTEMPT = Attempt(key="attempt-key-1", started_at=STARTED, publication_id=1)
TEXT = "Привет! שלום · مرحبا 👩🏽‍💻"
CONNECTED = ({"page_id": PAGE, "account_id": PAGE, oauth2.CLIENT_ID: APP.client_id},
             {PAGE_TOKEN: PAGE_TOKEN_VALUE, oauth2.ACCESS: USER_TOKEN, oauth2.CLIENT_SECRET: APP.client_secret})


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def graph_error(name: str) -> httpx.Response:
    """An error answer from fixtures/meta/errors.json (the error-handling page's shape)."""
    case = json.loads((META / "errors.json").read_text(encoding="utf-8"))["errors"][name]
    return httpx.Response(case["status"], json=case["body"], headers=case.get("headers", {}))


def gone() -> httpx.Response:
    return httpx.Response(404, json={"error": {"message": "(#100) Object does not exist, cannot be loaded due to "
                                                          "missing permissions, or does not support this operation",
                                               "type": "GraphMethodException", "code": 100, "error_subcode": 33,
                                               "fbtrace_id": "GoneTrace1"}})


def graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Call:
    method: str
    path: str  # without the version
    params: dict[str, str]  # the query, or the form body of a POST, without the token
    json: dict[str, Any] | None = None


@dataclass
class FakeFacebook:
    """The Graph API for the calls Stoa makes, one Page kept in memory. Every request goes to graph.facebook.com
    under the pinned version; the token comes in a POST's form body or an Authorization header, never in the URL
    (except the token endpoint's GET, as documented)."""

    now: Callable[[], datetime] = lambda: STARTED + timedelta(seconds=5)
    calls: list[Call] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)  # the Page's posts, newest first
    unpublished: dict[str, dict[str, str]] = field(default_factory=dict)  # photos uploaded with published=false
    ids: itertools.count = field(default_factory=lambda: itertools.count(900000000000101))
    codes: set[str] = field(default_factory=lambda: {CODE})
    failures: dict[str, list[httpx.Response]] = field(default_factory=dict)  # "METHOD path" -> answers, in turn
    hidden: set[str] = field(default_factory=set)

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "graph.facebook.com", f"unexpected {request.url}"
        prefix = f"/{GRAPH_VERSION}/"
        assert request.url.path.startswith(prefix), f"not the pinned version: {request.url}"
        path = request.url.path.removeprefix(prefix)
        request.read()
        if path == "oauth/access_token":
            return self.token(request)
        token, params, body = self.credentials(request)
        self.calls.append(Call(request.method, path, params, body))
        if answers := self.failures.get(f"{request.method} {path}"):
            return answers.pop(0)
        if path == "me/accounts":
            assert token == USER_TOKEN, "the Pages are listed with the user's token"
            return httpx.Response(200, json=fixture("accounts"))
        if token != PAGE_TOKEN_VALUE:
            return graph_error("invalid_token")
        return self.route(request.method, path, params, body)

    def credentials(self, request: httpx.Request) -> tuple[str, dict[str, str], dict[str, Any] | None]:
        assert "access_token" not in request.url.params, "the token never goes in the URL"
        params = dict(request.url.params)
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and content_type == "application/x-www-form-urlencoded":
            form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
            return form.pop("access_token"), params | form, None
        if request.method == "POST" and content_type.startswith("multipart/form-data"):
            form = multipart_fields(request)
            return form.pop("access_token"), params | form, None
        authorization = request.headers.get("authorization", "")
        assert authorization.startswith("Bearer "), "GET and JSON requests carry the token in a header"
        body = json.loads(request.content) if content_type == "application/json" else None
        return authorization.removeprefix("Bearer "), params, body

    def token(self, request: httpx.Request) -> httpx.Response:
        """GET /oauth/access_token, as the manual flow and the long-lived token pages show it."""
        assert request.method == "GET"
        params = dict(request.url.params)
        assert (params.get("client_id"), params.get("client_secret")) == (APP.client_id, APP.client_secret)
        self.calls.append(Call("GET", "oauth/access_token", params))
        if params.get("grant_type") == "fb_exchange_token":
            assert params["fb_exchange_token"] == fixture("token")["short"]["access_token"]
            return httpx.Response(200, json=fixture("token")["long_lived"])
        assert params.keys() == {"client_id", "redirect_uri", "client_secret", "code", "code_verifier"}
        if params["code"] not in self.codes:
            return httpx.Response(400, json=fixture("token")["code_used"])
        self.codes.discard(params["code"])
        return httpx.Response(200, json=fixture("token")["short"])

    def route(self, method: str, path: str, params: dict[str, str], body: dict[str, Any] | None) -> httpx.Response:
        parts = path.split("/")
        if method == "POST" and parts == [PAGE, "feed"]:
            return self.create_post(params)
        if method == "POST" and parts == [PAGE, "photos"]:
            return self.upload_photo(params)
        if method == "POST" and parts == [PAGE, "videos"]:
            return self.upload_video(params)
        if method == "POST" and parts == [PAGE, "subscribed_apps"]:
            assert params == {"subscribed_fields": "feed,messages"}
            return httpx.Response(200, json={"success": True})
        if method == "POST" and parts == [PAGE, "messages"]:
            return self.send_message(body or {})
        if method == "GET" and parts == [PAGE, "published_posts"]:
            return self.published_posts(params)
        if method == "GET" and parts in ([PAGE, "tagged"], [PAGE, "conversations"]):
            assert parts[1] == "tagged" or params["platform"] == "messenger"
            return httpx.Response(200, json=fixture(parts[1]))
        if method == "GET" and parts == [PAGE]:
            return httpx.Response(200, json=fixture("page")["followers" if params["fields"] == "followers_count"
                                                          else "page"])
        if method == "POST" and len(parts) == 2 and parts[1] == "comments":
            assert params["message"]
            return httpx.Response(200, json={"id": f"{parts[0].split('_')[0]}_{next(self.ids)}"})
        if method == "POST" and len(parts) == 1:
            assert params == {"is_hidden": "true"}, "hiding sets is_hidden; nothing else is ever changed"
            self.hidden.add(parts[0])
            return httpx.Response(200, json={"success": True})
        if method == "GET" and len(parts) == 1:
            return self.counts(parts[0], params)
        if method == "DELETE" and len(parts) == 1:
            return self.delete(parts[0])
        raise AssertionError(f"Stoa called {method} {path}, which this fake does not know")

    def add(self, message: str, at: datetime | None = None, **more: Any) -> dict[str, Any]:
        post = {"id": f"{PAGE}_{next(self.ids)}", "message": message, "created_time": graph_time(at or self.now()),
                **more}
        self.posts.insert(0, post)
        return post

    def create_post(self, params: dict[str, str]) -> httpx.Response:
        attached = [json.loads(value)["media_fbid"] for name, value in sorted(params.items())
                    if name.startswith("attached_media[")]
        assert all(photo in self.unpublished for photo in attached), "attached_media names unpublished photos"
        assert set(params) - {"message", "link"} == {f"attached_media[{n}]" for n in range(len(attached))}
        post = self.add(params.get("message", ""), link=params.get("link"),
                        photos=[self.unpublished.pop(photo) for photo in attached])
        return httpx.Response(200, json={"id": post["id"]})

    def upload_photo(self, params: dict[str, str]) -> httpx.Response:
        assert params.get("url", "https://").startswith("https://"), "Facebook fetches a photo from a public address"
        assert ("url" in params) != ("source" in params), "a photo comes from an address or as a file, not both"
        photo_id = str(next(self.ids))
        if params.get("published") == "false":
            assert "caption" not in params
            self.unpublished[photo_id] = params
            return httpx.Response(200, json={"id": photo_id})
        post = self.add(params.get("caption", ""), photos=[params])
        return httpx.Response(200, json={"id": photo_id, "post_id": post["id"]})

    def upload_video(self, params: dict[str, str]) -> httpx.Response:
        assert params["file_url"].startswith("https://") and set(params) == {"file_url", "description"}
        video_id = str(next(self.ids))
        self.add(params["description"], video=video_id)
        return httpx.Response(200, json={"id": video_id})

    def send_message(self, body: dict[str, Any]) -> httpx.Response:
        assert body["messaging_type"] == "RESPONSE" and body["recipient"]["id"] and body["message"]["text"]
        return httpx.Response(200, json={"recipient_id": body["recipient"]["id"], "message_id": "m_Sent1"})

    def published_posts(self, params: dict[str, str]) -> httpx.Response:
        if "comments.filter(stream)" in params["fields"]:
            return httpx.Response(200, json=fixture("published_posts"))
        assert params["fields"].startswith("id,message,created_time")
        since = datetime.fromtimestamp(int(params["since"]), UTC) if "since" in params else None
        counts = fixture("counts")["shared"] if "reactions.summary(total_count)" in params["fields"] else {}
        posts = [{k: v for k, v in post.items() if k in ("id", "message", "created_time")} | counts | {"id": post["id"]}
                 for post in self.posts
                 if since is None or datetime.strptime(post["created_time"], "%Y-%m-%dT%H:%M:%S%z") >= since]
        return httpx.Response(200, json={"data": posts[:int(params.get("limit", 25))]})

    def counts(self, object_id: str, params: dict[str, str]) -> httpx.Response:
        assert params["fields"].startswith("shares,reactions.summary(total_count)")
        counts = fixture("counts")
        return httpx.Response(200, json=counts["unshared" if object_id.endswith("2") else "shared"])

    def delete(self, object_id: str) -> httpx.Response:
        found = [post for post in self.posts if post["id"] == object_id or post.get("video") == object_id]
        if not found:
            return gone()
        self.posts.remove(found[0])
        return httpx.Response(200, json={"success": True})

    def every(self, method: str, path: str) -> list[Call]:
        return [call for call in self.calls if (call.method, call.path) == (method, path)]


def multipart_fields(request: httpx.Request) -> dict[str, str]:
    """A multipart body's fields; a file becomes "<file name> (<type>, <size> bytes)"."""
    message = BytesParser(policy=default).parsebytes(
        f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + request.content)
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        fields[str(name)] = (f"{filename} ({part.get_content_type()}, {len(content)} bytes)" if filename
                             else content.decode())
    return fields


def connected(fake: FakeFacebook) -> FacebookProvider:
    return FacebookProvider(*CONNECTED, http=httpx.Client(transport=httpx.MockTransport(fake.handle)))


def acting_as_app(fake: FakeFacebook) -> FacebookProvider:
    return FacebookProvider(APP.config(), APP.credentials(), http=httpx.Client(transport=httpx.MockTransport(
        fake.handle)))


def photo(name: str = "poster.png", alt: str = "כרזה · ملصق") -> MediaFile:
    data = png(2, 2)
    return MediaFile(name, "image/png", len(data), alt, lambda: data,
                     public_url=lambda: f"https://stoa.example/m/1/1782900000/sig/{name}")


def video() -> MediaFile:
    return MediaFile("clip.mp4", "video/mp4", 5_000_000, "", lambda: b"",
                     public_url=lambda: "https://stoa.example/m/2/1782900000/sig/clip.mp4")


@pytest.fixture
def fake(settings) -> FakeFacebook:
    settings.STOA_PUBLIC_BASE_URL = "https://stoa.example"
    return FakeFacebook()


# -- Connecting ------------------------------------------------------------------------------------------------


def test_the_login_dialog_asks_for_a_code_with_pkce_and_the_page_permissions(fake):
    url = acting_as_app(fake).authorize_url("https://stoa.example/cb/", "st4te", "challenge")
    assert url.startswith(f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth?")
    query = {name: values[0] for name, values in parse_qs(url.split("?", 1)[1]).items()}
    assert query == {"response_type": "code", "client_id": APP.client_id, "redirect_uri": "https://stoa.example/cb/",
                     "state": "st4te", "code_challenge": "challenge", "code_challenge_method": "S256",
                     "scope": " ".join(SCOPES)}


def test_the_code_becomes_a_long_lived_user_token_without_expiry(fake):
    grant = acting_as_app(fake).exchange(CODE, "https://stoa.example/cb/", "verifier-" * 6)
    assert grant.access == USER_TOKEN and grant.refresh == "" and grant.expires_at is None
    code, long_lived = fake.every("GET", "oauth/access_token")
    assert code.params == {"client_id": APP.client_id, "redirect_uri": "https://stoa.example/cb/",
                           "client_secret": APP.client_secret, "code": CODE, "code_verifier": "verifier-" * 6}
    assert long_lived.params["grant_type"] == "fb_exchange_token"


def test_a_code_used_twice_is_refused_as_authorization_without_the_secret(fake):
    acting_as_app(fake).exchange(CODE, "https://stoa.example/cb/", "v" * 43)
    error = pytest.raises(ProviderError, acting_as_app(fake).exchange, CODE, "https://stoa.example/cb/",
                          "v" * 43).value
    assert error.kind == ErrorKind.AUTHORIZATION and not error.access_refused
    assert APP.client_secret not in error.message and "has been used" in error.message


def test_each_page_the_person_can_post_on_or_moderate_becomes_a_target_with_its_own_token(fake):
    targets = acting_as_app(fake).targets(oauth2.Grant(USER_TOKEN))
    assert [(t.remote_id, t.name) for t in targets] == [("112233445566778", "Stoa Café · קפה"),
                                                        ("223344556677889", "مقهى ستوا")]
    cafe = targets[0]
    assert cafe.url == "https://www.facebook.com/stoacafe" and cafe.settings["page_id"] == PAGE
    assert cafe.settings[oauth2.TARGET_CREDENTIALS] == {PAGE_TOKEN: PAGE_TOKEN_VALUE}
    assert oauth2.ACCESS not in cafe.settings


def test_a_wrong_app_secret_is_refused_as_authorization_and_never_named():
    wrong = FacebookProvider(APP.config(), {oauth2.CLIENT_SECRET: "not-the-secret"},
                             http=httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(400, json={
                                 "error": {"message": "Error validating client secret.", "type": "OAuthException",
                                           "code": 1, "fbtrace_id": "SecretTrace1"}}))))
    error = pytest.raises(ProviderError, wrong.exchange, CODE, "https://stoa.example/cb/", "v" * 43).value
    assert error.kind == ErrorKind.AUTHORIZATION and "not-the-secret" not in error.message


def test_a_page_token_has_no_refresh(fake):
    error = pytest.raises(ProviderError, connected(fake).refresh, oauth2.Grant(USER_TOKEN)).value
    assert error.kind == ErrorKind.AUTHORIZATION


def test_connect_reads_the_page_with_its_token(fake):
    account = connected(fake).connect()
    assert (account.remote_id, account.name, account.url) == (PAGE, "Stoa Café · קפה",
                                                               "https://www.facebook.com/stoacafe")


def test_a_revoked_page_token_asks_for_reconnecting(fake):
    fake.failures[f"GET {PAGE}"] = [graph_error("password_changed")]
    error = pytest.raises(ProviderError, connected(fake).connect).value
    assert error.kind == ErrorKind.AUTHORIZATION and PAGE_TOKEN_VALUE not in error.message


# -- Publishing --------------------------------------------------------------------------------------------------


def test_text_is_posted_to_the_page_feed(fake):
    published = connected(fake).publish(Draft(TEXT), ATTEMPT)
    [post] = fake.posts
    assert published == Published(post["id"], f"https://www.facebook.com/{post['id']}", (post["id"],))
    assert fake.every("POST", f"{PAGE}/feed")[0].params == {"message": TEXT}


def test_a_link_goes_with_the_text(fake):
    connected(fake).publish(Draft(TEXT, options={"link": "https://stoa.example/menu"}), ATTEMPT)
    assert fake.every("POST", f"{PAGE}/feed")[0].params == {"message": TEXT, "link": "https://stoa.example/menu"}


def test_one_photo_is_posted_from_its_public_address_with_the_text_as_caption(fake):
    published = connected(fake).publish(Draft(TEXT, media=(photo(),)), ATTEMPT)
    [upload] = fake.every("POST", f"{PAGE}/photos")
    assert upload.params == {"url": "https://stoa.example/m/1/1782900000/sig/poster.png", "caption": TEXT,
                             "alt_text_custom": "כרזה · ملصق"}
    assert published.remote_id == fake.posts[0]["id"]


def test_several_photos_are_uploaded_unpublished_then_attached_to_one_post(fake):
    connected(fake).publish(Draft(TEXT, media=(photo("a.png"), photo("b.png"), photo("c.png"))), ATTEMPT)
    uploads = fake.every("POST", f"{PAGE}/photos")
    assert [call.params["published"] for call in uploads] == ["false"] * 3
    [post] = fake.posts
    assert post["message"] == TEXT and [p["url"].rsplit("/", 1)[1] for p in post["photos"]] == ["a.png", "b.png",
                                                                                                  "c.png"]


def test_a_video_is_posted_from_its_public_address(fake):
    published = connected(fake).publish(Draft(TEXT, media=(video(),)), ATTEMPT)
    [upload] = fake.every("POST", f"{PAGE}/videos")
    assert upload.params == {"file_url": "https://stoa.example/m/2/1782900000/sig/clip.mp4", "description": TEXT}
    assert published.url == f"https://www.facebook.com/{PAGE}/videos/{published.remote_id}"


def test_a_video_goes_alone_and_a_link_only_without_media(fake):
    provider = connected(fake)
    assert [p.field for p in provider.validate(Draft(TEXT, media=(video(), photo())))] == ["media"]
    assert [p.field for p in provider.validate(Draft(TEXT, media=(photo(),), options={"link": "https://x.example"}))
            ] == ["options.link"]
    assert [p.field for p in provider.validate(Draft(TEXT, options={"link": "javascript:alert(1)"}))] == [
        "options.link"]
    big = MediaFile("big.png", "image/png", 11 * 1024 * 1024, "", lambda: b"", public_url=lambda: "https://x/")
    assert [p.field for p in provider.validate(Draft(TEXT, media=(big,)))] == ["media"]
    assert fake.calls == []


def test_a_photo_given_as_bytes_alone_is_uploaded_as_a_file(fake):
    data = png(2, 2)
    connected(fake).publish(Draft(TEXT, media=(MediaFile("p.png", "image/png", len(data), "", lambda: data),)),
                            ATTEMPT)
    [upload] = fake.every("POST", f"{PAGE}/photos")
    assert upload.params == {"source": f"p.png (image/png, {len(data)} bytes)", "caption": TEXT}


def test_without_a_public_address_a_video_is_refused_before_anything_is_sent(fake, settings):
    settings.STOA_PUBLIC_BASE_URL = ""
    provider = connected(fake)
    assert [p.field for p in provider.validate(Draft(TEXT, media=(video(),)))] == ["media"]
    assert pytest.raises(ProviderError, provider.publish, Draft(TEXT, media=(video(),)), ATTEMPT).value.kind == (
        ErrorKind.PERMANENT)
    assert fake.calls == []


def test_without_a_public_address_a_photo_is_uploaded_as_a_file(fake, settings):
    settings.STOA_PUBLIC_BASE_URL = ""
    item = photo("p.png")
    connected(fake).publish(Draft(TEXT, media=(item,)), ATTEMPT)
    [upload] = fake.every("POST", f"{PAGE}/photos")
    assert upload.params["source"] == f"p.png (image/png, {item.size} bytes)" and "url" not in upload.params


def test_a_lost_answer_is_found_again_by_reading_the_page_back(fake):
    def lost(request: httpx.Request) -> httpx.Response:
        answer = fake.handle(request)
        if request.method == "POST":  # Facebook made the post; its answer never came back
            raise httpx.ReadTimeout("timed out", request=request)
        return answer

    provider = FacebookProvider(*CONNECTED, http=httpx.Client(transport=httpx.MockTransport(lost)))
    error = pytest.raises(ProviderError, provider.publish, Draft(TEXT), ATTEMPT).value
    assert error.kind == ErrorKind.UNKNOWN_OUTCOME
    found = connected(fake).reconcile(Draft(TEXT), ATTEMPT)
    assert found is not None and found.remote_id == fake.posts[0]["id"]
    [read] = [call for call in fake.every("GET", f"{PAGE}/published_posts")][-1:]
    assert read.params["since"] == str(int((STARTED - timedelta(minutes=1)).timestamp()))


def test_reconcile_takes_no_post_of_another_time_or_text_and_never_guesses_between_two(fake):
    fake.add(TEXT, at=STARTED - timedelta(minutes=30))
    fake.add("Another text", at=STARTED + timedelta(seconds=10))
    assert connected(fake).reconcile(Draft(TEXT), ATTEMPT) is None
    fake.add(TEXT, at=STARTED + timedelta(seconds=20))
    fake.add(TEXT, at=STARTED + timedelta(seconds=30))
    assert pytest.raises(ProviderError, connected(fake).reconcile, Draft(TEXT), ATTEMPT).value.kind == (
        ErrorKind.UNKNOWN_OUTCOME)


def test_the_same_attempt_sent_again_finds_its_post_instead_of_posting_twice(fake):
    first = connected(fake).publish(Draft(TEXT), ATTEMPT)
    again = connected(fake).publish(Draft(TEXT), ATTEMPT)
    assert again == first and len(fake.posts) == 1


def test_delete_removes_the_post_and_a_post_gone_already_is_done(fake):
    post = fake.add("An older post")
    connected(fake).delete(Published(post["id"], "", (post["id"],)))
    assert fake.posts == []
    connected(fake).delete(Published(post["id"], "", (post["id"],)))


@pytest.mark.parametrize("name, kind", [("pages_rate_limit", ErrorKind.RATE_LIMITED),
                                        ("needs_permission", ErrorKind.PERMISSION),
                                        ("duplicate", ErrorKind.PERMANENT), ("media_refused", ErrorKind.PERMANENT),
                                        ("unknown", ErrorKind.UNKNOWN_OUTCOME), ("expired", ErrorKind.AUTHORIZATION)])
def test_publishing_errors_are_said_in_their_kind(fake, name, kind):
    fake.failures[f"POST {PAGE}/feed"] = [graph_error(name)]
    error = pytest.raises(ProviderError, connected(fake).publish, Draft(TEXT), ATTEMPT).value
    assert error.kind == kind and PAGE_TOKEN_VALUE not in error.message


# -- The inbox ---------------------------------------------------------------------------------------------------


def test_comments_and_mentions_are_read_oldest_first_without_the_pages_own(fake):
    page = connected(fake).fetch_inbox("")
    assert [(item.kind, item.author.name) for item in page.items] == [
        ("comment", "Omar Haddad"), ("comment", "Yael Cohen"), ("mention", "Nikos Papadopoulos")]
    first = page.items[0]
    assert first.root_remote_id == first.parent_remote_id == "112233445566778_900000000000001"
    assert page.items[1].parent_remote_id == "900000000000001_700000000000001"
    assert first.written_at == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    assert page.cursor == str(int(datetime(2026, 7, 1, 8, 45, tzinfo=UTC).timestamp()))
    [comments] = [call.params for call in fake.every("GET", f"{PAGE}/published_posts")]
    assert "comments.filter(stream).order(reverse_chronological)" in comments["fields"]
    again = connected(fake).fetch_inbox(page.cursor)
    assert [item.kind for item in again.items] == ["mention"]  # only what is as new as the cursor


def test_messenger_messages_are_read_without_the_pages_own_answers(fake):
    page = connected(fake).fetch_messages("")
    [message] = page.items
    assert (message.kind, message.text, message.author.remote_id, message.root_remote_id) == (
        "message", "Привет! Do you deliver to Haifa?", "24680000000000001", "t_10160000000000001")


# -- Webhooks ----------------------------------------------------------------------------------------------------


def test_a_pushed_comment_becomes_an_incoming_comment_and_a_reaction_nothing():
    body = fixture("webhooks")["feed"]
    raw = json.dumps(body).encode()
    assert FacebookProvider.signature_valid({SIGNATURE_HEADER: signature(raw, "s")}, raw, "s")
    parts = FacebookProvider.accounts_in(body)
    assert list(parts) == [PAGE]
    [comment] = FacebookProvider(*CONNECTED).pushed(parts[PAGE]).items
    assert (comment.kind, comment.text, comment.remote_id) == ("comment", "Pushed · נשלח",
                                                               "900000000000001_700000000000009")
    assert comment.written_at == datetime(2026, 7, 1, 9, 5, tzinfo=UTC)


def test_a_pushed_message_becomes_an_incoming_message_and_an_echo_nothing():
    parts = FacebookProvider.accounts_in(fixture("webhooks")["messaging"])
    [message] = FacebookProvider(*CONNECTED).pushed(parts[PAGE]).items
    assert (message.kind, message.remote_id, message.author.remote_id) == ("message", "m_Pushed1",
                                                                           "24680000000000001")


def test_the_page_is_subscribed_to_the_apps_webhook_for_its_feed_and_messages(fake):
    connected(fake).subscribe()
    assert [call.params for call in fake.every("POST", f"{PAGE}/subscribed_apps")] == [
        {"subscribed_fields": "feed,messages"}]


def test_a_call_of_another_object_is_refused():
    assert pytest.raises(ProviderError, FacebookProvider.accounts_in, {"object": "instagram", "entry": []}
                         ).value.kind == ErrorKind.PERMANENT


# -- Replies and hiding -------------------------------------------------------------------------------------------


def test_a_comment_is_answered_under_it_and_hidden_never_deleted(fake):
    comment = ReplyTo("900000000000001_700000000000001", "comment", "112233445566778_900000000000001")
    reply = connected(fake).reply(comment, "Yes · نعم")
    assert reply.remote_id.startswith("900000000000001_")
    assert fake.every("POST", f"{comment.remote_id}/comments")[0].params == {"message": "Yes · نعم"}
    connected(fake).hide(comment)
    assert fake.hidden == {comment.remote_id} and not [call for call in fake.calls if call.method == "DELETE"]


def test_a_message_is_answered_through_messenger_as_a_response(fake):
    sent = connected(fake).reply(ReplyTo("m_AbCdEf1", "message", author_id="24680000000000001"), "We do!")
    assert sent.remote_id == "m_Sent1"
    [call] = fake.every("POST", f"{PAGE}/messages")
    assert call.json == {"recipient": {"id": "24680000000000001"}, "messaging_type": "RESPONSE",
                         "message": {"text": "We do!"}}


def test_an_answer_after_the_24_hour_window_is_said_so(fake):
    fake.failures[f"POST {PAGE}/messages"] = [httpx.Response(400, json={"error": {
        "message": "(#10) This message is sent outside of allowed window.", "type": "OAuthException", "code": 10,
        "error_subcode": 2018278, "fbtrace_id": "WinTrace1"}})]
    error = pytest.raises(ProviderError, connected(fake).reply,
                          ReplyTo("m_AbCdEf1", "message", author_id="24680000000000001"), "Late").value
    assert error.kind == ErrorKind.PERMANENT and "24 hours" in error.message


# -- Counts ------------------------------------------------------------------------------------------------------


def test_post_counts_are_reactions_shares_and_comments(fake):
    points = connected(fake).metrics(Published("112233445566778_900000000000001", ""))
    assert [(p.name, p.value) for p in points] == [("likes", 37), ("reposts", 4), ("replies", 3)]
    unshared = connected(fake).metrics(Published("112233445566778_900000000000002", ""))
    assert [(p.name, p.value) for p in unshared] == [("likes", 0), ("reposts", 0), ("replies", 0)]


def test_the_page_counts_its_followers(fake):
    [followers] = connected(fake).account_counts()
    assert (followers.name, followers.value) == ("followers", 1874) and followers.measured_at.tzinfo


def test_recent_posts_come_newest_first_with_their_counts(fake):
    older = fake.add("Older", at=STARTED - timedelta(days=2))
    newer = fake.add("Newer", at=STARTED - timedelta(days=1))
    recent = connected(fake).recent_posts(10)
    assert [post.published.remote_id for post in recent] == [newer["id"], older["id"]]
    assert recent[0].published_at == STARTED - timedelta(days=1)
    assert [(p.name, p.value) for p in recent[0].metrics] == [("likes", 37), ("reposts", 4), ("replies", 3)]
