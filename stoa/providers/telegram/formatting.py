"""Post text as Telegram HTML, and the text readers will see.

Stoa always sends parse_mode=HTML. The rules come from the Bot API "Formatting options"
(https://core.telegram.org/bots/api#html-style):
- only the listed tags are supported, with only the listed attributes;
- every <, > and & that is not part of a tag or an entity must be written &lt;, &gt;, &amp;;
- numeric entities are supported, and of the named ones only &lt; &gt; &amp; &quot;;
- bold, italic, underline, strikethrough and spoiler can nest in anything but pre and code;
  blockquotes can't be nested; other entities can't contain each other.
Telegram counts its limits "after entities parsing", i.e. on the visible text, so every
rendering also gives that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

FORMATS = ("plain", "markdown", "html")
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}

# Tags that only style text and take no attributes.
STYLE_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler"}
SUPPORTED_TAGS = STYLE_TAGS | {"span", "a", "code", "pre", "blockquote", "tg-emoji", "tg-time"}


class FormattingError(ValueError):
    """The text can't be sent as Telegram HTML; the message says how to fix it."""


@dataclass(frozen=True)
class TelegramText:
    html: str  # sent with parse_mode=HTML
    visible: str  # what readers see; Telegram's limits count this


def render(text: str, fmt: str = "plain") -> TelegramText:
    """The text in Telegram HTML. fmt: plain (escape everything), markdown (a small subset),
    or html (the author's own Telegram HTML, checked)."""
    if fmt == "plain":
        html_text = escape(text)
    elif fmt == "markdown":
        html_text = markdown_to_html(text)
    elif fmt == "html":
        html_text = text
    else:
        raise FormattingError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    return TelegramText(html=html_text, visible=visible_text(html_text))


def escape(text: str) -> str:
    """Text shown as typed: the three characters Telegram HTML reserves become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attribute(value: str) -> str:
    return escape(value).replace('"', "&quot;")


# -- Markdown subset: **bold**, _italic_, `code`, [text](url), and \ to show a mark as typed ---

MARKDOWN = re.compile(
    r"\\(?P<literal>[\\`*_\[\]()])"
    r"|`(?P<code>[^`\n]+)`"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>(?:https?|mailto|tg):[^\s()]+)\)"
    r"|\*\*(?P<bold>[^\n]+?)\*\*"
    # Underscores inside words (snake_case, file_name.txt) are not italics.
    r"|(?<!\w)_(?P<italic>[^_\n]+?)_(?!\w)"
)


def markdown_to_html(text: str, *, allow_code: bool = True) -> str:
    parts, position = [], 0
    for match in MARKDOWN.finditer(text):
        parts.append(escape(text[position : match.start()]))
        parts.append(_markdown_match_to_html(match, allow_code))
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def _markdown_match_to_html(match: re.Match[str], allow_code: bool) -> str:
    # Telegram doesn't nest code inside other entities, so inside bold, italic and link
    # labels a `code` span stays as typed.
    if match["literal"]:
        return escape(match["literal"])
    if match["code"]:
        return f"<code>{escape(match['code'])}</code>" if allow_code else escape(match[0])
    if match["label"]:
        label = markdown_to_html(match["label"], allow_code=False)
        return f'<a href="{escape_attribute(match["url"])}">{label}</a>'
    if match["bold"]:
        return f"<b>{markdown_to_html(match['bold'], allow_code=False)}</b>"
    return f"<i>{markdown_to_html(match['italic'], allow_code=False)}</i>"


# -- Checking Telegram HTML and finding its visible text --------------------------------------


# An & outside tags that does not start a complete entity such as &amp; or &#8212;
BARE_AMPERSAND = re.compile(r"&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
TAG = re.compile(r"<[^<>]*>")


def visible_text(html_text: str) -> str:
    """The text readers see, after checking the HTML follows Telegram's rules."""
    if BARE_AMPERSAND.search(TAG.sub("", html_text)):
        raise FormattingError("Write &amp; for an & that does not start an entity like &lt; or &#169;.")
    parser = TelegramHTMLChecker()
    parser.feed(html_text)
    parser.close()
    return "".join(parser.visible)


class TelegramHTMLChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)  # entities must be seen to be checked
        self.visible: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SUPPORTED_TAGS:
            raise FormattingError(
                f"Telegram does not support the <{tag}> tag. It supports "
                f"{', '.join(f'<{name}>' for name in sorted(SUPPORTED_TAGS))}."
            )
        check_attributes(tag, dict(attrs), parent=self.open_tags[-1] if self.open_tags else None)
        check_nesting(tag, self.open_tags)
        self.open_tags.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise FormattingError(f"<{tag}/> is not Telegram HTML: write <{tag}>…</{tag}> around the text.")

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            expected = f"</{self.open_tags[-1]}>" if self.open_tags else "no closing tag"
            raise FormattingError(f"</{tag}> does not close the tag that is open here ({expected} expected).")
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        for char, entity in (("<", "&lt;"), (">", "&gt;")):
            if char in data:
                raise FormattingError(f"Write {entity} for a {char} that is not part of a tag.")
        self.visible.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            raise FormattingError(
                f"Telegram does not know &{name};. Use &lt; &gt; &amp; &quot; or a numeric entity "
                "like &#160;."
            )
        self.visible.append(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code_point = int(name[1:], 16) if name[:1] in "xX" else int(name)
            self.visible.append(chr(code_point))
        except (ValueError, OverflowError):
            raise FormattingError(f"&#{name}; is not a valid character.") from None

    def handle_comment(self, data: str) -> None:
        raise FormattingError("Telegram HTML has no comments; remove <!-- … -->.")

    def handle_decl(self, decl: str) -> None:
        raise FormattingError(f"Telegram HTML has no declarations; remove <!{decl}>.")

    def handle_pi(self, data: str) -> None:
        raise FormattingError(f"Telegram HTML has no processing instructions; remove <?{data}>.")

    def unknown_decl(self, data: str) -> None:
        raise FormattingError("Telegram HTML has no CDATA sections.")

    def close(self) -> None:
        super().close()
        if self.rawdata:  # an unfinished tag such as "<b" at the very end
            raise FormattingError(f"The text ends inside a tag: {self.rawdata[:40]!r}.")
        if self.open_tags:
            raise FormattingError(f"<{self.open_tags[-1]}> is never closed.")


def check_attributes(tag: str, attrs: dict[str, str | None], parent: str | None) -> None:
    allowed = {
        "a": {"href"},
        "span": {"class"},
        "code": {"class"},
        "blockquote": {"expandable"},
        "tg-emoji": {"emoji-id"},
        "tg-time": {"unix", "format"},
    }.get(tag, set())
    unknown = sorted(set(attrs) - allowed)
    if unknown:
        raise FormattingError(f"Telegram does not accept the attribute {unknown[0]!r} on <{tag}>.")
    if tag == "a" and not attrs.get("href"):
        raise FormattingError('A link needs an address: <a href="https://…">text</a>.')
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise FormattingError('Telegram only supports <span class="tg-spoiler">.')
    if tag == "code" and "class" in attrs:
        language = attrs["class"] or ""
        if parent != "pre" or not language.startswith("language-"):
            raise FormattingError('A language can only be given as <pre><code class="language-…">.')
    if tag == "tg-emoji" and not (attrs.get("emoji-id") or "").isdigit():
        raise FormattingError('A custom emoji needs its numeric id: <tg-emoji emoji-id="…">.')
    if tag == "tg-time" and not (attrs.get("unix") or "").isdigit():
        raise FormattingError('A date needs its Unix time: <tg-time unix="…">.')


def check_nesting(tag: str, open_tags: list[str]) -> None:
    if "code" in open_tags or ("pre" in open_tags and (tag != "code" or open_tags[-1] != "pre")):
        raise FormattingError(f"<{tag}> can't be used inside <pre> or <code>.")
    if tag == "blockquote" and "blockquote" in open_tags:
        raise FormattingError("Block quotes can't be nested.")
    if tag == "a" and "a" in open_tags:
        raise FormattingError("Links can't be nested.")
