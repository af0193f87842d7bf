"""The paid campaigns' API: the same plan, refusals, export and import as the pages, for scripts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from stoa.campaigns.audience import Audience
from stoa.campaigns.models import Campaign
from stoa.workspaces.models import ApiToken
from tests.campaigns.conftest import this_month
from tests.campaigns.test_import import report


@pytest.fixture
def api(owner):
    _, token = ApiToken.issue(owner, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_campaign_is_planned_listed_and_exported_through_the_api(api, workspace):
    first, last = this_month()
    response = api.post(f"/api/v1/workspaces/{workspace.pk}/campaigns", {
        "name": "Shakshuka week", "platform": "meta", "budget": "3000.00", "currency": "ils",
        "starts_on": first.isoformat(), "ends_on": last.isoformat(),
        "audience": {"cities": ["2418779"], "point": {"latitude": 32.05, "longitude": 34.75, "radius_km": "3"},
                     "age_min": 25, "age_max": 45}}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["currency"], body["pacing"], body["audience"]["point"]["radius_km"]) == ("ILS", "no_results", "3")
    listed = api.get(f"/api/v1/workspaces/{workspace.pk}/campaigns?month={first:%Y-%m}").json()
    assert [c["id"] for c in listed] == [body["id"]]
    exported = api.get(f"/api/v1/workspaces/{workspace.pk}/campaigns/export/meta/{first:%Y-%m}").json()
    assert exported["requests"][0]["body"]["targeting"]["geo_locations"]["cities"] == [{"key": "2418779"}]


def test_an_audience_the_platform_refuses_comes_back_in_the_apis_error_shape(api, make_campaign):
    campaign = make_campaign(platform="tiktok", audience=Audience(regions=["2510769"]))
    response = api.put(f"/api/v1/campaigns/{campaign.pk}/audience", {"metro_station": "34", "age_min": 20},
                       content_type="application/json")
    assert response.status_code == 422
    assert "TikTok has no metro-station targeting." in response.content.decode()


def test_results_are_imported_through_the_api(api, make_campaign):
    campaign = make_campaign()
    response = api.post(f"/api/v1/campaigns/{campaign.pk}/results",
                        {"report": SimpleUploadedFile("meta.csv", report("meta"))})
    assert response.status_code == 200 and response.json() == {"days": 2}
    assert api.get(f"/api/v1/campaigns/{campaign.pk}").json()["spent"] == "200.00"


def test_another_workspaces_campaign_is_not_found(stranger, make_campaign):
    campaign = make_campaign()
    _, token = ApiToken.issue(stranger, "tests")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(f"/api/v1/campaigns/{campaign.pk}").status_code == 404
    assert Campaign.objects.count() == 1
