"""Reading analytics exports into campaign results: sessions, bounces, conversions and revenue by UTM campaign and
source. Every row is checked before anything is saved; a bad row is named by its line in the file.

- GA4 (Reports > Acquisition > Traffic acquisition, Share > Download file > CSV): comment lines starting with "#"
  (with "# Start date: YYYYMMDD" and "# End date: YYYYMMDD"), then a header with "Session campaign", "Session
  source / medium" (or "Session source"), "Sessions", "Engaged sessions", "Key events" (before 2024:
  "Conversions") and "Total revenue", and an optional "Date" (YYYYMMDD). GA4 counts a bounce as a session that
  was not engaged, so bounces = sessions - engaged sessions.
- Matomo (Acquisition > Campaigns, export as CSV, or Referrers.getCampaigns with format=CSV): "label" (the campaign
  name), "nb_visits", "bounce_count", and goal metrics "nb_conversions" and "revenue" (or per goal,
  "goals_idgoal=N_nb_conversions" and "goals_idgoal=N_revenue", summed). It has no dates: the period is given.
- Plausible (Site settings > Imports & Exports > Export, imported_sources_*.csv of the zip): date, source, referrer,
  utm_source, utm_medium, utm_campaign, utm_content, utm_term, pageviews, visitors, visits, visit_duration, bounces.
  Plausible exports no conversions or revenue by source; rows without a campaign are left out.

What is wrong is said in the reader's language (the page's, or the API caller's): the messages are translated when
a file is read.
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from stoa.links.models import Origin

MAX_NUMBER = 2**63 - 1
WRONG_WIDTH = "\0wrong width"  # a row whose cells do not match the header


class BadRow(Exception):
    pass


@dataclass(frozen=True)
class Result:
    line: int
    period_start: date
    period_end: date
    campaign: str
    source: str
    sessions: int = 0
    bounces: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal(0)


@dataclass
class Reading:
    results: list[Result]
    problems: list[tuple[int, str]]  # (line, what is wrong)
    skipped: int = 0  # rows without a campaign


def read_export(data: bytes, origin: str, period: tuple[date, date] | None = None) -> Reading:
    readers: dict[str, Callable[..., Reading]] = {Origin.GA4: read_ga4, Origin.MATOMO: read_matomo,
                                                  Origin.PLAUSIBLE: read_plausible}
    if origin not in readers:
        return Reading([], [(0, _("Unknown export %(origin)s; choose ga4, matomo or plausible.")
                                 % {"origin": repr(origin)})])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Reading([], [(0, _("The file is not UTF-8 text."))])
    comments, header, rows = table(text)
    if not rows:
        return Reading([], [(0, _("The file has no header and rows."))])
    return readers[origin](header, rows, comments, period)


def table(text: str) -> tuple[dict[str, str], list[str], list[tuple[int, dict[str, str]]]]:
    """The "# Name: value" comments before the header, and each row by its line number (1-based, in the file)."""
    comments: dict[str, str] = {}
    lines = text.splitlines()
    first = 0
    while first < len(lines) and (not lines[first].strip() or lines[first].lstrip().startswith("#")):
        if match := re.match(r"\s*#\s*([^:]+):\s*(.*)$", lines[first]):
            comments[match[1].strip().lower()] = match[2].strip()
        first += 1
    reader = csv.reader(io.StringIO("\n".join(lines[first:])))
    header = [name.strip() for name in next(reader, [])]
    rows = []
    for cells in reader:
        if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        row = dict(zip(header, cells, strict=False))
        if len(cells) != len(header):
            row = {WRONG_WIDTH: ngettext("%(cells)d cell where the header has %(columns)d columns.",
                                         "%(cells)d cells where the header has %(columns)d columns.", len(cells))
                   % {"cells": len(cells), "columns": len(header)}}
        rows.append((first + reader.line_num, row))
    return comments, header, rows


def read_rows(header: list[str], rows: list[tuple[int, dict[str, str]]], required: list[str],
              read: Callable[[int, dict[str, str]], Result | None]) -> Reading:
    reading = Reading([], [])
    if missing := [name for name in required if name not in header]:
        reading.problems.append((0, ngettext("Missing column %(columns)s.", "Missing columns %(columns)s.",
                                             len(missing)) % {"columns": ", ".join(missing)}))
        return reading
    for line, row in rows:
        try:
            if WRONG_WIDTH in row:
                raise BadRow(row[WRONG_WIDTH])
            result = read(line, row)
        except BadRow as e:
            reading.problems.append((line, str(e)))
            continue
        if result is None:
            reading.skipped += 1
        else:
            reading.results.append(result)
    return reading


def read_ga4(header, rows, comments, period) -> Reading:
    source_column = "Session source / medium" if "Session source / medium" in header else "Session source"
    conversions_column = "Key events" if "Key events" in header else "Conversions"
    if "Date" not in header:
        period = period or ga4_period(comments)
        if period is None:
            return Reading([], [(0, _("The export names no dates (# Start date, # End date): give the period."))])

    def read(line: int, row: dict[str, str]) -> Result | None:
        campaign = row["Session campaign"].strip()
        if not campaign or campaign in ("(not set)", "(direct)", "(organic)", "(referral)"):
            return None
        start, end = (day(row["Date"], "%Y%m%d"),) * 2 if "Date" in row else period
        sessions, engaged = count(row["Sessions"]), count(row["Engaged sessions"])
        if engaged > sessions:
            raise BadRow(ngettext("%(engaged)d engaged session of %(sessions)d sessions.",
                                  "%(engaged)d engaged sessions of %(sessions)d sessions.", engaged)
                         % {"engaged": engaged, "sessions": sessions})
        return Result(line, start, end, campaign, row[source_column].split(" / ")[0].strip(), sessions,
                      sessions - engaged, count(row[conversions_column]), money(row["Total revenue"]))

    required = ["Session campaign", source_column, "Sessions", "Engaged sessions", conversions_column, "Total revenue"]
    return read_rows(header, rows, required, read)


def ga4_period(comments: dict[str, str]) -> tuple[date, date] | None:
    try:
        return day(comments["start date"], "%Y%m%d"), day(comments["end date"], "%Y%m%d")
    except (KeyError, BadRow):
        return None


def read_matomo(header, rows, comments, period) -> Reading:
    if period is None:
        return Reading([], [(0, _("A Matomo export has no dates: give the period it covers."))])

    def read(line: int, row: dict[str, str]) -> Result | None:
        campaign = row["label"].strip()
        if not campaign:
            return None
        conversions = (count(row["nb_conversions"]) if "nb_conversions" in row
                       else sum(goals(row, "nb_conversions", count)))
        revenue = money(row["revenue"]) if "revenue" in row else sum(goals(row, "revenue", money), Decimal(0))
        sessions, bounces = count(row["nb_visits"]), count(row["bounce_count"])
        if bounces > sessions:
            raise BadRow(too_many_bounces(bounces, sessions))
        return Result(line, period[0], period[1], campaign, "", sessions, bounces, conversions, revenue)

    return read_rows(header, rows, ["label", "nb_visits", "bounce_count"], read)


def goals(row: dict[str, str], metric: str, convert: Callable) -> list:
    """A metric of every goal, from Matomo's flattened columns goals_idgoal=N_<metric>."""
    return [convert(value) for name, value in row.items() if re.fullmatch(rf"goals_idgoal=\w+_{metric}", name)]


def read_plausible(header, rows, comments, period) -> Reading:
    def read(line: int, row: dict[str, str]) -> Result | None:
        campaign = row["utm_campaign"].strip()
        if not campaign:
            return None
        on = day(row["date"], "%Y-%m-%d")
        sessions, bounces = count(row["visits"]), count(row["bounces"])
        if bounces > sessions:
            raise BadRow(too_many_bounces(bounces, sessions))
        return Result(line, on, on, campaign, (row["utm_source"] or row["source"]).strip(), sessions, bounces)

    return read_rows(header, rows, ["date", "source", "utm_source", "utm_campaign", "visits", "bounces"], read)


def too_many_bounces(bounces: int, visits: int) -> str:
    return ngettext("%(bounces)d bounce of %(visits)d visits.", "%(bounces)d bounces of %(visits)d visits.",
                    bounces) % {"bounces": bounces, "visits": visits}


def count(value: str) -> int:
    cleaned = value.strip().replace(",", "")
    if not cleaned:
        return 0
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise BadRow(_("%(value)s is not a number.") % {"value": repr(value)}) from None
    # Bounded before int(): NaN and infinity have no int, and 1e999999999 would be a billion digits.
    if not number.is_finite() or number < 0 or number > MAX_NUMBER or number != number.to_integral_value():
        raise BadRow(_("%(value)s is not a count.") % {"value": repr(value)})
    return int(number)


def money(value: str) -> Decimal:
    cleaned = value.strip().replace(",", "")
    try:
        amount = Decimal(cleaned or "0")
    except InvalidOperation:
        raise BadRow(not_an_amount(value)) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal(10) ** 12:
        raise BadRow(not_an_amount(value))
    return amount.quantize(Decimal("0.01"))


def not_an_amount(value: str) -> str:
    return _("%(value)s is not an amount.") % {"value": repr(value)}


def day(value: str, form: str) -> date:
    try:
        return datetime.strptime(value.strip(), form).date()
    except ValueError:
        raise BadRow(_("%(value)s is not a date (%(format)s).") % {"value": repr(value),
                                                                 "format": form.replace("%", "")}) from None


def lines(reading: Reading) -> Iterator[str]:
    for line, problem in reading.problems:
        yield _("Line %(line)d: %(problem)s") % {"line": line, "problem": problem} if line else problem
