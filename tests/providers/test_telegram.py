"""Telegram provider against a fake Bot API.

The fake serves answers recorded under fixtures/telegram/ (bodies shaped as the Bot API docs
document them, each naming its doc section) and checks every request against the documented
method parameters (methods.json) and formatting rules (formatting.json), so a test fails when
Stoa sends something Telegram would not accept. No network, no database.
"""

from __future__ import annotations

import email.parser
import email.policy
import html
import json
import logging
import re
import struct
import traceback
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from stoa.providers.base import Attempt, Draft, ErrorKind, MediaFile, ProviderError, Published
from stoa.providers.registry import get_provider_class
from stoa.providers.telegram.formatting import render
from stoa.providers.telegram.provider import TelegramProvider

FIXTURES = Path(__file__).parent / "fixtures" / "telegram"
TOKEN = "7000000001:AAHfakeTokenForStoaTests_0123456789ab"
SECRET = TOKEN.split(":")[1]
ATTEMPT = Attempt(key="attempt-1", started_at=datetime(2026, 7, 1, 9, 0, tzinfo=UTC))

HEBREW = "שלום עולם"
ARABIC = "مرحبا بالعالم"
PERSIAN = "سلام دنیا"
GREEK = "Γειά σου Κόσμε"
EMOJI = "👩🏽‍💻🎉"


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


METHODS = fixture("methods")["methods"]
TYPES = fixture("types")["types"]
RULES = fixture("formatting")
ERRORS = fixture("errors")["errors"]


def recorded(name: str) -> httpx.Response:
    answer = fixture(name)
    return httpx.Response(answer["status"], json=answer["body"])


def bot_error(name: str, **headers: str) -> httpx.Response:
    answer = ERRORS[name]
    return httpx.Response(answer["status"], json=answer["body"], headers=headers)


# -- The fake Bot API ------------------------------------------------------------------------


@dataclass
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)


Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeBotAPI:
    """Answers POST <base>/bot<token>/<method> with queued answers, else the recorded fixture."""

    def __init__(self, base: str = "https://api.telegram.org") -> None:
        self.base = base
        self.calls: list[Call] = []
        self.queued: dict[str, list[Answer]] = {}
        self.defaults = {
            "getMe": "getMe",
            "getChat": "getChat.public_channel",
            "getChatMember": "getChatMember.administrator",
            "getChatMemberCount": "getChatMemberCount",
            "sendMessage": "sendMessage",
            "sendPhoto": "sendPhoto",
            "sendMediaGroup": "sendMediaGroup",
            "deleteMessages": "deleteMessages",
            "getUpdates": "getUpdates",
            "setWebhook": "setWebhook",
        }

    def answer(self, method: str, *answers: Answer) -> FakeBotAPI:
        self.queued.setdefault(method, []).extend(answers)
        return self

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle))

    def only(self, method: str) -> Call:
        calls = [call for call in self.calls if call.method == method]
        assert len(calls) == 1, f"expected one {method} call, got {[c.method for c in self.calls]}"
        return calls[0]

    def handle(self, request: httpx.Request) -> httpx.Response:
        prefix = f"{self.base}/bot{TOKEN}/"
        assert request.method == "POST"
        assert str(request.url).startswith(prefix), f"unexpected URL {request.url}"
        method = str(request.url)[len(prefix) :]
        assert method in METHODS, f"Stoa called {method}, which these tests don't know"
        params, files = decode(request)
        refusal = check_against_docs(method, params, files)
        self.calls.append(Call(method, params, files))
        if refusal:
            return refusal
        queued = self.queued.get(method)
        answer = queued.pop(0) if queued else recorded(self.defaults[method])
        if isinstance(answer, Exception):
            raise answer
        return answer(request) if callable(answer) else answer


def decode(request: httpx.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    request.read()
    content_type = request.headers.get("content-type", "")
    if not request.content:
        return {}, {}
    if content_type == "application/json":
        return json.loads(request.content), {}
    assert content_type.startswith("multipart/form-data"), f"unexpected body type {content_type}"
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.content
    )
    params: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if part.get_filename() is None:
            params[name] = payload.decode("utf-8")
        else:
            files[name] = Upload(part.get_filename(), part.get_content_type(), payload)
    if "media" in params:
        params["media"] = json.loads(params["media"])
    return params, files


def check_against_docs(
    method: str, params: dict[str, Any], files: dict[str, Upload]
) -> httpx.Response | None:
    """Fail the test when Stoa sends what the docs don't allow; answer like Telegram when the
    request is well formed but over a limit."""
    documented = METHODS[method]["parameters"]
    assert not set(params) - set(documented), f"{method}: undocumented {set(params) - set(documented)}"
    missing = {name for name, p in documented.items() if p["required"] and name not in params | files}
    assert not missing, f"{method}: missing required {missing}"
    if "chat_id" in params:
        assert isinstance(params["chat_id"], int) or re.fullmatch(r"-?[0-9]+|@\w+", params["chat_id"])
    if "parse_mode" in params:
        assert params["parse_mode"] in RULES["parse_modes"]
    if "disable_notification" in params:
        assert params["disable_notification"] in (True, "true")
    if "link_preview_options" in params:
        assert set(params["link_preview_options"]) <= set(TYPES["LinkPreviewOptions"]["fields"])
    if method == "sendMessage":
        return check_text(
            params["text"], params.get("parse_mode"), RULES["text_characters"]["max"], "message"
        )
    if method == "sendPhoto":
        assert set(files) == {"photo"} and files["photo"].content.startswith(b"\x89PNG")
        return check_text(
            params.get("caption", ""), params.get("parse_mode"), caption_max(), "message caption"
        )
    if method == "sendMediaGroup":
        return check_album(params["media"], files)
    if method == "deleteMessages":
        ids = params["message_ids"]
        assert RULES["message_ids"]["min"] <= len(ids) <= RULES["message_ids"]["max"]
        assert all(isinstance(i, int) for i in ids)
    return None


def caption_max() -> int:
    return RULES["caption_characters"]["max"]


def check_album(media: list[dict[str, Any]], files: dict[str, Upload]) -> httpx.Response | None:
    assert RULES["album_items"]["min"] <= len(media) <= RULES["album_items"]["max"]
    attached = []
    for item in media:
        assert set(item) <= set(TYPES["InputMediaPhoto"]["fields"]), item
        assert item["type"] == "photo" and item["media"].startswith("attach://")
        attached.append(item["media"].removeprefix("attach://"))
    assert sorted(attached) == sorted(files), "every attach:// name must be an uploaded part, and back"
    for item in media:
        refusal = check_text(
            item.get("caption", ""), item.get("parse_mode"), caption_max(), "message caption"
        )
        if refusal:
            return refusal
    return None


TAG = re.compile(r"<(/?)([a-z-]+)((?:\s+[a-z-]+(?:=\"[^\"]*\")?)*)\s*>")


def check_text(text: str, parse_mode: str | None, limit: int, what: str) -> httpx.Response | None:
    """An independent reading of #html-style: tags and attributes from the docs' list, balanced
    tags, bare < > & refused, only the four named entities; then the limit on the visible text."""
    if parse_mode is None:
        visible = text
    else:
        assert parse_mode == "HTML", "Stoa always sends HTML"
        stack: list[str] = []
        pieces = []
        position = 0
        for match in TAG.finditer(text):
            pieces.append(text[position : match.start()])
            position = match.end()
            closing, name, attributes = match.groups()
            assert name in RULES["html_tags"], f"unsupported tag <{name}>"
            names = re.findall(r'([a-z-]+)(?:="[^"]*")?', attributes)
            assert set(names) <= set(RULES["html_tags"][name]), f"<{name}> with {names}"
            if closing:
                assert stack.pop() == name, f"unbalanced </{name}>"
            else:
                stack.append(name)
        pieces.append(text[position:])
        assert not stack, f"unclosed {stack}"
        between = "".join(pieces)
        assert "<" not in between and ">" not in between, f"bare < or > in {text!r}"
        for entity in re.findall(r"&([^;\s]*);?", between):
            assert entity in RULES["named_entities"] or entity.startswith("#"), f"entity &{entity}"
        visible = html.unescape(between)
    if len(visible) > limit:  # Telegram counts code points (see the provider's docstring)
        return httpx.Response(
            400, json={"ok": False, "error_code": 400, "description": f"Bad Request: {what} is too long"}
        )
    return None


# -- Helpers ---------------------------------------------------------------------------------


def png(width: int = 1, height: int = 1) -> bytes:
    """A valid PNG of one colour, built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x3c\x8d\xbc" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def photo(name: str = "photo.png", *, content_type: str = "image/png", size: int | None = None) -> MediaFile:
    data = png(2, 2)
    return MediaFile(name, content_type, size if size is not None else len(data), "alt text", lambda: data)


def draft(text: str, *media: MediaFile, **options: Any) -> Draft:
    return Draft(text=text, media=media, options=options)


def provider(api: FakeBotAPI | None = None, **config: Any) -> TelegramProvider:
    api = api or FakeBotAPI()
    return TelegramProvider({"chat_id": "@stoa_news", **config}, {"bot_token": TOKEN}, http=api.client())


def failure(action: Callable[[], Any]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        action()
    return caught.value


def problems(text: str, *media: MediaFile, **options: Any) -> list[str]:
    return [problem.message for problem in provider().validate(draft(text, *media, **options))]


# -- Connecting ------------------------------------------------------------------------------


def test_registry_finds_the_telegram_provider():
    assert get_provider_class("telegram") is TelegramProvider


def test_connect_reads_the_channel_and_checks_the_bot_can_post():
    api = FakeBotAPI()
    account = provider(api).connect()

    assert [call.method for call in api.calls] == ["getMe", "getChat", "getChatMember"]
    assert api.only("getChat").params == {"chat_id": "@stoa_news"}
    assert api.only("getChatMember").params == {"chat_id": -1001234567890, "user_id": 7000000001}
    assert account.remote_id == "-1001234567890"
    assert account.name == "Στοά · חדשות · أخبار"
    assert account.url == "https://t.me/stoa_news"
    assert account.settings == {"chat_id": "-1001234567890", "username": "stoa_news", "title": account.name}


def test_connect_to_a_private_channel_by_numeric_id_has_no_public_url():
    api = FakeBotAPI().answer("getChat", recorded("getChat.private_channel"))
    account = provider(api, chat_id="-1009876543210").connect()

    assert api.only("getChat").params == {"chat_id": -1009876543210}
    assert account.url == ""
    assert account.settings["username"] == ""


@pytest.mark.parametrize("member", ["getChatMember.member", "getChatMember.administrator_without_post"])
def test_connect_refuses_a_bot_that_cannot_post_to_the_channel(member):
    api = FakeBotAPI().answer("getChatMember", recorded(member))
    error = failure(provider(api).connect)

    assert error.kind == ErrorKind.AUTHORIZATION
    assert "Add the bot as an administrator of the channel with the right to post messages" in error.message


def test_connect_refuses_a_private_chat_with_a_person():
    api = FakeBotAPI().answer("getChat", recorded("getChat.private_chat"))
    error = failure(provider(api, chat_id="@ada").connect)

    assert "private chat" in error.message and "channels and groups" in error.message


def test_connect_explains_a_chat_that_telegram_cannot_find():
    api = FakeBotAPI().answer("getChat", bot_error("chat_not_found"))
    error = failure(provider(api, chat_id="@no_such_channel").connect)

    assert error.kind == ErrorKind.AUTHORIZATION
    assert "can't find this chat" in error.message


@pytest.mark.parametrize("chat_id", ["", "stoa_news", "https://t.me/stoa_news", "-100abc"])
def test_connect_refuses_a_malformed_chat_id_before_calling_telegram(chat_id):
    api = FakeBotAPI()
    error = failure(provider(api, chat_id=chat_id).connect)

    assert "@channelusername" in error.message
    assert [call.method for call in api.calls] == ["getMe"]


@pytest.mark.parametrize("token", ["", "not a token", "123456:abc/../getMe"])
def test_a_missing_or_malformed_token_is_refused_without_a_request(token):
    api = FakeBotAPI()
    telegram = TelegramProvider({"chat_id": "@stoa_news"}, {"bot_token": token}, http=api.client())
    error = failure(telegram.connect)

    assert error.kind == ErrorKind.AUTHORIZATION
    assert "@BotFather" in error.message
    assert api.calls == []


def test_a_self_hosted_bot_api_server_is_used_when_configured():
    api = FakeBotAPI(base="http://127.0.0.1:8081")
    published = provider(api, api_url="http://127.0.0.1:8081/").publish(draft(GREEK), ATTEMPT)

    assert published.remote_id == "42"


# -- Text and formatting ---------------------------------------------------------------------


def test_plain_text_is_html_escaped():
    api = FakeBotAPI()
    provider(api).publish(draft(f"{HEBREW} & <Stoa> 1 < 2 > 0 **not bold** {EMOJI}"), ATTEMPT)

    sent = api.only("sendMessage").params
    assert sent["chat_id"] == "@stoa_news"
    assert sent["parse_mode"] == "HTML"
    assert sent["text"] == f"{HEBREW} &amp; &lt;Stoa&gt; 1 &lt; 2 &gt; 0 **not bold** {EMOJI}"


def test_plain_text_keeps_what_looks_like_entities_as_typed():
    api = FakeBotAPI()
    provider(api).publish(draft("AT&amp;T &lt;3"), ATTEMPT)

    assert api.only("sendMessage").params["text"] == "AT&amp;amp;T &amp;lt;3"


def test_markdown_subset_becomes_telegram_html():
    api = FakeBotAPI()
    text = f'**{ARABIC}** _{PERSIAN}_ `a<b && c` [{GREEK}](https://example.org/?a=1&b="2") 2 < 3'
    provider(api).publish(draft(text, format="markdown"), ATTEMPT)

    assert api.only("sendMessage").params["text"] == (
        f"<b>{ARABIC}</b> <i>{PERSIAN}</i> <code>a&lt;b &amp;&amp; c</code> "
        f'<a href="https://example.org/?a=1&amp;b=&quot;2&quot;">{GREEK}</a> 2 &lt; 3'
    )


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("snake_case_name and file_v2_final.txt", "snake_case_name and file_v2_final.txt"),
        ("**unclosed bold and _unclosed italic", "**unclosed bold and _unclosed italic"),
        (r"\*\*literal\*\* and \_literal\_", "**literal** and _literal_"),
        ("**bold with `code` inside**", "<b>bold with `code` inside</b>"),
        ("_italic with **bold** inside_", "<i>italic with <b>bold</b> inside</i>"),
        (
            "[no scheme](example.org) [js](javascript:alert(1))",
            "[no scheme](example.org) [js](javascript:alert(1))",
        ),
        ("<script>alert('x')</script>", "&lt;script&gt;alert('x')&lt;/script&gt;"),
    ],
)
def test_markdown_leaves_everything_outside_the_subset_as_typed(markdown, expected):
    assert render(markdown, "markdown").html == expected


def test_html_format_passes_supported_tags_through_unchanged():
    api = FakeBotAPI()
    text = (
        f"<b>{HEBREW}</b> <strong>b</strong> <i>i</i> <em>e</em> <u>u</u> <ins>i</ins> <s>s</s> "
        '<strike>s</strike> <del>d</del> <span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler> '
        f'<a href="https://example.org/?a=1&amp;b=2">{ARABIC}</a> <code>c</code> '
        '<pre><code class="language-python">print("&lt;hi&gt;")</code></pre> '
        "<blockquote>q</blockquote> <blockquote expandable>long</blockquote> "
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> <tg-time unix="1647531900" format="wDT">'
        "soon</tg-time> &amp; &lt; &gt; &quot; &#169; &#x1F600;"
    )
    provider(api).publish(draft(text, format="html"), ATTEMPT)

    assert api.only("sendMessage").params["text"] == text


@pytest.mark.parametrize(
    ("text", "explains"),
    [
        ("line<br>break", "does not support the <br> tag"),
        ("<p>paragraph</p>", "does not support the <p> tag"),
        ('<b class="x">bold</b>', "attribute 'class' on <b>"),
        ('<span class="red">x</span>', 'only supports <span class="tg-spoiler">'),
        ('<code class="language-go">x</code>', "<pre><code"),
        ("<a>no address</a>", "A link needs an address"),
        ("<b>bold", "<b> is never closed"),
        ("<b><i>crossed</b></i>", "does not close the tag"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "can't be nested"),
        ("<pre><b>x</b></pre>", "inside <pre> or <code>"),
        ("fish & chips", "&amp;"),
        ("1 < 2", "&lt;"),
        ("a &nbsp; b", "does not know &nbsp;"),
        ("<br/>", "is not Telegram HTML"),
        ("<!-- note -->", "no comments"),
    ],
)
def test_html_that_telegram_would_refuse_is_a_validation_problem(text, explains):
    found = problems(text, format="html")

    assert len(found) == 1 and explains in found[0], found


def test_html_that_telegram_would_refuse_is_never_sent():
    api = FakeBotAPI()
    error = failure(lambda: provider(api).publish(draft("<p>x</p>", format="html"), ATTEMPT))

    assert error.kind == ErrorKind.PERMANENT
    assert api.calls == []


def test_unknown_format_is_a_validation_problem():
    assert problems(GREEK, format="rich") == ["Choose a format: plain, markdown, html."]


def test_silent_posts_and_link_preview_options_are_sent():
    api = FakeBotAPI()
    post = draft(
        "https://example.org",
        disable_notification=True,
        disable_web_page_preview=True,
        link_preview_options={"prefer_small_media": True},
    )
    provider(api).publish(post, ATTEMPT)

    sent = api.only("sendMessage").params
    assert sent["disable_notification"] is True
    assert sent["link_preview_options"] == {"prefer_small_media": True, "is_disabled": True}


def test_options_of_the_wrong_type_are_validation_problems():
    found = problems(GREEK, disable_notification="yes", link_preview_options=["no"])

    assert found == ["Choose yes or no.", "Link preview options must be an object."]


# -- Limits ----------------------------------------------------------------------------------


def test_limits_are_declared_as_the_docs_give_them():
    limits = TelegramProvider.limits

    assert (limits.max_text, limits.max_caption, limits.max_media) == (4096, 1024, 10)
    assert limits.counts == "characters"
    assert limits.media_types == {"image/jpeg", "image/png"}
    assert limits.max_media_bytes == 10_000_000


def test_text_over_4096_visible_characters_is_refused():
    assert problems("ש" * 4096) == []
    assert problems("ש" * 4097) == ["Telegram allows 4096 characters; this text has 4097."]


def test_markup_does_not_count_toward_the_text_limit():
    assert problems("**" + "ع" * 4096 + "**", format="markdown") == []
    assert problems("<b>" + "&amp;" * 4096 + "</b>", format="html") == []
    assert problems("&" * 4097) == ["Telegram allows 4096 characters; this text has 4097."]


def test_emoji_outside_the_basic_plane_count_once_as_telegram_counts_them():
    # 4096 such emoji are 8192 UTF-16 code units; the Bot API counts code points.
    assert problems("😀" * 4096) == []
    assert problems("😀" * 4097) == ["Telegram allows 4096 characters; this text has 4097."]


def test_caption_over_1024_visible_characters_is_refused():
    assert problems("س" * 1025, photo()) == ["Telegram allows 1024 characters; this text has 1025."]


def test_markup_does_not_count_toward_the_caption_limit():
    api = FakeBotAPI()
    caption = "**" + "Ω" * 1024 + "**"
    provider(api).publish(draft(caption, photo(), format="markdown"), ATTEMPT)

    assert api.only("sendPhoto").params["caption"] == "<b>" + "Ω" * 1024 + "</b>"


def test_blank_visible_text_without_media_is_refused():
    assert problems("<b> </b>", format="html") == ["Write some text or attach media."]


def test_more_than_ten_photos_are_refused():
    found = problems(GREEK, *[photo(f"p{n}.png") for n in range(11)])

    assert found == ["Telegram takes at most 10 attachments; this post has 11."]


@pytest.mark.parametrize("content_type", ["image/gif", "image/webp", "video/mp4"])
def test_media_that_sendphoto_does_not_take_is_refused(content_type):
    found = problems(GREEK, photo("clip", content_type=content_type))

    assert len(found) == 1 and f"does not accept {content_type}" in found[0]


def test_photo_over_10_mb_is_refused():
    found = problems(GREEK, photo("big.png", size=10_000_001))

    assert found == ["big.png is 10.0 MB; Telegram accepts at most 10.0 MB."]


# -- Publishing photos -----------------------------------------------------------------------


def test_one_photo_is_uploaded_with_sendphoto_as_multipart():
    api = FakeBotAPI()
    published = provider(api).publish(
        draft(f"{ARABIC} & co", photo("שלום.png"), disable_notification=True), ATTEMPT
    )

    call = api.only("sendPhoto")
    assert call.params == {
        "chat_id": "@stoa_news",
        "caption": f"{ARABIC} &amp; co",
        "parse_mode": "HTML",
        "disable_notification": "true",
    }
    assert call.files["photo"].filename == "שלום.png"
    assert call.files["photo"].content_type == "image/png"
    assert call.files["photo"].content == png(2, 2)
    assert published == Published(remote_id="43", url="https://t.me/stoa_news/43", parts=("43",))


def test_a_photo_without_text_is_sent_without_a_caption():
    api = FakeBotAPI()
    provider(api).publish(draft("", photo()), ATTEMPT)

    assert api.only("sendPhoto").params == {"chat_id": "@stoa_news"}


def test_album_sends_caption_on_first_photo_only():
    api = FakeBotAPI()
    published = provider(api).publish(
        draft(f"**{GREEK}** {EMOJI}", photo("a.png"), photo("b.png"), photo("c.png"), format="markdown"),
        ATTEMPT,
    )

    call = api.only("sendMediaGroup")
    assert call.params["chat_id"] == "@stoa_news"
    assert call.params["media"] == [
        {
            "type": "photo",
            "media": "attach://photo0",
            "caption": f"<b>{GREEK}</b> {EMOJI}",
            "parse_mode": "HTML",
        },
        {"type": "photo", "media": "attach://photo1"},
        {"type": "photo", "media": "attach://photo2"},
    ]
    assert [(name, upload.filename) for name, upload in call.files.items()] == [
        ("photo0", "a.png"),
        ("photo1", "b.png"),
        ("photo2", "c.png"),
    ]
    assert published == Published(remote_id="44", url="https://t.me/stoa_news/44", parts=("44", "45", "46"))


def test_album_of_ten_photos_references_every_upload():
    api = FakeBotAPI()
    provider(api).publish(draft(PERSIAN, *[photo(f"{n}.png") for n in range(10)]), ATTEMPT)

    call = api.only("sendMediaGroup")
    assert [item["media"] for item in call.params["media"]] == [f"attach://photo{n}" for n in range(10)]
    assert set(call.files) == {f"photo{n}" for n in range(10)}


# -- Links to what was published -------------------------------------------------------------


def test_public_channel_post_links_to_its_username():
    published = provider().publish(draft(HEBREW), ATTEMPT)

    assert published == Published(remote_id="42", url="https://t.me/stoa_news/42", parts=("42",))


def test_private_channel_post_links_through_t_me_c_without_the_minus_100():
    private_message = {
        "ok": True,
        "result": {
            "message_id": 7,
            "sender_chat": {"id": -1009876543210, "title": "Stoa team 🔒", "type": "channel"},
            "chat": {"id": -1009876543210, "title": "Stoa team 🔒", "type": "channel"},
            "date": 1781000000,
            "text": PERSIAN,
        },
    }
    api = FakeBotAPI().answer("sendMessage", httpx.Response(200, json=private_message))
    published = provider(api, chat_id="-1009876543210").publish(draft(PERSIAN), ATTEMPT)

    assert api.only("sendMessage").params["chat_id"] == -1009876543210
    assert published.url == "https://t.me/c/9876543210/7"


# -- Reconcile and delete --------------------------------------------------------------------


def test_reconcile_asks_a_person_to_look_at_the_channel():
    api = FakeBotAPI()
    error = failure(lambda: provider(api).reconcile(draft(GREEK), ATTEMPT))

    assert error.kind == ErrorKind.UNKNOWN_OUTCOME
    assert "Look at the channel" in error.message
    assert api.calls == []


def test_delete_removes_every_message_of_an_album():
    api = FakeBotAPI()
    provider(api).delete(Published(remote_id="44", url="", parts=("44", "45", "46")))

    assert api.only("deleteMessages").params == {"chat_id": "@stoa_news", "message_ids": [44, 45, 46]}


def test_delete_explains_the_48_hour_limit():
    api = FakeBotAPI().answer("deleteMessages", bot_error("cant_delete"))
    error = failure(lambda: provider(api).delete(Published(remote_id="42", url="")))

    assert error.kind == ErrorKind.PERMANENT
    assert "48 hours" in error.message
    assert api.only("deleteMessages").params["message_ids"] == [42]


# -- Failures --------------------------------------------------------------------------------


def test_rate_limit_uses_retry_after_from_parameters():
    api = FakeBotAPI().answer("sendMessage", bot_error("flood", **{"Retry-After": "99"}))
    error = failure(lambda: provider(api).publish(draft(GREEK), ATTEMPT))

    assert error.kind == ErrorKind.RATE_LIMITED
    assert error.retry_after == 5
    assert "Try again in 5 seconds" in error.message


def test_rate_limit_falls_back_to_the_retry_after_header():
    body = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
    api = FakeBotAPI().answer("sendMessage", httpx.Response(429, json=body, headers={"Retry-After": "7"}))
    error = failure(lambda: provider(api).publish(draft(GREEK), ATTEMPT))

    assert (error.kind, error.retry_after) == (ErrorKind.RATE_LIMITED, 7)


def test_migrated_group_explains_the_new_chat_id():
    api = FakeBotAPI().answer("sendMessage", bot_error("migrated"))
    error = failure(lambda: provider(api, chat_id="-4001234567").publish(draft(GREEK), ATTEMPT))

    assert error.kind == ErrorKind.AUTHORIZATION
    assert "-1001111111111" in error.message and "Reconnect" in error.message


def send_text(telegram: TelegramProvider) -> Published:
    return telegram.publish(draft(f"{HEBREW} {EMOJI}"), ATTEMPT)


def send_album(telegram: TelegramProvider) -> Published:
    return telegram.publish(draft(ARABIC, photo(), photo()), ATTEMPT)


def connect(telegram: TelegramProvider) -> Any:
    return telegram.connect()


def raising(error_class: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        raise error_class("simulated", request=request)

    return answer


def answer_json(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


@dataclass(frozen=True)
class Failure:
    """Telegram (or the road to it) fails one method; the provider must say what happened."""

    case: str
    action: Callable[[TelegramProvider], Any]
    method: str
    answer: Answer
    kind: ErrorKind
    words: str  # the message must contain these
    retry_after: float | None = None


ECHOED_URL = f"<html><body>Cannot POST /bot{TOKEN}/sendMessage</body></html>"
MESSAGE_ZERO = {"message_id": 0, "chat": {"id": -1001234567890, "type": "channel"}, "date": 1781000000}
TRANSIENT, UNKNOWN = ErrorKind.TRANSIENT, ErrorKind.UNKNOWN_OUTCOME
AUTHORIZATION, PERMANENT = ErrorKind.AUTHORIZATION, ErrorKind.PERMANENT

# fmt: off
FAILURES = [
    Failure("connection refused", send_text, "sendMessage",
            raising(httpx.ConnectError), TRANSIENT, "Could not reach Telegram"),
    Failure("connect timeout", send_text, "sendMessage",
            raising(httpx.ConnectTimeout), TRANSIENT, "Could not reach Telegram"),
    Failure("read timeout while posting", send_text, "sendMessage",
            raising(httpx.ReadTimeout), UNKNOWN, "did not answer"),
    Failure("connection dropped while posting an album", send_album, "sendMediaGroup",
            raising(httpx.RemoteProtocolError), UNKNOWN, "did not answer"),
    Failure("read timeout while connecting", connect, "getMe",
            raising(httpx.ReadTimeout), TRANSIENT, "did not answer"),
    Failure("500 while posting", send_text, "sendMessage",
            bot_error("internal"), UNKNOWN, "may or may not be in the channel"),
    Failure("502 page that echoes the URL", send_album, "sendMediaGroup",
            httpx.Response(502, text=ECHOED_URL), UNKNOWN, "server error (502)"),
    Failure("502 while connecting", connect, "getChat",
            bot_error("bad_gateway"), TRANSIENT, "server error (502: Bad Gateway)"),
    Failure("flood control", send_text, "sendMessage",
            bot_error("flood"), ErrorKind.RATE_LIMITED, "Try again in 5 seconds", retry_after=5),
    Failure("token revoked", send_text, "sendMessage",
            bot_error("unauthorized"), AUTHORIZATION, "rejected the bot token"),
    Failure("bot kicked", send_text, "sendMessage",
            bot_error("bot_kicked"), AUTHORIZATION, "Add the bot as an administrator"),
    Failure("rights taken away", send_album, "sendMediaGroup",
            bot_error("not_enough_rights"), AUTHORIZATION, "not enough rights"),
    Failure("chat gone", send_text, "sendMessage",
            bot_error("chat_not_found"), AUTHORIZATION, "can't find this chat"),
    Failure("content refused", send_text, "sendMessage",
            bot_error("cant_parse_entities"), PERMANENT, "can't parse entities"),
    Failure("404 page that echoes the URL", send_text, "sendMessage",
            httpx.Response(404, text=ECHOED_URL), PERMANENT, "refused the request (404)"),
    Failure("garbage while posting", send_text, "sendMessage",
            httpx.Response(200, text="<html>oops"), UNKNOWN, "not JSON"),
    Failure("garbage that echoes the URL", send_text, "sendMessage",
            httpx.Response(200, text=ECHOED_URL), UNKNOWN, "not JSON"),
    Failure("garbage while connecting", connect, "getMe",
            httpx.Response(200, text="\x00\x01"), TRANSIENT, "not JSON"),
    Failure("ok false in a 200", send_text, "sendMessage",
            answer_json(200, ERRORS["message_too_long"]["body"]), PERMANENT, "message is too long"),
    Failure("ok false without a code", send_text, "sendMessage",
            answer_json(200, {"ok": False}), TRANSIENT, "without an error code"),
    Failure("ok true without a result", send_text, "sendMessage",
            answer_json(200, {"ok": True}), UNKNOWN, "without the expected result"),
    Failure("message without an id", send_text, "sendMessage",
            answer_json(200, {"ok": True, "result": {}}), UNKNOWN, "did not say which message"),
    Failure("scheduled message (id 0)", send_text, "sendMessage",
            answer_json(200, {"ok": True, "result": MESSAGE_ZERO}), UNKNOWN, "Look at the channel"),
    Failure("album answer that is not a list", send_album, "sendMediaGroup",
            answer_json(200, {"ok": True, "result": {}}), UNKNOWN, "did not list its messages"),
    Failure("a JSON array instead of an object", connect, "getMe",
            answer_json(200, [1, 2]), TRANSIENT, "without the expected result"),
]
# fmt: on


@pytest.mark.parametrize("case", FAILURES, ids=[entry.case for entry in FAILURES])
def test_failures_are_classified_with_a_clear_message(case: Failure):
    api = FakeBotAPI().answer(case.method, case.answer)
    error = failure(lambda: case.action(provider(api)))

    assert error.kind == case.kind, error.message
    assert error.retry_after == case.retry_after
    assert case.words in error.message


@pytest.mark.parametrize("case", FAILURES, ids=[entry.case for entry in FAILURES])
def test_error_messages_never_contain_the_bot_token(case: Failure):
    api = FakeBotAPI().answer(case.method, case.answer)
    error = failure(lambda: case.action(provider(api)))

    everything = "".join(traceback.format_exception(error)) + repr(error.args) + error.message
    assert TOKEN not in everything and SECRET not in everything


def test_bot_token_stays_out_of_logs(caplog):
    caplog.set_level(logging.DEBUG, logger="httpx")
    caplog.set_level(logging.DEBUG, logger="httpcore")
    caplog.set_level(logging.DEBUG)
    telegram = provider()
    telegram.connect()
    telegram.publish(draft(GREEK, photo(), photo()), ATTEMPT)

    assert "HTTP Request: POST https://api.telegram.org/bot<bot token>/sendMediaGroup" in caplog.text
    assert SECRET not in caplog.text


# -- The fixtures themselves -----------------------------------------------------------------


RECORDED = [path.stem for path in sorted(FIXTURES.glob("*.json")) if "returns" in fixture(path.stem)]


@pytest.mark.parametrize("name", RECORDED)
def test_fixtures_follow_the_documented_objects(name):
    recorded_answer = fixture(name)
    assert recorded_answer["source"].startswith("https://core.telegram.org/bots/api#")
    body = recorded_answer["body"]
    assert body["ok"] is True
    assert_documented(body["result"], recorded_answer["returns"], path=name)


def assert_documented(value: Any, type_name: str, path: str) -> None:
    """Check a value against the field lists in types.json: required fields present, no field
    the docs don't name, and nested objects checked in turn."""
    if type_name.startswith("Array of "):
        assert isinstance(value, list), path
        for n, item in enumerate(value):
            assert_documented(item, type_name.removeprefix("Array of "), f"{path}[{n}]")
        return
    scalar = {"Integer": int, "String": str, "Boolean": bool, "True": bool}
    if type_name in scalar:
        assert isinstance(value, scalar[type_name]), f"{path} should be {type_name}"
        return
    fields = TYPES[type_name]["fields"]
    assert isinstance(value, dict), path
    assert not set(value) - set(fields), f"{path}: undocumented {set(value) - set(fields)}"
    missing = {name for name, spec in fields.items() if spec["required"] and name not in value}
    assert not missing, f"{path}: missing {missing}"
    for name, item in value.items():
        if "always" in fields[name]:  # a type's tag, documented as 'always "emoji"'
            assert item == fields[name]["always"], f"{path}.{name} is {item!r}, always {fields[name]['always']!r}"
        known = [
            kind
            for kind in fields[name]["type"].split(" or ")
            if kind.removeprefix("Array of ") in TYPES or kind.removeprefix("Array of ") in scalar
        ]
        if known:  # fields of types these fixtures don't describe are not looked into
            assert_one_of(item, known, f"{path}.{name}")


def assert_one_of(value: Any, type_names: list[str], path: str) -> None:
    """A field that may hold one of several types (ReactionCount.type: ReactionTypeEmoji, ...) holds one of them."""
    refusals = []
    for type_name in type_names:
        try:
            assert_documented(value, type_name, path)
            return
        except AssertionError as refused:
            refusals.append(f"{type_name}: {refused}")
    raise AssertionError(f"{path} is none of {type_names}: {refusals}")


def test_the_error_fixtures_follow_the_documented_shape():
    for name, answer in ERRORS.items():
        body = answer["body"]
        assert body["ok"] is False and body["error_code"] == answer["status"], name
        assert isinstance(body["description"], str), name
        assert set(body.get("parameters", {})) <= set(TYPES["ResponseParameters"]["fields"]), name
