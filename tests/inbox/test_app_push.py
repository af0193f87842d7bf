"""What the networks that push once per app send (ReceivesAppPush: Meta's webhooks) to /hooks/<network>/: believed only
with the app secret's signature of the exact body, split by account, and put in the inbox of every channel that is
that account. The test network (stoa/testing/oauth_network.py) pushes as Meta does."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from stoa.channels.actions import connect_authorized, reconnect_authorized
from stoa.channels.app_push import app_push_url, verify_token
from stoa.channels.models import Channel
from stoa.inbox.models import Item
from stoa.providers.base import Account, ErrorKind, ProviderError
from stoa.providers.meta.webhooks import signature
from stoa.testing.oauth_network import OAuthTestProvider

APP_SECRET = "the-app-secret"


@pytest.fixture(autouse=True)
def test_app(settings):
    settings.STOA_OAUTH_APPS = {"oauthtest": {"client_id": "stoa-test", "client_secret": APP_SECRET}}


def page_channel(workspace, page: str = "page-1") -> Channel:
    channel = Channel(workspace=workspace, network="oauthtest", name=f"Kafe Yafo ({page})",
                      config={"page_id": page, "account_id": page, "api_url": "http://127.0.0.1:9"})
    channel.credentials = {"access_token": "access"}
    channel.save()
    return channel


def call(*comments: tuple[str, str, str]) -> bytes:
    """One call with each (page, comment id, text) as a change of that page's entry."""
    entries: dict[str, list] = {}
    for page, comment_id, text in comments:
        entries.setdefault(page, []).append({"field": "comments", "value": {
            "id": comment_id, "text": text, "author": "carol", "created_at": "2026-07-01T08:05:00Z"}})
    return json.dumps({"object": "page", "entry": [{"id": page, "changes": changes}
                                                   for page, changes in entries.items()]}).encode()


def push(body: bytes, secret: str | None = APP_SECRET, network: str = "oauthtest") -> int:
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature(body, secret)} if secret is not None else {}
    return Client().post(f"/hooks/{network}/", body, content_type="application/json", **headers).status_code


def texts(channel: Channel) -> list[str]:
    return sorted(Item.objects.filter(channel=channel).values_list("text", flat=True))


def test_a_signed_call_reaches_the_inbox_of_the_channel_of_each_account_it_names(workspace):
    first, second = page_channel(workspace), page_channel(workspace, "page-2")
    assert push(call(("page-1", "8", "Open on Saturday? · פתוח בשבת?"), ("page-2", "9", "Μενού;"))) == 200
    assert texts(first) == ["Open on Saturday? · פתוח בשבת?"] and texts(second) == ["Μενού;"]


def test_one_account_connected_in_two_workspaces_reaches_both_inboxes(workspace, other_workspace):
    here, there = page_channel(workspace), page_channel(other_workspace)
    assert push(call(("page-1", "8", "Hello"))) == 200
    assert texts(here) == texts(there) == ["Hello"]


def test_the_same_call_sent_again_is_kept_once(workspace):
    channel = page_channel(workspace)
    body = call(("page-1", "8", "Hello"))
    assert push(body) == push(body) == 200
    assert texts(channel) == ["Hello"]


@pytest.mark.parametrize("secret", [None, "another-secret"])
def test_a_call_without_the_apps_signature_is_refused_and_nothing_is_kept(workspace, secret):
    channel = page_channel(workspace)
    assert push(call(("page-1", "8", "Hello")), secret) == 403
    assert texts(channel) == []


def test_a_signature_of_another_body_is_refused(workspace):
    channel = page_channel(workspace)
    signed, sent = call(("page-1", "8", "Hello")), call(("page-1", "8", "Changed on the way"))
    response = Client().post("/hooks/oauthtest/", sent, content_type="application/json",
                             HTTP_X_HUB_SIGNATURE_256=signature(signed, APP_SECRET))
    assert response.status_code == 403 and texts(channel) == []


def test_without_an_app_set_up_every_call_is_refused(settings, workspace):
    settings.STOA_OAUTH_APPS = {}
    channel = page_channel(workspace)
    assert push(call(("page-1", "8", "Hello")), secret="") == 403
    assert texts(channel) == []


def test_a_signed_call_for_an_account_no_workspace_connects_is_acknowledged_and_kept_nowhere(workspace):
    channel = page_channel(workspace)
    assert push(call(("page-9", "8", "Hello"))) == 200
    assert texts(channel) == [] and not Item.objects.exists()


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"object": "user"}'])
def test_a_signed_body_that_is_no_call_of_the_network_is_a_clear_400(workspace, body):
    assert push(body) == 400


def test_a_network_that_does_not_push_per_app_has_no_such_address(db):
    assert push(call(("page-1", "8", "Hello")), network="mastodon") == 404
    assert Client().get("/hooks/mastodon/", {"hub.mode": "subscribe", "hub.verify_token": verify_token("mastodon"),
                                             "hub.challenge": "7"}).status_code == 404


def test_setting_the_webhook_up_is_answered_with_its_challenge_only_with_the_verify_token(db, settings):
    settings.SITE_URL = "https://stoa.example"
    assert app_push_url("oauthtest") == "https://stoa.example/hooks/oauthtest/"
    asked = {"hub.mode": "subscribe", "hub.verify_token": verify_token("oauthtest"), "hub.challenge": "1158201444"}
    answer = Client().get("/hooks/oauthtest/", asked)
    assert (answer.status_code, answer.content) == (200, b"1158201444")
    assert Client().get("/hooks/oauthtest/", {**asked, "hub.verify_token": "guessed"}).status_code == 403
    assert verify_token("oauthtest") != verify_token("facebook")  # one per network: one leaked says nothing of another


def test_the_apps_page_gives_the_administrator_the_webhooks_callback_url_and_verify_token(client, owner, settings):
    settings.SITE_URL = "https://stoa.example"
    owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    page = client.get(reverse("channel-oauth-apps")).content.decode()
    section = page.split('id="app-oauthtest"')[1].split("</section>")[0]
    assert "https://stoa.example/hooks/oauthtest/" in section and verify_token("oauthtest") in section


def test_connecting_a_channel_asks_the_network_to_push_its_accounts_events_and_a_refusal_leaves_it_polled(
        monkeypatch, owner, workspace):
    asked: list[str] = []

    def subscribe(provider: OAuthTestProvider) -> None:
        asked.append(provider.config["account_id"])
        if len(asked) > 1:
            raise ProviderError("The app lacks pages_manage_metadata.", ErrorKind.PERMISSION)

    monkeypatch.setattr(OAuthTestProvider, "subscribe", subscribe)
    page = Account("page-1", "Kafe Yafo", settings={"page_id": "page-1"})
    [channel] = connect_authorized(owner, workspace, "oauthtest", {}, {"access_token": "a"}, [page])
    assert asked == ["page-1"]
    reconnect_authorized(owner, channel, {}, {"access_token": "b"}, [page])  # refused: still reconnected
    assert asked == ["page-1", "page-1"] and Channel.objects.get().credentials["access_token"] == "b"
