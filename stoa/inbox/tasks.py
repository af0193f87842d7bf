"""The inbox's tasks. `poll_inboxes` and `inbox_deadlines` run every STOA_INBOX_POLL_SECONDS from the schedule
in stoa/runtime/schedule.py, in `stoa run` and in every `stoa worker`."""

from huey.contrib.djhuey import db_task

from stoa.channels.models import Channel, ChannelStatus
from stoa.inbox.alerts import check_deadlines
from stoa.inbox.polling import poll_unless_read
from stoa.providers.capabilities import POLLED
from stoa.providers.registry import providers_with


@db_task()
def poll_inboxes() -> int:
    """A read of each active channel whose network has anything to read (notifications, direct messages or only
    a search), as a task of its own."""
    networks = {provider.key for capability in POLLED for provider in providers_with(capability)}
    readable = list(Channel.objects.filter(status=ChannelStatus.ACTIVE, network__in=networks)
                    .order_by("pk").values_list("pk", flat=True))
    for channel_id in readable:
        poll_inbox(channel_id)
    return len(readable)


@db_task()
def poll_inbox(channel_id: int) -> int:
    """One read of the channel, unless another worker is reading it now."""
    channel = Channel.objects.filter(pk=channel_id).select_related("workspace").first()
    report = poll_unless_read(channel) if channel else None
    return report.new if report else 0


@db_task()
def inbox_deadlines() -> tuple[int, int]:
    """Warnings before a first answer is due, and alerts when it is late."""
    return check_deadlines()
