"""Reading a campaign's results (spend, impressions, clicks, conversions by day) from a CSV of its platform's report.

Each platform's columns are the field names of its reporting API, which are documented and do not change with the
language of the ads manager (the headers of the ads managers' own CSV downloads are translated and are on no page);
`Columns` names the page of each. A file is read whole: every bad row is reported with its line and reason.
"""

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from stoa.campaigns.models import Platform

MAX_ROWS = 400  # a month per campaign, by day, with room: more is not a campaign's daily report


@dataclass(frozen=True)
class Columns:
    source: str
    day: str
    spend: str
    impressions: str
    clicks: str
    conversions: tuple[str, ...]  # summed; a column missing from the file counts nothing
    spend_divisor: int = 1  # X reports money in micros of the account's currency


COLUMNS: dict[str, Columns] = {
    # Ads Insights with time_increment=1: date_start, spend, impressions, clicks. Meta's conversions are a list
    # (actions) that a CSV cannot hold, so `conversions` is the column of their total, a name of Stoa's own.
    # https://developers.facebook.com/documentation/ads-commerce/marketing-api/insights
    Platform.META: Columns("https://developers.facebook.com/documentation/ads-commerce/marketing-api/insights",
                           "date_start", "spend", "impressions", "clicks", ("conversions",)),
    # VK Ads' statistics (base metrics shows, clicks, spent, goals by date); VK's page was not in the stored
    # reference, the names are those its API clients read: https://ads.vk.com/doc/api
    Platform.VK_ADS: Columns("https://ads.vk.com/doc/api", "date", "spent", "shows", "clicks", ("goals",)),
    # The integrated report by stat_time_day: spend, impressions, clicks, conversion.
    # https://business-api.tiktok.com/portal/docs?id=1740302848100353
    Platform.TIKTOK: Columns("https://business-api.tiktok.com/portal/docs?id=1740302848100353",
                             "stat_time_day", "spend", "impressions", "clicks", ("conversion",)),
    # adAnalytics with timeGranularity DAILY: costInLocalCurrency, impressions, clicks, externalWebsiteConversions;
    # its dateRange is an object, so the day is a column `date` of Stoa's own.
    # https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting
    Platform.LINKEDIN: Columns("https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/"
                               "ads-reporting", "date", "costInLocalCurrency", "impressions", "clicks",
                               ("externalWebsiteConversions",)),
    # Stats with granularity DAY: billed_charge_local_micro, impressions, clicks, and the total conversions as the
    # page derives them (conversion_custom + site_visits + sign_ups + downloads + purchases); the day is `date`.
    # https://developer.x.com/en/docs/x-ads-api/analytics/overview/metrics-by-objective
    Platform.X: Columns("https://developer.x.com/en/docs/x-ads-api/analytics/overview/metrics-by-objective",
                        "date", "billed_charge_local_micro", "impressions", "clicks",
                        ("conversion_custom", "conversion_site_visits", "conversion_sign_ups", "conversion_downloads",
                         "conversion_purchases"), spend_divisor=1_000_000),
}


@dataclass(frozen=True)
class Row:
    day: date
    spend: Decimal
    impressions: int
    clicks: int
    conversions: int
    line: int = 0  # of the file


@dataclass
class Reading:
    rows: list[Row]
    problems: list[tuple[int, str]]  # (line of the file, reason)


def read(platform: str, data: bytes) -> Reading:
    columns = COLUMNS[platform]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Reading([], [(1, _("The file is not UTF-8 text; save the report as CSV (UTF-8)."))])
    table = csv.DictReader(io.StringIO(text))
    needed = [columns.day, columns.spend, columns.impressions, columns.clicks]
    if missing := [name for name in needed if name not in (table.fieldnames or [])]:
        return Reading([], [(1, _("Columns missing: %(columns)s (this platform's report has %(needed)s).")
                             % {"columns": ", ".join(missing), "needed": ", ".join(needed)})])
    reading = Reading([], [])
    seen: dict[date, int] = {}
    for row in table:
        line = table.line_num
        if len(reading.rows) + len(reading.problems) >= MAX_ROWS:
            reading.problems.append((line, _("More than %(most)d rows; import one campaign's days.")
                                     % {"most": MAX_ROWS}))
            break
        try:
            parsed = parse_row(columns, row)
        except ValueError as error:
            reading.problems.append((line, str(error)))
            continue
        if parsed.day in seen:
            reading.problems.append((line, _("The day %(day)s is also on line %(line)d.")
                                     % {"day": parsed.day.isoformat(), "line": seen[parsed.day]}))
            continue
        seen[parsed.day] = line
        reading.rows.append(replace(parsed, line=line))
    return reading


def parse_row(columns: Columns, row: dict[str, str]) -> Row:
    spend = amount(row, columns.spend) / columns.spend_divisor
    return Row(day=day_of(row, columns.day), spend=spend.quantize(Decimal("0.01")),
               impressions=count(row, columns.impressions), clicks=count(row, columns.clicks),
               conversions=sum(count(row, name) for name in columns.conversions if row.get(name) is not None))


def day_of(row: dict[str, str], name: str) -> date:
    value = (row.get(name) or "").strip()
    try:
        return date.fromisoformat(value[:10])  # TikTok's stat_time_day carries a time after the date
    except ValueError:
        message = _("%(column)s is not a date (YYYY-MM-DD): %(value)r") % {"column": name, "value": value}
        raise ValueError(message) from None


def amount(row: dict[str, str], name: str) -> Decimal:
    value = (row.get(name) or "").strip().replace(",", "") or "0"
    try:
        parsed = Decimal(value)
    except InvalidOperation:
        parsed = Decimal("NaN")
    if not parsed.is_finite() or parsed < 0:
        raise ValueError(_("%(column)s is not a number of zero or more: %(value)r") % {"column": name, "value": value})
    return parsed


def count(row: dict[str, str], name: str) -> int:
    parsed = amount(row, name)
    if parsed != parsed.to_integral_value():
        raise ValueError(_("%(column)s is not a whole number: %(value)r") % {"column": name, "value": row.get(name)})
    return int(parsed)
