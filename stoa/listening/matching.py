"""Which of a workspace's listening queries a post names, in any script.

Both sides are normalised the same way before they meet: NFKC (so full-width and compatibility forms are the
plain letters), case-folded (Greek's final sigma too), Hebrew points and cantillation and Arabic harakat and
tatweel removed, Hebrew final letters written as their ordinary forms, and the Arabic and Persian spellings of
yeh and kaf made one. A term then matches whole words only: "яфо" is found in "Кафе Яфо!" but "yafo" is not in
"yafoland". Hebrew and Arabic write some words into the next one (וקפה, "and coffee"; والقهوة); a first word
with one of those prefixes still matches, so "בקפה יפו" names קפה יפו.

A query matches when any of its terms or hashtags is in the post and none of its exclusions is.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import regex

# Hebrew points and cantillation (U+0591-U+05C7, the letters themselves start at U+05D0), Arabic harakat, the
# superscript alef, Quranic marks and tatweel.
MARKS = regex.compile(r"[\u0591-\u05BD\u05BF\u05C1\u05C2\u05C4\u05C5\u05C7\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")
FINAL_FORMS = str.maketrans({"ך": "כ", "ם": "מ", "ן": "נ", "ף": "פ", "ץ": "צ", "ي": "ی", "ك": "ک", "ى": "ی"})
WORD = regex.compile(r"#?[\p{L}\p{M}\p{N}_]+")
# One-letter words Hebrew writes into the next word (and, the, in, as, to, from, that), and Arabic's (and, so,
# with, to, as) with or without the article.
PREFIXES = ("ו", "ה", "ב", "כ", "ל", "מ", "ש", "וה", "וב", "ול", "שה", "מה", "בה", "לה",
            "ال", "و", "ف", "ب", "ل", "ک", "وال", "بال", "فال", "لل")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return MARKS.sub("", text).translate(FINAL_FORMS)


def words(text: str) -> list[str]:
    """The post's words in order, normalised; a hashtag keeps its '#' so it is told from a word."""
    return WORD.findall(normalise(text))


def without_prefix(word: str) -> list[str]:
    """The word, and what it would be without a Hebrew or Arabic prefix written into it."""
    found = [word]
    if word[:1] and ("\u05d0" <= word[0] <= "\u05ea" or "\u0620" <= word[0] <= "\u06ff"):
        found += [word[len(p):] for p in PREFIXES if word.startswith(p) and len(word) - len(p) >= 2]
    return found


@dataclass(frozen=True)
class Query:
    """What the matcher needs of a listening query."""

    id: int
    terms: tuple[str, ...] = ()  # brand names in every spelling, phrases
    hashtags: tuple[str, ...] = ()  # without '#'
    exclusions: tuple[str, ...] = ()


def phrase(text: str) -> tuple[str, ...]:
    return tuple(w.lstrip("#") for w in words(text))


@dataclass
class Matcher:
    """The workspace's queries compiled for many posts: phrases indexed by their first word."""

    queries: Iterable[Query]
    wanted: dict[str, list[tuple[tuple[str, ...], int]]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    excluded: dict[str, list[tuple[tuple[str, ...], int]]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for query in self.queries:
            for term in query.terms:
                self.index(self.wanted, phrase(term), query.id)
            for tag in query.hashtags:
                if name := normalise(tag).lstrip("#").strip():
                    self.tags["#" + name].add(query.id)
            for term in query.exclusions:
                self.index(self.excluded, phrase(term), query.id)

    @staticmethod
    def index(table: dict[str, list[tuple[tuple[str, ...], int]]], words_of: tuple[str, ...], query_id: int) -> None:
        if words_of:
            table[words_of[0]].append((words_of, query_id))

    def match(self, text: str) -> list[int]:
        """The ids of the queries the text matches, smallest first."""
        found = words(text)
        named = self.found_in(self.wanted, found) | {q for w in found if w in self.tags for q in self.tags[w]}
        if not named:
            return []
        named -= self.found_in(self.excluded, found)
        return sorted(named)

    @staticmethod
    def found_in(table: dict[str, list[tuple[tuple[str, ...], int]]], found: list[str]) -> set[int]:
        plain = [w.lstrip("#") for w in found]
        hits: set[int] = set()
        for i, word in enumerate(plain):
            for first in without_prefix(word):
                for words_of, query_id in table.get(first, ()):
                    if tuple(plain[i + 1:i + len(words_of)]) == words_of[1:]:
                        hits.add(query_id)
        return hits
