"""The numbers of the analytics pages, each chart one aggregate query in the database.

A post's figures are its latest snapshot. Its engagement rate is interactions (likes + reposts + replies + quotes,
the counts the network gives) / impressions where the network gives impressions (views), otherwise / the channel's
followers at the time of the post (its audience snapshot on or before the post's day in the workspace's timezone).
Every figure says which denominator it used: `basis` per post, `by_impressions` / `by_followers` per group.

A period is half-open, from `start` up to (not including) `end`; its days (Scope.days) run from the day of `start`
to the day of its last moment, so a period ending at midnight does not show the day after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, Lag, TruncDate
from django.utils.translation import gettext_lazy as _

from stoa.analytics.models import ChannelSnapshot, MeasuredPost, PostSnapshot
from stoa.inbox.models import Item, Sentiment
from stoa.links.models import CampaignCost, CampaignResult, Click, ShortLink
from stoa.planning.models import DailyTheme
from stoa.posts.models import VariantMedia
from stoa.workspaces.models import Workspace

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# What a post is, from its media and options (the first that fits).
KINDS = {"poll": _("Poll"), "video": _("Video"), "gif": _("GIF"), "audio": _("Audio"), "photo": _("Photo"),
         "text": _("Text"), "elsewhere": _("Not made in Stoa")}
FORMATS = {"thread": _("Thread"), "single": _("Single post"), "elsewhere": _("Not made in Stoa")}
IMPRESSIONS, FOLLOWERS = "impressions", "followers"


@dataclass(frozen=True)
class Scope:
    """Whose posts, when, and which of them: what every query of a page is asked for."""

    workspaces: tuple[Workspace, ...]
    start: datetime
    end: datetime
    channel_ids: tuple[int, ...] = ()
    kind: str = ""

    def previous(self) -> Scope:
        """The period of the same length just before this one."""
        return replace(self, start=self.start - (self.end - self.start), end=self.start)

    @property
    def zone(self) -> tzinfo:
        """The timezone the period's days are named in: the first workspace's, the one its dates were chosen in."""
        return self.workspaces[0].tzinfo if self.workspaces else UTC

    @property
    def first_day(self) -> date:
        return self.start.astimezone(self.zone).date()

    @property
    def last_day(self) -> date:
        """The day of the period's last moment (`end` itself is not in the period)."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()

    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]


def _media(variant: str, **lookup) -> Exists:
    return Exists(VariantMedia.objects.filter(variant=OuterRef(variant), **lookup))


def kind_of(publication: str = "publication") -> Case:
    """What a post is (KINDS), from its publication's media and options: for MeasuredPost.kind, set when it is
    measured (stoa.analytics.actions.classify) rather than searched for on every page."""
    variant = f"{publication}__variant"
    return Case(
        When(**{f"{publication}__isnull": True}, then=Value("elsewhere")),
        When(Q(**{f"{variant}__options__has_key": "poll"}), then=Value("poll")),
        When(_media(variant, media__content_type__startswith="video/"), then=Value("video")),
        When(_media(variant, media__content_type="image/gif"), then=Value("gif")),
        When(_media(variant, media__content_type__startswith="audio/"), then=Value("audio")),
        When(_media(variant, media__content_type__startswith="image/"), then=Value("photo")),
        default=Value("text"), output_field=CharField())


def _kind() -> Case:
    """The post's kind as classified; "elsewhere" once its publication is gone (deleted from Stoa)."""
    return Case(When(post__publication__isnull=True, then=Value("elsewhere")), default=F("post__kind"),
                output_field=CharField())


def _local(extract, workspaces: tuple[Workspace, ...], field: str = "post__published_at",
           workspace: str = "post__workspace_id", output=None) -> Case:
    """A part of a time (`field`) in each workspace's own timezone."""
    return Case(*[When(**{workspace: w.pk}, then=extract(field, tzinfo=w.tzinfo)) for w in workspaces],
                default=extract(field, tzinfo=UTC), output_field=output or IntegerField())


def measured(scope: Scope) -> QuerySet[WithAnnotations[PostSnapshot]]:
    """Each post of the scope published in its period, as its latest snapshot with its rate's parts annotated."""
    # The posts first (index measured_posts_of_period), then each one's latest snapshot (MeasuredPost.latest_snapshot,
    # kept with each snapshot write).
    posts = MeasuredPost.objects.filter(workspace__in=[w.pk for w in scope.workspaces], published_at__gte=scope.start,
                                        published_at__lt=scope.end)
    if scope.channel_ids:
        posts = posts.filter(channel_id__in=scope.channel_ids)
    followers_then = (ChannelSnapshot.objects
                      .filter(channel=OuterRef("post__channel"), day__lte=OuterRef("post_day"),
                              followers__isnull=False)
                      .order_by("-day").values("followers")[:1])
    rows = (PostSnapshot.objects.filter(pk__in=posts.values("latest_snapshot"))
            .annotate(post_day=_local(TruncDate, scope.workspaces, output=DateField()))
            .annotate(followers_then=Subquery(followers_then),
                      interactions=Coalesce("likes", 0) + Coalesce("reposts", 0) + Coalesce("replies", 0)
                      + Coalesce("quotes", 0),
                      kind=_kind(),
                      weekday=_local(ExtractIsoWeekDay, scope.workspaces) - 1,  # 0 is Monday, as in the plan
                      hour=_local(ExtractHour, scope.workspaces))
            .annotate(denominator=Case(When(views__isnull=False, then=F("views")), default=F("followers_then")),
                      basis=Case(When(views__isnull=False, then=Value(IMPRESSIONS)),
                                 When(followers_then__isnull=False, then=Value(FOLLOWERS)),
                                 default=Value(""), output_field=CharField())))
    if scope.kind:
        rows = rows.filter(kind=scope.kind)
    return rows


WEEKDAY_HOUR = ("weekday", "hour")
POST_FIELDS = ("post_id", "post__url", "post__channel__name", "post__channel__network", "post__published_at",
               "post__publication__variant__text", "post__publication_id", "kind", "likes", "reposts", "replies",
               "quotes", "views", "interactions", "followers_then", "denominator", "basis")


def rate(interactions: int | None, denominator: int | None) -> float | None:
    """Percent, or None where there is nothing to divide by."""
    if not denominator or interactions is None:
        return None
    return round(100 * interactions / denominator, 2)


RATE_PARTS = {
    "posts": Count("id"),
    "interactions": Sum("interactions", filter=Q(denominator__isnull=False)),
    "denominator": Sum("denominator"),
    "by_impressions": Count("id", filter=Q(views__isnull=False)),
    "by_followers": Count("id", filter=Q(views__isnull=True, followers_then__isnull=False)),
    "impressions": Sum("views"),
    "impressions_given": Count("views"),
}


def with_rate(row: dict) -> dict:
    row["rate"] = rate(row["interactions"], row["denominator"])
    row["basis"] = (IMPRESSIONS if row["by_impressions"] and not row["by_followers"] else
                    FOLLOWERS if row["by_followers"] and not row["by_impressions"] else
                    "mixed" if row["by_followers"] else "")
    return row


def grouped(rows: QuerySet, *keys: str) -> list[dict[str, Any]]:
    """The rate's parts and the rate per value of `keys`, in one query."""
    return [with_rate(row) for row in rows.values(*keys).annotate(**RATE_PARTS).order_by(*keys)]


def totals(scope: Scope, cells: list[dict[str, Any]] | None = None) -> dict:
    """The scope's rate: its cube's cells added up, or one grouped query (per workspace, then added up: Django's
    aggregate() over these annotations would lose the subqueries)."""
    rows = cells if cells is not None else grouped(measured(scope), "post__workspace_id")
    return with_rate({part: sum(row[part] or 0 for row in rows) for part in RATE_PARTS})


GROUPINGS = ("kind", "format", "selling", "network", "theme", "weekday", "hour")


def _groupable(rows: QuerySet) -> QuerySet:
    """The annotations only the groupings need (the theme is named afterwards, _themes)."""
    return rows.annotate(
        network=F("post__channel__network"),
        selling=Coalesce("post__publication__variant__post__content_type", Value("elsewhere")),
        format=Case(When(post__publication__isnull=True, then=Value("elsewhere")),
                    When(post__publication__variant__options__has_key="thread", then=Value("thread")),
                    default=Value("single"), output_field=CharField()))


def _themes(scope: Scope) -> dict[tuple[int, int], str]:
    """The plan's theme of each (workspace, weekday): the first by name where a weekday has several."""
    themes: dict[tuple[int, int], str] = {}
    for workspace_id, weekday, name in (DailyTheme.objects.filter(workspace__in=[w.pk for w in scope.workspaces])
                                        .order_by("weekday", "name").values_list("workspace_id", "weekday", "name")):
        themes.setdefault((workspace_id, weekday), name)
    return themes


def cube(scope: Scope) -> list[dict[str, Any]]:
    """The rate's parts for each combination of every grouping, in one query; rollup() adds them up by one
    grouping, so a page's breakdowns, heatmap and reach cost this one query instead of one each. The query groups
    by workspace where the cells have a theme, named from the plan (_themes) rather than looked up per post; two
    workspaces' cells with the same theme stay apart, rollup() adds them up."""
    themes = _themes(scope)
    cells = grouped(_groupable(measured(scope)), *(key for key in GROUPINGS if key != "theme"), "post__workspace_id")
    for cell in cells:
        cell["theme"] = themes.get((cell.pop("post__workspace_id"), cell["weekday"]), "")
    return cells


def rollup(cells: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """The cube's cells added up per value of `keys`, ordered by them."""
    sums: dict[tuple, dict[str, Any]] = {}
    for cell in cells:
        group = tuple(cell[key] for key in keys)
        total = sums.setdefault(group, dict(zip(keys, group, strict=True)) | dict.fromkeys(RATE_PARTS))
        for part in RATE_PARTS:
            if cell[part] is not None:
                total[part] = (total[part] or 0) + cell[part]
    for total in sums.values():
        for part in ("posts", "by_impressions", "by_followers", "impressions_given"):
            total[part] = total[part] or 0
    return [with_rate(sums[group]) for group in sorted(sums, key=lambda g: tuple((v is None, v) for v in g))]


def engagement_by(scope: Scope, key: str) -> list[dict]:
    """The rate per value of `key`: kind, format, network, selling (the post's content type), theme, weekday, hour."""
    return rollup(cube(scope), key)


def heatmap(scope: Scope, cells: list[dict[str, Any]] | None = None) -> dict[tuple[int, int], dict]:
    """The rate by (weekday, hour), in each workspace's timezone."""
    return {(row["weekday"], row["hour"]): row for row in rollup(cube(scope) if cells is None else cells,
                                                                  *WEEKDAY_HOUR)}


def reach(scope: Scope, cells: list[dict[str, Any]] | None = None) -> list[dict]:
    """Impressions per network; `views` None where the network gives no figure ("not available on X", never 0)."""
    return [row | {"views": row["impressions"] if row["impressions_given"] else None}
            for row in rollup(cube(scope) if cells is None else cells, "network")]


def posts(scope: Scope) -> list[dict]:
    """Every post of the scope with its figures, the denominator its rate used, and the change in followers from
    the channel's reading on or before the post's day to its next one after (None where either is missing), best
    first."""
    after = (ChannelSnapshot.objects.filter(channel=OuterRef("post__channel"), day__gt=OuterRef("post_day"),
                                            followers__isnull=False).order_by("day").values("followers")[:1])
    rows = list(measured(scope).annotate(followers_after=Subquery(after)).values(*POST_FIELDS, "followers_after"))
    clicked = _clicks_by_publication([row["post__publication_id"] for row in rows if row["post__publication_id"]])
    listed = [row | {"rate": rate(row["interactions"], row["denominator"]),
                     "clicks": clicked.get(row["post__publication_id"]),
                     "followers_change": None if row["followers_after"] is None or row["followers_then"] is None
                     else row["followers_after"] - row["followers_then"]} for row in rows]
    return sorted(listed, key=lambda row: (row["rate"] is None, -(row["rate"] or 0), row["post_id"]))


def _clicks_by_publication(publication_ids: list[int], chunk: int = 2000) -> dict[int, int]:
    """Clicks on each publication's short links (stoa.links), any time; absent where it has none. One grouped
    query per chunk of ids instead of a subquery per post."""
    counted: dict[int, int] = {}
    for start in range(0, len(publication_ids), chunk):
        counted |= dict(Click.objects.filter(link__publication__in=publication_ids[start:start + chunk])
                        .values_list("link__publication").annotate(n=Count("id")).values_list("link__publication", "n"))
    return counted


def audience_growth(scope: Scope) -> list[dict]:
    """Per channel and day of the period (each channel's day in its workspace's timezone, ChannelSnapshot.day):
    followers and net new followers since the channel's previous reading."""
    window = Lag("followers")
    rows = (ChannelSnapshot.objects
            .filter(channel__workspace__in=[w.pk for w in scope.workspaces],
                    day__gte=scope.first_day - timedelta(days=1), day__lte=scope.last_day)
            .annotate(previous=Window(window, partition_by=[F("channel_id")], order_by=F("day").asc())))
    if scope.channel_ids:
        rows = rows.filter(channel_id__in=scope.channel_ids)
    listed = rows.values("channel_id", "channel__name", "channel__network", "day", "followers", "previous")
    return [row | {"net": None if row["followers"] is None or row["previous"] is None
                   else row["followers"] - row["previous"]}
            for row in listed if row["day"] >= scope.first_day]


def net_followers(growth: list[dict]) -> int | None:
    nets = [row["net"] for row in growth if row["net"] is not None]
    return sum(nets) if nets else None


def _items(scope: Scope) -> QuerySet[WithAnnotations[Item]]:
    items = Item.objects.filter(workspace__in=[w.pk for w in scope.workspaces], written_at__gte=scope.start,
                                written_at__lt=scope.end)
    if scope.channel_ids:
        items = items.filter(channel_id__in=scope.channel_ids)
    return items


MOST_NEGATIVE_FIRST = ("-negative", "publication_id")
FEEDBACK = {"messages": Count("id"), "negative": Count("id", filter=Q(sentiment=Sentiment.NEGATIVE)),
            "hidden": Count("id", filter=~Q(hidden_reason=""))}


def _share(row: Mapping[str, Any]) -> dict:
    return dict(row) | {"negative_share": rate(row["negative"], row["messages"])}


def negative_by_post(scope: Scope) -> list[dict]:
    """The answers to each post: how many, the negative share (percent), how many were hidden."""
    rows = (_items(scope).filter(publication__isnull=False)
            .values("publication_id", "publication__variant__text", "publication__channel__name")
            .annotate(**FEEDBACK).order_by(*MOST_NEGATIVE_FIRST))
    return [_share(row) for row in rows]


def negative_by_day(scope: Scope) -> list[dict]:
    """All inbox messages per day of the period: how many, the negative share, hidden. Each workspace's messages
    fall on its own day (as its audience does, ChannelSnapshot.day), the days being those of the period (Scope.days):
    across workspaces in several timezones, a day is each one's own calendar day of that date."""
    widened = replace(scope, start=scope.start - timedelta(days=1), end=scope.end + timedelta(days=1))
    day = _local(TruncDate, scope.workspaces, field="written_at", workspace="workspace_id", output=DateField())
    rows = (_items(widened).annotate(day=day).filter(day__gte=scope.first_day, day__lte=scope.last_day)
            .values("day").annotate(**FEEDBACK).order_by("day"))
    return [_share(row) for row in rows]


def clicks(scope: Scope) -> dict:
    """Clicks on Stoa's short links in the period; `links` 0 means the workspace has none yet."""
    workspaces = [w.pk for w in scope.workspaces]
    links = ShortLink.objects.filter(workspace__in=workspaces)
    if scope.channel_ids:
        links = links.filter(channel_id__in=scope.channel_ids)
    counted = Click.objects.filter(link__in=links, at__gte=scope.start, at__lt=scope.end).aggregate(n=Count("id"))
    return {"links": links.count(), "clicks": counted["n"]}


def conversions(scope: Scope) -> dict:
    """Conversions, revenue and cost of the campaigns whose periods start on one of this one's days (Scope.days);
    ROI in percent."""
    workspaces = [w.pk for w in scope.workspaces]
    first, last = scope.first_day, scope.last_day
    results = CampaignResult.objects.filter(workspace__in=workspaces, period_start__gte=first,
                                            period_start__lte=last).aggregate(
        rows=Count("id"), conversions=Sum("conversions"), revenue=Sum("revenue"))
    cost = CampaignCost.objects.filter(workspace__in=workspaces, period_start__gte=first,
                                       period_start__lte=last).aggregate(amount=Sum("amount"))["amount"]
    revenue: Decimal | None = results["revenue"]
    roi = (round(float(100 * (revenue - cost) / cost), 2) if cost and revenue is not None else None)
    return {"conversions": results["conversions"] if results["rows"] else None, "revenue": revenue,
            "cost": cost, "roi": roi}
