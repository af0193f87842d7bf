"""The composer's preview of a post on VK, Facebook, Instagram and Threads: each in its network's look, the text in
its own direction and language (Hebrew, Arabic and Persian read right to left there as anywhere), links, mentions and
hashtags marked as the network marks them, nothing of the text taken as markup."""

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from stoa.providers.base import Draft, MediaFile

HEBREW = "שבת שלום מקפה יפו! #בוקר_טוב https://kafe.example/menu <b>לא מודגש</b>"


def preview(network: str, draft: Draft, **config: str) -> str:
    channel = SimpleNamespace(network=network, name="Kafe Yafo · קפה יפו", config=config)
    return render_to_string("web/_preview.html", {"channel": channel, "draft": draft})


def photo() -> MediaFile:
    return MediaFile("shakshuka.jpg", "image/jpeg", 1000, "שקשוקה", lambda: b"", media_id=7)


@pytest.mark.parametrize("network", ["vk", "facebook", "instagram", "threads"])
def test_each_network_shows_right_to_left_text_in_its_own_direction_and_language(network):
    shown = preview(network, Draft(HEBREW, media=(photo(),), language="he"), username="kafeyafo")
    assert f"pv-{network}" in shown
    assert '<div class="pv-text" dir="auto" lang="he">' in shown
    assert '<span class="tag">#בוקר_טוב</span>' in shown and 'href="https://kafe.example/menu"' in shown
    assert "&lt;b&gt;לא מודגש&lt;/b&gt;" in shown and "<b>" not in shown  # the text is never markup
    assert 'alt="שקשוקה"' in shown


def test_instagram_shows_the_caption_under_the_picture_after_the_accounts_name():
    shown = preview("instagram", Draft("مرحبا بكم", media=(photo(),), language="ar"), username="kafeyafo")
    assert shown.index("<img") < shown.index("مرحبا بكم")
    assert '<strong dir="ltr">kafeyafo</strong> مرحبا بكم' in shown


def test_instagram_says_a_post_without_a_picture_or_video_cannot_be_shown():
    shown = preview("instagram", Draft("Only words", language="en"), username="kafeyafo")
    assert "Instagram posts need a photo or a video." in shown and "<img" not in shown


def test_a_vk_poll_is_shown_with_its_question_and_answers_in_their_own_direction():
    poll = {"poll_question": "איזה קפה?", "poll_answers": "אספרסו; Латте"}
    shown = preview("vk", Draft("Голосуйте!", options=poll, language="ru"))
    assert '<strong dir="auto">איזה קפה?</strong>' in shown
    assert '<li dir="auto">אספרסו</li>' in shown and '<li dir="auto">Латте</li>' in shown


def test_a_threads_thread_shows_each_later_part_as_a_reply():
    shown = preview("threads", Draft("First · ראשון", options={"thread": ["Second · שני"]}, language="he"),
                    username="kafeyafo")
    assert shown.count('class="pv-post pv-reply"') == 1 and "Second · שני" in shown
