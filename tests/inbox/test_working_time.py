"""Response clocks count working time only: the workspace's hours, its days off, its timezone."""

from datetime import UTC, datetime, timedelta

from stoa.inbox.working_time import WorkingClock

WEEKDAYS_9_TO_18 = {str(d): [["09:00", "18:00"]] for d in range(5)}


def jerusalem(*args) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Asia/Jerusalem")).astimezone(UTC)


def test_an_hour_from_friday_evening_ends_on_monday_morning():
    clock = WorkingClock(WEEKDAYS_9_TO_18, [], "Asia/Jerusalem")
    assert clock.add(jerusalem(2026, 12, 4, 17, 30), 60) == jerusalem(2026, 12, 7, 9, 30)


def test_a_holiday_does_not_count():
    clock = WorkingClock(WEEKDAYS_9_TO_18, ["2026-12-07"], "Asia/Jerusalem")
    assert clock.add(jerusalem(2026, 12, 4, 17, 30), 60) == jerusalem(2026, 12, 8, 9, 30)


def test_a_message_at_night_starts_its_clock_in_the_morning():
    clock = WorkingClock(WEEKDAYS_9_TO_18, [], "Asia/Jerusalem")
    assert clock.add(jerusalem(2026, 12, 2, 3, 0), 10) == jerusalem(2026, 12, 2, 9, 10)


def test_without_working_hours_every_minute_counts():
    clock = WorkingClock({}, [], "Europe/Athens")
    start = datetime(2026, 12, 5, 23, 50, tzinfo=UTC)
    assert clock.add(start, 30) == start + timedelta(minutes=30)


def test_split_shifts_and_the_working_time_between_two_moments():
    clock = WorkingClock({"2": [["09:00", "12:00"], ["14:00", "18:00"]]}, [], "Asia/Jerusalem")
    assert clock.add(jerusalem(2026, 12, 2, 11, 30), 60) == jerusalem(2026, 12, 2, 14, 30)
    assert clock.between(jerusalem(2026, 12, 2, 11, 0), jerusalem(2026, 12, 2, 15, 0)) == timedelta(hours=2)


def test_the_night_clocks_change_counts_its_real_hours():
    clock = WorkingClock({}, [], "Europe/Athens")  # clocks go back at 04:00 on 2026-10-25
    start = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert clock.add(start, 120) == start + timedelta(hours=2)


def test_a_workspace_that_never_works_has_no_deadline():
    assert WorkingClock({"0": []}, [], "UTC").add(datetime(2026, 1, 1, tzinfo=UTC), 5) is None
