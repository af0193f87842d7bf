"""A month's campaigns of one ads platform, exported for that platform.

None of the five platforms documents its bulk-upload sheet on a page Stoa could find: Meta's Ads Manager import
sheet, LinkedIn's Campaign Manager bulk file, X's and TikTok's bulk sheets and VK Ads' are each downloaded from the
ads manager as a template whose columns are on no public page (docs/campaigns.md). So each campaign is exported as
the documented API request that creates it: the method, the path and the body, in a JSON file, with the page of
each. The ids only the ads account knows (the ad account, the parent campaign, a funding instrument) are left as
<PLACEHOLDERS> to fill in, and everything is created paused, so nothing spends before a person looks at it.
"""

import json
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from stoa.campaigns.audience import Audience, rules_of
from stoa.campaigns.models import Campaign, Objective, Platform

Request = dict[str, Any]


def export(platform: str, campaigns: list[Campaign]) -> bytes:
    """The JSON file of `campaigns` (all of `platform`) for that platform."""
    build = BUILDERS[platform]
    document = {"platform": platform, "format": "api-requests", "_doc": DOCS[platform],
                "requests": [request for campaign in campaigns for request in build(campaign)]}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def file_name(platform: str, month: date) -> str:
    return f"campaigns-{platform}-{month:%Y-%m}.json"


def _audience(campaign: Campaign) -> Audience:
    return Audience.from_json(campaign.audience)


def minor_units(amount: Decimal) -> int:
    """An amount in the currency's hundredths (cents, agorot, kopecks)."""
    return int((amount * 100).to_integral_value())


# -- Meta: an ad set (POST /act_<AD_ACCOUNT_ID>/adsets) with its targeting spec ----------------------------------

def meta(campaign: Campaign) -> list[Request]:
    audience = _audience(campaign)
    # lifetime_budget in the account currency's hundredths, as the page's example's daily_budget=1000 is given;
    # the unit is not stated on the page found (docs/campaigns.md).
    body = {"name": campaign.name, "campaign_id": "<CAMPAIGN_ID>", "status": "PAUSED",
            "lifetime_budget": minor_units(campaign.budget),
            "start_time": _moment(campaign.starts_on).isoformat(), "end_time": _moment(campaign.ends_on, end=True)
            .isoformat(), "targeting": meta_targeting(audience)}
    return [{"method": "POST", "path": "/act_<AD_ACCOUNT_ID>/adsets", "body": body}]


def meta_targeting(audience: Audience) -> dict[str, Any]:
    geo: dict[str, Any] = {}
    if audience.cities:
        geo["cities"] = [{"key": key} for key in audience.cities]
    if audience.regions:
        geo["regions"] = [{"key": key} for key in audience.regions]
    if point := audience.point:
        geo["custom_locations"] = [{"latitude": point.latitude, "longitude": point.longitude,
                                    "radius": float(point.radius_km), "distance_unit": "kilometer"}]
    targeting: dict[str, Any] = {"geo_locations": geo}
    targeting |= {name: value for name, value in (("age_min", audience.age_min), ("age_max", audience.age_max))
                  if value is not None}
    if audience.gender != "all":
        targeting["genders"] = [1 if audience.gender == "male" else 2]  # 1 targets males, 2 females
    if audience.languages:
        targeting["locales"] = [int(key) for key in audience.languages]
    if audience.interests:
        targeting["interests"] = [{"id": key} for key in audience.interests]
    return targeting


# -- VK Ads: ads.createAds (an ad promoting a community post, ad_format 9) --------------------------------------

def vk_ads(campaign: Campaign) -> list[Request]:
    audience = _audience(campaign)
    ad: dict[str, Any] = {"campaign_id": "<CAMPAIGN_ID>", "ad_format": 9, "cost_type": 1, "status": 0,
                          "name": campaign.name[:60], "all_limit": int(campaign.budget)}  # whole rubles
    ad["sex"] = {"all": 0, "female": 1, "male": 2}[audience.gender]
    ad |= {name: value for name, value in (("age_from", audience.age_min), ("age_to", audience.age_max)) if value}
    if places := audience.cities + [f"-{key}" for key in audience.regions]:  # regions are given negative
        ad["cities"] = ",".join(places)
    if audience.metro_station:
        ad["stations"] = audience.metro_station
    if audience.interests:
        ad["interest_categories"] = ",".join(audience.interests)
    # `data` is a serialized JSON array of ad specifications; cpm (the price) is set in the ads manager.
    return [{"method": "POST", "path": "/method/ads.createAds", "body": {"account_id": "<ACCOUNT_ID>",
                                                                        "data": json.dumps([ad], ensure_ascii=False)}}]


# -- TikTok: an ad group (POST /open_api/v1.3/adgroup/create/) ----------------------------------------------------

TIKTOK_AGES = {(13, 17): "AGE_13_17", (18, 24): "AGE_18_24", (25, 34): "AGE_25_34", (35, 44): "AGE_35_44",
               (45, 54): "AGE_45_54", (55, None): "AGE_55_100"}


def tiktok(campaign: Campaign) -> list[Request]:
    audience = _audience(campaign)
    body: dict[str, Any] = {
        "advertiser_id": "<ADVERTISER_ID>", "campaign_id": "<CAMPAIGN_ID>", "adgroup_name": campaign.name,
        "operation_status": "DISABLE", "budget_mode": "BUDGET_MODE_TOTAL", "budget": float(campaign.budget),
        "schedule_type": "SCHEDULE_START_END",
        "schedule_start_time": f"{_moment(campaign.starts_on):%Y-%m-%d %H:%M:%S}",
        "schedule_end_time": f"{_moment(campaign.ends_on, end=True):%Y-%m-%d %H:%M:%S}",
        "location_ids": audience.cities + audience.regions,
        "gender": {"all": "GENDER_UNLIMITED", "female": "GENDER_FEMALE", "male": "GENDER_MALE"}[audience.gender]}
    buckets = rules_of(Platform.TIKTOK).age_buckets
    if buckets and (audience.age_min is not None or audience.age_max is not None):
        body["age_groups"] = [TIKTOK_AGES[r] for r in buckets.cover(audience.age_min, audience.age_max) or []]
    if audience.languages:
        body["languages"] = audience.languages
    if audience.interests:
        body["interest_category_ids"] = audience.interests
    return [{"method": "POST", "path": "/open_api/v1.3/adgroup/create/", "body": body}]


# -- LinkedIn: a campaign (POST /rest/adCampaigns) with its targetingCriteria --------------------------------------

def linkedin(campaign: Campaign) -> list[Request]:
    audience = _audience(campaign)
    facets: list[dict[str, Any]] = []
    if places := audience.cities + audience.regions:
        facets.append({"or": {"urn:li:adTargetingFacet:locations": places}})
    buckets = rules_of(Platform.LINKEDIN).age_buckets
    if buckets and (audience.age_min is not None or audience.age_max is not None):
        ranges = buckets.cover(audience.age_min, audience.age_max) or []
        facets.append({"or": {"urn:li:adTargetingFacet:ageRanges": [
            f"urn:li:ageRange:({low},{high if high else 2147483647})" for low, high in ranges]}})
    if audience.gender != "all":
        facets.append({"or": {"urn:li:adTargetingFacet:genders": [f"urn:li:gender:{audience.gender.upper()}"]}})
    if audience.languages:
        facets.append({"or": {"urn:li:adTargetingFacet:interfaceLocales": [
            f"urn:li:locale:{key}" for key in audience.languages]}})
    body = {"account": "urn:li:sponsoredAccount:<ACCOUNT_ID>", "campaignGroup": "urn:li:sponsoredCampaignGroup:"
            "<CAMPAIGN_GROUP_ID>", "name": campaign.name, "status": "DRAFT",
            "totalBudget": {"amount": str(campaign.budget), "currencyCode": campaign.currency},
            "runSchedule": {"start": _millis(campaign.starts_on), "end": _millis(campaign.ends_on, end=True)},
            "targetingCriteria": {"include": {"and": facets}}}
    return [{"method": "POST", "path": "/rest/adCampaigns", "body": body}]


# -- X: a campaign, its line item and its targeting criteria (POST accounts/:account_id/...) --------------------

X_OBJECTIVES: dict[str, str] = {Objective.AWARENESS: "REACH", Objective.TRAFFIC: "WEBSITE_CLICKS",
                Objective.ENGAGEMENT: "ENGAGEMENTS", Objective.CONVERSIONS: "WEBSITE_CONVERSIONS"}


def x(campaign: Campaign) -> list[Request]:
    audience = _audience(campaign)
    account = "/12/accounts/<ACCOUNT_ID>"
    start, end = _moment(campaign.starts_on).isoformat(), _moment(campaign.ends_on, end=True).isoformat()
    criteria = ([("LOCATION", key) for key in audience.cities + audience.regions]
                + ([("GENDER", "1" if audience.gender == "male" else "2")] if audience.gender != "all" else [])
                + [("LANGUAGE", key) for key in audience.languages] + [("INTEREST", key) for key in audience.interests])
    return [
        {"method": "POST", "path": f"{account}/campaigns", "body": {
            "name": campaign.name, "funding_instrument_id": "<FUNDING_INSTRUMENT_ID>", "entity_status": "PAUSED",
            "total_budget_amount_local_micro": minor_units(campaign.budget) * 10_000, "start_time": start,
            "end_time": end}},
        {"method": "POST", "path": f"{account}/line_items", "body": {
            "campaign_id": "<CAMPAIGN_ID>", "name": campaign.name, "objective": X_OBJECTIVES[campaign.objective],
            "entity_status": "PAUSED", "start_time": start, "end_time": end}},
        *({"method": "POST", "path": f"{account}/targeting_criteria", "body": {
            "line_item_id": "<LINE_ITEM_ID>", "targeting_type": kind, "targeting_value": value}}
          for kind, value in criteria)]


def _moment(day: date, end: bool = False) -> datetime:
    """The campaign's first or last moment, in the ad account's own zone (the platforms read the times there)."""
    return datetime.combine(day, time(23, 59, 59) if end else time(0, 0))


def _millis(day: date, end: bool = False) -> int:
    """Milliseconds since the epoch of the day's first or last second, UTC, as LinkedIn's runSchedule takes them."""
    return (day - date(1970, 1, 1)).days * 86_400_000 + (86_399_000 if end else 0)


BUILDERS: dict[str, Callable[[Campaign], list[Request]]] = {
    Platform.META: meta, Platform.VK_ADS: vk_ads, Platform.TIKTOK: tiktok, Platform.LINKEDIN: linkedin,
    Platform.X: x,
}

DOCS: dict[str, list[str]] = {
    Platform.META: ["https://developers.facebook.com/docs/marketing-api/audiences/reference/basic-targeting"],
    Platform.VK_ADS: ["https://dev.vk.com/en/method/ads.createAds",
                      "https://dev.vk.com/en/method/ads.getTargetingStats"],
    Platform.TIKTOK: ["https://business-api.tiktok.com/portal/docs/create-an-ad-group-reference/v1.3"],
    Platform.LINKEDIN: ["https://learn.microsoft.com/en-us/linkedin/shared/references/v2/ads/targeting-criteria",
                        "https://learn.microsoft.com/en-us/linkedin/shared/references/v2/ads/targeting-facets"],
    Platform.X: ["https://developer.x.com/en/docs/ads/campaign-management/overview/targeting",
                 "https://docs.x.com/x-ads-api/campaign-management"],
}
