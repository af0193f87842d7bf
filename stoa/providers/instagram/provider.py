"""Instagram professional accounts (business and creator) through the Instagram API with Instagram Login, with plain
httpx on the Graph API helper (stoa.providers.meta.graph) at graph.instagram.com.

Every endpoint, field and limit is from developers.facebook.com; the page is named beside each fact (the limits and
the checks of a draft: limits.py; comments and webhooks: inbox.py):
- LOGIN: https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login
  (authorization window www.instagram.com/oauth/authorize with client_id, redirect_uri, response_type=code, scope,
  state; the code exchanged at POST api.instagram.com/oauth/access_token for a short-lived token, the account's id and
  its permissions; scopes instagram_business_basic, _content_publish, _manage_comments, _manage_messages).
- TOKEN: https://developers.facebook.com/docs/instagram-platform/reference/oauth-access-token (form fields client_id,
  client_secret, code, grant_type=authorization_code, redirect_uri; answer {"access_token", "user_id"}).
- LONG: https://developers.facebook.com/docs/instagram-platform/reference/access_token (GET graph.instagram.com/
  access_token?grant_type=ig_exchange_token&client_secret&access_token: a token for 60 days) and
  REFRESH: https://developers.facebook.com/docs/instagram-platform/reference/refresh_access_token (GET
  graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token&access_token, for a token "at least 24 hours
  old but has not expired"; answer {"access_token", "token_type", "expires_in"}). Both pages put the token in the query
  and say no other way: these two requests are the only ones that do, and their errors never carry the URL.
- ME: https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/get-started (GET /me
  with fields user_id, username, name, profile_picture_url, followers_count, follows_count, media_count; user_id is
  the professional account's id, the one webhooks name).
- PUBLISH: https://developers.facebook.com/docs/instagram-platform/content-publishing and ig-user/media,
  ig-user/media_publish, ig-container (POST /<id>/media makes a container: image_url [+ alt_text], media_type=REELS
  + video_url, media_type=STORIES, is_carousel_item=true children then media_type=CAROUSEL with children=<ids>;
  GET /<container>?fields=status_code,status: EXPIRED, ERROR, FINISHED, IN_PROGRESS, PUBLISHED, queried "once per
  minute, for no more than 5 minutes"; POST /<id>/media_publish with creation_id).
- QUOTA: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/
  content_publishing_limit (fields quota_usage and config {quota_total, quota_duration}); media_publish's page says
  "An Instagram professional account can only publish 50 posts within a 24 hour moving period", the content-publishing
  page 100: Stoa declares 50 and reads the account's own quota_total before each post.
- MEDIA: ig-user/media (GET: id, caption, media_type, permalink, timestamp "2019-04-05T07:56:32+0000"); the IG Media
  reference documents no deletion through the API.
- WEBHOOKS: https://developers.facebook.com/docs/instagram-platform/webhooks (step 3: "Enable your app user's Instagram
  professional account to receive notifications via an API call to Meta": POST /<id or me>/subscribed_apps with
  subscribed_fields, answering {"success": true}, on graph.instagram.com).
- COMMENTS: https://developers.facebook.com/docs/instagram-platform/comment-moderation (GET /<media>/comments, POST
  /<comment>/replies with message, POST /<comment> with hide=true).
- MESSAGES: the Instagram API with Instagram Login's messaging page (POST /<id>/messages with {"recipient": {"id"},
  "message": {"text"}}, JSON; the text "UTF-8 and 1000 bytes or less") and CONVERSATIONS:
  https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/conversations-api (GET
  /<id>/conversations?platform=instagram: ids and updated_time; GET /<conversation>?fields=messages: ids and
  created_time; GET /<message>?fields=id,created_time,from,to,message, for the 20 most recent messages only).
- MENTIONS: https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/mentions (GET
  /<IG_ID>/tags: the media the account is tagged in; the webhook field "mentions"; details in inbox.py).
- INSIGHTS: https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights (GET
  /<media>/insights?metric=views; "returns an empty data set instead of 0" when the data is not there yet, delayed up
  to 48 hours; permission instagram_business_manage_insights) and the IG Media fields like_count, comments_count.
- ERRORS: https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes (code 9
  subcode 2207042: the maximum number of posts for the day; codes -1 and -2: "Try again").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import httpx

from stoa import clock
from stoa.providers import oauth2
from stoa.providers.base import (
    FOLLOWERS,
    FOLLOWING,
    LIKES,
    POSTS,
    REPLIES,
    VIEWS,
    Account,
    Attempt,
    Draft,
    ErrorKind,
    Grant,
    InboxPage,
    Incoming,
    MediaFile,
    MetricPoint,
    Problem,
    ProviderError,
    Published,
    RateLimit,
    RecentPost,
    ReplyTo,
    aware,
    media_url,
    metric_point,
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
from stoa.providers.instagram import inbox
from stoa.providers.instagram import limits as rules
from stoa.providers.meta.graph import GraphAPI, GraphError, data_of, graph_time, without_secret
from stoa.providers.meta.webhooks import MetaWebhooks

SCOPES = ("instagram_business_basic", "instagram_business_content_publish", "instagram_business_manage_comments",
          "instagram_business_manage_messages", "instagram_business_manage_insights")
POLL_SECONDS, POLLS = 60.0, 6  # PUBLISH: a container's status "once per minute, for no more than 5 minutes"
# An attempt's post is dated between just before its start (clocks differ) and after the longest it can take: five
# minutes of a video's processing, the publishing, a lost answer. Posts outside are never its own.
EARLY, LATE = timedelta(minutes=1), timedelta(minutes=15)
MEDIA_PAGE, MEDIA_PAGES = 25, 4  # reconcile reads at most 100 of the account's latest media
RECENT_MEDIA = 10  # the inbox reads the comments under this many of the latest media
RECENT_TAGS = 25  # and this many of the latest media the account is tagged in (MENTIONS), one request
CONVERSATIONS, MESSAGES = 10, 20  # direct messages: the latest conversations, and CONVERSATIONS' 20 recent messages
MAX_MESSAGE_BYTES = 1000  # MESSAGES: "UTF-8 and 1000 bytes or less"
WEBHOOK_FIELDS = ("comments", "messages", "mentions")  # what pushed() reads
# REFRESH: a long-lived token lives 60 days and is renewed "at least 24 hours old but has not expired".
RENEW_BEFORE, MIN_AGE = timedelta(days=7), timedelta(days=1)
QUOTA_WAIT = 3600.0  # the quota says how many, not when the oldest post leaves the 24 hours: look again in an hour
MAX_POSTS = (9, 2207042)  # ERRORS: "You reached maximum number of posts that is allowed to be published"
TRY_AGAIN = {-1, -2}  # ERRORS: Instagram server error, media download timed out: "Try again"


class InstagramProvider(GraphAPI, MetaWebhooks, Publishes, ReadsInbox, ReadsMessages, ReceivesAppPush, Replies, Hides,
                        ReadsMetrics, Authorizes):
    key = "instagram"
    name = "Instagram"
    limits = rules.LIMITS
    option_fields = rules.OPTION_FIELDS
    endpoints = {
        "graph": "https://graph.instagram.com", "authorize": "https://www.instagram.com/oauth/authorize",
        "token": "https://api.instagram.com/oauth/access_token"}
    # QUOTA: 50 posts in a moving 24 hours, counted by Stoa too (only media_publish spends it), besides asking
    # Instagram before each post.
    rate_limits = (RateLimit("posts", 50, 24 * 3600),)
    post_metrics = (LIKES, REPLIES, VIEWS)
    account_metrics = (FOLLOWERS, FOLLOWING, POSTS)
    metrics_note = "Instagram may take up to 48 hours to count a post's views."
    app_console = "https://developers.facebook.com/apps/"
    app_help = ("A Meta app of type Business with the product \"Instagram\" (API setup with Instagram business login): "
                "its Instagram app ID and secret, this page's redirect address among the valid OAuth redirect URIs, "
                "and, for accounts other than the app's testers, App Review of instagram_business_basic, "
                "instagram_business_content_publish, instagram_business_manage_comments, "
                "instagram_business_manage_messages and instagram_business_manage_insights.")

    def __init__(self, config: dict[str, Any], credentials: dict[str, Any], http: httpx.Client | None = None):
        super().__init__(config, credentials, http)
        self.sleep: Callable[[float], None] = time.sleep

    # -- Connecting -----------------------------------------------------------------------------------------------

    def connect(self) -> Account:
        return self.account(self.token)

    def account(self, token: str) -> Account:
        me = self.graph_call("GET", "me", token=token, params={"fields": "user_id,username,name"})
        account_id = str(me.get("user_id") or me.get("id") or "") if isinstance(me, dict) else ""
        if not account_id:
            raise ProviderError("Instagram answered without the account's id.", ErrorKind.TRANSIENT)
        username = str(me.get("username") or account_id)
        return Account(remote_id=account_id, name=str(me.get("name") or username),
                       url=inbox.PROFILE.format(username=username), settings={"username": username})

    @property
    def account_id(self) -> str:
        found = str(self.config.get("account_id") or "")
        if not found.isdigit():
            raise ProviderError("This Instagram channel names no account: connect it again.", ErrorKind.AUTHORIZATION)
        return found

    @property
    def token(self) -> str:
        token = str(self.credentials.get(oauth2.ACCESS) or "")
        if not token:
            raise ProviderError("This Instagram channel has no access token: connect it again.",
                                ErrorKind.AUTHORIZATION)
        return token

    def call(self, method: str, path: str, *, creating: bool = False, **request: Any) -> Any:
        return self.graph_call(method, path, token=self.token, creating=creating, **request)

    def graph_error(self, response: httpx.Response, error: Mapping[str, Any], *, creating: bool) -> GraphError:
        """The Graph API's mapping, and Instagram's own codes: its daily maximum of posts, and its 'try again'."""
        code, subcode = error.get("code"), error.get("error_subcode")
        said = str(error.get("error_user_msg") or error.get("message") or "")[:300]
        if (code, subcode) == MAX_POSTS:
            return GraphError(f"Instagram says this account published as many posts as it may in 24 hours: {said}",
                              ErrorKind.RATE_LIMITED, QUOTA_WAIT, code=9, subcode=2207042)
        if code in TRY_AGAIN:
            kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
            return GraphError(f"Instagram had a temporary problem: {said}", kind, code=int(code),
                              subcode=subcode if isinstance(subcode, int) else 0)
        return super().graph_error(response, error, creating=creating)

    def request_cost(self, method: str, url: str, **request: Any) -> dict[str, int]:
        """Only the request that publishes spends of the 50 posts."""
        return {"posts": 1} if method == "POST" and url.endswith("/media_publish") else {}

    # -- Validating and publishing --------------------------------------------------------------------------------

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        return rules.problems(draft)

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        problems = self.validate(draft)
        if problems:
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        if rules.post_format(draft) == rules.FEED:  # no idempotency key: an attempt carried out is not sent again
            done = self.reconcile(draft, attempt)
            if done is not None:
                return done
        self.check_quota()
        container = self.container(draft)
        answer = self.call("POST", f"{self.account_id}/media_publish", creating=True, data={"creation_id": container})
        media_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(media_id, str | int) or isinstance(media_id, bool) or not str(media_id):
            raise ProviderError("Instagram took the post without saying its id. Look at the account before "
                                "publishing again.", ErrorKind.UNKNOWN_OUTCOME)
        return self.published(str(media_id))

    def check_quota(self) -> None:
        """Refuse before Instagram does when the account's posts of the last 24 hours are used up (QUOTA)."""
        answer = self.call("GET", f"{self.account_id}/content_publishing_limit",
                           params={"fields": "quota_usage,config"})
        found = data_of(answer)
        usage = found[0].get("quota_usage") if found else None
        config = found[0].get("config") if found else None
        total = config.get("quota_total") if isinstance(config, dict) else None
        if isinstance(usage, int) and isinstance(total, int) and usage >= total > 0:
            raise ProviderError(f"Instagram allows {total} posts through its API in 24 hours, and this account has "
                                f"published {usage}. Stoa tries again later.", ErrorKind.RATE_LIMITED, QUOTA_WAIT)

    def container(self, draft: Draft) -> str:
        """A container ready to publish (FINISHED), holding the draft's media and caption."""
        if rules.post_format(draft) == rules.STORY:
            return self.finished(self.new_container(self.medium(draft.media[0], "STORIES")))[0]
        if len(draft.media) == 1:
            item = draft.media[0]
            fields = self.medium(item, "REELS") | {"caption": draft.text}
            if not rules.is_video(item.content_type) and item.alt_text:
                fields["alt_text"] = item.alt_text  # CONTENT: alt_text is for image posts only
            return self.finished(self.new_container(fields))[0]
        children = self.finished(*[self.new_container(self.medium(item, "VIDEO") | {"is_carousel_item": "true"})
                                   for item in draft.media])
        return self.finished(self.new_container({"media_type": "CAROUSEL", "children": ",".join(children),
                                                 "caption": draft.text}))[0]

    def medium(self, item: MediaFile, video_type: str) -> dict[str, str]:
        """A container's media fields: an image by its public address, a video as `video_type` (REELS alone, VIDEO in
        a carousel, STORIES); a story's image says STORIES too."""
        address = media_url(self.name, item)
        if rules.is_video(item.content_type):
            return {"media_type": video_type, "video_url": address}
        return {"image_url": address} | ({"media_type": "STORIES"} if video_type == "STORIES" else {})

    def new_container(self, fields: dict[str, str]) -> str:
        answer = self.call("POST", f"{self.account_id}/media", data=fields)
        container = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(container, str | int) or isinstance(container, bool):
            raise ProviderError("Instagram answered without the container's id.", ErrorKind.TRANSIENT)
        return str(container)

    def finished(self, *containers: str) -> list[str]:
        """The containers, once Instagram has processed them all (PUBLISH: their status read once a minute, five
        minutes at most for all of them together, a carousel's items included)."""
        waiting = list(containers)
        for poll in range(POLLS):
            if poll:
                self.sleep(POLL_SECONDS)
            waiting = [container for container in waiting if not self.is_finished(container)]
            if not waiting:
                return list(containers)
        raise ProviderError(f"Instagram was still processing the media after {(POLLS - 1) * POLL_SECONDS / 60:g} "
                            "minutes; nothing was published. Stoa tries again later.", ErrorKind.TRANSIENT)

    def is_finished(self, container: str) -> bool:
        answer = self.call("GET", container, params={"fields": "status_code,status"})
        status = answer.get("status_code") if isinstance(answer, dict) else None
        if status in ("ERROR", "EXPIRED"):
            raise container_failed(status, str(answer.get("status") or ""))
        if status == "PUBLISHED":
            raise ProviderError("Instagram says this container was published already.", ErrorKind.UNKNOWN_OUTCOME)
        return status == "FINISHED"

    def published(self, media_id: str) -> Published:
        """The post, with its address when Instagram gives it (a failed read of it loses only the link)."""
        try:
            answer = self.call("GET", media_id, params={"fields": "permalink"})
        except ProviderError:
            answer = {}
        url = answer.get("permalink") if isinstance(answer, dict) else None
        return Published(remote_id=media_id, url=url if isinstance(url, str) else "", parts=(media_id,))

    def reconcile(self, draft: Draft, attempt: Attempt) -> Published | None:
        """The account's one post with exactly this caption, dated within the attempt's minutes; None when there is
        none. Instagram gives a post no mark of the request that made it, so two such posts are not guessed between."""
        if rules.post_format(draft) == rules.STORY:
            raise ProviderError("Instagram stories carry no text to recognise one by. Look at the account's story, "
                                "then mark it published or publish it again.", ErrorKind.UNKNOWN_OUTCOME)
        start, end = aware(attempt.started_at) - EARLY, aware(attempt.started_at) + LATE
        found = [item for item in self.media_since(start) if is_attempts_post(item, draft, start, end)]
        if len(found) > 1:
            raise ProviderError(f"The account has {len(found)} posts with this caption from the minutes of this "
                                "attempt; Stoa cannot tell which one it made. Look at the account, then mark it "
                                "published or publish it again.", ErrorKind.UNKNOWN_OUTCOME)
        if not found:
            return None
        url = found[0].get("permalink")
        return Published(str(found[0]["id"]), url if isinstance(url, str) else "", (str(found[0]["id"]),))

    def media_since(self, start: datetime) -> list[dict[str, Any]]:
        """The account's media back to `start`, newest first, reading at most MEDIA_PAGES pages."""
        found: list[dict[str, Any]] = []
        params = {"fields": "id,caption,media_type,permalink,timestamp", "limit": MEDIA_PAGE}
        for number, item in enumerate(self.graph_pages(f"{self.account_id}/media", token=self.token, params=params,
                                                       pages=MEDIA_PAGES)):
            at = graph_time(item.get("timestamp"))
            if at is not None and at < start:
                return found
            found.append(item)
            if number + 1 >= MEDIA_PAGE * MEDIA_PAGES:
                break
        if len(found) >= MEDIA_PAGE * MEDIA_PAGES:
            raise ProviderError(f"More than {len(found)} posts were published on the account since this attempt; Stoa "
                                "cannot tell whether it published. Look at the account.", ErrorKind.UNKNOWN_OUTCOME)
        return found

    def delete(self, published: Published) -> None:
        raise ProviderError("Instagram's API cannot delete a post: delete it in the Instagram app.",
                            ErrorKind.PERMANENT)

    # -- Inbox, replies, hiding -----------------------------------------------------------------------------------

    def fetch_inbox(self, position: str) -> InboxPage:
        """The comments and replies under the latest media, and the latest media the account is tagged in (mentions),
        newer than the cursor (the newest time seen). A tag added to a medium older than the cursor is not seen: the
        tags edge gives the medium's time only."""
        since = graph_time(position)
        media = self.call("GET", f"{self.account_id}/media", params={"fields": "id,timestamp",
                                                                      "limit": RECENT_MEDIA})
        items = []
        for medium in data_of(media):
            answer = self.call("GET", f"{medium.get('id')}/comments", params={
                "fields": f"{inbox.COMMENT_FIELDS},replies{{{inbox.COMMENT_FIELDS}}}", "limit": 50})
            items += inbox.comments_with_replies(data_of(answer), str(medium.get("id")))
        items += self.tagged_media()
        fresh = tuple(item for item in items if item.author.remote_id != self.account_id
                      and (since is None or item.written_at > since))
        newest = max((item.written_at for item in fresh), default=since)
        return InboxPage(items=fresh, cursor=newest.isoformat() if newest else position)

    def fetch_messages(self, position: str) -> InboxPage:
        """Direct messages newer than the cursor (the newest time seen), from the latest conversations (CONVERSATIONS):
        only those updated since are opened, and in each only the messages since are read, one request each."""
        since = graph_time(position)
        conversations = self.call("GET", f"{self.account_id}/conversations", params={"platform": "instagram"})
        items = []
        for conversation in data_of(conversations)[:CONVERSATIONS]:
            updated = inbox.message_time(conversation.get("updated_time"))
            if since is not None and updated is not None and updated <= since:
                continue
            listed = self.call("GET", str(conversation.get("id")), params={"fields": "messages"})
            for message in inbox.listed_messages(listed)[:MESSAGES]:
                at = inbox.message_time(message.get("created_time"))
                if since is None or at is None or at > since:
                    details = self.call("GET", str(message.get("id")),
                                        params={"fields": "id,created_time,from,to,message"})
                    items.append(inbox.read_message(details, self.account_id))
        fresh = tuple(item for item in items if item is not None)
        newest = max((item.written_at for item in fresh), default=since)
        return InboxPage(items=fresh, cursor=newest.isoformat() if newest else position)

    @classmethod
    def accounts_in(cls, body: Any) -> dict[str, Any]:
        return inbox.accounts_in(body)

    def pushed(self, part: Any) -> InboxPage:
        """Comments and messages as the call carries them; caption mentions, which it names by id only, read back from
        the media the account is tagged in (MENTIONS: the webhook's ids "to query the GET /<IG_ID>/tags endpoint").
        A mentioned medium not listed there cannot be read through Instagram Login and is left out."""
        items = inbox.pushed_items(part, self.account_id)
        named = inbox.mentioned_media(part)
        if named:
            try:
                listed = {item.remote_id: item for item in self.tagged_media()}
            except ProviderError as error:
                if error.kind == ErrorKind.AUTHORIZATION:
                    raise
                listed = {}  # the comments and messages are kept; the next poll reads the tags again
            items += [listed[media_id] for media_id in named if media_id in listed]
        return InboxPage(items=tuple(items), cursor="")

    def tagged_media(self) -> list[Incoming]:
        """The latest media the account is tagged or mentioned in (MENTIONS: GET /<IG_ID>/tags), as mentions."""
        answer = self.call("GET", f"{self.account_id}/tags", params={"fields": inbox.TAGGED_FIELDS,
                                                                     "limit": RECENT_TAGS})
        found = (inbox.tagged(media, self.account_id) for media in data_of(answer))
        return [item for item in found if item is not None]

    def subscribe(self) -> None:
        """WEBHOOKS, step 3: the account is enabled to send its notifications to the app (POST /me/subscribed_apps
        with the fields Stoa reads); the app's own subscription in its dashboard names the same fields."""
        answer = self.call("POST", f"{self.account_id}/subscribed_apps",
                           data={"subscribed_fields": ",".join(WEBHOOK_FIELDS)})
        if not (isinstance(answer, dict) and answer.get("success") is True):
            raise ProviderError("Instagram did not confirm the account's webhook subscription.", ErrorKind.TRANSIENT)

    def reply(self, to: ReplyTo, text: str) -> Published:
        if to.kind == "mention":  # MENTIONS: "Commenting on photos in which you were tagged is not supported."
            raise ProviderError("Instagram's API cannot comment on a post the account is tagged in: answer it in the "
                                "Instagram app.", ErrorKind.PERMANENT)
        if to.kind == "message":
            if len(text.encode()) > MAX_MESSAGE_BYTES:
                raise ProviderError(f"Instagram takes direct messages of at most {MAX_MESSAGE_BYTES} bytes; this one "
                                    f"has {len(text.encode())}. Shorten it.", ErrorKind.PERMANENT)
            recipient = to.author_id or to.root_remote_id
            answer = self.call("POST", f"{self.account_id}/messages", creating=True,
                               json_body={"recipient": {"id": recipient}, "message": {"text": text}})
            sent = answer.get("message_id") if isinstance(answer, dict) else None
        else:
            answer = self.call("POST", f"{to.remote_id}/replies", creating=True, data={"message": text})
            sent = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(sent, str | int) or isinstance(sent, bool):
            raise ProviderError("Instagram took the answer without saying its id.", ErrorKind.UNKNOWN_OUTCOME)
        return Published(remote_id=str(sent), url="", parts=(str(sent),))

    def hide(self, to: ReplyTo) -> None:
        if to.kind == "message":
            raise ProviderError("Instagram cannot hide a direct message.", ErrorKind.PERMANENT)
        if to.kind == "mention":  # only comments on the account's own media are hidden (comment-moderation page)
            raise ProviderError("Instagram cannot hide another account's post.", ErrorKind.PERMANENT)
        answer = self.call("POST", to.remote_id, creating=True, data={"hide": "true"})
        if not (isinstance(answer, dict) and answer.get("success") is True):
            raise ProviderError("Instagram did not confirm that the comment is hidden.", ErrorKind.TRANSIENT)

    # -- Metrics --------------------------------------------------------------------------------------------------

    def metrics(self, published: Published) -> tuple[MetricPoint, ...]:
        fields = self.call("GET", published.remote_id, params={"fields": "like_count,comments_count"})
        return self.counts(fields, self.call("GET", f"{published.remote_id}/insights", params={"metric": "views"}))

    def recent_posts(self, limit: int) -> tuple[RecentPost, ...]:
        """The account's latest media (MEDIA) with their likes and comments, and each one's views (INSIGHTS); one whose
        views are not counted yet comes without counts, which the analytics keep none of."""
        fields = "id,permalink,timestamp,like_count,comments_count"
        media = list(self.graph_pages(f"{self.account_id}/media", token=self.token, params={
            "fields": fields, "limit": min(limit, MEDIA_PAGE)}, pages=-(-limit // MEDIA_PAGE)))[:limit]
        found = []
        for item in media:
            at = graph_time(item.get("timestamp"))
            if at is None or not item.get("id"):
                continue
            post = Published(str(item["id"]), str(item.get("permalink") or ""), (str(item["id"]),))
            try:
                counts = self.counts(item, self.call("GET", f"{post.remote_id}/insights", params={"metric": "views"}))
            except ProviderError as error:
                if error.kind not in (ErrorKind.TRANSIENT, ErrorKind.PERMANENT):
                    raise
                counts = ()
            found.append(RecentPost(post, at, counts))
        return tuple(found)

    def counts(self, fields: Any, insights: Any) -> tuple[MetricPoint, ...]:
        now = clock.now()
        fields = fields if isinstance(fields, dict) else {}
        return (metric_point(self.name, LIKES, fields.get("like_count"), now),
                metric_point(self.name, REPLIES, fields.get("comments_count"), now),
                metric_point(self.name, VIEWS, insight_value(insights, "views"), now))

    def account_counts(self) -> tuple[MetricPoint, ...]:
        now = clock.now()
        me = self.call("GET", self.account_id, params={"fields": "followers_count,follows_count,media_count"})
        me = me if isinstance(me, dict) else {}
        return (metric_point(self.name, FOLLOWERS, me.get("followers_count"), now),
                metric_point(self.name, FOLLOWING, me.get("follows_count"), now),
                metric_point(self.name, POSTS, me.get("media_count"), now))

    # -- Connecting by Instagram Login ----------------------------------------------------------------------------

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        """LOGIN's authorization window. Its pages document no PKCE; the challenge is sent all the same (Instagram
        leaves parameters it does not know aside, and a server that checks PKCE can stand in for it in tests)."""
        return oauth2.authorize_url(self.endpoint("authorize"), client_id=oauth2.client_app(self).client_id,
                                    redirect_uri=redirect_uri, state=state, code_challenge=code_challenge,
                                    scopes=SCOPES)

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        """TOKEN's short-lived token (an hour), exchanged at once for a long-lived one (LONG: 60 days)."""
        app = oauth2.client_app(self)
        short = self.token_call("POST", self.endpoint("token"), data={
            "client_id": app.client_id, "client_secret": app.client_secret, "grant_type": "authorization_code",
            "redirect_uri": redirect_uri, "code": code, "code_verifier": code_verifier})
        short = short["data"][0] if isinstance(short.get("data"), list) and short["data"] else short
        if not isinstance(short, dict) or not isinstance(short.get("access_token"), str) or not short["access_token"]:
            raise ProviderError("Instagram's token endpoint answered without an access token.", ErrorKind.TRANSIENT)
        scopes = short.get("permissions")
        granted = tuple(scopes.split(",") if isinstance(scopes, str) else scopes if isinstance(scopes, list) else ())
        long = self.token_call("GET", f"{self.endpoint('graph')}/access_token", params={
            "grant_type": "ig_exchange_token", "client_secret": app.client_secret,
            "access_token": short["access_token"]})
        return self.long_lived(long, granted or SCOPES)

    def refresh(self, grant: Grant) -> Grant:
        """REFRESH: the long-lived token renews itself. It is kept as the grant's refresh token too, since Stoa's
        owner of credentials refreshes only grants that have one."""
        answer = self.token_call("GET", f"{self.endpoint('graph')}/refresh_access_token", params={
            "grant_type": "ig_refresh_token", "access_token": grant.refresh or grant.access})
        return self.long_lived(answer, grant.scopes)

    def long_lived(self, answer: dict[str, Any], scopes: tuple[str, ...]) -> Grant:
        """The grant of a long-lived token, due for renewal RENEW_BEFORE its 60 days end: the owner of credentials
        renews a grant only in the minute before its expiry, and an expired token cannot be renewed (REFRESH), so the
        grant says it expires a week early, and any use of the channel in that week renews it."""
        grant = oauth2.grant_from_token_response(answer)
        renew_by = grant.expires_at
        if renew_by is not None and renew_by - RENEW_BEFORE > clock.now() + MIN_AGE:
            renew_by -= RENEW_BEFORE
        return Grant(access=grant.access, refresh=grant.access, expires_at=renew_by,
                     scopes=tuple(str(scope) for scope in scopes))

    def token_call(self, method: str, url: str, **request: Any) -> dict[str, Any]:
        """A token request: its refusal (a used code, a revoked token: Meta's OAuthException, or RFC 6749's
        invalid_grant) asks for connecting again; any other failure is transient, since nothing was granted."""
        sent = {**request.get("params", {}), **request.get("data", {})}
        secrets = [str(sent[name]) for name in ("access_token", "client_secret", "code") if sent.get(name)]
        try:
            response = self.request(method, url, **request)
            body = self.json(response)
        except ProviderError as error:
            raise token_failure(self.name, error, secrets) from error
        if not isinstance(body, dict):
            raise ProviderError("Instagram's token endpoint answered with something else than a token.",
                                ErrorKind.TRANSIENT)
        return body

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> ProviderError:
        refused = token_refusal(response)
        return refused if refused is not None else super().error_from_response(response, creating=creating)

    def targets(self, grant: Grant) -> tuple[Account, ...]:
        """One grant is one professional account."""
        return (self.account(grant.access),)


def container_failed(status: str, detail: str) -> ProviderError:
    """A container that will not publish. ERROR's `status` names a subcode (ERRORS); an expired one is only late."""
    if status == "EXPIRED":
        return ProviderError("Instagram's container expired before it was published; nothing was published. Stoa "
                             "tries again.", ErrorKind.TRANSIENT)
    said = f" ({detail[:120]})" if detail else ""
    return ProviderError(f"Instagram could not process the media{said}: check that each file is a JPEG picture or an "
                         "MP4 or MOV video as Instagram describes them.", ErrorKind.PERMANENT)


def token_refusal(response: httpx.Response) -> ProviderError | None:
    """A token endpoint's refusal, in Instagram's shape ({"error_type": "OAuthException", "code": 400,
    "error_message"}) or RFC 6749's ({"error": "invalid_grant"}); None for any other answer."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or response.status_code not in (400, 401):
        return None
    if body.get("error_type") == "OAuthException" or body.get("error") in ("invalid_grant", "invalid_client"):
        said = str(body.get("error_message") or body.get("error_description") or body.get("error"))[:200]
        return ProviderError(f"Instagram refused the authorization: {said}. Connect the account again.",
                             ErrorKind.AUTHORIZATION)
    return None


def token_failure(network: str, error: ProviderError, secrets: list[str]) -> ProviderError:
    """A token request's failure: a refusal stays one (never an access token to retry with); the rest is transient.
    What was sent (a token, the app's secret, the code) is taken out of the message wherever the answer echoed it."""
    for secret in secrets:
        without_secret(error, secret)
    if error.kind == ErrorKind.AUTHORIZATION:
        return ProviderError(error.message, ErrorKind.AUTHORIZATION)
    if error.kind == ErrorKind.RATE_LIMITED:
        return ProviderError(error.message, ErrorKind.RATE_LIMITED, error.retry_after)
    return ProviderError(f"{network}'s token endpoint failed: {error.message}", ErrorKind.TRANSIENT)


def is_attempts_post(item: dict[str, Any], draft: Draft, start: datetime, end: datetime) -> bool:
    at = graph_time(item.get("timestamp"))
    # The caption compared without the whitespace around it, which a network may trim; nothing else is forgiven.
    return (bool(item.get("id")) and str(item.get("caption") or "").strip() == draft.text.strip() and at is not None
            and start <= at <= end)


def insight_value(answer: Any, name: str) -> Any:
    """One metric's lifetime value in an insights answer ({"data": [{"name", "values": [{"value"}]}]}, or
    total_value.value); None when Instagram has none yet."""
    for metric in data_of(answer):
        if metric.get("name") != name:
            continue
        total = metric.get("total_value")
        if isinstance(total, dict) and "value" in total:
            return total["value"]
        values = metric.get("values")
        if isinstance(values, list) and values and isinstance(values[-1], dict):
            return values[-1].get("value")
    return None

