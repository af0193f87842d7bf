"""Links, @mentions and #hashtags in a post's text, as app.bsky.richtext.facet ranges.

Bluesky has no markup: a post is plain text plus facets, each pointing at a range of the text by
UTF-8 byte offsets (byteStart inclusive, byteEnd exclusive) with a feature: #link {uri},
#mention {did} or #tag {tag, without the '#'}. See docs.bsky.app "Links, mentions, and rich text"
and the app.bsky.richtext.facet lexicon. Detection follows the rules of Bluesky's own app: each
starts the text or follows whitespace (links and mentions also an opening parenthesis), and
trailing punctuation is not part of it.

This module only finds the ranges; the provider resolves handles to DIDs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import regex

from stoa.providers.base import count_graphemes

# A word start: the beginning of the text, or after whitespace (or "(" for links and mentions).
LINK = regex.compile(r"(?<![^\s(])https?://\S+", regex.IGNORECASE)
MENTION = regex.compile(r"(?<![^\s(])@([a-zA-Z0-9.-]+)")
INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"  # soft hyphen, joiners, zero-width spaces
TAG = regex.compile(rf"(?<!\S)[#＃]((?!\ufe0f)[^\s{INVISIBLE}]+)")
TRAILING_PUNCTUATION = regex.compile(r"\p{P}+$")
# https://atproto.com/specs/handle: dot-separated labels; the last one starts with a letter.
HANDLE = regex.compile(
    r"([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
)
MAX_TAG_GRAPHEMES, MAX_TAG_BYTES = 64, 640  # app.bsky.richtext.facet#tag


@dataclass(frozen=True)
class Span:
    """A range of the text, in UTF-8 bytes, and what it refers to."""

    start: int
    end: int
    kind: str  # "link", "mention" or "tag"
    value: str  # the URL, the handle (without "@") or the tag (without "#")


def find_spans(text: str) -> list[Span]:
    """Every link, mention and hashtag, in text order, without overlaps."""
    found = sorted(find_links(text) + find_mentions(text) + find_tags(text), key=lambda s: s.start)
    spans: list[Span] = []
    for span in found:
        if not spans or span.start >= spans[-1].end:
            spans.append(span)
    return spans


def find_links(text: str) -> list[Span]:
    spans = []
    for match in LINK.finditer(text):
        url = trim_url(match.group())
        if "://" in url and len(url) > url.index("://") + 3:
            spans.append(span(text, match.start(), match.start() + len(url), "link", url))
    return spans


def trim_url(url: str) -> str:
    """Drop sentence punctuation after a URL, and a closing parenthesis that it does not open."""
    while url and (url[-1] in ".,;:!?\"'" or (url[-1] == ")" and url.count("(") < url.count(")"))):
        url = url[:-1]
    return url


def find_mentions(text: str) -> list[Span]:
    spans = []
    for match in MENTION.finditer(text):
        handle = match.group(1).rstrip(".-")
        if len(handle) <= 253 and HANDLE.fullmatch(handle):
            spans.append(span(text, match.start(), match.start(1) + len(handle), "mention", handle))
    return spans


def find_tags(text: str) -> list[Span]:
    spans = []
    for match in TAG.finditer(text):
        tag = TRAILING_PUNCTUATION.sub("", match.group(1))
        # A number alone (#1) is not a hashtag.
        if not regex.search(r"[^\d\p{P}]", tag):
            continue
        if count_graphemes(tag) > MAX_TAG_GRAPHEMES or len(tag.encode("utf-8")) > MAX_TAG_BYTES:
            continue
        spans.append(span(text, match.start(), match.start(1) + len(tag), "tag", tag))
    return spans


def span(text: str, start: int, end: int, kind: str, value: str) -> Span:
    """A Span from string indices: facets count UTF-8 bytes, Python strings count code points."""
    byte_start = len(text[:start].encode("utf-8"))
    return Span(byte_start, byte_start + len(text[start:end].encode("utf-8")), kind, value)


def facet(span: Span, feature: dict[str, str]) -> dict[str, Any]:
    return {
        "$type": "app.bsky.richtext.facet",
        "index": {"byteStart": span.start, "byteEnd": span.end},
        "features": [feature],
    }
