"""Messages pushed as they happen, where the network streams them (Mastodon): one thread per channel in each
worker process, which catches up by polling whenever it (re)connects, since a stream does not replay.
Two workers streaming the same channel cost a little work and keep nothing twice."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

from stoa.channels import credentials
from stoa.channels.actions import mark_needs_reconnect
from stoa.channels.models import Channel, ChannelStatus
from stoa.inbox.actions import ingest_page
from stoa.inbox.polling import poll_unless_read
from stoa.providers.base import ErrorKind, InboxPage, Provider, ProviderError
from stoa.providers.capabilities import Streams
from stoa.providers.registry import supports

log = logging.getLogger("stoa.inbox")
MAX_BACKOFF_SECONDS = 300
RESCAN_SECONDS = 120  # how often new channels are looked for


def streamable(channel: Channel) -> bool:
    return channel.status == ChannelStatus.ACTIVE and supports(channel, Streams)


def stream_channel(channel_id: int, stop: threading.Event) -> None:
    """Keep the channel's stream open until `stop`, reconnecting with a growing pause after failures."""
    pause = 1.0
    while not stop.is_set():
        close_old_connections()
        channel = Channel.objects.filter(pk=channel_id).select_related("workspace").first()
        if channel is None or not streamable(channel):
            return
        try:
            poll_unless_read(channel)  # what arrived while the stream was down, unless a poll is reading it now

            def listen(provider: Provider, channel: Channel = channel) -> None:
                def keep(page: InboxPage) -> None:
                    ingest_page(channel, page)

                if isinstance(provider, Streams):  # streamable() said it was: only a changed registry says not
                    provider.stream_inbox(keep, stop)

            credentials.using(channel, listen)
            pause = 1.0  # it ran, then ended: reconnect soon
        except ProviderError as e:
            if e.kind == ErrorKind.AUTHORIZATION:
                mark_needs_reconnect(channel, e.message)
                return
            if e.kind == ErrorKind.PERMANENT:  # the server has no such stream: polling alone reads this channel
                log.info("Channel %s has no notification stream (%s); it is polled instead.", channel_id, e.message)
                return
            log.info("Stream of channel %s: %s; again in %.0f s", channel_id, e.message, pause)
            pause = min(pause * 2, MAX_BACKOFF_SECONDS)
        except Exception:  # noqa: BLE001 - a stream must never take the worker down
            log.exception("Stream of channel %s failed; again in %.0f s", channel_id, pause)
            pause = min(pause * 2, MAX_BACKOFF_SECONDS)
        stop.wait(pause)


def run_streams(stop: threading.Event) -> threading.Thread:
    """A thread that keeps one stream thread per streamable channel, and starts new ones as channels come."""

    def supervise() -> None:
        running: dict[int, threading.Thread] = {}
        while not stop.is_set():
            close_old_connections()
            for channel in Channel.objects.filter(status=ChannelStatus.ACTIVE):
                if streamable(channel) and not (channel.pk in running and running[channel.pk].is_alive()):
                    running[channel.pk] = threading.Thread(target=stream_channel, args=(channel.pk, stop),
                                                           name=f"stoa-stream-{channel.pk}", daemon=True)
                    running[channel.pk].start()
            stop.wait(RESCAN_SECONDS)

    thread = threading.Thread(target=supervise, name="stoa-streams", daemon=True)
    thread.start()
    return thread
