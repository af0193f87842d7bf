"""Reading each channel's messages on a schedule, from where the last read stopped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.db.models import Q

from stoa import clock
from stoa.channels import credentials
from stoa.channels.actions import mark_needs_reconnect
from stoa.channels.budget import OverBudget, background
from stoa.channels.models import Channel, ChannelStatus
from stoa.inbox.actions import IngestReport, ingest_page
from stoa.inbox.models import Cursor
from stoa.providers.base import ErrorKind, InboxPage, Provider, ProviderError
from stoa.providers.capabilities import ReadsInbox, ReadsMessages, Searches

log = logging.getLogger("stoa.inbox")
NOTIFICATIONS = "notifications"
READ_LEASE = timedelta(minutes=5)  # longer than any read; what a killed worker's read delays at most
OFF = ("false", "0", "no", "off")  # a setting given as text on the command line


def claim_inbox_read(channel_id: int) -> bool:
    """Take the channel's read for this worker, by a conditional update: one read of a channel at a time,
    across all workers and machines."""
    now = clock.now()
    free = Q(inbox_read_until__isnull=True) | Q(inbox_read_until__lt=now)
    return bool(Channel.objects.filter(free, pk=channel_id).update(inbox_read_until=now + READ_LEASE))


def streams(channel: Channel, provider: Provider) -> list[tuple[str, Callable[[str], InboxPage]]]:
    """What to read: the account's notifications, and a search for each of the brand's names."""
    found: list[tuple[str, Callable[[str], InboxPage]]] = []
    # A Telegram bot with a webhook gets its messages pushed; Telegram refuses getUpdates for it.
    if isinstance(provider, ReadsInbox) and not channel.credentials.get("webhook_secret"):
        found.append((NOTIFICATIONS, provider.fetch_inbox))
    if isinstance(provider, ReadsMessages) and str(channel.config.get("read_direct_messages", True)).lower() not in OFF:
        found.append(("messages", provider.fetch_messages))
    if isinstance(provider, Searches):
        for term in channel.config.get("search_terms") or []:
            found.append((f"search:{term}", partial(provider.search, term)))  # called with the position
    return found


def release_inbox_read(channel_id: int) -> None:
    Channel.objects.filter(pk=channel_id).update(inbox_read_until=None)


def poll_unless_read(channel: Channel) -> IngestReport | None:
    """One read of the channel, unless another worker (a poll, a stream catching up) is reading it now."""
    if not claim_inbox_read(channel.pk):
        return None
    try:
        return poll_channel(channel)
    finally:
        release_inbox_read(channel.pk)


def read_stream(channel: Channel, stream: str, position: str) -> InboxPage:
    """One page of a stream, on the channel's credentials as their owner keeps them."""
    return credentials.using(channel, lambda provider: dict(streams(channel, provider))[stream](position))


def poll_channel(channel: Channel) -> IngestReport:
    """Read every stream of the channel once. A failing stream keeps its cursor, so nothing is skipped;
    the others still run."""
    total = IngestReport()
    if channel.status != ChannelStatus.ACTIVE:
        return total
    for stream, _read in streams(channel, channel.provider()):
        cursor, _ = Cursor.objects.get_or_create(channel=channel, stream=stream)
        try:
            with background():  # reads leave the channel's budget reserve to publishing
                page = read_stream(channel, stream, cursor.position)
        except OverBudget as e:  # not an error: the rest is read on the next cycle
            log.debug("Reading channel %s waits for its next cycle: %s", channel.pk, e.message)
            break
        except ProviderError as e:
            log.warning("Reading %s of channel %s failed (%s): %s", stream, channel.pk, e.kind, e.message)
            if e.kind == ErrorKind.AUTHORIZATION:
                mark_needs_reconnect(channel, e.message)
                break
            continue
        report = ingest_page(channel, page)
        total.new, total.duplicates, total.deleted = (total.new + report.new, total.duplicates + report.duplicates,
                                                      total.deleted + report.deleted)
        # Only from where this read started: a read that ran at the same time never moves it backwards.
        Cursor.objects.filter(pk=cursor.pk, position=cursor.position).update(position=page.cursor)
    return total
