"""Times are entered and shown in the workspace's timezone and stored in UTC."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from stoa.errors import ActionError


def parse_when(text: str) -> datetime:
    """'2026-12-01 10:00', '2026-12-01T10:00' (local) or with an offset such as '...Z' (absolute)."""
    value = text.strip().replace(" ", "T", 1)
    if value.endswith("Z"):
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


def to_local(when: datetime | None, timezone: str) -> datetime | None:
    return when.astimezone(ZoneInfo(timezone)) if when else None
