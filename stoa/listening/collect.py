"""The listening job's work for one workspace: its queries looked for on every channel's network, the hits kept,
and a spike told to the managers."""

from __future__ import annotations

import logging

from stoa.channels.models import Channel, ChannelStatus
from stoa.inbox.classifier import Classifies
from stoa.listening import alerts, sources
from stoa.listening.models import ListeningQuery
from stoa.listening.store import Kept, Listener
from stoa.providers.base import ProviderError
from stoa.providers.capabilities import Searches
from stoa.providers.registry import supports
from stoa.workspaces.models import Workspace

log = logging.getLogger(__name__)


def listen(workspace: Workspace, classifier: Classifies) -> Kept:
    """One read of every channel; a channel's positions move on only once what it found is kept."""
    queries = list(ListeningQuery.objects.filter(workspace=workspace, active=True))
    total = Kept()
    if not queries:
        return total
    listener = Listener(workspace, classifier, queries)
    for channel in Channel.objects.filter(workspace=workspace, status=ChannelStatus.ACTIVE).order_by("pk"):
        total.add(listen_on(channel, queries, listener))
    alerts.check_spikes(workspace)
    return total


def listen_on(channel: Channel, queries: list[ListeningQuery], listener: Listener) -> Kept:
    if channel.network == "telegram":
        return listener.keep(sources.telegram_messages(channel))
    if channel.network not in sources.SEARCHED or not supports(channel, Searches):
        return Kept()
    try:
        found, moved = sources.read_channel(channel, queries)
    except ProviderError as error:
        log.warning("Listening: channel %s (%s) could not be read: %s", channel.pk, channel.network, error)
        return Kept()
    kept = listener.keep(found)
    sources.save_positions(channel, moved)
    return kept
