"""The OAuth 2.0 test network against the strict server: what the credentials tests and the bench rely on."""

import time

import pytest

from stoa import clock
from stoa.providers.base import Attempt, Draft, ErrorKind, ProviderError, ReplyTo
from stoa.providers.registry import get_provider_class
from stoa.testing.oauth_network import (
    OAuthTestProvider,
    ResourceServer,
    authorize_without_browser,
    strict_oauth_server,
)


def provider_for(oauth, api, credentials=None) -> OAuthTestProvider:
    return OAuthTestProvider({"server_url": oauth.url, "api_url": api.url, "page_id": "page-1"}, credentials or {})


def test_one_grant_gives_two_pages_to_post_as(oauth_server, oauth_api):
    provider = provider_for(oauth_server, oauth_api)
    grant = authorize_without_browser(provider)
    assert grant.refresh and grant.expires_at > clock.now() and set(grant.scopes) == {"read", "publish", "reply"}
    pages = provider.targets(grant)
    assert [p.remote_id for p in pages] == ["page-1", "page-2"]
    assert pages[1].settings == {"page_id": "page-2", "server_url": oauth_server.url, "api_url": oauth_api.url}


def test_the_network_is_listed_where_the_test_settings_name_it():
    assert get_provider_class("oauthtest") is OAuthTestProvider


def test_a_post_is_kept_once_per_attempt_key_and_reconcile_finds_it(oauth_server, oauth_api):
    provider = provider_for(oauth_server, oauth_api)
    provider.credentials = {"access_token": authorize_without_browser(provider).access}
    attempt = Attempt("key-1", clock.now())
    first = provider.publish(Draft("hello"), attempt)
    assert provider.publish(Draft("hello"), attempt) == first
    assert provider.reconcile(Draft("hello"), attempt) == first
    assert provider.reconcile(Draft("hello"), Attempt("key-2", clock.now())) is None
    provider.publish(Draft("hello"), Attempt("key-2", clock.now()))
    assert oauth_api.stats()["duplicate_posts"] == 1


def test_inbox_and_reply(oauth_server, oauth_api):
    provider = provider_for(oauth_server, oauth_api)
    provider.credentials = {"access_token": authorize_without_browser(provider).access}
    oauth_api.add_comment("page-1", "Is it open on Saturday?")
    oauth_api.add_comment("page-2", "Not for this page")
    page = provider.fetch_inbox("")
    assert [m.text for m in page.items] == ["Is it open on Saturday?"]
    assert provider.fetch_inbox(page.cursor).items == ()
    provider.reply(ReplyTo(page.items[0].remote_id, "comment"), "Yes, from nine.")
    assert oauth_api.stats()["replies"] == 1


def test_a_missing_permission_is_named_and_is_not_an_authorization_error(oauth_server, oauth_api):
    provider = provider_for(oauth_server, oauth_api)
    provider.credentials = {"access_token": authorize_without_browser(provider, scopes=("read", "publish")).access}
    with pytest.raises(ProviderError) as refused:
        provider.reply(ReplyTo("1", "comment"), "Yes")
    assert refused.value.kind == ErrorKind.PERMISSION and refused.value.missing_permission == "reply"


def test_an_expired_access_token_is_refused_and_a_refresh_token_is_good_once():
    # Two seconds, counted from the whole second the token is issued in: a new token lives at least one.
    with strict_oauth_server(access_token_seconds=2) as oauth, ResourceServer(oauth) as api:
        provider = provider_for(oauth, api)
        grant = authorize_without_browser(provider)
        provider.credentials = {"access_token": grant.access}
        time.sleep(2.1)
        with pytest.raises(ProviderError) as expired:
            provider.fetch_inbox("")
        assert expired.value.kind == ErrorKind.AUTHORIZATION and expired.value.access_refused
        renewed = provider.refresh(grant)
        assert renewed.refresh != grant.refresh and renewed.scopes == grant.scopes
        provider.credentials = {"access_token": renewed.access}
        assert provider.fetch_inbox("").items == ()
        with pytest.raises(ProviderError) as used:
            provider.refresh(grant)
        assert used.value.kind == ErrorKind.AUTHORIZATION and not used.value.access_refused
        assert oauth.stats()["refreshes"] == 1 and oauth.stats()["refused"] == 1
