"""VK's Callback API through Stoa's one push endpoint, /hooks/vk/<channel id>/: the server set up with a secret, VK's
confirmation answered with the community's code, every event acknowledged with ok, and any call without the exact
secret in its body refused with 403 and nothing kept. The VK API is the fake of tests/providers/test_vk.py, served
locally (settings.STOA_NETWORK_URLS)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from django.test import Client

from stoa import clock
from stoa.channels.models import Channel
from stoa.channels.push import enable_push, pushes
from stoa.inbox.models import Item, Kind
from stoa.providers.base import ProviderError
from tests.providers.test_vk import GROUP, TOKEN, FakeVK, fixture, served


def event(name: str, secret: str) -> dict[str, Any]:
    return {**copy.deepcopy(fixture("callback")["events"][name]), "secret": secret}


def push(channel: Channel, body: Any) -> Any:
    """VK's call, a few seconds after Stoa set the server up: VK's rate limit (3 requests a second, which setting the
    server spent) has room again for what the call needs (the confirmation code)."""
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    with time_machine.travel(clock.now() + timedelta(seconds=5)):
        return Client().post(f"/hooks/vk/{channel.pk}/", content, content_type="application/json")


@pytest.fixture
def fake() -> FakeVK:
    return FakeVK()


@pytest.fixture
def vk_api(fake, settings) -> Iterator[FakeVK]:
    settings.SITE_URL = "https://stoa.example"
    with served(fake) as url:
        settings.STOA_NETWORK_URLS = {"vk": {"api": url}}
        yield fake


@pytest.fixture
def channel(workspace) -> Channel:
    channel = Channel(workspace=workspace, network="vk", name="Стоа", config={"group_id": str(GROUP)})
    channel.credentials = {"access_token": TOKEN}
    channel.save()
    return channel


def enabled(owner, channel: Channel) -> str:
    enable_push(owner, channel)
    channel.refresh_from_db()
    return str(channel.credentials["webhook_secret"])


@pytest.mark.django_db
def test_enabling_push_sets_a_callback_server_with_a_secret_vk_takes(owner, channel, vk_api):
    secret = enabled(owner, channel)
    server = vk_api.servers[-1]
    assert server["url"] == f"https://stoa.example/hooks/vk/{channel.pk}/" and server["secret_key"] == secret
    assert 40 <= len(secret) <= 50 and pushes(channel) and not channel.credentials["webhook_secret_pending"]


@pytest.mark.django_db
def test_vks_confirmation_is_answered_with_the_communitys_code_as_plain_text(owner, channel, vk_api):
    answer = push(channel, event("confirmation", enabled(owner, channel)))
    assert (answer.status_code, answer.content.decode(), answer["Content-Type"].split(";")[0]) == (200, "a1b2c3d4",
                                                                                          "text/plain")
    assert not Item.objects.exists()


@pytest.mark.django_db
def test_a_comment_pushed_reaches_the_inbox_and_vk_is_answered_ok(owner, channel, vk_api):
    answer = push(channel, event("wall_reply_new", enabled(owner, channel)))
    assert (answer.status_code, answer.content) == (200, b"ok")
    item = Item.objects.get()
    assert (item.channel, item.kind, item.text) == (channel, Kind.COMMENT, "Где купить? · איפה קונים?")


@pytest.mark.django_db
def test_a_community_message_pushed_reaches_the_inbox(owner, channel, vk_api):
    assert push(channel, event("message_new", enabled(owner, channel))).content == b"ok"
    assert Item.objects.get().kind == Kind.MESSAGE


@pytest.mark.django_db
def test_calls_without_the_exact_secret_in_the_body_are_refused_alike_and_nothing_is_kept(owner, channel, vk_api):
    secret = enabled(owner, channel)
    for wrong in ("", "guessed", secret[:-1], secret + "x"):
        assert push(channel, event("wall_reply_new", wrong)).status_code == 403
    without = {k: v for k, v in event("wall_reply_new", secret).items() if k != "secret"}
    in_a_header = Client().post(f"/hooks/vk/{channel.pk}/", json.dumps(without), content_type="application/json",
                                HTTP_X_STOA_PUSH_SECRET=secret)
    assert in_a_header.status_code == 403 and push(channel, "not json").status_code == 403
    assert push(channel, event("confirmation", "guessed")).status_code == 403  # no code for a stranger
    assert not Item.objects.exists()


class ConfirmingVK(FakeVK):
    """VK checking the address as soon as the server is added, before Stoa has finished setting it (from VK's own
    thread, so from another database connection: the test commits what it writes)."""

    answers: list[Any] = []
    traveller: Any = None

    def add_callback_server(self, params: dict[str, str]) -> httpx.Response:
        added = super().add_callback_server(params)
        confirmation = event("confirmation", params["secret_key"])
        self.traveller.shift(timedelta(seconds=2))  # VK's own pace: seconds, so the rate limit has room again
        self.answers.append(push_to(httpx.URL(params["url"]).path, confirmation))
        self.traveller.shift(timedelta(seconds=2))
        return added


def push_to(path: str, body: dict[str, Any]) -> Any:
    return Client().post(path, json.dumps(body), content_type="application/json")


@pytest.mark.django_db(transaction=True)
def test_vk_checking_the_address_while_the_server_is_being_set_is_answered(owner, channel, settings):
    settings.SITE_URL = "https://stoa.example"
    confirming = ConfirmingVK()
    with served(confirming) as url, time_machine.travel(clock.now()) as confirming.traveller:
        settings.STOA_NETWORK_URLS = {"vk": {"api": url}}
        enabled(owner, channel)
    [answer] = confirming.answers
    assert (answer.status_code, answer.content) == (200, b"a1b2c3d4")


@pytest.mark.django_db
def test_a_failed_setup_leaves_the_channel_polled_and_no_secret_accepted(owner, channel, vk_api):
    vk_api.failures["groups.setCallbackSettings"] = [15]
    with pytest.raises(ProviderError):
        enable_push(owner, channel)
    channel.refresh_from_db()
    assert not pushes(channel) and not channel.credentials.get("webhook_secret_pending")
    assert push(channel, event("wall_reply_new", vk_api.servers[-1]["secret_key"])).status_code == 403
