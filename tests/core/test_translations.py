"""The interface catalogues: every language complete, and no translation that would break at run time."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# %(name)s / %s / %.1f style placeholders (and %% for a percent sign); a translation keeps exactly the same ones.
PLACEHOLDER = re.compile(r"%%|%(?:\(\w+\))?[-#0+]*\d*(?:\.\d+)?[sdif]")
TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"))


def translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs, one per plural form."""
    if entry.msgid_plural:
        return [(entry.msgid_plural if n else entry.msgid, text) for n, text in sorted(entry.msgstr_plural.items())]
    return [(entry.msgid, entry.msgstr)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_of_the_interface_is_translated(language):
    missing = [e.msgid for e in catalogue(language) if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == [], f"{len(missing)} untranslated in {language}, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_and_tags_of_the_source(language):
    broken = []
    for entry in catalogue(language):
        for source, text in translations(entry):
            if not text:
                continue
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)) and not entry.msgid_plural:
                broken.append((source, text))
            elif entry.msgid_plural and not set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(source)):
                broken.append((source, text))  # a plural form may leave the count out ("one post")
            elif sorted(TAG.findall(source)) != sorted(TAG.findall(text)):
                broken.append((source, text))
    assert broken == [], f"{language}: {broken[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_declares_its_language_and_plural_forms(language):
    po = catalogue(language)
    assert po.metadata["Language"] == language
    assert "nplurals=" in po.metadata["Plural-Forms"] and "INTEGER" not in po.metadata["Plural-Forms"]
