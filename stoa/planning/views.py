"""Pages of the calendar and the content plan. Views parse, check access, call actions, render."""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from stoa import clock
from stoa.channels.models import Channel
from stoa.errors import ActionError, cleaned
from stoa.pages import HtmxHttpRequest, access_errors
from stoa.planning import actions, agenda, ical, mix
from stoa.planning.forms import EventForm, ImportForm, MoveForm, SlotsForm, ThemeForm
from stoa.planning.models import DailyTheme, EventKind, PlanEvent, TimeSlot, Weekday
from stoa.posts.access import access_publication
from stoa.posts.actions import in_the_past, publish_now, schedule_publication
from stoa.posts.models import ContentType, State
from stoa.posts.times import to_local, to_utc
from stoa.workspaces.access import Forbidden, NotFound, Permission, access_workspace, allowed, workspaces_for
from stoa.workspaces.models import Workspace

VIEWS = ("month", "week", "list")
MONTH_PER_DAY = 4  # entries drawn in a month cell; the rest behind "+N more"
WEEK_PER_HOUR = 4
LIST_DAYS, MAX_LIST_DAYS = 7, 31


def parse_date(text: str | None, default: date) -> date:
    """A YYYY-MM-DD parameter; anything else (or an absurd year) falls back to `default`."""
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        return default
    return value if 1900 <= value.year <= 2200 else default


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def words(error: ActionError) -> str:
    """The error's messages for a person, without the field names meant for programs."""
    return " ".join(message for messages_ in error.errors.values() for message in messages_)


def _ints(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


# -- Calendar -----------------------------------------------------------------------------


def _filters(request: HttpRequest, mine: list[Workspace]) -> dict:
    slugs = request.GET.getlist("workspace")
    chosen = [w for w in mine if w.slug in slugs]
    return {
        "workspaces": chosen or mine,
        "workspace": [w.slug for w in chosen],
        "channel": _ints(request.GET.getlist("channel")),
        "state": [s for s in request.GET.getlist("state") if s in State.values],
        "type": [t for t in request.GET.getlist("type") if t in ContentType.values],
    }


def _range(view: str, anchor: date, days: int) -> tuple[date, date, date, date, date, date]:
    """(first, last) drawn, (start, end) of the period itself, and the previous and next anchors."""
    if view == "week":
        first = mix.week_start(anchor)
        last = first + timedelta(days=6)
        return first, last, first, last, first - timedelta(days=7), first + timedelta(days=7)
    if view == "list":
        last = anchor + timedelta(days=days - 1)
        return anchor, last, anchor, last, anchor - timedelta(days=days), anchor + timedelta(days=days)
    start = anchor.replace(day=1)
    end = add_months(start, 1) - timedelta(days=1)
    first, last = mix.week_start(start), mix.week_start(end) + timedelta(days=6)
    return first, last, start, end, add_months(start, -1), add_months(start, 1)


def _hour_rows(days: list[agenda.Day]) -> list[tuple[int, list[tuple[agenda.Day, list, int]]]]:
    """The week view's rows: one per hour, each with the day's entries of that hour."""
    by_hour: dict[tuple[date, int], list[agenda.Entry]] = {(d.date, h): [] for d in days for h in range(24)}
    for day in days:
        for entry in day.entries:
            by_hour[(day.date, entry.local.hour)].append(entry)
    used = [e.local.hour for d in days for e in d.entries]
    hours = range(min([7, *used]), max([21, *used]) + 1)
    return [(h, [(d, by_hour[(d.date, h)][:WEEK_PER_HOUR], len(by_hour[(d.date, h)]) - WEEK_PER_HOUR)
                 for d in days]) for h in hours]


@login_required
@require_GET
def calendar(request: HtmxHttpRequest) -> HttpResponse:
    mine = list(workspaces_for(request.user, Permission.VIEW_PUBLICATIONS))
    chosen = _filters(request, mine)
    view = request.GET.get("view", "month")
    view = view if view in VIEWS else "month"
    today = agenda.today_for(chosen["workspaces"])
    anchor = parse_date(request.GET.get("date"), today)
    try:
        list_days = min(max(int(request.GET.get("days", LIST_DAYS)), 1), MAX_LIST_DAYS)
    except ValueError:
        list_days = LIST_DAYS
    first, last, start, end, previous, following = _range(view, anchor, list_days)
    publishers = {w.pk for w in workspaces_for(request.user, Permission.PUBLISH)}
    selection = agenda.Selection(chosen["workspaces"], chosen["channel"], chosen["state"], chosen["type"],
                                 publishers, agenda.colours(mine))
    days, warnings = agenda.build_days(selection, first, last, today=today, in_range=(start, end),
                                       per_day=MONTH_PER_DAY if view == "month" else None)
    keep = [(k, v) for k in ("workspace", "channel", "state", "type") for v in chosen[k]]
    if view == "list" and list_days != LIST_DAYS:
        keep.append(("days", list_days))
    query = urlencode(keep)
    ids = [w.pk for w in chosen["workspaces"]]
    context = {
        "view": view, "anchor": anchor, "start": start, "end": end, "today": today, "days": days,
        "weeks": [days[n:n + 7] for n in range(0, len(days), 7)] if view == "month" else [],
        "hour_rows": _hour_rows(days) if view == "week" else [],
        "list_days": [d for d in days if d.entries or d.events or d.today] if view == "list" else [],
        "warnings": [w for w in warnings if start <= w.day <= end],
        "previous": previous, "following": following, "query": query, "chosen": chosen,
        "all_workspaces": mine, "colours": agenda.colours(mine),
        "channels": Channel.objects.filter(workspace_id__in=ids).select_related("workspace")
        .only("pk", "name", "network", "workspace__name"),
        "states": State.choices, "types": ContentType.choices, "views": VIEWS,
        "densest": max((len(d.entries) for d in days if d.in_range), default=0),
        "weekday_names": [d.date for d in days[:7]],
    }
    template = "planning/_calendar.html" if request.htmx and not request.htmx.boosted else "planning/calendar.html"
    return render(request, template, context)


@login_required
@require_POST
def move(request: HttpRequest, publication_id: int) -> HttpResponse:
    """Drag and drop: the same local time on another day (or another hour in the week view). A drop on a
    time that has gone is refused with the offer to publish now instead (the Stoa-Offer header), which is
    this view again with now=1."""
    try:
        publication = access_publication(request.user, publication_id, Permission.PUBLISH)
    except NotFound as e:
        return HttpResponse(str(e), status=404, content_type="text/plain; charset=utf-8")
    except Forbidden as e:
        return HttpResponse(str(e), status=403, content_type="text/plain; charset=utf-8")
    drop = MoveForm(request.POST)
    if not drop.is_valid():
        return HttpResponse(words(ActionError.of_form(drop)), status=400, content_type="text/plain; charset=utf-8")
    if drop.cleaned_data["now"]:
        try:
            publication = publish_now(request.user, publication)
        except ActionError as e:
            return HttpResponse(words(e), status=422, content_type="text/plain; charset=utf-8")
        return _moved(request, publication)
    day, hour = drop.cleaned_data["date"], drop.cleaned_data["hour"]
    tz = publication.workspace.timezone
    current = to_local(publication.scheduled_at, tz)
    at = current.time().replace(tzinfo=None) if current else datetime.min.time().replace(hour=9)
    if hour is not None:
        at = at.replace(hour=hour)
    try:
        publication = schedule_publication(request.user, publication, datetime.combine(day, at))
    except ActionError as e:
        refused = HttpResponse(words(e), status=422, content_type="text/plain; charset=utf-8")
        if _gone(datetime.combine(day, at), tz):
            refused["Stoa-Offer"] = "publish-now"
        return refused
    return _moved(request, publication)


def _gone(when: datetime, tz: str) -> bool:
    try:
        return in_the_past(to_utc(when, tz))
    except ActionError:  # a wall time the clocks skip or repeat: refused for that, not for being past
        return False


def _moved(request: HttpRequest, publication) -> HttpResponse:
    """The publication's entry where it now is."""
    publication = access_publication(request.user, publication.pk, Permission.PUBLISH)
    palette = agenda.colours(list(workspaces_for(request.user, Permission.VIEW_PUBLICATIONS)))
    entry = agenda.entry_for(publication, palette, movable=True)
    return render(request, "planning/_entry.html", {"e": entry})


# -- Content plan -------------------------------------------------------------------------


def _plan_url(workspace: Workspace, month: str = "") -> str:
    query = {"workspace": workspace.slug, **({"month": month} if month else {})}
    return f"{reverse('plan')}?{urlencode(query)}"


def _month(text: str | None, default: date) -> date:
    try:
        value = datetime.strptime((text or "").strip(), "%Y-%m").date()
    except ValueError:
        return default.replace(day=1)
    return value if 1900 <= value.year <= 2200 else default.replace(day=1)


@login_required
@require_GET
@access_errors
def plan(request: HttpRequest) -> HttpResponse:
    mine = list(workspaces_for(request.user, Permission.VIEW_PUBLICATIONS))
    if not mine and not request.GET.get("workspace"):
        return render(request, "planning/plan.html", {"workspace": None})
    slug = request.GET.get("workspace") or mine[0].slug
    workspace = access_workspace(request.user, slug, Permission.VIEW_PUBLICATIONS)
    today = clock.today(ZoneInfo(workspace.timezone))
    start = _month(request.GET.get("month"), today)
    end = add_months(start, 1) - timedelta(days=1)
    first, last = mix.week_start(start), mix.week_start(end) + timedelta(days=6)
    selection = agenda.Selection([workspace])
    days, _warnings = agenda.build_days(selection, first, last, today=today, per_day=3, in_range=(start, end))
    context = {
        "workspace": workspace, "workspaces": mine, "month": start, "month_key": f"{start:%Y-%m}",
        "previous": f"{add_months(start, -1):%Y-%m}", "following": f"{add_months(start, 1):%Y-%m}",
        "weeks": [days[n:n + 7] for n in range(0, len(days), 7)], "weekday_names": [d.date for d in days[:7]],
        "mix_weeks": mix.month_weeks(workspace, start, end),
        "themes": DailyTheme.objects.filter(workspace=workspace),
        "events": PlanEvent.objects.filter(workspace=workspace, ends_on__gte=start, starts_on__lte=end),
        "can_edit": allowed(request.user, workspace, Permission.EDIT_POSTS),
        "weekdays": Weekday.choices, "kinds": EventKind.choices, "today": today,
        "calendar_query": urlencode({"workspace": workspace.slug, "date": start.isoformat()}),
    }
    return render(request, "planning/plan.html", context)


def _editable(request: HttpRequest, slug: str) -> Workspace:
    return access_workspace(request.user, slug, Permission.EDIT_POSTS)


def _back(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return redirect(_plan_url(workspace, request.POST.get("month", "")))


def _report(request: HttpRequest, error: ActionError) -> None:
    messages.error(request, words(error))


@login_required
@require_POST
@access_errors
def theme_save(request: HttpRequest, slug: str, theme_id: int | None = None) -> HttpResponse:
    workspace = _editable(request, slug)
    theme = None
    if theme_id is not None:
        theme = DailyTheme.objects.filter(workspace=workspace, pk=theme_id).first()
        if theme is None:
            raise Http404(f"No theme {theme_id}.")
    try:
        if theme is not None and "delete" in request.POST:
            actions.delete_theme(request.user, theme)
            messages.success(request, _("The theme was deleted."))
        else:
            given = cleaned(ThemeForm(request.POST))
            actions.save_theme(request.user, workspace, weekday=given["weekday"], name=given["name"],
                               hashtags=given["hashtags"], theme=theme)
            messages.success(request, _("The theme was saved.") if theme else _("The theme was added."))
    except ActionError as e:
        _report(request, e)
    return _back(request, workspace)


@login_required
@require_POST
@access_errors
def event_save(request: HttpRequest, slug: str, event_id: int | None = None) -> HttpResponse:
    workspace = _editable(request, slug)
    event = None
    if event_id is not None:
        event = PlanEvent.objects.filter(workspace=workspace, pk=event_id).first()
        if event is None:
            raise Http404(f"No event {event_id}.")
    try:
        if event is not None and "delete" in request.POST:
            actions.delete_event(request.user, event)
            messages.success(request, _("The event was deleted."))
        else:
            given = cleaned(EventForm(request.POST))
            actions.save_event(request.user, workspace, kind=given["kind"], title=given["title"],
                               description=given["description"], starts_on=given["starts_on"],
                               ends_on=given["ends_on"], event=event)
            messages.success(request, _("The event was saved."))
    except ActionError as e:
        _report(request, e)
    return _back(request, workspace)


@login_required
@require_POST
@access_errors
def import_ics(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = _editable(request, slug)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ActionError({"file": [_("Choose an .ics file to import.")]})
        assert upload.size is not None  # Django's upload handlers always measure it
        if upload.size > 5 * 1024 * 1024:
            raise ActionError({"file": [_("The file is larger than 5 MB.")]})
        given = cleaned(ImportForm(request.POST))
        start = _month(request.POST.get("month"), clock.today(ZoneInfo(workspace.timezone)))
        created, updated = actions.import_events(request.user, workspace, upload.read(), kind=given["kind"],
                                                 start=start, months=given["months"])
        messages.success(request, _("Imported %(created)d new and updated %(updated)d events.")
                         % {"created": created, "updated": updated})
    except ActionError as e:
        _report(request, e)
    return _back(request, workspace)


@login_required
@require_GET
@access_errors
def export_ics(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = access_workspace(request.user, slug, Permission.VIEW_PUBLICATIONS)
    response = HttpResponse(ical.export_plan(workspace, host=request.get_host().split(":")[0] or "stoa"),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{workspace.slug}.ics"'
    return response


# -- Time slots ---------------------------------------------------------------------------


@login_required
@access_errors
def slots(request: HttpRequest, slug: str) -> HttpResponse:
    workspace = access_workspace(request.user, slug, Permission.VIEW_PUBLICATIONS)
    can_edit = allowed(request.user, workspace, Permission.EDIT_POSTS)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Your role does not allow changing the plan."))
        _add_slots(request, workspace)
        return redirect(reverse("plan-slots", args=[workspace.slug]))
    channels = list(Channel.objects.filter(workspace=workspace).prefetch_related("time_slots"))
    rows = []
    for channel in channels:
        try:
            free, problem = to_local(actions.next_free_slot(channel), workspace.timezone), ""
        except ActionError as e:
            free, problem = None, words(e)
        by_day = [(label, [s for s in channel.time_slots.all() if s.weekday == value])
                  for value, label in Weekday.choices]
        label = date_format(free.replace(tzinfo=None), "SHORT_DATETIME_FORMAT") if free else ""
        rows.append({"channel": channel, "by_day": by_day, "next_free": free, "next_free_label": label,
                     "problem": problem})
    return render(request, "planning/slots.html", {
        "workspace": workspace, "rows": rows, "can_edit": can_edit, "weekdays": Weekday.choices,
        "plan_url": _plan_url(workspace)})


def _add_slots(request: HttpRequest, workspace: Workspace) -> None:
    raw = request.POST.get("channel", "")
    channel = Channel.objects.filter(workspace=workspace, pk=int(raw)).first() if raw.isdigit() else None
    if channel is None:
        raise Http404("No such channel.")
    form = SlotsForm(request.POST)
    if not form.is_valid():
        messages.error(request, words(ActionError.of_form(form)))
        return
    added, errors = 0, []
    for weekday in form.weekdays():
        try:
            actions.add_slot(request.user, channel, weekday=weekday, time_of_day=form.cleaned_data["time"])
            added += 1
        except ActionError as e:
            errors.append(words(e))
    if added:
        messages.success(request, ngettext("Added %(count)d time slot to %(channel)s.",
                                           "Added %(count)d time slots to %(channel)s.", added)
                         % {"count": added, "channel": channel.name})
    for message in dict.fromkeys(errors):
        messages.error(request, message)


@login_required
@require_POST
@access_errors
def slot_delete(request: HttpRequest, slug: str, slot_id: int) -> HttpResponse:
    workspace = _editable(request, slug)
    slot = TimeSlot.objects.select_related("channel").filter(channel__workspace=workspace, pk=slot_id).first()
    if slot is None:
        raise Http404(f"No time slot {slot_id}.")
    actions.remove_slot(request.user, slot)
    messages.success(request, _("The time slot was removed."))
    return redirect(reverse("plan-slots", args=[workspace.slug]))
