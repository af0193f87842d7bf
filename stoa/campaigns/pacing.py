"""Pacing of a campaign's spend against its plan, the managers' alerts, and ROI with the links' conversions.

A campaign is expected to spend its budget evenly over its days: by the last day its results reach, the share of the
budget of the days run so far. Beyond TOLERANCE either way it overspends or underspends; an underspend is called only
after UNDERSPEND_AFTER_DAYS, since the first days of a campaign are slow while the platform learns. Each alert goes
out once per campaign, claimed by a conditional update (any number of workers may run the job).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy

from stoa import clock
from stoa.campaigns.models import Campaign
from stoa.links.models import CampaignResult, ShortLink
from stoa.workspaces.actions import in_their_language, notify

TOLERANCE = Decimal("0.20")
UNDERSPEND_AFTER_DAYS = 3
ON_TRACK, OVER, UNDER, NO_RESULTS = "on_track", "overspend", "underspend", "no_results"


@dataclass(frozen=True)
class Pace:
    spent: Decimal
    expected: Decimal  # what the plan had spent by `through`
    through: date | None  # the last day the results reach
    state: str

    @property
    def share(self) -> Decimal | None:
        """Spent over expected, 1 on plan."""
        return (self.spent / self.expected).quantize(Decimal("0.01")) if self.expected else None


def pace(campaign: Campaign) -> Pace:
    days = list(campaign.results.values_list("day", "spend"))
    if not days:
        return Pace(Decimal(0), Decimal(0), None, NO_RESULTS)
    through = max(day for day, _ in days)
    spent = sum((spend for _, spend in days), Decimal(0))
    planned_days = (campaign.ends_on - campaign.starts_on).days + 1
    run_days = max(0, min((through - campaign.starts_on).days + 1, planned_days))
    expected = (campaign.budget * run_days / planned_days).quantize(Decimal("0.01"))
    return Pace(spent, expected, through, judge(campaign, spent, expected, run_days))


def judge(campaign: Campaign, spent: Decimal, expected: Decimal, run_days: int) -> str:
    if spent > campaign.budget or spent > expected * (1 + TOLERANCE):
        return OVER
    if run_days >= UNDERSPEND_AFTER_DAYS and spent < expected * (1 - TOLERANCE):
        return UNDER
    return ON_TRACK


MESSAGES = {
    OVER: gettext_lazy("Campaign %(name)s overspends: %(spent)s %(currency)s spent by %(day)s, where the plan had "
                       "%(expected)s of its %(budget)s."),
    UNDER: gettext_lazy("Campaign %(name)s underspends: %(spent)s %(currency)s spent by %(day)s, where the plan had "
                        "%(expected)s of its %(budget)s."),
}
ALERTED_FIELD = {OVER: "overspend_alerted_at", UNDER: "underspend_alerted_at"}


def alert_once(campaign: Campaign) -> str | None:
    """Tell the workspace's managers when the campaign is off pace, once per kind; returns the kind alerted now."""
    found = pace(campaign)
    if found.state not in ALERTED_FIELD:
        return None
    field = ALERTED_FIELD[found.state]
    claimed = Campaign.objects.filter(pk=campaign.pk, **{field: None}).update(**{field: clock.now()})
    if claimed != 1:
        return None
    message = in_their_language(MESSAGES[found.state], name=campaign.name, spent=found.spent,
                                currency=campaign.currency, day=found.through, expected=found.expected,
                                budget=campaign.budget)
    notify(campaign.workspace_id, f"campaign_{found.state}", message, link=f"/campaigns/{campaign.pk}/")
    return found.state


def pace_all(today: date) -> list[tuple[Campaign, str]]:
    """Every campaign running, or ended within the last week (its last reports still come in), checked once."""
    since = date.fromordinal(today.toordinal() - 7)
    alerted = []
    for campaign in Campaign.objects.filter(starts_on__lte=today, ends_on__gte=since).filter(
            Q(overspend_alerted_at=None) | Q(underspend_alerted_at=None)):
        if kind := alert_once(campaign):
            alerted.append((campaign, kind))
    return alerted


@dataclass(frozen=True)
class ROI:
    spend: Decimal
    impressions: int
    clicks: int  # on the platform
    platform_conversions: int
    link_clicks: int  # on the short links of the promoted posts, by people, within the campaign's days
    link_conversions: int  # reported to stoa.links for the campaign's utm_campaign within its days
    revenue: Decimal
    roi: Decimal | None  # (revenue - spend) / spend; None when nothing was spent

    @property
    def cost_per_conversion(self) -> Decimal | None:
        return (self.spend / self.link_conversions).quantize(Decimal("0.01")) if self.link_conversions else None


def roi(campaign: Campaign) -> ROI:
    """What the campaign cost and brought: the platform's figures and the links' clicks, conversions and revenue.
    The revenue is taken to be in the campaign's currency (stoa.links keeps no currency)."""
    got = campaign.results.aggregate(spend=Sum("spend"), impressions=Sum("impressions"), clicks=Sum("clicks"),
                                     conversions=Sum("conversions"))
    spend = got["spend"] or Decimal(0)
    links = ShortLink.objects.filter(publication__in=campaign.publications.all()).aggregate(clicks=Count(
        "clicks", filter=Q(clicks__at__date__gte=campaign.starts_on, clicks__at__date__lte=campaign.ends_on)))
    brought = (CampaignResult.objects.filter(workspace=campaign.workspace, campaign=campaign.utm_campaign,
                                             period_start__gte=campaign.starts_on, period_end__lte=campaign.ends_on)
               .aggregate(conversions=Sum("conversions"), revenue=Sum("revenue"))
               if campaign.utm_campaign else {})
    revenue = brought.get("revenue") or Decimal(0)
    return ROI(spend, got["impressions"] or 0, got["clicks"] or 0, got["conversions"] or 0, links["clicks"] or 0,
               brought.get("conversions") or 0, revenue,
               ((revenue - spend) / spend).quantize(Decimal("0.0001")) if spend else None)
