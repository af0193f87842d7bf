"""The analytics' tasks. `sweep_metrics` runs every STOA_ANALYTICS_SWEEP_SECONDS from the schedule in
stoa/runtime/schedule.py; `backfill_metrics` is queued when a channel is connected."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from huey.contrib.djhuey import db_task

from stoa.analytics.collect import backfill, metrics_of, sweep_channel
from stoa.channels.models import Channel, ChannelStatus
from stoa.providers.capabilities import ReadsMetrics
from stoa.providers.registry import providers_with


@db_task()
def sweep_metrics() -> int:
    """A sweep of each active channel whose network gives counts, as a task of its own."""
    networks = [provider.key for provider in providers_with(ReadsMetrics)]
    channel_ids = list(Channel.objects.filter(status=ChannelStatus.ACTIVE, network__in=networks)
                       .order_by("pk").values_list("pk", flat=True))
    for channel_id in channel_ids:
        sweep_channel_metrics(channel_id)
    return len(channel_ids)


@db_task()
def sweep_channel_metrics(channel_id: int) -> int:
    """The counts due on the channel; the number of snapshots written."""
    channel = Channel.objects.filter(pk=channel_id).first()
    return sweep_channel(channel).snapshots if channel else 0


@db_task()
def backfill_metrics(channel_id: int) -> int:
    """The channel's recent posts, measured from now on; how many were found."""
    channel = Channel.objects.filter(pk=channel_id).first()
    return backfill(channel).backfilled if channel else 0


@receiver(post_save, sender=Channel, dispatch_uid="stoa.analytics.backfill_on_connect")
def backfill_when_connected(sender: type[Channel], instance: Channel, created: bool, **kwargs: Any) -> None:
    """A channel just connected: its recent posts are read in the background once it is saved for good."""
    if created and settings.STOA_ANALYTICS_BACKFILL_ON_CONNECT and metrics_of(instance) is not None:
        channel_id = instance.pk
        transaction.on_commit(lambda: backfill_metrics(channel_id))
