"""Shift the wall clock of this Python process when STOA_TEST_CLOCK_SHIFT is set ("+400d", "-30d", "+6h").

`pytest --clock-shift=+400d` sets the variable and puts this folder on PYTHONPATH, so every Python
process a test starts (`stoa worker`, `stoa run`, `stoa shell`) lives on the same shifted clock as
the test itself. time-machine moves the wall clock (datetime.now, time.time) and leaves the
monotonic clock alone, so timeouts, sleeps and thread waits behave as they do without it.
"""

import os
import re
from datetime import UTC, datetime, timedelta

UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_shift(text: str) -> timedelta:
    match = re.fullmatch(r"([+-]\d+)([dhms])", text.strip())
    if not match:
        raise ValueError(f"a clock shift looks like +400d, -30d, +6h or -90m, not {text!r}")
    return timedelta(**{UNITS[match[2]]: int(match[1])})


def shift_clock(text: str):
    """Start travelling; the clock keeps ticking from now + shift. Returns the traveller."""
    import time_machine

    traveller = time_machine.travel(datetime.now(UTC) + parse_shift(text), tick=True)
    traveller.start()
    return traveller


if os.environ.get("STOA_TEST_CLOCK_SHIFT"):
    shift_clock(os.environ["STOA_TEST_CLOCK_SHIFT"])
