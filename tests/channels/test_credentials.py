"""One owner of a channel's tokens (stoa/channels/credentials.py), against the strict OAuth 2.0 server: each refresh
token is good once, so a second refresh of one expiry would be refused and show."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from stoa import clock
from stoa.channels import credentials
from stoa.channels.models import Channel, ChannelStatus
from stoa.inbox.answers import send_reply
from stoa.inbox.models import Item, ReplyState
from stoa.inbox.polling import poll_channel
from stoa.posts.models import Publication, State
from stoa.providers import oauth2
from stoa.providers.base import ErrorKind, ProviderError
from stoa.publishing.engine import Engine
from stoa.testing.oauth_network import ResourceServer, connect_test_channel, strict_oauth_server
from stoa.workspaces.models import Notification
from tests.core.helpers import drain, make_due, reload, schedule
from tests.providers.oauth_server import oauth_peer_missing

pytest_plugins = ["tests.providers.bluesky_network"]


def expires_at(channel: Channel, moment) -> None:
    """Our clock's idea of when the channel's access token expires, saved as the owner saves."""
    held = credentials.load(channel)
    assert credentials.save(channel, {**held.credentials, oauth2.EXPIRES_AT: moment.isoformat()}, held.version)


def expired_by_our_clock(channel: Channel) -> None:
    expires_at(channel, clock.now() - timedelta(seconds=1))


def read_inbox(channel: Channel):
    return credentials.using(channel, lambda provider: provider.fetch_inbox(""))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_workers_meeting_one_expiry_refresh_it_once_and_all_go_on(workspace, oauth_server, oauth_api):
    channel = connect_test_channel(workspace, oauth_server.url, oauth_api.url)
    expired_by_our_clock(channel)
    before = oauth_server.stats()["refreshes"]
    start, read = threading.Barrier(8), []

    def worker() -> None:
        start.wait()
        try:
            read.append(read_inbox(Channel.objects.get(pk=channel.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(read) == 8, "every worker read the inbox"
    assert oauth_server.stats()["refreshes"] == before + 1
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE
    assert oauth2.grant_from_credentials(channel.credentials).expires_at > clock.now() + timedelta(minutes=30)


def test_a_refresh_token_used_already_marks_the_channel_needs_reconnect_and_notifies_once(
        workspace, oauth_server, oauth_api):
    channel = connect_test_channel(workspace, oauth_server.url, oauth_api.url)
    # Spent elsewhere (a copy of Stoa restored from a backup, say): the network takes each refresh token once.
    channel.provider().refresh(oauth2.grant_from_credentials(channel.credentials))
    expired_by_our_clock(channel)

    for _ in range(2):
        with pytest.raises(ProviderError) as refused:
            read_inbox(channel)
        assert refused.value.kind == ErrorKind.AUTHORIZATION

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT and "Connect the channel again" in channel.status_reason
    assert Notification.objects.filter(kind="channel_needs_reconnect").count() == 1


def test_a_revoked_grant_marks_the_channel_needs_reconnect(workspace):
    if reason := oauth_peer_missing():
        pytest.skip(reason)
    with strict_oauth_server() as oauth, ResourceServer(oauth) as api:
        channel = connect_test_channel(workspace, oauth.url, api.url)
        oauth.revoke_all()  # the person took Stoa's access away on the network
        expired_by_our_clock(channel)
        with pytest.raises(ProviderError):
            read_inbox(channel)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT


def test_a_refresh_the_network_could_not_answer_is_transient_and_leaves_the_channel_connected(workspace):
    if reason := oauth_peer_missing():
        pytest.skip(reason)
    with strict_oauth_server() as oauth, ResourceServer(oauth) as api:
        channel = connect_test_channel(workspace, oauth.url, api.url)
    expired_by_our_clock(channel)  # and the network's authorization server is down
    with pytest.raises(ProviderError) as caught:
        read_inbox(channel)
    assert caught.value.kind == ErrorKind.TRANSIENT
    channel.refresh_from_db()
    assert channel.status != ChannelStatus.NEEDS_RECONNECT
    assert not Notification.objects.filter(kind="channel_needs_reconnect").exists()


def test_a_missing_permission_is_named_and_does_not_ask_to_reconnect(owner, workspace, oauth_server, oauth_api):
    channel = connect_test_channel(workspace, oauth_server.url, oauth_api.url, scopes=("read",))
    [publication] = schedule(owner, workspace, [channel], text="Open on Saturday")
    make_due(publication)

    drain()

    publication = reload(publication)
    assert publication.state == State.FAILED and "“publish” permission" in publication.last_error
    assert "reconnect" not in publication.last_error.lower()
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE
    assert not Notification.objects.filter(kind="channel_needs_reconnect").exists()


def test_a_save_over_credentials_read_before_a_newer_save_is_refused(channel):
    stale_copy = Channel.objects.get(pk=channel.pk)
    seen = credentials.load(channel).version

    assert credentials.save(channel, {"access_token": "refreshed"}, seen)
    assert not credentials.save(stale_copy, {"access_token": "stale"}, seen)
    assert credentials.load(stale_copy) == credentials.Held({"access_token": "refreshed"}, seen + 1)


def test_an_access_token_refused_before_our_clock_says_it_expired_is_refreshed_once_and_the_call_retried(workspace):
    if reason := oauth_peer_missing():
        pytest.skip(reason)
    # Two seconds, counted from the whole second the token is issued in: a new token lives at least one.
    with strict_oauth_server(access_token_seconds=2) as oauth, ResourceServer(oauth) as api:
        channel = connect_test_channel(workspace, oauth.url, api.url)
        expires_at(channel, clock.now() + timedelta(hours=1))  # our clock thinks it good for an hour
        time.sleep(2.1)
        api.add_comment("page-1", "Do you deliver to Jaffa?")

        page = read_inbox(channel)

        assert [m.text for m in page.items] == ["Do you deliver to Jaffa?"]
        assert oauth.stats()["refreshes"] == 1 and api.stats()["refused"] == {"expired": 1}


def test_publishing_reconciling_polling_and_replying_refresh_through_the_owner(
        owner, workspace, oauth_server, oauth_api):
    channel = connect_test_channel(workspace, oauth_server.url, oauth_api.url)
    first = oauth_server.stats()["refreshes"]

    def refreshes() -> int:
        return oauth_server.stats()["refreshes"] - first

    expired_by_our_clock(channel)
    published, unknown = schedule(owner, workspace, [channel], text="Fresh bread at seven")[0], \
        schedule(owner, workspace, [channel], text="Fresh bread at eight", in_seconds=3600)[0]
    make_due(published)
    drain()
    assert reload(published).state == State.PUBLISHED and refreshes() == 1

    make_due(unknown)
    Engine(owner="crashed").claim_next()  # died before it sent anything
    Publication.objects.filter(pk=unknown.pk).update(state=State.UNKNOWN, reconcile_at=timezone.now())
    expired_by_our_clock(channel)
    drain()
    assert reload(unknown).state == State.PUBLISHED and refreshes() == 2
    assert oauth_api.stats()["posts"] == 2 and oauth_api.stats()["duplicate_posts"] == 0

    expired_by_our_clock(channel)
    oauth_api.add_comment("page-1", "Is there bread without gluten?")
    assert poll_channel(Channel.objects.get(pk=channel.pk)).new == 1 and refreshes() == 3

    expired_by_our_clock(channel)
    reply = send_reply(owner, Item.objects.get(channel=channel), "Yes, on Fridays.")
    assert reply.state == ReplyState.SENT and refreshes() == 4
    assert oauth_api.stats()["refused"] == {}, "no call went out on an expired token"


@pytest.mark.bluesky
@pytest.mark.django_db(transaction=True)
def test_workers_meeting_an_expired_bluesky_session_renew_it_once_through_the_owner(workspace, bluesky_network):
    from tests.providers.test_bluesky import provider_for, recording_client

    alice = bluesky_network.accounts["alice"]
    signed_in = provider_for(bluesky_network, alice)
    signed_in.connect()
    channel = Channel(workspace=workspace, network="bluesky", name="Alice",
                      config={"pds_url": bluesky_network.pds_url})
    channel.credentials = {"identifier": alice.handle, "app_password": alice.app_password, **signed_in.credentials,
                           "accessJwt": bluesky_network.expired(signed_in.credentials["accessJwt"])}
    channel.save()
    calls: list[str] = []
    http = recording_client(calls)
    start, sessions = threading.Barrier(4), []

    def worker() -> None:
        start.wait()
        try:
            mine = Channel.objects.get(pk=channel.pk)
            sessions.append(credentials.using(mine, lambda p: p.call("com.atproto.server.getSession"), http=http))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [s["did"] for s in sessions] == [alice.did] * 4
    assert calls.count("com.atproto.server.refreshSession") == 1 and "com.atproto.server.createSession" not in calls
    saved = Channel.objects.get(pk=channel.pk).credentials
    assert saved["refreshJwt"] != signed_in.credentials["refreshJwt"] and saved["app_password"] == alice.app_password
