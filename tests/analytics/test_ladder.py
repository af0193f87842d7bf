"""The age ladder: a post's counts are read 1 h, 6 h, 24 h, 3 d, 7 d and 30 d after it was published, then monthly."""

from datetime import timedelta

from stoa import clock
from stoa.analytics.ladder import first_read, next_read

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def test_a_post_read_on_time_climbs_every_rung_then_monthly():
    published = clock.now()
    reads = [first_read(published)]
    while len(reads) < 9:
        reads.append(next_read(published, reads[-1]))
    assert [read - published for read in reads] == [HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY, 60 * DAY,
                                                     90 * DAY, 120 * DAY]


def test_a_late_read_goes_on_to_the_next_rung_ahead_without_reading_the_missed_ones():
    published = clock.now()
    assert next_read(published, published + 2 * DAY) - published == 3 * DAY  # 6 h and 24 h were missed
    assert next_read(published, published + 45 * DAY) - published == 60 * DAY
    assert next_read(published, published + 400 * DAY) - published == 420 * DAY


def test_a_read_a_moment_before_a_rung_still_reads_at_that_rung():
    published = clock.now()
    assert next_read(published, published + 6 * HOUR - timedelta(seconds=1)) - published == 6 * HOUR
    assert next_read(published, published + 6 * HOUR) - published == DAY
