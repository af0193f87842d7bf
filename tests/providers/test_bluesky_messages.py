"""Bluesky direct messages, through the chat service the PDS proxies to, answered as the chat.bsky.convo
lexicons describe (getLog, sendMessage) and app.bsky.actor.getProfiles. No local chat service exists, so
these requests are answered here, shaped exactly by those lexicons."""

import json

import httpx

from stoa.providers.base import ReplyTo
from stoa.providers.bluesky.inbox import CHAT_PROXY
from tests.providers.test_bluesky import SIGNED_IN, mock_provider

DANA = "did:plc:dana"
LOG = [
    {"$type": "chat.bsky.convo.defs#logBeginConvo", "rev": "1", "convoId": "convo-1"},
    {"$type": "chat.bsky.convo.defs#logCreateMessage", "rev": "2", "convoId": "convo-1",
     "message": {"$type": "chat.bsky.convo.defs#messageView", "id": "msg-1", "rev": "2",
                 "text": "היי, אפשר להזמין עוגה ליום שישי?", "sender": {"did": DANA},
                 "sentAt": "2026-12-02T08:00:00Z"}},
    {"$type": "chat.bsky.convo.defs#logCreateMessage", "rev": "3", "convoId": "convo-1",
     "message": {"$type": "chat.bsky.convo.defs#messageView", "id": "msg-2", "rev": "3", "text": "בטח!",
                 "sender": {"did": SIGNED_IN["did"]}, "sentAt": "2026-12-02T08:01:00Z"}},
    {"$type": "chat.bsky.convo.defs#logReadMessage", "rev": "4", "convoId": "convo-1",
     "message": {"$type": "chat.bsky.convo.defs#messageView", "id": "msg-2", "rev": "3", "text": "בטח!",
                 "sender": {"did": SIGNED_IN["did"]}, "sentAt": "2026-12-02T08:01:00Z"}},
    {"$type": "chat.bsky.convo.defs#logDeleteMessage", "rev": "5", "convoId": "convo-1",
     "message": {"$type": "chat.bsky.convo.defs#deletedMessageView", "id": "msg-1", "rev": "5",
                 "sender": {"did": DANA}, "sentAt": "2026-12-02T08:00:00Z"}},
]
PROFILE = {"did": DANA, "handle": "dana.test", "displayName": "Dana", "viewer": {"followedBy": "at://x/y/z"}}


class ChatService:
    def __init__(self):
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        nsid = request.url.path.removeprefix("/xrpc/")
        if nsid == "com.atproto.server.createSession":
            return httpx.Response(200, json=SIGNED_IN)
        if nsid == "chat.bsky.convo.getLog":
            assert request.headers["atproto-proxy"] == CHAT_PROXY
            if request.url.params.get("cursor") == "5":
                return httpx.Response(200, json={"cursor": "5", "logs": []})
            return httpx.Response(200, json={"cursor": "5", "logs": LOG})
        if nsid == "app.bsky.actor.getProfiles":
            assert request.url.params.get_list("actors") == [DANA]
            return httpx.Response(200, json={"profiles": [PROFILE]})
        if nsid == "chat.bsky.convo.sendMessage":
            assert request.headers["atproto-proxy"] == CHAT_PROXY
            body = json.loads(request.content)
            return httpx.Response(200, json={"id": "msg-3", "rev": "6", "text": body["message"]["text"],
                                             "sender": {"did": SIGNED_IN["did"]}, "sentAt": "2026-12-02T08:05:00Z"})
        raise AssertionError(f"unexpected {nsid}")


def test_direct_messages_come_from_the_chat_log_with_their_senders():
    chat = ChatService()
    page = mock_provider(chat).fetch_messages("")
    first, deleted = page.items
    assert (first.remote_id, first.kind, first.text) == ("convo-1:msg-1", "message", "היי, אפשר להזמין עוגה ליום שישי?")
    assert (first.author.handle, first.author.follows_brand) == ("dana.test", True)
    assert deleted.remote_id == "convo-1:msg-1" and deleted.deleted  # the brand's own messages are not listed
    assert page.cursor == "5"
    assert mock_provider(ChatService()).fetch_messages("5").items == ()


def test_a_direct_message_is_answered_in_its_conversation():
    chat = ChatService()
    published = mock_provider(chat).reply(ReplyTo("convo-1:msg-1", "message"), "כן, עד 14:00")
    sent = json.loads(chat.requests[-1].content)
    assert sent == {"convoId": "convo-1", "message": {"text": "כן, עד 14:00"}}
    assert published.remote_id == "convo-1:msg-3"


def test_a_message_deleted_after_it_was_read_is_kept_and_marked(workspace):
    from stoa.inbox.actions import ingest
    from stoa.inbox.models import Item
    from tests.inbox.test_ingest import ByFirstWord
    from tests.web.test_journey import bluesky_channel

    channel = bluesky_channel(workspace)
    first, deleted = mock_provider(ChatService()).fetch_messages("").items
    ingest(channel, [first], ByFirstWord())
    ingest(channel, [deleted], ByFirstWord())
    item = Item.objects.get()
    assert item.deleted_on_network and item.text == "היי, אפשר להזמין עוגה ליום שישי?"


def test_a_deletion_of_a_message_never_read_keeps_nothing(workspace):
    from stoa.inbox.actions import ingest
    from stoa.inbox.models import Item
    from tests.inbox.test_ingest import ByFirstWord
    from tests.web.test_journey import bluesky_channel

    _first, deleted = mock_provider(ChatService()).fetch_messages("").items
    ingest(bluesky_channel(workspace), [deleted], ByFirstWord())
    assert not Item.objects.exists()


def test_a_message_written_and_deleted_between_two_reads_is_kept_and_marked(workspace):
    from stoa.inbox.actions import ingest
    from stoa.inbox.models import Item
    from tests.inbox.test_ingest import ByFirstWord
    from tests.web.test_journey import bluesky_channel

    ingest(bluesky_channel(workspace), mock_provider(ChatService()).fetch_messages("").items, ByFirstWord())
    item = Item.objects.get()
    assert item.deleted_on_network and item.text.startswith("היי")
