"""Finding links in a post's text and adding UTM parameters (stoa/links/tagging.py)."""

import pytest

from stoa.links.tagging import add_utm, fill, link_spans, rewrite_links

UTM = {"utm_source": "mastodon", "utm_medium": "social", "utm_campaign": "winter"}


def links(text: str) -> list[str]:
    return [text[start:end] for start, end in link_spans(text)]


def test_utm_parameters_are_added_after_the_links_own_and_before_its_fragment():
    assert add_utm("https://kafe.example/menu?lang=he&x=1#drinks", UTM) == (
        "https://kafe.example/menu?lang=he&x=1&utm_source=mastodon&utm_medium=social&utm_campaign=winter#drinks")


def test_a_utm_parameter_the_link_already_has_is_never_overwritten():
    tagged = add_utm("https://kafe.example/?UTM_Source=newsletter&utm_campaign=", UTM)
    assert tagged == "https://kafe.example/?UTM_Source=newsletter&utm_campaign=&utm_medium=social"


def test_a_link_with_every_parameter_already_is_left_as_written():
    url = "https://kafe.example/a?utm_source=a&utm_medium=b&utm_campaign=c"
    assert add_utm(url, UTM) == url


def test_values_are_encoded_and_empty_ones_left_out():
    tagged = add_utm("https://kafe.example/", {"utm_campaign": "חנוכה & sale", "utm_term": ""})
    assert tagged == "https://kafe.example/?utm_campaign=%D7%97%D7%A0%D7%95%D7%9B%D7%94%20%26%20sale"


def test_placeholders_are_filled_and_unknown_text_kept():
    values = {"network": "bluesky", "channel": "Kafe", "campaign": "", "post": "12"}
    assert fill("{network}-{post}", values) == "bluesky-12"
    assert fill("{campaign}", values) == ""


@pytest.mark.parametrize("text, expected", [
    ("Menu: https://kafe.example/menu.", ["https://kafe.example/menu"]),
    ("(see https://kafe.example/menu)", ["https://kafe.example/menu"]),
    ("https://en.wikipedia.org/wiki/Coffee_(disambiguation)!", ["https://en.wikipedia.org/wiki/Coffee_(disambiguation)"]),
    ("Is it https://kafe.example/?q=1, or https://kafe.example/b?", ["https://kafe.example/?q=1", "https://kafe.example/b"]),
    ("«https://kafe.example/a»", ["https://kafe.example/a"]),
    ('<a href="https://kafe.example/a">menu</a>', ["https://kafe.example/a"]),
    ("no link: kafe.example/menu or http://localhost", []),
    ("mail@https://kafe.example is not a link start", []),
])
def test_links_end_where_the_sentence_takes_over(text, expected):
    assert links(text) == expected


@pytest.mark.parametrize("text, expected", [
    # Hebrew: a right-to-left mark on each side of the link, a full stop after it.
    ("התפריט החדש \u200fhttps://kafe.example/menu\u200f.", ["https://kafe.example/menu"]),
    # Arabic: the Arabic comma and question mark after a link, and an Arabic letter mark before it.
    ("القائمة\u061chttps://kafe.example/ar، أو https://kafe.example/b؟", ["https://kafe.example/ar",
                                                                        "https://kafe.example/b"]),
    # Hebrew text glued to the link's end by a directional isolate.
    ("ראו https://kafe.example/he?x=1\u2069 עכשיו", ["https://kafe.example/he?x=1"]),
])
def test_links_in_right_to_left_text_leave_the_marks_and_punctuation_outside(text, expected):
    assert links(text) == expected


def test_several_links_and_the_same_link_twice_are_each_rewritten_in_place():
    text = "שני קישורים: https://a.example/x, https://b.example/y ושוב https://a.example/x."
    rewritten = rewrite_links(text, lambda url: add_utm(url, {"utm_source": "telegram"}))
    assert rewritten == ("שני קישורים: https://a.example/x?utm_source=telegram, "
                         "https://b.example/y?utm_source=telegram ושוב https://a.example/x?utm_source=telegram.")


def test_text_without_links_is_unchanged():
    text = "בוקר טוב\u200f! Nothing to tag here."
    assert rewrite_links(text, lambda url: "changed") == text


def test_what_only_looks_like_a_link_is_left_as_text_and_the_real_links_are_still_found():
    text = "see http://[x/menu and https://[::1/a, then https://kafe.example/menu"
    assert [text[s:e] for s, e in link_spans(text)] == ["https://kafe.example/menu"]
