from datetime import UTC, datetime

import pytest

from stoa.errors import ActionError
from stoa.posts.times import parse_when, to_utc, when_said


def test_local_time_is_converted_with_the_workspace_timezone():
    assert to_utc(datetime(2026, 12, 1, 10, 0), "Asia/Jerusalem") == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_time_with_an_offset_is_taken_as_that_instant():
    assert to_utc(parse_when("2026-12-01T10:00Z"), "Asia/Tehran") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def test_time_that_does_not_exist_at_spring_forward_is_refused():
    # Athens moves clocks from 03:00 to 04:00 on the last Sunday of March.
    with pytest.raises(ActionError, match="does not exist in Europe/Athens"):
        to_utc(datetime(2026, 3, 29, 3, 30), "Europe/Athens")


def test_time_that_happens_twice_at_fall_back_is_refused():
    # Athens moves clocks from 04:00 back to 03:00 on the last Sunday of October.
    with pytest.raises(ActionError, match="happens twice in Europe/Athens"):
        to_utc(datetime(2026, 10, 25, 3, 30), "Europe/Athens")


def test_time_next_to_a_dst_change_is_accepted():
    assert to_utc(datetime(2026, 3, 29, 4, 0), "Europe/Athens") == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_unreadable_time_says_how_to_write_it():
    with pytest.raises(ActionError, match="YYYY-MM-DD HH:MM"):
        parse_when("next tuesday")


@pytest.mark.parametrize(("text", "meant"), [
    ("2026-12-01 10:00", datetime(2026, 12, 1, 10, 0)),  # local to the workspace
    ("2026-12-01 10:00:30", datetime(2026, 12, 1, 10, 0, 30)),
    ("2026-12-01T10:00:30+05:30", datetime(2026, 12, 1, 4, 30, 30, tzinfo=UTC)),
    ("2026-12-01T10:00:30.250-03:00", datetime(2026, 12, 1, 13, 0, 30, 250000, tzinfo=UTC)),
    ("2026-12-01t10:00z", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
    (" 2026-12-01T10:00:30Z ", datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)),
])
def test_times_are_read_to_the_second_local_or_with_an_offset(text, meant):
    when = parse_when(text)
    assert when == meant and (when.tzinfo is None) == (meant.tzinfo is None)


def test_a_time_is_said_back_local_with_its_offset():
    assert when_said(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "Asia/Jerusalem") == \
        "2026-12-01 10:00 (Asia/Jerusalem, UTC+02:00)"
    assert when_said(datetime(2026, 7, 1, 4, 29, 5, tzinfo=UTC), "Asia/Kolkata") == \
        "2026-07-01 09:59:05 (Asia/Kolkata, UTC+05:30)"
