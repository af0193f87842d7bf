"""A campaign's audience and what each ads platform accepts of it, declared per platform (RULES) with the page
each rule comes from, so a field or value the platform does not support is refused with the reason.

Every platform targets places, languages and interests by its own keys, found with its own lookup (Meta's Targeting
Search, VK's ads.getSuggestions, TikTok's location and interest lists, LinkedIn's geo URNs, X's
targeting_criteria/locations), so an audience holds those keys as they were looked up, and the check is of their
shape. Where a platform's page could not be found, the rule says so and takes the safe side: the field is refused
rather than exported into a request the platform may reject. docs/campaigns.md lists them all.
"""

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from stoa.campaigns.models import Platform

GENDERS = ("all", "female", "male")


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    radius_km: Decimal


@dataclass(frozen=True)
class Audience:
    """Who a campaign is shown to; empty means not narrowed."""

    cities: list[str] = field(default_factory=list)  # the platform's keys
    regions: list[str] = field(default_factory=list)
    point: Point | None = None  # a radius around a place
    metro_station: str = ""  # the platform's key of a metro station (VK: ads.getSuggestions section=stations)
    age_min: int | None = None
    age_max: int | None = None
    gender: str = "all"
    languages: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.point:
            data["point"] = {**data["point"], "radius_km": str(self.point.radius_km)}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Audience":
        point = data.get("point")
        return cls(**{**data, "point": Point(float(point["latitude"]), float(point["longitude"]),
                                             Decimal(str(point["radius_km"]))) if point else None})


@dataclass(frozen=True)
class AgeBuckets:
    """A platform that targets ages only in fixed ranges: (lowest, highest or None for "and older")."""

    ranges: tuple[tuple[int, int | None], ...]

    def cover(self, age_min: int | None, age_max: int | None) -> list[tuple[int, int | None]] | None:
        """The ranges that make up [age_min, age_max] exactly, or None when it does not fall on their bounds."""
        low = self.ranges[0][0] if age_min is None else age_min
        chosen = [r for r in self.ranges if r[0] >= low and (age_max is None or (r[1] is not None and r[1] <= age_max))]
        if not chosen or chosen[0][0] != low:
            return None
        top = chosen[-1][1]
        if age_max is not None and top != age_max:
            return None
        return chosen


@dataclass(frozen=True)
class Rules:
    """What one ads platform accepts. A `None` support is a field the platform does not offer (or whose page was not
    found): `refusal` says why. `source` is the page the rules come from."""

    source: str
    key: str  # a regular expression each place, language and interest key must match
    key_example: str
    radius_km: tuple[Decimal, Decimal] | None = None
    radius_refusal: str = ""
    metro_refusal: str = ""  # empty: metro stations are supported
    ages: tuple[int, int] | None = None  # the bounds of age_min and age_max
    age_buckets: AgeBuckets | None = None
    age_refusal: str = ""
    genders: bool = True
    language_key: str = ""  # empty: languages not supported
    language_example: str = ""
    language_refusal: str = ""
    interests_refusal: str = ""  # empty: interests supported
    limits: dict[str, int] = field(default_factory=dict)  # the most keys a field may hold


def _meta() -> Rules:
    return Rules(
        # age_min 13 or more, age_max 65 or less; genders 1 and 2; cities 250, regions 200, custom_locations 200,
        # languages 90: https://developers.facebook.com/docs/marketing-api/audiences/reference/basic-targeting and
        # https://developers.facebook.com/documentation/ads-commerce/marketing-api/audiences/reference/targeting-restrictions
        source="https://developers.facebook.com/docs/marketing-api/audiences/reference/basic-targeting",
        key=r"\d+", key_example="2418779",
        # custom_locations take a radius with distance_unit "kilometer" or "mile"; its bounds are on no page found,
        # so Stoa keeps to 1-80 km (the safe side, to be confirmed in Ads Manager).
        radius_km=(Decimal(1), Decimal(80)),
        metro_refusal=_("Meta has no metro-station targeting: target a radius around the station's point instead."),
        ages=(13, 65), language_key=r"\d+", language_example="1001",  # locales: Meta's numeric keys (adlocale)
        limits={"cities": 250, "regions": 200, "languages": 90},
    )


def _vk_ads() -> Rules:
    return Rules(
        # The criteria of VK's ads API: sex (0 any, 1 female, 2 male), age_from/age_to, cities and regions (ids,
        # regions negative), stations (metro, from ads.getSuggestions section=stations), interest_categories:
        # https://dev.vk.com/en/method/ads.getTargetingStats and https://dev.vk.com/en/method/ads.getSuggestions
        source="https://dev.vk.com/en/method/ads.getTargetingStats",
        key=r"\d+", key_example="1",
        radius_refusal=_("VK Ads: a radius around a point is not in the documented targeting criteria Stoa found."),
        # The pages give no bounds for age_from and age_to (0 = not set); Stoa keeps to 14-80, the safe side.
        ages=(14, 80),
        language_refusal=_("VK Ads has no language targeting in its documented criteria."),
    )


def _tiktok() -> Rules:
    return Rules(
        # An ad group's targeting: location_ids, age_groups, gender, languages, interest_category_ids:
        # https://business-api.tiktok.com/portal/docs/create-an-ad-group-reference/v1.3 (TikTok's own page was not
        # in the stored reference; the fields are as public clients of that page send them).
        source="https://business-api.tiktok.com/portal/docs/create-an-ad-group-reference/v1.3",
        key=r"\d+", key_example="2510769",
        radius_refusal=_("TikTok targets places by location id only; a radius around a point is not offered."),
        metro_refusal=_("TikTok has no metro-station targeting."),
        age_buckets=AgeBuckets(((13, 17), (18, 24), (25, 34), (35, 44), (45, 54), (55, None))),
        language_key=r"[a-z]{2}", language_example="he",
    )


def _linkedin() -> Rules:
    return Rules(
        # ageRanges AGE_18_24, AGE_25_34, AGE_35_54, AGE_55_PLUS; genders; locations as geo URNs; interfaceLocales:
        # https://learn.microsoft.com/en-us/linkedin/shared/references/v2/ads/targeting-facets and
        # https://learn.microsoft.com/en-us/linkedin/shared/references/v2/ads/targeting-criteria
        source="https://learn.microsoft.com/en-us/linkedin/shared/references/v2/ads/targeting-criteria",
        key=r"urn:li:geo:\d+", key_example="urn:li:geo:101620260",
        radius_refusal=_("LinkedIn targets places by location only; a radius around a point is not offered."),
        metro_refusal=_("LinkedIn has no metro-station targeting."),
        age_buckets=AgeBuckets(((18, 24), (25, 34), (35, 54), (55, None))),
        language_key=r"[a-z]{2}_[A-Z]{2}", language_example="he_IL",  # an interface locale
        interests_refusal=_("LinkedIn's interest facet is not on the targeting pages Stoa found; target by "
                            "industry or skill in Campaign Manager instead."),
    )


def _x() -> Rules:
    return Rules(
        # Gender 1 (male) or 2 (female), up to 250 locations, up to 100 interests, language targeting:
        # https://developer.x.com/en/docs/ads/campaign-management/overview/targeting
        source="https://developer.x.com/en/docs/ads/campaign-management/overview/targeting",
        key=r"[0-9a-z]+", key_example="0ce8b9a7b2742f7e",
        radius_refusal=_("X targets places by location only; a radius around a point is not offered."),
        metro_refusal=_("X has no metro-station targeting."),
        # X targets ages in buckets listed on its enumerations page, which was not found: refused, the safe side.
        age_refusal=_("X's age buckets could not be confirmed in its documentation; leave the ages empty."),
        language_key=r"[a-z]{2}", language_example="he", limits={"cities": 250, "regions": 250, "interests": 100},
    )


RULES: dict[str, Callable[[], Rules]] = {
    Platform.META: _meta, Platform.VK_ADS: _vk_ads, Platform.TIKTOK: _tiktok, Platform.LINKEDIN: _linkedin,
    Platform.X: _x,
}


def rules_of(platform: str) -> Rules:
    """The platform's rules, their messages in the language active now."""
    return RULES[platform]()


def problems(platform: str, audience: Audience) -> dict[str, list[str]]:
    """Every field of `audience` that `platform` does not accept, with the reason; empty when it accepts it all."""
    rules = rules_of(platform)
    found: dict[str, list[str]] = {}
    for check in (_places, _point, _metro, _ages, _gender, _languages, _interests):
        for name, reason in check(rules, audience):
            found.setdefault(name, []).append(reason)
    return found


Problems = list[tuple[str, str]]


def _keys(rules: Rules, name: str, keys: list[str], pattern: str, example: str) -> Problems:
    found = []
    if bad := [k for k in keys if not re.fullmatch(pattern, k)]:
        found.append((name, _("Not keys of this platform: %(keys)s (a key looks like %(example)s).")
                      % {"keys": ", ".join(bad), "example": example}))
    if (most := rules.limits.get(name)) and len(keys) > most:
        found.append((name, _("At most %(most)d on this platform.") % {"most": most}))
    return found


def _places(rules: Rules, audience: Audience) -> Problems:
    return (_keys(rules, "cities", audience.cities, rules.key, rules.key_example)
            + _keys(rules, "regions", audience.regions, rules.key, rules.key_example))


def _point(rules: Rules, audience: Audience) -> Problems:
    point = audience.point
    if point is None:
        return []
    if rules.radius_km is None:
        return [("point", rules.radius_refusal)]
    low, high = rules.radius_km
    found = []
    if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
        found.append(("point", _("A point's latitude is between -90 and 90, its longitude between -180 and 180.")))
    if not low <= point.radius_km <= high:
        found.append(("point", _("The radius is between %(low)s and %(high)s km on this platform.")
                      % {"low": low, "high": high}))
    return found


def _metro(rules: Rules, audience: Audience) -> Problems:
    if not audience.metro_station:
        return []
    if rules.metro_refusal:
        return [("metro_station", rules.metro_refusal)]
    return _keys(rules, "metro_station", [audience.metro_station], rules.key, rules.key_example)


def _ages(rules: Rules, audience: Audience) -> Problems:
    low, high = audience.age_min, audience.age_max
    if low is None and high is None:
        return []
    if low is not None and high is not None and high < low:
        return [("age_max", _("The oldest age is below the youngest."))]
    if rules.age_refusal:
        return [("age_min", rules.age_refusal)]
    if rules.age_buckets is not None:
        if rules.age_buckets.cover(low, high) is None:
            ranges = ", ".join(f"{a}-{b}" if b else f"{a}+" for a, b in rules.age_buckets.ranges)
            return [("age_min", _("This platform targets ages only in these ranges: %(ranges)s; the youngest and the "
                                  "oldest age must fall on their bounds.") % {"ranges": ranges})]
        return []
    assert rules.ages is not None
    lowest, highest = rules.ages
    return [(name, _("Ages are between %(lowest)d and %(highest)d on this platform.")
             % {"lowest": lowest, "highest": highest})
            for name, age in (("age_min", low), ("age_max", high)) if age is not None and not lowest <= age <= highest]


def _gender(rules: Rules, audience: Audience) -> Problems:
    if audience.gender not in GENDERS:
        return [("gender", _("A gender is all, female or male."))]
    return []


def _languages(rules: Rules, audience: Audience) -> Problems:
    if not audience.languages:
        return []
    if not rules.language_key:
        return [("languages", rules.language_refusal)]
    return _keys(rules, "languages", audience.languages, rules.language_key, rules.language_example)


def _interests(rules: Rules, audience: Audience) -> Problems:
    if not audience.interests:
        return []
    if rules.interests_refusal:
        return [("interests", rules.interests_refusal)]
    return _keys(rules, "interests", audience.interests, rules.key, rules.key_example)

