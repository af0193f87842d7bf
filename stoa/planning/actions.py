"""Writes and calculations of the content plan: the channel's queue of time slots."""

from datetime import datetime, timedelta

from django.utils import timezone

from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.planning.models import TimeSlot
from stoa.posts.actions import OCCUPYING_STATES, rule_problems
from stoa.posts.models import Publication
from stoa.posts.times import to_local, to_utc

QUEUE_HORIZON_DAYS = 56


def next_free_slot(channel: Channel, after: datetime | None = None) -> datetime:
    """The first of the channel's time slots after `after` (default: now) that nothing occupies and
    that the channel's rules allow, in UTC. Raises ActionError when the channel has no slots or
    none is free within eight weeks."""
    slots = list(TimeSlot.objects.filter(channel=channel).order_by("weekday", "time"))
    if not slots:
        raise ActionError({"queue": [f"{channel.name} has no time slots yet; add some in the content plan."]})
    tz = channel.workspace.timezone
    earliest = max(after or timezone.now(), timezone.now() + timedelta(minutes=1))
    taken = set(Publication.objects.filter(channel=channel, state__in=OCCUPYING_STATES,
                                           scheduled_at__gte=earliest).values_list("scheduled_at", flat=True))
    day = to_local(earliest, tz).date()
    for offset in range(QUEUE_HORIZON_DAYS):
        date = day + timedelta(days=offset)
        for slot in (s for s in slots if s.weekday == date.weekday()):
            try:
                when = to_utc(datetime.combine(date, slot.time), tz)
            except ActionError:
                continue  # the slot does not exist (or is ambiguous) on a DST change day
            if when < earliest or when in taken or rule_problems(channel, when):
                continue
            return when
    raise ActionError({"queue": [f"{channel.name} has no free time slot in the next {QUEUE_HORIZON_DAYS // 7} "
                                 "weeks; add slots or loosen its posting rules."]})
