"""Exporting a month's campaigns of one platform: no platform documents its bulk sheet on a page found, so each
campaign is the documented API request that creates it (method, path, body), paused, with the page beside it."""

import json
from decimal import Decimal

from stoa.campaigns.audience import Audience, Point
from stoa.campaigns.exports import export, file_name
from tests.campaigns.conftest import this_month


def exported(platform: str, campaign) -> dict:
    document = json.loads(export(platform, [campaign]))
    assert document["format"] == "api-requests" and document["_doc"][0].startswith("https://")
    return document


def test_meta_gets_an_ad_set_with_its_targeting_spec(make_campaign):
    campaign = make_campaign(audience=Audience(cities=["2418779"], point=Point(32.0553, 34.7566, Decimal("3")),
                                               age_min=25, age_max=45, gender="female", languages=["1001"],
                                               interests=["6003139266461"]))
    [request] = exported("meta", campaign)["requests"]
    assert (request["method"], request["path"]) == ("POST", "/act_<AD_ACCOUNT_ID>/adsets")
    body = request["body"]
    assert (body["status"], body["lifetime_budget"]) == ("PAUSED", 300000)
    assert body["targeting"] == {
        "geo_locations": {"cities": [{"key": "2418779"}], "custom_locations": [
            {"latitude": 32.0553, "longitude": 34.7566, "radius": 3.0, "distance_unit": "kilometer"}]},
        "age_min": 25, "age_max": 45, "genders": [2], "locales": [1001], "interests": [{"id": "6003139266461"}]}


def test_vk_ads_gets_an_ad_promoting_a_post_with_its_criteria(make_campaign):
    campaign = make_campaign(platform="vk_ads", currency="RUB", budget=Decimal("50000.90"), audience=Audience(
        cities=["1"], regions=["1053480"], metro_station="34", age_min=18, age_max=45, gender="male",
        interests=["12"]))
    [request] = exported("vk_ads", campaign)["requests"]
    assert request["path"] == "/method/ads.createAds"
    [ad] = json.loads(request["body"]["data"])
    assert ad == {"campaign_id": "<CAMPAIGN_ID>", "ad_format": 9, "cost_type": 1, "status": 0,
                  "name": "Shakshuka week", "all_limit": 50000, "sex": 2, "age_from": 18, "age_to": 45,
                  "cities": "1,-1053480", "stations": "34", "interest_categories": "12"}


def test_tiktok_gets_an_ad_group_with_its_age_groups(make_campaign):
    campaign = make_campaign(platform="tiktok", audience=Audience(regions=["2510769"], age_min=18, age_max=34,
                                                                 languages=["he"]))
    [request] = exported("tiktok", campaign)["requests"]
    body = request["body"]
    first, last = this_month()
    assert request["path"] == "/open_api/v1.3/adgroup/create/"
    assert (body["age_groups"], body["location_ids"], body["gender"]) == (
        ["AGE_18_24", "AGE_25_34"], ["2510769"], "GENDER_UNLIMITED")
    assert (body["schedule_start_time"], body["schedule_end_time"]) == (f"{first} 00:00:00", f"{last} 23:59:59")


def test_linkedin_gets_a_campaign_with_its_targeting_criteria(make_campaign):
    campaign = make_campaign(platform="linkedin", audience=Audience(cities=["urn:li:geo:101620260"], age_min=25,
                                                                    age_max=54))
    [request] = exported("linkedin", campaign)["requests"]
    body = request["body"]
    assert body["totalBudget"] == {"amount": "3000.00", "currencyCode": "ILS"}
    assert body["targetingCriteria"]["include"]["and"] == [
        {"or": {"urn:li:adTargetingFacet:locations": ["urn:li:geo:101620260"]}},
        {"or": {"urn:li:adTargetingFacet:ageRanges": ["urn:li:ageRange:(25,34)", "urn:li:ageRange:(35,54)"]}}]


def test_x_gets_a_campaign_a_line_item_and_one_targeting_criterion_each(make_campaign):
    campaign = make_campaign(platform="x", objective="conversions", audience=Audience(
        cities=["0ce8b9a7b2742f7e"], gender="female", languages=["he"]))
    campaign_request, line_item, *criteria = exported("x", campaign)["requests"]
    assert campaign_request["body"]["total_budget_amount_local_micro"] == 3_000_000_000
    assert line_item["body"]["objective"] == "WEBSITE_CONVERSIONS"
    assert [(c["body"]["targeting_type"], c["body"]["targeting_value"]) for c in criteria] == [
        ("LOCATION", "0ce8b9a7b2742f7e"), ("GENDER", "2"), ("LANGUAGE", "he")]


def test_the_file_is_named_after_the_platform_and_month():
    first, _ = this_month()
    assert file_name("meta", first) == f"campaigns-meta-{first:%Y-%m}.json"
