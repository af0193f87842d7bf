"""Reading what people write to a brand on a real local AT Protocol network with its AppView
(PLC, PDS, AppView indexing into PostgreSQL), and answering them."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import httpx
import pytest

from stoa.inbox.actions import ingest
from stoa.inbox.models import Item, Kind
from stoa.posts.models import Publication, State
from stoa.providers.base import Attempt, Draft, ReplyTo
from tests.core.helpers import schedule
from tests.providers.test_bluesky import provider_for

if TYPE_CHECKING:
    from tests.providers.bluesky_network import LocalAccount, LocalNetwork

pytest_plugins = ["tests.providers.bluesky_network"]
pytestmark = [pytest.mark.bluesky, pytest.mark.usefixtures("publication_ids_of_their_own")]


def write(network: LocalNetwork, account: LocalAccount, record: dict, collection: str = "app.bsky.feed.post") -> dict:
    """What someone else does on the network, straight through the PDS with their own session."""
    session = httpx.post(f"{network.pds_url}/xrpc/com.atproto.server.createSession",
                         json={"identifier": account.handle, "password": account.password}).json()
    response = httpx.post(f"{network.pds_url}/xrpc/com.atproto.repo.createRecord",
                          headers={"Authorization": f"Bearer {session['accessJwt']}"},
                          json={"repo": account.did, "collection": collection,
                                "record": {"createdAt": datetime.now(UTC).isoformat(), **record}})
    response.raise_for_status()
    return response.json()


def seen_by(network, account, uri: str) -> bool:
    """Whether the account's app shows the post, that is the AppView has it. Only then can a person answer it, and
    only then is the answer a notification: the AppView notifies nobody of a reply indexed before its post."""
    session = httpx.post(f"{network.pds_url}/xrpc/com.atproto.server.createSession",
                         json={"identifier": account.handle, "password": account.password}).json()
    answer = httpx.get(f"{network.pds_url}/xrpc/app.bsky.feed.getPosts", params={"uris": [uri]},
                       headers={"Authorization": f"Bearer {session['accessJwt']}"})
    return answer.status_code == 200 and bool(answer.json().get("posts"))


def wait_for(read, *uris: str, seconds: float = 20):
    """The AppView indexes what the PDS emits a moment later: read until these posts have arrived."""
    deadline = time.monotonic() + seconds
    while True:
        page = read()
        if set(uris) <= {i.remote_id for i in page.items} or time.monotonic() > deadline:
            return page
        time.sleep(0.3)


def both(conversation) -> tuple[str, str]:
    return conversation["reply"]["uri"], conversation["mention"]["uri"]


@pytest.fixture(scope="session")  # once per network: pytest may interleave this module with others
def conversation(bluesky_appview_network):
    """Alice is the brand. Bob follows her and answers her post; Carol, who does not, mentions her
    and writes about the café without tagging it; Bob also likes the post (not a message)."""
    network = bluesky_appview_network
    alice, bob, carol = (network.accounts[n] for n in ("alice", "bob", "carol"))
    brand = provider_for(network, alice)
    post = brand.publish(Draft(text="Winter menu at Kafe Yafo ☕"), Attempt("inbox-1", datetime.now(UTC)))
    ref = {"uri": post.remote_id, "cid": brand.find_post(post.remote_id.rsplit("/", 1)[1])[0]["cid"]}
    deadline = time.monotonic() + 30
    while not seen_by(network, bob, post.remote_id) and time.monotonic() < deadline:
        time.sleep(0.2)  # Bob answers what his app shows him (see seen_by)
    write(network, bob, {"subject": alice.did}, "app.bsky.graph.follow")
    reply = write(network, bob, {"text": "הקפה היה קר והמלצר התעלם מאיתנו", "reply": {"root": ref, "parent": ref}})
    mention = write(network, carol, {"text": f"@{alice.handle} do you deliver to Jaffa?", "facets": [{
        "index": {"byteStart": 0, "byteEnd": len(alice.handle) + 1},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": alice.did}]}]})
    found = write(network, carol, {"text": "Best shakshuka in town is at Kafe Yafo"})
    write(network, bob, {"subject": ref}, "app.bsky.feed.like")
    return {"network": network, "brand": brand, "post": post, "reply": reply, "mention": mention, "found": found}


def test_replies_and_mentions_arrive_with_their_thread_and_author(conversation):
    page = wait_for(lambda: conversation["brand"].fetch_inbox(""), *both(conversation))
    items = {i.remote_id: i for i in page.items}
    assert {conversation["reply"]["uri"], conversation["mention"]["uri"]} <= set(items)
    assert all("/app.bsky.feed.post/" in uri for uri in items)  # the like and the follow are not messages
    reply, mention = items[conversation["reply"]["uri"]], items[conversation["mention"]["uri"]]
    assert (reply.kind, reply.root_remote_id, reply.parent_remote_id) == ("comment", conversation["post"].remote_id,
                                                                          conversation["post"].remote_id)
    assert reply.text == "הקפה היה קר והמלצר התעלם מאיתנו" and reply.author.handle == "bob.test"
    assert reply.author.follows_brand is True and mention.author.follows_brand is False
    assert mention.kind == "mention" and reply.url.startswith("https://bsky.app/profile/bob.test/post/")
    assert page.cursor  # the newest indexedAt, kept for the next read


def test_the_next_read_brings_only_what_is_new(conversation):
    brand, network = conversation["brand"], conversation["network"]
    first = wait_for(lambda: brand.fetch_inbox(""), *both(conversation))
    assert brand.fetch_inbox(first.cursor).items == ()
    later = write(network, network.accounts["bob"], {"text": "still waiting for an answer"})
    # A plain post is no message to the brand; a reply in its thread is.
    ref = {"uri": conversation["post"].remote_id,
           "cid": brand.find_post(conversation["post"].remote_id.rsplit("/", 1)[1])[0]["cid"]}
    again = write(network, network.accounts["carol"], {"text": "me too", "reply": {"root": ref, "parent": ref}})
    page = wait_for(lambda: brand.fetch_inbox(first.cursor), again["uri"])
    assert [i.remote_id for i in page.items] == [again["uri"]] and later["uri"] not in str(page.items)


def test_search_finds_the_brand_named_by_someone_who_did_not_tag_it(conversation):
    page = wait_for(lambda: conversation["brand"].search("Kafe Yafo", ""), conversation["found"]["uri"])
    assert [i.remote_id for i in page.items] == [conversation["found"]["uri"]]  # not the brand's own post
    assert page.items[0].kind == "search" and page.items[0].author.follows_brand is False


def test_a_reply_goes_into_the_thread_of_the_brands_post(conversation):
    network, brand = conversation["network"], conversation["brand"]
    answer = brand.reply(ReplyTo(conversation["reply"]["uri"], "comment"), "מצטערים! נשמח לפצות, כתבנו לך בהודעה פרטית")
    record = network.get_record(answer.remote_id)["value"]
    assert record["reply"]["root"]["uri"] == conversation["post"].remote_id
    assert record["reply"]["parent"]["uri"] == conversation["reply"]["uri"]


def brand_channel(network, workspace, **config):
    from stoa.channels.models import Channel

    # The local network has no chat service: direct messages are tested in test_bluesky_messages.py, and the
    # PDS is not sent looking for Bluesky's real one.
    channel = Channel(workspace=workspace, network="bluesky", name="Kafe Yafo",
                      config={"pds_url": network.pds_url, "read_direct_messages": False, **config})
    channel.credentials = {"identifier": network.accounts["alice"].handle,
                           "app_password": network.accounts["alice"].app_password}
    channel.save()
    return channel


def test_fetched_messages_land_in_the_inbox_under_the_brands_post(conversation, owner, workspace):
    network = conversation["network"]
    channel = brand_channel(network, workspace)
    publication = schedule(owner, workspace, [channel], text="Winter menu at Kafe Yafo ☕")[0]
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED,
                                                         remote_id=conversation["post"].remote_id)
    page = wait_for(lambda: channel.provider().fetch_inbox(""), *both(conversation))
    ingest(channel, page.items)
    ingest(channel, page.items)  # read twice: kept once
    comment = Item.objects.get(kind=Kind.COMMENT, remote_id=conversation["reply"]["uri"])
    assert comment.publication_id == publication.pk and comment.language == "he"
    # Kept once though read twice. Other tests of the session share the network, so other mentions may be there.
    assert Item.objects.filter(kind=Kind.MENTION, remote_id=conversation["mention"]["uri"]).count() == 1
    assert Item.objects.count() == Item.objects.values("remote_id").distinct().count()


def test_polling_reads_from_where_it_stopped_and_searches_the_brands_names(conversation, workspace):
    from stoa.inbox.models import Cursor
    from stoa.inbox.polling import poll_channel

    network = conversation["network"]
    channel = brand_channel(network, workspace, search_terms=["Kafe Yafo"])
    wait_for(lambda: channel.provider().fetch_inbox(""), *both(conversation))
    first = poll_channel(channel)
    assert first.new >= 3 and Item.objects.filter(kind=Kind.SEARCH, remote_id=conversation["found"]["uri"]).exists()
    assert set(Cursor.objects.filter(channel=channel).values_list("stream", flat=True)) == {
        "notifications", "search:Kafe Yafo"}
    assert all(Cursor.objects.filter(channel=channel).values_list("position", flat=True))
    assert poll_channel(channel).new == 0
    channel.refresh_from_db()
    assert "accessJwt" in channel.credentials  # the session is kept, not signed in again every minute


def test_rejected_credentials_stop_the_polling_and_ask_for_a_reconnect(conversation, workspace):
    from stoa.channels.models import Channel, ChannelStatus
    from stoa.inbox.polling import poll_channel

    channel = Channel(workspace=workspace, network="bluesky", name="Kafe Yafo",
                      config={"pds_url": conversation["network"].pds_url, "read_direct_messages": False})
    channel.credentials = {"identifier": "alice.test", "app_password": "wrong-wrong-wrong"}
    channel.save()
    assert poll_channel(channel).new == 0
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT


def test_answering_and_hiding_from_the_inbox_reach_the_network(conversation, owner, workspace):
    from stoa.inbox import answers
    from stoa.inbox.models import Policy, ReplyState

    network, brand = conversation["network"], conversation["brand"]
    post = conversation["post"].remote_id
    # A reply of its own: the one the other tests read must stay visible (hidden replies leave the notifications).
    ref = {"uri": post, "cid": brand.find_post(post.rsplit("/", 1)[1])[0]["cid"]}
    rude = write(network, network.accounts["bob"], {"text": "call me on 050-1234567 NOW", "reply": {
        "root": ref, "parent": ref}})
    channel = brand_channel(network, workspace)
    ingest(channel, wait_for(lambda: channel.provider().fetch_inbox(""), rude["uri"]).items)
    comment = Item.objects.get(remote_id=rude["uri"])
    reply = answers.send_reply(owner, comment, "סליחה! שלחנו לך שובר לקפה")
    assert reply.state == ReplyState.SENT and reply.remote_url.startswith("https://bsky.app/profile/alice.test/")
    assert network.get_record(reply.remote_id)["value"]["reply"]["parent"]["uri"] == comment.remote_id
    comment.refresh_from_db()
    assert comment.first_response_at == reply.sent_at

    Policy.objects.update_or_create(workspace=workspace, defaults={"hiding_allowed": True})
    answers.hide(owner, comment, "Shares a customer's phone number")
    gate = network.get_record(post.replace("app.bsky.feed.post", "app.bsky.feed.threadgate"))["value"]
    assert gate["post"] == post and gate["hiddenReplies"] == [comment.remote_id]
    assert network.get_record(comment.remote_id) is not None  # hidden, not deleted
