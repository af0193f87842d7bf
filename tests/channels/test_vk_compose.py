"""VK in the composer: its link and poll options are offered per channel, checked while typing as VK would check them,
and saved in the variant's options for publishing."""

from __future__ import annotations

import pytest

from stoa.channels.models import Channel
from stoa.posts.models import Post
from tests.providers.test_vk import GROUP, TOKEN
from tests.web.test_compose import check, form


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def vk(workspace) -> Channel:
    channel = Channel(workspace=workspace, network="vk", name="Стоа", config={"group_id": str(GROUP)})
    channel.credentials = {"access_token": TOKEN}
    channel.save()
    return channel


@pytest.mark.django_db
def test_the_composer_offers_vks_link_and_poll(logged_in, vk):
    page = logged_in.get("/compose/").content.decode()
    for label in ("Link to attach", "Poll question", "Poll answers, separated by semicolons", "Anonymous poll",
                  "Several answers may be chosen"):
        assert label in page
    assert f'name="option_{vk.pk}_poll_multiple"' in page


@pytest.mark.django_db
def test_a_poll_without_answers_and_a_link_that_is_no_address_are_said_while_typing(logged_in, workspace, vk):
    answer = check(logged_in, workspace, form(workspace, [vk], text="Голосуйте!", **{
        f"option_{vk.pk}_poll_question": "Какой вкус?", f"option_{vk.pk}_link": "kafe.example"}))
    assert "A VK poll has from 1 to 10 answers; this one has 0 answers." in answer
    assert "Give the link as a whole address, starting with https://." in answer


@pytest.mark.django_db
def test_a_poll_and_a_link_are_saved_with_the_variant(logged_in, workspace, vk):
    data = form(workspace, [vk], text="Голосуйте!", action="draft", **{
        f"option_{vk.pk}_poll_question": "Какой вкус?", f"option_{vk.pk}_poll_answers": "Кофе; Чай",
        f"option_{vk.pk}_poll_anonymous": "on", f"option_{vk.pk}_link": "https://kafe.example/menu"})
    assert logged_in.post("/compose/", data).status_code == 302
    assert Post.objects.get().variants.get().options == {
        "poll_question": "Какой вкус?", "poll_answers": "Кофе; Чай", "poll_anonymous": True,
        "link": "https://kafe.example/menu"}
