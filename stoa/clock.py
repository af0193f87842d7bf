"""The one place Stoa reads the wall clock from.

Everything that needs "now" calls clock.now(), so a test can move or freeze the time for the
whole program (time-machine, `pytest --clock-shift`) and no code keeps a clock of its own.
Durations measured inside a process (timeouts, pauses) use time.monotonic(), which is not the
time of day and is never shifted.
"""

from datetime import UTC, date, datetime, tzinfo


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    return datetime.now(UTC)


def today(zone: tzinfo) -> date:
    """Today's date where `zone` is."""
    return now().astimezone(zone).date()


def timestamp() -> float:
    """Seconds since the UNIX epoch, for protocols that speak in them (rate-limit resets, signatures)."""
    return now().timestamp()
