"""Pacing a campaign's spend against its plan, alerting the managers once, and its ROI with the links' figures."""

from datetime import timedelta
from decimal import Decimal

import pytest

from stoa import clock
from stoa.campaigns.models import Result
from stoa.campaigns.pacing import NO_RESULTS, ON_TRACK, OVER, UNDER, alert_once, pace, pace_all, roi
from stoa.links.models import CampaignResult, Click, Origin, ShortLink
from stoa.workspaces.models import Notification
from tests.campaigns.conftest import this_month


def spend(campaign, *amounts: str) -> None:
    """The campaign spent these amounts on its first days."""
    for n, amount in enumerate(amounts):
        Result.objects.create(campaign=campaign, day=campaign.starts_on + timedelta(days=n), spend=Decimal(amount),
                              impressions=1000, clicks=30, conversions=2, imported_at=clock.now())


@pytest.fixture
def june_campaign(make_campaign):
    """3,000 over the 30 days of a month: 100 a day on plan."""
    first, _ = this_month()
    return make_campaign(starts_on=first, ends_on=first + timedelta(days=29))


@pytest.mark.parametrize(("amounts", "state"), [
    ((), NO_RESULTS),
    (("100", "110", "95"), ON_TRACK),  # 305 of 300
    (("100", "150", "150"), OVER),  # 400 of 300: over 20 % more
    (("500",), OVER),  # the first day alone
    (("60", "50", "40"), UNDER),  # 150 of 300 after three days
    (("10", "10"), ON_TRACK),  # two days: too early to call an underspend
])
def test_spend_is_paced_against_the_plans_share_of_the_days_run(june_campaign, amounts, state):
    spend(june_campaign, *amounts)
    assert pace(june_campaign).state == state


def test_the_managers_are_alerted_once_in_their_language(june_campaign, workspace, member):
    analyst = member("analyst")
    spend(june_campaign, "100", "150", "150")
    assert alert_once(june_campaign) == OVER
    assert alert_once(june_campaign) is None
    [note] = Notification.objects.filter(kind="campaign_overspend")
    assert note.user == workspace.memberships.get(role="owner").user and note.user != analyst
    assert "Shakshuka week overspends: 400.00 ILS spent" in note.message
    assert note.link == f"/campaigns/{june_campaign.pk}/"


def test_an_underspend_after_an_overspend_is_alerted_too(june_campaign):
    spend(june_campaign, "400")
    assert alert_once(june_campaign) == OVER
    Result.objects.all().delete()
    spend(june_campaign, "10", "10", "10")
    assert alert_once(june_campaign) == UNDER
    assert Notification.objects.filter(kind__startswith="campaign_").count() == 2


def test_the_job_looks_only_at_campaigns_running_or_just_ended(june_campaign):
    spend(june_campaign, "400")
    assert pace_all(june_campaign.ends_on + timedelta(days=8)) == []
    assert [kind for _, kind in pace_all(june_campaign.starts_on + timedelta(days=1))] == [OVER]


def test_roi_joins_the_platforms_spend_with_the_links_clicks_and_conversions(make_campaign, workspace, published):
    first, _ = this_month()
    campaign = make_campaign(publication_ids=[published.pk], utm_campaign="shakshuka-week")
    spend(campaign, "100", "100")  # 200 spent, 4 conversions on the platform
    link = ShortLink.objects.create(workspace=workspace, publication=published, channel=published.channel,
                                    network="mastodon", code="abc123", url="https://kafe.example/menu",
                                    url_hash="h", target="https://kafe.example/menu?utm_campaign=shakshuka-week",
                                    created_at=clock.now())
    Click.objects.create(link=link, at=clock.now().replace(day=first.day))
    Click.objects.create(link=link, at=clock.now().replace(day=first.day) - timedelta(days=40))  # before it ran
    CampaignResult.objects.create(workspace=workspace, origin=Origin.WEBHOOK, period_start=first, period_end=first,
                                  campaign="shakshuka-week", conversions=5, revenue=Decimal("500"),
                                  created_at=clock.now())
    CampaignResult.objects.create(workspace=workspace, origin=Origin.WEBHOOK, period_start=first, period_end=first,
                                  campaign="another", conversions=9, revenue=Decimal("900"), created_at=clock.now())
    got = roi(campaign)
    assert (got.spend, got.platform_conversions, got.link_clicks, got.link_conversions, got.revenue) == (
        Decimal("200.00"), 4, 1, 5, Decimal("500.00"))
    assert got.roi == Decimal("1.5000") and got.cost_per_conversion == Decimal("40.00")


def test_roi_is_none_before_anything_is_spent(make_campaign):
    assert roi(make_campaign()).roi is None
