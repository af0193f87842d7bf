"""Text no network and no database takes: lone surrogates and NUL characters, found where input comes in.

JSON may write `"\\ud800"`, half of a UTF-16 pair, and Python keeps it as a code point that cannot be encoded
as UTF-8: the providers' length checks, httpx and SQLite fail on it with a UnicodeEncodeError. A NUL is valid
UTF-8 but PostgreSQL refuses it in text. Both are refused where they come in (the API's parser, the page
middleware, the CSV reader, the command line), naming the field, so that neither reaches the providers or the
database. Browsers, Django's form parsing and UTF-8 files cannot produce a lone surrogate: there only NUL can
arrive.
"""

import os
import re
from collections.abc import Iterator
from typing import overload

from django.utils.translation import gettext as _

from stoa.errors import ActionError

BROKEN = re.compile("[\x00\ud800-\udfff]")


def problem(text: str) -> str | None:
    """What is wrong with `text`, in words, or None when nothing is."""
    match = BROKEN.search(text)
    if match is None:
        return None
    character = match.group()
    position = match.start() + 1
    if character == "\x00":
        return _("Character %(position)d is a NUL (U+0000), which text cannot hold; remove it.") % {
            "position": position}
    return _("Character %(position)d is half of a UTF-16 surrogate pair (U+%(code)04X) without its other half: "
             "it is not a character. Send the text as valid Unicode.") % {
        "position": position, "code": ord(character)}


def broken_fields(value: object, field: str = "") -> Iterator[tuple[str, str]]:
    """(field, what is wrong) for every string in `value` that is broken, keys of mappings included.
    Fields are named as Stoa's validation errors name them: `variants.0.text`, `options.thread.1`."""
    if isinstance(value, str):
        if reason := problem(value):
            yield field or "__all__", reason
    elif isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            inner = f"{field}.{key}" if field else key
            if reason := problem(key):
                yield field or "__all__", _("A key: %(problem)s") % {"problem": reason}
                inner = field or "__all__"  # the broken key is no name to give
            yield from broken_fields(item, inner)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from broken_fields(item, f"{field}.{index}" if field else str(index))


def check_text(value: object, field: str = "") -> None:
    """Raise ActionError naming each broken field of `value` (a string, or JSON-like data)."""
    errors: dict[str, list[str]] = {}
    for name, reason in broken_fields(value, field):
        errors.setdefault(name, []).append(reason)
    if errors:
        raise ActionError(errors)


def broken_argument(argv: list[str]) -> str | None:
    """What is wrong with the first command-line argument that is not text, naming its option, or None.
    Python keeps the bytes of an argument that are not UTF-8 as lone surrogates (PEP 383). Not translated:
    it is said before Django, and with it the translations, is set up."""
    for index, argument in enumerate(argv):
        match = BROKEN.search(argument)
        if match is None:
            continue
        option, _sep, value = argument.partition("=") if argument.startswith("--") else ("", "", argument)
        if option and not BROKEN.search(option):
            name, match = option, BROKEN.search(value) or match  # the broken character is in the value
        elif not option and index and argv[index - 1].startswith("-") and not BROKEN.search(argv[index - 1]):
            name = argv[index - 1]
        else:
            shown = os.fsencode(argument).decode("utf-8", errors="backslashreplace")
            name = f"argument {index + 1} ({shown})"
        code = ord(match.group())
        what = (f"byte 0x{code - 0xDC00:02X}, which is not UTF-8," if 0xDC80 <= code <= 0xDCFF
                else f"U+{code:04X}, which is not a character,")
        return f"{name}: character {match.start() + 1} is {what} so this is not text Stoa can keep. " \
               "Give it as UTF-8."
    return None


@overload
def repaired(value: str) -> str: ...
@overload
def repaired(value: object) -> object: ...
def repaired(value: object) -> object:
    """`value` (JSON-like) with each broken character replaced by U+FFFD: for what a network sends, which no
    one can be asked to correct, and which is kept rather than lost."""
    if isinstance(value, str):
        return BROKEN.sub("\ufffd", value)
    if isinstance(value, dict):
        return {repaired(k): repaired(v) for k, v in value.items()}
    if isinstance(value, list):
        return [repaired(v) for v in value]
    return value
