"""A spike in the hits' volume, or in their share of negative ones, told to the workspace's managers once a day.

Today (in the workspace's time zone) is compared with the week before it, from the day counts: a volume spike is
at least VOLUME_MIN hits and VOLUME_FACTOR times the week's daily mean; a negative spike is at least NEGATIVE_MIN
hits today of which a share of at least NEGATIVE_SHARE are negative, and at least NEGATIVE_FACTOR times the week's.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from stoa import clock
from stoa.listening.models import Alert, DayCount, Spike
from stoa.workspaces.actions import in_their_language, notify
from stoa.workspaces.models import Workspace

WEEK = 7
VOLUME_MIN, VOLUME_FACTOR = 20, 3.0
NEGATIVE_MIN, NEGATIVE_SHARE, NEGATIVE_FACTOR = 10, 0.4, 2.0


def today_of(workspace: Workspace) -> date:
    return clock.now().astimezone(zoneinfo.ZoneInfo(workspace.timezone or "UTC")).date()


def totals(workspace: Workspace, first: date, last: date) -> tuple[int, int]:
    """All hits and the negative ones, from `first` to `last` (both included)."""
    counted = DayCount.objects.filter(workspace=workspace, day__gte=first, day__lte=last).aggregate(
        total=Sum("hits"), negative=Sum("hits", filter=Q(sentiment="negative")))
    return counted["total"] or 0, counted["negative"] or 0


def spikes(workspace: Workspace, today: date) -> dict[str, dict]:
    """The spikes of today, each with its figures."""
    hits, negative = totals(workspace, today, today)
    week_hits, week_negative = totals(workspace, today - timedelta(days=WEEK), today - timedelta(days=1))
    found: dict[str, dict] = {}
    mean = week_hits / WEEK
    if hits >= VOLUME_MIN and hits >= VOLUME_FACTOR * max(mean, 1):
        found[Spike.VOLUME] = {"hits": hits, "daily_mean": round(mean, 1)}
    share, usual = negative / hits if hits else 0, week_negative / week_hits if week_hits else 0
    if hits >= NEGATIVE_MIN and share >= NEGATIVE_SHARE and share >= NEGATIVE_FACTOR * usual:
        found[Spike.NEGATIVE] = {"share": round(share, 3), "usual_share": round(usual, 3), "hits": hits}
    return found


MESSAGES: dict[str, Promise] = {
    Spike.VOLUME: _("Listening: %(hits)s posts about %(workspace)s today, against %(daily_mean)s a day last week."),
    Spike.NEGATIVE: _("Listening: %(percent)s%% of today's %(hits)s posts about %(workspace)s are negative, "
                      "against %(usual)s%% last week."),
}


def check_spikes(workspace: Workspace) -> list[Alert]:
    """Tell the managers of each spike of today not told yet."""
    today = today_of(workspace)
    sent = []
    for kind, detail in spikes(workspace, today).items():
        try:
            with transaction.atomic():
                alert = Alert.objects.create(workspace=workspace, day=today, kind=kind, detail=detail,
                                             sent_at=clock.now())
        except IntegrityError:
            continue  # told already (by this worker or another)
        values = {"workspace": workspace.name, **detail, "percent": round(100 * detail.get("share", 0)),
                  "usual": round(100 * detail.get("usual_share", 0))}
        notify(workspace.pk, f"listening.{kind}", in_their_language(MESSAGES[kind], **values),
               link=f"{reverse('listening')}?workspace={workspace.slug}")
        sent.append(alert)
    return sent
