"""Finding the links in a post's text and adding UTM parameters to them.

A link starts with http:// or https:// at a word start and runs to whitespace, a quote or angle bracket (HTML
formatting), or a bidirectional mark: Hebrew and Arabic text puts U+200E/U+200F (and isolates) right beside a
link, and they are never part of it. Sentence punctuation at its end (Latin, Arabic and Hebrew) and a closing
bracket it did not open belong to the sentence, as Mastodon, Bluesky and Telegram read it.
"""

from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import regex

BIDI_MARKS = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
LINK = regex.compile(rf"(?<![\w@$#/])https?://[^\s<>\"{BIDI_MARKS}]+", regex.IGNORECASE)
# Sentence punctuation after a link: . , : ; ! ? quotes and ellipsis; Arabic comma, semicolon, question mark and
# full stop; the Hebrew sof pasuq and geresh/gershayim.
TRAILING = ".,:;!?'\"…»”’،؛؟۔׃׳״"
BRACKETS = {")": "(", "]": "[", "}": "{"}


def link_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every link in the text, in order."""
    spans = []
    for match in LINK.finditer(text):
        start, end = match.span()
        end = start + len(trim(text[start:end]))
        if "." in host_of(text[start:end]):
            spans.append((start, end))
    return spans


def host_of(url: str) -> str:
    """The link's host name; "" for what only looks like a link ("http://[x", an unclosed IPv6 address, which
    urlsplit refuses with ValueError): it is left as the text it is."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def trim(url: str) -> str:
    while url and (url[-1] in TRAILING or (url[-1] in BRACKETS and url.count(BRACKETS[url[-1]]) < url.count(url[-1]))):
        url = url[:-1]
    return url


def rewrite_links(text: str, rewrite: Callable[[str], str]) -> str:
    """The text with each link replaced by rewrite(link); everything around the links is kept as it is."""
    pieces, position = [], 0
    for start, end in link_spans(text):
        pieces += [text[position:start], rewrite(text[start:end])]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def add_utm(url: str, parameters: dict[str, str]) -> str:
    """The URL with the UTM parameters it does not have yet (any utm_* it has is kept as written, in any letter
    case); its other parameters, their order and spelling, and its fragment are kept."""
    parts = urlsplit(url)
    present = {name.lower() for name, _value in parse_qsl(parts.query, keep_blank_values=True)}
    added = [f"{name}={quote(value, safe='')}" for name, value in parameters.items()
             if value and name.lower() not in present]
    if not added:
        return url
    query = "&".join(([parts.query] if parts.query else []) + added)
    return urlunsplit(parts._replace(query=query))


def fill(template: str, values: dict[str, str]) -> str:
    """A UTM template with its placeholders ({network}, {channel}, {campaign}, {post}) replaced."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template.strip()
