"""Mastodon: post to an account on any Mastodon server, through its REST API, with plain httpx.

Every endpoint, parameter and field here is from https://docs.joinmastodon.org:
- GET /api/v1/accounts/verify_credentials (methods/accounts#verify_credentials);
- GET /api/v2/instance, or /api/v1/instance on servers older than 4.0 (methods/instance): the
  server's own limits under `configuration`, e.g. `statuses.max_characters` (500 by default);
- POST /api/v2/media answers 200 when processed, 202 while still processing (`url` is null);
  GET /api/v1/media/:id answers 206 until it is done (methods/media);
- POST /api/v1/statuses with form fields and an `Idempotency-Key` header; "Idempotency keys are
  stored for up to 1 hour" (methods/statuses#create);
- GET /api/v1/accounts/:id/statuses, newest first, paged with `max_id`, at most 40 a page;
- DELETE /api/v1/statuses/:id;
- errors are {"error": "..."} (entities/Error); 429 comes with X-RateLimit-Reset, a timestamp
  (api/rate-limits).
How the length is counted is explained in text.py.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stoa import clock
from stoa.providers import oauth2
from stoa.providers.base import (
    FOLLOWERS,
    FOLLOWING,
    LIKES,
    POSTS,
    REPLIES,
    REPOSTS,
    Account,
    Attempt,
    ConnectField,
    Draft,
    ErrorKind,
    Grant,
    InboxPage,
    Incoming,
    Limits,
    MediaFile,
    MetricPoint,
    OptionField,
    PeoplePage,
    Problem,
    Provider,
    ProviderError,
    Published,
    RateLimit,
    RecentPost,
    ReplyTo,
    TrendingTag,
    aware,
    metric_point,
    parse_time,
    thread_part_too_long,
)
from stoa.providers.capabilities import (
    Authorizes,
    Publishes,
    ReadsEngagement,
    ReadsHashtags,
    ReadsInbox,
    ReadsMetrics,
    ReadsTrends,
    RegistersApps,
    Replies,
    Searches,
    Streams,
)
from stoa.providers.mastodon import inbox
from stoa.providers.mastodon.text import comparable, status_length, text_of_html

# Defaults from the docs' example of GET /api/v2/instance, for servers that do not say.
DEFAULT_MAX_CHARACTERS = 500
DEFAULT_MAX_MEDIA = 4
DEFAULT_URL_LENGTH = 23
DEFAULT_IMAGE_BYTES = 16_777_216
DEFAULT_VIDEO_BYTES = 103_809_024
DEFAULT_MIME_TYPES = (
    "image/jpeg", "image/png", "image/gif", "image/heic", "image/heif", "image/webp", "image/avif",
    "video/webm", "video/mp4", "video/quicktime", "video/ogg",
    "audio/wave", "audio/wav", "audio/x-wav", "audio/x-pn-wave", "audio/vnd.wave", "audio/ogg",
    "audio/vorbis", "audio/mpeg", "audio/mp3", "audio/webm", "audio/flac", "audio/aac", "audio/m4a",
    "audio/x-m4a", "audio/mp4", "audio/3gpp", "video/x-ms-asf",
)
VISIBILITIES = ("public", "unlisted", "private", "direct")
HOST = re.compile(r"[\w-]+(\.[\w-]+)*|[0-9a-fA-F:]+")  # a name (IDN letters too) or an IP address, no spaces
SCOPES = ("read", "write")  # what Stoa asks for when it connects by OAuth: it reads the inbox and posts

# "Idempotency keys are stored for up to 1 hour", counted from when the status was created.
# Reconcile re-sends only within a shorter window, leaving room for media uploads before the
# status request reaches the server.
IDEMPOTENCY_WINDOW = timedelta(hours=1)
RESEND_WINDOW = IDEMPOTENCY_WINDOW - timedelta(minutes=10)
# Our clock and the server's may differ; look this much further back when matching statuses.
CLOCK_SKEW = timedelta(minutes=5)
# An attempt's statuses are created within minutes of its start (each upload waits at most MEDIA_WAIT_SECONDS, each
# request STOA_HTTP_TIMEOUT_SECONDS): a status with the same text created later is another post, not this attempt's.
ATTEMPT_SPAN = timedelta(minutes=15)
PAGE_SIZE = 40  # the documented maximum for an account's statuses
MAX_PAGES = 10
MEDIA_WAIT_SECONDS = 90.0  # how long to wait for the server to process an upload


class MastodonError(ProviderError):
    """An error answer from the server, with its HTTP status."""

    def __init__(self, message: str, kind: ErrorKind, retry_after: float | None = None, *, status: int):
        super().__init__(message, kind, retry_after)
        self.status = status


class ThreadBroken(ProviderError):
    """A later post of a thread failed after earlier ones were published."""

    def __init__(self, message: str, cause: ProviderError):
        super().__init__(message, ErrorKind.UNKNOWN_OUTCOME)
        self.cause = cause


@dataclass(frozen=True)
class Part:
    """One status of what is published: the draft's text, or a later post of its thread."""

    index: int
    text: str
    media: tuple[MediaFile, ...]


class MastodonProvider(Provider, Publishes, ReadsInbox, Searches, ReadsHashtags, ReadsTrends, Streams, Replies,
                       ReadsMetrics, Authorizes, RegistersApps, ReadsEngagement):
    key = "mastodon"
    name = "Mastodon"
    limits = Limits(
        max_text=DEFAULT_MAX_CHARACTERS,
        counts="graphemes",
        max_media=DEFAULT_MAX_MEDIA,
        media_types=frozenset(DEFAULT_MIME_TYPES),
        max_media_bytes=DEFAULT_VIDEO_BYTES,
    )
    supports_threads = True
    # https://docs.joinmastodon.org/api/rate-limits/: per account, 300 requests every 5 minutes on all endpoints;
    # media uploads 30 and status deletions 30 every 30 minutes. A server may set its own; these are the defaults.
    post_cost = {"requests": 1}  # POST /api/v1/statuses
    rate_limits = (RateLimit("requests", 300, 5 * 60), RateLimit("media", 30, 30 * 60),
                   RateLimit("deletions", 30, 30 * 60))
    option_fields = (
        OptionField("spoiler_text", gettext_lazy("Content warning")),
        OptionField("visibility", gettext_lazy("Visibility"), "choice", (
            ("public", gettext_lazy("Public")), ("unlisted", gettext_lazy("Quiet public")),
            ("private", gettext_lazy("Followers only")), ("direct", gettext_lazy("Mentioned people only")))),
        OptionField("sensitive", gettext_lazy("Mark media as sensitive"), "bool"),
    )
    connect_fields = (
        ConnectField("instance_url", gettext_lazy("Server"), help=gettext_lazy("Like https://mastodon.social.")),
        ConnectField("access_token", gettext_lazy("Access token"), secret=True,
                     help=gettext_lazy("In Mastodon: Preferences → Development → New application, with the "
                                       "scopes read, write:statuses and write:media; then “Your access token”.")),
    )

    def __init__(self, config: dict[str, Any], credentials: dict[str, Any], http: httpx.Client | None = None):
        super().__init__(config, credentials, http)
        # Replaceable in tests: the clock and the pause between checks on an upload.
        self.now: Callable[[], datetime] = lambda: clock.now()
        self.sleep: Callable[[float], None] = time.sleep

    # -- Connecting ---------------------------------------------------------------------

    def connect(self) -> Account:
        me = self.get_json("/api/v1/accounts/verify_credentials")
        if not isinstance(me, dict) or not me.get("id") or not me.get("acct"):
            raise ProviderError("Mastodon did not say which account the token belongs to.",
                                ErrorKind.TRANSIENT)
        instance = self.instance()
        domain = instance.get("domain") or instance.get("uri") or urlsplit(self.base_url).hostname
        acct = str(me["acct"])
        return Account(
            remote_id=str(me["id"]),
            name=f"@{acct}" if "@" in acct else f"@{acct}@{domain}",
            url=str(me.get("url") or ""),
            settings={"account_id": str(me["id"]), **instance_settings(instance)},
        )

    # -- Connecting by OAuth 2.0 (docs: methods/apps#create, methods/oauth, spec/oauth) ------------

    server_field = "instance_url"

    def server_address(self) -> str:
        return self.base_url

    def register_app(self, redirect_uri: str, client_name: str, website: str) -> oauth2.ClientApp:
        """POST /api/v1/apps on this server: Stoa's app there, made once and reused for every account on it."""
        response = self.request("POST", self.base_url + "/api/v1/apps", data={
            "client_name": client_name, "redirect_uris": redirect_uri, "scopes": " ".join(SCOPES),
            "website": website})
        app = self.json(response)
        if not isinstance(app, dict) or not app.get("client_id") or not app.get("client_secret"):
            raise ProviderError("Mastodon did not register Stoa as an app on this server.", ErrorKind.TRANSIENT)
        return oauth2.ClientApp(str(app["client_id"]), str(app["client_secret"]))

    def verify_app(self) -> None:
        """An app token by client credentials, GET /api/v1/apps/verify_credentials with it, then the token revoked
        (docs: methods/apps#verify_credentials). A server that forgot the app answers 401 to one or the other."""
        app = oauth2.client_app(self)
        grant = oauth2.token_request(self, self.base_url + "/oauth/token", {
            "grant_type": "client_credentials", "client_id": app.client_id, "client_secret": app.client_secret,
            "scope": "read"})
        as_app = type(self)(self.config, {oauth2.ACCESS: grant.access}, http=self._http)
        as_app.get_json("/api/v1/apps/verify_credentials")
        self.request("POST", self.base_url + "/oauth/revoke", data={
            "client_id": app.client_id, "client_secret": app.client_secret, "token": grant.access})

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        return oauth2.authorize_url(self.base_url + "/oauth/authorize", client_id=oauth2.client_app(self).client_id,
                                    redirect_uri=redirect_uri, state=state, code_challenge=code_challenge,
                                    scopes=SCOPES)

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        """POST /oauth/token. Mastodon gives no refresh token and its tokens do not expire (until revoked)."""
        app = oauth2.client_app(self)
        grant = oauth2.token_request(self, self.base_url + "/oauth/token", {
            "grant_type": "authorization_code", "code": code, "client_id": app.client_id,
            "client_secret": app.client_secret, "redirect_uri": redirect_uri, "code_verifier": code_verifier,
            "scope": " ".join(SCOPES)})
        return Grant(access=grant.access, scopes=grant.scopes or SCOPES)

    def refresh(self, grant: Grant) -> Grant:
        raise ProviderError("Mastodon's access tokens cannot be refreshed: reconnect the channel.",
                            ErrorKind.AUTHORIZATION)

    def targets(self, grant: Grant) -> tuple[Account, ...]:
        """The one account the person signed in with."""
        as_granted = type(self)(self.config, {**self.credentials, oauth2.ACCESS: grant.access}, http=self._http)
        return (as_granted.connect(),)

    def instance(self) -> dict[str, Any]:
        """The server's description: v2 since Mastodon 4.0, v1 before."""
        try:
            instance = self.get_json("/api/v2/instance")
        except MastodonError as error:
            if error.status != 404:
                raise
            instance = self.get_json("/api/v1/instance")
        if not isinstance(instance, dict):
            raise ProviderError("Mastodon described the server in an unexpected form.", ErrorKind.TRANSIENT)
        return instance

    # -- Limits and validation ----------------------------------------------------------

    def setting(self, name: str, default: Any) -> Any:
        value = self.config.get(name)
        return default if value in (None, "", []) else value

    def effective_limits(self) -> Limits:
        """The limits this server announced when the channel was connected."""
        return Limits(
            max_text=int(self.setting("max_characters", DEFAULT_MAX_CHARACTERS)),
            counts="graphemes",
            max_media=int(self.setting("max_media_attachments", DEFAULT_MAX_MEDIA)),
            media_types=frozenset(self.setting("supported_mime_types", DEFAULT_MIME_TYPES)),
            # The larger of the two: validate_network_specific checks images against their own.
            max_media_bytes=max(self.image_limit, self.video_limit),
        )

    @property
    def url_length(self) -> int:
        return int(self.setting("characters_reserved_per_url", DEFAULT_URL_LENGTH))

    @property
    def image_limit(self) -> int:
        return int(self.setting("image_size_limit", DEFAULT_IMAGE_BYTES))

    @property
    def video_limit(self) -> int:
        return int(self.setting("video_size_limit", DEFAULT_VIDEO_BYTES))

    def text_length(self, text: str) -> int:
        return status_length(text, url_length=self.url_length)

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        problems = self.option_problems(draft)
        if problems:
            return problems
        limit = self.effective_limits().max_text
        spoiler = draft.options.get("spoiler_text") or ""
        # The base class measured the text alone; the content warning counts too.
        length = status_length(draft.text, spoiler, self.url_length)
        if spoiler and self.text_length(draft.text) <= limit < length:
            problems.append(Problem("options.spoiler_text", ngettext(
                "Mastodon allows %(max)d character including the content warning; this post has %(length)d.",
                "Mastodon allows %(max)d characters including the content warning; this post has %(length)d.", limit)
                                    % {"max": limit, "length": length}))
        for number, text in enumerate(draft.options.get("thread") or [], start=2):
            length = status_length(text, spoiler, self.url_length)
            if length > limit:
                problems.append(Problem("options.thread", thread_part_too_long(length)
                                        % {"number": number, "length": length, "network": self.name, "max": limit}))
            if not text.strip():
                problems.append(Problem("options.thread", _("Post %(number)d of the thread is empty.")
                                        % {"number": number}))
        return problems + self.media_problems(draft)

    @staticmethod
    def option_problems(draft: Draft) -> list[Problem]:
        options, problems = draft.options, []
        if options.get("visibility", "public") not in VISIBILITIES:
            problems.append(Problem("options.visibility", _("Choose a visibility: %(choices)s.")
                                    % {"choices": ", ".join(VISIBILITIES)}))
        if not isinstance(options.get("spoiler_text") or "", str):
            problems.append(Problem("options.spoiler_text", _("The content warning must be text.")))
        if not isinstance(options.get("sensitive", False), bool):
            problems.append(Problem("options.sensitive", _("Choose yes or no.")))
        thread = options.get("thread") or []
        if not isinstance(thread, list) or not all(isinstance(text, str) for text in thread):
            problems.append(Problem("options.thread", _("A thread is a list of texts.")))
        return problems

    def media_problems(self, draft: Draft) -> list[Problem]:
        problems = []
        for item in draft.media:
            # Mastodon checks images against image_size_limit and video or audio against
            # video_size_limit; the base class already refused anything over the larger one.
            if item.content_type.startswith("image/") and self.image_limit < item.size <= self.video_limit:
                problems.append(Problem("media", _("%(file)s is %(size).1f MB; this server accepts images up to "
                                                   "%(max).1f MB.") % {"file": item.filename, "size": item.size / 1e6,
                                                                      "max": self.image_limit / 1e6}))
            alt_limit = self.config.get("description_limit")
            if alt_limit and len(item.alt_text) > int(alt_limit):
                problems.append(Problem("media", ngettext(
                    "The description of %(file)s is longer than the %(max)d character this server accepts.",
                    "The description of %(file)s is longer than the %(max)d characters this server accepts.",
                    int(alt_limit)) % {"file": item.filename, "max": int(alt_limit)}))
        if len(draft.media) > 1 and any(is_audio_or_video(item) for item in draft.media):
            problems.append(Problem("media", _("Mastodon takes a video or audio file only on its own, not together "
                                               "with other attachments.")))
        return problems

    # -- Publishing ---------------------------------------------------------------------

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        problems = self.validate(draft)
        if problems:
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        return self.post_parts(draft, attempt)

    def post_parts(self, draft: Draft, attempt: Attempt) -> Published:
        """Post the draft and its thread as a reply chain, each with its own idempotency key."""
        statuses: list[dict[str, Any]] = []
        for part in parts_of(draft):
            media_ids = [self.upload(item) for item in part.media]
            reply_to = statuses[-1]["id"] if statuses else None
            key = part_key(attempt, part.index)
            try:
                statuses.append(self.post_status(draft, part, media_ids, reply_to, key))
            except ProviderError as error:
                if not statuses:
                    raise
                # Earlier posts of the thread are out: starting over would repeat them.
                raise ThreadBroken(
                    f"Posts 1-{len(statuses)} of the thread are on Mastodon, but post {part.index + 1} "
                    f"failed: {error.message}",
                    error,
                ) from error
        return published(statuses)

    def post_status(
        self, draft: Draft, part: Part, media_ids: list[str], reply_to: str | None, key: str
    ) -> dict[str, Any]:
        form: dict[str, Any] = {"visibility": draft.options.get("visibility") or "public"}
        if part.text:
            form["status"] = part.text
        if media_ids:
            form["media_ids[]"] = media_ids
        if reply_to:
            form["in_reply_to_id"] = reply_to
        if draft.options.get("spoiler_text"):
            # Every post of the thread carries the warning, or its replies would show uncovered.
            form["spoiler_text"] = draft.options["spoiler_text"]
        if draft.options.get("sensitive"):
            form["sensitive"] = "true"
        if draft.language:
            form["language"] = draft.language
        response = self.call("POST", "/api/v1/statuses", creating=True, data=form,
                             headers={"Idempotency-Key": key})
        status = self.json(response, creating=True)
        if not isinstance(status, dict) or not status.get("id"):
            raise ProviderError("Mastodon accepted the post but did not say which status it became. "
                                "Look at the account before publishing again.", ErrorKind.UNKNOWN_OUTCOME)
        return status

    def upload(self, item: MediaFile) -> str:
        """Upload one attachment and wait until the server has processed it: a status cannot
        take media that is still processing."""
        form = {"description": item.alt_text} if item.alt_text else {}
        response = self.call("POST", "/api/v2/media", data=form,
                             files={"file": (item.filename, item.read(), item.content_type)})
        media = self.json(response)
        if not isinstance(media, dict) or not media.get("id"):
            raise ProviderError(f"Mastodon took {item.filename} without giving it an id.",
                                ErrorKind.TRANSIENT)
        if response.status_code == 202 or not media.get("url"):
            self.wait_until_processed(str(media["id"]), item.filename)
        return str(media["id"])

    def wait_until_processed(self, media_id: str, filename: str) -> None:
        waited, pause = 0.0, 1.0
        while waited < MEDIA_WAIT_SECONDS:
            self.sleep(pause)
            waited += pause
            pause = min(pause * 2, 10.0)
            response = self.call("GET", f"/api/v1/media/{media_id}")
            if response.status_code == 206:  # "The media attachment is still being processed"
                continue
            media = self.json(response)
            if isinstance(media, dict) and media.get("url"):
                return
        raise ProviderError(f"Mastodon was still processing {filename} after {MEDIA_WAIT_SECONDS:.0f} "
                            "seconds; nothing was posted. Stoa will try again.", ErrorKind.TRANSIENT)

    # -- Reconciling --------------------------------------------------------------------

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        if self.now() - aware(attempt.started_at) < RESEND_WINDOW:
            return self.resend(draft, attempt)
        return self.find_published(draft, attempt)

    def resend(self, draft: Draft, attempt: Attempt) -> Published:
        """Within the hour Mastodon keeps idempotency keys, sending the same posts with the same
        keys returns what the attempt created, and creates only what it did not."""
        try:
            return self.post_parts(draft, attempt)
        except ProviderError as error:
            kind = error.cause.kind if isinstance(error, ThreadBroken) else error.kind
            if kind in (ErrorKind.UNKNOWN_OUTCOME, ErrorKind.TRANSIENT):
                # No clear answer again: resending with the same keys stays safe, so try later.
                raise ProviderError(f"{error.message} Stoa will check again.", ErrorKind.TRANSIENT) from error
            if kind == ErrorKind.PERMANENT:
                raise ProviderError(f"Mastodon refused the post when Stoa checked it again: {error.message} "
                                    "Look at the account to see what was published.",
                                    ErrorKind.UNKNOWN_OUTCOME) from error
            raise ProviderError(error.message, kind, error.retry_after) from error

    def find_published(self, draft: Draft, attempt: Attempt) -> Published | None:
        """After the hour: look for the posts among the account's statuses since the attempt."""
        since = aware(attempt.started_at) - CLOCK_SKEW
        statuses, complete = self.statuses_since(since)
        until = aware(attempt.started_at) + ATTEMPT_SPAN + CLOCK_SKEW
        statuses = [status for status in statuses if created_at(status) <= until]
        found: list[dict[str, Any]] = []
        for part in parts_of(draft):
            reply_to = found[-1]["id"] if found else None
            match = next((s for s in statuses if self.matches(s, draft, part, reply_to)), None)
            if match is None:
                break
            found.append(match)
        if len(found) == len(parts_of(draft)):
            return published(found)
        if found:
            raise ProviderError(
                f"Only the first {len(found)} posts of the thread are on Mastodon ({found[0].get('url')}). "
                "Finish the thread there, or delete it and publish again.", ErrorKind.UNKNOWN_OUTCOME)
        if complete:
            return None
        raise ProviderError(
            f"The account posted more than {PAGE_SIZE * MAX_PAGES} statuses since this attempt, so Stoa "
            "cannot tell whether it was published. Look at the account, then mark it published or "
            "publish it again.", ErrorKind.UNKNOWN_OUTCOME)

    def statuses_since(self, since: datetime) -> tuple[list[dict[str, Any]], bool]:
        """The account's statuses created since `since`, and whether the list reaches back that far."""
        found: list[dict[str, Any]] = []
        for page in self.status_pages():
            if not page:
                return found, True  # the account's oldest status was reached
            found += [status for status in page if created_at(status) >= since]
            if created_at(page[-1]) < since:
                return found, True
        return found, False

    def status_pages(self) -> Iterator[list[dict[str, Any]]]:
        params: dict[str, Any] = {"limit": PAGE_SIZE, "exclude_reblogs": "true"}
        for _page in range(MAX_PAGES):
            page = self.get_json(f"/api/v1/accounts/{self.account_id()}/statuses", params=params)
            if not isinstance(page, list) or not all(isinstance(s, dict) and s.get("id") for s in page):
                raise ProviderError("Mastodon listed the account's statuses in an unexpected form.",
                                    ErrorKind.TRANSIENT)
            yield page
            if page:
                params["max_id"] = page[-1]["id"]

    def account_id(self) -> str:
        if self.config.get("account_id"):
            return str(self.config["account_id"])
        me = self.get_json("/api/v1/accounts/verify_credentials")
        account_id = self.config["account_id"] = str(me["id"])
        return account_id

    def matches(self, status: dict[str, Any], draft: Draft, part: Part, reply_to: str | None) -> bool:
        if status.get("reblog") or status.get("in_reply_to_id") != reply_to:
            return False
        warning = draft.options.get("spoiler_text") or ""
        if comparable(status.get("spoiler_text") or "") != comparable(warning):
            return False
        if comparable(text_of_html(status.get("content") or "")) != comparable(part.text):
            return False
        descriptions = [m.get("description") or "" for m in status.get("media_attachments") or []]
        return descriptions == [item.alt_text for item in part.media]

    # -- Metrics ------------------------------------------------------------------------

    # docs.joinmastodon.org/entities/Status: favourites_count, reblogs_count, replies_count; entities/Account:
    # followers_count, following_count, statuses_count. Mastodon counts no views, and quotes only from 4.5 on.
    post_metrics = (LIKES, REPOSTS, REPLIES)
    account_metrics = (FOLLOWERS, FOLLOWING, POSTS)
    metrics_note = "Mastodon does not count views."
    STATUS_COUNTS = {LIKES: "favourites_count", REPOSTS: "reblogs_count", REPLIES: "replies_count"}
    ACCOUNT_COUNTS = {FOLLOWERS: "followers_count", FOLLOWING: "following_count", POSTS: "statuses_count"}

    def metrics(self, published: Published) -> tuple[MetricPoint, ...]:
        """The first status's counts (GET /api/v1/statuses/:id); a thread is measured by its first status."""
        return self.counts(self.get_json(f"/api/v1/statuses/{published.remote_id}"), self.STATUS_COUNTS)

    def account_counts(self) -> tuple[MetricPoint, ...]:
        return self.counts(self.get_json("/api/v1/accounts/verify_credentials"), self.ACCOUNT_COUNTS)

    def recent_posts(self, limit: int) -> tuple[RecentPost, ...]:
        """The account's latest statuses, not its boosts nor its replies (GET /api/v1/accounts/:id/statuses, at most
        40 a page); a status with garbage counts is left out."""
        page = self.get_json(f"/api/v1/accounts/{self.account_id()}/statuses", params={
            "limit": min(limit, PAGE_SIZE), "exclude_reblogs": "true", "exclude_replies": "true"})
        found = []
        for status in page if isinstance(page, list) else []:
            written = parse_time(status.get("created_at")) if isinstance(status, dict) else None
            if written is None or not status.get("id"):
                continue
            try:
                counts = self.counts(status, self.STATUS_COUNTS)
            except ProviderError:
                continue
            found.append(RecentPost(published([status]), written, counts))
        return tuple(found)

    def counts(self, entity: Any, fields: dict[str, str]) -> tuple[MetricPoint, ...]:
        if not isinstance(entity, dict):
            raise ProviderError("Mastodon answered with no status or account.", ErrorKind.TRANSIENT)
        measured_at = clock.now()
        return tuple(metric_point(self.name, name, entity.get(field), measured_at) for name, field in fields.items())

    # -- Deleting -----------------------------------------------------------------------

    # -- The inbox ----------------------------------------------------------------------

    def fetch_inbox(self, position: str) -> InboxPage:
        """Replies, mentions and direct messages newer than `position` (the newest notification id read)."""
        params: dict[str, Any] = {"types[]": ["mention"], "limit": inbox.NOTIFICATIONS_PAGE}
        if position:
            params["min_id"] = position
        notifications = self.get_json("/api/v1/notifications", params=params)
        if not isinstance(notifications, list):
            raise ProviderError("Mastodon answered notifications in an unexpected form.", ErrorKind.TRANSIENT)
        readable = [n for n in notifications if isinstance(n, dict) and isinstance(n.get("id"), str)]
        statuses = [n.get("status") for n in readable if n.get("type") == "mention"]
        items = self.messages(statuses)
        return InboxPage(items, inbox.newest_id([n["id"] for n in readable], position),
                         more=len(notifications) >= inbox.NOTIFICATIONS_PAGE)

    def search(self, query: str, position: str) -> InboxPage:
        """Statuses that name the brand, by anyone but the brand, newer than `position`."""
        params: dict[str, Any] = {"q": query, "type": "statuses", "limit": inbox.SEARCH_PAGE}
        if position:
            params["min_id"] = position
        found = self.get_json("/api/v2/search", params=params)
        return self.others_statuses(found.get("statuses") if isinstance(found, dict) else None, position,
                                    inbox.SEARCH_PAGE, "the search")

    def hashtag_timeline(self, tag: str, position: str) -> InboxPage:
        """A hashtag's public timeline newer than `position` (GET /api/v1/timelines/tag/:hashtag {min_id, limit at
        most 40}: https://docs.joinmastodon.org/methods/timelines/#tag), which needs no search index."""
        params: dict[str, Any] = {"limit": inbox.TAG_PAGE, **({"min_id": position} if position else {})}
        statuses = self.get_json(f"/api/v1/timelines/tag/{quote(tag, safe='')}", params=params)
        return self.others_statuses(statuses, position, inbox.TAG_PAGE, "the hashtag timeline")

    def others_statuses(self, statuses: Any, position: str, page: int, what: str) -> InboxPage:
        """Statuses found on the server as messages of kind "search", without the brand's own, and the newest id."""
        if not isinstance(statuses, list):
            raise ProviderError(f"Mastodon answered {what} in an unexpected form.", ErrorKind.TRANSIENT)
        me = self.account_id()
        theirs = [s for s in statuses if isinstance(s, dict) and (s.get("account") or {}).get("id") != me]
        ids = [s["id"] for s in statuses if isinstance(s, dict) and isinstance(s.get("id"), str)]
        return InboxPage(self.messages(theirs, kind="search"), inbox.newest_id(ids, position),
                         more=len(statuses) >= page)

    def trending_tags(self) -> tuple[TrendingTag, ...]:
        """The server's trending hashtags: GET /api/v1/trends/tags {limit at most 20} -> [Tag {name, url, history:
        [{day, uses, accounts}]}], the history's figures strings and day a Unix time
        (https://docs.joinmastodon.org/methods/trends/#tags, https://docs.joinmastodon.org/entities/Tag/)."""
        tags = self.get_json("/api/v1/trends/tags", params={"limit": inbox.TRENDS_PAGE})
        if not isinstance(tags, list):
            raise ProviderError("Mastodon answered its trends in an unexpected form.", ErrorKind.TRANSIENT)
        return tuple(trend for tag in tags if (trend := inbox.trending_tag(tag)))

    def messages(self, statuses: list[Any], kind: str | None = None) -> tuple[Incoming, ...]:
        """Statuses as messages, each author marked with whether they follow the brand (one request)."""
        authors = sorted({s["account"]["id"] for s in statuses if isinstance(s, dict)
                          and isinstance(s.get("account"), dict) and isinstance(s["account"].get("id"), str)})
        follows: dict[str, bool] = {}
        if authors:
            relationships = self.get_json("/api/v1/accounts/relationships", params={"id[]": authors})
            if isinstance(relationships, list):
                follows = {r["id"]: bool(r.get("followed_by")) for r in relationships
                           if isinstance(r, dict) and isinstance(r.get("id"), str)}
        me = self.account_id()
        return tuple(item for s in statuses if (item := inbox.incoming(s, me, follows, kind)))

    def stream_inbox(self, handle: Callable[[InboxPage], None], stop: threading.Event) -> None:
        """Messages as they happen, from the account's notification stream, until the connection ends or
        `stop` is set. GET /api/v1/streaming/user/notification answers server-sent events: "event:
        notification" with a Notification as its data, "event: delete" with the id of a deleted status, and
        ":" comment lines as heartbeats."""
        url = str(self.setting("streaming_url", self.base_url)).rstrip("/") + "/api/v1/streaming/user/notification"
        timeout = httpx.Timeout(settings.STOA_HTTP_TIMEOUT_SECONDS, read=inbox.STREAM_SILENCE_SECONDS)
        try:
            with self.http.stream("GET", url, headers={"Authorization": f"Bearer {self.token}"},
                                  timeout=timeout) as response:
                if response.is_error:
                    response.read()
                    raise self.error_from_response(response, creating=False)
                for event, data in inbox.server_sent_events(response.iter_lines(), stop):
                    if event == "notification" and (page := self.streamed(data)):
                        handle(page)
                    elif event == "delete" and data.strip().isdigit():  # the data is the deleted status's id
                        handle(InboxPage((inbox.deleted(data.strip()),), ""))
        except httpx.TransportError as e:  # the stream broke or fell silent: the caller reconnects
            raise ProviderError(f"The Mastodon stream ended ({type(e).__name__}).", ErrorKind.TRANSIENT) from e

    def streamed(self, data: str) -> InboxPage | None:
        try:
            notification = json.loads(data)
        except ValueError:
            return None  # a garbled event is skipped; the next poll reads what it was
        if not isinstance(notification, dict) or notification.get("type") != "mention":
            return None
        items = self.messages([notification.get("status")])
        return InboxPage(items, "") if items else None

    # -- Who engaged with a post (ReadsEngagement) --------------------------------------------

    def engaged(self, published: Published, action: str, position: str) -> PeoplePage:
        """People who favourited, boosted, replied to or quoted the status, a page at a time from `position` (the
        max_id of the answer's Link rel="next"; "" for the first page). Replies and quotes come from
        engaged_posts, with their text."""
        if action in ("reply", "quote"):
            page = self.engaged_posts(published, action, position)
            authors = {item.author.remote_id: item.author for item in page.items}
            return PeoplePage(tuple(authors.values()), page.cursor, page.more)
        if action not in ENGAGEMENT_PATHS:
            raise ProviderError(f"Mastodon lists no '{action}' of a status.", ErrorKind.PERMANENT)
        accounts, cursor = self.engagement_page(ENGAGEMENT_PATHS[action] % published.remote_id, position)
        follows = self.followed_by([a["id"] for a in accounts if isinstance(a, dict) and isinstance(a.get("id"), str)])
        people = tuple(found for account in accounts if (found := inbox.person(account, follows)))
        return PeoplePage(people, cursor, more=bool(cursor))

    def engaged_posts(self, published: Published, action: str, position: str) -> InboxPage:
        """The direct replies to the status (GET /api/v1/statuses/:id/context, its descendants answering it, in one
        answer) or its quotes (GET /api/v1/statuses/:id/quotes, Mastodon 4.5, paged by Link), with their text."""
        if action == "reply":
            context = self.get_json(f"/api/v1/statuses/{published.remote_id}/context")
            descendants = context.get("descendants") if isinstance(context, dict) else None
            if not isinstance(descendants, list):
                raise ProviderError("Mastodon answered the status's context in an unexpected form.",
                                    ErrorKind.TRANSIENT)
            statuses = [status for status in descendants
                        if isinstance(status, dict) and status.get("in_reply_to_id") == published.remote_id]
            cursor = ""
        else:
            statuses, cursor = self.engagement_page(f"/api/v1/statuses/{published.remote_id}/quotes", position)
        return InboxPage(self.messages(statuses, kind="comment"), cursor, more=bool(cursor))

    def engagement_page(self, path: str, position: str) -> tuple[list[Any], str]:
        """One page of a list paged by the Link header (docs.joinmastodon.org/api/guidelines/#pagination): the
        entries, and the max_id of rel="next" ("" on the last page)."""
        params: dict[str, Any] = {"limit": ENGAGEMENT_PAGE, **({"max_id": position} if position else {})}
        response = self.call("GET", path, params=params)
        entries = self.json(response)
        if not isinstance(entries, list):
            raise ProviderError("Mastodon answered a list in an unexpected form.", ErrorKind.TRANSIENT)
        next_url = response.links.get("next", {}).get("url", "")
        cursor = httpx.URL(next_url).params.get("max_id", "") if next_url and entries else ""
        return entries, cursor

    def followed_by(self, account_ids: list[str]) -> dict[str, bool]:
        """Whether each account follows the brand (GET /api/v1/accounts/relationships, followed_by)."""
        if not account_ids:
            return {}
        relationships = self.get_json("/api/v1/accounts/relationships", params={"id[]": account_ids})
        if not isinstance(relationships, list):
            return {}
        return {r["id"]: bool(r.get("followed_by")) for r in relationships
                if isinstance(r, dict) and isinstance(r.get("id"), str)}

    def reply(self, to: ReplyTo, text: str) -> Published:
        """A status in reply, mentioning its author (Mastodon delivers a direct message only to the
        people it mentions), private when the message was."""
        handle = to.author_handle if to.author_handle.startswith("@") else f"@{to.author_handle}"
        if to.author_handle and handle.casefold() not in text.casefold():
            text = f"{handle} {text}"
        form = {"status": text, "in_reply_to_id": to.remote_id,
                "visibility": "direct" if to.kind == "message" else "public"}
        response = self.call("POST", "/api/v1/statuses", creating=True, data=form,
                             headers={"Idempotency-Key": f"stoa-reply-{uuid.uuid4().hex}"})
        status = self.json(response, creating=True)
        if not isinstance(status, dict) or not isinstance(status.get("id"), str):
            raise ProviderError("Mastodon took the reply but did not say which status it became.",
                                ErrorKind.UNKNOWN_OUTCOME)
        return Published(status["id"], str(status.get("url") or ""), (status["id"],))

    def delete(self, published: Published) -> None:
        # Replies first, so no post of the thread is left answering a deleted one.
        for status_id in reversed(published.parts or (published.remote_id,)):
            try:
                self.call("DELETE", f"/api/v1/statuses/{status_id}")
            except MastodonError as error:
                if error.status != 404:  # already gone is what we wanted
                    raise

    # -- Talking to the server ----------------------------------------------------------

    def request_cost(self, method: str, url: str, **request: Any) -> dict[str, int]:
        path = urlsplit(url).path
        cost = {"requests": 1}
        if method == "POST" and path in ("/api/v1/media", "/api/v2/media"):
            cost["media"] = 1
        if method == "DELETE" and path.startswith("/api/v1/statuses/"):
            cost["deletions"] = 1
        return cost

    @property
    def base_url(self) -> str:
        url = str(self.config.get("instance_url") or "").strip()
        if url and "://" not in url:
            url = f"https://{url}"
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not HOST.fullmatch(parts.hostname or ""):
            raise ProviderError("Enter the server's address, like https://mastodon.social.",
                                ErrorKind.AUTHORIZATION)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def token(self) -> str:
        token = str(self.credentials.get("access_token") or "").strip()
        if not token:
            raise ProviderError("Enter the access token of your Mastodon application.",
                                ErrorKind.AUTHORIZATION)
        return token

    def call(self, method: str, path: str, *, creating: bool = False, headers: dict[str, str] | None = None,
             **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        return self.request(method, self.base_url + path, creating=creating, headers=headers, **kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.json(self.call("GET", path, **kwargs))

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> MastodonError:
        status, detail = response.status_code, error_text(response)
        retry_after = None
        if status == 429:
            retry_after = self.reset_seconds(response)
            when = f"in {retry_after:.0f} seconds" if retry_after else "later"
            message, kind = (f"Mastodon is limiting how often this account may post ({detail}). "
                             f"Stoa will try again {when}."), ErrorKind.RATE_LIMITED
        elif status == 401:
            message, kind = (f"Mastodon rejected the access token ({detail}). Create a new access token "
                             "and reconnect the channel."), ErrorKind.AUTHORIZATION
        elif status == 403:
            message, kind = (f"Mastodon does not let this account or token do that ({detail}). Check the "
                             "account and the token's scopes, then reconnect."), ErrorKind.AUTHORIZATION
        elif (status >= 500 or status == 408) and creating:
            message, kind = (f"Mastodon had a server error while posting ({status}: {detail}); the post "
                             "may or may not be on the account."), ErrorKind.UNKNOWN_OUTCOME
        elif status >= 500 or status == 408:
            message, kind = f"Mastodon had a server error ({status}: {detail}).", ErrorKind.TRANSIENT
        else:
            message, kind = f"Mastodon refused the request ({status}): {detail}", ErrorKind.PERMANENT
        return MastodonError(message, kind, retry_after, status=status)

    def reset_seconds(self, response: httpx.Response) -> float | None:
        """Seconds until X-RateLimit-Reset, measured from the server's own Date where it sends one. The
        documentation gives it as an ISO 8601 time; a number is read as Unix seconds, as some imitations of
        Mastodon (mastodon-mock) write it, rather than dropped."""
        header = response.headers.get("x-ratelimit-reset", "").strip()
        reset = parse_time(header) or (datetime.fromtimestamp(int(header), UTC) if header.isdigit() else None)
        if reset is None:
            value = response.headers.get("retry-after", "")
            return float(value) if value.strip().isdigit() else None
        try:
            now = parsedate_to_datetime(response.headers["date"])
        except (KeyError, TypeError, ValueError):
            now = self.now()
        return max((reset - aware(now)).total_seconds(), 1.0)


# -- Helpers ----------------------------------------------------------------------------------


# docs.joinmastodon.org/methods/statuses/#favourited_by and #reblogged_by: Array of Account, paged by the Link header.
# Their limit's maximum is given as 80 there and 40 elsewhere: 40, the safe side.
ENGAGEMENT_PATHS = {"like": "/api/v1/statuses/%s/favourited_by", "repost": "/api/v1/statuses/%s/reblogged_by"}
ENGAGEMENT_PAGE = 40


def instance_settings(instance: dict[str, Any]) -> dict[str, Any]:
    """The limits worth keeping from GET /api/v2/instance (or v1, where the same names apply)."""
    configuration = instance.get("configuration") or {}  # absent before Mastodon 3.4.2
    statuses = configuration.get("statuses") or {}
    media = configuration.get("media_attachments") or {}
    settings = {
        "max_characters": statuses.get("max_characters", DEFAULT_MAX_CHARACTERS),
        "max_media_attachments": statuses.get("max_media_attachments", DEFAULT_MAX_MEDIA),
        "characters_reserved_per_url": statuses.get("characters_reserved_per_url", DEFAULT_URL_LENGTH),
        "supported_mime_types": list(media.get("supported_mime_types") or DEFAULT_MIME_TYPES),
        "image_size_limit": media.get("image_size_limit", DEFAULT_IMAGE_BYTES),
        "video_size_limit": media.get("video_size_limit", DEFAULT_VIDEO_BYTES),
    }
    if "description_limit" in media:  # since Mastodon 4.4
        settings["description_limit"] = media["description_limit"]
    streaming = (configuration.get("urls") or {}).get("streaming") or (instance.get("urls") or {}).get(
        "streaming_api")  # v2 configuration.urls.streaming; v1 urls.streaming_api
    if isinstance(streaming, str) and streaming.startswith(("wss://", "ws://", "https://", "http://")):
        settings["streaming_url"] = streaming.replace("wss://", "https://", 1).replace("ws://", "http://", 1)
    return settings


def parts_of(draft: Draft) -> list[Part]:
    thread = draft.options.get("thread") or []
    return [Part(0, draft.text, draft.media)] + [Part(n, text, ()) for n, text in enumerate(thread, start=1)]


def part_key(attempt: Attempt, index: int) -> str:
    """The first post uses the attempt's key; later posts of a thread derive theirs from it."""
    return attempt.key if index == 0 else f"{attempt.key}-part-{index + 1}"


def published(statuses: list[dict[str, Any]]) -> Published:
    first = statuses[0]
    return Published(
        remote_id=str(first["id"]),
        url=str(first.get("url") or first.get("uri") or ""),  # `url` may be null
        parts=tuple(str(status["id"]) for status in statuses),
    )


def is_audio_or_video(item: MediaFile) -> bool:
    return item.content_type.startswith(("video/", "audio/"))


def error_text(response: httpx.Response) -> str:
    """Mastodon's {"error": "..."}, or a short word on what came back instead (a proxy's page)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(error := body.get("error"), str):
        return error[:300]
    if "html" in response.headers.get("content-type", ""):
        return response.reason_phrase or "an HTML page instead of an answer"
    return response.text.strip()[:200] or response.reason_phrase or "no details"


def created_at(status: dict[str, Any]) -> datetime:
    moment = parse_time(status.get("created_at"))
    if moment is None:
        shown = status.get("created_at")
        raise ProviderError(f"Mastodon listed a status with an unreadable time ({shown!r}), so Stoa "
                            "cannot tell what was posted since.", ErrorKind.TRANSIENT)
    return moment


