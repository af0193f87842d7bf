"""VK: post to a community's wall through the VK API, with plain httpx (first slice of issue 16: publishing only, and
registered for the tests alone until the rest of the network is built).

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

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy

from stoa.providers.base import (
    Account,
    Attempt,
    ConnectField,
    Draft,
    ErrorKind,
    Limits,
    Provider,
    ProviderError,
    Published,
    RateLimit,
    aware,
)
from stoa.providers.capabilities import Publishes

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
               27: "Group authorization failed", 28: "Application authorization failed", 37: "User was banned"}
TOO_OFTEN = {6: "Too many requests per second", 9: "Flood control", 29: "Rate limit reached"}
LOST = {1: "Unknown error occurred", 10: "Internal server error",
        36: "Method execution was interrupted due to timeout"}
NO_RIGHT = {7: "Permission to perform this action is denied", 15: "Access denied", 203: "Access to group denied",
            214: "Access to adding post denied"}
CAPTCHA = 14  # "Captcha needed" (https://dev.vk.com/en/api/captcha-error)
NOT_FOUND = 104  # "Not found": wall.delete's answer for a post that is gone (VKCOM/vk-api-schema wall/methods.json)


class VKError(ProviderError):
    """An error VK answered in its own shape, with its code."""

    def __init__(self, code: int, message: str, kind: ErrorKind, retry_after: float | None = None, **more: Any):
        super().__init__(message, kind, retry_after, **more)
        self.code = code


class VKProvider(Provider, Publishes):
    key = "vk"
    name = "VK"
    # The wall.post page states no length for `message`. The number VK documents for a text it takes is
    # messages.send's "message ... Max. length = 9000" (https://dev.vk.com/en/method/messages.send; wall.search's
    # query says the same), so Stoa holds posts to it. How VK counts is not written either: Stoa counts UTF-16 units,
    # the larger of the two counts a server may use (an emoji outside the BMP is 2), so it never sends a text VK could
    # count as longer. Media come in a later slice: max_media=0 refuses every file, so the size is never read.
    limits = Limits(max_text=9000, counts="utf16", max_media=0, media_types=frozenset())
    # Error 6 is "Too many requests per second" (VKCOM/vk-api-schema errors.json). The per-key numbers belong to
    # the limits section of https://dev.vk.com/en/api/api-requests, which the copy read for this slice did not reach:
    # 3 a second for a user key (the key wall.post takes) is to be checked there before VK ships (docs/networks/vk.md).
    rate_limits = (RateLimit("requests", 3, 1),)
    post_cost = {"requests": 1}  # wall.post is one request
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
        screen_name = str(group.get("screen_name") or f"club{group['id']}")
        name = str(group.get("name") or screen_name)
        return Account(remote_id=str(group["id"]), name=name, url=f"https://vk.com/{screen_name}",
                       settings={"group_id": str(group["id"]), "screen_name": screen_name, "name": name})

    # -- Publishing ---------------------------------------------------------------------

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        problems = self.validate(draft)
        if problems:
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        answer = self.call("wall.post", creating=True, owner_id=self.owner_id, from_group=1, message=draft.text,
                           guid=self.guid(attempt))
        post_id = answer.get("post_id") if isinstance(answer, dict) else None
        if isinstance(post_id, str) and post_id.isdigit():
            post_id = int(post_id)
        if not isinstance(post_id, int) or isinstance(post_id, bool):
            raise ProviderError("VK accepted the post but did not say its id. Look at the community's wall before "
                                "publishing again.", ErrorKind.UNKNOWN_OUTCOME)
        return self.published(post_id)

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
                and not post.get("attachments") and at is not None and start <= at <= end)

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
        response = self.request("POST", f"{API_URL}/{method}", creating=creating, data=data)
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
        if code == CAPTCHA:
            return VKError(code, f"VK asks for a captcha before it takes this ({said}), which Stoa cannot answer: "
                                 "nothing was published. Publish it on VK yourself, or try again later.",
                                 ErrorKind.PERMANENT)
        return VKError(code, f"VK refused the request: {said}.", ErrorKind.PERMANENT)



def posted_at(post: dict[str, Any]) -> datetime | None:
    """A post's `date` (unixtime, https://dev.vk.com/en/reference/objects/post) as an aware time."""
    date = post.get("date")
    if isinstance(date, bool) or not isinstance(date, int):
        return None
    return datetime.fromtimestamp(date, UTC)
