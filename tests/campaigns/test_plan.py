"""A workspace's monthly plan of paid campaigns: what a campaign holds and what planning one refuses."""

from datetime import timedelta
from decimal import Decimal

import pytest

from stoa.campaigns.actions import plan_of
from stoa.campaigns.audience import Audience, Point
from stoa.campaigns.models import Campaign
from stoa.errors import ActionError
from stoa.workspaces.models import AuditEvent
from tests.campaigns.conftest import this_month


def test_a_campaign_joins_the_plan_of_its_month_with_its_budget_audience_and_posts(make_campaign, workspace,
                                                                                    published):
    campaign = make_campaign(publication_ids=[published.pk], utm_campaign="shakshuka-week",
                             audience=Audience(point=Point(32.0553, 34.7566, Decimal("3")), age_min=25, age_max=45,
                                               gender="female", languages=["1001"], interests=["6003139266461"]))
    first, _ = this_month()
    assert plan_of(workspace, first + timedelta(days=3)) == [campaign]
    assert (campaign.month, campaign.budget, campaign.currency) == (first, Decimal("3000.00"), "ILS")
    assert list(campaign.publications.all()) == [published]
    assert Audience.from_json(campaign.audience).point == Point(32.0553, 34.7566, Decimal("3"))
    assert AuditEvent.objects.filter(action="campaigns.planned", object_id=campaign.pk).exists()


def test_every_reason_is_given_at_once(make_campaign):
    first, last = this_month()
    with pytest.raises(ActionError) as refused:
        make_campaign(name=" ", budget=Decimal("0"), currency="shekel", starts_on=last, ends_on=first)
    assert set(refused.value.errors) == {"name", "budget", "currency", "ends_on"}
    assert not Campaign.objects.exists()


def test_a_campaign_of_the_monthly_plan_stays_in_its_month(make_campaign):
    first, last = this_month()
    with pytest.raises(ActionError) as refused:
        make_campaign(ends_on=last + timedelta(days=1))
    assert "same month" in refused.value.errors["ends_on"][0]


def test_it_promotes_only_this_workspaces_published_posts(make_campaign):
    with pytest.raises(ActionError) as refused:
        make_campaign(publication_ids=[987654])
    assert "publication_ids" in refused.value.errors


def test_an_audience_its_platform_refuses_is_refused_with_the_reason(make_campaign):
    with pytest.raises(ActionError) as refused:
        make_campaign(platform="x", audience=Audience(metro_station="12", age_min=25, age_max=34))
    assert refused.value.errors["audience.metro_station"] == ["X has no metro-station targeting."]
    assert "age buckets could not be confirmed" in refused.value.errors["audience.age_min"][0]
    assert not Campaign.objects.exists()
