"""The days of a period as the workspace lives them: half-open periods whose charts end on their last day, each
workspace's messages and audience on its own day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.urls import reverse

from stoa import clock
from stoa.analytics import dashboard, queries
from stoa.analytics.actions import record_channel_snapshot
from stoa.analytics.models import ChannelSnapshot
from stoa.analytics.queries import Scope
from stoa.channels.models import Channel
from stoa.inbox.models import Author, Item, Kind, Sentiment
from stoa.links.models import CampaignResult
from stoa.providers.base import ACCOUNT_METRICS, MetricPoint
from stoa.workspaces.actions import create_workspace
from tests.analytics.dataset import audience, utc


def whole_days(workspace, first: date, after: date) -> Scope:
    """The workspace's days from `first` up to, not including, `after`, as the page's ?from=&to= makes them."""
    zone = workspace.tzinfo
    return Scope(workspaces=(workspace,), start=datetime.combine(first, time(), zone).astimezone(UTC),
                 end=datetime.combine(after, time(), zone).astimezone(UTC))


def growth_days(chart: str) -> list[str]:
    return [f"12-{day:02d}" for day in range(1, 10) if f">12-{day:02d}<" in chart]


def test_the_growth_chart_and_figures_end_on_the_periods_last_day_in_utc(owner):
    workspace = create_workspace(owner, "Greenwich Tea", timezone="UTC")
    channel = Channel.objects.create(workspace=workspace, network="mastodon", name="Tea")
    for day, followers in ((30, 90), (1, 100), (7, 110), (8, 150)):
        audience(channel, date(2026, 11 if day == 30 else 12, day), followers)
    week = whole_days(workspace, date(2026, 12, 1), date(2026, 12, 8))  # 1 to 7 December
    growth = queries.audience_growth(week)
    assert [row["day"] for row in growth] == [date(2026, 12, 1), date(2026, 12, 7)]
    assert queries.net_followers(growth) == 20  # not the 40 gained on 8 December
    assert growth_days(dashboard.figures(week)["growth_chart"]) == [f"12-{day:02d}" for day in range(1, 8)]


def test_the_growth_chart_starts_on_the_periods_first_day_east_of_utc(workspace):
    channel = Channel.objects.create(workspace=workspace, network="mastodon", name="Kafe")
    audience(channel, date(2026, 12, 1), 100)
    audience(channel, date(2026, 12, 2), 105)
    chart = dashboard.figures(whole_days(workspace, date(2026, 12, 1), date(2026, 12, 8)))["growth_chart"]
    assert growth_days(chart) == [f"12-{day:02d}" for day in range(1, 8)]
    assert ">11-30<" not in chart


def test_across_workspaces_each_ones_messages_fall_on_its_own_day(workspace, owner):
    new_york = create_workspace(owner, "Bagels NYC", timezone="America/New_York")
    for n, place in enumerate((workspace, new_york)):
        channel = Channel.objects.create(workspace=place, network="mastodon", name=f"c{n}")
        fan = Author.objects.create(workspace=place, network="mastodon", remote_id="fan")
        # 03:00 UTC on 3 December: the 3rd in Jerusalem, still the 2nd in New York.
        Item.objects.create(workspace=place, channel=channel, kind=Kind.COMMENT, remote_id=f"i{n}", author=fan,
                            written_at=utc(12, 3, 3), sentiment=Sentiment.NEGATIVE)
    scope = Scope(workspaces=(workspace, new_york), start=utc(12, 1), end=utc(12, 6))
    assert [(row["day"], row["messages"]) for row in queries.negative_by_day(scope)] == [
        (date(2026, 12, 2), 1), (date(2026, 12, 3), 1)]


def read(channel: Channel, at: datetime, followers: int) -> None:
    points = [MetricPoint(name, followers if name == "followers" else 0, at) for name in ACCOUNT_METRICS]
    record_channel_snapshot(channel, points, ACCOUNT_METRICS)


def test_a_channels_daily_audience_is_on_the_workspaces_day_across_its_midnight(workspace):
    channel = Channel.objects.create(workspace=workspace, network="mastodon", name="Kafe")
    read(channel, utc(12, 1, 12), 100)
    read(channel, utc(12, 1, 21, 30), 110)  # 23:30 on 1 December in Jerusalem
    read(channel, utc(12, 1, 22, 30), 125)  # 00:30 on 2 December in Jerusalem, still 1 December in UTC
    assert list(ChannelSnapshot.objects.values_list("day", "followers")) == [
        (date(2026, 12, 1), 110), (date(2026, 12, 2), 125)]
    growth = queries.audience_growth(whole_days(workspace, date(2026, 12, 2), date(2026, 12, 3)))
    assert [(row["day"], row["net"]) for row in growth] == [(date(2026, 12, 2), 15)]


def test_conversions_count_the_campaigns_starting_on_the_periods_first_to_last_day(workspace):
    for day, conversions in ((30, 100), (1, 1), (7, 2), (8, 40)):
        CampaignResult.objects.create(workspace=workspace, origin="webhook", campaign="winter", conversions=conversions,
                                      period_start=date(2026, 11 if day == 30 else 12, day),
                                      period_end=date(2026, 12, 8), created_at=utc(12, 8))
    week = whole_days(workspace, date(2026, 12, 1), date(2026, 12, 8))  # 1 to 7 December in Jerusalem
    assert queries.conversions(week)["conversions"] == 3  # neither 30 November nor 8 December


def test_the_all_workspaces_page_says_whose_day_a_message_falls_on(client, owner, workspace):
    new_york = create_workspace(owner, "Bagels NYC", timezone="America/New_York")
    channel = Channel.objects.create(workspace=new_york, network="mastodon", name="Bagels")
    fan = Author.objects.create(workspace=new_york, network="mastodon", remote_id="fan")
    Item.objects.create(workspace=new_york, channel=channel, kind=Kind.COMMENT, remote_id="i", author=fan,
                        written_at=clock.now() - timedelta(days=1), sentiment=Sentiment.NEGATIVE)
    client.force_login(owner)
    html = client.get(reverse("analytics"), {"workspace": "all"}).content.decode()
    assert "messages and audience fall on its own day, in its own timezone." in html
