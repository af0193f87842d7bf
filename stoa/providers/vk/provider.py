"""VK: a community's wall, its comments and messages, through the VK API with plain httpx (issue 16). Connecting is
VK ID's (stoa.providers.vk.vk_id), what a post carries beside its text is stoa.providers.vk.attachments, and what VK
says of comments and messages, read or pushed, is stoa.providers.vk.inbox.

Every method, field and error here is from the documentation at dev.vk.com; the page is named beside each fact:
- requests: POST https://api.vk.com/method/<method> with the form fields access_token and v; application/json bodies
  are not accepted (https://dev.vk.com/en/api/api-requests). The version is pinned in API_VERSION.
- answers are HTTP 200 with {"response": ...}, or HTTP 200 with {"error": {"error_code", "error_msg", ...}}
  (https://dev.vk.com/en/api/api-requests, https://dev.vk.com/en/api/captcha-error). The codes and their names are as
  VK's own schema of version 5.199 lists them (github.com/VKCOM/vk-api-schema, errors.json): dev.vk.com's list of
  errors was not in the stored copy of the documentation read for this slice.
- wall.post (https://dev.vk.com/en/method/wall.post): owner_id (a community's id with a minus sign), from_group=1 to
  post as the community, message, and guid. Its page says it is called with a *user* access key with the `wall` right
  ("issued in exceptional cases by a request to support"); VK's schema lists only the user key for wall.post,
  wall.delete and (with the service key) wall.get. A community key is not among them: see docs/networks/vk.md.
- wall.get (https://dev.vk.com/en/method/wall.get; its parameters as VK's schema lists them: owner_id, offset, count
  "maximum 100"): a wall's posts, newest first as the wall shows them, as post objects
  (https://dev.vk.com/en/reference/objects/post: id, owner_id, from_id, date in unixtime, text).
- wall.delete (https://dev.vk.com/en/method/wall.delete): owner_id and post_id; answers 1.
- groups.getById (https://dev.vk.com/en/method/groups.getById): the community object; read whether it comes as a list
  or, as in newer versions, under "groups", since the copy of its page read here did not show the result
  (https://dev.vk.com/en/reference/objects/group: id, name, screen_name, is_closed, type).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy

from stoa import clock
from stoa.providers import oauth2
from stoa.providers.base import (
    FOLLOWERS,
    LIKES,
    REPLIES,
    REPOSTS,
    VIEWS,
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
    Problem,
    Provider,
    ProviderError,
    Published,
    RateLimit,
    RecentPost,
    ReplyTo,
    aware,
    metric_point,
)
from stoa.providers.capabilities import Authorizes, Publishes, ReadsInbox, ReadsMetrics, ReceivesPush, Replies
from stoa.providers.vk import attachments, inbox, vk_id

API_URL = "https://api.vk.com/method"  # https://dev.vk.com/en/api/api-requests
API_VERSION = "5.199"  # the one place the version is pinned; https://dev.vk.com/en/api/api-requests calls it current
WALL_PAGE = 100  # wall.get: "count ... maximum 100" (https://dev.vk.com/en/method/wall.get)
WALL_PAGES = 3  # reconcile reads at most this many pages back before it says it cannot tell
# An attempt's post is dated between just before its start (VK's clock and ours differ a little) and a few minutes
# after (the request's timeout, and VK finishing a request whose answer was lost). Posts outside are never its own.
EARLY, LATE = timedelta(minutes=1), timedelta(minutes=5)
WALL_RIGHT = "wall"  # the access right wall.post and wall.delete require (https://dev.vk.com/en/method/wall.post)

# VK's error codes (VKCOM/vk-api-schema errors.json, version 5.199), by what they mean for Stoa.
REFUSED_KEY = {5: "User authorization failed", 17: "Validation required", 18: "User was deleted or banned",
               27: "Group authorization failed", 28: "Application authorization failed", 37: "User was banned",
               25: "Token confirmation required"}
# 103 is a method's own daily limit (video.save: 5,000 a day, https://dev.vk.com/en/video.save) and 223 a post's
# replies coming too fast: neither says when it passes.
TOO_OFTEN = {6: "Too many requests per second", 9: "Flood control", 29: "Rate limit reached", 103: "Out of limits",
             223: "Too many replies"}
MEDIA_REFUSED = {22: "Upload error", 129: "Invalid photo"}  # a file VK does not take: change it, sending again fails
LOST = {1: "Unknown error occurred", 10: "Internal server error",
        36: "Method execution was interrupted due to timeout"}
NO_RIGHT = {7: "Permission to perform this action is denied", 15: "Access denied", 203: "Access to group denied",
            214: "Access to adding post denied"}
CAPTCHA = 14  # "Captcha needed" (https://dev.vk.com/en/api/captcha-error)
NOT_FOUND = 104  # "Not found": wall.delete's answer for a post that is gone (VKCOM/vk-api-schema wall/methods.json)
# How far the inbox's polling looks: the comments under the community's latest posts (wall.get), each post's newest
# comments first, 100 at a time ("count ... maximum 100", wall.getComments in VKCOM/vk-api-schema wall/methods.json)
# with up to 10 replies of each thread (thread_items_count, "maximum 10"). Older comments come by push.
POSTS_WATCHED = 10
COMMENTS_PAGE = 100
THREAD_ITEMS = 10
METRICS_PER_REQUEST = 100  # wall.getById's posts: the schema gives no maximum; 100 is wall.get's page (assumed)
CALLBACK_TITLE = "Stoa"  # groups.addCallbackServer's title: "maxLength 14" (VKCOM/vk-api-schema groups/methods.json)


class VKError(ProviderError):
    """An error VK answered in its own shape, with its code."""

    def __init__(self, code: int, message: str, kind: ErrorKind, retry_after: float | None = None, **more: Any):
        super().__init__(message, kind, retry_after, **more)
        self.code = code


class VKProvider(Provider, Publishes, Authorizes, ReadsInbox, ReceivesPush, Replies, ReadsMetrics):
    key = "vk"
    name = "VK"
    endpoints: ClassVar[dict[str, str]] = {"api": API_URL, "authorize": vk_id.AUTHORIZE_URL,
                                           "token": vk_id.TOKEN_URL}
    # The wall.post page states no length for `message`, nor does VK's schema of 5.199 (wall/methods.json: "Text of
    # the post", no maxLength). The number VK documents for a text it takes is
    # messages.send's "message ... Max. length = 9000" (https://dev.vk.com/en/method/messages.send; wall.search's
    # query says the same), so Stoa holds posts to it. How VK counts is not written either: Stoa counts UTF-16 units,
    # the larger of the two counts a server may use (an emoji outside the BMP is 2), so it never sends a text VK could
    # count as longer. Media, as stoa.providers.vk.attachments has them from the upload pages: photos and videos, at
    # most 10 a post and 50 MB each.
    limits = Limits(max_text=9000, counts="utf16", max_media=attachments.MAX_MEDIA,
                    media_types=attachments.PHOTO_TYPES | attachments.VIDEO_TYPES,
                    max_media_bytes=attachments.MAX_MEDIA_BYTES)
    option_fields = attachments.OPTIONS
    # Error 6 is "Too many requests per second" (VKCOM/vk-api-schema errors.json). The per-key numbers belong to
    # the limits section of https://dev.vk.com/en/api/api-requests, which no stored copy of that page reaches (looked
    # up again for VK ID connect): Stoa keeps to 3 a second, the lowest number given for any key, so it stays under
    # whichever applies; error 6 still makes the channel wait a second should VK count otherwise. No daily number of
    # wall.post calls is documented (its errors are 214, 219, 220, 222, 224 in VKCOM/vk-api-schema wall/methods.json).
    rate_limits = (RateLimit("requests", 3, 1),)
    post_cost = {"requests": 1}  # wall.post is one request
    # -- What the deployment registers, and the capabilities' declarations --
    app_console = "https://id.vk.com/about/business/go"
    app_help = gettext_lazy(
        "A VK ID app of the Web kind, with this Stoa's redirect address as a trusted redirect URL. Ask VK's support "
        "(devsupport@corp.vk.com) for the wall, groups, photos, video and stats rights: VK ID gives only the basic "
        "ones at first. Posting as a community takes an administrator or editor of it.")
    # VK ID names the device beside the code, and its token request repeats the answer's state (vk_id's docstring).
    callback_fields = ("device_id", "state")
    push_secret_field = "secret"  # every Callback API call carries it in its JSON body (callback_base)
    push_acknowledgement = "ok"  # "your server should send a string ok" (https://dev.vk.com/en/api/callback/...)
    push_secret_bytes = 36  # groups.addCallbackServer's secret_key: "maxLength 50"; 36 bytes are 48 characters
    post_metrics = (LIKES, REPOSTS, REPLIES, VIEWS)  # a post's likes, reposts, comments and views (wall.getById)
    account_metrics = (FOLLOWERS,)  # the community's members_count (groups.getById)
    metrics_per_request = METRICS_PER_REQUEST
    connect_fields = (
        ConnectField("group_id", gettext_lazy("Community"),
                     help=gettext_lazy("The community's number, as in vk.com/club123456 (123456).")),
        ConnectField("access_token", gettext_lazy("Access token"), secret=True,
                     help=gettext_lazy("An access key of a community administrator or editor, with the wall right.")),
    )

    # -- Connecting ---------------------------------------------------------------------

    def connect(self) -> Account:
        answer = self.call("groups.getById", group_id=self.group_id)
        groups = answer.get("groups") if isinstance(answer, dict) else answer
        if not isinstance(groups, list) or not groups or not isinstance(groups[0], dict) or "id" not in groups[0]:
            raise ProviderError("VK answered groups.getById without the community.", ErrorKind.TRANSIENT)
        group = groups[0]
        if group.get("deactivated"):  # "deleted" or "banned" (https://dev.vk.com/en/reference/objects/group)
            raise ProviderError(f"VK says community {group['id']} is {group['deactivated']}.", ErrorKind.PERMANENT)
        return community_account(group)

    # -- Publishing ---------------------------------------------------------------------

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        problems = self.validate(draft)
        if problems:
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        # message and attachments: each "mandatory if no parameter is given" the other (https://dev.vk.com/en/method/
        # wall.post), so only what the post has is sent.
        carried = {"message": draft.text, "attachments": ",".join(self.attach(draft))}
        answer = self.call("wall.post", creating=True, owner_id=self.owner_id, from_group=1, guid=self.guid(attempt),
                           **{name: value for name, value in carried.items() if value})
        post_id = answer.get("post_id") if isinstance(answer, dict) else None
        if isinstance(post_id, str) and post_id.isdigit():
            post_id = int(post_id)
        if not isinstance(post_id, int) or isinstance(post_id, bool):
            raise ProviderError("VK accepted the post but did not say its id. Look at the community's wall before "
                                "publishing again.", ErrorKind.UNKNOWN_OUTCOME)
        return self.published(post_id)

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        return attachments.problems(draft)

    def attach(self, draft: Draft) -> list[str]:
        """The draft's attachments made on VK (uploaded media, the poll) and its link, as wall.post lists them. Each
        is made anew by every attempt: what an earlier attempt made and never posted stays unseen in the community's
        albums, never on the wall."""
        made = [self.upload_video(item) if attachments.is_video(item.content_type) else self.upload_photo(item)
                for item in draft.media]
        if attachments.has_poll(draft):
            made.append(self.create_poll(draft))
        return made + ([attachments.link(draft)] if attachments.link(draft) else [])

    def upload_photo(self, item: MediaFile) -> str:
        """photos.getWallUploadServer, the file as "photo", photos.saveWallPhoto: "photo<owner>_<id>"."""
        server = self.call("photos.getWallUploadServer", group_id=self.group_id)
        uploaded = self.upload(server, "photo", item)
        if not isinstance(uploaded.get("photo"), str) or uploaded["photo"] in ("", "[]"):
            raise ProviderError(f"VK did not take {item.filename} as a picture (JPG, PNG or GIF, width and height "
                                "together at most 14,000 pixels, sides at least 1:20).", ErrorKind.PERMANENT)
        saved = self.call("photos.saveWallPhoto", group_id=self.group_id, photo=uploaded["photo"],
                          server=uploaded.get("server", ""), hash=uploaded.get("hash", ""), caption=item.alt_text)
        photo = saved[0] if isinstance(saved, list) and saved and isinstance(saved[0], dict) else {}
        return self.attachment("photo", photo.get("owner_id"), photo.get("id"))

    def upload_video(self, item: MediaFile) -> str:
        """video.save in the community (not posted by itself), then the file as "video_file": "video<owner>_<id>"."""
        saved = self.call("video.save", group_id=self.group_id, wallpost=0,
                          name=item.filename[:attachments.MAX_VIDEO_NAME], description=item.alt_text)
        self.upload(saved, "video_file", item)
        return self.attachment("video", saved.get("owner_id"), saved.get("video_id"))

    def upload(self, server: Any, field_name: str, item: MediaFile) -> dict[str, Any]:
        """The file sent to the upload address VK gave, as one multipart field; VK's answer about it."""
        url = server.get("upload_url") if isinstance(server, dict) else None
        if not isinstance(url, str) or not url.startswith("https://"):
            raise ProviderError("VK gave no address to upload to.", ErrorKind.TRANSIENT)
        response = self.request("POST", url, files={field_name: (item.filename, item.read(), item.content_type)})
        answer = self.json(response)
        if not isinstance(answer, dict) or answer.get("error"):
            said = str(answer.get("error") if isinstance(answer, dict) else answer)[:200]
            raise ProviderError(f"VK refused {item.filename}: {said}", ErrorKind.PERMANENT)
        return answer

    def create_poll(self, draft: Draft) -> str:
        poll = self.call("polls.create", **attachments.poll_request(draft, self.owner_id))
        return self.attachment("poll", poll.get("owner_id") if isinstance(poll, dict) else None,
                               poll.get("id") if isinstance(poll, dict) else None)

    @staticmethod
    def attachment(kind: str, owner_id: Any, media_id: Any) -> str:
        """As wall.post names an attachment: {type}{owner_id}_{media_id}."""
        if whole(owner_id) is None or whole(media_id) is None:
            raise ProviderError(f"VK made the {kind} but did not say which.", ErrorKind.TRANSIENT)
        return f"{kind}{owner_id}_{media_id}"

    def guid(self, attempt: Attempt) -> str:
        """wall.post's guid, named for what it is for: one attempt's post, sent once. The same attempt sends the same
        guid, so a request sent again says it is the same post; the read-back in reconcile() does not rely on it."""
        return attempt.key

    def published(self, post_id: int) -> Published:
        remote_id = f"{self.owner_id}_{post_id}"  # as VK names a post: wall{owner_id}_{id} (wall.getById's posts)
        return Published(remote_id=remote_id, url=f"https://vk.com/wall{remote_id}", parts=(remote_id,))

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        """After a lost answer: the community's one post with exactly this text, posted as the community, dated within
        the attempt's few minutes; None when there is none. VK gives a post no mark of the request that made it, so
        two such posts (another publication of the same text at the same moment) are not guessed between."""
        start, end = aware(attempt.started_at) - EARLY, aware(attempt.started_at) + LATE
        found = [post for post in self.wall_since(start) if self.is_attempts_post(post, draft, start, end)]
        if len(found) > 1:
            raise ProviderError(f"The community's wall has {len(found)} posts with this text from the minutes of this "
                                "attempt; Stoa cannot tell which one it made. Look at the wall, then mark it "
                                "published or publish it again.", ErrorKind.UNKNOWN_OUTCOME)
        return self.published(found[0]["id"]) if found else None

    def wall_since(self, start: datetime) -> list[dict[str, Any]]:
        """The wall's posts back to `start`, newest first, reading at most WALL_PAGES pages."""
        posts: list[dict[str, Any]] = []
        for page in range(WALL_PAGES):
            answer = self.call("wall.get", owner_id=self.owner_id, count=WALL_PAGE, offset=page * WALL_PAGE)
            items = answer.get("items") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise ProviderError("VK answered wall.get without its items.", ErrorKind.TRANSIENT)
            posts += [item for item in items if isinstance(item, dict)]
            # A pinned post comes first whatever its date, so only the others tell how far back the page reaches.
            dates = [at for item in items if isinstance(item, dict) and not item.get("is_pinned")
                     and (at := posted_at(item)) is not None]
            reached = any(at < start for at in dates)
            if reached or len(items) < WALL_PAGE:
                return posts
        raise ProviderError(f"More than {WALL_PAGES * WALL_PAGE} posts were published on the wall since this attempt; "
                            "Stoa cannot tell whether it published. Look at the wall.", ErrorKind.UNKNOWN_OUTCOME)

    def is_attempts_post(self, post: dict[str, Any], draft: Draft, start: datetime, end: datetime) -> bool:
        at = posted_at(post)
        return (post.get("owner_id") == self.owner_id and post.get("from_id") == self.owner_id
                and post.get("text") == draft.text and isinstance(post.get("id"), int)
                and attachments.kinds_of(post) == attachments.expected_kinds(draft)
                and at is not None and start <= at <= end)

    def delete(self, published: Published) -> None:
        owner, _sep, post_id = published.remote_id.rpartition("_")
        if not post_id.isdigit() or owner != str(self.owner_id):
            raise ProviderError(f"{published.remote_id!r} is not a post on this community's wall.",
                                ErrorKind.PERMANENT)
        try:
            done = self.call("wall.delete", owner_id=self.owner_id, post_id=int(post_id))
        except ProviderError as e:
            if isinstance(e, VKError) and e.code == NOT_FOUND:
                return  # it is gone already: what deleting wanted
            raise
        if done != 1:
            raise ProviderError("VK did not confirm the deletion.", ErrorKind.TRANSIENT)

    # -- Connecting through VK ID (stoa.providers.vk.vk_id) --------------------------------

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        return oauth2.authorize_url(self.endpoint("authorize"), client_id=oauth2.client_app(self).client_id,
                                    redirect_uri=redirect_uri, state=state, code_challenge=code_challenge,
                                    scopes=vk_id.SCOPES)

    def exchange(self, code: str, redirect_uri: str, code_verifier: str, device_id: str = "",
                 state: str = "") -> Grant:
        """The code for a grant. The device VK ID named is kept in the provider's credentials, which the connect flow
        keeps with the grant (Authorizes.exchange_answer): every refresh names it again."""
        data = {"grant_type": "authorization_code", "code": code, "code_verifier": code_verifier,
                "redirect_uri": redirect_uri, "client_id": oauth2.client_app(self).client_id}
        if device_id:
            data[vk_id.DEVICE_ID] = self.credentials[vk_id.DEVICE_ID] = device_id
        if state:
            data["state"] = state
        return vk_id.token(self, data)

    def refresh(self, grant: Grant) -> Grant:
        data = {"grant_type": "refresh_token", "refresh_token": grant.refresh,
                "client_id": oauth2.client_app(self).client_id, "state": secrets.token_urlsafe(16)}
        if device := str(self.credentials.get(vk_id.DEVICE_ID) or ""):
            data[vk_id.DEVICE_ID] = device
        return vk_id.token(self, data, previous=grant)

    def targets(self, grant: Grant) -> tuple[Account, ...]:
        """The communities the person administers or edits (groups.get, filter admin and editor, extended; its
        count is at most 1000, VKCOM/vk-api-schema groups/methods.json): one channel each, the grant kept."""
        as_granted = type(self)(self.config, {**self.credentials, oauth2.ACCESS: grant.access}, http=self._http)
        answer = as_granted.call("groups.get", filter="admin,editor", extended=1, count=1000)
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise ProviderError("VK answered groups.get without its items.", ErrorKind.TRANSIENT)
        return tuple(community_account(group) for group in items
                     if isinstance(group, dict) and whole(group.get("id")) and not group.get("deactivated"))

    # -- The inbox: comments by polling, comments and messages by the Callback API --------

    def fetch_inbox(self, position: str) -> InboxPage:
        """Comments under the community's latest POSTS_WATCHED posts newer than the last one seen (comment ids grow
        on a wall, so the position is the highest seen). VK has no notifications method for a community; reading
        each post's comments with wall.getComments is the documented way, and push brings the rest at once."""
        seen = int(position) if position.isdigit() else 0
        answer = self.call("wall.get", owner_id=self.owner_id, count=POSTS_WATCHED)
        posts = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(posts, list):
            raise ProviderError("VK answered wall.get without its items.", ErrorKind.TRANSIENT)
        found: list[Incoming] = []
        for post in posts:
            if isinstance(post, dict) and self.has_comments(post):
                found += self.comments_after(int(post["id"]), seen)
        newest = max([seen, *(int(item.remote_id.rpartition("_")[2]) for item in found)])
        return InboxPage(items=tuple(sorted(found, key=lambda item: item.written_at)), cursor=str(newest))

    @staticmethod
    def has_comments(post: dict[str, Any]) -> bool:
        comments = post.get("comments")
        return whole(post.get("id")) is not None and isinstance(comments, dict) and bool(whole(comments.get("count")))

    def comments_after(self, post_id: int, seen: int) -> list[Incoming]:
        answer = self.call("wall.getComments", owner_id=self.owner_id, post_id=post_id, count=COMMENTS_PAGE,
                           sort="desc", preview_length=0, thread_items_count=THREAD_ITEMS)
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise ProviderError("VK answered wall.getComments without its items.", ErrorKind.TRANSIENT)
        found = [inbox.comment(item) for top in items if isinstance(top, dict)
                 for item in inbox.comments_in_thread(top)]
        return [item for item in found if item is not None and int(item.remote_id.rpartition("_")[2]) > seen
                and item.author.remote_id != str(self.owner_id)]  # the community's own answers are no messages

    def set_webhook(self, url: str, secret: str) -> None:
        """The Callback API server of this community at `url` with `secret` (added, or the one at that address
        edited), sending the events Stoa reads (groups.addCallbackServer or groups.editCallbackServer, then
        groups.setCallbackSettings with this API version; VKCOM/vk-api-schema groups/methods.json)."""
        server_id = self.callback_server(url)
        if server_id is None:
            added = self.call("groups.addCallbackServer", group_id=self.group_id, url=url, title=CALLBACK_TITLE,
                              secret_key=secret)
            server_id = whole(added.get("server_id")) if isinstance(added, dict) else None
            if server_id is None:
                raise ProviderError("VK did not say which Callback API server it added.", ErrorKind.TRANSIENT)
        else:
            self.call("groups.editCallbackServer", group_id=self.group_id, server_id=server_id, url=url,
                      title=CALLBACK_TITLE, secret_key=secret)
        events: dict[str, Any] = dict.fromkeys(inbox.EVENTS, 1)  # each event Stoa reads, turned on
        self.call("groups.setCallbackSettings", group_id=self.group_id, server_id=server_id, api_version=API_VERSION,
                  **events)

    def callback_server(self, url: str) -> int | None:
        answer = self.call("groups.getCallbackServers", group_id=self.group_id)
        items = answer.get("items") if isinstance(answer, dict) else None
        return next((whole(server.get("id")) for server in items or [] if isinstance(server, dict)
                     and server.get("url") == url), None)

    def handshake(self, body: dict[str, Any]) -> str | None:
        """VK's confirmation call for this community is answered with the code groups.getCallbackConfirmationCode
        gives now ("the confirmation string changes from time to time", https://dev.vk.com/en/api/callback/
        getting-started); every other call is a message."""
        if body.get("type") != inbox.CONFIRMATION:
            return None
        if whole(body.get("group_id")) != self.group_id:
            raise ProviderError("VK asked to confirm this address for another community.", ErrorKind.PERMANENT)
        answer = self.call("groups.getCallbackConfirmationCode", group_id=self.group_id)
        code = answer.get("code") if isinstance(answer, dict) else None
        if not isinstance(code, str) or not code:
            raise ProviderError("VK gave no confirmation code.", ErrorKind.TRANSIENT)
        return code

    def pushed(self, body: dict[str, Any]) -> InboxPage:
        return InboxPage(items=inbox.pushed(body, self.group_id, clock.now()), cursor="")

    # -- Replies, as the community --------------------------------------------------------

    def reply(self, to: ReplyTo, text: str) -> Published:
        if to.kind == "message":
            return self.send_message(to, text)
        owner, _sep, comment_id = to.remote_id.rpartition("_")
        post_owner, _sep, post_id = to.root_remote_id.rpartition("_")
        if owner != str(self.owner_id) or post_owner != owner or not comment_id.isdigit() or not post_id.isdigit():
            raise ProviderError(f"{to.remote_id!r} is not a comment on this community's wall.", ErrorKind.PERMANENT)
        answer = self.call("wall.createComment", creating=True, owner_id=self.owner_id, post_id=int(post_id),
                           from_group=self.group_id, message=text, reply_to_comment=int(comment_id),
                           guid=once(to, text))
        new_id = whole(answer.get("comment_id")) if isinstance(answer, dict) else None
        if new_id is None:
            raise ProviderError("VK took the reply but did not say its id.", ErrorKind.UNKNOWN_OUTCOME)
        remote_id = f"{self.owner_id}_{new_id}"
        return Published(remote_id, inbox.comment_url(self.owner_id, int(post_id), new_id), (remote_id,))

    def send_message(self, to: ReplyTo, text: str) -> Published:
        """messages.send in the person's conversation with the community; random_id, "unique identifier to avoid
        resending the message" (VKCOM/vk-api-schema messages/methods.json), is made of the message answered and the
        text, so the same reply sent again is the same message."""
        peer = to.root_remote_id or to.author_id
        if not peer.lstrip("-").isdigit():
            raise ProviderError("Stoa does not know the conversation of this message.", ErrorKind.PERMANENT)
        answer = self.call("messages.send", creating=True, peer_id=int(peer), group_id=self.group_id, message=text,
                           random_id=int(once(to, text)[:8], 16) & 0x7FFFFFFF)
        message_id = whole(answer)
        if message_id is None:
            raise ProviderError("VK took the message but did not say its id.", ErrorKind.UNKNOWN_OUTCOME)
        return Published(f"message{message_id}", f"https://vk.com/gim{self.group_id}?sel={peer}",
                         (f"message{message_id}",))

    # -- Counts ---------------------------------------------------------------------------

    def metrics(self, published: Published) -> tuple[MetricPoint, ...]:
        found = self.posts_metrics([published])[published.remote_id]
        if isinstance(found, ProviderError):
            raise found
        return found

    def posts_metrics(self, posts: Sequence[Published]) -> dict[str, tuple[MetricPoint, ...] | ProviderError]:
        """wall.getById for up to METRICS_PER_REQUEST posts at once (posts "<owner>_<id>,..."): each post's counts
        (likes, reposts, comments and views objects with their count; https://dev.vk.com/en/reference/objects/post).
        A post VK does not return is gone (or was never this wall's): PERMANENT for that post alone."""
        answer = self.call("wall.getById", posts=",".join(post.remote_id for post in posts))
        items = answer.get("items") if isinstance(answer, dict) else answer
        if not isinstance(items, list):
            raise ProviderError("VK answered wall.getById without its items.", ErrorKind.TRANSIENT)
        now = clock.now()
        by_id = {f"{item.get('owner_id')}_{item.get('id')}": item for item in items if isinstance(item, dict)}
        return {post.remote_id: self.counts_of(by_id[post.remote_id], now) if post.remote_id in by_id else
                ProviderError(f"VK no longer has post {post.remote_id}.", ErrorKind.PERMANENT) for post in posts}

    def counts_of(self, post: dict[str, Any], now: datetime) -> tuple[MetricPoint, ...]:
        fields = {LIKES: "likes", REPOSTS: "reposts", REPLIES: "comments", VIEWS: "views"}
        return tuple(metric_point(self.name, name, count_in(post, field), now) for name, field in fields.items())

    def account_counts(self) -> tuple[MetricPoint, ...]:
        """The community's members (groups.getById with fields=members_count). stats.get is not read: its visitors,
        reach and activity are counts within a period, not a level now, and fit none of base.ACCOUNT_METRICS
        (docs/networks/vk.md, Counts)."""
        answer = self.call("groups.getById", group_id=self.group_id, fields="members_count")
        groups = answer.get("groups") if isinstance(answer, dict) else answer
        group = groups[0] if isinstance(groups, list) and groups and isinstance(groups[0], dict) else {}
        return (metric_point(self.name, FOLLOWERS, group.get("members_count"), clock.now()),)

    def recent_posts(self, limit: int) -> tuple[RecentPost, ...]:
        """The wall's latest posts by the community (wall.get, newest first, at most a page), with their counts."""
        answer = self.call("wall.get", owner_id=self.owner_id, count=min(limit, WALL_PAGE))
        items = answer.get("items") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise ProviderError("VK answered wall.get without its items.", ErrorKind.TRANSIENT)
        now = clock.now()
        return tuple(RecentPost(self.published(post["id"]), at, self.counts_of(post, now)) for post in items
                     if isinstance(post, dict) and post.get("from_id") == self.owner_id
                     and whole(post.get("id")) is not None and (at := posted_at(post)) is not None)[:limit]

    # -- Talking to the VK API ----------------------------------------------------------

    @property
    def group_id(self) -> int:
        value = str(self.config.get("group_id") or "").strip().removeprefix("-").removeprefix("club")
        if not value.isdigit() or int(value) == 0:
            raise ProviderError("Set the community as its number, as in vk.com/club123456.", ErrorKind.AUTHORIZATION)
        return int(value)

    @property
    def owner_id(self) -> int:
        return -self.group_id  # "The community ID should start with a sign -" (https://dev.vk.com/en/method/wall.post)

    @property
    def token(self) -> str:
        token = str(self.credentials.get("access_token") or "").strip()
        if not token:
            raise ProviderError("Enter the VK access key.", ErrorKind.AUTHORIZATION)
        return token

    def call(self, method: str, *, creating: bool = False, **params: Any) -> Any:
        """POST one API method and return its response. `creating` marks a request that may post something, so that a
        lost answer is an unknown outcome rather than a failure. The key travels in the form body, never the URL."""
        data = {name: str(value) for name, value in params.items()} | {"access_token": self.token, "v": API_VERSION}
        response = self.request("POST", f"{self.endpoint('api')}/{method}", creating=creating, data=data)
        body = self.json(response, creating=creating)
        if isinstance(body, dict) and "response" in body:
            return body["response"]
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            error = self.error_from_body(body["error"], creating=creating)
            if error.kind == ErrorKind.RATE_LIMITED and self.budget is not None:
                self.budget.rate_limited(error.retry_after)  # as the base class does for HTTP 429: every caller waits
            raise error
        raise ProviderError(f"VK answered {method} with neither a response nor an error.",
                            ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT)

    def request_cost(self, method: str, url: str, **request: Any) -> dict[str, int]:
        """VK's rate limit counts calls of API methods; sending a file to the upload address VK gave is none."""
        return super().request_cost(method, url, **request) if url.startswith(self.endpoint("api")) else {}

    def error_from_body(self, error: dict[str, Any], *, creating: bool) -> VKError:
        """VK's error answer (HTTP 200; https://dev.vk.com/en/api/captcha-error shows one) as a ProviderError with its
        code. HTTP errors (from what stands in front of VK: a proxy, a load balancer) are the base class's."""
        code = error["error_code"] if isinstance(error.get("error_code"), int) else 0
        said = str(error.get("error_msg") or "")[:200].replace(self.token, "<access key>")
        return self.error_of_code(code, f"{said} (error {code})", creating=creating)

    def error_of_code(self, code: int, said: str, *, creating: bool) -> VKError:
        if code in REFUSED_KEY:
            return VKError(code, f"VK refused the access key: {said}. Connect the community again with a new key.",
                                 ErrorKind.AUTHORIZATION)
        if code in TOO_OFTEN:
            # Error 6 is a per-second limit: a second later is enough. Flood control and the daily limit say no time.
            return VKError(code, f"VK asks Stoa to slow down: {said}.", ErrorKind.RATE_LIMITED,
                                 retry_after=1.0 if code == 6 else None)
        if code in LOST:
            kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
            return VKError(code, f"VK had an internal error: {said}.", kind)
        if code in NO_RIGHT:
            return VKError(code, f"VK refused: {said}. The key's account must be an administrator or editor of the "
                                 f"community, and the key must carry the {WALL_RIGHT!r} right.", ErrorKind.PERMISSION,
                                 missing_permission=WALL_RIGHT)
        if code in MEDIA_REFUSED:
            return VKError(code, f"VK did not take a picture or video of this post: {said}. Nothing was published; "
                                 "change or remove it.", ErrorKind.PERMANENT)
        if code == CAPTCHA:
            return VKError(code, f"VK asks for a captcha before it takes this ({said}), which Stoa cannot answer: "
                                 "nothing was published. Publish it on VK yourself, or try again later.",
                                 ErrorKind.PERMANENT)
        return VKError(code, f"VK refused the request: {said}.", ErrorKind.PERMANENT)


def whole(value: Any) -> int | None:
    return inbox.whole(value)


def count_in(post: dict[str, Any], field: str) -> Any:
    """A post's count of `field` ({"count": n}); None when VK left it out, which metric_point refuses."""
    found = post.get(field)
    return found.get("count") if isinstance(found, dict) else None


def once(to: ReplyTo, text: str) -> str:
    """The same reply to the same message: what VK takes as one (guid, random_id), so a reply sent again after a lost
    answer is not posted twice."""
    return hashlib.sha256(f"{to.kind}\n{to.remote_id}\n{text}".encode()).hexdigest()[:32]


def community_account(group: dict[str, Any]) -> Account:
    """A community as a channel's account; the channel keeps its number as group_id (https://dev.vk.com/en/reference/
    objects/group: id, name, screen_name)."""
    screen_name = str(group.get("screen_name") or f"club{group['id']}")
    name = str(group.get("name") or screen_name)
    return Account(remote_id=str(group["id"]), name=name, url=f"https://vk.com/{screen_name}",
                   settings={"group_id": str(group["id"]), "screen_name": screen_name, "name": name})


def posted_at(post: dict[str, Any]) -> datetime | None:
    """A post's `date` (unixtime, https://dev.vk.com/en/reference/objects/post) as an aware time."""
    date = post.get("date")
    if isinstance(date, bool) or not isinstance(date, int):
        return None
    return datetime.fromtimestamp(date, UTC)
