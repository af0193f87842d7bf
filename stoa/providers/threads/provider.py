"""Threads: post, read replies and mentions, answer, hide and measure on a Threads profile through the Threads API
(graph.threads.net), with plain httpx; connected by Threads' own OAuth (issue 16).

Every endpoint, parameter and field here is from https://developers.facebook.com/docs/threads; the page is named
beside each fact:
- the API: https://graph.threads.net/<version>/...; the version is pinned in API_VERSION (reference pages). Writes
  carry access_token in the form body as the pages' `-F access_token=` examples do; reads and deletes carry it in an
  `Authorization: Bearer` header instead of the query the pages show (the Graph API takes either; the Threads pages
  show only the query, so a token never sits in an address Stoa sends or logs).
- publishing (docs/threads/posts, reference/publishing): POST /{user-id}/threads makes a container (media_type TEXT,
  IMAGE with image_url, VIDEO with video_url, CAROUSEL with children made with is_carousel_item=true; text,
  reply_to_id; alt_text per image or video: docs/threads/posts/accessibility), then POST /{user-id}/threads_publish
  with creation_id publishes it. A container's status (GET /{container-id}?fields=status,error_message: FINISHED,
  IN_PROGRESS, EXPIRED, ERROR, PUBLISHED) is read before a container with media is published, "once per minute, for
  no more than 5 minutes" (docs/threads/troubleshooting).
- limits (docs/threads/overview, "Posts", "Replies"): 250 API-published posts and 1,000 replies per profile in a
  moving 24 hours, read at GET /{user-id}/threads_publishing_limit (quota_usage, config.quota_total,
  config.quota_duration); calls: 4800 x impressions (at least 10) per app and user in 24 hours. Deleting: 100 a day
  (docs/threads/posts/delete-posts). Text: text.py.
- reading back (docs/threads/retrieve-and-discover-posts/retrieve-posts, reference/user): GET /{user-id}/threads
  with fields, since, limit; each post's id, text, timestamp, media_type (TEXT_POST, IMAGE, VIDEO, CAROUSEL_ALBUM...)
  and permalink.
- deleting: DELETE /{media-id}, answering {"success": true, "deleted_id"}, with threads_delete
  (docs/threads/posts/delete-posts).
- replies (docs/threads/retrieve-and-manage-replies/replies-and-conversations, reference/reply-management):
  GET /{media-id}/conversation, every reply at any depth, with reverse=false for oldest first; hiding: POST
  /{reply-id}/manage_reply with hide=true, top-level replies only (docs/threads/reply-management). Mentions: GET
  /{user-id}/mentions with threads_manage_mentions (docs/threads/threads-mentions).
- insights (docs/threads/insights): GET /{media-id}/insights?metric=views,likes,replies,reposts,quotes and GET
  /{user-id}/threads_insights?metric=followers_count.
- webhooks (docs/threads/webhooks): one POST per event, {"app_id", "topic", "target_id", "time", "values": {"field":
  "replies", "value": <the reply, with root_post.owner_id>}}, signed as all of Meta's webhooks
  (stoa.providers.meta.webhooks).
- connecting (docs/threads/get-started/get-access-tokens-and-permissions, .../long-lived-tokens): the authorization
  window, a one-hour token from POST graph.threads.net/oauth/access_token, exchanged for a 60-day one at GET
  /access_token?grant_type=th_exchange_token, refreshed at GET /refresh_access_token?grant_type=th_refresh_token
  (once it is a day old, before it expires), each answering access_token, token_type and expires_in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import httpx
import regex
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from stoa import clock
from stoa.providers import oauth2
from stoa.providers.base import (
    FOLLOWERS,
    LIKES,
    QUOTES,
    REPLIES,
    REPOSTS,
    VIEWS,
    Account,
    Attempt,
    Draft,
    ErrorKind,
    Grant,
    InboxPage,
    Incoming,
    Limits,
    MediaFile,
    MetricPoint,
    OptionField,
    Person,
    Problem,
    Provider,
    ProviderError,
    Published,
    RateLimit,
    RecentPost,
    ReplyTo,
    aware,
    media_url,
    metric_point,
    parse_time,
    public_media_problems,
    retry_after_seconds,
    thread_part_too_long,
)
from stoa.providers.capabilities import (
    Authorizes,
    Hides,
    Publishes,
    ReadsInbox,
    ReadsMetrics,
    ReceivesAppPush,
    Replies,
)
from stoa.providers.meta.graph import error_body, whole
from stoa.providers.meta.webhooks import MetaWebhooks
from stoa.providers.threads import errors

API_VERSION = "v1.0"  # the one place the version is pinned (docs/threads reference pages: graph.threads.net/v1.0)
# What Stoa asks a person to allow (docs/threads/get-started "Authorization"; threads-mentions; delete-posts), in the
# authorization window's scope, comma-separated as its example writes it.
SCOPES = ("threads_basic", "threads_content_publish", "threads_manage_replies", "threads_read_replies",
          "threads_manage_insights", "threads_manage_mentions", "threads_delete")
PUBLISH, MANAGE_REPLIES, READ_REPLIES, INSIGHTS, MENTIONS, DELETE = SCOPES[1:]
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})  # docs/threads/posts "Media Specifications": JPEG and PNG
VIDEO_TYPES = frozenset({"video/quicktime", "video/mp4"})  # "MOV or MP4"
IMAGE_BYTES, VIDEO_BYTES = 8 * 1024 * 1024, 1024 * 1024 * 1024  # "8 MB maximum", "1 GB maximum"
CAROUSEL_MAX = 20  # a carousel's items; see docs/networks/threads.md on where the number comes from
# "Threads posts containing more than 5 links will fail to post during the media creation step", every unique URL of
# the text counting (docs/threads/create-posts/text-attachments, "How links are counted"; its examples count
# www.facebook.com, so an address without its scheme is a link too).
LINKS_MAX = 5
LINK = regex.compile(r"(?:https?://|www\.)[^\s]+", regex.IGNORECASE)
# Who may reply to a post (reference/publishing: reply_control). parent_post_author_only is left out: it is about
# replies to a reply, and the composer writes posts.
REPLY_CONTROLS = ("everyone", "accounts_you_follow", "mentioned_only", "followers_only")
POSTS_PER_DAY, REPLIES_PER_DAY, DELETES_PER_DAY = 250, 1000, 100
CALLS_PER_DAY = 4800 * 10  # "4800 * Number of Impressions", impressions counted as at least 10
DAY = 24 * 60 * 60
STATUS_CHECKS, STATUS_PAUSE = 5, 60.0  # "once per minute, for no more than 5 minutes" (troubleshooting)
# An attempt's post is dated between just before its start (Threads' clock and ours differ a little) and a few minutes
# after (the status checks, the request's timeout): a post of the same text outside is never the attempt's own.
EARLY, LATE = timedelta(minutes=1), timedelta(minutes=10)
# How long before Threads' own expiry a long-lived token counts as expiring (long_lived): refreshable from 24 hours
# old until it expires (docs/threads/get-started/long-lived-tokens), so a week ahead leaves 52 days of use.
REFRESH_AHEAD = timedelta(days=7)
PAGE, PAGES = 100, 3  # posts per page read back, and at most this many pages
RECENT_POSTS_READ = 10  # the brand's latest posts whose conversations the inbox reads
MEDIA_TYPES = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}
PROFILE = "https://www.threads.net/@{username}"
REPLY_FIELDS = "id,text,username,permalink,timestamp,replied_to,root_post,hide_status"
# What a token request carries, and the channel keeps, that no message may show.
SECRET_FIELDS = ("access_token", "client_secret", "code", oauth2.ACCESS, oauth2.REFRESH, oauth2.CLIENT_SECRET)


class ThreadBroken(ProviderError):
    """A later post of a thread failed after earlier ones were published: publishing again would repeat them."""

    def __init__(self, message: str, published: tuple[str, ...]):
        super().__init__(message, ErrorKind.UNKNOWN_OUTCOME)
        self.published = published


class ThreadsProvider(MetaWebhooks, Provider, Publishes, ReadsInbox, ReceivesAppPush, Replies, Hides, ReadsMetrics,
                      Authorizes):
    key = "threads"
    name = "Threads"
    limits = Limits(max_text=500, counts="graphemes_emoji_utf8", max_media=CAROUSEL_MAX,
                    media_types=IMAGE_TYPES | VIDEO_TYPES, max_media_bytes=VIDEO_BYTES)
    endpoints = {
        "authorize": "https://threads.net/oauth/authorize",  # get-access-tokens-and-permissions, Step 1
        "token": "https://graph.threads.net/oauth/access_token",  # Step 2: the code for a short-lived token
        "api": "https://graph.threads.net",  # the API, and /access_token and /refresh_access_token (long-lived-tokens)
    }
    media_by_url = True  # Threads fetches each picture and video from Stoa's public address
    supports_threads = True  # later posts of a thread are the brand's replies to the post before
    option_fields = (
        OptionField("reply_control", gettext_lazy("Who can reply"), "choice", (
            ("everyone", gettext_lazy("Everyone")), ("accounts_you_follow", gettext_lazy("Profiles you follow")),
            ("mentioned_only", gettext_lazy("Profiles mentioned in the post")),
            ("followers_only", gettext_lazy("Your followers")))),
    )
    rate_limits = (RateLimit("calls", CALLS_PER_DAY, DAY), RateLimit("posts", POSTS_PER_DAY, DAY),
                   RateLimit("replies", REPLIES_PER_DAY, DAY), RateLimit("deletes", DELETES_PER_DAY, DAY))
    # Nothing prepaid: a post is several requests (the limit read, its containers, threads_publish, its link read
    # after), each spending as it is made; Threads' own count of the 250 is read before anything is sent.
    post_cost: ClassVar[Mapping[str, int]] = {}
    post_metrics = (LIKES, REPOSTS, REPLIES, QUOTES, VIEWS)
    account_metrics = (FOLLOWERS,)
    metrics_note = "Threads counts a post's views in its insights, a count Meta still calls in development."
    app_console = "https://developers.facebook.com/apps/"
    app_help = (
        "A Meta app with the Threads use case; its Threads app ID and secret (not the Facebook ones); this "
        "redirect URI among its OAuth redirect callback URLs; the permissions threads_basic, threads_content_publish, "
        "threads_manage_replies, threads_read_replies, threads_manage_insights, threads_manage_mentions and "
        "threads_delete, approved in App Review for accounts that are not the app's testers.")

    def __init__(self, config: dict[str, Any], credentials: dict[str, Any], http: httpx.Client | None = None):
        super().__init__(config, credentials, http)
        self.sleep: Callable[[float], None] = time.sleep  # between checks of a container; replaced in tests
        self.counting = "posts"  # which daily limit the next threads_publish spends (request_cost)
        self.needs = READ_REPLIES  # the permission the request being made needs, named if Threads refuses it

    # -- Validation ---------------------------------------------------------------------------

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        problems = public_media_problems(self.name, draft) + self.image_problems(draft)
        problems += self.link_problems("text", draft.text)
        control = draft.options.get("reply_control")
        if control and control not in REPLY_CONTROLS:
            problems.append(Problem("options.reply_control", _("Choose who can reply: %(choices)s.")
                                    % {"choices": ", ".join(REPLY_CONTROLS)}))
        return problems + self.thread_problems(draft.options.get("thread") or [])

    def image_problems(self, draft: Draft) -> list[Problem]:
        """Images have a smaller limit than the videos Limits.max_media_bytes holds."""
        return [Problem("media", _("%(file)s is %(size).1f MB; %(network)s accepts at most %(max).1f MB.") % {
            "file": item.filename, "size": item.size / 1e6, "network": self.name, "max": IMAGE_BYTES / 1e6})
            for item in draft.media if item.content_type in IMAGE_TYPES and item.size > IMAGE_BYTES]

    def thread_problems(self, thread: Any) -> list[Problem]:
        if not isinstance(thread, list):
            return [Problem("options.thread", _("A thread is a list of texts."))]
        problems = []
        for index, part in enumerate(str(part) for part in thread):
            field, length = f"options.thread[{index}]", self.text_length(part)
            if not part.strip():
                problems.append(Problem(field, _("Post %(number)d of the thread is empty.") % {"number": index + 2}))
            elif length > self.limits.max_text:
                problems.append(Problem(field, thread_part_too_long(length) % {
                    "number": index + 2, "length": length, "network": self.name, "max": self.limits.max_text}))
            problems += self.link_problems(field, part)
        return problems

    def link_problems(self, field: str, text: str) -> list[Problem]:
        count = len({link.rstrip(".,;:!?)»\"'") for link in LINK.findall(text)})
        if count <= LINKS_MAX:
            return []
        return [Problem(field, ngettext("%(network)s allows at most %(max)d link in a post; this text has %(count)d.",
                                        "%(network)s allows at most %(max)d links in a post; this text has "
                                        "%(count)d.", LINKS_MAX)
                        % {"network": self.name, "max": LINKS_MAX, "count": count})]

    # -- Publishing ---------------------------------------------------------------------------

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        if problems := self.validate(draft):
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        if (sent := self.reconcile(draft, attempt)) is not None:
            return sent  # this attempt went out already (its answer was lost): never twice
        thread = [str(text) for text in draft.options.get("thread") or []]
        self.check_quota("posts")
        if thread:
            self.check_quota("replies")
        root = self.post_part(self.first_container(draft), counted="posts")
        return self.finish_thread([root], thread)

    def finish_thread(self, published: list[str], thread: list[str]) -> Published:
        """Post the thread's texts not yet out, each a reply to the post before; `published` holds the ids out already
        (the first post's at least)."""
        for number, text in enumerate(thread[len(published) - 1:], start=len(published) + 1):
            try:
                published.append(self.post_part({"media_type": "TEXT", "text": text, "reply_to_id": published[-1]},
                                                 counted="replies"))
            except ProviderError as e:
                raise ThreadBroken(f"Threads published {len(published)} of the posts of this thread, then post "
                                   f"{number} failed: {e.message} Stoa finishes it when it checks again.",
                                   tuple(published)) from e
        return Published(remote_id=published[0], url=self.permalink(published[0]), parts=tuple(published))

    def first_container(self, draft: Draft) -> dict[str, str]:
        """The container of the draft's own post: text alone, one image or video, or a carousel of them."""
        fields = {"text": draft.text} if draft.text else {}
        if control := draft.options.get("reply_control"):
            fields["reply_control"] = str(control)
        if not draft.media:
            return {"media_type": "TEXT", **fields}
        if len(draft.media) == 1:
            return {**self.media_fields(draft.media[0]), **fields}
        children = [self.create_container({**self.media_fields(item), "is_carousel_item": "true"})
                    for item in draft.media]
        for child in children:
            self.wait_until_ready(child)
        return {"media_type": "CAROUSEL", "children": ",".join(children), **fields}

    def media_fields(self, item: MediaFile) -> dict[str, str]:
        kind = "VIDEO" if item.content_type in VIDEO_TYPES else "IMAGE"
        fields = {"media_type": kind, f"{kind.lower()}_url": media_url(self.name, item)}
        return fields | ({"alt_text": item.alt_text} if item.alt_text else {})

    def post_part(self, container: dict[str, str], *, counted: str) -> str:
        """Make the container, wait for it where it holds media, and publish it: the published post's id."""
        container_id = self.create_container(container)
        if container["media_type"] != "TEXT":
            self.wait_until_ready(container_id)
        return self.publish_container(container_id, counted=counted)

    def create_container(self, fields: dict[str, str]) -> str:
        """A container is no post (it expires unpublished after a day), so a lost answer here published nothing."""
        answer = self.post(f"{self.user_id}/threads", fields, permission=PUBLISH)
        return self.id_of(answer, "a container")

    def wait_until_ready(self, container_id: str) -> None:
        for check in range(STATUS_CHECKS + 1):
            status = self.get(container_id, {"fields": "status,error_message"}, permission=PUBLISH)
            state = status.get("status") if isinstance(status, dict) else None
            if state == "FINISHED":
                return
            if state == "PUBLISHED":
                raise ProviderError("Threads says this container was published already; look at the profile.",
                                    ErrorKind.UNKNOWN_OUTCOME)
            if state == "ERROR":
                raise errors.media_refused(status)
            if state == "EXPIRED":
                raise ProviderError("Threads let the post's media expire before it was published; publish again.",
                                    ErrorKind.TRANSIENT)
            if check < STATUS_CHECKS:
                self.sleep(STATUS_PAUSE)
        raise ProviderError("Threads is still processing the media after five minutes; Stoa will try again.",
                            ErrorKind.TRANSIENT)

    def publish_container(self, container_id: str, *, counted: str) -> str:
        self.counting = counted
        try:
            answer = self.post(f"{self.user_id}/threads_publish", {"creation_id": container_id}, creating=True,
                               permission=PUBLISH)
        finally:
            self.counting = "posts"
        try:
            return self.id_of(answer, "the published post")
        except ProviderError:
            raise self.outcome_of(container_id) from None

    def outcome_of(self, container_id: str) -> ProviderError:
        """What happened to a container threads_publish answered without the post's id: its status says
        (docs/threads/troubleshooting, "Publishing Does Not Return a Media ID"). Only ERROR and EXPIRED (a day
        unpublished) say for certain that nothing went out; FINISHED may yet become PUBLISHED, so it is read back."""
        try:
            status = self.get(container_id, {"fields": "status,error_message"}, permission=PUBLISH)
        except ProviderError:
            status = {}
        state = status.get("status") if isinstance(status, dict) else None
        if state == "ERROR":
            return errors.media_refused(status)
        if state == "EXPIRED":
            return ProviderError("Threads let the post expire unpublished; Stoa tries again.", ErrorKind.TRANSIENT)
        return ProviderError("Threads published the post, or is still publishing it, without saying its id. Stoa "
                             "looks for it on the profile.", ErrorKind.UNKNOWN_OUTCOME)

    def check_quota(self, counted: str) -> None:
        """Refuse before Threads does: a profile publishes at most 250 posts (and 1,000 replies) in 24 hours. Threads
        says how many were used, not when the oldest leaves the window, so Stoa asks again in an hour."""
        fields = "quota_usage,config" if counted == "posts" else "reply_quota_usage,reply_config"
        answer = self.get(f"{self.user_id}/threads_publishing_limit", {"fields": fields}, permission=PUBLISH)
        data = answer.get("data") if isinstance(answer, dict) else None
        limit = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        usage_key, config_key = ("quota_usage", "config") if counted == "posts" else ("reply_quota_usage",
                                                                                       "reply_config")
        config = limit.get(config_key)
        config = config if isinstance(config, dict) else {}
        used, total = whole(limit.get(usage_key)), whole(config.get("quota_total"))
        if total and used >= total:
            raise ProviderError(f"This Threads profile has published its {total} {counted} of the last 24 hours, "
                                "which is all Threads allows; Stoa tries again in an hour.", ErrorKind.RATE_LIMITED,
                                retry_after=3600)

    def permalink(self, media_id: str) -> str:
        """The post's address; "" when Threads does not say it now (the post is out whatever this answers)."""
        try:
            answer = self.get(media_id, {"fields": "permalink"}, permission=PUBLISH)
        except ProviderError:
            return ""
        link = answer.get("permalink") if isinstance(answer, dict) else None
        return link if isinstance(link, str) else ""

    # -- After a lost answer --------------------------------------------------------------------

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        """The profile's one post with exactly this text and kind of media, dated within the attempt's minutes; None
        when there is none. Threads keeps no mark of the request that made a post, so two such posts are not guessed
        between. A thread whose first post is found is finished: its later posts found in the first's conversation
        are kept, the others posted."""
        start, end = aware(attempt.started_at) - EARLY, aware(attempt.started_at) + LATE
        kind = MEDIA_TYPES[self.first_kind(draft)]
        found = [post for post in self.posts_since(start) if post.get("text", "") == draft.text
                 and post.get("media_type") == kind and self.dated_within(post, start, end)]
        if len(found) > 1:
            raise ProviderError(f"The profile has {len(found)} posts with this text from the minutes of this attempt; "
                                "Stoa cannot tell which one it made. Look at the profile, then mark it published or "
                                "publish it again.", ErrorKind.UNKNOWN_OUTCOME)
        if not found:
            return None
        root = str(found[0]["id"])
        if thread := [str(text) for text in draft.options.get("thread") or []]:
            return self.finish_thread(self.thread_out(root, thread), thread)
        link = found[0].get("permalink")
        return Published(remote_id=root, url=link if isinstance(link, str) else "", parts=(root,))

    def thread_out(self, root: str, thread: list[str]) -> list[str]:
        """The thread's posts out already: the first, then each later text the profile itself posted as a reply to the
        one before, as the first post's conversation shows them (docs/threads/retrieve-and-manage-replies)."""
        if not self.config.get("username"):
            raise ThreadBroken("Stoa does not know this profile's username, so it cannot tell which later posts of the "
                               "thread went out. Look at the thread on Threads.", (root,))
        answer = self.get(f"{root}/conversation", {"fields": REPLY_FIELDS, "reverse": "false"},
                          permission=READ_REPLIES)
        replies = [reply for reply in self.data(answer) if self.is_own(reply)]
        out = [root]
        for text in thread:
            found = [reply for reply in replies if reply.get("text") == text
                     and parent_of(reply) == out[-1]]
            if len(found) > 1:
                raise ThreadBroken("Threads has this thread's next post twice; Stoa cannot tell which one it made. "
                                   "Look at the thread on Threads.", tuple(out))
            if not found:
                break
            out.append(str(found[0]["id"]))
        return out

    @staticmethod
    def first_kind(draft: Draft) -> str:
        if not draft.media:
            return "TEXT"
        if len(draft.media) > 1:
            return "CAROUSEL"
        return "VIDEO" if draft.media[0].content_type in VIDEO_TYPES else "IMAGE"

    @staticmethod
    def dated_within(post: dict[str, Any], start: datetime, end: datetime) -> bool:
        at = parse_time(post.get("timestamp"))
        return at is not None and start <= at <= end

    def posts_since(self, start: datetime) -> list[dict[str, Any]]:
        """The profile's posts since `start`, newest first, at most PAGES pages."""
        params = {"fields": "id,text,timestamp,media_type,permalink", "since": str(int(start.timestamp())),
                  "limit": str(PAGE)}
        posts: list[dict[str, Any]] = []
        for page in self.pages(f"{self.user_id}/threads", params, permission=PUBLISH):
            posts += page
        return posts

    def pages(self, path: str, params: dict[str, str], *, permission: str) -> Iterator[list[dict[str, Any]]]:
        """A paged list's pages (Graph API cursors: paging.cursors.after while paging.next is given)."""
        for _page in range(PAGES):
            answer = self.get(path, params, permission=permission)
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data, list):
                raise ProviderError("Threads answered a list without its data.", ErrorKind.TRANSIENT)
            yield [item for item in data if isinstance(item, dict) and item.get("id")]
            paging = answer.get("paging") if isinstance(answer.get("paging"), dict) else {}
            after = (paging.get("cursors") or {}).get("after") if isinstance(paging.get("cursors"), dict) else None
            if not paging.get("next") or not isinstance(after, str):
                return
            params = {**params, "after": after}
        raise ProviderError(f"More than {PAGES * PAGE} items since then; Stoa cannot tell. Look at the profile.",
                            ErrorKind.UNKNOWN_OUTCOME)

    def delete(self, published: Published) -> None:
        """Every part of what was published, the last first, so a thread never shows replies to a deleted post."""
        for media_id in reversed(published.parts or (published.remote_id,)):
            self.delete_media(media_id)

    def delete_media(self, media_id: str) -> None:
        if not media_id.isdigit():
            raise ProviderError(f"{media_id!r} is not a Threads post.", ErrorKind.PERMANENT)
        try:
            self.call("DELETE", media_id, permission=DELETE)
        except errors.ThreadsError as e:
            if not e.gone:
                raise

    # -- Inbox: replies to the brand's posts, and mentions ----------------------------------------

    def fetch_inbox(self, position: str) -> InboxPage:
        """Replies under the brand's latest posts and posts that mention it, written since the cursor (a Unix time; the
        first read takes what those posts and the mentions hold now). The cursor moves to the newest seen; the inbox
        keeps each message once, so one of the cursor's own second read again is no duplicate."""
        since = int(position) if position.isdigit() else None
        found = [*self.replies_since(since), *self.mentions_since(since)]
        newest = max((int(item.written_at.timestamp()) for item in found), default=since)
        return InboxPage(items=tuple(found), cursor="" if newest is None else str(newest))

    def replies_since(self, since: int | None) -> list[Incoming]:
        recent = self.get(f"{self.user_id}/threads", {"fields": "id,has_replies", "limit": str(RECENT_POSTS_READ)},
                          permission=READ_REPLIES)
        found: list[Incoming] = []
        for post in self.data(recent):
            if post.get("id") and post.get("has_replies", True):
                conversation = self.get(f"{post['id']}/conversation", {"fields": REPLY_FIELDS, "reverse": "false"},
                                        permission=READ_REPLIES)
                found += [item for reply in self.data(conversation) if (item := self.incoming(reply, "comment"))
                          and (since is None or item.written_at.timestamp() >= since) and not self.is_own(reply)]
        return found

    def mentions_since(self, since: int | None) -> list[Incoming]:
        params = {"fields": "id,text,username,permalink,timestamp"} | ({"since": str(since)} if since else {})
        answer = self.get(f"{self.user_id}/mentions", params, permission=MENTIONS)
        return [item for mention in self.data(answer) if (item := self.incoming(mention, "mention"))]

    @staticmethod
    def data(answer: Any) -> list[dict[str, Any]]:
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise ProviderError("Threads answered a list without its data.", ErrorKind.TRANSIENT)
        return [item for item in data if isinstance(item, dict)]

    def is_own(self, reply: dict[str, Any]) -> bool:
        own = str(self.config.get("username") or "")
        return bool(own) and reply.get("username") == own

    def incoming(self, item: dict[str, Any], kind: str) -> Incoming | None:
        """A reply or mention as Threads gives it; None without an id or a time. Threads names its author only by
        username ("only works for public users"), which is then who they are to Stoa."""
        written_at = parse_time(item.get("timestamp"))
        if not item.get("id") or written_at is None:
            return None
        username = str(item.get("username") or "")
        author = Person(remote_id=username or "unknown", handle=f"@{username}" if username else "",
                        profile_url=PROFILE.format(username=username) if username else "")
        root = item.get("root_post")
        root = root if isinstance(root, dict) else {}
        link = item.get("permalink")
        return Incoming(remote_id=str(item["id"]), kind=kind, text=str(item.get("text") or ""), author=author,
                        written_at=written_at, url=link if isinstance(link, str) else "",
                        parent_remote_id=parent_of(item), root_remote_id=str(root.get("id") or ""))

    # -- Push: Meta's webhooks ------------------------------------------------------------------

    @classmethod
    def accounts_in(cls, body: Any) -> dict[str, Any]:
        """Each event by the profile it concerns, as a list of events. Replies come on "Threads Media owned by the
        Threads install user" (docs/threads/webhooks), whose id the reply names as root_post.owner_id; the page's
        target_id is a media's id, not the profile's. Mentions name no profile Stoa could match and are read by
        polling (fetch_inbox), as are events of other fields. A body of no event is refused."""
        events = body if isinstance(body, list) else [body]
        parts: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            values = event.get("values") if isinstance(event, dict) else None
            if not isinstance(values, dict) or not isinstance(values.get("field"), str):
                raise ProviderError("This is no Threads webhook event.", ErrorKind.PERMANENT)
            owner = owner_of(values.get("value"))
            if values["field"] == "replies" and owner:
                parts.setdefault(owner, []).append(event)
        return parts

    def pushed(self, part: Any) -> InboxPage:
        items = []
        for event in part if isinstance(part, list) else [part]:
            values = event.get("values") if isinstance(event, dict) else None
            field = values.get("field") if isinstance(values, dict) else None
            value = values.get("value") if isinstance(values, dict) else None
            kind = {"replies": "comment"}.get(str(field))
            if kind and isinstance(value, dict) and not self.is_own(value) and (item := self.incoming(value, kind)):
                items.append(item)
        return InboxPage(items=tuple(items), cursor="")

    # -- Replies and hiding ---------------------------------------------------------------------

    def reply(self, to: ReplyTo, text: str) -> Published:
        """A reply is a post with reply_to_id (docs/threads/reply-management), within the 1,000 replies a day."""
        self.check_quota("replies")
        reply_id = self.post_part({"media_type": "TEXT", "text": text, "reply_to_id": to.remote_id},
                                  counted="replies")
        return Published(remote_id=reply_id, url=self.permalink(reply_id), parts=(reply_id,))

    def hide(self, to: ReplyTo) -> None:
        """Hide a reply under the brand's post (and the replies under it); it stays on Threads, never deleted."""
        answer = self.post(f"{to.remote_id}/manage_reply", {"hide": "true"}, creating=True, permission=MANAGE_REPLIES)
        if not isinstance(answer, dict) or answer.get("success") is not True:
            raise ProviderError("Threads did not confirm that the reply is hidden.", ErrorKind.UNKNOWN_OUTCOME)

    # -- Metrics ----------------------------------------------------------------------------------

    def metrics(self, published: Published) -> tuple[MetricPoint, ...]:
        answer = self.get(f"{published.remote_id}/insights", {"metric": ",".join(self.post_metrics)},
                          permission=INSIGHTS)
        return self.points(answer, {name: name for name in self.post_metrics})

    def account_counts(self) -> tuple[MetricPoint, ...]:
        answer = self.get(f"{self.user_id}/threads_insights", {"metric": "followers_count"}, permission=INSIGHTS)
        return self.points(answer, {FOLLOWERS: "followers_count"})

    def points(self, answer: Any, names: dict[str, str]) -> tuple[MetricPoint, ...]:
        """Each count asked for, from an insights answer: a metric's total_value.value, or its values' latest value
        (docs/threads/insights shows both shapes); a count missing is refused by metric_point."""
        now = clock.now()
        by_name = {str(item.get("name")): item for item in self.data(answer)}
        return tuple(metric_point(self.name, ours, insight_value(by_name.get(theirs, {})), now)
                     for ours, theirs in names.items())

    def recent_posts(self, limit: int) -> tuple[RecentPost, ...]:
        answer = self.get(f"{self.user_id}/threads", {"fields": "id,timestamp,permalink",
                                                      "limit": str(min(limit, PAGE))}, permission=INSIGHTS)
        found = []
        for post in self.data(answer)[:limit]:
            at = parse_time(post.get("timestamp"))
            if post.get("id") and at is not None:
                published = Published(str(post["id"]), str(post.get("permalink") or ""), (str(post["id"]),))
                found.append(RecentPost(published, at, self.metrics(published)))
        return tuple(found)

    # -- Connecting ---------------------------------------------------------------------------

    def connect(self) -> Account:
        return self.profile(self.token)

    def profile(self, token: str) -> Account:
        answer = self.call("GET", "me", params={"fields": "id,username,name,threads_profile_picture_url"},
                           permission="threads_basic", token=token)
        if not isinstance(answer, dict) or not answer.get("id") or not answer.get("username"):
            raise ProviderError("Threads did not say which profile the token belongs to.", ErrorKind.TRANSIENT)
        username = str(answer["username"])
        return Account(remote_id=str(answer["id"]), name=f"@{username}", url=PROFILE.format(username=username),
                       settings={"username": username, "name": str(answer.get("name") or "")})

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        """The authorization window (Step 1). The page lists client_id, redirect_uri, scope, response_type and state;
        Stoa also sends its PKCE challenge, which the page does not name (so Threads is not relied on to check it)."""
        app = oauth2.client_app(self)
        return oauth2.authorize_url(self.endpoint("authorize"), client_id=app.client_id, redirect_uri=redirect_uri,
                                    state=state, code_challenge=code_challenge, scope=",".join(SCOPES))

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        """The code for a one-hour token (Step 2), then that for a 60-day token (long-lived-tokens)."""
        app = oauth2.client_app(self)
        short = self.token_call("POST", self.endpoint("token"), data={
            "client_id": app.client_id, "client_secret": app.client_secret, "grant_type": "authorization_code",
            "redirect_uri": redirect_uri, "code": code, "code_verifier": code_verifier})
        return self.long_lived(self.token_call("GET", f"{self.endpoint('api')}/access_token", params={
            "grant_type": "th_exchange_token", "client_secret": app.client_secret,
            "access_token": token_of(short)}))

    def refresh(self, grant: Grant) -> Grant:
        """Threads refreshes a long-lived token with the token itself, so the grant keeps it as its refresh token too:
        the owner of the credentials (stoa.channels.credentials) refreshes only a grant with one."""
        return self.long_lived(self.token_call("GET", f"{self.endpoint('api')}/refresh_access_token", params={
            "grant_type": "th_refresh_token", "access_token": grant.refresh}))

    def long_lived(self, answer: Any) -> Grant:
        """The grant of a long-lived token. Its expiry is kept REFRESH_AHEAD before Threads' own: Threads refreshes only
        a token that has not expired, and the owner of the credentials refreshes a grant just ahead of its expiry
        when the channel is next used; a week ahead, the inbox's polls use it many times before Threads would refuse."""
        token = token_of(answer)
        expires_in = answer.get("expires_in")
        expires_at = None
        if isinstance(expires_in, int) and not isinstance(expires_in, bool) and expires_in > 0:
            ahead = REFRESH_AHEAD if expires_in > 2 * REFRESH_AHEAD.total_seconds() else timedelta(0)
            expires_at = clock.now() + timedelta(seconds=expires_in) - ahead
        return Grant(access=token, refresh=token, expires_at=expires_at)

    def targets(self, grant: Grant) -> tuple[Account, ...]:
        """One grant is one Threads profile."""
        account = self.profile(grant.access)
        return (Account(account.remote_id, account.name, account.url, {**account.settings,
                                                                       "user_id": account.remote_id}),)

    def token_call(self, method: str, url: str, **request: Any) -> Any:
        """A token endpoint's answer. Only a refused grant needs the person (AUTHORIZATION, never a refused access
        token: nothing is refreshed over it); a rate limit waits; anything else passes (TRANSIENT)."""
        try:
            response = self.http.request(method, url, headers={"Accept": "application/json"}, **request)
        except httpx.TransportError as e:
            raise ProviderError(f"Could not reach Threads' token endpoint: {type(e).__name__}",
                                ErrorKind.TRANSIENT) from e
        if response.is_error:
            kept = (request.get("params", {}), request.get("data", {}), self.credentials)
            raise self.token_error(response, tuple(str(d[k]) for d in kept for k in SECRET_FIELDS if d.get(k)))
        try:
            return response.json()
        except ValueError as e:
            raise ProviderError("Threads' token endpoint answered with something that is not JSON.",
                                ErrorKind.TRANSIENT) from e

    def token_error(self, response: httpx.Response, secrets: tuple[str, ...]) -> ProviderError:
        """The token endpoint's refusal in words, none of the secrets the request carried in them."""
        graph = error_body(response)
        if graph is not None:
            mapped = errors.from_graph(graph, creating=False, permission="threads_basic", secrets=secrets,
                                       retry_after=retry_after_seconds(response))
            if mapped.kind in (ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT):
                return mapped
            return ProviderError(f"Threads refused the authorization: {mapped.message}", ErrorKind.AUTHORIZATION)
        if response.status_code == 429:
            return ProviderError("Threads asks Stoa to wait before asking for a token again.", ErrorKind.RATE_LIMITED,
                                 retry_after=retry_after_seconds(response))
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("error") in oauth2.REVOKED_ERRORS | {"invalid_client"} or (
                response.status_code in (400, 401, 403) and body is not None):
            said = str(body.get("error_description") or body.get("error") if isinstance(body, dict) else "")[:300]
            for secret in secrets:
                said = said.replace(secret, "<secret>")
            return ProviderError(f"Threads refused the authorization: {said}", ErrorKind.AUTHORIZATION)
        return ProviderError(f"Threads' token endpoint failed ({response.status_code}); try again.",
                             ErrorKind.TRANSIENT)

    # -- Talking to the Threads API -------------------------------------------------------------

    @property
    def user_id(self) -> str:
        """The profile's id, as connecting kept it; /me stands for it where a channel has none."""
        return str(self.config.get("account_id") or self.config.get("user_id") or "me")

    @property
    def token(self) -> str:
        token = str(self.credentials.get(oauth2.ACCESS) or "").strip()
        if not token:
            raise ProviderError("Connect the Threads account again: Stoa has no access token for it.",
                                ErrorKind.AUTHORIZATION)
        return token

    def api(self, path: str) -> str:
        return f"{self.endpoint('api')}/{API_VERSION}/{path}"

    def get(self, path: str, params: dict[str, str], *, permission: str) -> Any:
        return self.call("GET", path, params=params, permission=permission)

    def post(self, path: str, data: dict[str, str], *, permission: str, creating: bool = False) -> Any:
        return self.call("POST", path, data=data, permission=permission, creating=creating)

    def call(self, method: str, path: str, *, permission: str, creating: bool = False, token: str = "",
             data: dict[str, str] | None = None, params: dict[str, str] | None = None) -> Any:
        """One API request and its JSON answer. The token travels in the form body of a write and in the
        Authorization header of a read or delete, never in the address."""
        token = token or self.token
        self.needs = permission
        request: dict[str, Any] = {"params": params} if params else {}
        if method == "POST":
            request["data"] = {**(data or {}), "access_token": token}
        else:
            request["headers"] = {"Authorization": f"Bearer {token}"}
        response = self.request(method, self.api(path), creating=creating, **request)
        return self.json(response, creating=creating)

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> ProviderError:
        graph = error_body(response)
        if graph is None:
            return super().error_from_response(response, creating=creating)
        secrets = tuple(str(s) for s in (self.credentials.get(oauth2.ACCESS), self.credentials.get(
            oauth2.CLIENT_SECRET)) if s)
        return errors.from_graph(graph, creating=creating, permission=self.needs, secrets=secrets,
                                 retry_after=retry_after_seconds(response))

    def request_cost(self, method: str, url: str, **request: Any) -> dict[str, int]:
        """Every call counts against the app's calls; publishing a post or reply and deleting also against the
        profile's own daily limits."""
        cost = {"calls": 1}
        if method == "POST" and url.endswith("/threads_publish"):
            cost[self.counting] = 1
        elif method == "DELETE":
            cost["deletes"] = 1
        return cost

    @staticmethod
    def id_of(answer: Any, what: str) -> str:
        found = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(found, str | int) or isinstance(found, bool) or not str(found):
            raise ProviderError(f"Threads answered without the id of {what}.", ErrorKind.TRANSIENT)
        return str(found)


def token_of(answer: Any) -> str:
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise ProviderError("Threads' token endpoint answered without an access token.", ErrorKind.TRANSIENT)
    return token


def parent_of(reply: dict[str, Any]) -> str:
    """The id of what a reply answers (its replied_to.id), or ""."""
    parent = reply.get("replied_to")
    return str(parent.get("id") or "") if isinstance(parent, dict) else ""


def owner_of(reply: Any) -> str:
    """The id of the profile whose post a reply is under (its root_post.owner_id), or ""."""
    root = reply.get("root_post") if isinstance(reply, dict) else None
    return str(root.get("owner_id") or "") if isinstance(root, dict) else ""


def insight_value(item: Any) -> Any:
    """A metric's count: total_value.value, else the last of its values (None when neither is there)."""
    if not isinstance(item, dict):
        return None
    total = item.get("total_value")
    if isinstance(total, dict) and "value" in total:
        return total["value"]
    values = item.get("values")
    if isinstance(values, list) and values and isinstance(values[-1], dict):
        return values[-1].get("value")
    return None

