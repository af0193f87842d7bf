"""Response clocks that run in working time only: the workspace's hours per weekday, minus its days off."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 400  # a clock that finds no working time within a year stops looking


def parse_hours(hours: dict) -> dict[int, list[tuple[time, time]]]:
    """{"0": [["09:00", "18:00"]]} -> {0: [(09:00, 18:00)]}; an empty dict means always open."""
    parsed = {}
    for weekday, spans in (hours or {}).items():
        parsed[int(weekday)] = sorted((time.fromisoformat(a), time.fromisoformat(b)) for a, b in spans)
    return parsed


def open_spans(day: date, hours: dict[int, list[tuple[time, time]]], holidays: set[date],
               zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The day's working spans in UTC (so that a daylight-saving change counts its real hour)."""
    if day in holidays:
        return []
    if not hours:
        spans = [(datetime.combine(day, time.min, zone), datetime.combine(day + timedelta(days=1), time.min, zone))]
    else:
        spans = [(datetime.combine(day, a, zone), datetime.combine(day, b, zone))
                 for a, b in hours.get(day.weekday(), [])]
    return [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in spans]


class WorkingClock:
    def __init__(self, hours: dict, holidays: list[str], timezone: str):
        self.hours = parse_hours(hours)
        self.holidays = {date.fromisoformat(d) for d in holidays or []}
        self.zone = ZoneInfo(timezone)

    def add(self, start: datetime, minutes: float) -> datetime | None:
        """When `minutes` of working time have passed after `start` (UTC)."""
        left = timedelta(minutes=minutes)
        start = start.astimezone(UTC)
        first_day = start.astimezone(self.zone).date()
        for offset in range(MAX_DAYS):
            for a, b in open_spans(first_day + timedelta(days=offset), self.hours, self.holidays, self.zone):
                a = max(a, start)
                if b <= a:
                    continue
                if b - a >= left:
                    return a + left
                left -= b - a
        return None

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from `start` to `end`."""
        total = timedelta()
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        day, last_day = start.astimezone(self.zone).date(), end.astimezone(self.zone).date()
        while day <= last_day:
            for a, b in open_spans(day, self.hours, self.holidays, self.zone):
                a, b = max(a, start), min(b, end)
                if b > a:
                    total += b - a
            day += timedelta(days=1)
        return total
