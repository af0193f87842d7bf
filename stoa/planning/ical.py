"""iCalendar (.ics) files of the content plan: reading events in, writing events and posts out."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stoa import clock
from stoa.errors import ActionError
from stoa.planning.models import EventKind, PlanEvent
from stoa.posts.models import Publication, State
from stoa.workspaces.models import Workspace

MAX_EVENTS = 5000  # per file, after repeating events are expanded
PUBLICATION_UID_PREFIX = "stoa-publication-"  # our own exported posts, skipped on import
KIND_PROPERTY = "X-STOA-KIND"


@dataclass
class ImportedEvent:
    uid: str
    title: str
    description: str
    starts_on: date
    ends_on: date  # inclusive
    kind: str = ""


def _broken(reason: str) -> ActionError:
    return ActionError({"file": [_("This is not a calendar file Stoa can read (%(reason)s). Nothing was imported.")
                                 % {"reason": reason}]})


def _local_date(value: date | datetime, zone: ZoneInfo) -> date:
    """An all-day date as it is; a time as its date in the workspace's timezone (floating = local)."""
    if isinstance(value, datetime):
        return (value.astimezone(zone) if value.tzinfo else value).date()
    return value


def _span(start: date | datetime, end: date | datetime | None, zone: ZoneInfo) -> tuple[date, date]:
    """The first and last (inclusive) day an event covers. DTEND is exclusive in iCalendar."""
    first = _local_date(start, zone)
    if end is None:
        return first, first
    if not isinstance(end, datetime):
        return first, max(first, end - timedelta(days=1))
    end_local = end.astimezone(zone) if end.tzinfo else end
    last = end_local.date()
    if end_local.time() == datetime.min.time() and last > first:
        last -= timedelta(days=1)  # a timed event ending at midnight does not cover the next day
    return first, max(first, last)


def _occurrences(event, start: date | datetime, first_day: date, last_day: date) -> list[date | datetime]:
    """The starts of a repeating event between first_day and last_day (inclusive)."""
    rule = event.get("RRULE")
    if isinstance(rule, list):
        rule = rule[0]
    naive = (start.replace(tzinfo=None) if isinstance(start, datetime)
             else datetime.combine(start, datetime.min.time()))
    try:
        rules = rrulestr(rule.to_ical().decode(), dtstart=naive, ignoretz=True)
    except (ValueError, TypeError) as e:
        raise _broken(_("a repeat rule it cannot read: %(error)s") % {"error": e}) from None
    excluded = set()
    exdates = event.get("EXDATE") or []
    for item in exdates if isinstance(exdates, list) else [exdates]:
        for when in getattr(item, "dts", []):
            excluded.add(when.dt.date() if isinstance(when.dt, datetime) else when.dt)
    found: list[date | datetime] = []
    window_start = datetime.combine(first_day, datetime.min.time())
    window_end = datetime.combine(last_day, datetime.max.time())
    for when in rules.between(window_start, window_end, inc=True):
        if when.date() in excluded:
            continue
        found.append(when.replace(tzinfo=start.tzinfo) if isinstance(start, datetime) else when.date())
        if len(found) > MAX_EVENTS:
            break
    return found


def _text(event, name: str) -> str:
    value = event.get(name)
    return str(value).strip() if value is not None else ""


def parse_events(data: bytes, tz: str, start: date, months: int) -> list[ImportedEvent]:
    """The events of an .ics file, repeating ones expanded into `months` months from `start`.
    Raises ActionError for anything it cannot read, so that nothing half-imports."""
    zone = ZoneInfo(tz)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _broken(_("it is not UTF-8 text")) from None
    if "BEGIN:VCALENDAR" not in text.upper():
        raise _broken(_("no BEGIN:VCALENDAR"))
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except Exception as e:  # the library raises ValueError, KeyError and others for broken input
        raise _broken(str(e) or type(e).__name__) from None
    last_day = _add_months(start, months) - timedelta(days=1)
    events: list[ImportedEvent] = []
    for number, event in enumerate(calendar.walk("VEVENT"), start=1):
        uid = _text(event, "UID") or f"stoa-import-{number}"
        if uid.startswith(PUBLICATION_UID_PREFIX):
            continue
        try:
            dtstart = event.decoded("DTSTART")
        except Exception:
            raise _broken(_("event %(number)d has no valid start (DTSTART)") % {"number": number}) from None
        try:
            dtend = event.decoded("DTEND") if event.get("DTEND") else None
            if dtend is None and event.get("DURATION"):
                dtend = dtstart + event.decoded("DURATION")
        except Exception:
            raise _broken(_("event %(number)d has an invalid end") % {"number": number}) from None
        if isinstance(dtstart, datetime) != isinstance(dtend, datetime) and dtend is not None:
            dtend = None  # mixed date/time values: keep the start day only
        length = (dtend - dtstart) if dtend is not None else None
        kind = _text(event, KIND_PROPERTY)
        kind = kind if kind in EventKind.values else ""
        title = _text(event, "SUMMARY") or _("(untitled)")
        description = _text(event, "DESCRIPTION")
        starts = _occurrences(event, dtstart, start, last_day) if event.get("RRULE") else [dtstart]
        for when in starts:
            first, last = _span(when, when + length if length is not None else None, zone)
            occurrence_uid = f"{uid}/{first.isoformat()}" if event.get("RRULE") else uid
            events.append(ImportedEvent(occurrence_uid[:300], title, description, first, last, kind))
        if len(events) > MAX_EVENTS:
            raise _broken(ngettext("more than %(max)d event", "more than %(max)d events", MAX_EVENTS)
                          % {"max": MAX_EVENTS})
    if not events:
        raise ActionError({"file": [_("The file has no events to import.")]})
    # A later event with the same UID (a changed occurrence, RECURRENCE-ID) replaces the earlier one.
    return list({e.uid: e for e in events}.values())


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def export_plan(workspace: Workspace, host: str = "stoa") -> bytes:
    """The workspace's plan events (all-day) and its planned and published posts (timed), as .ics."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Stoa//Content plan//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", workspace.name)
    calendar.add("x-wr-timezone", workspace.timezone)
    stamp = clock.now().astimezone(UTC)
    for item in PlanEvent.objects.filter(workspace=workspace):
        event = icalendar.Event()
        event.add("uid", item.uid or f"stoa-event-{item.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", item.starts_on)
        event.add("dtend", item.ends_on + timedelta(days=1))
        event.add("summary", item.title)
        if item.description:
            event.add("description", item.description)
        event.add("categories", [str(item.get_kind_display())])
        event.add(KIND_PROPERTY, item.kind)
        calendar.add_component(event)
    publications = (Publication.objects.filter(workspace=workspace, scheduled_at__isnull=False,
                                               state__in=[State.SCHEDULED, State.PUBLISHING, State.PUBLISHED])
                    .select_related("channel", "variant__post").order_by("scheduled_at"))
    for p in publications:
        event = icalendar.Event()
        event.add("uid", f"{PUBLICATION_UID_PREFIX}{p.pk}@{host}")
        event.add("dtstamp", stamp)
        when = (p.published_at if p.state == State.PUBLISHED and p.published_at else p.scheduled_at)
        assert when is not None  # the query keeps the publications with a time
        event.add("dtstart", when.astimezone(UTC))
        event.add("dtend", when.astimezone(UTC) + timedelta(minutes=15))
        first_line = (p.variant.text.strip().splitlines() or [""])[0]
        summary = p.variant.post.title or first_line
        event.add("summary", f"{p.channel.name}: {summary[:80]}")
        event.add("description", p.variant.text)
        event.add("categories", [p.channel.network, p.variant.post.content_type])
        event.add("status", "CONFIRMED")
        if p.remote_url:
            event.add("url", p.remote_url)
        calendar.add_component(event)
    return calendar.to_ical()
