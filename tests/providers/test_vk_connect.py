"""Connecting VK through VK ID (OAuth 2.1, authorization code with mandatory PKCE) at the provider: the consent page's
address, the code exchanged with the device VK ID named, the refresh that names it again, and the communities one
grant gives. VK ID's token endpoint is faked as its fixture (tests/providers/fixtures/vk/vk_id.token.json) shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine

from stoa import clock
from stoa.providers import oauth2
from stoa.providers.base import ErrorKind, Grant, ProviderError
from stoa.providers.vk.provider import VKProvider
from tests.providers.test_vk import GROUP, STARTED, TOKEN, FakeVK, fixture

APP = oauth2.ClientApp("51234567", "")
REDIRECT = "https://stoa.example/channels/oauth/callback/vk/"
VERIFIER = "v" * 43 + "_verifier-0"
DEVICE = "d3v1c3-1d-from-vk-id"


@dataclass
class FakeVKID:
    """POST https://id.vk.com/oauth2/auth, a form body; each code and refresh token good once."""

    api: FakeVK
    forms: list[dict[str, str]] = field(default_factory=list)
    codes: set[str] = field(default_factory=lambda: {"code-from-vk-id"})
    live: set[str] = field(default_factory=lambda: {fixture("vk_id.token")["exchanged"]["refresh_token"]})

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "id.vk.com":
            return self.api.handle(request)
        assert (request.method, request.url.path) == ("POST", "/oauth2/auth") and not request.url.query
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = {name: values[0] for name, values in parse_qs(request.read().decode()).items()}
        self.forms.append(form)
        token = fixture("vk_id.token")
        spent = form.pop("code", None) if form["grant_type"] == "authorization_code" else form.get("refresh_token")
        known = self.codes if form["grant_type"] == "authorization_code" else self.live
        if spent not in known:
            return httpx.Response(400, json=token["refused"])
        known.discard(spent)
        answer = token["exchanged"] if form["grant_type"] == "authorization_code" else token["refreshed"]
        self.live.add(answer["refresh_token"])
        self.api.tokens.add(answer["access_token"])
        return httpx.Response(200, json=answer)


@pytest.fixture
def vkid() -> FakeVKID:
    return FakeVKID(FakeVK())


def acting_as_app(vkid: FakeVKID, credentials: dict | None = None) -> VKProvider:
    return VKProvider(APP.config(), {**APP.credentials(), **(credentials or {})},
                      http=httpx.Client(transport=httpx.MockTransport(vkid.handle)))


def test_the_consent_page_is_vk_ids_with_pkce_s256_and_the_rights_stoa_needs(vkid):
    url = acting_as_app(vkid).authorize_url(REDIRECT, "state-1", oauth2.pkce_challenge(VERIFIER))
    parts = urlsplit(url)
    asked = {name: values[0] for name, values in parse_qs(parts.query).items()}
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "id.vk.com", "/authorize")
    assert asked == {"response_type": "code", "client_id": "51234567", "redirect_uri": REDIRECT, "state": "state-1",
                     "code_challenge": oauth2.pkce_challenge(VERIFIER), "code_challenge_method": "S256",
                     "scope": "wall groups photos video stats"}


def test_the_code_is_exchanged_with_the_verifier_and_the_device_which_is_kept_for_refreshing(vkid):
    provider = acting_as_app(vkid)
    with time_machine.travel(STARTED, tick=False):
        grant = provider.exchange_answer({"code": "code-from-vk-id", "state": "s", "device_id": DEVICE}, REDIRECT,
                                         VERIFIER)
    [form] = vkid.forms
    assert form == {"grant_type": "authorization_code", "code_verifier": VERIFIER, "redirect_uri": REDIRECT,
                    "client_id": "51234567", "device_id": DEVICE, "state": "s"}
    assert grant.access == "vk2.a.StoaVKIDAccessKey_first" and grant.refresh == "vk2.a.StoaVKIDRefresh_first"
    assert grant.expires_at == STARTED + timedelta(hours=1)  # an access key lives an hour
    assert provider.credentials["device_id"] == DEVICE  # the connect flow keeps it with the grant


def test_a_refresh_names_the_device_and_takes_the_new_refresh_token(vkid):
    provider = acting_as_app(vkid, {"device_id": DEVICE})
    grant = Grant("old", fixture("vk_id.token")["exchanged"]["refresh_token"], clock.now())
    renewed = provider.refresh(grant)
    sent = vkid.forms[-1]
    assert sent.pop("state") and sent == {"grant_type": "refresh_token", "refresh_token": grant.refresh,
                                          "client_id": "51234567", "device_id": DEVICE}
    assert (renewed.access, renewed.refresh) == ("vk2.a.StoaVKIDAccessKey_second", "vk2.a.StoaVKIDRefresh_second")
    with pytest.raises(ProviderError) as refused:  # the old refresh token was spent
        provider.refresh(grant)
    assert refused.value.kind == ErrorKind.AUTHORIZATION and not refused.value.access_refused


def test_a_code_used_already_asks_to_connect_again_and_says_vk_ids_reason_without_secrets(vkid):
    provider = acting_as_app(vkid)
    provider.exchange("code-from-vk-id", REDIRECT, VERIFIER, DEVICE)
    with pytest.raises(ProviderError) as refused:
        provider.exchange("code-from-vk-id", REDIRECT, VERIFIER, DEVICE)
    assert refused.value.kind == ErrorKind.AUTHORIZATION and "used already" in refused.value.message
    assert VERIFIER not in refused.value.message


@pytest.mark.parametrize("body", [{"error": "invalid_grant", "error_description": "Refresh token is invalid"}])
def test_a_refusal_answered_with_http_200_is_still_a_refusal(vkid, body):
    provider = VKProvider(APP.config(), {}, http=httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(200, json=body))))
    with pytest.raises(ProviderError) as refused:
        provider.refresh(Grant("a", "r"))
    assert refused.value.kind == ErrorKind.AUTHORIZATION


def test_each_community_the_person_administers_or_edits_is_a_target_and_a_deleted_one_is_not(vkid):
    provider = acting_as_app(vkid)
    targets = provider.targets(Grant(TOKEN))
    assert [(t.remote_id, t.name, t.url) for t in targets] == [
        (str(GROUP), "Стоа · סטואה · ستوا", "https://vk.com/stoa_news"),
        ("229101117", "Stoa Café", "https://vk.com/club229101117")]
    assert targets[0].settings == {"group_id": str(GROUP), "screen_name": "stoa_news", "name": "Стоа · סטואה · ستوا"}
    assert vkid.api.posts("groups.get") == [{"filter": "admin,editor", "extended": "1", "count": "1000"}]


def test_a_channel_made_of_a_target_posts_with_the_grant(vkid):
    target = acting_as_app(vkid).targets(Grant(TOKEN))[0]
    channel = VKProvider({**APP.config(), **target.settings}, {"access_token": TOKEN},
                         http=httpx.Client(transport=httpx.MockTransport(vkid.handle)))
    assert channel.connect().remote_id == str(GROUP)
