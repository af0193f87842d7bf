"""What the contract suite (test_contract.py) needs to know of each network: how to build its provider against an
in-process fake of the network, which requests create something, what the network's own error answer looks like,
and what it received. A new provider adds a Harness here (HARNESSES) and is then held to the whole contract.

The fakes are the ones each provider's own tests use (FakeMastodon, FakeBotAPI: both check every request against
the documentation) and, for Bluesky, whose own tests run against a real local PDS, a small in-memory PDS that keeps
records by key and refuses what the lexicon refuses.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx

from stoa.providers.base import Attempt, Draft, MediaFile, Provider, Published, ReplyTo, count_graphemes
from stoa.providers.meta.webhooks import SIGNATURE_HEADER, signature
from stoa.providers.oauth2 import ClientApp
from stoa.providers.registry import get_provider_class
from stoa.testing.oauth_network import PAGES
from tests.providers import test_mastodon as mastodon
from tests.providers import test_telegram as telegram
from tests.providers import test_vk as vk
from tests.providers.test_telegram import png

STARTED = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
PUBLIC_BASE = "https://stoa.example"  # STOA_PUBLIC_BASE_URL in the contract suite, for the networks that fetch media
Handler = Callable[[httpx.Request], httpx.Response]
# A fault replaces one request's answer; it gets the request and the fake, which it may let carry the request out.
Fault = Callable[[httpx.Request, Handler], httpx.Response]
HarnessFault = Callable[[httpx.Request, Handler, "Harness"], httpx.Response]


@dataclass(frozen=True)
class Sent:
    """What a network received for one post: its text as readers see it and the media's descriptions
    (None where the network keeps none)."""

    text: str
    alt_texts: tuple[str | None, ...] = ()


class Faulty:
    """A fake network's handler with one fault waiting for the first request it matches."""

    def __init__(self, handle: Handler):
        self.handle = handle
        self.fault: Fault | None = None
        self.matches: Callable[[httpx.Request], bool] = lambda request: True
        self.fired = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.fault is not None and self.matches(request):
            fault, self.fault, self.fired = self.fault, None, True
            return fault(request, self.handle)
        return self.handle(request)


class Harness:
    """One network, faked in-process. Subclasses fill in the network's particulars."""

    key: ClassVar[str]
    # False where the network's API cannot take a post down (Instagram Login): delete() refuses PERMANENT and sends
    # nothing (test_a_network_that_cannot_delete_says_so_sending_nothing); the delete operation's tests skip it.
    deletes: ClassVar[bool] = True

    def __init__(self) -> None:
        self.now = STARTED + timedelta(seconds=1)
        self.faulty = Faulty(self.handle)

    def provider(self) -> Provider:
        """The registered provider, connected to the fake network."""
        return get_provider_class(self.key)(*self.connected(), http=self.client())

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """A connected channel's config and credentials."""
        raise NotImplementedError

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.faulty))

    def handle(self, request: httpx.Request) -> httpx.Response:
        raise NotImplementedError

    def inject(self, fault: HarnessFault, *, on_creating: bool) -> None:
        """The next request (or the next one that may create something) gets `fault` as its answer."""
        self.faulty.fault, self.faulty.fired = (lambda request, handle: fault(request, handle, self)), False
        self.faulty.matches = self.creates if on_creating else (lambda request: True)

    def creates(self, request: httpx.Request) -> bool:
        """Whether the request may create something on the network (a post, a reply, a message)."""
        raise NotImplementedError

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        """An error answer in the network's own shape."""
        raise NotImplementedError

    def sent(self) -> list[Sent]:
        """Every post the network received, oldest first."""
        raise NotImplementedError

    def posts(self) -> list[str]:
        """The ids of the posts on the network now."""
        raise NotImplementedError

    def published_post(self) -> Published:
        """A post on the network, for delete()."""
        raise NotImplementedError

    def message(self, kind: str) -> ReplyTo:
        """A message to the brand on the network (a comment under its post, or a direct message)."""
        raise NotImplementedError

    def push_body(self) -> dict[str, Any]:
        """One call the network pushes, carrying one message."""
        raise NotImplementedError

    def app_push(self, app_secret: str) -> tuple[dict[str, str], bytes]:
        """ReceivesAppPush: one call the network makes to the app's address, carrying one message to the connected
        account, as its headers (the signature with `app_secret`) and its body."""
        raise NotImplementedError

    def acting_as(self, app: ClientApp) -> Provider:
        """Authorizes: the provider as the connect flow makes it before any channel exists, acting as `app`."""
        raise NotImplementedError

    def naming_server(self, server: str) -> Provider:
        """RegistersApps: the provider as the connect flow makes it from the server a person named."""
        raise NotImplementedError

    def draft(self, text: str) -> Draft:
        """A post of this text as the network takes it: the text alone, or with the media a network that publishes no
        text alone needs (Instagram)."""
        return Draft(text=text)

    def image(self, alt: str = "כרזה · ملصق") -> MediaFile:
        """A picture the network takes, as a Draft carries it: its bytes for the networks that take an upload, its
        public link for those that fetch it (MediaFile.public_url; Instagram's harness gives a JPEG)."""
        data = png(2, 2)
        return MediaFile("poster.png", "image/png", len(data), alt, lambda: data,
                         public_url=lambda: f"{PUBLIC_BASE}/m/1/0/signature/poster.png")

    def attempt(self, publication_id: int, minutes: float = 0) -> Attempt:
        return Attempt(key=f"contract-{publication_id}-{minutes:g}", started_at=STARTED + timedelta(minutes=minutes),
                       publication_id=publication_id)

    def at(self, moment: datetime) -> None:
        self.now = moment


# -- OAuth 2.0 -------------------------------------------------------------------------------------


CODE = "contract-code"  # the authorization code the person's consent gave


class TokenEndpoint:
    """A token endpoint as RFC 6749 describes it (4.1.3, 5, 6): a code and a refresh token are each good once and
    refused with invalid_grant afterwards; a refresh gives a new refresh token when the network `rotates`, else
    none (and the old one stays good). Networks without refresh tokens (Mastodon) give `refresh_tokens=False`."""

    def __init__(self, access: str, *, refresh_tokens: bool, expires_in: int | None, scope: str):
        self.access, self.refresh_tokens, self.expires_in, self.scope = access, refresh_tokens, expires_in, scope
        self.rotates = True
        self.codes = {CODE}
        self.live: set[str] = set()
        self.issued = itertools.count(1)
        self.requests: list[dict[str, str]] = []  # each request's form

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
        self.requests.append(form)
        if form.get("grant_type") == "authorization_code":
            if form.get("code") not in self.codes:
                return refused_grant("The authorization code is invalid or was used already.")
            self.codes.discard(form["code"])
            return self.tokens(new_refresh=self.refresh_tokens)
        if form.get("grant_type") == "refresh_token" and self.refresh_tokens:
            if form.get("refresh_token") not in self.live:
                return refused_grant("The refresh token is invalid, revoked or was used already.")
            if self.rotates:
                self.live.discard(form["refresh_token"])
            return self.tokens(new_refresh=self.rotates)
        return httpx.Response(400, json={"error": "unsupported_grant_type"})

    def tokens(self, new_refresh: bool) -> httpx.Response:
        body: dict[str, Any] = {"access_token": self.access, "token_type": "Bearer", "scope": self.scope}
        if self.expires_in:
            body["expires_in"] = self.expires_in
        if new_refresh:
            body["refresh_token"] = token = f"refresh-{next(self.issued)}"
            self.live.add(token)
        return httpx.Response(200, json=body)


def refused_grant(description: str) -> httpx.Response:
    return httpx.Response(400, json={"error": "invalid_grant", "error_description": description})


# -- Mastodon --------------------------------------------------------------------------------------


STREAMING = "/api/v1/streaming/user/notification"


class MastodonHarness(Harness):
    key = "mastodon"

    def __init__(self) -> None:
        self.fake = mastodon.FakeMastodon()
        # POST /oauth/token as docs.joinmastodon.org/methods/oauth shows it: no refresh token, no expiry.
        self.tokens = TokenEndpoint(mastodon.TOKEN, refresh_tokens=False, expires_in=None, scope="read write")
        self.registrations: list[dict[str, str]] = []  # the forms of POST /api/v1/apps
        super().__init__()
        for _read in range(2):  # a first read, and one from its cursor
            self.fake.answer("GET /api/v1/notifications", mastodon.recorded("notifications"))
            self.fake.answer("GET /api/v2/search", mastodon.recorded("search_v2"))
            self.fake.answer("GET /api/v1/timelines/tag/:hashtag", mastodon.recorded("tag_timeline"))
            self.fake.answer("GET /api/v1/accounts/relationships", mastodon.recorded("relationships"))

    def at(self, moment: datetime) -> None:
        self.fake.clock.moment = moment

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return dict(mastodon.CONNECTED), {"access_token": mastodon.TOKEN}

    def provider(self) -> Provider:
        provider: Any = super().provider()
        provider.now = self.fake.clock.now
        provider.sleep = self.fake.sleeps.append
        return provider

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return self.tokens(request)
        if (request.method, request.url.path) == ("POST", "/api/v1/apps"):
            return self.register_app(request)
        if request.url.path.endswith(("/favourited_by", "/reblogged_by", "/context", "/quotes")):
            return self.engagement(request)
        if request.url.path == STREAMING:  # server-sent events, as docs.joinmastodon.org/methods/streaming shows
            notification = mastodon.fixture("notifications")["body"][0]
            events = f":thump\n\nevent: notification\ndata: {json.dumps(notification)}\n\n"
            return httpx.Response(200, text=events, headers={"content-type": "text/event-stream"})
        return self.fake.handle(request)

    def creates(self, request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path == "/api/v1/statuses"

    def engagement(self, request: httpx.Request) -> httpx.Response:
        """Who favourited, boosted, replied to or quoted a status (docs.joinmastodon.org/methods/statuses/), with
        the relationships its people are then looked up in."""
        assert request.method == "GET" and request.headers.get("authorization") == f"Bearer {mastodon.TOKEN}"
        self.fake.answer("GET /api/v1/accounts/relationships", mastodon.recorded("relationships"))
        notification = mastodon.fixture("notifications")["body"][0]
        if request.url.path.endswith("/context"):
            reply = {**notification["status"], "in_reply_to_id": request.url.path.split("/")[-2]}
            return httpx.Response(200, json={"ancestors": [], "descendants": [reply]})
        return httpx.Response(200, json=[notification["account"]])

    def register_app(self, request: httpx.Request) -> httpx.Response:
        """POST /api/v1/apps as docs.joinmastodon.org/methods/apps shows it: an Application with its secret."""
        request.read()
        form = {name: values[0] for name, values in parse_qs(request.content.decode()).items()}
        self.registrations.append(form)
        n = len(self.registrations)
        return httpx.Response(200, json={
            "id": f"56341{n}", "name": form.get("client_name"), "website": form.get("website"),
            "scopes": form.get("scopes", "read").split(), "redirect_uri": form.get("redirect_uris"),
            "redirect_uris": [form.get("redirect_uris")], "client_id": f"TWhM-tNSuncnqN7DBJmoyeLnk6K3iJJ71KKXxgL1hP{n}",
            "client_secret": f"ZEaFUFmF0umgBX1qKJDjaU99Q31lDkOU8NutzTOoliw{n}", "vapid_key": "BCk-QqERU0q"})

    def acting_as(self, app: ClientApp) -> Provider:
        provider = self.naming_server(mastodon.INSTANCE)
        provider.config.update(app.config())
        provider.credentials.update(app.credentials())
        return provider

    def naming_server(self, server: str) -> Provider:
        return get_provider_class(self.key)({"instance_url": server}, {}, http=self.client())

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return httpx.Response(status, json={"error": "Something went wrong"}, headers=headers)

    def sent(self) -> list[Sent]:
        found = []
        for call in self.fake.every("POST /api/v1/statuses"):
            media = call.form.get("media_ids[]", [])
            found.append(Sent((call.form.get("status") or [""])[0],
                              tuple(self.fake.media[m]["body"]["description"] for m in media)))
        return found

    def posts(self) -> list[str]:
        return [status["id"] for status in self.fake.statuses]

    def published_post(self) -> Published:
        status = self.fake.create_status("An older post")
        return Published(status["id"], status["url"], (status["id"],))

    def message(self, kind: str) -> ReplyTo:
        status = self.fake.create_status("A question for the brand")
        return ReplyTo(status["id"], kind, author_id="14715", author_handle="@trwnh@mastodon.social")


# -- Bluesky ---------------------------------------------------------------------------------------


BRAND = {"accessJwt": "access", "refreshJwt": "refresh", "did": "did:plc:brand", "handle": "brand.example"}
BOB = {"did": "did:plc:bob", "handle": "bob.example", "displayName": "Bob", "viewer": {"followedBy": "at://x"}}


@dataclass
class FakePDS:
    """A PDS as the lexicons describe it, for the XRPC methods Stoa calls, with records kept by key."""

    records: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (repo, collection, rkey)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "pds.example", f"unexpected URL {request.url}"
        nsid = request.url.path.removeprefix("/xrpc/")
        request.read()
        if request.headers.get("content-type") == "application/json":
            params = json.loads(request.content)
        else:
            params = dict(request.url.params.multi_items())
        self.calls.append((nsid, params))
        assert request.headers.get("authorization") == "Bearer access" or nsid == "com.atproto.identity.resolveHandle"
        answer = getattr(self, nsid.replace(".", "_"), None)
        assert answer is not None, f"Stoa called {nsid}, which this fake does not know"
        return answer(params)

    def uri(self, repo: str, collection: str, rkey: str) -> str:
        return f"at://{repo}/{collection}/{rkey}"

    def com_atproto_repo_createRecord(self, params: dict[str, Any]) -> httpx.Response:
        record = params["record"]
        text = record.get("text", "")
        if count_graphemes(text) > 300 or len(text.encode()) > 3000:  # app.bsky.feed.post text limits
            return xrpc_error(400, "InvalidRecord", "Invalid app.bsky.feed.post record: text too long")
        rkey = params.get("rkey") or f"3reply{next(self.tids)}"
        place = (params["repo"], params["collection"], rkey)
        if place in self.records:
            return xrpc_error(400, "InvalidRequest", "Record already exists")
        self.records[place] = record
        return httpx.Response(200, json={"uri": self.uri(*place), "cid": f"bafy{rkey}"})

    def com_atproto_repo_putRecord(self, params: dict[str, Any]) -> httpx.Response:
        place = (params["repo"], params["collection"], params["rkey"])
        self.records[place] = params["record"]
        return httpx.Response(200, json={"uri": self.uri(*place), "cid": f"bafy{params['rkey']}"})

    def com_atproto_repo_getRecord(self, params: dict[str, Any]) -> httpx.Response:
        place = (params["repo"], params["collection"], params["rkey"])
        if place not in self.records:
            return xrpc_error(400, "RecordNotFound", f"Could not locate record: {self.uri(*place)}")
        return httpx.Response(200, json={"uri": self.uri(*place), "cid": f"bafy{place[2]}",
                                         "value": self.records[place]})

    def com_atproto_repo_deleteRecord(self, params: dict[str, Any]) -> httpx.Response:
        self.records.pop((params["repo"], params["collection"], params["rkey"]), None)
        return httpx.Response(200, json={})

    def com_atproto_repo_uploadBlob(self, params: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"blob": {"$type": "blob", "ref": {"$link": "bafkblob"},
                                                  "mimeType": "image/png", "size": 100}})

    def com_atproto_identity_resolveHandle(self, params: dict[str, Any]) -> httpx.Response:
        return xrpc_error(400, "InvalidRequest", "Unable to resolve handle")

    def app_bsky_feed_getPosts(self, params: dict[str, Any]) -> httpx.Response:
        uri = params["uris"]
        return httpx.Response(200, json={"posts": [{"uri": uri, "cid": "bafyparent", "author": BOB,
                                                    "record": {"text": "Hi", "createdAt": "2026-07-01T08:00:00Z"},
                                                    "indexedAt": "2026-07-01T08:00:01Z", "likeCount": 3,
                                                    "repostCount": 1, "replyCount": 2, "quoteCount": 0}]})

    def app_bsky_actor_getProfile(self, params: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"did": BRAND["did"], "handle": BRAND["handle"], "followersCount": 120,
                                         "followsCount": 45, "postsCount": 310})

    def app_bsky_notification_listNotifications(self, params: dict[str, Any]) -> httpx.Response:
        post = self.uri("did:plc:brand", "app.bsky.feed.post", "3brandpost")
        reply = {"uri": self.uri(BOB["did"], "app.bsky.feed.post", "3bobreply"), "cid": "bafybob", "author": BOB,
                 "reason": "reply", "isRead": False, "indexedAt": "2026-07-01T08:30:01.000Z",
                 "record": {"text": "שלום! Love it 👩🏽‍💻", "createdAt": "2026-07-01T08:30:00.000Z",
                            "reply": {"root": {"uri": post, "cid": "bafyp"}, "parent": {"uri": post, "cid": "bafyp"}}}}
        return httpx.Response(200, json={"notifications": [reply], "cursor": "c1"})

    def app_bsky_feed_searchPosts(self, params: dict[str, Any]) -> httpx.Response:
        found = {"uri": self.uri(BOB["did"], "app.bsky.feed.post", "3bobsays"), "cid": "bafys", "author": BOB,
                 "record": {"text": "مرحبا stoa", "createdAt": "2026-07-01T08:40:00Z"},
                 "indexedAt": "2026-07-01T08:40:01.000Z"}
        return httpx.Response(200, json={"posts": [found]})

    def chat_bsky_convo_getLog(self, params: dict[str, Any]) -> httpx.Response:
        log = {"$type": "chat.bsky.convo.defs#logCreateMessage", "rev": "r1", "convoId": "convo1",
               "message": {"$type": "chat.bsky.convo.defs#messageView", "id": "m1", "rev": "r1",
                           "text": "Do you ship to Haifa?", "sender": {"did": BOB["did"]},
                           "sentAt": "2026-07-01T08:50:00.000Z"}}
        return httpx.Response(200, json={"logs": [log], "cursor": "r1"} if "cursor" not in params else
                              {"logs": [], "cursor": params["cursor"]})

    def app_bsky_actor_getProfiles(self, params: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"profiles": [BOB]})

    def chat_bsky_convo_sendMessage(self, params: dict[str, Any]) -> httpx.Response:
        return httpx.Response(200, json={"id": f"m{next(self.tids) + 100}", "rev": "r2",
                                         "text": params["message"]["text"], "sender": {"did": BRAND["did"]},
                                         "sentAt": "2026-07-01T09:00:00.000Z"})


def xrpc_error(status: int, error: str, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "message": message})


class BlueskyHarness(Harness):
    key = "bluesky"
    # docs.bsky.app/docs/api/app-bsky-feed-get-likes, -get-reposted-by, -get-post-thread (depth 1)
    engagement: ClassVar[dict[str, dict[str, Any]]] = {
        "app.bsky.feed.getLikes": {"uri": "at://post", "likes": [
            {"actor": BOB, "createdAt": "2026-07-01T08:00:00Z", "indexedAt": "2026-07-01T08:00:01Z"}]},
        "app.bsky.feed.getRepostedBy": {"uri": "at://post", "repostedBy": [BOB], "cursor": "next"},
        "app.bsky.feed.getPostThread": {"thread": {
            "$type": "app.bsky.feed.defs#threadViewPost", "replies": [{"post": {
                "uri": "at://did:plc:bob/app.bsky.feed.post/3r", "cid": "bafyr", "author": BOB,
                "record": {"text": "Me!", "createdAt": "2026-07-01T08:00:00Z"}, "indexedAt": "2026-07-01T08:00:01Z"}}],
        }},
    }

    def __init__(self) -> None:
        self.fake = FakePDS()
        super().__init__()

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"pds_url": "https://pds.example"}, {"identifier": "brand.example", "app_password": "app-pass", **BRAND}

    def handle(self, request: httpx.Request) -> httpx.Response:
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid in self.engagement:  # who engaged with a post, answered as each lexicon's output schema says
            assert request.headers.get("authorization") == "Bearer access" and request.url.params.get("uri")
            return httpx.Response(200, json=self.engagement[nsid])
        return self.fake.handle(request)

    def creates(self, request: httpx.Request) -> bool:
        return request.url.path.endswith(("/com.atproto.repo.createRecord", "/com.atproto.repo.putRecord",
                                          "/chat.bsky.convo.sendMessage"))

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        names = {400: "InvalidRequest", 401: "AuthenticationRequired", 403: "Forbidden", 404: "NotFound",
                 413: "PayloadTooLarge", 429: "RateLimitExceeded"}
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return httpx.Response(status, json={"error": names.get(status, "InternalServerError"),
                                            "message": "Something went wrong"}, headers=headers)

    def sent(self) -> list[Sent]:
        found = []
        for nsid, params in self.fake.calls:
            if nsid == "com.atproto.repo.createRecord" and params["collection"] == "app.bsky.feed.post":
                images = (params["record"].get("embed") or {}).get("images", [])
                found.append(Sent(params["record"]["text"], tuple(image["alt"] for image in images)))
        return found

    def posts(self) -> list[str]:
        return [self.fake.uri(*place) for place in self.fake.records if place[1] == "app.bsky.feed.post"]

    def published_post(self) -> Published:
        place = (BRAND["did"], "app.bsky.feed.post", "3older")
        self.fake.records[place] = {"text": "An older post", "createdAt": "2026-06-30T09:00:00.000Z"}
        return Published(self.fake.uri(*place), "", (self.fake.uri(*place),))

    def message(self, kind: str) -> ReplyTo:
        if kind == "message":
            return ReplyTo("convo1:m1", kind, author_id=BOB["did"], author_handle=BOB["handle"])
        root = self.published_post().remote_id
        return ReplyTo(self.fake.uri(BOB["did"], "app.bsky.feed.post", "3bobreply"), kind, root_remote_id=root,
                       author_id=BOB["did"], author_handle=BOB["handle"])


# -- Telegram --------------------------------------------------------------------------------------


SENDS = ("sendMessage", "sendPhoto", "sendMediaGroup")


class TelegramHarness(Harness):
    key = "telegram"

    def __init__(self) -> None:
        self.fake = telegram.FakeBotAPI()
        super().__init__()

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"chat_id": "@stoa_news"}, {"bot_token": telegram.TOKEN}

    def handle(self, request: httpx.Request) -> httpx.Response:
        return self.fake.handle(request)

    def creates(self, request: httpx.Request) -> bool:
        return request.url.path.rsplit("/", 1)[-1] in SENDS

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": "Something went wrong"}
        if retry_after:  # Bot API: ResponseParameters.retry_after, "the number of seconds left to wait"
            body["parameters"] = {"retry_after": retry_after}
        return httpx.Response(status, json=body)

    def sent(self) -> list[Sent]:
        found = []
        for call in self.fake.calls:
            if call.method == "sendMessage":
                found.append(Sent(html.unescape(call.params["text"])))
            elif call.method == "sendPhoto":
                found.append(Sent(html.unescape(call.params.get("caption", "")), (None,)))
            elif call.method == "sendMediaGroup":
                media = call.params["media"]
                found.append(Sent(html.unescape(media[0].get("caption", "")), (None,) * len(media)))
        return found

    def posts(self) -> list[str]:
        return [f"{n}" for n, call in enumerate(self.fake.calls) if call.method in SENDS]

    def published_post(self) -> Published:
        return Published("42", "https://t.me/stoa_news/42", ("42",))

    def message(self, kind: str) -> ReplyTo:
        return ReplyTo("-1009876543210:8", kind, author_id="5550001", author_handle="dana_levi")

    def push_body(self) -> dict[str, Any]:
        return telegram.fixture("getUpdates")["body"]["result"][1]


# -- The OAuth 2.0 test network (stoa/testing/oauth_network.py, registered in tests only) -------------------


class OAuthTestHarness(Harness):
    """Its API as ResourceServer answers it, in memory (the real one needs the strict OAuth server running)."""

    key = "oauthtest"
    API = "https://api.oauthtest.example"

    def __init__(self) -> None:
        self.tokens = TokenEndpoint("access", refresh_tokens=True, expires_in=3600, scope="read publish reply")
        self.posts_by_id: dict[str, dict[str, str]] = {}
        self.ids = itertools.count(1)
        self.texts: list[str] = []
        super().__init__()

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return ({"server_url": "https://oauth.example", "api_url": self.API, "page_id": "page-1",
                 "account_id": "page-1"}, {"access_token": "access", "refresh_token": "refresh"})

    def app_push(self, app_secret: str) -> tuple[dict[str, str], bytes]:
        comment = {"id": "8", "text": "Pushed · נשלח", "author": "carol", "created_at": "2026-07-01T08:05:00Z"}
        body = json.dumps({"object": "page", "entry": [{"id": "page-1", "changes": [
            {"field": "comments", "value": comment}]}]}).encode()
        return {SIGNATURE_HEADER: signature(body, app_secret)}, body

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "oauth.example":
            assert request.url.path == "/token", f"unexpected URL {request.url}"
            return self.tokens(request)
        assert request.headers.get("authorization") == "Bearer access"
        path, method = request.url.path.strip("/").split("/"), request.method
        if (method, path) == ("GET", ["pages"]):
            return httpx.Response(200, json={"pages": [{"id": page, "name": name} for page, name in PAGES]})
        request.read()
        if method == "POST" and path[-1] in ("posts", "replies"):
            key = request.headers.get("idempotency-key", "")
            post = next((p for p in self.posts_by_id.values() if key and p["key"] == key), None)
            if post is None:
                text = json.loads(request.content)["text"]
                post = {"id": f"p{next(self.ids)}", "text": text, "key": key, "url": f"{self.API}/p"}
                self.posts_by_id[post["id"]] = post
                self.texts.append(text) if path[-1] == "posts" else None
            return httpx.Response(200, json=post)
        if method == "GET" and path[-1] == "posts":
            key = request.url.params.get("key")
            return httpx.Response(200, json={"posts": [p for p in self.posts_by_id.values() if p["key"] == key]})
        if method == "GET" and path[-1] == "inbox":
            comments = [{"id": "7", "text": "Nice · יפה", "author": "bob", "created_at": "2026-07-01T08:00:00Z"}]
            after = int(request.url.params.get("after") or 0)
            return httpx.Response(200, json={"comments": [c for c in comments if int(c["id"]) > after],
                                             "cursor": "7", "more": False})
        if method == "DELETE":
            found = self.posts_by_id.pop(path[-1], None)
            return httpx.Response(200 if found else 404, json={})
        return httpx.Response(404, json={"error": "not_found"})

    def creates(self, request: httpx.Request) -> bool:
        return request.method == "POST"

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        body = {"error": "insufficient_scope", "scope": "publish"} if status == 403 else {"error": "failed"}
        return httpx.Response(status, json=body, headers=headers)

    def sent(self) -> list[Sent]:
        return [Sent(text) for text in self.texts]

    def posts(self) -> list[str]:
        return [post_id for post_id, post in self.posts_by_id.items() if not post["key"].startswith("stoa-reply")]

    def published_post(self) -> Published:
        self.posts_by_id["p0"] = {"id": "p0", "text": "An older post", "key": "", "url": ""}
        return Published("p0", "", ("p0",))

    def message(self, kind: str) -> ReplyTo:
        return ReplyTo("7", kind, author_id="bob", author_handle="bob")

    def acting_as(self, app: ClientApp) -> Provider:
        return get_provider_class(self.key)({"server_url": "https://oauth.example", "api_url": self.API,
                                             **app.config()}, app.credentials(), http=self.client())


# -- VK (registered in tests only until the lead adds it to NETWORKS) -------------------------------------------


# The VK error each HTTP status of the contract stands for (tests/providers/fixtures/vk/errors.json): VK answers its own
# errors with HTTP 200 and a body. Statuses with no VK code (413, 502, 503, a 429 with Retry-After) come as HTTP
# answers, as the proxy or load balancer in front of VK would give them.
VK_CODES = {400: 100, 401: 5, 403: 15, 404: 104, 408: 36, 429: 6, 500: 10}


class VKHarness(Harness):
    """The VK API as test_vk.FakeVK answers it, and VK ID's token endpoint as RFC 6749 has it (its refused grant is
    OAuth 2.0's invalid_grant, as public clients of VK ID read it; the token section of VK ID's reference was not in
    the stored documentation)."""

    key = "vk"

    def __init__(self) -> None:
        super().__init__()
        self.fake = vk.FakeVK(now=lambda: self.now)
        self.tokens = TokenEndpoint(vk.TOKEN, refresh_tokens=True, expires_in=3600, scope="wall groups")
        self.commented = self.fake.with_comments("Commented · Обсуждаемый", at=STARTED - timedelta(days=2))

    def connected(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"group_id": str(vk.GROUP)}, {"access_token": vk.TOKEN}

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host == "id.vk.com":
            assert (request.method, request.url.path) == ("POST", "/oauth2/auth"), f"unexpected {request.url}"
            return self.tokens(request)
        return self.fake.handle(request)

    def creates(self, request: httpx.Request) -> bool:
        return request.url.path in ("/method/wall.post", "/method/wall.createComment", "/method/messages.send")

    def error_answer(self, status: int, retry_after: int | None = None) -> httpx.Response:
        if status in VK_CODES and not retry_after:
            return vk.vk_error(VK_CODES[status])
        headers = {"Retry-After": str(retry_after)} if retry_after else {}
        return httpx.Response(status, text=f"{status}", headers=headers)

    def sent(self) -> list[Sent]:
        """Each post's text and its media's descriptions (a photo's caption, a video's description)."""
        return [Sent(params.get("message", ""), tuple(
            self.fake.media[name].get("text" if name.startswith("photo") else "description")
            for name in params.get("attachments", "").split(",") if name.startswith(("photo", "video"))))
            for params in self.fake.posts()]

    def posts(self) -> list[str]:
        return [f"{vk.OWNER}_{post['id']}" for post in self.fake.wall if post is not self.commented]  # not the seed

    def published_post(self) -> Published:
        post = self.fake.add("An older post · Старый пост", at=STARTED - timedelta(days=1))
        remote_id = f"{vk.OWNER}_{post['id']}"
        return Published(remote_id, f"https://vk.com/wall{remote_id}", (remote_id,))

    def message(self, kind: str) -> ReplyTo:
        if kind == "message":
            return ReplyTo("message57", "message", root_remote_id="1234567", author_id="1234567",
                           author_handle="id1234567")
        return ReplyTo(f"{vk.OWNER}_401", "comment", root_remote_id=f"{vk.OWNER}_{self.commented['id']}",
                       author_id="1234567", author_handle="id1234567")

    def push_body(self) -> dict[str, Any]:
        return dict(vk.fixture("callback")["events"]["wall_reply_new"])

    def acting_as(self, app: ClientApp) -> Provider:
        return get_provider_class(self.key)(app.config(), app.credentials(), http=self.client())


HARNESSES: dict[str, type[Harness]] = {
    harness.key: harness for harness in (MastodonHarness, BlueskyHarness, TelegramHarness, OAuthTestHarness,
                                         VKHarness)
}
# Networks whose harness lives in a module of its own, tests/providers/contract_<key>.py, named HARNESS there: that
# module imports this one, so it is imported only when the suite asks for it.
OWN_MODULE = "tests.providers.contract_{key}"


def harness_class(key: str) -> type[Harness] | None:
    """The network's harness, here or in its own module; None when it has none."""
    if key in HARNESSES:
        return HARNESSES[key]
    try:
        module = import_module(OWN_MODULE.format(key=key))
    except ModuleNotFoundError as e:
        if e.name != OWN_MODULE.format(key=key):
            raise
        return None
    found: type[Harness] = module.HARNESS
    return found
