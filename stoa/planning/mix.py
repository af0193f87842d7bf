"""The content mix: which kinds of posts a week holds, and warnings when the plan breaks the
workspace's mix rules (selling share, selling posts in a row) or a channel's posting rules."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stoa.channels.models import Channel
from stoa.posts.models import ContentType, Publication, State
from stoa.posts.times import to_local, to_utc
from stoa.workspaces.models import Workspace

# What counts as planned: scheduled, going out, or out.
COUNTED_STATES = (State.SCHEDULED, State.PUBLISHING, State.PUBLISHED)


@dataclass(slots=True)
class MixItem:
    publication_id: int
    post_id: int
    channel_id: int
    when: datetime  # aware; compared as instants
    local: datetime  # the same instant in the workspace's timezone
    content_type: str


@dataclass
class MixWarning:
    kind: str  # selling_in_a_row | selling_share | min_gap | daily_max
    workspace_id: int
    day: date  # the local day it is shown on
    message: str
    publication_ids: list[int] = field(default_factory=list)


@dataclass
class Share:
    content_type: str
    label: str
    posts: int
    percent: int


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _when(local: datetime) -> str:
    return date_format(local, "SHORT_DATETIME_FORMAT")


def shares(items: list[MixItem]) -> list[Share]:
    """The share of each content type among the posts (a post on three channels counts once)."""
    kinds = {item.post_id: item.content_type for item in items}
    total = len(kinds)
    counts: dict[str, int] = defaultdict(int)
    for kind in kinds.values():
        counts[kind] += 1
    return [Share(value, str(label), counts[value], round(100 * counts[value] / total) if total else 0)
            for value, label in ContentType.choices if counts[value]]


def selling_percent(items: list[MixItem]) -> int:
    kinds = {item.post_id: item.content_type for item in items}
    if not kinds:
        return 0
    return round(100 * sum(1 for k in kinds.values() if k == ContentType.SELLING) / len(kinds))


def warnings(workspace: Workspace, channels: dict[int, Channel], items: list[MixItem]) -> list[MixWarning]:
    """Every warning for one workspace's planned posts; items may span several weeks."""
    found: list[MixWarning] = []
    by_channel: dict[int, list[MixItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.when, i.publication_id)):
        by_channel[item.channel_id].append(item)
    for channel_id, planned in by_channel.items():
        channel = channels.get(channel_id)
        if channel is not None:
            found += _selling_runs(workspace, channel, planned) + _channel_rules(workspace, channel, planned)
    by_week: dict[date, list[MixItem]] = defaultdict(list)
    for item in items:
        by_week[week_start(item.local.date())].append(item)
    for monday, week in sorted(by_week.items()):
        percent = selling_percent(week)
        if percent > workspace.max_selling_percent:
            found.append(MixWarning("selling_share", workspace.pk, monday, _(
                "%(workspace)s, week of %(day)s: %(percent)d%% of the posts are selling; the limit is %(max)d%%."
            ) % {"workspace": workspace.name, "day": date_format(monday, "SHORT_DATE_FORMAT"), "percent": percent,
                 "max": workspace.max_selling_percent},
                [i.publication_id for i in week if i.content_type == ContentType.SELLING]))
    return found


def _selling_runs(workspace: Workspace, channel: Channel, planned: list[MixItem]) -> list[MixWarning]:
    """A warning for each run of selling posts on the channel longer than the workspace allows."""
    found, run = [], []
    for item in [*planned, None]:
        if item is not None and item.content_type == ContentType.SELLING:
            run.append(item)
            continue
        if len(run) > workspace.max_selling_in_a_row:
            found.append(MixWarning("selling_in_a_row", workspace.pk, run[-1].local.date(), ngettext(
                "%(channel)s: %(count)d selling post in a row, the last at %(time)s; the limit is %(max)d.",
                "%(channel)s: %(count)d selling posts in a row, the last at %(time)s; the limit is %(max)d.", len(run)
            ) % {"channel": channel.name, "count": len(run), "time": _when(run[-1].local),
                 "max": workspace.max_selling_in_a_row}, [i.publication_id for i in run]))
        run = []
    return found


def _channel_rules(workspace: Workspace, channel: Channel, planned: list[MixItem]) -> list[MixWarning]:
    found = []
    if channel.min_gap_minutes:
        gap = timedelta(minutes=channel.min_gap_minutes)
        for before, after in zip(planned, planned[1:], strict=False):
            if after.when - before.when < gap:
                minutes = int((after.when - before.when).total_seconds() // 60)
                found.append(MixWarning("min_gap", workspace.pk, after.local.date(), ngettext(
                    "%(channel)s: posts at %(first)s and %(second)s are %(minutes)d minute apart; "
                    "the rule is at least %(min)d.",
                    "%(channel)s: posts at %(first)s and %(second)s are %(minutes)d minutes apart; "
                    "the rule is at least %(min)d.", minutes) % {
                    "channel": channel.name, "first": _when(before.local), "second": _when(after.local),
                    "minutes": minutes, "min": channel.min_gap_minutes},
                    [before.publication_id, after.publication_id]))
    if channel.daily_max:
        per_day: dict[date, list[MixItem]] = defaultdict(list)
        for item in planned:
            per_day[item.local.date()].append(item)
        for day, same_day in sorted(per_day.items()):
            if len(same_day) > channel.daily_max:
                found.append(MixWarning("daily_max", workspace.pk, day, ngettext(
                    "%(channel)s: %(count)d post on %(day)s; the rule is at most %(max)d a day.",
                    "%(channel)s: %(count)d posts on %(day)s; the rule is at most %(max)d a day.", len(same_day)) % {
                    "channel": channel.name, "count": len(same_day), "day": date_format(day, "SHORT_DATE_FORMAT"),
                    "max": channel.daily_max}, [i.publication_id for i in same_day]))
    return found


@dataclass
class WeekMix:
    start: date
    end: date  # Sunday, inclusive
    posts: int
    shares: list[Share]
    selling_percent: int
    warnings: list[MixWarning]


def load_items(workspace: Workspace, first: date, last: date) -> list[MixItem]:
    """The workspace's planned and published publications on local days first..last (inclusive)."""
    lo = to_utc(datetime.combine(first, datetime.min.time()), "UTC") - timedelta(hours=15)
    hi = to_utc(datetime.combine(last + timedelta(days=1), datetime.min.time()), "UTC") + timedelta(hours=15)
    rows = (Publication.objects.filter(workspace=workspace, state__in=COUNTED_STATES,
                                       scheduled_at__gte=lo, scheduled_at__lt=hi)
            .values_list("pk", "variant__post_id", "channel_id", "scheduled_at", "variant__post__content_type"))
    items = []
    for pk, post_id, channel_id, when, content_type in rows:
        assert when is not None  # the query's range excludes publications without a time
        local = to_local(when, workspace.timezone)
        if first <= local.date() <= last:
            items.append(MixItem(pk, post_id, channel_id, when, local, content_type))
    return items


def month_weeks(workspace: Workspace, first: date, last: date) -> list[WeekMix]:
    """The mix of each week (Monday to Sunday) that touches first..last."""
    monday = week_start(first)
    items = load_items(workspace, monday, week_start(last) + timedelta(days=6))
    channels = {c.pk: c for c in Channel.objects.filter(workspace=workspace)}
    all_warnings = warnings(workspace, channels, items)
    weeks = []
    while monday <= last:
        sunday = monday + timedelta(days=6)
        week = [i for i in items if monday <= i.local.date() <= sunday]
        weeks.append(WeekMix(monday, sunday, len({i.post_id for i in week}), shares(week), selling_percent(week),
                             [w for w in all_warnings if monday <= w.day <= sunday]))
        monday += timedelta(days=7)
    return weeks
