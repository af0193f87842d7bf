"""Mastodon's notification stream (server-sent events): messages arrive as they happen and the worker reconnects.
Against a local Mastodon (mastodon-mock), and against a small server that speaks the stream as documented
(docs.joinmastodon.org/methods/streaming/) for what the mock never sends: garbled events, deletions, and a
stream the server ends."""

import json
import threading
import time

import httpx
import pytest

from stoa import clock
from stoa.channels.models import Channel
from stoa.inbox.models import Item
from stoa.inbox.streaming import stream_channel
from stoa.providers.base import Attempt, Draft, ErrorKind, ProviderError
from stoa.providers.mastodon.inbox import server_sent_events
from stoa.providers.mastodon.provider import MastodonProvider
from tests.local_http import JSONHandler, serving
from tests.providers.test_mastodon import CONNECTED, TOKEN, fixture

NOTIFICATIONS = fixture("notifications")["body"]
RELATIONSHIPS = fixture("relationships")["body"]


class StreamingServer(JSONHandler):
    """GET /api/v1/streaming/user/notification as text/event-stream: a heartbeat, a mention, a favourite, a
    garbled event and a direct message, then the connection ends. The REST calls a reconnect makes are
    answered from the same fixtures."""

    connections = 0

    def do_GET(self):  # noqa: N802 - the http.server name
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.answer(401, {"error": "The access token is invalid"})
        if self.path.startswith("/api/v1/streaming/user/notification"):
            StreamingServer.connections += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            events = [":thump\n\n", f"event: notification\ndata: {json.dumps(NOTIFICATIONS[0])}\n\n",
                      f"event: notification\ndata: {json.dumps(NOTIFICATIONS[3])}\n\n",
                      "event: notification\ndata: {not json\n\n", "event: update\ndata: {}\n\n",
                      f"event: notification\ndata: {json.dumps(NOTIFICATIONS[1])}\n\n",
                      "event: delete\ndata: 110000000000000103\n\n"]
            for event in events:
                self.wfile.write(event.encode())
                self.wfile.flush()
            return None
        if self.path.startswith("/api/v1/notifications"):
            return self.answer(200, [])
        if self.path.startswith("/api/v1/accounts/relationships"):
            return self.answer(200, RELATIONSHIPS)
        return self.answer(404, {"error": "Record not found"})



@pytest.fixture
def server():
    StreamingServer.connections = 0
    with serving(StreamingServer) as url:
        yield url


def test_server_sent_events_are_read_as_the_standard_says():
    lines = [":heartbeat", "event: notification", "data: {\"a\":", "data: 1}", "", "data: plain", "", "event: x"]
    assert list(server_sent_events(lines, threading.Event())) == [("notification", '{"a":\n1}'), ("message", "plain")]


def test_mentions_arrive_from_the_stream_and_the_rest_is_skipped(server):
    mastodon = MastodonProvider({**CONNECTED, "instance_url": server, "streaming_url": server},
                                {"access_token": TOKEN})
    pages = []
    with pytest.raises(ProviderError) as ended:
        mastodon.stream_inbox(pages.append, threading.Event())
        raise ProviderError("the stream ended", ErrorKind.TRANSIENT)  # the server closed it cleanly
    assert ended.value.kind == ErrorKind.TRANSIENT
    assert [p.items[0].remote_id for p in pages] == ["110000000000000103", "110000000000000102",
                                                     "110000000000000103"]
    assert pages[2].items[0].deleted
    assert pages[1].items[0].kind == "message" and pages[0].items[0].author.follows_brand is False


@pytest.mark.django_db(transaction=True)  # the stream thread has a database connection of its own
def test_the_worker_keeps_the_stream_and_puts_messages_in_the_inbox(server, workspace):
    channel = Channel(workspace=workspace, network="mastodon", name="Kafe Yafo",
                      config={**CONNECTED, "instance_url": server, "streaming_url": server})
    channel.credentials = {"access_token": TOKEN}
    channel.save()
    stop = threading.Event()
    worker = threading.Thread(target=stream_channel, args=(channel.pk, stop), daemon=True)
    worker.start()
    deadline = threading.Event()
    for _ in range(100):  # it reconnects after each end, with a pause
        if StreamingServer.connections >= 2:
            break
        deadline.wait(0.05)
    stop.set()
    worker.join(timeout=10)
    assert StreamingServer.connections >= 2 and not worker.is_alive()
    assert set(Item.objects.values_list("remote_id", flat=True)) == {"110000000000000103", "110000000000000102"}
    assert Item.objects.get(remote_id="110000000000000103").deleted_on_network  # its author deleted it, Stoa kept it


def watch_stream_connections(monkeypatch) -> threading.Event:
    """Set once a channel's provider has the notification stream open: only then does what happens arrive by it
    (a stream does not replay; the catch-up poll before it reads the rest)."""
    connected, provider = threading.Event(), Channel.provider

    def seen(response: httpx.Response) -> None:
        if response.url.path.endswith("/streaming/user/notification") and response.status_code == 200:
            connected.set()

    monkeypatch.setattr(Channel, "provider", lambda self, http=None: provider(
        self, http or httpx.Client(timeout=2.0, event_hooks={"response": [seen]})))
    return connected


def wait_until(found, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return result


@pytest.mark.mastodon_peer
@pytest.mark.django_db(transaction=True)
def test_danas_reply_arrives_by_the_stream_of_a_local_mastodon(mastodon_peer, workspace, monkeypatch):
    channel = mastodon_peer.channel(workspace)
    post = channel.provider().publish(Draft(text="Winter menu"), Attempt("stream-1", clock.now()))
    connected, stop = watch_stream_connections(monkeypatch), threading.Event()
    worker = threading.Thread(target=stream_channel, args=(channel.pk, stop), daemon=True)
    worker.start()
    try:
        assert connected.wait(10)
        mastodon_peer.as_fan("POST", f"/api/v1/statuses/{post.remote_id}/favourite")  # not a message
        reply = mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "@kafeyafo Is it vegan?",
                                                                        "in_reply_to_id": post.remote_id})
        item = wait_until(lambda: Item.objects.filter(remote_id=reply["id"]).first())
        assert item and item.kind == "comment" and item.text == "@kafeyafo Is it vegan?"
        assert Item.objects.count() == 1
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()


@pytest.mark.mastodon_peer
@pytest.mark.django_db(transaction=True)
def test_a_rejected_token_stops_the_stream_and_asks_for_a_reconnect(mastodon_peer, workspace):
    channel = mastodon_peer.channel(workspace)
    channel.credentials = {"access_token": "revoked-token"}
    channel.save()
    worker = threading.Thread(target=stream_channel, args=(channel.pk, threading.Event()), daemon=True)
    worker.start()
    worker.join(timeout=10)  # it ends by itself
    assert not worker.is_alive()
    channel.refresh_from_db()
    assert channel.status == "needs_reconnect"


@pytest.mark.mastodon_peer
@pytest.mark.django_db(transaction=True)
def test_a_server_without_a_stream_is_left_to_polling(mastodon_peer, workspace):
    channel = mastodon_peer.channel(workspace, streaming_url=mastodon_peer.url + "/no-streaming-here")
    worker = threading.Thread(target=stream_channel, args=(channel.pk, threading.Event()), daemon=True)
    worker.start()
    worker.join(timeout=10)  # the 404 ends it: no reconnecting forever
    assert not worker.is_alive()
    channel.refresh_from_db()
    assert channel.status == "active"
