"""Listening on Bluesky's event stream (com.atproto.sync.subscribeRepos) of a real local AT Protocol network: the
posts come as they are written, also those no search finds, and reading goes on where it stopped after a restart."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta

import cbor2
import pytest

from stoa import clock
from stoa.inbox.classifier import builtin
from stoa.listening import firehose as reader
from stoa.listening.actions import save_query
from stoa.listening.collect import listen
from stoa.listening.models import Hit, Relay
from stoa.providers.bluesky import firehose
from tests.core.helpers import prepare_data_dir, run_worker_until, worker_environment
from tests.listening.test_bluesky import brand_channel, write

pytest_plugins = ["tests.providers.bluesky_network"]


def read_until_quiet(host: str, cursor: int | None) -> list[firehose.Event]:
    """Every event after `cursor` up to the first quiet second."""
    events = []
    for event in firehose.read(host, cursor, threading.Event()):
        if event.seq is None:
            return events
        events.append(event)
    return events


@pytest.mark.bluesky
def test_the_stream_gives_each_new_post_with_its_author_and_text(bluesky_network):
    network = bluesky_network
    uri = write(network, network.accounts["bob"], "קפה יפו, the stream test ☕")
    posts = [post for event in read_until_quiet(network.pds_url, 0) for post in event.posts]
    found = {post.remote_id: post for post in posts}
    assert found[uri].text == "קפה יפו, the stream test ☕"
    assert found[uri].author.remote_id == network.accounts["bob"].did
    assert found[uri].url.endswith("/post/" + uri.rsplit("/", 1)[-1])


@pytest.mark.bluesky
@pytest.mark.usefixtures("publication_ids_of_their_own")
def test_a_post_both_the_stream_and_search_bring_is_one_hit_with_its_authors_handle(bluesky_appview_network, owner,
                                                                                   workspace):
    network = bluesky_appview_network
    channel = brand_channel(network, workspace)
    save_query(owner, workspace, {"name": "Mafiat Hashuk", "terms": "Mafiat Hashuk"})
    since = max((e.seq for e in read_until_quiet(network.pds_url, 0)), default=0)
    uri = write(network, network.accounts["carol"], "Mafiat Hashuk bakes the best rugelach")

    stream_posts = [post for event in read_until_quiet(network.pds_url, since) for post in event.posts]
    reader.keep(reader.audiences(builtin()), stream_posts)
    deadline = time.monotonic() + 30
    while listen(workspace, builtin()).duplicates == 0 and time.monotonic() < deadline:
        time.sleep(0.5)  # until the AppView's search finds it too

    hit = Hit.objects.get(workspace=workspace)
    assert (hit.remote_id, hit.channel, hit.network) == (uri, channel, "bluesky")
    assert hit.author_handle == network.accounts["carol"].handle


SETUP = """
import sys
from django.contrib.auth import get_user_model
from stoa.channels.models import Channel
from stoa.listening.actions import save_query
from stoa.workspaces.actions import create_workspace

script, pds_url, handle, app_password = sys.argv[1:5]
owner = get_user_model().objects.create_user("olga", "olga@example.com", "pw-olga-123")
workspace = create_workspace(owner, "Ugat Tapuach")
channel = Channel(workspace=workspace, network="bluesky", name="Ugat Tapuach",
                  config={"pds_url": pds_url, "read_direct_messages": False})
channel.credentials = {"identifier": handle, "app_password": app_password}
channel.save()
save_query(owner, workspace, {"name": "Ugat Tapuach", "terms": "Ugat Tapuach\\nעוגת תפוח"})
"""


def stream_hits(database) -> list[str]:
    with sqlite3.connect(database) as db:
        return [text for (text,) in db.execute("SELECT text FROM listening_hit ORDER BY id")]


def position(database) -> int | None:
    """Where the worker's reading of the stream is: None until it has read an event."""
    with sqlite3.connect(database) as db:
        found = db.execute("SELECT position FROM listening_relay").fetchall()
    return found[0][0] if found else None


@pytest.mark.bluesky
def test_stoa_worker_hears_the_stream_and_after_a_restart_goes_on_where_it_stopped(bluesky_network, tmp_path):
    """A network without an AppView has no search: only the stream can bring these posts."""
    network = bluesky_network
    alice, bob = network.accounts["alice"], network.accounts["bob"]
    database = tmp_path / "stoa.sqlite3"
    env = worker_environment(tmp_path, STOA_SECRET_KEY="firehose-test", STOA_BLUESKY_RELAY=network.pds_url,
                             STOA_INBOX_POLLING="0", STOA_STREAMING="0")
    prepare_data_dir(env, SETUP, network.pds_url, alice.handle, alice.app_password)

    written: list[str] = []

    def hear_one() -> bool:
        """Until the worker has read an event, it may not be connected yet (a first read starts live): a post of
        nothing it listens for shows it is; then the brand's."""
        if position(database) is None:
            write(network, alice, "Good morning, nothing to hear here")
            time.sleep(1)
        elif not written:
            written.append(write(network, bob, "Ugat Tapuach with cinnamon, the first one #AppleCake"))
        return len(stream_hits(database)) >= 1

    log = run_worker_until(env, tmp_path / "first.log", hear_one)
    assert stream_hits(database) == ["Ugat Tapuach with cinnamon, the first one #AppleCake"], log[-3000:]

    with sqlite3.connect(database) as db:  # Bluesky's trends are counted from the stream too
        assert db.execute("SELECT tag, uses FROM listening_streamtag").fetchall() == [("applecake", 1)]

    write(network, bob, "עוגת תפוח של סבתא, written while Stoa was stopped")
    write(network, bob, "Apple cake somewhere else entirely")
    log = run_worker_until(env, tmp_path / "second.log", lambda: len(stream_hits(database)) >= 2, then=2)
    assert stream_hits(database) == ["Ugat Tapuach with cinnamon, the first one #AppleCake",
                                     "עוגת תפוח של סבתא, written while Stoa was stopped"], log[-3000:]


def message(header: object, body: object) -> bytes:
    return cbor2.dumps(header) + cbor2.dumps(body)


def test_a_message_that_is_not_dag_cbor_is_skipped():
    assert firehose.decode(b"\xff\x00garbage") == firehose.Event(None)
    assert firehose.decode(message({"op": 1, "t": "#identity"}, {"seq": 7, "did": "did:plc:x"})) == firehose.Event(7)


def test_a_commit_whose_blocks_are_broken_brings_no_post_and_keeps_its_place():
    link = cbor2.CBORTag(42, b"\x00\x01\x71\x12\x20" + b"a" * 32)  # a CIDv1, dag-cbor, sha2-256
    op = {"action": "create", "path": "app.bsky.feed.post/3k", "cid": link}
    broken = message({"op": 1, "t": "#commit"}, {"seq": 9, "repo": "did:plc:x", "ops": [op], "blocks": b"\x05\x01"})
    assert firehose.decode(broken) == firehose.Event(9)


def test_a_position_the_server_does_not_have_is_told_apart_from_other_errors():
    with pytest.raises(firehose.CursorInFuture):
        firehose.decode(message({"op": -1}, {"error": "FutureCursor", "message": "Cursor in the future."}))
    with pytest.raises(firehose.ProviderError) as error:
        firehose.decode(message({"op": -1}, {"error": "ConsumerTooSlow"}))
    assert not isinstance(error.value, firehose.CursorInFuture)


def test_the_stream_is_read_by_one_worker_until_its_lease_lapses(db, monkeypatch):
    assert reader.take_lease("wss://relay.example") is not None
    monkeypatch.setattr(reader, "READER", "another-machine:1234:cafe")
    assert reader.take_lease("wss://relay.example") is None
    Relay.objects.update(lease_until=clock.now() - timedelta(seconds=1))  # the first reader was killed
    relay = reader.take_lease("wss://relay.example")
    assert relay is not None and relay.reader == "another-machine:1234:cafe"
