"""Importing a campaign's results from its platform's report (CSV, the reporting API's field names as columns):
every row or none, each bad row reported by its line and reason, a day imported again replaced, not added."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from stoa.campaigns.actions import import_results
from stoa.campaigns.audience import Audience
from stoa.campaigns.models import Result
from stoa.errors import ActionError
from tests.campaigns.conftest import this_month

FIXTURES = Path(__file__).parent / "fixtures"
RUB = {"vk_ads": "RUB"}


def report(platform: str, rows: list[list[str]] | None = None) -> bytes:
    """The fixture's report for `platform` as CSV, its days this month's first two."""
    fixture = json.loads((FIXTURES / f"{platform}_report.json").read_text())
    first, _ = this_month()
    days = {"{d1}": first.isoformat(), "{d2}": (first + timedelta(days=1)).isoformat()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fixture["columns"])
    for row in rows if rows is not None else fixture["rows"]:
        writer.writerow([days.get(cell[:4], "") + cell[4:] if cell.startswith("{d") else cell for cell in row])
    return out.getvalue().encode()


@pytest.mark.parametrize("platform", ["meta", "vk_ads", "tiktok", "linkedin", "x"])
def test_each_platforms_report_gives_spend_impressions_clicks_and_conversions_by_day(platform, make_campaign, owner):
    campaign = make_campaign(platform=platform, currency=RUB.get(platform, "ILS"), audience=audience_for(platform))
    assert import_results(owner, campaign, report(platform)) == 2
    first, _ = this_month()
    assert [(r.day, r.spend, r.impressions, r.clicks, r.conversions) for r in campaign.results.all()] == [
        (first, Decimal("95.50"), 12000, 340, 12), (first + timedelta(days=1), Decimal("104.50"), 11000, 300, 9)]


def test_a_file_with_bad_rows_is_refused_whole_with_each_line_and_reason(make_campaign, owner):
    campaign = make_campaign()
    bad = report("meta", [["{d1}", "{d1}", "Shakshuka week", "12000", "340", "95.50", "12"],
                          ["yesterday", "", "Shakshuka week", "1", "1", "1", "0"],
                          ["{d2}", "{d2}", "Shakshuka week", "11000", "many", "104.50", "9"],
                          ["{d1}", "{d1}", "Shakshuka week", "1", "1", "-5", "0"]])
    with pytest.raises(ActionError) as refused:
        import_results(owner, campaign, bad)
    assert refused.value.errors["file"] == [
        "Line 3: date_start is not a date (YYYY-MM-DD): 'yesterday'",
        "Line 4: clicks is not a number of zero or more: 'many'",
        "Line 5: spend is not a number of zero or more: '-5'"]
    assert not Result.objects.exists()  # the good row is not kept alone: pacing never reads half a report


def test_a_report_without_the_platforms_columns_is_refused(make_campaign, owner):
    campaign = make_campaign(platform="x", audience=audience_for("x"))
    with pytest.raises(ActionError) as refused:
        import_results(owner, campaign, report("meta"))
    assert "Columns missing: date, billed_charge_local_micro" in refused.value.errors["file"][0]


def test_importing_the_same_report_again_replaces_its_days(make_campaign, owner):
    campaign = make_campaign()
    import_results(owner, campaign, report("meta"))
    import_results(owner, campaign, report("meta"))
    assert campaign.results.count() == 2


def audience_for(platform: str) -> Audience:
    return Audience(cities={"linkedin": ["urn:li:geo:101620260"], "x": ["0ce8b9a7b2742f7e"]}.get(platform, ["1"]))


def test_a_day_outside_the_campaigns_days_is_a_bad_row(make_campaign, owner):
    first, _ = this_month()
    campaign = make_campaign(starts_on=first + timedelta(days=1))
    with pytest.raises(ActionError) as refused:
        import_results(owner, campaign, report("meta"))
    assert refused.value.errors["file"] == [f"Line 2: The day {first} is outside the campaign's days "
                                            f"({campaign.starts_on} to {campaign.ends_on})."]
