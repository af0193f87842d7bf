"""What a report shows: the figures of the analytics queries (stoa.analytics.dashboard and kpis, the inbox's
response report), for a template's workspace and period, in its language. The web page, the PDF and the CSV
files are all made from what `build` returns, so they never disagree."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from stoa import clock
from stoa.analytics import dashboard, kpis
from stoa.analytics.queries import Scope, audience_growth
from stoa.inbox.report import Row, response_report
from stoa.posts.models import VariantMedia
from stoa.reports.models import Period, ReportTemplate

RTL_LANGUAGES = {"he", "ar", "fa"}


@dataclass(frozen=True)
class Table:
    """One table of a report, as the page shows it and as its CSV file holds it."""

    name: str  # the CSV file's name
    title: str
    headers: list[str]
    rows: list[list[Any]]


def _first_day_of_month(day: date) -> date:
    return day.replace(day=1)


def period_days(template: ReportTemplate, today: date) -> tuple[date, date]:
    """The first and the day after the last day of the template's period: the last whole week (Monday to Sunday),
    calendar month or quarter before `today`, or the custom dates."""
    if template.period == Period.CUSTOM and template.custom_start and template.custom_end:
        return template.custom_start, template.custom_end + timedelta(days=1)
    if template.period == Period.WEEK:
        end = today - timedelta(days=today.weekday())
        return end - timedelta(days=7), end
    if template.period == Period.QUARTER:
        end = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        start = _first_day_of_month(end - timedelta(days=80))
        return start.replace(month=3 * ((start.month - 1) // 3) + 1), end
    end = _first_day_of_month(today)
    return _first_day_of_month(end - timedelta(days=1)), end


def period_of(template: ReportTemplate, today: date | None = None) -> tuple[datetime, datetime]:
    """The period as times, midnight to midnight in the workspace's timezone."""
    zone = template.workspace.tzinfo
    today = today or clock.now().astimezone(zone).date()
    first, after = period_days(template, today)
    return datetime.combine(first, time(), zone), datetime.combine(after, time(), zone)


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


def _images(publication_ids: list[int]) -> dict[int, str]:
    """Each publication's first image (its thumbnail where it has one), as a data: address, so the PDF needs no
    web server to fetch it."""
    found: dict[int, str] = {}
    rows = (VariantMedia.objects.filter(variant__publication__in=publication_ids,
                                        media__content_type__startswith="image/")
            .select_related("media", "variant__publication").order_by("position"))
    for row in rows:
        publication_id = row.variant.publication.pk
        if publication_id in found:
            continue
        stored = row.media.thumbnail or row.media.file
        try:
            with stored.open("rb") as file:
                data = file.read()
        except OSError:
            continue
        kind = "image/jpeg" if row.media.thumbnail else row.media.content_type
        found[publication_id] = f"data:{kind};base64,{base64.b64encode(data).decode()}"
    return found


def _money(amount: Decimal | None) -> Decimal | None:
    """To the cent (a sum of decimals on SQLite comes back with the database's float digits: 1836.99000000000)."""
    return None if amount is None else round(amount, 2)


def _inbox_table(rows: list[Row]) -> list[list[Any]]:
    return [[row.label, row.messages, row.answered, _hours(row.median_first_response),
             _hours(row.median_resolution),
             None if row.on_time_percent is None else round(row.on_time_percent, 1)] for row in rows]


def tables(figures: dict[str, Any], kpi_list: list[kpis.KpiStatus], growth: list[dict],
           inbox: dict[str, list[Row]]) -> list[Table]:
    """Every table of the report, in the report's language (call inside translation.override)."""
    rate, posts = gettext("Engagement rate (%)"), gettext("Posts")
    top = figures["top_posts"]
    return [
        Table("kpis", gettext("KPIs"),
              [gettext("KPI"), gettext("Now"), gettext("Previous"), gettext("Target"), gettext("Status")],
              [[k.label, k.value, k.previous, k.period_target, k.status_label] for k in kpi_list]),
        Table("growth", gettext("Audience growth"),
              [gettext("Channel"), gettext("Day"), gettext("Followers"), gettext("Net new followers")],
              [[g["channel__name"], g["day"].isoformat(), g["followers"], g["net"]] for g in growth]),
        Table("engagement", gettext("Engagement by content type"), [gettext("Content type"), posts, rate],
              [[row["label"], row["posts"], row["rate"]] for row in figures["breakdowns"][0][1]]),
        Table("top_posts", gettext("Top posts"),
              [gettext("Post"), gettext("Channel"), gettext("Published"), gettext("Likes"), gettext("Reposts"),
               gettext("Replies"), gettext("Quotes"), gettext("Views"), gettext("Interactions"), rate],
              [[p["post__publication__variant__text"] or p["post__url"], p["post__channel__name"],
                p["post__published_at"].isoformat(), *p["counts"], p["interactions"], p["rate"]] for p in top]),
        Table("inbox", gettext("Inbox and response times"),
              [gettext("Channel"), gettext("Messages"), gettext("Answered"), gettext("Median first answer (h)"),
               gettext("Median resolution (h)"), gettext("Answered within target (%)")],
              _inbox_table(inbox["channel"]) + [[gettext("All channels"), *row[1:]]
                                                 for row in _inbox_table(inbox["total"])]),
        Table("links", gettext("Links and conversions"), [gettext("Figure"), gettext("Value")],
              [[gettext("Short links"), figures["clicks"]["links"]], [gettext("Clicks"), figures["clicks"]["clicks"]],
               [gettext("Conversions"), figures["conversions"]["conversions"]],
               [gettext("Revenue"), _money(figures["conversions"]["revenue"])],
               [gettext("Cost"), _money(figures["conversions"]["cost"])],
               [gettext("ROI (%)"), figures["conversions"]["roi"]]]),
    ]


def build(template: ReportTemplate, start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
    """The report's context: its figures, charts and tables over its period (or the one given)."""
    if start is None or end is None:
        start, end = period_of(template)
    workspace = template.workspace
    scope = Scope(workspaces=(workspace,), start=start, end=end)
    with translation.override(template.language):
        figures = dashboard.figures(scope)
        kpi_list = kpis.kpi_statuses(workspace, start, end)
        inbox = response_report(workspace, start, end)
        images = _images([p["post__publication_id"] for p in figures["top_posts"] if p["post__publication_id"]])
        top_posts = [p | {"image": images.get(p["post__publication_id"])} for p in figures["top_posts"]]
        report_tables = tables(figures, kpi_list, audience_growth(scope), inbox)
    return figures | {
        "template": template, "workspace": workspace, "sections": set(template.sections),
        "language": template.language, "rtl": template.language in RTL_LANGUAGES,
        # The days as the workspace lives them (a template's "date" filter would show them in UTC).
        "start": start, "end": end, "first_day": start.astimezone(workspace.tzinfo).date(),
        "last_day": (end.astimezone(workspace.tzinfo) - timedelta(days=1)).date(),
        "kpis": kpi_list, "top_posts": top_posts, "inbox_total": next(iter(inbox["total"]), None),
        "tables": {table.name: table for table in report_tables},
    }
