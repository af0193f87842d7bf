"""The analytics pages: who sees what, the figures as a person reads them, right to left, KPIs, best times."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stoa.analytics import besttime, kpis
from stoa.analytics.models import Kpi, KpiTarget
from stoa.planning.models import TimeSlot
from stoa.workspaces.actions import create_workspace
from stoa.workspaces.models import UserSettings
from tests.analytics.dataset import WEEK_END, audience, measured, small_dataset, utc

# The dashboard reads the last `days` up to now: the data set's week ends on 8 December.
AFTER_THE_WEEK = time_machine.travel(WEEK_END, tick=False)


def page(client, user, **query) -> str:
    client.force_login(user)
    response = client.get(reverse("analytics"), query)
    assert response.status_code == 200
    return response.content.decode()


@AFTER_THE_WEEK
def test_the_page_shows_the_rate_with_the_denominator_it_used_and_not_available_where_a_network_gives_no_views(
        client, owner, workspace):
    small_dataset(workspace)
    html = page(client, owner, days="7")
    assert "1.82%" in html and "per impression where the network gives them, otherwise per follower" in html
    assert "1.88%" in html and "per follower at the time of the post" in html  # post A
    assert "1.50%" in html and "per impression</small>" in html  # post B
    assert "not available on Mastodon" in html
    assert "<svg" in html and "<script" not in html.split("<main>")[1]  # charts drawn on the server
    assert "No data yet (no short links)." in html
    assert "Followers lost after a post" in html and '<bdi dir="ltr">-5</bdi>' in html  # after post A


@AFTER_THE_WEEK
def test_a_member_of_another_workspace_sees_nothing_of_this_one(client, workspace, other_workspace, stranger):
    small_dataset(workspace)
    html = page(client, stranger, workspace=workspace.slug, days="7")
    assert "Athens Bakery" in html and "Kafe Mastodon" not in html and "1.82%" not in html
    html = page(client, stranger, workspace="all", days="7")
    assert "Kafe Mastodon" not in html
    client.force_login(stranger)
    assert client.get(reverse("analytics-suggested-slots", args=[small_channel(workspace)])).status_code == 404
    assert client.post(reverse("analytics-targets", args=[workspace.slug]), {"engagement_rate": "1"}).status_code \
        == 404


def small_channel(workspace) -> int:
    return workspace.channels.order_by("pk").first().pk


@AFTER_THE_WEEK
def test_a_client_reads_the_figures_and_kpis_but_cannot_set_targets(client, workspace, member):
    small_dataset(workspace)
    customer = member("client")
    html = page(client, customer, days="7")
    assert "1.82%" in html and "KPIs" in html and "Save targets" not in html
    assert "Response times" not in html  # the inbox report is not theirs
    response = client.post(reverse("analytics-targets", args=[workspace.slug]), {"engagement_rate": "1"})
    assert response.status_code == 403 and not KpiTarget.objects.exists()


@AFTER_THE_WEEK
def test_an_owner_sets_targets_and_the_dashboard_shows_their_status(client, owner, workspace):
    small_dataset(workspace)
    client.force_login(owner)
    client.post(reverse("analytics-targets", args=[workspace.slug]),
                {"engagement_rate": "1", "follower_growth": "100", "clicks": "50"})
    statuses = {k.kpi: (k.value, k.status) for k in kpis.kpi_statuses(workspace)}
    # Over 8 Nov - 8 Dec: A, B, C and D -> (19 + 3 + 2) / (1010 + 200 + 950) = 1.11 %; followers +50 +10 -5.
    assert statuses == {Kpi.ENGAGEMENT_RATE: (1.11, kpis.ON_TRACK), Kpi.FOLLOWER_GROWTH: (55, kpis.BEHIND),
                        Kpi.RESPONSE_TIME: (None, kpis.NO_DATA), Kpi.CLICKS: (None, kpis.NO_DATA),
                        Kpi.CONVERSIONS: (None, kpis.NO_DATA), Kpi.ROI: (None, kpis.NO_DATA)}
    html = page(client, owner)
    assert "On track" in html and "Behind" in html and "No data yet" in html
    assert '<bdi dir="ltr">100</bdi>' in html and 'value="100"' in html  # a count's target, not 100.00
    assert '<bdi dir="ltr">55</bdi>' in html


def test_a_kpi_count_shows_no_decimals_and_a_response_time_its_hours():
    from django.template import Context, Template

    shown = Template("{% load kpi_figures %}{% kpi_figure k k.period_target %}|{% kpi_figure r r.value %}")
    followers = kpis.KpiStatus(Kpi.FOLLOWER_GROWTH, 55, Decimal("150.00"))
    response = kpis.KpiStatus(Kpi.RESPONSE_TIME, 2.5, None)
    assert shown.render(Context({"k": followers, "r": response})) == '<bdi dir="ltr">150</bdi>|<bdi>2.5 h</bdi>'
    weekly = kpis.KpiStatus(Kpi.FOLLOWER_GROWTH, 55, Decimal("100"), days=7)
    assert shown.render(Context({"k": weekly, "r": response})).startswith('<bdi dir="ltr">23.33</bdi>|')


def test_a_growth_chart_of_counts_has_whole_numbers_on_its_axis():
    from stoa.analytics import charts

    chart = str(charts.line_chart("growth", [charts.Series("Kafe", [("1 Dec", 0), ("2 Dec", 37)])]))
    assert ">18.5<" not in chart and ">18<" in chart and ">37<" in chart


def test_a_response_time_target_is_on_track_at_or_below_it():
    assert kpis.KpiStatus(Kpi.RESPONSE_TIME, 2.0, Decimal("2")).status == kpis.ON_TRACK
    assert kpis.KpiStatus(Kpi.RESPONSE_TIME, 2.5, Decimal("2")).status == kpis.BEHIND
    assert kpis.KpiStatus(Kpi.ENGAGEMENT_RATE, 1.0, None).status == kpis.NO_TARGET


@AFTER_THE_WEEK
def test_the_page_mirrors_in_hebrew_and_its_charts_stay_left_to_right(client, owner, workspace):
    small_dataset(workspace)
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "he"})
    html = page(client, owner, days="7")
    assert 'dir="rtl"' in html and 'lang="he"' in html
    assert 'direction="ltr"' in html  # the plot: numbers and time axes read left to right
    assert "1.82%" in html


@time_machine.travel(utc(12, 8), tick=False)
def test_with_too_little_history_the_best_times_say_so_and_fall_back(workspace):
    data = small_dataset(workspace)
    found = besttime.best_times(data.mastodon)
    assert found.source == besttime.HABITS and found.slots == besttime.NETWORK_HABITS["mastodon"]
    assert found.explanation == ("Only 2 measured posts on this channel (at least 20 are needed): "
                                 "showing common good times on Mastodon instead.")
    TimeSlot.objects.create(channel=data.mastodon, weekday=4, time="08:30")
    found = besttime.best_times(data.mastodon)
    assert (found.source, found.slots) == (besttime.QUEUE, [(4, 8)])
    assert found.explanation.endswith("showing the workspace's queue slots instead.")
    assert besttime.suggested_slots(data.mastodon) == []  # nothing to suggest without history


@time_machine.travel(utc(12, 8), tick=False)
def test_with_enough_history_the_best_times_are_the_channels_best_weekday_and_hour(client, owner, workspace):
    data = small_dataset(workspace)
    # 20 more posts on Mastodon, last winter (UTC+2 in Jerusalem), 800 followers then: Tuesdays at 10:00 local
    # (08:00 UTC) do best (40 / 800 = 5 %), Fridays at 15:00 less well (5 / 800).
    audience(data.mastodon, date(2025, 12, 1), 800)
    for week in range(10):
        tuesday = datetime(2025, 12, 30, 8, tzinfo=UTC) + timedelta(weeks=week)
        friday = datetime(2026, 1, 2, 13, tzinfo=UTC) + timedelta(weeks=week)
        measured(data.mastodon, tuesday, likes=40, reposts=0, replies=0)
        measured(data.mastodon, friday, likes=5, reposts=0, replies=0)
    found = besttime.best_times(data.mastodon)
    assert found.source == besttime.OWN and found.posts == 22
    assert found.slots[:2] == [(1, 10), (4, 15)]
    client.force_login(owner)
    html = client.get(reverse("analytics-best-times")).content.decode()
    assert "From this channel&#x27;s 22 measured posts over the last year." in html and "<svg" in html
    html = client.get(reverse("analytics-suggested-slots", args=[data.mastodon.pk])).content.decode()
    assert "Add to the queue" in html
    client.post(reverse("analytics-accept-slot", args=[data.mastodon.pk]), {"weekday": "1", "hour": "10"})
    assert list(TimeSlot.objects.filter(channel=data.mastodon).values_list("weekday", "time__hour")) == [(1, 10)]


@pytest.mark.parametrize("role", ["analyst", "client"])
def test_analysts_and_clients_cannot_accept_a_suggested_slot(client, workspace, member, role):
    data = small_dataset(workspace)
    client.force_login(member(role))
    response = client.post(reverse("analytics-accept-slot", args=[data.mastodon.pk]), {"weekday": "1", "hour": "10"})
    assert response.status_code == 403 and not TimeSlot.objects.exists()


@AFTER_THE_WEEK
def test_across_workspaces_the_page_adds_up_every_workspace_the_user_may_see(client, owner, workspace, stranger):
    small_dataset(workspace)
    second = create_workspace(owner, "Kafe Haifa", timezone="Asia/Jerusalem")
    small_dataset(second)
    small_dataset(create_workspace(stranger, "Not hers"))
    html = page(client, owner, workspace="all", days="7")
    assert "all your workspaces" in html
    assert ">6</p>" in html  # posts measured: three in each of her two workspaces, none of the stranger's
    assert "1.82%" in html  # (22 + 22) / (1210 + 1210)


@time_machine.travel(utc(12, 8), tick=False)
def test_the_composer_shows_each_channels_best_times_or_the_fallback_it_used(client, owner, workspace):
    small_dataset(workspace)
    client.force_login(owner)
    html = client.get(reverse("compose"), {"workspace": workspace.slug}).content.decode()
    assert "Best times to post" in html
    assert "showing common good times on Mastodon instead." in html


@time_machine.travel(utc(12, 8), tick=False)
def test_the_fallback_is_one_sentence_a_translation_may_order_as_its_language_does(client, owner, workspace):
    data = small_dataset(workspace)
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "he"})
    client.force_login(owner)
    html = client.get(reverse("analytics-best-times")).content.decode()
    assert 'dir="rtl"' in html
    # Two posts: Hebrew's form for two, and its own joint (", ולכן") where English has a colon.
    assert "רק שני פוסטים שנמדדו בערוץ הזה (נדרשים לפחות 20), ולכן מוצגות במקום זאת שעות טובות נפוצות ב-Mastodon." \
        in html
    TimeSlot.objects.create(channel=data.mastodon, weekday=4, time="08:30")
    html = client.get(reverse("compose"), {"workspace": workspace.slug}).content.decode()
    assert "רק שני פוסטים שנמדדו בערוץ הזה (נדרשים לפחות 20), ולכן מוצגות במקום זאת המשבצות של התור בסביבת העבודה." \
        in html


def test_the_content_plans_time_slots_ask_for_each_channels_suggested_slots(client, owner, workspace):
    data = small_dataset(workspace)
    client.force_login(owner)
    html = client.get(reverse("plan-slots", args=[workspace.slug])).content.decode()
    assert f'hx-get="{reverse("analytics-suggested-slots", args=[data.mastodon.pk])}"' in html


@AFTER_THE_WEEK
def test_a_period_of_whole_local_days_and_the_one_before_it(client, owner, workspace):
    small_dataset(workspace)
    # 3-4 December in Jerusalem: A (3 Dec 01:30 local) and B; the two days before hold nothing measured.
    html = page(client, owner, **{"from": "2026-12-03", "to": "2026-12-04"})
    assert ">2</p>" in html and "1.82%" in html and "Previous period: 0" in html


def test_a_workspace_with_nothing_measured_yet_shows_dashes_not_zeros(client, owner, workspace):
    html = page(client, owner)
    assert "No posts measured in this period." in html and "No posts with a rate in this period." in html
    assert "0.00%" not in html


def post_row(html: str, text: str) -> list[str]:
    """The cells of the posts table's first row that holds `text`, as a person (or a screen reader) reads them."""
    row = next(row for row in re.findall(r"<tr>(.*?)</tr>", html, re.S) if text in row)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@AFTER_THE_WEEK
def test_each_top_post_shows_its_counts_and_says_which_its_network_does_not_give(client, owner, workspace):
    small_dataset(workspace)
    html = page(client, owner, days="7")
    # Post A (Mastodon): 10 likes, 5 reposts, 4 replies; Mastodon gives no quotes or views: a dash, never 0.
    cells = post_row(html, "selling post")
    assert cells[3:10] == ["10", "5", "4", "— not available on Mastodon", "— not available on Mastodon", "19", "—"]
    assert '<span class="unavailable" title="not available on Mastodon"><span aria-hidden="true">—</span>' in html
    # Post B (Telegram): 3 reactions and 200 views; Telegram gives no reposts, replies or quotes.
    cells = post_row(html, "informational post")
    assert cells[3:8] == ["3", "— not available on Telegram", "— not available on Telegram",
                          "— not available on Telegram", "200"]
    assert ">Likes</th>" in html and ">Reposts</th>" in html and ">Quotes</th>" in html and ">Views</th>" in html


@AFTER_THE_WEEK
def test_a_count_of_zero_is_shown_as_zero(client, owner, workspace):
    data = small_dataset(workspace)
    # A post of a network that gives every count, none of them liked, reposted, answered or quoted yet.
    measured(data.mastodon, utc(12, 4, 9), likes=0, reposts=0, replies=0, quotes=0, views=50)
    cells = post_row(page(client, owner, days="7"), "(not made in Stoa)")
    assert cells[3:9] == ["0", "0", "0", "0", "50", "0"]


@AFTER_THE_WEEK
def test_the_posts_counts_cost_no_query_per_post(client, owner, workspace, django_assert_max_num_queries):
    data = small_dataset(workspace)
    client.force_login(owner)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("analytics"), {"days": "7"})
    for hour in range(8):
        measured(data.mastodon, utc(12, 6, hour), likes=hour, reposts=1, replies=None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("analytics"), {"days": "7"}).content.decode()
    assert html.count("not available on Mastodon") > 8


@AFTER_THE_WEEK
def test_the_posts_counts_have_hebrew_headers_and_scroll_inside_their_own_box(client, owner, workspace):
    small_dataset(workspace)
    UserSettings.objects.update_or_create(user=owner, defaults={"language": "he"})
    html = page(client, owner, days="7")
    assert 'dir="rtl"' in html
    for header in ("לייקים", "שיתופים", "תשובות", "ציטוטים", "צפיות"):
        assert f">{header}</th>" in html, header
    assert "לא זמין ב-Mastodon" in html
    assert '<div class="table-scroll" role="region" aria-label="הפוסטים המובילים" tabindex="0">' in html
