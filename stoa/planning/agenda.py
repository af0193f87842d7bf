"""What the calendar shows: publications, themes, events and mix warnings per local day.

One query fetches every publication of the range (flat values, no model instances), so the
month view of several busy workspaces stays fast; entries are grouped by the local day of
THEIR workspace's timezone."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models.functions import Substr
from django.urls import NoReverseMatch, reverse

from stoa import clock
from stoa.channels.models import Channel
from stoa.planning import mix
from stoa.planning.models import DailyTheme, PlanEvent
from stoa.posts.models import EDITABLE_STATES, ContentType, Publication, State
from stoa.posts.status import Status, of_publication
from stoa.workspaces.models import Workspace

PALETTE = ["#2e5bff", "#d9480f", "#2b8a3e", "#ae3ec9", "#0b7285", "#c2255c", "#5f3dc4", "#8d6e00"]
SNIPPET = 90  # characters of the text shown on an entry


@dataclass(slots=True)
class Entry:
    id: int
    post_id: int
    workspace: Workspace
    channel: Channel
    state: str
    content_type: str
    approval_state: str
    when: datetime
    local: datetime
    text: str
    colour: str = ""
    movable: bool = False
    warn: bool = False
    exempt: bool = False  # publishes without approval (scheduled before the workspace required it)
    # One state: "Waiting for approval" rather than "Scheduled" beside "In review".
    status: Status = field(init=False)

    def __post_init__(self) -> None:
        self.status = of_publication(self.state, self.when, requires_approval=self.workspace.requires_approval,
                                     approval_state=self.approval_state, exempt=self.exempt)

    @property
    def wall(self) -> datetime:
        """The local time without its zone, so that templates do not convert it to the site's zone."""
        return self.local.replace(tzinfo=None)

    @property
    def post_url(self) -> str:
        return post_url(self.post_id)

    @property
    def state_label(self) -> str:
        return self.status.label

    @property
    def approval_label(self) -> str:
        """Where the approval stands, while it matters (not once published, nor where none is required)."""
        return self.status.detail

    @property
    def type_label(self) -> str:
        return str(ContentType(self.content_type).label) if self.content_type in ContentType.values else ""


@dataclass
class Day:
    date: date
    entries: list[Entry] = field(default_factory=list)
    themes: list[tuple[Workspace, DailyTheme]] = field(default_factory=list)
    events: list[PlanEvent] = field(default_factory=list)
    warnings: list[mix.MixWarning] = field(default_factory=list)
    in_range: bool = True
    past: bool = False
    today: bool = False
    shown: list[Entry] = field(default_factory=list)  # the entries drawn; the rest are "+N more"

    @property
    def planned(self) -> int:
        return sum(1 for e in self.entries if e.state != State.CANCELLED)

    @property
    def empty(self) -> bool:
        return self.planned == 0

    @property
    def more(self) -> int:
        return len(self.entries) - len(self.shown)


_POST_URL: list[str] = []


def post_url(post_id: int) -> str:
    if not _POST_URL:
        try:
            _POST_URL.append(reverse("post", args=[987654321]).replace("987654321", "{}"))
        except NoReverseMatch:
            _POST_URL.append("/posts/{}/")
    return _POST_URL[0].format(post_id)


@dataclass
class Selection:
    workspaces: list[Workspace]  # the ones shown
    channel_ids: list[int] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    movable_workspace_ids: set[int] = field(default_factory=set)  # where the user may reschedule
    palette: dict[int, str] = field(default_factory=dict)  # workspace id -> colour, stable across filters


def colours(workspaces: list[Workspace]) -> dict[int, str]:
    return {w.pk: PALETTE[n % len(PALETTE)] for n, w in enumerate(workspaces)}


def fetch_entries(selection: Selection, first: date, last: date, channels: dict[int, Channel],
                  palette: dict[int, str]) -> tuple[list[Entry], list[mix.MixWarning]]:
    """The entries on local days first..last (filtered) and the mix warnings of all planned posts."""
    workspaces = {w.pk: w for w in selection.workspaces}
    zones = {w.pk: ZoneInfo(w.timezone) for w in selection.workspaces}
    # Every timezone is within UTC-12..+14 of UTC: fetch a little more, then keep by local day.
    lo = datetime.combine(first, time.min, tzinfo=UTC) - timedelta(hours=15)
    hi = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC) + timedelta(hours=15)
    rows = (Publication.objects.filter(workspace_id__in=list(workspaces), scheduled_at__gte=lo, scheduled_at__lt=hi)
            .annotate(snippet=Substr("variant__text", 1, SNIPPET + 1))
            .order_by("scheduled_at", "pk")
            .values_list("pk", "variant__post_id", "workspace_id", "channel_id", "state",
                         "variant__post__content_type", "variant__post__approval_state", "scheduled_at",
                         "snippet", "variant__post__title", "variant__post__approval_exempt"))
    entries: list[Entry] = []
    planned: dict[int, list[mix.MixItem]] = defaultdict(list)
    wanted_states = set(selection.states) or {s for s in State.values if s != State.CANCELLED}
    wanted_types, wanted_channels = set(selection.types), set(selection.channel_ids)
    for pk, post_id, ws_id, channel_id, state, kind, approval, when, snippet, title, exempt in rows:
        assert when is not None  # the query's range excludes publications without a time
        local = when.astimezone(zones[ws_id])
        if not first <= local.date() <= last or channel_id not in channels:
            continue
        if state in mix.COUNTED_STATES:
            planned[ws_id].append(mix.MixItem(pk, post_id, channel_id, when, local, kind))
        if (state not in wanted_states or (wanted_types and kind not in wanted_types)
                or (wanted_channels and channel_id not in wanted_channels)):
            continue
        text = snippet if len(snippet) <= SNIPPET else snippet[:SNIPPET - 1] + "…"
        entries.append(Entry(pk, post_id, workspaces[ws_id], channels[channel_id], state, kind, approval, when,
                             local, text or title, palette.get(ws_id, PALETTE[0]),
                             movable=state in EDITABLE_STATES and ws_id in selection.movable_workspace_ids,
                             exempt=exempt))
    found: list[mix.MixWarning] = []
    ws_channels: dict[int, dict[int, Channel]] = defaultdict(dict)
    for c in channels.values():
        ws_channels[c.workspace_id][c.pk] = c
    for ws_id, items in planned.items():
        found += mix.warnings(workspaces[ws_id], ws_channels[ws_id], items)
    warned = {pk for w in found for pk in w.publication_ids}
    for entry in entries:
        entry.warn = entry.id in warned
    return entries, found


def build_days(selection: Selection, first: date, last: date, *, today: date, per_day: int | None,
               in_range: tuple[date, date] | None = None) -> tuple[list[Day], list[mix.MixWarning]]:
    """One Day per local date first..last with its entries (at most `per_day` drawn), themes and events."""
    ids = [w.pk for w in selection.workspaces]
    channels = {c.pk: c for c in Channel.objects.filter(workspace_id__in=ids)
                .only("pk", "name", "network", "workspace_id", "min_gap_minutes", "daily_max")}
    palette = selection.palette or colours(selection.workspaces)
    for workspace in selection.workspaces:
        workspace.colour = palette.get(workspace.pk, PALETTE[0])
    entries, warnings = fetch_entries(selection, first, last, channels, palette)
    days = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range((last - first).days + 1)}
    for entry in entries:
        days[entry.local.date()].entries.append(entry)
    workspaces = {w.pk: w for w in selection.workspaces}
    themes = defaultdict(list)
    for theme in DailyTheme.objects.filter(workspace_id__in=ids):
        themes[theme.weekday].append((workspaces[theme.workspace_id], theme))
    events = list(PlanEvent.objects.filter(workspace_id__in=ids, starts_on__lte=last, ends_on__gte=first))
    for event in events:
        event.workspace = workspaces[event.workspace_id]  # the one with its colour
    for warning in warnings:
        if warning.day in days:
            days[warning.day].warnings.append(warning)
    start, end = in_range or (first, last)
    for day in days.values():
        day.themes = themes[day.date.weekday()]
        day.events = [e for e in events if e.starts_on <= day.date <= e.ends_on]
        day.in_range = start <= day.date <= end
        day.past, day.today = day.date < today, day.date == today
        day.shown = day.entries[:per_day] if per_day else day.entries
    return list(days.values()), warnings


def today_for(workspaces: list[Workspace]) -> date:
    """Today in the first shown workspace's timezone (UTC without any)."""
    zone = ZoneInfo(workspaces[0].timezone) if workspaces else UTC
    return clock.today(zone)


def entry_for(publication: Publication, palette: dict[int, str], movable: bool) -> Entry:
    """The entry of one publication (after it moved), fetched with channel, workspace and post."""
    workspace, post = publication.workspace, publication.variant.post
    text = publication.variant.text
    text = text if len(text) <= SNIPPET else text[:SNIPPET - 1] + "…"
    when = publication.scheduled_at
    assert when is not None  # it was just moved to a time
    local = when.astimezone(ZoneInfo(workspace.timezone))
    return Entry(publication.pk, post.pk, workspace, publication.channel, publication.state, post.content_type,
                 post.approval_state, when, local, text or post.title,
                 palette.get(workspace.pk, PALETTE[0]),
                 movable=movable and publication.state in EDITABLE_STATES, exempt=post.approval_exempt)
