"""The best times to post on a channel, from its own history: the engagement rate by weekday x hour in the
workspace's timezone over the last year. With too little history, a stated fallback: the channel's queue slots,
else the network's general habits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from django.utils.translation import ngettext

from stoa import clock
from stoa.analytics.queries import WEEKDAY_HOUR, Scope, grouped, measured
from stoa.channels.models import Channel
from stoa.planning.models import TimeSlot

MIN_POSTS = 20  # posts with a rate, over the last year, before the channel's own history is trusted
MIN_POSTS_IN_A_SLOT = 2  # a weekday x hour with fewer posts says nothing
HISTORY = timedelta(days=365)
SUGGESTIONS = 3

# Commonly reported good times (weekday 0 = Monday, hour, local time), when a channel's own history is too short.
NETWORK_HABITS: dict[str, list[tuple[int, int]]] = {
    "bluesky": [(1, 9), (2, 12), (3, 17)],
    "mastodon": [(1, 10), (2, 14), (3, 10)],
    "telegram": [(0, 9), (2, 19), (4, 12)],
}
GENERAL_HABITS = [(1, 10), (2, 12), (3, 15)]

OWN, QUEUE, HABITS = "own", "queue", "habits"


@dataclass
class BestTimes:
    channel: Channel
    source: str  # OWN, QUEUE or HABITS
    slots: list[tuple[int, int]]  # (weekday, hour), best first
    posts: int  # posts with a rate in the history
    rates: dict[tuple[int, int], float | None] = field(default_factory=dict)

    @property
    def explanation(self) -> str:
        """Where the times come from, one whole sentence for each source, so that a translation may order it as its
        language does."""
        values = {"n": self.posts, "min": MIN_POSTS, "network": self.channel.network_name}
        if self.source == OWN:
            return ngettext("From this channel's %(n)d measured post over the last year.",
                            "From this channel's %(n)d measured posts over the last year.", self.posts) % values
        if self.source == QUEUE:
            return ngettext("Only %(n)d measured post on this channel (at least %(min)d are needed): showing the "
                            "workspace's queue slots instead.",
                            "Only %(n)d measured posts on this channel (at least %(min)d are needed): showing the "
                            "workspace's queue slots instead.", self.posts) % values
        return ngettext("Only %(n)d measured post on this channel (at least %(min)d are needed): showing common good "
                        "times on %(network)s instead.",
                        "Only %(n)d measured posts on this channel (at least %(min)d are needed): showing common good "
                        "times on %(network)s instead.", self.posts) % values


def best_times(channel: Channel) -> BestTimes:
    """One aggregate query over the channel's history, then the fallback if it is too short."""
    end = clock.now()
    scope = Scope(workspaces=(channel.workspace,), start=end - HISTORY, end=end, channel_ids=(channel.pk,))
    cells = grouped(measured(scope), *WEEKDAY_HOUR)
    rated = sum(row["by_impressions"] + row["by_followers"] for row in cells)
    if rated >= MIN_POSTS:
        rates = {(row["weekday"], row["hour"]): row["rate"] for row in cells}
        ranked = sorted((row for row in cells if row["rate"] is not None
                         and row["by_impressions"] + row["by_followers"] >= MIN_POSTS_IN_A_SLOT),
                        key=lambda row: (-row["rate"], row["weekday"], row["hour"]))
        return BestTimes(channel, OWN, [(row["weekday"], row["hour"]) for row in ranked[:SUGGESTIONS]], rated, rates)
    queue = list(TimeSlot.objects.filter(channel=channel).values_list("weekday", "time"))
    if queue:
        return BestTimes(channel, QUEUE, [(weekday, at.hour) for weekday, at in queue], rated)
    return BestTimes(channel, HABITS, NETWORK_HABITS.get(channel.network, GENERAL_HABITS), rated)


def suggested_slots(channel: Channel) -> list[tuple[int, time]]:
    """The best times from the channel's own history that are not yet in its queue (nothing without history)."""
    found = best_times(channel)
    if found.source != OWN:
        return []
    queue = set(TimeSlot.objects.filter(channel=channel).values_list("weekday", "time"))
    return [(weekday, time(hour)) for weekday, hour in found.slots if (weekday, time(hour)) not in queue]
