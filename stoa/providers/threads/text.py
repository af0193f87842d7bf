"""How Threads counts a post's length, as https://developers.facebook.com/docs/threads/posts ("Limitations") says:
"Text posts are limited to 500 characters" and "Emojis are counted as the number of UTF-8 bytes", the second sentence
linking the grapheme-splitter package. So a character is a grapheme (a letter with its marks, a Hebrew letter with its
points: one), and a grapheme that is an emoji counts the UTF-8 bytes of all its code points
(👩🏽‍💻: 4 + 4 + 3 + 4 = 15).
The page says nothing else of links or right-to-left letters: a link counts its characters like any other text, and
Hebrew, Arabic or Persian letters count one each (their two UTF-8 bytes are not counted: only emojis are said to be).
"""

from __future__ import annotations

import regex

from stoa.providers.base import COUNTERS

# What Limits.counts calls this way of counting (stoa.providers.base.COUNTERS names each way).
COUNTS = "graphemes_emoji_utf8"
GRAPHEME = regex.compile(r"\X")
# A grapheme is an emoji when it holds a pictograph (emoji, with its modifiers and joiners), a flag's regional
# indicators or a keycap's combining mark (1️⃣): Unicode's own marks of emoji sequences (UTS #51).
EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")


def threads_length(text: str) -> int:
    """The length of a text as Threads counts it: graphemes, an emoji counting its UTF-8 bytes."""
    return sum(len(grapheme.encode("utf-8")) if EMOJI.search(grapheme) else 1 for grapheme in GRAPHEME.findall(text))


# Known to the shared validation and the contract suite under its name. The lead engineer moves this counter into
# stoa.providers.base.COUNTERS; until then this module adds it, and setdefault never replaces one defined there.
COUNTERS.setdefault(COUNTS, threads_length)
