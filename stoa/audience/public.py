"""Public accounts read without the brand's credentials: a competitor's profile and posts, and the followers of the
people in the brand's audience.

Bluesky: the AppView answers app.bsky.actor.getProfile(s) and app.bsky.feed.getAuthorFeed with no session
(the lexicon of getAuthorFeed: "Does not require auth"; https://docs.bsky.app/docs/api/app-bsky-feed-get-author-feed,
https://docs.bsky.app/docs/api/app-bsky-actor-get-profile); Bluesky's public AppView host is
https://public.api.bsky.app (https://docs.bsky.app/docs/advanced-guides/api-directory), settings.
STOA_BLUESKY_PUBLIC_API. Mastodon: GET /api/v1/accounts/lookup, /api/v1/accounts/:id and
/api/v1/accounts/:id/statuses are public on servers that do not require sign-in for them
(https://docs.joinmastodon.org/methods/accounts/#lookup, #get, #statuses); a server in "limited federation" or
"authorized fetch" mode may refuse, which is said as a ReadError (its reason on the page, its details in the log).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import httpx
from django.conf import settings
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _

from stoa.audience.models import Format
from stoa.providers.base import parse_time

PROFILES_PER_REQUEST = 25  # app.bsky.actor.getProfiles: actors maxLength 25
FEED_LIMIT = 100  # app.bsky.feed.getAuthorFeed: limit maximum 100
STATUSES_LIMIT = 40  # GET /api/v1/accounts/:id/statuses: limit maximum 40


class ReadError(Exception):
    """A public read that failed: `reason` (a key of READ_ERRORS, what the page says) and the details for the log."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


# What a person reads on the competitors' page, by ReadError.reason (stored in Competitor.last_error).
READ_ERRORS = {
    "unreachable": _("The server could not be reached; it is tried again at the next read."),
    "not_found": _("There is no such public account."),
    "sign_in": _("The server shows this account only to those signed in."),
    "refused": _("The server refused the read; it is tried again at the next read."),
    "garbled": _("The server answered in an unexpected form; it is tried again at the next read."),
    "asked_hidden": _("The account asked to be shown only to signed-in people, so Stoa does not read it."),
}
# A Bluesky account's self-label asking that it be shown only to signed-in users ("Sign-in Required" in the
# moderation SDK of @atproto/api 0.7.0, https://github.com/bluesky-social/atproto/pull/1937). The AppView still
# answers anonymous reads of such an account; Stoa honours the wish: no competitor is read, no follower count kept.
SIGNED_IN_ONLY = "!no-unauthenticated"


def signed_in_only(view: dict[str, Any]) -> bool:
    """Whether the profile view (app.bsky.actor.defs#profileViewDetailed, its `labels`) carries SIGNED_IN_ONLY."""
    return any(isinstance(label, dict) and label.get("val") == SIGNED_IN_ONLY for label in view.get("labels") or [])


@dataclass(frozen=True)
class Profile:
    remote_id: str
    handle: str
    name: str
    url: str
    followers: int | None
    posts: int | None


@dataclass(frozen=True)
class PublicPost:
    remote_id: str
    url: str
    published_at: datetime
    format: str
    text: str
    likes: int
    reposts: int
    replies: int


def count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def get_json(http: httpx.Client, url: str, params: dict[str, Any], what: str) -> Any:
    try:
        response = http.get(url, params=params)
    except httpx.HTTPError as error:
        raise ReadError("unreachable", f"{what}: the server could not be reached ({type(error).__name__}).") from error
    if response.status_code == 404:
        raise ReadError("not_found", f"{what}: no such public account.")
    if response.status_code in (401, 403):
        raise ReadError("sign_in", f"{what}: the server does not show it without signing in.")
    if response.status_code >= 400:
        raise ReadError("refused", f"{what}: the server answered {response.status_code}.")
    try:
        return response.json()
    except ValueError as error:
        raise ReadError("garbled", f"{what}: the server did not answer in JSON.") from error


class BlueskyPublic:
    def __init__(self, http: httpx.Client, base_url: str = "") -> None:
        self.http = http
        self.base_url = (base_url or settings.STOA_BLUESKY_PUBLIC_API).rstrip("/")

    def xrpc(self, method: str, params: dict[str, Any]) -> Any:
        return get_json(self.http, f"{self.base_url}/xrpc/{method}", params, f"Bluesky's {method}")

    def profile(self, actor: str) -> Profile:
        """app.bsky.actor.getProfile (#profileViewDetailed: did, handle, displayName, followersCount, postsCount)."""
        view = self.xrpc("app.bsky.actor.getProfile", {"actor": actor.lstrip("@")})
        if not isinstance(view, dict) or not isinstance(view.get("did"), str):
            raise ReadError("garbled", "Bluesky answered app.bsky.actor.getProfile without a profile.")
        if signed_in_only(view):
            raise ReadError("asked_hidden", f"{actor} asks to be shown only to signed-in users ({SIGNED_IN_ONLY}).")
        return self.as_profile(view)

    def as_profile(self, view: dict[str, Any]) -> Profile:
        handle = str(view.get("handle") or "")
        return Profile(view["did"], handle, str(view.get("displayName") or ""),
                       f"https://bsky.app/profile/{handle or view['did']}", count(view.get("followersCount")),
                       count(view.get("postsCount")))

    def followers(self, dids: list[str]) -> dict[str, int | None]:
        """Followers of many people, 25 to a request of app.bsky.actor.getProfiles; those who asked to be shown
        only to signed-in users are left out (their reach stays unknown)."""
        found: dict[str, int | None] = {}
        for start in range(0, len(dids), PROFILES_PER_REQUEST):
            body = self.xrpc("app.bsky.actor.getProfiles", {"actors": dids[start:start + PROFILES_PER_REQUEST]})
            for view in (body.get("profiles") if isinstance(body, dict) else None) or []:
                if isinstance(view, dict) and isinstance(view.get("did"), str) and not signed_in_only(view):
                    found[view["did"]] = count(view.get("followersCount"))
        return found

    def posts(self, actor: str, handle: str) -> list[PublicPost]:
        """The account's own latest posts (filter posts_no_replies; its reposts of others left out)."""
        body = self.xrpc("app.bsky.feed.getAuthorFeed",
                         {"actor": actor, "filter": "posts_no_replies", "limit": FEED_LIMIT})
        found = []
        for item in (body.get("feed") if isinstance(body, dict) else None) or []:
            post = item.get("post") if isinstance(item, dict) else None
            if item.get("reason") or not isinstance(post, dict) or (post.get("author") or {}).get("did") != actor:
                continue  # a repost (#reasonRepost), a pinned post's reason, or someone else's post
            if parsed := self.as_post(post, handle):
                found.append(parsed)
        return found

    def as_post(self, post: dict[str, Any], handle: str) -> PublicPost | None:
        record: dict[str, Any] = post["record"] if isinstance(post.get("record"), dict) else {}
        written = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
        uri = post.get("uri")
        if not isinstance(uri, str) or written is None:
            return None
        return PublicPost(uri, f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}", written,
                          bluesky_format(post.get("embed"), record), str(record.get("text") or ""),
                          count(post.get("likeCount")) or 0, count(post.get("repostCount")) or 0,
                          count(post.get("replyCount")) or 0)


# The embed views of app.bsky.feed.defs#postView (lexicons app.bsky.embed.*): images, video, external (a link card),
# record (a quote: the post's own format is its text) and recordWithMedia (a quote with pictures or a video).
BLUESKY_EMBEDS = {"app.bsky.embed.images#view": Format.IMAGE, "app.bsky.embed.video#view": Format.VIDEO,
                  "app.bsky.embed.external#view": Format.LINK}
LINK_FACET = "app.bsky.richtext.facet#link"


def bluesky_format(embed: Any, record: dict[str, Any]) -> str:
    kind = embed.get("$type") if isinstance(embed, dict) else None
    if kind == "app.bsky.embed.recordWithMedia#view":
        return bluesky_format(embed.get("media"), record)
    if kind in BLUESKY_EMBEDS:
        return BLUESKY_EMBEDS[kind]
    features = [f for facet in record.get("facets") or [] if isinstance(facet, dict)
                for f in facet.get("features") or [] if isinstance(f, dict)]
    return Format.LINK if any(f.get("$type") == LINK_FACET for f in features) else Format.TEXT


class MastodonPublic:
    def __init__(self, http: httpx.Client, server: str) -> None:
        self.http = http
        self.server = server.rstrip("/")

    def api(self, path: str, params: dict[str, Any]) -> Any:
        return get_json(self.http, f"{self.server}{path}", params, f"{urlparse(self.server).netloc} ({path})")

    def profile(self, acct: str) -> Profile:
        """GET /api/v1/accounts/lookup?acct= (an Account: id, acct, display_name, url, followers_count,
        statuses_count)."""
        account = self.api("/api/v1/accounts/lookup", {"acct": acct.lstrip("@")})
        if not isinstance(account, dict) or not isinstance(account.get("id"), str):
            raise ReadError("garbled", "Mastodon answered the account lookup without an account.")
        return Profile(account["id"], str(account.get("acct") or acct), str(account.get("display_name") or ""),
                       str(account.get("url") or ""), count(account.get("followers_count")),
                       count(account.get("statuses_count")))

    def followers(self, ids: list[str]) -> dict[str, int | None]:
        """Each account's followers_count (GET /api/v1/accounts/:id); an account gone is left out."""
        found: dict[str, int | None] = {}
        for account_id in ids:
            try:
                account = self.api(f"/api/v1/accounts/{account_id}", {})
            except ReadError:
                continue
            if isinstance(account, dict):
                found[account_id] = count(account.get("followers_count"))
        return found

    def posts(self, account_id: str) -> list[PublicPost]:
        """The account's latest statuses, neither its boosts nor its replies."""
        statuses = self.api(f"/api/v1/accounts/{account_id}/statuses", {
            "limit": STATUSES_LIMIT, "exclude_replies": "true", "exclude_reblogs": "true"})
        found = []
        for status in statuses if isinstance(statuses, list) else []:
            written = parse_time(status.get("created_at")) if isinstance(status, dict) else None
            if written is None or not isinstance(status.get("id"), str):
                continue
            text = strip_tags(str(status.get("content") or ""))
            found.append(PublicPost(status["id"], str(status.get("url") or ""), written, mastodon_format(status), text,
                                    count(status.get("favourites_count")) or 0, count(status.get("reblogs_count")) or 0,
                                    count(status.get("replies_count")) or 0))
        return found


def mastodon_format(status: dict[str, Any]) -> str:
    """MediaAttachment.type is image, gifv, video, audio or unknown; a PreviewCard (`card`) is a link's preview
    (https://docs.joinmastodon.org/entities/MediaAttachment/, /entities/Status/#card)."""
    types = {m.get("type") for m in status.get("media_attachments") or [] if isinstance(m, dict)}
    if types & {"video", "gifv"}:
        return Format.VIDEO
    if "image" in types:
        return Format.IMAGE
    return Format.LINK if status.get("card") else Format.TEXT
