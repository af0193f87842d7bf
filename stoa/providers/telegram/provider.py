"""Telegram: post to a channel (or group) as a bot, through the Bot API, with plain httpx.

Every method, field and limit here is from https://core.telegram.org/bots/api (Bot API 10.1):
- requests go to <api_url>/bot<token>/<method>; answers are {"ok", "result"} or
  {"ok": false, "error_code", "description", "parameters"} ("Making requests");
- text: 1-4096 characters and captions 0-1024 "after entities parsing" (sendMessage, sendPhoto,
  InputMediaPhoto); photos at most 10 MB when uploaded (sendPhoto, "Sending files");
  albums hold 2-10 items (sendMediaGroup).
The docs say "characters". The Bot API server checks them with TDLib's utf8_length, which counts
Unicode code points, not UTF-16 code units (only MessageEntity offsets are UTF-16), so an emoji
outside the BMP counts once. Hence counts="characters" (Python's len).

The bot token sits in every request path, so it is kept out of errors and logs: errors are
built from Telegram's description, never from the request, and pass through redact().
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stoa import clock
from stoa.providers.base import (
    FOLLOWERS,
    LIKES,
    Account,
    Attempt,
    ConnectField,
    Draft,
    ErrorKind,
    InboxPage,
    Limits,
    MediaFile,
    MetricPoint,
    OptionField,
    Problem,
    Provider,
    ProviderError,
    Published,
    RateLimit,
    ReplyTo,
    metric_point,
)
from stoa.providers.capabilities import Publishes, ReadsInbox, ReadsMetrics, ReceivesPush, Replies
from stoa.providers.telegram import inbox, metrics
from stoa.providers.telegram.formatting import FORMATS, FormattingError, TelegramText, render

DEFAULT_API_URL = "https://api.telegram.org"
TOKEN_FORMAT = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")  # "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
# A token as it may appear in text: the bot id, a colon (maybe percent-encoded), the secret.
BOT_TOKEN = re.compile(r"[0-9]{3,}(?::|%3[Aa])[A-Za-z0-9_-]{20,}")
ADMIN_HINT = "Add the bot as an administrator of the channel with the right to post messages."
# Descriptions meaning the bot has lost the rights it needs: reconnecting fixes them, editing can't.
LOST_ACCESS = (
    "not enough rights",
    "bot was kicked",
    "bot is not a member",
    "need administrator rights",
    "have no rights",
    "chat_admin_required",
    "chat_write_forbidden",
)


def redact(text: str, token: str = "") -> str:
    """The text without the bot token, whether it appears whole or inside a request path."""
    if token:
        text = text.replace(token, "<bot token>")
    return BOT_TOKEN.sub("<bot token>", text)


class RedactBotTokens(logging.Filter):
    """httpx logs every request URL at INFO; with Telegram that URL holds the bot token.
    Settings keep httpx at WARNING; this filter still protects anyone who turns it up."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if BOT_TOKEN.search(message):
            record.msg, record.args = redact(message), ()
        return True


if not any(type(f).__name__ == "RedactBotTokens" for f in logging.getLogger("httpx").filters):
    logging.getLogger("httpx").addFilter(RedactBotTokens())


class TelegramProvider(Provider, Publishes, ReadsInbox, ReceivesPush, Replies, ReadsMetrics):
    key = "telegram"
    name = "Telegram"
    push_secret_header = "X-Telegram-Bot-Api-Secret-Token"  # setWebhook's secret_token comes back in it
    # https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this: no more than 20 messages a
    # minute to one group (a channel alike, says @BotSupport); about 30 a second overall is the bot's, shared by every
    # chat it posts to, so not a channel's own. Reading (getUpdates) is not counted.
    rate_limits = (RateLimit("messages", 20, 60),)
    post_cost = {"messages": 1}  # sendMessage, or sendPhoto
    limits = Limits(
        max_text=4096,
        counts="characters",  # code points, as the Bot API server counts them (see above)
        max_media=10,
        max_caption=1024,
        # sendPhoto takes photos; GIFs would need sendAnimation and WebP files become stickers.
        media_types=frozenset({"image/jpeg", "image/png"}),
        max_media_bytes=10_000_000,  # "10 MB max size for photos", read conservatively
    )
    option_fields = (
        OptionField("format", gettext_lazy("Formatting"), "choice", (
            ("plain", gettext_lazy("Plain text")), ("markdown", "MarkdownV2"), ("html", "HTML"))),
        OptionField("disable_notification", gettext_lazy("Send silently"), "bool"),
        OptionField("disable_web_page_preview", gettext_lazy("No link preview"), "bool"),
    )
    connect_fields = (
        ConnectField("chat_id", gettext_lazy("Channel"),
                     help=gettext_lazy("@channelusername, or a numeric id like -1001234567890. The bot must be "
                                       "an administrator there who may post.")),
        ConnectField("bot_token", gettext_lazy("Bot token"), secret=True,
                     help=gettext_lazy("What @BotFather gave you, like 123456789:AAH…")),
        ConnectField("api_url", gettext_lazy("Bot API server"), required=False,
                     help=gettext_lazy("Leave empty for https://api.telegram.org.")),
    )

    # -- Connecting ---------------------------------------------------------------------

    def connect(self) -> Account:
        bot = self.call("getMe")
        chat = self.call("getChat", json={"chat_id": self.chat_id})
        if not isinstance(bot, dict) or not isinstance(chat, dict) or "id" not in bot or "id" not in chat:
            raise ProviderError(
                "Telegram answered getMe or getChat without the expected fields.", ErrorKind.TRANSIENT
            )
        if chat.get("type") not in ("channel", "supergroup", "group"):
            raise ProviderError(
                f"{self.config.get('chat_id')} is a {chat.get('type')} chat; Stoa posts to "
                "channels and groups.",
                ErrorKind.PERMANENT,
            )
        member = self.call("getChatMember", json={"chat_id": chat["id"], "user_id": bot["id"]})
        check_can_post(member, chat["type"])
        username = chat.get("username") or ""
        title = chat.get("title") or username or str(chat["id"])
        return Account(
            remote_id=str(chat["id"]),
            name=title,
            url=f"https://t.me/{username}" if username else "",
            # The numeric id keeps working if the channel's username changes.
            settings={"chat_id": str(chat["id"]), "username": username, "title": title},
        )

    # -- Publishing ---------------------------------------------------------------------

    def publish(self, draft: Draft, attempt: Attempt) -> Published:
        problems = self.validate(draft)
        if problems:
            raise ProviderError(" ".join(problem.message for problem in problems), ErrorKind.PERMANENT)
        text = render(draft.text, draft.options.get("format", "plain"))
        if not draft.media:
            messages = [self.call("sendMessage", creating=True, json=self.message_params(draft, text))]
        elif len(draft.media) == 1:
            messages = [self.send_photo(draft, text)]
        else:
            messages = self.send_album(draft, text)
        return self.published(messages)

    def message_params(self, draft: Draft, text: TelegramText) -> dict[str, Any]:
        params: dict[str, Any] = {"chat_id": self.chat_id, "text": text.html, "parse_mode": "HTML"}
        if draft.options.get("disable_notification"):
            params["disable_notification"] = True
        preview = dict(draft.options.get("link_preview_options") or {})
        if draft.options.get("disable_web_page_preview"):
            preview["is_disabled"] = True
        if preview:
            params["link_preview_options"] = preview
        return params

    def send_photo(self, draft: Draft, text: TelegramText) -> Any:
        data = self.form_fields(draft)
        if text.visible.strip():
            data |= {"caption": text.html, "parse_mode": "HTML"}
        return self.call("sendPhoto", creating=True, data=data, files={"photo": upload(draft.media[0])})

    def send_album(self, draft: Draft, text: TelegramText) -> Any:
        # Each photo is a multipart part named photoN, referred to as attach://photoN. Telegram
        # shows an album's caption when only one item has one, so it goes on the first photo.
        media: list[dict[str, Any]] = [
            {"type": "photo", "media": f"attach://photo{n}"} for n in range(len(draft.media))
        ]
        if text.visible.strip():
            media[0] |= {"caption": text.html, "parse_mode": "HTML"}
        data = self.form_fields(draft) | {"media": json.dumps(media, ensure_ascii=False)}
        files = [(f"photo{n}", upload(item)) for n, item in enumerate(draft.media)]
        messages = self.call("sendMediaGroup", creating=True, data=data, files=files)
        if not isinstance(messages, list) or not messages:
            raise ProviderError(
                "Telegram accepted the album but did not list its messages. Look at the "
                "channel before publishing again.",
                ErrorKind.UNKNOWN_OUTCOME,
            )
        return messages

    def form_fields(self, draft: Draft) -> dict[str, str]:
        fields = {"chat_id": str(self.chat_id)}
        if draft.options.get("disable_notification"):
            fields["disable_notification"] = "true"
        return fields

    def published(self, messages: list[Any]) -> Published:
        ids = [sent_message_id(message) for message in messages]
        chat = messages[0].get("chat") or {}
        return Published(remote_id=ids[0], url=self.message_url(chat, ids[0]), parts=tuple(ids))

    def message_url(self, chat: dict[str, Any], message_id: str) -> str:
        username = chat.get("username") or self.config.get("username")
        if username:
            return f"https://t.me/{username}/{message_id}"
        chat_id = str(chat.get("id", self.chat_id))
        if chat_id.startswith("-100"):  # channels and supergroups; private ones link via /c/
            return f"https://t.me/c/{chat_id[4:]}/{message_id}"
        return ""  # basic groups have no message links

    # -- The inbox ----------------------------------------------------------------------

    def fetch_inbox(self, position: str) -> InboxPage:
        """Comments in the discussion group and private messages, by getUpdates after the last update
        read (`position`), with the reaction counts of the channel's posts that came with them. A bot with a webhook
        set gets them pushed instead (stoa.channels.push)."""
        params: dict[str, Any] = {"timeout": 0, "limit": 100, "allowed_updates": list(inbox.UPDATES)}
        if position.isdigit():
            params["offset"] = int(position) + 1  # confirms everything up to `position`
        updates = self.call("getUpdates", json=params)
        if not isinstance(updates, list):
            raise ProviderError("Telegram answered getUpdates without a list of updates.", ErrorKind.TRANSIENT)
        ids = [u["update_id"] for u in updates if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
        bot_id = self.bot_id()
        found = tuple(item for u in updates if (item := inbox.incoming(u, bot_id)))
        counts = tuple(count for u in updates if (count := metrics.reaction_counts(u, self.is_own_chat)))
        return InboxPage(found, str(max(ids)) if ids else position, more=len(updates) >= 100, counts=counts)

    def bot_id(self) -> int | None:
        """The bot's own user id: it is the number before the colon of its token."""
        head = self.token.split(":", 1)[0]
        return int(head) if head.isdigit() else None

    def reply(self, to: ReplyTo, text: str) -> Published:
        chat_id, _sep, message_id = to.remote_id.rpartition(":")
        if not message_id.isdigit() or not chat_id.lstrip("-").isdigit():
            raise ProviderError(_("Stoa does not know where that Telegram message is."), ErrorKind.PERMANENT)
        sent = self.call("sendMessage", creating=True, json={
            "chat_id": int(chat_id), "text": text, "reply_parameters": {"message_id": int(message_id)}})
        new_id = sent_message_id(sent)
        return Published(inbox.message_key(chat_id, new_id), self.message_url(sent.get("chat", {}), new_id),
                         (inbox.message_key(chat_id, new_id),))

    def set_webhook(self, url: str, secret: str) -> None:
        """Have Telegram push updates to `url`, each with the secret in X-Telegram-Bot-Api-Secret-Token."""
        if self.call("setWebhook", json={"url": url, "secret_token": secret,
                                         "allowed_updates": list(inbox.UPDATES)}) is not True:
            raise ProviderError("Telegram did not confirm the webhook.", ErrorKind.TRANSIENT)

    def pushed(self, body: dict[str, Any]) -> InboxPage:
        """The message, or the reaction counts of a channel's post, in one update Telegram pushed; other updates (a
        bot added to a group...) carry neither."""
        if not isinstance(body.get("update_id"), int):
            raise ProviderError("Not a Telegram update.", ErrorKind.PERMANENT)
        message = inbox.incoming(body, self.bot_id())
        count = metrics.reaction_counts(body, self.is_own_chat)
        return InboxPage((message,) if message else (), "", counts=(count,) if count else ())

    def is_own_chat(self, chat: dict[str, Any]) -> bool:
        """Whether a Chat is the channel's: by its id, or by its username where the channel was set as @username."""
        own = str(self.config.get("chat_id") or "").strip()
        if own.startswith("@"):
            return isinstance(chat.get("username"), str) and chat["username"].lower() == own[1:].lower()
        return isinstance(chat.get("id"), int) and str(chat["id"]) == own

    # reconcile(): the Bot API can't read a channel's history or look a message up, so the
    # base class's answer stands: a person looks at the channel.

    def delete(self, published: Published) -> None:
        ids = [int(part) for part in (published.parts or (published.remote_id,))]
        done = self.call("deleteMessages", json={"chat_id": self.chat_id, "message_ids": ids})
        if done is not True:
            raise ProviderError("Telegram did not confirm the deletion.", ErrorKind.TRANSIENT)

    # -- Validation ---------------------------------------------------------------------

    def visible_text(self, draft: Draft) -> str:
        """Telegram counts its limits after entities are parsed, so markup and entities like &amp;
        don't count. Text whose markup is broken counts as written (validate() says what is wrong)."""
        fmt = draft.options.get("format", "plain")
        if fmt not in FORMATS:
            return draft.text
        try:
            return render(draft.text, fmt).visible
        except FormattingError:
            return draft.text

    def validate(self, draft: Draft) -> list[Problem]:
        problems = []
        fmt = draft.options.get("format", "plain")
        if fmt in FORMATS:
            try:
                render(draft.text, fmt)
            except FormattingError as e:
                problems.append(Problem("text", str(e)))
        return problems + super().validate(draft)

    def validate_network_specific(self, draft: Draft) -> list[Problem]:
        problems = []
        if draft.options.get("format", "plain") not in FORMATS:
            problems.append(Problem("options.format", _("Choose a format: %(choices)s.")
                                    % {"choices": ", ".join(FORMATS)}))
        for option in ("disable_notification", "disable_web_page_preview"):
            if not isinstance(draft.options.get(option, False), bool):
                problems.append(Problem(f"options.{option}", _("Choose yes or no.")))
        if not isinstance(draft.options.get("link_preview_options") or {}, dict):
            problems.append(Problem("options.link_preview_options", _("Link preview options must be an object.")))
        return problems

    # -- Metrics ------------------------------------------------------------------------

    # core.telegram.org/bots/api: getChatMemberCount gives the channel's subscribers. A bot can ask for nothing about
    # a message: no views, no forwards, no replies. Reaction counts come unasked, as message_reaction_count updates
    # (stoa.providers.telegram.metrics), to a bot that is an administrator of the chat (Stoa's is, to post) and
    # lists them in allowed_updates (inbox.UPDATES), grouped and up to minutes late, and only for anonymous reactions
    # (a channel's): they arrive with the inbox's pages, each post's sum as its likes.
    post_metrics = ()
    pushed_post_metrics = (LIKES,)
    account_metrics = (FOLLOWERS,)
    metrics_note = ("Telegram sends a post's reaction counts only to a bot that is an administrator of the channel, "
                    "grouped and up to a few minutes late, and tells nothing of its views, forwards or replies.")

    def metrics(self, published: Published) -> tuple[MetricPoint, ...]:
        return ()

    def account_counts(self) -> tuple[MetricPoint, ...]:
        members = self.call("getChatMemberCount", json={"chat_id": self.chat_id})
        return (metric_point(self.name, FOLLOWERS, members, clock.now()),)

    # -- Talking to the Bot API ---------------------------------------------------------

    def request_cost(self, method: str, url: str, **request: Any) -> dict[str, int]:
        """Each message sent counts, each photo of an album too."""
        bot_method = url.rsplit("/", 1)[-1]
        if bot_method == "sendMediaGroup":
            return {"messages": max(len(request.get("files") or ()), 1)}
        return {"messages": 1} if bot_method in ("sendMessage", "sendPhoto") else {}

    @property
    def token(self) -> str:
        token = str(self.credentials.get("bot_token") or "").strip()
        if not token:
            raise ProviderError("Enter the bot token that @BotFather gave you.", ErrorKind.AUTHORIZATION)
        if not TOKEN_FORMAT.fullmatch(token):
            raise ProviderError(
                "That is not a bot token; it looks like 123456789:AAH… (ask @BotFather).",
                ErrorKind.AUTHORIZATION,
            )
        return token

    @property
    def chat_id(self) -> int | str:
        value = str(self.config.get("chat_id") or "").strip()
        if re.fullmatch(r"-?[0-9]+", value):
            return int(value)
        if re.fullmatch(r"@[A-Za-z0-9_]+", value):
            return value
        raise ProviderError(
            "Set the channel as @channelusername or a numeric id like -1001234567890.",
            ErrorKind.AUTHORIZATION,
        )

    @property
    def api_url(self) -> str:
        url = str(self.config.get("api_url") or DEFAULT_API_URL).strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise ProviderError(
                f"The Bot API server address must start with https:// (got {url[:60]!r}).",
                ErrorKind.AUTHORIZATION,
            )
        return url

    def call(self, method: str, *, creating: bool = False, **kwargs: Any) -> Any:
        """POST one Bot API method and return its result. `creating` marks requests that may
        post something, so that a lost answer is an unknown outcome rather than a failure."""
        url = f"{self.api_url}/bot{self.token}/{method}"
        response = self.request("POST", url, creating=creating, **kwargs)
        body = self.json(response, creating=creating)
        if isinstance(body, dict) and body.get("ok") is True and "result" in body:
            return body["result"]
        raise self.error_from_body(body, response.status_code, creating=creating)

    def json(self, response: httpx.Response, *, creating: bool = False) -> Any:
        try:
            return super().json(response, creating=creating)
        except ProviderError as e:
            raise ProviderError(redact(e.message, self.credentials.get("bot_token", "")), e.kind) from None

    def error_from_response(self, response: httpx.Response, *, creating: bool) -> ProviderError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is False:
            return self.error_from_body(
                body,
                response.status_code,
                creating=creating,
                retry_after_header=response.headers.get("retry-after"),
            )
        # Not the Bot API's answer (a proxy's error page, say): classify by status alone.
        error = super().error_from_response(response, creating=creating)
        return ProviderError(
            redact(error.message, self.credentials.get("bot_token", "")),
            error.kind,
            retry_after=error.retry_after,
        )

    def error_from_body(
        self, body: Any, status: int, *, creating: bool, retry_after_header: str | None = None
    ) -> ProviderError:
        if not isinstance(body, dict) or body.get("ok") is not False:
            kind = ErrorKind.UNKNOWN_OUTCOME if creating else ErrorKind.TRANSIENT
            shown = redact(json.dumps(body, ensure_ascii=False)[:120], self.credentials.get("bot_token", ""))
            return ProviderError(f"Telegram answered without the expected result: {shown}", kind)
        description = redact(
            str(body.get("description") or "no reason given"), self.credentials.get("bot_token", "")
        )
        code = code if isinstance(code := body.get("error_code"), int) else status
        parameters = parameters if isinstance(parameters := body.get("parameters"), dict) else {}
        return classify_error(
            code, description, parameters, creating=creating, retry_after_header=retry_after_header
        )


# -- Reading Telegram's answers ----------------------------------------------------------------


def classify_error(
    code: int,
    description: str,
    parameters: dict[str, Any],
    *,
    creating: bool,
    retry_after_header: str | None = None,
) -> ProviderError:
    """Turn a Bot API error into what the engine should do, in words a person understands."""
    if parameters.get("migrate_to_chat_id"):
        # ResponseParameters.migrate_to_chat_id: the group became a supergroup with a new id, and
        # the old id no longer works. Nothing was posted; the channel must be reconnected.
        new_id = parameters["migrate_to_chat_id"]
        return ProviderError(
            f"This Telegram group was upgraded to a supergroup with a new chat id, "
            f"{new_id}. Reconnect the channel with chat id {new_id}; nothing was posted.",
            ErrorKind.AUTHORIZATION,
        )
    if code == 429 or "retry_after" in parameters:
        wait = seconds(parameters.get("retry_after")) or seconds(retry_after_header)
        when = f"Try again in {wait:g} seconds." if wait else "Try again later."
        return ProviderError(
            f"Telegram is limiting how fast this bot can post ({description}). {when}",
            ErrorKind.RATE_LIMITED,
            retry_after=wait,
        )
    if code == 401:
        return ProviderError(
            f"Telegram rejected the bot token ({description}). Copy the current token "
            "from @BotFather and reconnect.",
            ErrorKind.AUTHORIZATION,
        )
    if code == 403 or any(hint in description.lower() for hint in LOST_ACCESS):
        return ProviderError(
            f"The bot may not post to this chat ({description}). {ADMIN_HINT}", ErrorKind.AUTHORIZATION
        )
    if "chat not found" in description.lower():
        return ProviderError(
            f"Telegram can't find this chat ({description}). Check the chat id, and that "
            "the bot is a member of the channel.",
            ErrorKind.AUTHORIZATION,
        )
    if code >= 500 or code == 408:  # 408: the server stopped waiting; as with a 5xx, a send may have gone through
        if creating:
            return ProviderError(
                f"Telegram had a server error while posting ({code}: {description}); the "
                "post may or may not be in the channel.",
                ErrorKind.UNKNOWN_OUTCOME,
            )
        return ProviderError(f"Telegram had a server error ({code}: {description}).", ErrorKind.TRANSIENT)
    if code < 400:
        return ProviderError(
            f"Telegram reported a failure without an error code ({description}).", ErrorKind.TRANSIENT
        )
    hint = ""
    if "can't be deleted" in description.lower():
        hint = " Bots can only delete messages sent less than 48 hours ago; delete it in Telegram instead."
    return ProviderError(f"Telegram refused the request ({code}: {description}).{hint}", ErrorKind.PERMANENT)


def check_can_post(member: Any, chat_type: str) -> None:
    """ChatMember of the bot: owner, or administrator; in channels with can_post_messages."""
    status = member.get("status") if isinstance(member, dict) else None
    if status == "creator":
        return
    if status == "administrator" and (chat_type != "channel" or member.get("can_post_messages")):
        return
    place = "channel" if chat_type == "channel" else "group"
    now = f" (Telegram says the bot is '{status}' there.)" if isinstance(status, str) else ""
    raise ProviderError(ADMIN_HINT.replace("channel", place) + now, ErrorKind.AUTHORIZATION)


def sent_message_id(message: Any) -> str:
    message_id = message.get("message_id") if isinstance(message, dict) else None
    if isinstance(message_id, int) and message_id > 0:
        return str(message_id)
    # Message.message_id is 0 when Telegram scheduled the message instead of sending it.
    raise ProviderError(
        "Telegram accepted the post but did not say which message it became. Look at the "
        "channel before publishing again.",
        ErrorKind.UNKNOWN_OUTCOME,
    )


def upload(item: MediaFile) -> tuple[str, bytes, str]:
    return (item.filename, item.read(), item.content_type)


def seconds(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
