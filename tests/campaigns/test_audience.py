"""Each ads platform's targeting, as its documentation gives it: a field or value it does not support is refused
with the reason (stoa/campaigns/audience.py names the page of each rule)."""

from decimal import Decimal

import pytest

from stoa.campaigns.audience import Audience, Point, problems

TEL_AVIV = Point(32.0853, 34.7818, Decimal("5"))

ACCEPTED = [
    ("meta", Audience(cities=["2418779"], point=TEL_AVIV, age_min=13, age_max=65, gender="female",
                      languages=["1001"], interests=["6003139266461"])),
    ("vk_ads", Audience(cities=["1"], regions=["1053480"], metro_station="34", age_min=18, age_max=45, gender="male",
                        interests=["12"])),
    ("tiktok", Audience(regions=["2510769"], age_min=18, age_max=34, languages=["he"], interests=["17"])),
    ("tiktok", Audience(age_min=55)),
    ("linkedin", Audience(cities=["urn:li:geo:101620260"], age_min=25, age_max=54, languages=["he_IL"])),
    ("x", Audience(cities=["0ce8b9a7b2742f7e"], gender="male", languages=["ar"], interests=["6008"])),
]


@pytest.mark.parametrize(("platform", "audience"), ACCEPTED)
def test_each_platform_accepts_what_it_documents(platform, audience):
    assert problems(platform, audience) == {}


REFUSED = [
    ("meta", Audience(age_min=12), "age_min", "between 13 and 65"),
    ("meta", Audience(age_max=70), "age_max", "between 13 and 65"),
    ("meta", Audience(metro_station="34"), "metro_station", "radius around the station"),
    ("meta", Audience(point=Point(32.08, 34.78, Decimal("120"))), "point", "between 1 and 80 km"),
    ("meta", Audience(cities=["Tel Aviv"]), "cities", "a key looks like 2418779"),
    ("meta", Audience(cities=[str(n) for n in range(251)]), "cities", "At most 250"),
    ("vk_ads", Audience(point=TEL_AVIV), "point", "not in the documented targeting criteria"),
    ("vk_ads", Audience(languages=["ru"]), "languages", "no language targeting"),
    ("tiktok", Audience(age_min=20, age_max=30), "age_min", "13-17, 18-24, 25-34, 35-44, 45-54, 55+"),
    ("tiktok", Audience(metro_station="34"), "metro_station", "no metro-station"),
    ("tiktok", Audience(languages=["Hebrew"]), "languages", "a key looks like he"),
    ("linkedin", Audience(age_min=18, age_max=30), "age_min", "18-24, 25-34, 35-54, 55+"),
    ("linkedin", Audience(interests=["12"]), "interests", "interest facet"),
    ("linkedin", Audience(point=TEL_AVIV), "point", "radius around a point is not offered"),
    ("x", Audience(age_min=18, age_max=24), "age_min", "could not be confirmed"),
    ("x", Audience(gender="other"), "gender", "all, female or male"),
    ("meta", Audience(age_min=40, age_max=30), "age_max", "below the youngest"),
]


@pytest.mark.parametrize(("platform", "audience", "field", "reason"), REFUSED)
def test_each_platform_refuses_what_it_does_not_support_saying_why(platform, audience, field, reason):
    found = problems(platform, audience)
    assert reason in " ".join(found[field]), found
