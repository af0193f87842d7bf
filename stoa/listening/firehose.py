"""Listening on Bluesky's event stream as well as its search: every post of the network, as it is written, is matched
against the queries of each workspace that has a Bluesky channel. A hit arrives within seconds, and a post the
search does not find (its index is the AppView's, not the network) is still heard. Every post's hashtags are
counted too: Bluesky's trends (stream_tags).

One thread in each worker process (stoa worker, stoa run). The relay is read by one process at a time, under a lease
in the database that the reader renews each time it saves its place; another process takes over once the lease
lapses (a reader killed with -9). The place saved is the last event whose hits are kept, so after a restart reading
goes on from there within the relay's window, and what is read again is not kept twice (a hit is unique per
workspace and post, whether search or the stream found it).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, close_old_connections
from django.db.models import Q

from stoa import clock
from stoa.channels.credentials import using
from stoa.channels.models import Channel, ChannelStatus
from stoa.inbox.classifier import Classifies
from stoa.inbox.endpoint_classifier import configured
from stoa.listening import stream_tags
from stoa.listening.models import ListeningQuery, Relay
from stoa.listening.store import Found, Listener
from stoa.providers.base import Incoming, Person, Provider, ProviderError
from stoa.providers.bluesky import firehose
from stoa.providers.bluesky.provider import BlueskyProvider

log = logging.getLogger(__name__)
READER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
LEASE_SECONDS = 30
SAVE_SECONDS = 1.0  # how often the hits are kept and the place saved while events flow
MOST_POSTS = 500  # ... or sooner, when this many posts wait
RESCAN_SECONDS = 10  # how soon a new query or channel is listened for
MAX_PAUSE_SECONDS = 300

Listening = list[tuple[Listener, Channel]]


def run_firehose(stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=follow, args=(settings.STOA_BLUESKY_RELAY, stop), name="stoa-firehose",
                              daemon=True)
    thread.start()
    return thread


def follow(address: str, stop: threading.Event) -> None:
    """Read the relay until `stop` whenever someone listens, reconnecting with a growing pause after failures."""
    pause = float(RESCAN_SECONDS)
    while not stop.is_set():
        close_old_connections()
        try:
            read_while_leased(address, stop)
            pause = float(RESCAN_SECONDS)
        except firehose.CursorInFuture as error:
            log.warning("Listening: %s; reading it live from now on.", error)
            Relay.objects.filter(address=address).update(position=None)
            pause = 1.0
        except ProviderError as error:
            log.info("Listening: %s; again in %.0f s", error, pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
        except Exception:  # noqa: BLE001 - the stream must never take the worker down
            log.exception("Listening: Bluesky's event stream failed; again in %.0f s", pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
        stop.wait(pause)


def read_while_leased(address: str, stop: threading.Event) -> None:
    """Read while a workspace listens and this process holds the lease; keep the hits and save the place often."""
    classifier = configured()
    listening = audiences(classifier)
    if not listening or (relay := take_lease(address)) is None:
        return
    log.info("Listening: reading Bluesky's event stream at %s from %s", address, relay.position or "now")
    position, saved_at, scanned_at = relay.position, time.monotonic(), time.monotonic()
    waiting: list[Incoming] = []

    def save() -> bool:
        """Keep what waits, then move the place on and hold the lease longer; False once another worker holds it."""
        keep(listening, waiting)
        stream_tags.count(relay, waiting)
        return renew(relay, position)

    try:
        for event in firehose.read(address, relay.position, stop):
            waiting += event.posts
            position = event.seq if event.seq is not None else position
            since = time.monotonic() - saved_at
            quiet = not waiting and position == relay.position  # only the lease to hold: a write less a second
            if len(waiting) < MOST_POSTS and (since < SAVE_SECONDS or (quiet and since < LEASE_SECONDS / 3)):
                continue
            if not save():
                log.info("Listening: another worker reads %s now", address)
                return
            waiting, saved_at = [], time.monotonic()
            if time.monotonic() - scanned_at >= RESCAN_SECONDS:
                listening, scanned_at = audiences(classifier), time.monotonic()
                if not listening:
                    return
        save()  # stopped: what was read is kept before the place is saved
    finally:
        Relay.objects.filter(pk=relay.pk, reader=READER).update(lease_until=None)


def audiences(classifier: Classifies) -> Listening:
    """Each workspace with an active query and an active Bluesky channel: its listener, and the channel whose inbox
    "Send to inbox" puts a hit in (its oldest)."""
    listens = ListeningQuery.objects.filter(active=True).values("workspace")
    channels: dict[int, Channel] = {}
    for channel in Channel.objects.filter(network="bluesky", status=ChannelStatus.ACTIVE, workspace__in=listens
                                          ).select_related("workspace").order_by("pk"):
        channels.setdefault(channel.workspace_id, channel)
    return [(Listener(channel.workspace, classifier), channel) for channel in channels.values()]


def keep(listening: Listening, posts: list[Incoming]) -> None:
    for listener, channel in listening:
        mine = [post for post in posts if listener.matcher.match(post.text)]
        if mine:
            listener.keep(Found("bluesky", post, channel.pk) for post in with_authors(channel, mine))


def with_authors(channel: Channel, posts: list[Incoming]) -> list[Incoming]:
    """The stream names an author by DID only: their handle and name from the AppView, where it answers."""
    dids = sorted({post.author.remote_id for post in posts})

    def look_up(provider: Provider) -> dict[str, Person]:
        return provider.profiles(dids) if isinstance(provider, BlueskyProvider) else {}

    try:
        people = using(channel, look_up)
    except ProviderError as error:
        log.info("Listening: the authors of %s posts could not be looked up: %s", len(posts), error)
        people = {}
    return [replace(post, author=people[post.author.remote_id]) if post.author.remote_id in people else post
            for post in posts]


def take_lease(address: str) -> Relay | None:
    try:
        relay, _ = Relay.objects.get_or_create(address=address)
    except IntegrityError:  # another worker made it at the same moment
        relay = Relay.objects.get(address=address)
    now = clock.now()
    free = Q(reader=READER) | Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    taken = Relay.objects.filter(free, pk=relay.pk).update(reader=READER, lease_until=now + lease())
    return Relay.objects.get(pk=relay.pk) if taken else None


def renew(relay: Relay, position: int | None) -> bool:
    """Save the place and hold the lease longer; False when another worker holds it now."""
    held = Relay.objects.filter(pk=relay.pk, reader=READER).update(position=position, lease_until=clock.now() + lease())
    relay.position = position
    return bool(held)


def lease() -> timedelta:
    return timedelta(seconds=LEASE_SECONDS)
