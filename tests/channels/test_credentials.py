"""One owner of a channel's tokens (stoa/channels/credentials.py), against the strict OAuth 2.0 server: each refresh
token is good once, so a second refresh of one expiry would be refused and show."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
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
ROOT = Path(__file__).resolve().parents[2]


def expires_at(channel: Channel, moment) -> None:
    """Our clock's idea of when the channel's access token expires, saved as the owner saves."""
    held = credentials.load(channel)
    assert credentials.save(channel, {**held.credentials, oauth2.EXPIRES_AT: moment.isoformat()}, held.version)


def expired_by_our_clock(channel: Channel) -> None:
    expires_at(channel, clock.now() - timedelta(seconds=1))


def read_inbox(channel: Channel):
    return credentials.using(channel, lambda provider: provider.fetch_inbox(""))


def in_a_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """`work` started in a thread of its own, with its own database connection; what it returned or raised lands in
    the list."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # noqa: BLE001 - the test looks at it
            outcome.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


class SlowTokenEndpoint:
    """The strict server's token endpoint behind a slow link: the first token request waits `before` seconds before
    it reaches the server and `after` seconds before the server's answer comes back; the rest pass straight through.
    `reached` is set when that request came in, `answered` when the server answered it. A wait still running when the
    block ends is cut short: nothing more is sent on, nothing answered."""

    def __init__(self, oauth, *, before: float = 0.0, after: float = 0.0):
        self.oauth, self.before, self.after = oauth, before, after
        self.reached, self.answered, self.closing = threading.Event(), threading.Event(), threading.Event()
        self.slow_left = 1
        self.lock = threading.Lock()

    def __enter__(self) -> "SlowTokenEndpoint":
        link = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                slow = link.take_slow()
                if slow and link.closing.wait(link.before):
                    return
                answer = httpx.post(f"{link.oauth.url}{self.path}", content=body,
                                    headers={"Content-Type": self.headers.get("Content-Type", "")})
                if slow:
                    link.answered.set()
                if slow and link.closing.wait(link.after):
                    return
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def take_slow(self) -> bool:
        with self.lock:
            slow, self.slow_left = self.slow_left > 0, self.slow_left - 1
        if slow:
            self.reached.set()
        return slow

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def put_in_front_of(self, channel: Channel) -> None:
        """The channel's provider asks for tokens through this link from now on."""
        Channel.objects.filter(pk=channel.pk).update(config={**channel.config, "server_url": self.url})


REFRESHER = """
import sys

import django

django.setup()
from django.db import connection

connection.settings_dict["NAME"] = sys.argv[1]  # the test's database

from stoa.channels import credentials
from stoa.channels.models import Channel

credentials.using(Channel.objects.get(pk=int(sys.argv[2])), lambda provider: provider.fetch_inbox(""))
"""


def start_refresher_process(channel: Channel) -> subprocess.Popen:
    """Another worker, a process of its own, that reads the channel's inbox (and so refreshes its expired token)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.Popen([sys.executable, "-c", REFRESHER, str(connection.settings_dict["NAME"]), str(channel.pk)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def killed_once_its_refresh_is(refresher: subprocess.Popen, underway: threading.Event) -> None:
    if not underway.wait(60):
        refresher.kill()
        pytest.fail(f"the refresher never got to refresh: {refresher.communicate()[1].decode()[-2000:]}")
    refresher.kill()
    refresher.wait(10)


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refresh_does_not_hold_up_other_writers_while_the_network_answers(
        owner, workspace, oauth_server, oauth_api, settings):
    settings.STOA_HTTP_TIMEOUT_SECONDS = 5  # the token endpoint takes two
    channel = connect_test_channel(workspace, oauth_server.url, oauth_api.url)
    [due] = schedule(owner, workspace, [channel], text="Open until nine tonight")
    make_due(due)
    expired_by_our_clock(channel)
    before = oauth_server.stats()["refreshes"]

    with SlowTokenEndpoint(oauth_server, before=2) as slow_link:
        slow_link.put_in_front_of(channel)
        refresher, read = in_a_thread(lambda: read_inbox(Channel.objects.get(pk=channel.pk)))
        assert slow_link.reached.wait(10), "the refresh went out"
        started = time.monotonic()
        claim = Engine(owner="another worker").claim_next()  # a write, as SQLite's one writer at a time
        claimed_in = time.monotonic() - started
        refresher.join()

    assert claim is not None and claim.publication.pk == due.pk
    assert claimed_in < 0.5, f"the claim waited {claimed_in:.1f} s for the refresh to come back"
    assert not isinstance(read[0], Exception), read[0]
    assert oauth_server.stats()["refreshes"] == before + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refresher_killed_mid_refresh_only_delays_the_next_refresh_until_its_lease_ends(
        workspace, oauth_server, oauth_api):
    channel = connect_test_channel(workspace, oauth_server.url, oauth_api.url)
    expired_by_our_clock(channel)
    oauth_api.add_comment("page-1", "Are you open on the holiday?")
    before = oauth_server.stats()["refreshes"]

    with SlowTokenEndpoint(oauth_server, before=60) as slow_link:  # its request never reaches the network
        slow_link.put_in_front_of(channel)
        connection.close()  # the refresher opens the database on its own
        killed_once_its_refresh_is(start_refresher_process(channel), slow_link.reached)
        leased_until = Channel.objects.get(pk=channel.pk).credentials_renewing_until

        page = read_inbox(Channel.objects.get(pk=channel.pk))

    assert leased_until is not None and clock.now() >= leased_until, "the next worker waited for the lease to end"
    assert [m.text for m in page.items] == ["Are you open on the holiday?"]
    assert oauth_server.stats()["refreshes"] == before + 1
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE and channel.credentials_renewing_until is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_refresher_killed_after_the_network_rotated_the_token_leaves_the_channel_needing_reconnect_saying_why(
        workspace, oauth_server, oauth_api):
    channel = connect_test_channel(workspace, oauth_server.url, oauth_api.url)
    expired_by_our_clock(channel)
    before = oauth_server.stats()["refused"]

    with SlowTokenEndpoint(oauth_server, after=60) as slow_link:  # the network rotates; the answer never comes back
        slow_link.put_in_front_of(channel)
        connection.close()
        killed_once_its_refresh_is(start_refresher_process(channel), slow_link.answered)
        for _ in range(2):
            with pytest.raises(ProviderError) as refused:
                read_inbox(Channel.objects.get(pk=channel.pk))
            assert refused.value.kind == ErrorKind.AUTHORIZATION

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "stopped in the middle of refreshing" in channel.status_reason
    assert "Connect the channel again" in channel.status_reason
    assert Notification.objects.filter(kind="channel_needs_reconnect").count() == 1
    assert oauth_server.stats()["refused"] == before + 2, "one refused refresh per call, no loop"


@pytest.mark.bluesky
@pytest.mark.django_db(transaction=True)
def test_workers_finding_no_bluesky_session_sign_in_once_through_the_owner(workspace, bluesky_network):
    from tests.providers.test_bluesky import recording_client

    alice = bluesky_network.accounts["alice"]
    channel = Channel(workspace=workspace, network="bluesky", name="Alice",
                      config={"pds_url": bluesky_network.pds_url})
    channel.credentials = {"identifier": alice.handle, "app_password": alice.app_password}
    channel.save()
    calls: list[str] = []
    http = recording_client(calls)
    start = threading.Barrier(4)

    def worker() -> object:
        start.wait()
        return credentials.using(Channel.objects.get(pk=channel.pk),
                                 lambda p: p.call("com.atproto.server.getSession"), http=http)

    workers = [in_a_thread(worker) for _ in range(4)]
    for thread, _ in workers:
        thread.join()

    assert [session["did"] for _, [session] in workers] == [alice.did] * 4
    assert calls.count("com.atproto.server.createSession") == 1
    assert Channel.objects.get(pk=channel.pk).credentials["app_password"] == alice.app_password
