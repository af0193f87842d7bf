"""Bluesky: post to any AT Protocol PDS through its XRPC HTTP API, with plain httpx.

The facts used here come from the atproto lexicons (bluesky-social/atproto, lexicons/) and
docs.bsky.app:
- XRPC: GET /xrpc/<nsid> for queries, POST for procedures; errors are {"error", "message"}.
- Sessions: com.atproto.server.createSession {identifier, password} gives accessJwt, refreshJwt,
  did and handle; com.atproto.server.refreshSession (authorized with the refreshJwt) gives new ones.
  An expired access token answers ExpiredToken (or InvalidToken). createSession is rate limited
  per account (30 per 5 minutes, 300 a day on bsky.social), so the session is kept in the
  credentials, which the engine saves when they change, and reused.
- Posts: app.bsky.feed.post records {text (300 graphemes, 3000 bytes), facets, reply {root,
  parent}, embed, langs, createdAt}, keyed by TID, written with com.atproto.repo.createRecord.
- Images: com.atproto.repo.uploadBlob, then app.bsky.embed.images {images: [{image, alt}]}, at
  most 4. The lexicon now allows 2,000,000 bytes an image ("formerly limited to 1 MB"); Stoa keeps
  to 1,000,000 so that PDSes still on the old limit accept them too.
- Rate limits: HTTP 429 RateLimitExceeded, with a RateLimit-Reset header (UNIX seconds).

Each post's record key is chosen by Stoa from the attempt (see tid.py), so reconcile() can ask
com.atproto.repo.getRecord whether an attempt whose answer was lost created its posts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stoa import clock
from stoa.providers.base import (
    FOLLOWERS,
    FOLLOWING,
    LIKES,
    POSTS,
    QUOTES,
    REPLIES,
    REPOSTS,
    Account,
    Attempt,
    ConnectField,
    Draft,
    ErrorKind,
    InboxPage,
    Incoming,
    Limits,
    MediaFile,
    MetricPoint,
    PeoplePage,
    Person,
    Problem,
    Provider,
    ProviderError,
    Published,
    RateLimit,
    RecentPost,
    ReplyTo,
    aware,
    describe_response,
    metric_point,
    parse_time,
    retry_after_seconds,
    thread_part_too_long,
)
from stoa.providers.bluesky import inbox, richtext
from stoa.providers.bluesky.tid import attempt_rkeys, legacy_attempt_rkeys
from stoa.providers.capabilities import (
    Hides,
    Publishes,
    ReadsEngagement,
    ReadsInbox,
    ReadsMessages,
    ReadsMetrics,
    Replies,
    Searches,
)

DEFAULT_PDS_URL = "https://bsky.social"
POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"
MAX_POST_BYTES = 3000  # app.bsky.feed.post text maxLength, in UTF-8 bytes
SESSION_EXPIRED = ("ExpiredToken", "InvalidToken")
SIGN_IN_REFUSED = ("AuthenticationRequired", "AuthFactorTokenRequired", "AccountTakedown",
                   "AccountDeactivated", "AuthMissing")
# Points a record write spends (putRecord may create, so it is counted as a create).
WRITE_POINTS = {"com.atproto.repo.createRecord": 3, "com.atproto.repo.putRecord": 3,
                "com.atproto.repo.deleteRecord": 1}
APP_PASSWORD_HINT = "Create an app password in Bluesky (Settings → Privacy and security → App passwords)."


class BlueskyError(ProviderError):
    """A ProviderError that remembers the XRPC error name and Bluesky's own message, for callers
    that expect a particular error."""

    def __init__(self, message: str, kind: ErrorKind, error: str = "", detail: str = "",
                 retry_after: float | None = None):
        super().__init__(message, kind, retry_after=retry_after)
        self.error = error
        self.detail = detail


class ThreadInterrupted(ProviderError):
    """Some posts of a thread are out and the next one failed. Publishing again from the start
    would repeat them, so this is an unknown outcome: reconcile() finishes the thread."""

    def __init__(self, message: str, cause: ProviderError):
        super().__init__(message, ErrorKind.UNKNOWN_OUTCOME)
        self.cause = cause


class BlueskyProvider(Provider, Publishes, ReadsInbox, ReadsMessages, Searches, Replies, Hides, ReadsMetrics,
                      ReadsEngagement):
    key = "bluesky"
    name = "Bluesky"
    limits = Limits(
        max_text=300,
        counts="graphemes",  # app.bsky.feed.post text: maxGraphemes 300
        max_media=4,  # app.bsky.embed.images: images maxLength 4
        media_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
        max_media_bytes=1_000_000,  # see the module docstring
    )
    supports_threads = True
    # https://docs.bsky.app/docs/advanced-guides/rate-limits: record writes per account (DID) 5,000 points an hour and
    # 35,000 a day, a create 3 points, an update 2, a delete 1; createSession 30 every 5 minutes and 300 a day per
    # handle. The 3,000 requests every 5 minutes are per IP address, shared by all of a Stoa's channels: not one's own.
    post_cost = {"points-hour": 3, "points-day": 3}  # com.atproto.repo.createRecord
    rate_limits = (RateLimit("points-hour", 5000, 3600), RateLimit("points-day", 35_000, 86_400),
                   RateLimit("sign-ins", 30, 5 * 60), RateLimit("sign-ins-day", 300, 86_400))
    # The sign-in name is kept with the app password: createSession needs both, and it may be an email.
    connect_fields = (
        ConnectField("pds_url", gettext_lazy("Server"), required=False,
                     help=gettext_lazy("Leave empty for https://bsky.social; a self-hosted PDS by its address.")),
        ConnectField("identifier", gettext_lazy("Handle"), sign_in=True,
                     help=gettext_lazy("Like name.bsky.social, or the account's email.")),
        ConnectField("app_password", gettext_lazy("App password"), secret=True,
                     help=gettext_lazy("Not your account password: create one in Bluesky under Settings → "
                                       "Privacy and security → App passwords.")),
    )

    # -- Connecting ---------------------------------------------------------------------

    def connect(self) -> Account:
        session = self.create_session()
        if session.get("active") is False:
            status = session.get("status") or "not active"
            raise ProviderError(f"This Bluesky account is {status}; it cannot post.", ErrorKind.AUTHORIZATION)
        handle = self.handle
        return Account(
            remote_id=self.did,
            name=handle,
            url=f"https://bsky.app/profile/{handle}",
            settings={"did": self.did, "handle": handle},
        )

    # -- Publishing ---------------------------------------------------------------------

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        problems = self.validate(draft)
        if problems:
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        texts = thread_texts(draft)
        rkeys = attempt_rkeys(attempt, len(texts))
        records = [self.post_record(draft, text, attempt_time(attempt)) for text in texts]
        if draft.media:
            records[0]["embed"] = self.images_embed(draft.media)
        return self.post_thread(records, rkeys, done=[])

    def post_record(self, draft: Draft, text: str, created_at: str = "") -> dict[str, Any]:
        """A post's record. A published post's createdAt is its attempt's start, which reconcile()
        compares to know a record as the attempt's own."""
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": created_at or now_iso()}
        if facets := self.facets(text):
            record["facets"] = facets
        if draft.language:
            record["langs"] = [draft.language]
        return record

    def post_thread(self, records: list[dict[str, Any]], rkeys: list[str], done: list[dict[str, str]]) -> Published:
        """Create `records` after the posts already `done` (strong refs {uri, cid}), each replying
        to the one before. Once the first post exists, a failure raises ThreadInterrupted."""
        refs, total = list(done), len(done) + len(records)
        for record, rkey in zip(records, rkeys, strict=True):
            if refs:
                record = record | {"reply": {"root": refs[0], "parent": refs[-1]}}
            try:
                refs.append(self.create_post(record, rkey))
            except ProviderError as e:
                if not refs:
                    raise
                raise ThreadInterrupted(
                    f"Bluesky published {len(refs)} of the {total} posts of this thread, then: {e.message}", e
                ) from e
        return self.published(refs)

    def create_post(self, record: dict[str, Any], rkey: str) -> dict[str, str]:
        body = self.call("com.atproto.repo.createRecord", creating=True, json={
            "repo": self.did, "collection": POST, "rkey": rkey, "record": record,
        })
        return strong_ref(body, creating=True)

    def published(self, refs: list[dict[str, str]]) -> Published:
        uris = tuple(ref["uri"] for ref in refs)
        return Published(remote_id=uris[0], url=self.post_url(uris[0]), parts=uris)

    def post_url(self, uri: str) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{uri.rsplit('/', 1)[-1]}"

    # -- Rich text and images -----------------------------------------------------------

    def facets(self, text: str) -> list[dict[str, Any]]:
        facets = []
        for span in richtext.find_spans(text):
            if span.kind == "link":
                feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
            elif span.kind == "tag":
                feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
            elif did := self.resolve_handle(span.value):
                feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
            else:
                continue  # nobody has that handle: the text stays plain
            facets.append(richtext.facet(span, feature))
        return facets

    def resolve_handle(self, handle: str) -> str | None:
        try:
            body = self.call("com.atproto.identity.resolveHandle", params={"handle": handle}, auth=False)
        except ProviderError as e:
            if e.kind == ErrorKind.PERMANENT:  # "Unable to resolve handle"
                return None
            raise
        did = body.get("did")
        return did if isinstance(did, str) and did.startswith("did:") else None

    def images_embed(self, media: tuple[MediaFile, ...]) -> dict[str, Any]:
        images = [{"image": self.upload_blob(item), "alt": item.alt_text or ""} for item in media]
        return {"$type": "app.bsky.embed.images", "images": images}

    def upload_blob(self, item: MediaFile) -> dict[str, Any]:
        body = self.call("com.atproto.repo.uploadBlob", method="POST", content=item.read(),
                         headers={"Content-Type": item.content_type})
        blob = body.get("blob")
        if not isinstance(blob, dict) or "ref" not in blob:
            raise ProviderError(f"Bluesky took {item.filename} but did not say where it is stored.",
                                ErrorKind.TRANSIENT)
        return blob

    # -- Checking what an attempt did ---------------------------------------------------

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        texts = thread_texts(draft)
        refs, rkeys = self.find_thread(texts, attempt_rkeys(attempt, len(texts)), attempt_time(attempt))
        if not refs:  # an attempt from before the keys changed may have used the earlier ones
            refs, rkeys = self.find_thread(texts, legacy_attempt_rkeys(attempt, len(texts)), created_at="")
        if not refs:
            return None  # the first post is not there, or is not this attempt's: it published nothing
        if len(refs) == len(rkeys):
            return self.published(refs)
        # The thread stopped part way: finish it (only the first post carries the images).
        records = [self.post_record(draft, text, attempt_time(attempt)) for text in texts[len(refs):]]
        try:
            return self.post_thread(records, rkeys[len(refs):], done=refs)
        except ThreadInterrupted as e:
            if e.cause.kind == ErrorKind.PERMANENT:  # trying again will not help: a person decides
                raise ProviderError(f"{e.message} Look at the thread on Bluesky, then finish or delete it.",
                                    ErrorKind.UNKNOWN_OUTCOME) from e
            # Checking again later is safe: every post is looked up before it is created.
            kind = ErrorKind.TRANSIENT if e.cause.kind == ErrorKind.UNKNOWN_OUTCOME else e.cause.kind
            raise ProviderError(e.message, kind, retry_after=e.cause.retry_after) from e

    def find_thread(self, texts: list[str], rkeys: list[str],
                    created_at: str) -> tuple[list[dict[str, str]], list[str]]:
        """The strong refs of the attempt's posts that exist, in order, and the keys looked up.

        A record under one of the keys counts only if it is this attempt's post: its text, its
        createdAt (where the attempt set it) and its place in the thread are compared, so another
        post that holds the key is never taken for this one."""
        refs: list[dict[str, str]] = []
        for index, (rkey, text) in enumerate(zip(rkeys, texts, strict=True)):
            found = self.find_post(rkey)
            if found is None:
                break
            ref, record = found
            if not is_attempts_post(record, text, created_at, parent=refs[-1] if refs else None):
                if not refs:
                    return [], rkeys
                raise ProviderError(
                    f"Post {index + 1} of this thread on Bluesky is not the one Stoa published ({ref['uri']}). "
                    "Look at the thread on Bluesky, then finish or delete it.", ErrorKind.UNKNOWN_OUTCOME)
            refs.append(ref)
        return refs, rkeys

    def find_post(self, rkey: str) -> tuple[dict[str, str], dict[str, Any]] | None:
        """The strong ref and the record of the brand's post under `rkey`, if there is one."""
        try:
            body = self.call("com.atproto.repo.getRecord",
                             params={"repo": self.did, "collection": POST, "rkey": rkey})
        except BlueskyError as e:
            if e.error == "RecordNotFound":
                return None
            raise
        record = body.get("value")
        return strong_ref(body, creating=False), record if isinstance(record, dict) else {}

    def delete(self, published: Published) -> None:
        # Replies first, so the thread never shows replies to a deleted post.
        for uri in reversed(published.parts or (published.remote_id,)):
            repo, collection, rkey = parse_at_uri(uri)
            self.call("com.atproto.repo.deleteRecord",
                      json={"repo": repo, "collection": collection, "rkey": rkey})

    # -- The inbox ----------------------------------------------------------------------

    def fetch_inbox(self, position: str) -> InboxPage:
        """Replies, mentions and quotes of the brand's account newer than `position`."""
        return self.read_newest("app.bsky.notification.listNotifications", "notifications", position,
                                {"reasons": list(inbox.MESSAGE_REASONS)}, self.from_notification)

    def search(self, query: str, position: str) -> InboxPage:
        """Posts that name the brand, by anyone but the brand itself, newer than `position`."""
        return self.read_newest("app.bsky.feed.searchPosts", "posts", position, {"q": query, "sort": "latest"},
                                self.from_search)

    def from_notification(self, n: dict[str, Any]) -> Incoming | None:
        kind = inbox.MESSAGE_REASONS.get(n.get("reason", ""))
        return inbox.incoming(n.get("uri"), n.get("record"), n.get("author"), n.get("indexedAt", ""), kind) \
            if kind else None

    def from_search(self, post: dict[str, Any]) -> Incoming | None:
        author = post.get("author")
        if isinstance(author, dict) and author.get("did") == self.did:
            return None
        return inbox.incoming(post.get("uri"), post.get("record"), author, post.get("indexedAt", ""), "search")

    def read_newest(self, nsid: str, key: str, position: str, params: dict[str, Any],
                    convert: Callable[[dict[str, Any]], Incoming | None]) -> InboxPage:
        """Pages, newest first, until the one that reaches `position` (the newest indexedAt seen before)."""
        found, newest, cursor, reached = [], position, None, False
        for _page in range(inbox.MAX_PAGES):
            body = self.call(nsid, params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})})
            entries = body.get(key) if isinstance(body, dict) else None
            if not isinstance(entries, list):
                raise ProviderError(f"Bluesky answered {nsid} without a list of {key}.", ErrorKind.TRANSIENT)
            for entry in entries:
                indexed = entry.get("indexedAt") if isinstance(entry, dict) else None
                if not isinstance(indexed, str):
                    continue  # garbage in a page: skipped, the rest of the page still counts
                if position and indexed <= position:
                    reached = True
                    continue
                newest = max(newest, indexed)
                if item := convert(entry):
                    found.append(item)
            cursor = body.get("cursor")
            if reached or not cursor or not entries:
                break
        more = bool(cursor) and not reached
        # While older pages still wait, the position stays, so the next read goes on where this one stopped.
        return InboxPage(tuple(found), position if more and position else newest, more)

    def fetch_messages(self, position: str) -> InboxPage:
        """Direct messages to the brand after `position` (the chat log's cursor), with their senders' profiles."""
        logs, cursor = [], position
        for _page in range(inbox.MAX_PAGES):
            body = self.call("chat.bsky.convo.getLog", params={"cursor": cursor} if cursor else {},
                             headers={"atproto-proxy": inbox.CHAT_PROXY})
            page = body.get("logs")
            if not isinstance(page, list):
                raise ProviderError("Bluesky answered chat.bsky.convo.getLog without logs.", ErrorKind.TRANSIENT)
            logs += [log for log in page if isinstance(log, dict) and log.get("$type") in (inbox.CREATED,
                                                                                            inbox.DELETED)]
            if not isinstance(body.get("cursor"), str) or body["cursor"] == cursor or not page:
                break
            cursor = body["cursor"]
        senders = sorted({m["sender"]["did"] for log in logs if isinstance(m := log.get("message"), dict)
                          and isinstance(m.get("sender"), dict) and isinstance(m["sender"].get("did"), str)}
                         - {self.did})
        people = self.profiles(senders)
        items = tuple(item for log in logs if (item := inbox.chat_message(log, people, self.did)))
        return InboxPage(items, cursor or position)

    def profiles(self, dids: list[str]) -> dict[str, Person]:
        """Who they are, 25 at a time (app.bsky.actor.getProfiles)."""
        people = {}
        for start in range(0, len(dids), 25):
            body = self.call("app.bsky.actor.getProfiles", params={"actors": dids[start:start + 25]})
            for profile in body.get("profiles") or []:
                if found := inbox.person(profile):
                    people[found.remote_id] = found
        return people

    # -- Who engaged with a post (ReadsEngagement) --------------------------------------------

    def engaged(self, published: Published, action: str, position: str) -> PeoplePage:
        """People who liked, reposted, replied to or quoted the post, a page at a time from `position` (the
        network's cursor; "" for the first page). Replies and quotes come from engaged_posts, with their text."""
        if action in ("reply", "quote"):
            page = self.engaged_posts(published, action, position)
            authors = {item.author.remote_id: item.author for item in page.items}
            return PeoplePage(tuple(authors.values()), page.cursor, page.more)
        if action not in ENGAGEMENT_LISTS:
            raise ProviderError(f"Bluesky lists no '{action}' of a post.", ErrorKind.PERMANENT)
        nsid, key = ENGAGEMENT_LISTS[action]
        body = self.call(nsid, params={"uri": published.remote_id, "limit": 100, **cursor_param(position)})
        entries = listed(body, key, nsid)
        # getLikes gives each like with its actor; getRepostedBy gives the profiles themselves.
        profiles = [entry.get("actor") if action == "like" else entry for entry in entries if isinstance(entry, dict)]
        people = tuple(found for profile in profiles if (found := inbox.person(profile)))
        cursor = next_cursor(body, entries)
        return PeoplePage(people, cursor, more=bool(cursor))

    def engaged_posts(self, published: Published, action: str, position: str) -> InboxPage:
        """The replies to the post (app.bsky.feed.getPostThread, depth 1: its direct replies, in one answer) or its
        quotes (app.bsky.feed.getQuotes, 100 a page from the cursor `position`), as messages with their text."""
        if action == "reply":
            body = self.call("app.bsky.feed.getPostThread", params={"uri": published.remote_id, "depth": 1})
            thread = body.get("thread")
            replies = thread.get("replies") if isinstance(thread, dict) else None
            views = [reply.get("post") for reply in replies or [] if isinstance(reply, dict)]
            cursor = ""
        else:
            body = self.call("app.bsky.feed.getQuotes", params={"uri": published.remote_id, "limit": 100,
                                                               **cursor_param(position)})
            views = listed(body, "posts", "app.bsky.feed.getQuotes")
            cursor = next_cursor(body, views)
        # Dated when the AppView indexed them: a record's createdAt is whatever the writer's app put there, and a
        # contest's window and its first correct answers must not take a date its entrant chose.
        items = tuple(item for view in views if isinstance(view, dict) and (item := inbox.incoming(
            view.get("uri"), undated(view.get("record")), view.get("author"), view.get("indexedAt", ""), "comment")))
        return InboxPage(items, cursor, more=bool(cursor))

    def reply(self, to: ReplyTo, text: str) -> Published:
        """Answer a post in its thread, as the brand; a direct message in its conversation."""
        if to.kind == "message":
            convo, _sep, _message = to.remote_id.rpartition(":")
            sent = self.call("chat.bsky.convo.sendMessage", creating=True, headers={"atproto-proxy": inbox.CHAT_PROXY},
                             json={"convoId": convo, "message": {"text": text}})
            if not isinstance(sent.get("id"), str):
                raise ProviderError("Bluesky took the message but did not say which it became.",
                                    ErrorKind.UNKNOWN_OUTCOME)
            return Published(inbox.message_key(convo, sent["id"]), "", (inbox.message_key(convo, sent["id"]),))
        body = self.call("app.bsky.feed.getPosts", params={"uris": [to.remote_id]})
        posts = body.get("posts") if isinstance(body, dict) else None
        if not posts or not isinstance(posts[0], dict) or not posts[0].get("cid"):
            raise ProviderError(_("That post is no longer on Bluesky; it may have been deleted."),
                                ErrorKind.PERMANENT)
        parent = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
        record_reply = posts[0].get("record", {}).get("reply") if isinstance(posts[0].get("record"), dict) else None
        root = record_reply.get("root") if isinstance(record_reply, dict) else None
        record = self.post_record(Draft(text=text), text)
        record["reply"] = {"root": root if isinstance(root, dict) and root.get("cid") else parent, "parent": parent}
        created = self.call("com.atproto.repo.createRecord", creating=True,
                            json={"repo": self.did, "collection": POST, "record": record})
        return Published(created["uri"], self.post_url(created["uri"]), (created["uri"],))

    def hide(self, to: ReplyTo) -> None:
        """Hide a reply under one of the brand's posts: the post's threadgate lists it in hiddenReplies
        (app.bsky.feed.threadgate, keyed like the post; whatever else the gate says is kept)."""
        root = to.root_remote_id or to.remote_id
        repo, _collection, rkey = parse_at_uri(root)
        if repo != self.did:
            raise ProviderError(_("Bluesky hides replies only under the brand's own posts."), ErrorKind.PERMANENT)
        try:
            gate = self.call("com.atproto.repo.getRecord",
                             params={"repo": self.did, "collection": THREADGATE, "rkey": rkey}).get("value", {})
        except BlueskyError as e:
            if e.error != "RecordNotFound":
                raise
            gate = {}
        hidden = [uri for uri in gate.get("hiddenReplies", []) if uri != to.remote_id] + [to.remote_id]
        record = {**gate, "$type": THREADGATE, "post": root, "createdAt": gate.get("createdAt") or now_iso(),
                  "hiddenReplies": hidden[-300:]}  # the lexicon keeps at most 300
        self.call("com.atproto.repo.putRecord", creating=True,
                  json={"repo": self.did, "collection": THREADGATE, "rkey": rkey, "record": record})

    # -- Validation ---------------------------------------------------------------------

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        problems = []
        if len(draft.text.encode("utf-8")) > MAX_POST_BYTES:
            problems.append(Problem("text", too_many_bytes(draft.text)))
        thread = draft.options.get("thread") or []
        if not isinstance(thread, list):
            return problems + [Problem("options.thread", _("A thread is a list of texts."))]
        for index, part in enumerate(thread):
            field = f"options.thread[{index}]"
            if not isinstance(part, str) or not part.strip():
                problems.append(Problem(field, _("Post %(number)d of the thread is empty.") % {"number": index + 2}))
                continue
            length = self.text_length(part)
            if length > self.limits.max_text:
                problems.append(Problem(field, thread_part_too_long(length)
                                        % {"number": index + 2, "length": length, "network": self.name,
                                           "max": self.limits.max_text}))
            elif len(part.encode("utf-8")) > MAX_POST_BYTES:
                problems.append(Problem(field, _("Post %(number)d of the thread: %(problem)s")
                                        % {"number": index + 2, "problem": too_many_bytes(part)}))
        return problems

    # -- Metrics ------------------------------------------------------------------------

    # The AppView's post view (app.bsky.feed.defs#postView) counts likes, reposts, replies and quotes; its profile
    # view (#profileViewDetailed) followers, follows and posts. Bluesky shows nobody how often a post was seen.
    post_metrics = (LIKES, REPOSTS, REPLIES, QUOTES)
    account_metrics = (FOLLOWERS, FOLLOWING, POSTS)
    metrics_note = "Bluesky does not count views."
    POST_COUNTS = {LIKES: "likeCount", REPOSTS: "repostCount", REPLIES: "replyCount", QUOTES: "quoteCount"}
    PROFILE_COUNTS = {FOLLOWERS: "followersCount", FOLLOWING: "followsCount", POSTS: "postsCount"}

    metrics_per_request = 25  # app.bsky.feed.getPosts: uris maxLength 25

    def metrics(self, published: Published) -> tuple[MetricPoint, ...]:
        """The first post's counts (a thread is measured by its first post), by app.bsky.feed.getPosts."""
        found = self.posts_metrics([published])[published.remote_id]
        if isinstance(found, ProviderError):
            raise found
        return found

    def posts_metrics(self, posts: Sequence[Published]) -> dict[str, tuple[MetricPoint, ...] | ProviderError]:
        """Up to 25 posts' counts in one app.bsky.feed.getPosts, which leaves out posts that are gone."""
        uris = [post.remote_id for post in posts]
        if len(uris) > self.metrics_per_request:
            raise ValueError(f"getPosts takes at most {self.metrics_per_request} posts")
        body = self.call("app.bsky.feed.getPosts", params={"uris": uris})
        views = body.get("posts")
        if not isinstance(views, list):
            raise ProviderError("Bluesky answered app.bsky.feed.getPosts without posts.", ErrorKind.TRANSIENT)
        by_uri = {view["uri"]: view for view in views if isinstance(view, dict) and isinstance(view.get("uri"), str)}
        found: dict[str, tuple[MetricPoint, ...] | ProviderError] = {}
        for uri in uris:
            try:
                if uri not in by_uri:
                    raise ProviderError("This post is no longer on Bluesky.", ErrorKind.PERMANENT)
                found[uri] = self.counts(by_uri[uri], self.POST_COUNTS)
            except ProviderError as e:
                found[uri] = e
        return found

    def account_counts(self) -> tuple[MetricPoint, ...]:
        return self.counts(self.call("app.bsky.actor.getProfile", params={"actor": self.did}), self.PROFILE_COUNTS)

    def recent_posts(self, limit: int) -> tuple[RecentPost, ...]:
        """The account's own latest posts and threads (not its reposts of others, nor its replies), by
        app.bsky.feed.getAuthorFeed with the filter posts_no_replies; a post with garbage counts is left out."""
        body = self.call("app.bsky.feed.getAuthorFeed",
                         params={"actor": self.did, "filter": "posts_no_replies", "limit": min(limit, 100)})
        found = []
        for item in body.get("feed") or []:
            post = item.get("post") if isinstance(item, dict) else None
            if item.get("reason") or not isinstance(post, dict) or (post.get("author") or {}).get("did") != self.did:
                continue  # a repost of someone's post, or something that is no post
            written = parse_time((post.get("record") or {}).get("createdAt")) or parse_time(post.get("indexedAt"))
            uri = post.get("uri")
            if not isinstance(uri, str) or written is None:
                continue
            try:
                counts = self.counts(post, self.POST_COUNTS)
            except ProviderError:
                continue
            found.append(RecentPost(Published(uri, self.post_url(uri), (uri,)), written, counts))
        return tuple(found)

    def counts(self, view: Any, fields: dict[str, str]) -> tuple[MetricPoint, ...]:
        if not isinstance(view, dict):
            raise ProviderError("Bluesky answered with no view of the post or profile.", ErrorKind.TRANSIENT)
        measured_at = clock.now()
        return tuple(metric_point(self.name, name, view.get(field), measured_at) for name, field in fields.items())

    # -- The session --------------------------------------------------------------------

    @property
    def pds_url(self) -> str:
        url = str(self.config.get("pds_url") or DEFAULT_PDS_URL).strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise ProviderError(f"The PDS address must start with https:// (got {url[:60]!r}).",
                                ErrorKind.AUTHORIZATION)
        return url

    @property
    def did(self) -> str:
        self.ensure_session()
        return str(self.credentials["did"])

    @property
    def handle(self) -> str:
        self.ensure_session()
        return str(self.credentials.get("handle") or self.config.get("handle") or self.credentials["did"])

    def ensure_session(self) -> None:
        """Sign in if there is no session yet: through the owner of the channel's credentials where it is set (of the
        workers that find none, one signs in and the others take its session), here otherwise."""
        if self.credentials.get("accessJwt") and self.credentials.get("did"):
            return
        if self.session_renewal is not None:
            self.session_renewal(self, self.sign_in)
        else:
            self.sign_in()

    def sign_in(self) -> None:
        self.create_session()

    def create_session(self) -> dict[str, Any]:
        identifier = str(self.credentials.get("identifier") or "").strip().lstrip("@")
        password = str(self.credentials.get("app_password") or "").strip()
        if not identifier or not password:
            raise ProviderError(f"Enter the Bluesky handle and an app password. {APP_PASSWORD_HINT}",
                                ErrorKind.AUTHORIZATION)
        try:
            session = self.send("POST", "com.atproto.server.createSession",
                                json={"identifier": identifier, "password": password})
        except BlueskyError as e:
            if e.error == "AuthFactorTokenRequired":
                raise ProviderError("This Bluesky account asks for an email code at sign-in. Sign in "
                                    f"with an app password instead. {APP_PASSWORD_HINT}",
                                    ErrorKind.AUTHORIZATION) from e
            if e.kind == ErrorKind.AUTHORIZATION:
                raise ProviderError(f"Bluesky did not accept this handle and app password ({e.detail}). "
                                    f"{APP_PASSWORD_HINT}", ErrorKind.AUTHORIZATION) from e
            raise
        self.keep_session(session)
        return session

    def refresh_session(self) -> None:
        """New tokens with the refresh token; signing in again when that has expired too."""
        refresh_jwt = self.credentials.get("refreshJwt")
        if refresh_jwt:
            try:
                session = self.send("POST", "com.atproto.server.refreshSession", token=refresh_jwt)
            except BlueskyError as e:
                if e.kind != ErrorKind.AUTHORIZATION:
                    raise
            else:
                self.keep_session(session)
                return
        self.create_session()

    def renew_session(self) -> None:
        """After the access token expired: through the owner of the channel's credentials where it is set (of the
        workers that meet one expiry, one renews the session and the others take it), here otherwise."""
        if self.session_renewal is not None:
            self.session_renewal(self, self.refresh_session)
        else:
            self.refresh_session()

    def keep_session(self, session: Any) -> None:
        fields = ("accessJwt", "refreshJwt", "did", "handle")
        if not isinstance(session, dict) or not all(isinstance(session.get(f), str) for f in fields):
            raise ProviderError("Bluesky answered the sign-in without a session.", ErrorKind.TRANSIENT)
        self.credentials.update({field: session[field] for field in fields})

    # -- Talking XRPC -------------------------------------------------------------------

    def call(self, nsid: str, *, method: str | None = None, creating: bool = False, auth: bool = True,
             **kwargs: Any) -> dict[str, Any]:
        """One XRPC call with the saved session; when the access token has expired, refresh the
        session and send it once more (an expired token means the request was not carried out)."""
        method = method or ("POST" if "json" in kwargs else "GET")
        if not auth:
            return self.send(method, nsid, creating=creating, **kwargs)
        self.ensure_session()
        try:
            return self.send(method, nsid, token=self.credentials["accessJwt"], creating=creating, **kwargs)
        except BlueskyError as e:
            if e.error not in SESSION_EXPIRED:
                raise
        self.renew_session()
        return self.send(method, nsid, token=self.credentials["accessJwt"], creating=creating, **kwargs)

    def request_cost(self, method: str, url: str, **request: Any) -> dict[str, int]:
        nsid = url.rsplit("/", 1)[-1]
        if points := WRITE_POINTS.get(nsid):
            return {"points-hour": points, "points-day": points}
        return {"sign-ins": 1, "sign-ins-day": 1} if nsid == "com.atproto.server.createSession" else {}

    def send(self, method: str, nsid: str, *, token: str | None = None, creating: bool = False,
             headers: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.request(method, f"{self.pds_url}/xrpc/{nsid}", creating=creating,
                                headers=headers, **kwargs)
        body = self.json(response, creating=creating)
        if not isinstance(body, dict):
            kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
            raise ProviderError(f"Bluesky answered {nsid} with {str(body)[:80]!r}, not an object.", kind)
        return body

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> ProviderError:
        error = xrpc_error_name(response)
        detail = describe_response(response)
        if error in SESSION_EXPIRED:
            return BlueskyError(f"The Bluesky session has expired ({detail}); sign in again.",
                                ErrorKind.AUTHORIZATION, error, detail)
        if error in SIGN_IN_REFUSED or response.status_code == 401:
            return BlueskyError(f"Bluesky refused the sign-in: {detail}", ErrorKind.AUTHORIZATION,
                                error, detail)
        if error == "RateLimitExceeded" or response.status_code == 429:
            return BlueskyError(f"Bluesky is rate limiting this account: {detail}", ErrorKind.RATE_LIMITED,
                                error, detail, retry_after=rate_limit_wait(response))
        base = super().error_from_response(response, creating=creating)
        return BlueskyError(base.message, base.kind, error, detail, retry_after=base.retry_after)


# -- Reading and writing atproto values ---------------------------------------------------------


# The lexicons (https://docs.bsky.app/docs/api/app-bsky-feed-get-likes, .../app-bsky-feed-get-reposted-by): uri,
# limit 1..100 and cursor in; the list under this key and the next cursor out.
ENGAGEMENT_LISTS = {"like": ("app.bsky.feed.getLikes", "likes"),
                    "repost": ("app.bsky.feed.getRepostedBy", "repostedBy")}


def cursor_param(position: str) -> dict[str, str]:
    return {"cursor": position} if position else {}


def undated(record: Any) -> Any:
    return {key: value for key, value in record.items() if key != "createdAt"} if isinstance(record, dict) else record


def next_cursor(body: dict[str, Any], entries: list[Any]) -> str:
    """The cursor of the next page; none after an empty page, so a server repeating its cursor cannot loop."""
    cursor = body.get("cursor")
    return cursor if isinstance(cursor, str) and entries else ""


def listed(body: Any, key: str, nsid: str) -> list[Any]:
    entries = body.get(key) if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise ProviderError(f"Bluesky answered {nsid} without a list of {key}.", ErrorKind.TRANSIENT)
    return entries


def thread_texts(draft: Draft) -> list[str]:
    """The text of each post: the draft's, then the thread's further parts."""
    thread = draft.options.get("thread") or []
    return [draft.text, *thread] if isinstance(thread, list) else [draft.text]


def now_iso() -> str:
    return iso_time(clock.now())


def attempt_time(attempt: Attempt) -> str:
    return iso_time(aware(attempt.started_at))


def iso_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_attempts_post(record: dict[str, Any], text: str, created_at: str, parent: dict[str, str] | None) -> bool:
    """Whether a record found under an attempt's key is the post that attempt wrote."""
    if record.get("text") != text or (created_at and record.get("createdAt") != created_at):
        return False
    reply = record.get("reply")
    found_parent = reply.get("parent") if isinstance(reply, dict) else None
    if parent is None:
        return found_parent is None
    return isinstance(found_parent, dict) and found_parent.get("uri") == parent["uri"]


def strong_ref(body: dict[str, Any], *, creating: bool) -> dict[str, str]:
    """com.atproto.repo.strongRef {uri, cid} from a createRecord or getRecord answer."""
    uri, cid = body.get("uri"), body.get("cid")
    if isinstance(uri, str) and uri.startswith("at://") and isinstance(cid, str) and cid:
        return {"uri": uri, "cid": cid}
    kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
    raise ProviderError("Bluesky answered without the post's address (uri and cid).", kind)


def parse_at_uri(uri: str) -> tuple[str, str, str]:
    """at://<repo>/<collection>/<rkey> -> (repo, collection, rkey)."""
    parts = uri.removeprefix("at://").split("/")
    if not uri.startswith("at://") or len(parts) != 3 or not all(parts):
        raise ProviderError(f"{uri!r} is not the address of a Bluesky post.", ErrorKind.PERMANENT)
    return parts[0], parts[1], parts[2]


def xrpc_error_name(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, str) else ""


def rate_limit_wait(response: httpx.Response) -> float | None:
    """Seconds until the limit resets: RateLimit-Reset is a UNIX time; Retry-After is seconds."""
    reset = response.headers.get("ratelimit-reset", "").strip()
    if reset.isdigit():
        return max(float(reset) - clock.timestamp(), 1.0)
    return retry_after_seconds(response)


def too_many_bytes(text: str) -> str:
    return ngettext("Bluesky stores at most %(max)d byte of text; this has %(bytes)d (emoji and non-Latin letters "
                    "take several bytes each).",
                    "Bluesky stores at most %(max)d bytes of text; this has %(bytes)d (emoji and non-Latin letters "
                    "take several bytes each).", MAX_POST_BYTES) % {"max": MAX_POST_BYTES,
                                                                   "bytes": len(text.encode("utf-8"))}
