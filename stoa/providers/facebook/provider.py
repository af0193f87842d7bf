"""Facebook Pages through Meta's Graph API (issue 16): connect with Facebook Login, publish as the Page, read and answer
comments, mentions and Messenger conversations, hide comments, and read counts.

Facts, each from the page named beside it (the Graph API's shared part, its version, errors and paging, is
stoa/providers/meta/graph.py):
- Login: https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow: the dialog
  https://www.facebook.com/<version>/dialog/oauth (client_id, redirect_uri, state, response_type=code, scope "a comma or
  space separated list"), the code exchanged with GET /oauth/access_token (client_id, redirect_uri, client_secret,
  code). PKCE (code_challenge, code_challenge_method=S256, then code_verifier at the token endpoint):
  https://developers.facebook.com/docs/facebook-login/guides/advanced/oidc-token (marked "still in testing" there).
  A long-lived user token: GET /oauth/access_token with grant_type=fb_exchange_token, client_id, client_secret and
  fb_exchange_token (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived); a Page
  token got with a long-lived user token has no expiry (same page). These requests are GET as documented, so the
  client secret and the short-lived token travel in that one query string, to graph.facebook.com only.
- Pages: GET /me/accounts gives each Page's id, name, access_token, category and tasks
  (https://developers.facebook.com/docs/pages-api/overview, /docs/graph-api/reference/user/accounts).
- Posts: https://developers.facebook.com/docs/pages-api/posts: POST /<page>/feed with message and link; photos with
  POST /<page>/photos (url; published=false for the photos of a post with several, then attached_media[n] =
  {"media_fbid": <photo id>} on /feed); GET /<page>/published_posts; DELETE /<post>. Permissions there:
  pages_manage_posts, pages_read_engagement, pages_manage_engagement, pages_read_user_content; the person needs the
  CREATE_CONTENT (and MODERATE for comments) task on the Page.
- Video: POST /<page>/videos with file_url and description (https://developers.facebook.com/docs/graph-api/reference/
  page/videos lists file_url and description; the publishing guide, /docs/video-api/guides/publishing, now prefers
  the Resumable Upload API, which Stoa does not use yet).
- Comments: GET /<object>/comments with filter=stream and order=reverse_chronological, POST /<comment>/comments with
  message to reply, POST /<comment> with is_hidden=true to hide (https://developers.facebook.com/docs/graph-api/
  reference/object/comments, /docs/graph-api/reference/comment). Mentions: GET /<page>/tagged
  (https://developers.facebook.com/docs/graph-api/reference/page/tagged).
- Messenger: GET /<page>/conversations?platform=messenger with messages{message,from,created_time}
  (https://developers.facebook.com/docs/graph-api/reference/page/conversations); POST /<page>/messages with recipient,
  messaging_type=RESPONSE and message (https://developers.facebook.com/docs/messenger-platform/reference/send-api),
  allowed within 24 hours of the person's last message (https://developers.facebook.com/docs/messenger-platform/
  policy/policy-overview); outside it the Send API answers code 10, subcode 2018278.
- Webhooks: object "page", entry[{id, time, changes[{field: "feed", value: {item, verb, comment_id, post_id,
  parent_id, message, from{id,name}, created_time}}], messaging[{sender{id}, recipient{id}, timestamp, message{mid,
  text}}]}] (https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed,
  https://developers.facebook.com/docs/messenger-platform/webhooks).
- Counts: GET /<post>?fields=shares,reactions.summary(total_count),comments.summary(total_count) (the summary of an
  edge: https://developers.facebook.com/docs/graph-api/reference/object/reactions); the Page's followers_count
  (https://developers.facebook.com/docs/graph-api/reference/page).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stoa import clock
from stoa.providers import oauth2
from stoa.providers.base import (
    FOLLOWERS,
    LIKES,
    REPLIES,
    REPOSTS,
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
    ProviderError,
    Published,
    RateLimit,
    RecentPost,
    ReplyTo,
    aware,
    media_url,
    metric_point,
    public_media_problems,
)
from stoa.providers.capabilities import (
    Authorizes,
    Hides,
    Publishes,
    ReadsInbox,
    ReadsMessages,
    ReadsMetrics,
    ReceivesAppPush,
    Replies,
)
from stoa.providers.meta.graph import GRAPH_URL, GRAPH_VERSION, GraphAPI, GraphError, data_of, graph_time
from stoa.providers.meta.webhooks import MetaWebhooks

PAGE_TOKEN = "page_access_token"  # the Page's own token, in the channel's credentials (oauth2.TARGET_CREDENTIALS)
# What Stoa asks for (https://developers.facebook.com/docs/permissions: each needs Advanced Access, through App Review,
# for Pages of people outside the app's business).
SCOPES = ("pages_show_list", "pages_manage_posts", "pages_read_engagement", "pages_read_user_content",
          "pages_manage_engagement", "pages_messaging", "pages_manage_metadata", "read_insights")
# The Page webhook's fields Stoa reads (https://developers.facebook.com/docs/graph-api/webhooks/reference/page).
WEBHOOK_FIELDS = ("feed", "messages")
TASKS = frozenset({"CREATE_CONTENT", "MODERATE"})  # a Page becomes a channel when the person has one of these
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/bmp", "image/tiff"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime"})
PHOTO_BYTES = 10 * 1024 * 1024  # https://developers.facebook.com/docs/page-stories-api: photos "can not exceed 10MB"
VIDEO_BYTES = 1024 * 1024 * 1024  # the non-resumable upload's 1 GB (/docs/video-api/guides/publishing): safe side
# An attempt's post is dated from a minute before its start to five minutes after (clocks differ; Facebook may finish
# a request whose answer was lost). Two posts of the same text in that span are not guessed between.
EARLY, LATE = timedelta(minutes=1), timedelta(minutes=5)
FEED_PAGE = 100
OUTSIDE_WINDOW = 2018278  # Send API: "This message is sent outside of allowed window"
GONE = 33  # code 100's subcode for an object that does not exist (or cannot be loaded)
POST_FIELDS = "id,message,created_time,permalink_url"
COUNT_FIELDS = "shares,reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0)"
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},permalink_url"


class FacebookProvider(GraphAPI, MetaWebhooks, Publishes, ReadsInbox, ReadsMessages, ReceivesAppPush, Replies, Hides,
                       ReadsMetrics, Authorizes):
    key = "facebook"
    name = "Facebook"
    endpoints = {"graph": GRAPH_URL, "authorize": f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth",
                 "token": f"{GRAPH_URL}/{GRAPH_VERSION}/oauth/access_token"}
    # The Pages API documents no length for `message`; 63,206 is the length Facebook's own composer is widely
    # reported to stop at, not a documented figure. Stoa counts UTF-16 units, the larger count a server may use.
    # Up to 10 photos in one post (attached_media states no maximum: Stoa keeps to Instagram's carousel count), or
    # one video alone (validate_network_specific).
    limits = Limits(max_text=63206, counts="utf16", max_media=10, media_types=PHOTO_TYPES | VIDEO_TYPES,
                    max_media_bytes=VIDEO_BYTES)
    # Pages API calls with a Page token count against the Page's Business Use Case limit: 4,800 calls per engaged user
    # in 24 hours (https://developers.facebook.com/docs/graph-api/overview/rate-limiting). With one engaged user that
    # is 200 an hour, which Stoa keeps to.
    rate_limits = (RateLimit("calls", 200, 3600),)
    post_cost = {"calls": 1}
    option_fields = (OptionField("link", gettext_lazy("Link (shown as a preview under the text)")),)
    post_metrics = (LIKES, REPOSTS, REPLIES)
    account_metrics = (FOLLOWERS,)
    metrics_note = "Likes are all reactions; reposts are shares."
    app_console = "https://developers.facebook.com/apps/"
    app_help = (  # for the deployment's administrator, in English as every network's (stoa.channels.oauth)
        "A Meta app of type Business with Facebook Login for Business: add Stoa's callback address as a valid OAuth "
        "redirect URI, and request Advanced Access (App Review) to pages_show_list, pages_manage_posts, "
        "pages_read_engagement, pages_read_user_content, pages_manage_engagement, pages_messaging, "
        "pages_manage_metadata and read_insights. "
        "For the inbox, subscribe the Page webhook's feed and messages fields to Stoa's webhook address.")

    # -- Connecting: Facebook Login, then one channel per Page --------------------------------------------------

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        return oauth2.authorize_url(self.endpoint("authorize"), client_id=oauth2.client_app(self).client_id,
                                    redirect_uri=redirect_uri, state=state, code_challenge=code_challenge,
                                    scopes=SCOPES)

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        """The code for a user token, then that for a long-lived one (whose Pages' tokens do not expire). The grant
        has no expiry: the channel acts with its Page's token, which lives until revoked."""
        app = oauth2.client_app(self)
        short = self.token_call({"client_id": app.client_id, "redirect_uri": redirect_uri,
                                 "client_secret": app.client_secret, "code": code, "code_verifier": code_verifier})
        long_lived = self.token_call({"grant_type": "fb_exchange_token", "client_id": app.client_id,
                                      "client_secret": app.client_secret, "fb_exchange_token": short})
        return Grant(access=long_lived)

    def token_call(self, params: dict[str, str]) -> str:
        """One GET of the token endpoint, its access_token. Refused (a code used already or expired, a wrong secret):
        AUTHORIZATION, connect again; rate limits and server trouble keep their kinds."""
        try:
            response = self.request("GET", self.endpoint("token"), params=params)
            body = self.json(response)
        except ProviderError as error:
            if error.kind in (ErrorKind.RATE_LIMITED, ErrorKind.TRANSIENT) and not (
                    isinstance(error, GraphError) and error.status in (400, 401, 403)):
                raise self.without_app_secrets(error, params) from None
            raise ProviderError(f"Facebook refused the authorization: {self.without_app_secrets(error, params)}",
                                ErrorKind.AUTHORIZATION) from None
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ProviderError("Facebook's token endpoint answered without an access token.", ErrorKind.TRANSIENT)
        return token

    @staticmethod
    def without_app_secrets(error: ProviderError, params: dict[str, str]) -> ProviderError:
        for name in ("client_secret", "code", "code_verifier", "fb_exchange_token"):
            if params.get(name) and params[name] in error.message:
                error.message = error.message.replace(params[name], f"<{name}>")
        return error

    def refresh(self, grant: Grant) -> Grant:
        raise ProviderError("A Facebook Page's token has no refresh: it lasts until it is revoked (the person "
                            "leaves the Page, changes their password or removes the app). Connect the Page again.",
                            ErrorKind.AUTHORIZATION)

    def targets(self, grant: Grant) -> tuple[Account, ...]:
        pages = self.graph_pages("me/accounts", token=grant.access,
                                 params={"fields": "id,name,access_token,category,tasks,link", "limit": 100})
        return tuple(self.page_account(page) for page in pages
                     if page.get("id") and page.get("access_token") and TASKS & set(page.get("tasks") or ()))

    def page_account(self, page: dict[str, Any]) -> Account:
        page_id = str(page["id"])
        return Account(remote_id=page_id, name=str(page.get("name") or page_id), url=page_link(page),
                       settings={"page_id": page_id, "category": str(page.get("category") or ""),
                                 "tasks": sorted(str(task) for task in page.get("tasks") or ()),
                                 oauth2.TARGET_CREDENTIALS: {PAGE_TOKEN: str(page["access_token"])}})

    def connect(self) -> Account:
        page = self.page_call("GET", self.page_id, params={"fields": "id,name,link"})
        if not isinstance(page, dict) or str(page.get("id")) != self.page_id:
            raise ProviderError("Facebook answered without the Page.", ErrorKind.TRANSIENT)
        return Account(remote_id=self.page_id, name=str(page.get("name") or self.page_id), url=page_link(page),
                       settings={"page_id": self.page_id})

    # -- Publishing ---------------------------------------------------------------------------------------------

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        # Only a video needs Stoa's public address (Facebook fetches it); a photo is uploaded when there is none.
        fetched = tuple(item for item in draft.media if item.content_type in VIDEO_TYPES)
        problems = public_media_problems(self.name, Draft(draft.text, media=fetched))
        videos = [item for item in draft.media if item.content_type in VIDEO_TYPES]
        if videos and len(draft.media) > 1:
            problems.append(Problem("media", _("A Facebook post has one video alone, or photos.")))
        for item in draft.media:
            if item.content_type in PHOTO_TYPES and item.size > PHOTO_BYTES:
                problems.append(Problem("media", _("%(file)s is %(size).1f MB; Facebook accepts photos of at most "
                                                   "%(max).1f MB.") % {"file": item.filename,
                                                                         "size": item.size / 1e6,
                                                                         "max": PHOTO_BYTES / 1e6}))
        link = str(draft.options.get("link") or "").strip()
        if link and urlsplit(link).scheme not in ("http", "https"):
            problems.append(Problem("options.link", _("Give the link as an address starting with https://.")))
        if link and draft.media:
            problems.append(Problem("options.link", _("Facebook shows a link's preview only on a post without "
                                                      "photos or video.")))
        return problems

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        if problems := self.validate(draft):
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        # Facebook has no idempotency key. An attempt sent again finds its post instead of posting twice (Facebook
        # refuses the same text twice in a row anyway, error 506).
        if (found := self.reconcile(draft, attempt)) is not None:
            return found
        if not draft.media:
            return self.post_to_feed(draft)
        if draft.media[0].content_type in VIDEO_TYPES:
            return self.post_video(draft, draft.media[0])
        if len(draft.media) == 1:
            return self.post_photo(draft, draft.media[0])
        return self.post_to_feed(draft, [self.unpublished_photo(item) for item in draft.media])

    def post_to_feed(self, draft: Draft, photo_ids: list[str] | None = None) -> Published:
        data: dict[str, Any] = {"message": draft.text}
        if link := str(draft.options.get("link") or "").strip():
            data["link"] = link
        for n, photo_id in enumerate(photo_ids or ()):
            data[f"attached_media[{n}]"] = f'{{"media_fbid":"{photo_id}"}}'
        answer = self.page_call("POST", f"{self.page_id}/feed", creating=True, data=data)
        return self.published(answer.get("id") if isinstance(answer, dict) else None)

    def post_photo(self, draft: Draft, item: MediaFile) -> Published:
        data, files = self.photo_source(item)
        answer = self.page_call("POST", f"{self.page_id}/photos", creating=True, files=files,
                                data=data | {"caption": draft.text})
        return self.published(answer.get("post_id") if isinstance(answer, dict) else None)

    def unpublished_photo(self, item: MediaFile) -> str:
        """A photo uploaded for a post with several: unpublished, so nothing shows until /feed takes them all."""
        data, files = self.photo_source(item)
        answer = self.page_call("POST", f"{self.page_id}/photos", files=files, data=data | {"published": "false"})
        photo_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(photo_id, str) or not photo_id:
            raise ProviderError(f"Facebook took {item.filename} without saying its id.", ErrorKind.TRANSIENT)
        return photo_id

    def photo_source(self, item: MediaFile) -> tuple[dict[str, str], dict[str, Any] | None]:
        """Where Facebook takes a photo from: its public address (url) where Stoa has one, else the file itself
        (source, a multipart upload); both are parameters of POST /<page>/photos."""
        if item.public_url is None or not settings.STOA_PUBLIC_BASE_URL:
            return alt_text(item), {"source": (item.filename, item.read(), item.content_type)}
        return {"url": media_url(self.name, item), **alt_text(item)}, None

    def post_video(self, draft: Draft, item: MediaFile) -> Published:
        data = {"file_url": media_url(self.name, item), "description": draft.text}
        answer = self.page_call("POST", f"{self.page_id}/videos", creating=True, data=data)
        video_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(video_id, str) or not video_id:
            raise ProviderError("Facebook took the video without saying its id. Look at the Page before publishing "
                                "again.", ErrorKind.UNKNOWN_OUTCOME)
        return Published(video_id, f"https://www.facebook.com/{self.page_id}/videos/{video_id}", (video_id,))

    def published(self, post_id: Any) -> Published:
        if not isinstance(post_id, str) or not post_id:
            raise ProviderError("Facebook accepted the post but did not say its id. Look at the Page before "
                                "publishing again.", ErrorKind.UNKNOWN_OUTCOME)
        return Published(post_id, post_url(post_id), (post_id,))

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        """The Page's one post with exactly this text dated within the attempt's minutes; None when there is none.
        Two such posts are not guessed between."""
        start, end = aware(attempt.started_at) - EARLY, aware(attempt.started_at) + LATE
        found = [post for post in self.posts_since(start)
                 if post.get("message", "") == draft.text and within(post, start, end)]
        if len(found) > 1:
            raise ProviderError(f"The Page has {len(found)} posts with this text from the minutes of this attempt; "
                                "Stoa cannot tell which one it made. Look at the Page, then mark it published or "
                                "publish it again.", ErrorKind.UNKNOWN_OUTCOME)
        return self.published(found[0].get("id")) if found else None

    def posts_since(self, start: datetime) -> list[dict[str, Any]]:
        params = {"fields": POST_FIELDS, "since": int(start.timestamp()), "limit": FEED_PAGE}
        return list(self.graph_pages(f"{self.page_id}/published_posts", token=self.page_token, params=params))

    def delete(self, published: Published) -> None:
        try:
            self.page_call("DELETE", published.remote_id)
        except GraphError as error:
            if error.status == 404 or (error.code == 100 and error.subcode == GONE):
                return  # gone already: what deleting wanted
            raise

    # -- The inbox: comments, mentions, Messenger ---------------------------------------------------------------

    def fetch_inbox(self, position: str) -> InboxPage:
        """Comments on the Page's recent posts and posts that tag it, newer than the cursor (a UNIX time)."""
        since = cursor_time(position)
        comments = f"comments.filter(stream).order(reverse_chronological).limit(50){{{COMMENT_FIELDS}}}"
        posts = self.page_call("GET", f"{self.page_id}/published_posts",
                               params={"fields": f"id,permalink_url,{comments}", "limit": 25})
        items = [self.comment(comment, str(post.get("id") or "")) for post in data_of(posts)
                 for comment in data_of(post.get("comments"))
                 if person(comment.get("from")).remote_id != self.page_id]  # not the Page's own answers
        tagged = self.page_call("GET", f"{self.page_id}/tagged",
                                params={"fields": "id,message,created_time,from{id,name},permalink_url", "limit": 25})
        items += [self.mention(post) for post in data_of(tagged)]
        return newer_than(items, since, position)

    def comment(self, comment: dict[str, Any], post_id: str) -> Incoming:
        parent = comment.get("parent")
        parent_id = parent.get("id") if isinstance(parent, dict) else None
        return Incoming(remote_id=str(comment.get("id") or ""), kind="comment", text=str(comment.get("message") or ""),
                        author=person(comment.get("from")), written_at=written(comment.get("created_time")),
                        url=str(comment.get("permalink_url") or ""),
                        parent_remote_id=str(parent_id or post_id), root_remote_id=post_id)

    def mention(self, post: dict[str, Any]) -> Incoming:
        post_id = str(post.get("id") or "")
        return Incoming(remote_id=post_id, kind="mention", text=str(post.get("message") or ""),
                        author=person(post.get("from")), written_at=written(post.get("created_time")),
                        url=str(post.get("permalink_url") or post_url(post_id)), root_remote_id=post_id)

    def fetch_messages(self, position: str) -> InboxPage:
        since = cursor_time(position)
        fields = "id,updated_time,messages.limit(20){id,message,from,created_time}"
        conversations = self.page_call("GET", f"{self.page_id}/conversations",
                                       params={"platform": "messenger", "fields": fields, "limit": 25})
        items = [self.message(message, str(conversation.get("id") or "")) for conversation in data_of(conversations)
                 for message in data_of(conversation.get("messages"))
                 if person(message.get("from")).remote_id != self.page_id]  # not the Page's own answers
        return newer_than(items, since, position)

    def message(self, message: dict[str, Any], conversation_id: str) -> Incoming:
        return Incoming(remote_id=str(message.get("id") or ""), kind="message", text=str(message.get("message") or ""),
                        author=person(message.get("from")), written_at=written(message.get("created_time")),
                        root_remote_id=conversation_id)

    # -- Webhooks (ReceivesAppPush) -----------------------------------------------------------------------------

    @classmethod
    def accounts_in(cls, body: Any) -> dict[str, Any]:
        entries = body.get("entry") if isinstance(body, dict) and body.get("object") == "page" else None
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("id") for e in entries):
            raise ProviderError("This is not a call of Facebook's Page webhook.", ErrorKind.PERMANENT)
        parts: dict[str, Any] = {}
        for entry in entries:  # Meta may batch several entries of one Page in a call
            part = parts.setdefault(str(entry["id"]), {"id": str(entry["id"]), "changes": [], "messaging": []})
            part["changes"] += [c for c in entry.get("changes") or () if isinstance(c, dict)]
            part["messaging"] += [m for m in entry.get("messaging") or () if isinstance(m, dict)]
        return parts

    def pushed(self, part: Any) -> InboxPage:
        if not isinstance(part, dict):
            raise ProviderError("A Page webhook entry that is no object.", ErrorKind.PERMANENT)
        items = [item for change in part.get("changes") or () if (item := self.pushed_change(change))]
        items += [item for event in part.get("messaging") or () if (item := self.pushed_message(event))]
        return InboxPage(tuple(items), "")

    def pushed_change(self, change: dict[str, Any]) -> Incoming | None:
        value = change.get("value")
        if change.get("field") != "feed" or not isinstance(value, dict) or value.get("item") != "comment":
            return None  # reactions, the Page's own posts, and other fields: not messages to the brand
        author = person(value.get("from"))
        if author.remote_id == self.page_id:
            return None
        post_id = str(value.get("post_id") or "")
        return Incoming(remote_id=str(value.get("comment_id") or ""), kind="comment",
                        text=str(value.get("message") or ""), author=author,
                        written_at=written(value.get("created_time")), parent_remote_id=str(value.get("parent_id")
                                                                                             or post_id),
                        root_remote_id=post_id, deleted=value.get("verb") == "remove",
                        edited=value.get("verb") == "edited")

    def pushed_message(self, event: dict[str, Any]) -> Incoming | None:
        message, sender = event.get("message"), event.get("sender")
        if not isinstance(message, dict) or not isinstance(sender, dict) or message.get("is_echo"):
            return None  # deliveries, reads, and the Page's own messages echoed back
        stamp = event.get("timestamp")
        at = datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int) else clock.now()
        return Incoming(remote_id=str(message.get("mid") or ""), kind="message", text=str(message.get("text") or ""),
                        author=Person(remote_id=str(sender.get("id") or "")), written_at=at)

    def subscribe(self) -> None:
        """Have Meta send this Page's feed and messages to the app's webhook: POST /<page>/subscribed_apps with
        subscribed_fields, which needs pages_manage_metadata; only fields the app subscribes to as well arrive
        (https://developers.facebook.com/docs/graph-api/reference/page/subscribed_apps)."""
        answer = self.page_call("POST", f"{self.page_id}/subscribed_apps",
                                data={"subscribed_fields": ",".join(WEBHOOK_FIELDS)})
        if not (isinstance(answer, dict) and answer.get("success") is True):
            raise ProviderError("Facebook did not confirm the Page's webhook subscription.", ErrorKind.TRANSIENT)

    # -- Replies and hiding --------------------------------------------------------------------------------------

    def reply(self, to: ReplyTo, text: str) -> Published:
        if to.kind == "message":
            return self.send_message(to, text)
        answer = self.page_call("POST", f"{to.remote_id}/comments", creating=True, data={"message": text})
        comment_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(comment_id, str) or not comment_id:
            raise ProviderError("Facebook took the reply without saying its id.", ErrorKind.UNKNOWN_OUTCOME)
        return Published(comment_id, "", (comment_id,))

    def send_message(self, to: ReplyTo, text: str) -> Published:
        body = {"recipient": {"id": to.author_id}, "messaging_type": "RESPONSE", "message": {"text": text}}
        try:
            answer = self.page_call("POST", f"{self.page_id}/messages", creating=True, json_body=body)
        except GraphError as error:
            if error.subcode == OUTSIDE_WINDOW:
                raise ProviderError("Messenger lets a Page answer within 24 hours of the person's last message, and "
                                    "that time is over: answer when they write again.", ErrorKind.PERMANENT) from None
            raise
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        if not isinstance(message_id, str) or not message_id:
            raise ProviderError("Messenger took the answer without saying its id.", ErrorKind.UNKNOWN_OUTCOME)
        return Published(message_id, "", (message_id,))

    def hide(self, to: ReplyTo) -> None:
        if to.kind == "message":
            raise ProviderError("Facebook hides comments, not messages.", ErrorKind.PERMANENT)
        answer = self.page_call("POST", to.remote_id, creating=True, data={"is_hidden": "true"})
        if not (isinstance(answer, dict) and answer.get("success") is True):
            raise ProviderError("Facebook did not confirm the comment is hidden.", ErrorKind.UNKNOWN_OUTCOME)

    # -- Counts ---------------------------------------------------------------------------------------------------

    def metrics(self, published: Published) -> tuple[MetricPoint, ...]:
        post = self.page_call("GET", published.remote_id, params={"fields": COUNT_FIELDS})
        return self.counts(post if isinstance(post, dict) else {}, clock.now())

    def counts(self, post: dict[str, Any], at: datetime) -> tuple[MetricPoint, ...]:
        reactions, comments = summary_count(post, "reactions"), summary_count(post, "comments")
        # `shares` is left out of a post nobody shared: that absence is a count of 0, not a count not given.
        shares = post["shares"].get("count") if isinstance(post.get("shares"), dict) else 0
        return (metric_point(self.name, LIKES, reactions, at), metric_point(self.name, REPOSTS, shares, at),
                metric_point(self.name, REPLIES, comments, at))

    def account_counts(self) -> tuple[MetricPoint, ...]:
        page = self.page_call("GET", self.page_id, params={"fields": "followers_count"})
        followers = page.get("followers_count") if isinstance(page, dict) else None
        return (metric_point(self.name, FOLLOWERS, followers, clock.now()),)

    def recent_posts(self, limit: int) -> tuple[RecentPost, ...]:
        body = self.page_call("GET", f"{self.page_id}/published_posts",
                              params={"fields": f"{POST_FIELDS},{COUNT_FIELDS}", "limit": min(limit, FEED_PAGE)})
        now = clock.now()
        return tuple(RecentPost(self.published(str(post["id"])), written(post.get("created_time")),
                                self.counts(post, now)) for post in data_of(body)[:limit] if post.get("id"))

    # -- Talking to the Graph API as the Page --------------------------------------------------------------------

    @property
    def page_id(self) -> str:
        value = str(self.config.get("page_id") or self.config.get("account_id") or "").strip()
        if not value.isdigit():
            raise ProviderError("This channel names no Facebook Page; connect it again.", ErrorKind.AUTHORIZATION)
        return value

    @property
    def page_token(self) -> str:
        token = str(self.credentials.get(PAGE_TOKEN) or "")
        if not token:
            raise ProviderError("This channel has no Page access token; connect the Page again.",
                                ErrorKind.AUTHORIZATION)
        return token

    def page_call(self, method: str, path: str, **call: Any) -> Any:
        return self.graph_call(method, path, token=self.page_token, **call)


def alt_text(item: MediaFile) -> dict[str, str]:
    """A photo's description for screen readers: alt_text_custom (https://developers.facebook.com/docs/graph-api/
    reference/page/photos)."""
    return {"alt_text_custom": item.alt_text} if item.alt_text else {}


def page_link(page: dict[str, Any]) -> str:
    link = page.get("link")
    return link if isinstance(link, str) and link.startswith("https://") else f"https://www.facebook.com/{page['id']}"


def post_url(post_id: str) -> str:
    """A Page post's address: its id is <page id>_<post id>, and facebook.com/<that> shows it."""
    return f"https://www.facebook.com/{post_id}"


def person(author: Any) -> Person:
    """`from` of a comment or message: id and name. Without pages_read_user_content Facebook may leave it out."""
    if not isinstance(author, dict) or not author.get("id"):
        return Person(remote_id="unknown", name=_("Someone on Facebook"))
    return Person(remote_id=str(author["id"]), name=str(author.get("name") or ""),
                  profile_url=f"https://www.facebook.com/{author['id']}")


def written(value: Any) -> datetime:
    """created_time: ISO 8601 from the Graph API, UNIX seconds from a webhook."""
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    return graph_time(value) or clock.now()


def within(post: dict[str, Any], start: datetime, end: datetime) -> bool:
    at = graph_time(post.get("created_time"))
    return at is not None and start <= at <= end


def cursor_time(position: str) -> datetime | None:
    return datetime.fromtimestamp(int(position), UTC) if position.isdigit() else None


def newer_than(items: list[Incoming], since: datetime | None, position: str) -> InboxPage:
    """The items written after the cursor's time, oldest first; the cursor moves to the newest one's time."""
    fresh = sorted((item for item in items if item.remote_id and (since is None or item.written_at >= since)),
                   key=lambda item: item.written_at)
    cursor = str(int(fresh[-1].written_at.timestamp())) if fresh else position
    return InboxPage(tuple(fresh), cursor)


def summary_count(post: dict[str, Any], edge: str) -> Any:
    found = post.get(edge)
    summary = found.get("summary") if isinstance(found, dict) else None
    return summary.get("total_count") if isinstance(summary, dict) else None
