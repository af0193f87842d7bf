"""Trends: hashtags and terms rising in the workspace's hits, Mastodon's trending hashtags (from mastodon-mock),
and either one taken into the content plan as a daily theme."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from stoa import clock
from stoa.channels.models import Channel
from stoa.inbox.classifier import builtin
from stoa.listening import stream_tags
from stoa.listening.models import Relay, StreamTag
from stoa.listening.store import Found, Listener
from stoa.listening.trends import bluesky_rising, network_trends, rising
from stoa.planning.models import DailyTheme
from tests.listening.conftest import post


@pytest.fixture
def logged_in(owner):
    client = Client()
    client.force_login(owner)
    return client


def keep(workspace, *posts):
    Listener(workspace, builtin()).keep([Found("mastodon", p) for p in posts])


def test_a_hashtag_rises_when_this_week_has_twice_last_weeks_and_at_least_three(workspace, brand_query):
    keep(workspace, *[post(f"new{n}", f"Kafe Yafo #winterblend cinnamon {n}", hours_ago=n) for n in range(4)],
         *[post(f"old{n}", f"Kafe Yafo #summerblend cinnamon {n}", hours_ago=24 * 8 + n) for n in range(4)],
         *[post("old-w", "Kafe Yafo #winterblend", hours_ago=24 * 9)],
         *[post(f"all{n}", f"Kafe Yafo #everyday {n}", hours_ago=h) for n, h in enumerate([1, 2, 3, 200, 201, 202])])

    found = {t.text: (t.now, t.before) for t in rising(workspace)}

    assert found["#winterblend"] == (4, 1)
    assert "#summerblend" not in found and "#everyday" not in found  # fell, and steady
    assert "kafe" not in found and "#kafeyafo" not in found  # the query's own words are no trend
    assert "cinnamon" not in found  # in both weeks alike


def test_mastodons_trending_hashtags_are_read_through_the_workspaces_channel(mastodon_peer, workspace):
    channel = mastodon_peer.channel(workspace)
    for n in range(3):
        mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": f"Latte art #latteart {n}"})
    mastodon_peer.as_fan("POST", "/api/v1/statuses", data={"status": "Once #espresso"})

    trends, failed = network_trends(workspace)

    assert failed == []
    assert [t.tag.name for t in trends][:2] == ["latteart", "espresso"]
    assert trends[0].channel == channel.name and trends[0].tag.uses == 3


def test_a_trend_becomes_a_daily_theme_of_the_plan(logged_in, workspace, brand_query):
    keep(workspace, *[post(f"n{n}", f"Kafe Yafo #winterblend {n}", hours_ago=n) for n in range(3)])
    page = logged_in.get(f"/listening/trends/?workspace={workspace.slug}").content.decode()
    assert "#winterblend" in page and "Use as a daily theme" in page

    response = logged_in.post("/listening/trends/theme/", {"workspace": workspace.slug, "hashtag": "winterblend",
                                                            "weekday": "4"})

    assert response.status_code == 302
    theme = DailyTheme.objects.get()
    assert (theme.workspace, theme.weekday, theme.name, theme.hashtags) == (workspace, 4, "#winterblend",
                                                                            ["#winterblend"])


def test_only_those_who_edit_posts_take_a_trend_into_the_plan(workspace, member):
    client = Client()
    client.force_login(member("analyst"))
    response = client.post("/listening/trends/theme/", {"workspace": workspace.slug, "hashtag": "x", "weekday": "1"})
    assert response.status_code == 403 and not DailyTheme.objects.exists()


def test_a_trending_tag_takes_its_newest_days_figures_and_garbage_is_left_out():
    from stoa.providers.mastodon.inbox import trending_tag

    tag = trending_tag({"name": "latteart", "url": "https://x/tags/latteart", "history": [
        {"day": "1765152000", "uses": "4", "accounts": "3"}, {"day": "1765238400", "uses": "9", "accounts": "x"},
        "not a day"]})
    assert tag is not None and (tag.name, tag.uses, tag.accounts) == ("latteart", 9, 0)
    assert trending_tag(["not", "a", "tag"]) is None and trending_tag({"url": "no name"}) is None


RELAY = "wss://relay.example"


def stream(relay, hours_ago: float, *texts: str) -> None:
    """Posts that came on Bluesky's stream `hours_ago`, counted as the reader counts them."""
    with time_machine.travel(clock.now() - timedelta(hours=hours_ago), tick=False):
        stream_tags.count(relay, [post(f"s{n}", text) for n, text in enumerate(texts)])


@pytest.fixture
def bluesky_stream(settings, workspace):
    settings.STOA_BLUESKY_RELAY = RELAY
    Channel.objects.create(workspace=workspace, network="bluesky", name="Kafe Yafo")
    return Relay.objects.create(address=RELAY)


def test_each_post_counts_a_hashtag_once_in_any_case_and_script(bluesky_stream):
    stream(bluesky_stream, 0, "#Latte #latte #LATTE", "#קפה בבוקר", "no tags here", "#" + "x" * 101)
    assert dict(StreamTag.objects.values_list("tag", "uses")) == {"latte": 1, "קפה": 1}


def test_an_hours_long_tail_and_hours_older_than_two_days_are_dropped(bluesky_stream):
    stream(bluesky_stream, 60, *["#ancient"] * 5)
    stream(bluesky_stream, 2, "#once", *["#thrice"] * 3)
    stream(bluesky_stream, 0, "#now")  # the first count of a new hour tidies the hours before
    assert set(StreamTag.objects.values_list("tag", flat=True)) == {"thrice", "now"}


def test_bluesky_trends_are_the_hashtags_rising_on_its_stream(bluesky_stream, workspace):
    stream(bluesky_stream, 30, *["#steady"] * 6, *["#snowday"] * 3)
    stream(bluesky_stream, 3, *["#snowday"] * 8, *["#steady"] * 6, *["#rare"] * 3)
    found = {t.text: (t.now, t.before) for t in bluesky_rising(workspace)}
    assert found == {"#snowday": (8, 3)}


def test_bluesky_trends_are_not_shown_without_a_bluesky_channel(settings, workspace):
    settings.STOA_BLUESKY_RELAY = RELAY
    assert bluesky_rising(workspace) is None


def test_the_trends_page_shows_bluesky_s_rising_hashtags_with_a_way_into_the_plan(logged_in, bluesky_stream,
                                                                                workspace):
    stream(bluesky_stream, 1, *["#snowday"] * 6)
    page = logged_in.get(f"/listening/trends/?workspace={workspace.slug}").content.decode()
    section = page.split("Rising on Bluesky", 1)[1]
    assert "#snowday" in section and 'value="snowday"' in section
