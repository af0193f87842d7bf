from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from stoa import clock
from stoa.campaigns.actions import CampaignInput, plan_campaign
from stoa.campaigns.audience import Audience
from stoa.posts.models import Post, Publication, State, Variant
from tests.conftest import mastodon_channel


def this_month() -> tuple[date, date]:
    """The first and last day of the current month (UTC), so no test depends on the day it runs."""
    first = clock.now().date().replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


@pytest.fixture
def published(workspace):
    channel = mastodon_channel(workspace, SimpleNamespace(url="https://mastodon.example"))
    post = Post.objects.create(workspace=workspace, title="Shakshuka week", campaign="shakshuka-week")
    variant = Variant.objects.create(post=post, channel=channel, text="Shakshuka all week https://kafe.example/menu")
    return Publication.objects.create(variant=variant, channel=channel, workspace=workspace, state=State.PUBLISHED,
                                      remote_id="109", published_at=clock.now())


@pytest.fixture
def make_campaign(owner, workspace):
    def make(**given):
        first, last = this_month()
        fields = {"name": "Shakshuka week", "platform": "meta", "budget": Decimal("3000.00"), "currency": "ILS",
                  "starts_on": first, "ends_on": last, "audience": Audience(cities=["2418779"], age_min=25,
                                                                            age_max=45), **given}
        return plan_campaign(owner, workspace, CampaignInput(**fields))

    return make
