"""Times are entered and shown in the workspace's timezone and stored in UTC."""

import argparse
from datetime import UTC, datetime
from typing import overload
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from stoa.errors import ActionError

# How a time is written on the command line (the API and the pages read the same).
WHEN_HELP = ("the time: YYYY-MM-DD HH:MM or HH:MM:SS in the workspace's timezone (2026-12-01 09:30), or ISO 8601 "
             "with an offset for that instant (2026-12-01T09:30:15+02:00, 2026-12-01T07:30:15Z)")


def parse_when(text: str) -> datetime:
    """'2026-12-01 10:00', '2026-12-01T10:00:30' (local, naive) or with an offset such as '+02:00' or
    'Z' (that instant, aware): ISO 8601 as the API reads it, to the second or finer."""
    value = text.strip().replace(" ", "T", 1)
    if value[10:11] == "t":
        value = value[:10] + "T" + value[11:]
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ActionError({"scheduled_at": [
            _("%(text)r is not a time; write it as YYYY-MM-DD HH:MM in the workspace's timezone.") % {"text": text}
        ]}) from None


def to_utc(when: datetime, timezone: str, field: str = "scheduled_at") -> datetime:
    """A naive time is a wall-clock time in `timezone`. One that does not exist (clocks jump
    forward) or happens twice (clocks go back) is refused rather than silently shifted."""
    if when.tzinfo is not None:
        return when.astimezone(UTC)
    zone = ZoneInfo(timezone)
    first, second = when.replace(tzinfo=zone, fold=0), when.replace(tzinfo=zone, fold=1)
    wall = f"{when:%Y-%m-%d %H:%M}"
    if first.utcoffset() != second.utcoffset():
        # fold=0 and fold=1 disagree both for a gap and for an overlap; a round trip tells which.
        if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != when:
            raise ActionError({field: [
                _("%(time)s does not exist in %(tz)s: the clocks jump forward at that time. Pick another time.")
                % {"time": wall, "tz": timezone}
            ]})
        raise ActionError({field: [
            _("%(time)s happens twice in %(tz)s: the clocks go back at that time. "
              "Pick another time, or give it with its UTC offset.") % {"time": wall, "tz": timezone}
        ]})
    return first.astimezone(UTC)


@overload
def to_local(when: datetime, timezone: str) -> datetime: ...
@overload
def to_local(when: None, timezone: str) -> None: ...
@overload
def to_local(when: datetime | None, timezone: str) -> datetime | None: ...
def to_local(when: datetime | None, timezone: str) -> datetime | None:
    return when.astimezone(ZoneInfo(timezone)) if when else None


def when_said(when: datetime, timezone: str) -> str:
    """A stored time as a person reads it back: local wall time, to the second when it has seconds,
    with the timezone and its offset then ('2026-12-01 09:30 (Asia/Jerusalem, UTC+02:00)')."""
    local = when.astimezone(ZoneInfo(timezone))
    offset = local.strftime("%z")
    shown = f"{local:%Y-%m-%d %H:%M:%S}" if local.second or local.microsecond else f"{local:%Y-%m-%d %H:%M}"
    return f"{shown} ({timezone}, UTC{offset[:3]}:{offset[3:]})"


def at_time(text: str) -> datetime:
    """--at as argparse reads it: a naive local time or an aware instant, or a usage error saying how."""
    try:
        return parse_when(text)
    except ActionError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time; give {WHEN_HELP}") from None
