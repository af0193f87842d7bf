"""Writes and calculations of the content plan: daily themes, plan events, and the channel's
queue of time slots."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from stoa import clock
from stoa.channels.models import Channel
from stoa.errors import ActionError, cleaned
from stoa.planning.forms import EventForm, ImportForm, SlotForm, ThemeForm
from stoa.planning.models import DailyTheme, EventKind, PlanEvent, TimeSlot
from stoa.posts.actions import OCCUPYING_STATES, rule_problems
from stoa.posts.models import Publication
from stoa.posts.times import to_local, to_utc
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

QUEUE_HORIZON_DAYS = 56


def next_free_slot(channel: Channel, after: datetime | None = None) -> datetime:
    """The first of the channel's time slots after `after` (default: now) that nothing occupies and
    that the channel's rules allow, in UTC. Raises ActionError when the channel has no slots or
    none is free within eight weeks."""
    slots = list(TimeSlot.objects.filter(channel=channel).order_by("weekday", "time"))
    if not slots:
        raise ActionError({"queue": [_("%(channel)s has no time slots yet; add some in the content plan.")
                                     % {"channel": channel.name}]})
    tz = channel.workspace.timezone
    earliest = max(after or clock.now(), clock.now() + timedelta(minutes=1))
    taken = set(Publication.objects.filter(channel=channel, state__in=OCCUPYING_STATES,
                                           scheduled_at__gte=earliest).values_list("scheduled_at", flat=True))
    day = to_local(earliest, tz).date()
    for offset in range(QUEUE_HORIZON_DAYS):
        date_ = day + timedelta(days=offset)
        for slot in (s for s in slots if s.weekday == date_.weekday()):
            try:
                when = to_utc(datetime.combine(date_, slot.time), tz)
            except ActionError:
                continue  # the slot does not exist (or is ambiguous) on a DST change day
            if when < earliest or when in taken or rule_problems(channel, when):
                continue
            return when
    raise ActionError({"queue": [
        _("%(channel)s has no free time slot in the next %(weeks)d weeks; add slots or loosen its posting rules.")
        % {"channel": channel.name, "weeks": QUEUE_HORIZON_DAYS // 7}]})


def next_free_slots(channels: list[Channel]) -> dict[int, datetime]:
    """Each channel's next free time slot by channel id; every channel without one is named in the error."""
    times, errors = {}, []
    for channel in channels:
        try:
            times[channel.pk] = next_free_slot(channel)
        except ActionError as e:
            errors += e.errors.get("queue", [])
    if errors:
        raise ActionError({"queue": errors})
    return times


# -- Daily themes -------------------------------------------------------------------------


def save_theme(actor, workspace: Workspace, *, weekday, name: str, hashtags: str | list[str] = "",
               theme: DailyTheme | None = None) -> DailyTheme:
    """Add a daily theme, or change `theme` (which must belong to `workspace`)."""
    given = cleaned(ThemeForm({"weekday": weekday, "name": name,
                               "hashtags": " ".join(hashtags) if isinstance(hashtags, list) else hashtags}))
    weekday, name, tags = given["weekday"], given["name"], given["hashtags"]
    with transaction.atomic():
        theme = theme or DailyTheme(workspace=workspace)
        theme.weekday, theme.name, theme.hashtags = weekday, name, tags
        theme.save()
        audit(workspace.pk, actor, "theme.saved", theme, weekday=weekday, name=name)
    return theme


def delete_theme(actor, theme: DailyTheme) -> None:
    with transaction.atomic():
        audit(theme.workspace_id, actor, "theme.deleted", theme, name=theme.name)
        theme.delete()


# -- Plan events --------------------------------------------------------------------------


def save_event(actor, workspace: Workspace, *, kind: str, title: str, starts_on, ends_on=None,
               description: str = "", event: PlanEvent | None = None) -> PlanEvent:
    """Add a plan event, or change `event` (which must belong to `workspace`)."""
    fields = cleaned(EventForm({"kind": kind, "title": title, "description": description or "",
                                "starts_on": starts_on, "ends_on": ends_on or ""}))
    with transaction.atomic():
        event = event or PlanEvent(workspace=workspace)
        for name, value in fields.items():
            setattr(event, name, value)
        event.save()
        audit(workspace.pk, actor, "plan_event.saved", event, title=event.title, starts_on=str(event.starts_on))
    return event


def delete_event(actor, event: PlanEvent) -> None:
    with transaction.atomic():
        audit(event.workspace_id, actor, "plan_event.deleted", event, title=event.title)
        event.delete()


def import_events(actor, workspace: Workspace, data: bytes, *, kind: str = EventKind.OBSERVANCE,
                  start: date | None = None, months: int = 12) -> tuple[int, int]:
    """Import an iCalendar file's events; the same UID updates the event imported before.
    All or nothing: a broken file raises ActionError and changes nothing. -> (created, updated)."""
    from stoa.planning.ical import parse_events

    given = cleaned(ImportForm({"kind": kind, "months": months}))
    kind, months = given["kind"], given["months"]
    start = start or to_local(clock.now(), workspace.timezone).date().replace(day=1)
    events = parse_events(data, workspace.timezone, start, months)
    created = updated = 0
    with transaction.atomic():
        existing = {e.uid: e for e in PlanEvent.objects.filter(workspace=workspace,
                                                               uid__in=[e.uid for e in events])}
        for item in events:
            event = existing.get(item.uid)
            if event is None:
                event = PlanEvent(workspace=workspace, uid=item.uid, kind=item.kind or kind)
                created += 1
            else:
                updated += 1
                if item.kind:
                    event.kind = item.kind
            event.title, event.description = item.title[:300], item.description
            event.starts_on, event.ends_on = item.starts_on, item.ends_on
            event.save()
        audit(workspace.pk, actor, "plan_event.imported", None, created=created, updated=updated)
    return created, updated


# -- Time slots ---------------------------------------------------------------------------


def add_slot(actor, channel: Channel, *, weekday, time_of_day) -> TimeSlot:
    given = cleaned(SlotForm({"weekday": weekday, "time": time_of_day}))
    weekday, at = given["weekday"], given["time"]
    try:
        with transaction.atomic():
            slot = TimeSlot.objects.create(channel=channel, weekday=weekday, time=at)
            audit(channel.workspace_id, actor, "time_slot.added", slot, channel=channel.pk,
                  weekday=weekday, time=at.strftime("%H:%M"))
    except IntegrityError:
        raise ActionError({"time": [_("%(channel)s already has that time slot.") % {"channel": channel.name}]}
                          ) from None
    return slot


def remove_slot(actor, slot: TimeSlot) -> None:
    with transaction.atomic():
        audit(slot.channel.workspace_id, actor, "time_slot.removed", slot, channel=slot.channel_id,
              weekday=slot.weekday, time=slot.time.strftime("%H:%M"))
        slot.delete()
