"""A count is written in the plural form its language uses for that number: "at most 1 selling post", in Russian
"1 минута / 2 минуты / 5 минут", in Arabic the dual, in Hebrew "one post" with no number."""

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import ngettext

from stoa.workspaces.models import UserSettings
from tests.core.test_translations import LANGUAGES, catalogue

AT_MOST = ("At most %(most)s post a day", "At most %(most)s posts a day")


def page(user, path: str, language: str = "en") -> str:
    UserSettings.objects.update_or_create(user=user, defaults={"language": language})
    client = Client()
    client.force_login(user)
    return client.get(path).content.decode()


def test_the_plan_says_at_most_one_selling_post_not_posts(owner, workspace):
    workspace.max_selling_in_a_row = 1
    workspace.save()
    html = page(owner, f"/plan/?workspace={workspace.slug}")
    assert "at most 1 selling post in a row" in html and "1 selling posts" not in html
    assert "продающего поста подряд" in page(owner, f"/plan/?workspace={workspace.slug}", "ru")


@pytest.mark.parametrize(("gap", "most", "language", "shown"), [
    (1, 1, "en", ["At least 1 minute between posts", "At most 1 post a day"]),
    (5, 2, "en", ["At least 5 minutes between posts", "At most 2 posts a day"]),
    (0, 0, "en", ["No minimum time between posts", "No daily limit"]),
    (21, 3, "ru", ["Не менее 21 минуты между постами", "Не более 3 постов в день"]),
    (1, 2, "ar", ["دقيقة واحدة على الأقل بين المنشورات", "منشوران يوميًا على الأكثر"]),
    (1, 1, "he", ["לפחות דקה אחת בין פוסטים", "פוסט אחד ביום לכל היותר"]),
    (1, 4, "el", ["Τουλάχιστον 1 λεπτό μεταξύ αναρτήσεων", "Έως 4 αναρτήσεις την ημέρα"]),
])
def test_a_channels_posting_rules_are_written_for_their_numbers(gap, most, language, shown, workspace, member,
                                                                 channel):
    channel.min_gap_minutes, channel.daily_max = gap, most
    channel.save()
    html = page(member("content_editor"), f"/channels/?workspace={workspace.slug}", language)
    for text in shown:
        assert text in html


@pytest.mark.parametrize(("language", "forms"), [
    ("ru", {1: "Не более 1 поста в день", 2: "Не более 2 постов в день", 5: "Не более 5 постов в день",
            21: "Не более 21 поста в день", 11: "Не более 11 постов в день"}),
    ("ar", {1: "منشور واحد يوميًا على الأكثر", 2: "منشوران يوميًا على الأكثر", 3: "3 منشورات يوميًا على الأكثر",
            11: "11 منشورًا يوميًا على الأكثر", 100: "100 منشور يوميًا على الأكثر"}),
    ("he", {1: "פוסט אחד ביום לכל היותר", 2: "עד 2 פוסטים ביום", 20: "עד 20 פוסטים ביום"}),
    ("fa", {1: "حداکثر 1 پست در روز", 7: "حداکثر 7 پست در روز"}),
    ("el", {1: "Έως 1 ανάρτηση την ημέρα", 0: "Έως 0 αναρτήσεις την ημέρα"}),
])
def test_each_language_picks_its_own_form_for_a_number(language, forms):
    with translation.override(language):
        for n, text in forms.items():
            assert ngettext(*AT_MOST, n) % {"most": n} == text


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_translation_has_the_forms_its_language_counts(language):
    po = catalogue(language)
    nplurals = int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    wrong = [e.msgid for e in po
             if e.msgid_plural and not e.obsolete and sorted(e.msgstr_plural) != list(range(nplurals))]
    assert wrong == []
