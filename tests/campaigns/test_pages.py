"""The paid campaigns' pages: the month's plan with pacing and ROI, the export downloads, a campaign's audience form
with its platform's refusals on the fields, and the import with its row report; scoped to the caller's workspace."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from stoa.campaigns.audience import Audience
from stoa.campaigns.models import Campaign
from tests.campaigns.conftest import this_month
from tests.campaigns.test_import import report


@pytest.fixture
def signed_in(client, owner):
    client.force_login(owner)
    return client


def test_the_plan_lists_the_months_campaigns_with_their_pacing(signed_in, make_campaign, workspace):
    make_campaign(name="Shakshuka week")
    first, _ = this_month()
    page = signed_in.get(f"/campaigns/?workspace={workspace.slug}&month={first:%Y-%m}")
    assert page.status_code == 200
    assert b'<bdi dir="auto">Shakshuka week</bdi>' in page.content and b"No results yet" in page.content
    assert f"/campaigns/export/meta/{first:%Y-%m}/".encode() in page.content


def test_a_campaign_is_planned_from_the_form(signed_in, workspace):
    first, last = this_month()
    page = signed_in.post("/campaigns/", {
        "workspace": workspace.slug, "name": "Hummus month", "platform": "tiktok", "objective": "awareness",
        "budget": "1200", "currency": "ils", "starts_on": first.isoformat(), "ends_on": last.isoformat(),
        "regions": "2510769", "age_min": "18", "age_max": "34", "gender": "all", "languages": "he, ar"})
    campaign = Campaign.objects.get()
    assert page.status_code == 302 and page.url == f"/campaigns/{campaign.pk}/"
    assert (campaign.currency, campaign.audience["languages"]) == ("ILS", ["he", "ar"])


def test_the_platforms_refusals_are_shown_on_the_audience_fields(signed_in, make_campaign):
    campaign = make_campaign(platform="linkedin", audience=Audience(cities=["urn:li:geo:101620260"]))
    page = signed_in.post(f"/campaigns/{campaign.pk}/audience/", {
        "cities": "urn:li:geo:101620260", "age_min": "18", "age_max": "30", "gender": "all",
        "latitude": "32.08", "longitude": "34.78", "radius_km": "5"})
    assert page.status_code == 422
    form = page.context["audience_form"]
    assert "18-24, 25-34, 35-54, 55+" in form.errors["age_min"][0]
    assert "radius around a point is not offered" in form.errors["radius_km"][0]


def test_the_import_reports_its_bad_rows_by_line(signed_in, make_campaign):
    campaign = make_campaign()
    bad = report("meta", [["{d1}", "{d1}", "Shakshuka week", "12000", "340", "95.50", "12"],
                          ["soon", "", "Shakshuka week", "1", "1", "1", "0"]])
    page = signed_in.post(f"/campaigns/{campaign.pk}/import/", {"report": SimpleUploadedFile("meta.csv", bad)})
    assert page.status_code == 422
    assert "Line 3: date_start is not a date (YYYY-MM-DD): &#x27;soon&#x27;" in page.content.decode()
    good = signed_in.post(f"/campaigns/{campaign.pk}/import/", {"report": SimpleUploadedFile("m.csv", report("meta"))})
    assert good.status_code == 200 and b"2 days imported." in good.content


def test_the_export_downloads_the_months_requests_for_one_platform(signed_in, make_campaign, workspace):
    make_campaign(budget=Decimal("1000"))
    first, _ = this_month()
    download = signed_in.get(f"/campaigns/export/meta/{first:%Y-%m}/?workspace={workspace.slug}")
    assert download["Content-Disposition"] == f'attachment; filename="campaigns-meta-{first:%Y-%m}.json"'
    assert json.loads(download.content)["requests"][0]["body"]["lifetime_budget"] == 100000


def test_an_analyst_sees_the_plan_but_cannot_change_it(client, member, make_campaign):
    campaign = make_campaign()
    client.force_login(member("analyst"))
    assert b"New paid campaign" not in client.get("/campaigns/").content
    assert client.post(f"/campaigns/{campaign.pk}/audience/", {"gender": "all"}).status_code == 403


def test_another_workspaces_campaign_is_not_found(client, stranger, other_workspace, make_campaign):
    campaign = make_campaign()
    client.force_login(stranger)
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 404
    first, _ = this_month()
    assert not json.loads(client.get(f"/campaigns/export/meta/{first:%Y-%m}/").content)["requests"]


def test_the_plans_form_says_what_the_chosen_platform_would_refuse_while_it_is_filled_in(signed_in, workspace):
    check = signed_in.post("/campaigns/check/", {"workspace": workspace.slug, "platform": "x", "gender": "all",
                                                 "age_min": "18", "metro_station": "34"}, HTTP_HX_REQUEST="true")
    assert check.status_code == 200
    assert "X would refuse:" in check.content.decode()
    assert "Metro station (the platform&#x27;s key): X has no metro-station targeting." in check.content.decode()
    fine = signed_in.post("/campaigns/check/", {"workspace": workspace.slug, "platform": "meta", "gender": "all",
                                                "cities": "2418779"}, HTTP_HX_REQUEST="true")
    assert "Meta accepts this audience." in fine.content.decode()
    assert not Campaign.objects.exists()
