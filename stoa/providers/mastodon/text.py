"""Counting a status the way Mastodon counts it, and reading a status's text back from its HTML.

Mastodon's StatusLengthValidator (app/validators/status_length_validator.rb) counts
`spoiler_text + text` in grapheme clusters, after two concessions made to the text only:
- every URL with a protocol (twitter-text's URL extraction, `extract_url_without_protocol: false`)
  counts as a fixed number of characters: the server's `characters_reserved_per_url`, 23 by default;
- a mention of a remote account counts only its local part: `@alice@example.org` counts as `@alice`.
Overlapping entities keep the one that starts first. Whitespace-only text counts as nothing.

The two patterns below are our own reading of Account::MENTION_RE and twitter-text's URL rule.
The URL one is simpler than twitter-text's (it does not check the top-level domain against a list),
so a rare made-up domain may count as a URL here and not on the server.
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

import regex

from stoa.providers.base import count_graphemes

# An http(s) URL not glued to a preceding ASCII letter, digit, @, $ or # (twitter-text's
# "valid URL preceding chars"), with a dotted host, an optional port and an optional path.
URL = regex.compile(
    r"(?<![A-Za-z0-9@＠$#＃\u202A-\u202E])https?://[\w-]+(?:\.[\w-]+)+(?::[0-9]+)?(?:[/?#][^\s<>\"]*)?",
    regex.IGNORECASE,
)
# Punctuation that ends a sentence rather than the URL.
URL_TRAILING = ".,:;!?'\"…"

# @user or @user@domain, not inside a word, a URL path or after "=".
MENTION = regex.compile(
    r"(?<![=/\w])@(?P<user>[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?P<domain>@\w+(?:[.-]+\w+)*)?",
    regex.IGNORECASE,
)
# What may not follow a mention (twitter-text's end_mention_match): another @, an accented
# Latin letter, or "://".
NOT_AFTER_MENTION = regex.compile(r"[@＠\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F]|://")
MAX_DOMAIN_LENGTH = 253


def url_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in URL.finditer(text):
        start, end = match.span()
        while text[end - 1] in URL_TRAILING or (
            text[end - 1] == ")" and text.count("(", start, end) < text.count(")", start, end)
        ):
            end -= 1  # a closing bracket that did not open inside the URL belongs to the sentence
        spans.append((start, end))
    return spans


def mention_matches(text: str) -> list[regex.Match[str]]:
    found = []
    for match in MENTION.finditer(text):
        if NOT_AFTER_MENTION.match(text, match.end()):
            continue
        if match["domain"] and len(match["domain"]) - 1 > MAX_DOMAIN_LENGTH:
            continue
        found.append(match)
    return found


def countable_text(text: str, url_length: int = 23) -> str:
    """The text as Mastodon measures it: URLs as `url_length` placeholders, mentions without domain."""
    if not text.strip():
        return ""
    entities = [(start, end, "x" * url_length) for start, end in url_spans(text)]
    entities += [(m.start(), m.end(), "@" + m["user"]) for m in mention_matches(text)]
    pieces, position = [], 0
    for start, end, replacement in sorted(entities):
        if start < position:  # overlaps an entity that started earlier
            continue
        pieces += [text[position:start], replacement]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def status_length(text: str, spoiler_text: str = "", url_length: int = 23) -> int:
    """What Mastodon compares with `max_characters`: the content warning plus the countable text."""
    return count_graphemes(spoiler_text + countable_text(text, url_length))


# -- Matching a posted status with a draft ---------------------------------------------------


class _TextOfHTML(HTMLParser):
    """The visible text of a status's `content`: Mastodon sends <p>, <br>, <a> and <span>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p"):
            self.pieces.append("\n")

    def handle_data(self, data: str) -> None:
        self.pieces.append(data)


def text_of_html(content: str) -> str:
    parser = _TextOfHTML()
    parser.feed(content)
    parser.close()
    return "".join(parser.pieces)


def comparable(text: str) -> str:
    """Text reduced to what survives Mastodon's rendering: the HTML shows a remote mention as
    @user and turns line breaks into paragraphs, so drop mention domains and collapse whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = MENTION.sub(lambda m: "@" + m["user"], text)
    return " ".join(text.split())
