"""Bluesky provider against a real local AT Protocol network (PLC directory + PDS from
@atproto/dev-env, started by tests/peers/bluesky_network.js). Every post is read back from the PDS
with com.atproto.repo.getRecord. A few error cases need answers a healthy PDS never gives (rate
limits, garbage); those use httpx.MockTransport. No database.
"""

from __future__ import annotations

import itertools
import re
import secrets
import socket
import struct
import sys
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from stoa.providers.base import Attempt, Draft, ErrorKind, MediaFile, ProviderError
from stoa.providers.bluesky.provider import BlueskyProvider
from stoa.providers.bluesky.richtext import find_spans
from stoa.providers.bluesky.tid import attempt_rkeys, decode_tid, encode_tid, legacy_attempt_rkeys
from stoa.providers.registry import get_provider_class

if TYPE_CHECKING:
    from tests.providers.bluesky_network import LocalAccount, LocalNetwork

# The session-wide local network fixture, `bluesky_network`.
pytest_plugins = ["tests.providers.bluesky_network"]

HEBREW = "שלום עולם"
ARABIC = "مرحبا بالعالم"
EMOJI = "👩🏽‍💻🎉"
FAMILY = "👨‍👩‍👧‍👦"  # one grapheme: 7 code points, 25 UTF-8 bytes
SHALOM_WITH_NIQQUD = "שָׁלוֹם"  # 4 graphemes, 7 code points
TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")


# -- Helpers -----------------------------------------------------------------------------------


ATTEMPTS = itertools.count(secrets.randbelow(10**9) + 1)  # the network outlives a test run's first ids


def new_attempt() -> Attempt:
    """An attempt of its own publication, as the engine makes them."""
    return Attempt(key=uuid.uuid4().hex, started_at=datetime.now(UTC), publication_id=next(ATTEMPTS))


def provider_for(network: LocalNetwork, account: LocalAccount, http: httpx.Client | None = None,
                 **credentials: str) -> BlueskyProvider:
    return BlueskyProvider(
        config={"pds_url": network.pds_url},
        credentials={"identifier": account.handle, "app_password": account.app_password, **credentials},
        http=http,
    )


def recording_client(calls: list[str]) -> httpx.Client:
    """A client that notes the XRPC method of every request it sends."""

    def note(request: httpx.Request) -> None:
        calls.append(request.url.path.removeprefix("/xrpc/"))

    return httpx.Client(timeout=10, event_hooks={"request": [note]})


def png(width: int = 3, height: int = 2) -> bytes:
    """A small valid PNG (the PDS inspects uploaded images), made here so no binary is committed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([200, 30, 90]) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def image(data: bytes, alt: str, name: str = "photo.png") -> MediaFile:
    return MediaFile(filename=name, content_type="image/png", size=len(data), alt_text=alt, read=lambda: data)


def facet_texts(record: dict) -> list[tuple[str, dict]]:
    """Each facet's piece of the text (cut at its UTF-8 byte offsets) with its feature."""
    text = record["text"].encode("utf-8")
    return [(text[f["index"]["byteStart"]:f["index"]["byteEnd"]].decode("utf-8"), f["features"][0])
            for f in record.get("facets", [])]


def rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


class LoseOneAnswer(httpx.HTTPTransport):
    """Talks to the real PDS, except for the n-th createRecord: either the connection fails
    before it is sent (nothing is created), or the PDS creates the post and the answer is lost."""

    def __init__(self, nth: int, *, sent: bool):
        super().__init__()
        self.nth, self.sent, self.creates = nth, sent, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/com.atproto.repo.createRecord"):
            self.creates += 1
            if self.creates == self.nth:
                if not self.sent:
                    raise httpx.ConnectError("connection refused", request=request)
                super().handle_request(request).close()
                raise httpx.ReadTimeout("the answer was lost", request=request)
        return super().handle_request(request)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def listening_addresses(ports: set[int]) -> list[str]:
    """Addresses listening on these TCP ports, from /proc/net/tcp and tcp6 (Linux)."""
    found = []
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            pytest.skip("no /proc/net to look at")
        for line in table.read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) in ports:  # 0A: LISTEN
                found.append(proc_address(address))
    return found


def proc_address(hex_address: str) -> str:
    """/proc/net/tcp* write an address as 32-bit words in the machine's byte order."""
    words = [bytes.fromhex(hex_address[i:i + 8]) for i in range(0, len(hex_address), 8)]
    raw = b"".join(word[::-1] if sys.byteorder == "little" else word for word in words)
    return socket.inet_ntop(socket.AF_INET if len(raw) == 4 else socket.AF_INET6, raw)


def mock_provider(handler: Callable[[httpx.Request], httpx.Response], **credentials: str) -> BlueskyProvider:
    return BlueskyProvider(
        config={"pds_url": "https://pds.example"},
        credentials={"identifier": "alice.example", "app_password": "app-pass", **credentials},
        http=httpx.Client(transport=httpx.MockTransport(handler)),
    )


SIGNED_IN = {"accessJwt": "access", "refreshJwt": "refresh", "did": "did:plc:alice",
             "handle": "alice.example"}


# -- Connecting and sessions ---------------------------------------------------------------------


@pytest.mark.bluesky
def test_connect_returns_the_account_did_handle_and_profile(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    provider = provider_for(bluesky_network, alice)

    account = provider.connect()

    assert account.remote_id == alice.did
    assert account.name == "alice.test"
    assert account.url == "https://bsky.app/profile/alice.test"
    assert account.settings == {"did": alice.did, "handle": "alice.test"}
    assert provider.credentials["accessJwt"] and provider.credentials["refreshJwt"]


def test_registry_builds_the_bluesky_provider():
    assert get_provider_class("bluesky") is BlueskyProvider


@pytest.mark.bluesky
def test_local_network_listens_on_loopback_only(bluesky_network):
    ports = {httpx.URL(url).port for url in (bluesky_network.pds_url, bluesky_network.plc_url)}
    listening = listening_addresses(ports)

    assert listening and set(listening) == {"127.0.0.1"}


@pytest.mark.bluesky
def test_wrong_app_password_is_an_authorization_error(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    provider = provider_for(bluesky_network, alice, app_password="aaaa-bbbb-cccc-dddd")

    with pytest.raises(ProviderError) as caught:
        provider.connect()

    assert caught.value.kind == ErrorKind.AUTHORIZATION
    assert "Invalid identifier or password" in caught.value.message
    assert "app password" in caught.value.message


@pytest.mark.bluesky
def test_saved_session_is_reused_instead_of_signing_in_for_every_post(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    calls: list[str] = []
    first = provider_for(bluesky_network, alice, http=recording_client(calls))
    first.connect()
    saved = dict(first.credentials)  # what the engine keeps, encrypted

    for text in ("first post", "second post"):
        later = provider_for(bluesky_network, alice, http=recording_client(calls), **saved)
        later.publish(Draft(text=text), new_attempt())

    assert calls.count("com.atproto.server.createSession") == 1
    assert calls.count("com.atproto.repo.createRecord") == 2


@pytest.mark.bluesky
def test_expired_session_is_refreshed(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    signed_in = provider_for(bluesky_network, alice)
    signed_in.connect()
    expired = bluesky_network.expired(signed_in.credentials["accessJwt"])
    calls: list[str] = []
    provider = provider_for(bluesky_network, alice, http=recording_client(calls),
                            **(signed_in.credentials | {"accessJwt": expired}))

    published = provider.publish(Draft(text="after a refresh"), new_attempt())

    assert calls == ["com.atproto.repo.createRecord", "com.atproto.server.refreshSession",
                     "com.atproto.repo.createRecord"]
    assert provider.credentials["accessJwt"] != expired
    assert provider.credentials["refreshJwt"] != signed_in.credentials["refreshJwt"]  # refreshing rotates it
    assert bluesky_network.get_record(published.remote_id)["value"]["text"] == "after a refresh"


@pytest.mark.bluesky
def test_expired_refresh_token_falls_back_to_signing_in_again(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    signed_in = provider_for(bluesky_network, alice)
    signed_in.connect()
    tokens = {"accessJwt": bluesky_network.expired(signed_in.credentials["accessJwt"]),
              "refreshJwt": bluesky_network.expired(signed_in.credentials["refreshJwt"])}
    calls: list[str] = []
    provider = provider_for(bluesky_network, alice, http=recording_client(calls),
                            **(signed_in.credentials | tokens))

    published = provider.publish(Draft(text="after signing in again"), new_attempt())

    assert calls == ["com.atproto.repo.createRecord", "com.atproto.server.refreshSession",
                     "com.atproto.server.createSession", "com.atproto.repo.createRecord"]
    assert bluesky_network.get_record(published.remote_id) is not None


# -- Publishing ----------------------------------------------------------------------------------


@pytest.mark.bluesky
def test_post_with_hebrew_text_has_facets_at_utf8_byte_offsets(bluesky_network):
    alice, bob = bluesky_network.accounts["alice"], bluesky_network.accounts["bob"]
    text = (f"{HEBREW} {ARABIC} {EMOJI} @bob.test ראו https://example.com/מסלול?x=1. "
            f"#שבת_שלום #Stoa! #2026 (#not_a_tag)")
    provider = provider_for(bluesky_network, alice)

    published = provider.publish(Draft(text=text, language="he"), new_attempt())

    record = bluesky_network.get_record(published.remote_id)["value"]
    assert record["text"] == text
    assert record["langs"] == ["he"]
    assert facet_texts(record) == [
        ("@bob.test", {"$type": "app.bsky.richtext.facet#mention", "did": bob.did}),
        ("https://example.com/מסלול?x=1", {"$type": "app.bsky.richtext.facet#link",
                                            "uri": "https://example.com/מסלול?x=1"}),
        ("#שבת_שלום", {"$type": "app.bsky.richtext.facet#tag", "tag": "שבת_שלום"}),
        ("#Stoa", {"$type": "app.bsky.richtext.facet#tag", "tag": "Stoa"}),
    ]
    mention = record["facets"][0]["index"]
    # Byte offsets, not character offsets: the Hebrew, Arabic and emoji before it take 2-4 bytes each.
    assert mention["byteStart"] == len(f"{HEBREW} {ARABIC} {EMOJI} ".encode())
    assert mention["byteStart"] > len(f"{HEBREW} {ARABIC} {EMOJI} ")


@pytest.mark.bluesky
def test_unknown_mention_stays_plain_text(bluesky_network):
    provider = provider_for(bluesky_network, bluesky_network.accounts["alice"])

    published = provider.publish(Draft(text=f"{ARABIC} @nobody.test and @bob.test"), new_attempt())

    record = bluesky_network.get_record(published.remote_id)["value"]
    assert [piece for piece, _ in facet_texts(record)] == ["@bob.test"]


@pytest.mark.bluesky
def test_image_is_uploaded_with_alt_text(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    first, second = png(3, 2), png(2, 5)
    draft = Draft(text=f"{HEBREW} 📷", media=(image(first, "שקיעה בים"), image(second, "")))

    published = provider_for(bluesky_network, alice).publish(draft, new_attempt())

    embed = bluesky_network.get_record(published.remote_id)["value"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [item["alt"] for item in embed["images"]] == ["שקיעה בים", ""]
    blobs = [item["image"] for item in embed["images"]]
    assert [blob["mimeType"] for blob in blobs] == ["image/png", "image/png"]
    assert [bluesky_network.get_blob(alice.did, blob["ref"]["$link"]) for blob in blobs] == [first, second]


@pytest.mark.bluesky
def test_thread_is_a_reply_chain(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    draft = Draft(text=f"1/3 {HEBREW}", options={"thread": [f"2/3 {ARABIC} #Stoa", f"3/3 {EMOJI}"]})

    published = provider_for(bluesky_network, alice).publish(draft, new_attempt())

    assert len(published.parts) == 3 and published.remote_id == published.parts[0]
    records = [bluesky_network.get_record(uri) for uri in published.parts]
    assert [r["value"]["text"] for r in records] == [draft.text, *draft.options["thread"]]
    root = {"uri": records[0]["uri"], "cid": records[0]["cid"]}
    assert "reply" not in records[0]["value"]
    assert records[1]["value"]["reply"] == {"root": root, "parent": root}
    assert records[2]["value"]["reply"] == {"root": root,
                                            "parent": {"uri": records[1]["uri"], "cid": records[1]["cid"]}}
    assert facet_texts(records[1]["value"]) == [("#Stoa", {"$type": "app.bsky.richtext.facet#tag",
                                                           "tag": "Stoa"})]


@pytest.mark.bluesky
def test_record_keys_are_tids_derived_from_the_attempt(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    attempt = new_attempt()
    draft = Draft(text="keys", options={"thread": ["two", "three"]})

    published = provider_for(bluesky_network, alice).publish(draft, attempt)

    keys = [rkey(uri) for uri in published.parts]
    assert keys == attempt_rkeys(attempt, 3)
    assert all(TID.fullmatch(key) for key in keys)
    assert keys == sorted(keys)  # thread order is time order
    assert published.url == f"https://bsky.app/profile/alice.test/post/{keys[0]}"
    assert published.parts[0] == f"at://{alice.did}/app.bsky.feed.post/{keys[0]}"


def test_tid_encoding_follows_the_spec():
    assert encode_tid(0, 0) == "2222222222222"  # the spec: integer zero
    assert decode_tid("3jzfcijpj2z2a") == (1688137381887007, 6)  # the spec's example TID
    assert encode_tid(*decode_tid("3jzfcijpj2z2a")) == "3jzfcijpj2z2a"


def test_record_keys_of_attempts_starting_together_never_collide():
    started = datetime(2026, 7, 1, 9, 0, 0, 123456, tzinfo=UTC)
    burst = [Attempt(uuid.uuid4().hex, started, publication_id=pk, number=1) for pk in range(1, 20_001)]
    keys = [key for attempt in burst for key in attempt_rkeys(attempt, 2)]
    assert len(set(keys)) == len(keys) == 40_000
    retries = [attempt_rkeys(Attempt("k", started, publication_id=7, number=n), 1)[0] for n in range(1, 11)]
    assert len(set(retries)) == 10  # the same publication tried again within the second


def test_record_keys_are_the_attempts_second_and_sort_in_thread_order():
    started = datetime(2026, 7, 1, 9, 0, 0, 987654, tzinfo=UTC)
    one, two = attempt_rkeys(Attempt("a", started, publication_id=123_456, number=3), 2)
    assert decode_tid(one) == (int(started.timestamp()) * 1_000_000 + 23_456 * 10 + 3, 0)
    assert decode_tid(two) == (decode_tid(one)[0], 1)
    assert one < two
    again = Attempt("another key", started, publication_id=123_456, number=3)
    assert attempt_rkeys(again, 2) == [one, two]  # the keys come from what the database keeps


@pytest.mark.bluesky
def test_pds_refusing_a_record_is_a_permanent_error(bluesky_network):
    provider = provider_for(bluesky_network, bluesky_network.accounts["alice"])
    too_long = {"$type": "app.bsky.feed.post", "text": "x" * 301, "createdAt": "2026-07-01T09:00:00.000Z"}

    with pytest.raises(ProviderError) as caught:
        provider.create_post(too_long, attempt_rkeys(new_attempt(), 1)[0])

    assert caught.value.kind == ErrorKind.PERMANENT
    assert "300" in caught.value.message


# -- Reconciling ---------------------------------------------------------------------------------


@pytest.mark.bluesky
def test_reconcile_finds_post_created_before_a_crash(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    draft, attempt = Draft(text=f"{HEBREW} lost answer {uuid.uuid4().hex[:6]}"), new_attempt()
    crashing = provider_for(bluesky_network, alice, http=httpx.Client(transport=LoseOneAnswer(1, sent=True)))

    with pytest.raises(ProviderError) as caught:
        crashing.publish(draft, attempt)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME

    found = provider_for(bluesky_network, alice).reconcile(draft, attempt)

    assert found is not None and rkey(found.remote_id) == attempt_rkeys(attempt, 1)[0]
    assert [p["value"]["text"] for p in bluesky_network.list_posts(alice.did)].count(draft.text) == 1


@pytest.mark.bluesky
def test_reconcile_never_takes_another_post_under_the_same_key_for_its_own(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    mine = new_attempt()
    # Another Stoa on the same account chose the same keys (the same second, id and attempt number).
    theirs = Attempt(uuid.uuid4().hex, mine.started_at, mine.publication_id, mine.number)
    provider_for(bluesky_network, alice).publish(Draft(text="Crash test #5"), theirs)

    assert provider_for(bluesky_network, alice).reconcile(Draft(text="Crash test #30"), mine) is None
    other_time = Attempt(mine.key, mine.started_at + timedelta(milliseconds=1), mine.publication_id, mine.number)
    assert provider_for(bluesky_network, alice).reconcile(Draft(text="Crash test #5"), other_time) is None

    # Its key is taken: the PDS fails (500), the check finds another post there, the next attempt publishes.
    with pytest.raises(ProviderError) as caught:
        provider_for(bluesky_network, alice).publish(Draft(text="Crash test #30"), mine)
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert provider_for(bluesky_network, alice).reconcile(Draft(text="Crash test #30"), mine) is None
    next_attempt = Attempt(uuid.uuid4().hex, mine.started_at, mine.publication_id, mine.number + 1)
    published = provider_for(bluesky_network, alice).publish(Draft(text="Crash test #30"), next_attempt)
    texts = [p["value"]["text"] for p in bluesky_network.list_posts(alice.did)]
    assert texts.count("Crash test #30") == texts.count("Crash test #5") == 1
    assert bluesky_network.get_record(published.remote_id)["value"]["text"] == "Crash test #30"


@pytest.mark.bluesky
def test_an_attempt_left_unknown_across_the_upgrade_is_found_under_its_earlier_keys(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    provider, attempt = provider_for(bluesky_network, alice), new_attempt()
    record = provider.post_record(Draft(text="published by the earlier Stoa"), "published by the earlier Stoa")
    created = provider.create_post(record, legacy_attempt_rkeys(attempt, 1)[0])

    found = provider_for(bluesky_network, alice).reconcile(Draft(text="published by the earlier Stoa"), attempt)

    assert found is not None and found.remote_id == created["uri"]


@pytest.mark.bluesky
def test_reconcile_returns_none_when_nothing_was_created(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    draft, attempt = Draft(text="never sent", options={"thread": ["nor this"]}), new_attempt()
    failing = provider_for(bluesky_network, alice, http=httpx.Client(transport=LoseOneAnswer(1, sent=False)))

    with pytest.raises(ProviderError) as caught:
        failing.publish(draft, attempt)
    assert caught.value.kind == ErrorKind.TRANSIENT  # nothing was published: safe to try again

    assert provider_for(bluesky_network, alice).reconcile(draft, attempt) is None


@pytest.mark.bluesky
def test_failure_part_way_through_a_thread_is_an_unknown_outcome_that_reconcile_finishes(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    draft = Draft(text=f"1/3 {HEBREW}", media=(image(png(), "alt"),), options={"thread": ["2/3", "3/3"]})
    attempt = new_attempt()
    failing = provider_for(bluesky_network, alice, http=httpx.Client(transport=LoseOneAnswer(3, sent=False)))

    with pytest.raises(ProviderError) as caught:
        failing.publish(draft, attempt)
    # Two posts are out: publishing again would repeat them.
    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert "2 of the 3" in caught.value.message

    # While the PDS cannot be reached, reconcile says to try again later.
    still_failing = provider_for(bluesky_network, alice,
                                 http=httpx.Client(transport=LoseOneAnswer(1, sent=False)))
    with pytest.raises(ProviderError) as caught:
        still_failing.reconcile(draft, attempt)
    assert caught.value.kind == ErrorKind.TRANSIENT

    finished = provider_for(bluesky_network, alice).reconcile(draft, attempt)

    assert finished is not None
    assert [rkey(uri) for uri in finished.parts] == attempt_rkeys(attempt, 3)
    records = [bluesky_network.get_record(uri) for uri in finished.parts]
    assert [r["value"]["text"] for r in records] == ["1/3 " + HEBREW, "2/3", "3/3"]
    assert records[2]["value"]["reply"]["parent"] == {"uri": records[1]["uri"], "cid": records[1]["cid"]}
    assert records[2]["value"]["reply"]["root"]["uri"] == finished.remote_id


@pytest.mark.bluesky
def test_thread_the_pds_refuses_to_finish_is_left_to_a_person(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    attempt = new_attempt()
    failing = provider_for(bluesky_network, alice, http=httpx.Client(transport=LoseOneAnswer(2, sent=False)))
    with pytest.raises(ProviderError):
        failing.publish(Draft(text="1/2", options={"thread": ["2/2"]}), attempt)
    # Meanwhile the second part became too long: the PDS itself refuses it.
    edited = Draft(text="1/2", options={"thread": ["x" * 301]})

    with pytest.raises(ProviderError) as caught:
        provider_for(bluesky_network, alice).reconcile(edited, attempt)

    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME
    assert "1 of the 2" in caught.value.message and "finish or delete" in caught.value.message


@pytest.mark.bluesky
def test_reconcile_when_the_pds_is_unreachable_is_transient(bluesky_network):
    alice = bluesky_network.accounts["alice"]
    signed_in = provider_for(bluesky_network, alice)
    signed_in.connect()
    provider = BlueskyProvider(config={"pds_url": closed_port_url()}, credentials=signed_in.credentials)

    with pytest.raises(ProviderError) as caught:
        provider.reconcile(Draft(text="?"), new_attempt())

    assert caught.value.kind == ErrorKind.TRANSIENT


# -- Deleting ------------------------------------------------------------------------------------


@pytest.mark.bluesky
def test_delete_removes_every_post_of_the_thread(bluesky_network):
    provider = provider_for(bluesky_network, bluesky_network.accounts["alice"])
    published = provider.publish(Draft(text="to delete", options={"thread": ["also this"]}), new_attempt())

    provider.delete(published)

    assert [bluesky_network.get_record(uri) for uri in published.parts] == [None, None]
    provider.delete(published)  # deleting again is harmless


# -- Failures ------------------------------------------------------------------------------------


def test_unreachable_pds_is_a_transient_error():
    provider = BlueskyProvider(config={"pds_url": closed_port_url()},
                               credentials={"identifier": "alice.test", "app_password": "app-pass"})

    with pytest.raises(ProviderError) as caught:
        provider.publish(Draft(text="hello"), new_attempt())

    assert caught.value.kind == ErrorKind.TRANSIENT
    assert "Could not reach Bluesky" in caught.value.message


def test_garbage_response_is_a_clear_error():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Welcome to nginx!</html>")

    with pytest.raises(ProviderError) as signing_in:
        mock_provider(handler).connect()
    with pytest.raises(ProviderError) as posting:
        mock_provider(handler, **SIGNED_IN).publish(Draft(text="hello"), new_attempt())

    assert signing_in.value.kind == ErrorKind.TRANSIENT
    assert "not JSON" in signing_in.value.message and "nginx" in signing_in.value.message
    assert posting.value.kind == ErrorKind.UNKNOWN_OUTCOME  # the post may exist: reconcile


def test_answer_without_a_session_is_a_clear_error():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"hello": "world"})

    with pytest.raises(ProviderError) as caught:
        mock_provider(handler).connect()

    assert caught.value.kind == ErrorKind.TRANSIENT
    assert "without a session" in caught.value.message


def test_rate_limit_waits_until_ratelimit_reset():
    reset = int(datetime.now(UTC).timestamp()) + 120

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                              headers={"ratelimit-limit": "30", "ratelimit-remaining": "0",
                                       "ratelimit-reset": str(reset), "ratelimit-policy": "30;w=300"})

    with pytest.raises(ProviderError) as caught:
        mock_provider(handler).connect()

    assert caught.value.kind == ErrorKind.RATE_LIMITED
    assert 100 < caught.value.retry_after <= 120


def test_two_factor_sign_in_asks_for_an_app_password():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "AuthFactorTokenRequired",
                                         "message": "A sign in code has been sent to your email address"})

    with pytest.raises(ProviderError) as caught:
        mock_provider(handler, app_password="account-password").connect()

    assert caught.value.kind == ErrorKind.AUTHORIZATION
    assert "app password" in caught.value.message


def test_server_error_while_posting_is_an_unknown_outcome():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="Bad Gateway")

    with pytest.raises(ProviderError) as caught:
        mock_provider(handler, **SIGNED_IN).publish(Draft(text="hello"), new_attempt())

    assert caught.value.kind == ErrorKind.UNKNOWN_OUTCOME


# -- Validation (no network) ---------------------------------------------------------------------


def validate(draft: Draft) -> list[tuple[str, str]]:
    provider = BlueskyProvider(config={}, credentials={})
    return [(problem.field, problem.message) for problem in provider.validate(draft)]


def test_validation_counts_graphemes_not_code_points():
    # 300 graphemes of Hebrew with niqqud are 525 code points; 100 family emoji are 700.
    assert validate(Draft(text=(SHALOM_WITH_NIQQUD + " ") * 60)) == []
    assert validate(Draft(text=FAMILY * 100)) == []
    problems = validate(Draft(text=(SHALOM_WITH_NIQQUD + " ") * 60 + "!"))
    assert [field for field, _ in problems] == ["text"]
    assert "300" in problems[0][1] and "301" in problems[0][1]
    assert BlueskyProvider(config={}, credentials={}).text_length(FAMILY + SHALOM_WITH_NIQQUD) == 5


def test_validation_reports_text_over_the_byte_limit():
    problems = validate(Draft(text=FAMILY * 121))  # 121 graphemes but 3025 bytes

    assert [field for field, _ in problems] == ["text"]
    assert "3000 bytes" in problems[0][1]


def test_validation_checks_each_part_of_a_thread():
    draft = Draft(text="fine", options={"thread": ["also fine", "x" * 301, "  ", FAMILY * 121]})

    problems = validate(draft)

    assert [field for field, _ in problems] == ["options.thread[1]", "options.thread[2]", "options.thread[3]"]
    assert "Post 3 of the thread has 301" in problems[0][1]


def test_validation_refuses_a_fifth_image_and_an_oversized_one():
    big = MediaFile("big.jpg", "image/jpeg", 1_500_000, "", lambda: b"")
    draft = Draft(text="photos", media=(image(png(), "a"),) * 4 + (big,))

    fields = [field for field, _ in validate(draft)]

    assert fields == ["media", "media"]


def test_links_mentions_and_tags_follow_bluesky_rules():
    text = "(https://a.example/x_(y)), mail me@b.example @carol.test. #1 #٣ #tag... x#no #️⃣ https://"

    spans = [(s.kind, s.value) for s in find_spans(text)]

    assert spans == [("link", "https://a.example/x_(y)"), ("mention", "carol.test"), ("tag", "tag")]
