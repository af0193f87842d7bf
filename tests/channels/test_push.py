"""One endpoint for every network that pushes (stoa.channels.push): /hooks/<network>/<channel id>/. The secret Stoa
chose comes back in the header the provider names; without it a call is refused and nothing of it is kept."""

import json
from typing import Any

import pytest
from django.test import Client

from stoa.channels.models import Channel
from stoa.channels.push import MAX_BODY_BYTES, CannotPush, enable_push, pushes
from stoa.inbox.models import Item, Kind
from stoa.providers.base import ErrorKind, InboxPage, Limits, Provider, ProviderError
from stoa.providers.capabilities import ReceivesPush
from stoa.providers.registry import PROVIDERS
from stoa.workspaces.models import AuditEvent
from tests.inbox.test_ingest import message

WEBHOOKS: list[tuple[str, str]] = []  # what the network was asked to call, and with which secret


class Bell(Provider, ReceivesPush):
    """A network that pushes each comment as {"comment": n, "text": ...}, with the secret in X-Bell-Token."""

    key = "bell"
    name = "Bell"
    limits = Limits(max_text=100)
    push_secret_header = "X-Bell-Token"

    def set_webhook(self, url: str, secret: str) -> None:
        WEBHOOKS.append((url, secret))

    def pushed(self, body: dict[str, Any]) -> InboxPage:
        if not isinstance(body.get("comment"), int):
            raise ProviderError("Not a Bell call.", ErrorKind.PERMANENT)
        return InboxPage((message(body["comment"], body.get("text", "")),), "")


@pytest.fixture
def bell(monkeypatch, workspace, settings) -> Channel:
    settings.SITE_URL = "https://stoa.example"
    monkeypatch.setitem(PROVIDERS, "bell", f"{__name__}.Bell")
    WEBHOOKS.clear()
    channel = Channel(workspace=workspace, network="bell", name="Kafe Yafo on Bell")
    channel.credentials = {"token": "t"}
    channel.save()
    return channel


def push(channel: Channel, body: Any, secret: str | None, network: str = "") -> int:
    headers = {"HTTP_X_BELL_TOKEN": secret} if secret is not None else {}
    content = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client().post(f"/hooks/{network or channel.network}/{channel.pk}/", content,
                         content_type="application/json", **headers).status_code


def test_enabling_push_gives_the_network_this_channels_url_and_a_secret_kept_encrypted(owner, bell):
    url = enable_push(owner, bell)
    bell.refresh_from_db()
    secret = bell.credentials["webhook_secret"]
    assert url == f"https://stoa.example/hooks/bell/{bell.pk}/" and [(url, secret)] == WEBHOOKS
    assert secret not in bell.credentials_encrypted and bell.credentials["token"] == "t" and pushes(bell)
    assert AuditEvent.objects.filter(action="channel.webhook_enabled").count() == 1


def test_a_pushed_comment_reaches_the_inbox_with_the_secret_in_the_providers_header(owner, bell):
    enable_push(owner, bell)
    bell.refresh_from_db()
    assert push(bell, {"comment": 7, "text": "question: פתוח היום?"}, bell.credentials["webhook_secret"]) == 200
    item = Item.objects.get()
    assert (item.channel, item.kind, item.text) == (bell, Kind.COMMENT, "question: פתוח היום?")


def test_calls_without_the_exact_secret_are_refused_and_nothing_is_kept(owner, bell):
    assert push(bell, {"comment": 1}, "") == 403  # no webhook set: no secret matches
    enable_push(owner, bell)
    bell.refresh_from_db()
    secret = bell.credentials["webhook_secret"]
    for wrong in (None, "guessed", secret[:-1], secret + "x"):
        assert push(bell, {"comment": 1}, wrong) == 403
    assert push(bell, {"comment": 1}, secret, network="telegram") == 403  # another network's endpoint
    assert not Item.objects.exists()


def test_too_large_broken_or_foreign_bodies_are_refused_clearly(owner, bell):
    enable_push(owner, bell)
    bell.refresh_from_db()
    secret = bell.credentials["webhook_secret"]
    assert push(bell, {"comment": 1, "text": "x" * MAX_BODY_BYTES}, secret) == 413
    assert push(bell, "{not json", secret) == 400
    assert push(bell, [1, 2], secret) == 400
    assert push(bell, {"something": "else"}, secret) == 400
    assert not Item.objects.exists()


def test_a_network_that_does_not_push_has_no_endpoint(owner, workspace):
    mastodon = Channel(workspace=workspace, network="mastodon", name="Kafe Yafo")
    mastodon.credentials = {"webhook_secret": "s3cret"}  # even with a secret somehow kept
    mastodon.save()
    with pytest.raises(CannotPush, match="Mastodon does not push messages"):
        enable_push(owner, mastodon)
    status = Client().post(f"/hooks/mastodon/{mastodon.pk}/", "{}", content_type="application/json",
                           HTTP_X_STOA_PUSH_SECRET="s3cret").status_code
    assert status == 403
