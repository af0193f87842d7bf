"""Writes and calculations of the content plan: daily themes, plan events, and the channel's
queue of time slots."""

import re
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from stoa import clock
from stoa.channels.models import Channel
from stoa.errors import ActionError
from stoa.planning.models import DailyTheme, EventKind, PlanEvent, TimeSlot, Weekday
from stoa.posts.actions import OCCUPYING_STATES, rule_problems
from stoa.posts.models import Publication
from stoa.posts.times import to_local, to_utc
from stoa.workspaces.actions import audit
from stoa.workspaces.models import Workspace

QUEUE_HORIZON_DAYS = 56
MAX_EVENT_DAYS = 366


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


# -- Input helpers ------------------------------------------------------------------------


def parse_weekday(value) -> int:
    try:
        weekday = int(value)
    except (TypeError, ValueError):
        weekday = -1
    if weekday not in Weekday.values:
        raise ActionError({"weekday": [_("Choose a day of the week.")]})
    return weekday


def parse_hashtags(text: str) -> list[str]:
    """'#coffee, morning #Tel_Aviv' -> ['#coffee', '#morning', '#Tel_Aviv'] (any script, no duplicates)."""
    tags: list[str] = []
    for word in re.split(r"[\s,;]+", text or ""):
        word = word.strip().lstrip("#")
        if not word:
            continue
        if not re.fullmatch(r"\w+", word):
            raise ActionError({"hashtags": [_("%(tag)r is not a hashtag: use letters, digits and _ only.")
                                            % {"tag": word}]})
        if f"#{word}" not in tags:
            tags.append(f"#{word}")
    return tags


def parse_day(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ActionError({field: [_("%(value)r is not a date; write it as YYYY-MM-DD.") % {"value": value or ""}]}
                          ) from None


def parse_time(value) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value or "").strip()).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise ActionError({"time": [_("%(value)r is not a time; write it as HH:MM.") % {"value": value or ""}]}
                          ) from None


# -- Daily themes -------------------------------------------------------------------------


def save_theme(actor, workspace: Workspace, *, weekday, name: str, hashtags: str | list[str] = "",
               theme: DailyTheme | None = None) -> DailyTheme:
    """Add a daily theme, or change `theme` (which must belong to `workspace`)."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the theme a name.")]
    elif len(name) > 120:
        errors["name"] = [_("Keep the name under 120 characters.")]
    try:
        weekday = parse_weekday(weekday)
    except ActionError as e:
        errors.update(e.errors)
    try:
        tags = parse_hashtags(" ".join(hashtags) if isinstance(hashtags, list) else hashtags)
    except ActionError as e:
        errors.update(e.errors)
    if errors:
        raise ActionError(errors)
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


def _event_fields(kind, title, description, starts_on, ends_on) -> dict:
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the event a title.")]
    elif len(title) > 300:
        errors["title"] = [_("Keep the title under 300 characters.")]
    if kind not in EventKind.values:
        errors["kind"] = [_("Choose what kind of event it is.")]
    days = {}
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on or starts_on)):
        try:
            days[field] = parse_day(value, field)
        except ActionError as e:
            errors.update(e.errors)
    if len(days) == 2:
        if days["ends_on"] < days["starts_on"]:
            errors["ends_on"] = [_("The event cannot end before it starts.")]
        elif (days["ends_on"] - days["starts_on"]).days > MAX_EVENT_DAYS:
            errors["ends_on"] = [_("An event can last at most a year.")]
    if errors:
        raise ActionError(errors)
    return {"kind": kind, "title": title, "description": (description or "").strip(), **days}


def save_event(actor, workspace: Workspace, *, kind: str, title: str, starts_on, ends_on=None,
               description: str = "", event: PlanEvent | None = None) -> PlanEvent:
    """Add a plan event, or change `event` (which must belong to `workspace`)."""
    fields = _event_fields(kind, title, description, starts_on, ends_on)
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

    if kind not in EventKind.values:
        raise ActionError({"kind": [_("Choose what kind of event it is.")]})
    if not 1 <= months <= 36:
        raise ActionError({"months": [_("Expand repeating events over 1 to 36 months.")]})
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
    errors: dict[str, list[str]] = {}
    for parse, value in ((parse_weekday, weekday), (parse_time, time_of_day)):
        try:
            parse(value)
        except ActionError as e:
            errors.update(e.errors)
    if errors:
        raise ActionError(errors)
    weekday, at = parse_weekday(weekday), parse_time(time_of_day)
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
