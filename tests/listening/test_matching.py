"""The matcher finds a brand's names as whole words in any script, however the post writes them."""

import pytest

from stoa.listening.matching import Matcher, Query, normalise

KAFE_YAFO = Query(1, terms=("Кафе Яфо", "Kafe Yafo", "קפה יפו", "مقهى يافا", "کافه یافا", "Καφέ Γιάφο"),
                  hashtags=("kafeyafo",), exclusions=("Yafo Street",))
COMPETITOR = Query(2, terms=("Bean There",), hashtags=("beanthere",))
matcher = Matcher([KAFE_YAFO, COMPETITOR])


@pytest.mark.parametrize("language, text", [
    ("en", "Had the best flat white at KAFE YAFO this morning"),
    ("ru", "Кафе Яфо — лучший кофе в городе!"),
    ("ru", "кафе яфо, как всегда"),
    ("he", "ממליצה בחום על קפה יפו"),
    ("he", "הקפה בקפה יפו מעולה"),  # "in" written into the name's first word
    ("he", "קָפֶה יָפוֹ"),  # with points
    ("ar", "أحببت مقهى يافا كثيرا"),
    ("ar", "مقـــهى يافا"),  # stretched with tatweel
    ("ar", "مَقْهَى يَافَا"),  # with harakat
    ("fa", "کافه یافا عالی بود"),
    ("fa", "كافه يافا"),  # written with the Arabic yeh and kaf
    ("el", "Ο Καφέ Γιάφο είναι υπέροχος"),
    ("el", "ΚΑΦΈ ΓΙΆΦΟ"),
    ("en", "ｋａｆｅ ｙａｆｏ"),  # full-width letters
    ("en", "Morning! #KafeYafo"),
])
def test_a_brand_is_found_in_every_script_and_spelling(language, text):
    assert matcher.match(text) == [1], language


@pytest.mark.parametrize("text", [
    "Kafe Yafoland opens tomorrow",  # not a whole word
    "kafeyafo without the hash is a word, not the tag",
    "Кафе на Яфо",  # the words apart
    "קפה ויפו",
    "Nothing about coffee here",
])
def test_only_whole_words_and_the_whole_phrase_match(text):
    assert matcher.match(text) == []


def test_an_exclusion_drops_the_query_it_belongs_to():
    assert matcher.match("Kafe Yafo on Yafo Street is closed") == []
    assert matcher.match("Kafe Yafo on Yafo Street beats Bean There") == [2]


def test_a_post_naming_two_queries_matches_both():
    assert matcher.match("Kafe Yafo or #BeanThere?") == [1, 2]


def test_hebrew_final_letters_and_greek_final_sigma_are_one_letter():
    assert normalise("שלום") == normalise("שלומ")
    assert normalise("ΚΑΦΕΣ") == normalise("καφεσ") == normalise("καφες")
