"""Bluesky's event stream (the firehose): every public post of the network as it is written, for listening.

Facts from https://atproto.com/specs/event-stream, https://atproto.com/specs/sync, the lexicon
com.atproto.sync.subscribeRepos and https://ipld.io/specs/transport/car/carv1/:
- A WebSocket at <host>/xrpc/com.atproto.sync.subscribeRepos?cursor=<seq>, public (no auth), served by a relay for
  the whole network (wss://bsky.network) and by each PDS for its own accounts.
- Each binary message is two DAG-CBOR objects, a header and a body. Header {op: 1, t: "#commit" | "#sync" |
  "#identity" | "#account" | "#info"}; op -1 is an error, body {error, message}, after which the server closes
  (FutureCursor: a cursor beyond its newest event; ConsumerTooSlow).
- #commit {seq, repo (the account's DID), ops: [{action: "create" | "update" | "delete", path:
  "<collection>/<record key>", cid: link or null}], blocks: a CAR file holding the records, time, tooBig, ...}.
  A link is CBOR tag 42 over a zero byte and the CID's bytes.
- cursor is the last seq the reader kept: the server replays what came after it within its window (#info
  OutdatedCursor when the cursor is older, and goes on from its oldest); without a cursor it starts live.
- A CAR file is a varint-prefixed header, then sections: varint length, the block's CID, the block.
- A post record (app.bsky.feed.post) is {text, createdAt, langs?, reply?, facets?, embed?}.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cbor2
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from stoa.providers.base import ErrorKind, Incoming, ProviderError
from stoa.providers.bluesky import inbox

log = logging.getLogger(__name__)
POST = "app.bsky.feed.post"
LINK_TAG = 42
MAX_MESSAGE_BYTES = 5 * 1024 * 1024  # a commit's blocks are at most 2 MB by the spec; room for the rest
WAIT_SECONDS = 1.0  # how long a read waits for a message before it lets the reader save what it has


@dataclass(frozen=True)
class Event:
    """What one message brought: its position in the stream (None for none) and the new posts in it."""

    seq: int | None
    posts: tuple[Incoming, ...] = ()


class CursorInFuture(ProviderError):
    """The server has no such position (it was reset, or the position is another server's): read live."""


def stream_url(host: str, cursor: int | None) -> str:
    """The WebSocket address of a host given as https://, http://, wss:// or ws://."""
    base = host.rstrip("/")
    for web, socket in (("https://", "wss://"), ("http://", "ws://")):
        if base.startswith(web):
            base = socket + base.removeprefix(web)
    return f"{base}/xrpc/com.atproto.sync.subscribeRepos" + (f"?cursor={cursor}" if cursor is not None else "")


def read(host: str, cursor: int | None, stop: threading.Event) -> Iterator[Event]:
    """The stream's events from after `cursor` until `stop`; Event(None) each quiet second, so the reader can save
    its place. A connection that fails or closes ends it with a transient ProviderError."""
    try:
        with connect(stream_url(host, cursor), max_size=MAX_MESSAGE_BYTES, open_timeout=10,
                     user_agent_header="Stoa listening") as socket:
            while not stop.is_set():
                try:
                    message = socket.recv(timeout=WAIT_SECONDS)
                except TimeoutError:
                    yield Event(None)
                    continue
                if isinstance(message, bytes):
                    yield decode(message)
    except (OSError, WebSocketException) as error:
        raise ProviderError(f"Bluesky's event stream at {host} closed: {error}", ErrorKind.TRANSIENT) from error


def decode(message: bytes) -> Event:
    """One message's event. A message that is not what the spec says is skipped (an empty event), never fatal."""
    try:
        stream = io.BytesIO(message)
        decoder = cbor2.CBORDecoder(stream)
        header, body = decoder.decode(), decoder.decode()
    except (cbor2.CBORDecodeError, ValueError, EOFError) as error:
        log.warning("Bluesky's event stream sent a message that is not DAG-CBOR: %s", error)
        return Event(None)
    if not isinstance(header, dict) or not isinstance(body, dict):
        return Event(None)
    if header.get("op") == -1:
        name, text = str(body.get("error") or ""), str(body.get("message") or "")
        if name == "FutureCursor":
            raise CursorInFuture(f"Bluesky's event stream has no such position: {text}", ErrorKind.PERMANENT)
        raise ProviderError(f"Bluesky's event stream stopped: {name} {text}".strip(), ErrorKind.TRANSIENT)
    seq = body.get("seq") if isinstance(body.get("seq"), int) else None
    if header.get("t") == "#info":
        log.info("Bluesky's event stream: %s %s", body.get("name"), body.get("message") or "")
    if header.get("t") != "#commit":
        return Event(seq)
    return Event(seq, tuple(posts_of(body)))


def posts_of(commit: dict[str, Any]) -> Iterator[Incoming]:
    """The posts a commit created, read from its blocks."""
    repo, ops = commit.get("repo"), commit.get("ops")
    creates = [op for op in ops if isinstance(op, dict) and op.get("action") == "create"
               and str(op.get("path", "")).startswith(POST + "/")] if isinstance(ops, list) else []
    if not creates or not isinstance(repo, str) or not isinstance(commit.get("blocks"), bytes):
        return
    try:
        blocks = car_blocks(commit["blocks"])
    except ValueError as error:
        log.warning("Bluesky's event stream sent a commit of %s whose blocks cannot be read: %s", repo, error)
        return
    for op in creates:
        link = op.get("cid")
        block = blocks.get(link.value[1:]) if isinstance(link, cbor2.CBORTag) and link.tag == LINK_TAG else None
        try:
            record = cbor2.loads(block) if block else None
        except (cbor2.CBORDecodeError, ValueError, EOFError):
            record = None
        if isinstance(record, dict) and record.get("$type") == POST:
            post = inbox.incoming(f"at://{repo}/{op['path']}", plain(record), {"did": repo},
                                  str(commit.get("time") or ""), "search")
            if post:
                yield post


def plain(record: dict[str, Any]) -> dict[str, Any]:
    """The record's fields that posts are read from; links (tagged values) turned into nothing."""
    return {key: value for key, value in record.items() if not isinstance(value, cbor2.CBORTag)}


def car_blocks(data: bytes) -> dict[bytes, bytes]:
    """A CAR v1 file's blocks by their CID's bytes."""
    header_length, at = varint(data, 0)
    at += header_length
    blocks: dict[bytes, bytes] = {}
    while at < len(data):
        length, start = varint(data, at)
        end = start + length
        if end > len(data):
            raise ValueError("a section runs past the end")
        cid_end = cid_length(data, start) + start
        blocks[data[start:cid_end]] = data[cid_end:end]
        at = end
    return blocks


def cid_length(data: bytes, start: int) -> int:
    """How many bytes the CID at `start` takes: a CIDv0 is a bare sha2-256 multihash; a CIDv1 is version, codec and
    a multihash (hash code, digest length, digest)."""
    if data[start:start + 2] == b"\x12\x20":
        return 34
    at = start
    for _ in range(3):  # version, codec, hash code
        _, at = varint(data, at)
    digest, at = varint(data, at)
    return at + digest - start


def varint(data: bytes, at: int) -> tuple[int, int]:
    """An unsigned LEB128 number at `at`, and where what follows it starts."""
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("a number runs past the end")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7
