"""The language a text gives away by its letters: Hebrew, Greek and Cyrillic by their scripts, Persian
and Arabic by the letters only one of them uses. Shared by the inbox's classifier (stoa/inbox/classifier.py)
and by posts, whose language is that of their text (stoa/posts/drafts.py)."""

import regex

URL = regex.compile(r"https?://\S+|www\.\S+", regex.IGNORECASE)
MENTION = regex.compile(r"@[\p{L}\p{N}_.]+")
PERSIAN_LETTERS = set("پچژگکیۀ")
ARABIC_ONLY_LETTERS = set("ةيكىؤإأ")
SCRIPTS = (("he", regex.compile(r"\p{Hebrew}")), ("el", regex.compile(r"\p{Greek}")),
           ("ru", regex.compile(r"\p{Cyrillic}")), ("arabic", regex.compile(r"\p{Arabic}")))
LATIN = regex.compile(r"\p{Latin}")
# The script of languages written in one that script_language() recognises; any other language is taken to
# be written in Latin letters (or in a script of its own, which no text here gives away).
SCRIPT_OF = {"he": "he", "yi": "he", "el": "el",
             **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "sr", "kk", "ky", "mn", "tg", "tt"), "ru"),
             **dict.fromkeys(("ar", "fa", "ur", "ps", "ckb", "ug", "sd"), "arabic")}


def script_language(text: str) -> str | None:
    """The language its letters give away, or None for Latin-script (or letterless) text."""
    counts = {name: len(pattern.findall(text)) for name, pattern in SCRIPTS}
    name, count = max(counts.items(), key=lambda item: item[1])
    if count == 0 or count < len(LATIN.findall(text)):
        return None
    if name == "arabic":
        persian = sum(c in PERSIAN_LETTERS for c in text)
        arabic = sum(c in ARABIC_ONLY_LETTERS for c in text)
        return "fa" if persian > arabic else "ar"
    return name


def script_of(language: str) -> str | None:
    """The script a language code is written in, as script_language() names them; None for Latin and others."""
    return SCRIPT_OF.get(language.replace("_", "-").split("-")[0].lower())


def written_language(text: str, usual: str) -> str:
    """The language `text` is written in, where `usual` is the language its writer usually writes in.

    Links and @handles are left out. Text in the script of `usual` is in `usual` (a Ukrainian brand's
    Cyrillic is Ukrainian, a Persian brand's Arabic letters Persian); text in another script that gives its
    language away is in that language; Latin-script text is in `usual` where that is written in Latin
    letters, else in English; text without letters is in `usual`."""
    text = MENTION.sub(" ", URL.sub(" ", text))
    found = script_language(text)
    if found is not None:
        return usual if script_of(found) == script_of(usual) else found
    if LATIN.search(text) and script_of(usual) is not None:
        return "en"
    return usual
