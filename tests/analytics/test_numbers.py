"""The analytics figures on the hand-made data set of tests/analytics/dataset.py, worked out by hand."""

from __future__ import annotations

from datetime import date

from stoa.analytics import queries
from stoa.analytics.queries import Scope
from stoa.links.models import Click, ShortLink
from tests.analytics.dataset import WEEK_END, WEEK_START, small_dataset, utc


def week(workspace, **filters) -> Scope:
    return Scope(workspaces=(workspace,), start=WEEK_START, end=WEEK_END, **filters)


def test_each_posts_rate_uses_impressions_where_given_else_the_followers_on_the_day_of_the_post(workspace):
    data = small_dataset(workspace)
    rows = {row["post_id"]: row for row in queries.posts(week(workspace))}
    assert (rows[data.a.pk]["interactions"], rows[data.a.pk]["denominator"], rows[data.a.pk]["basis"],
            rows[data.a.pk]["rate"]) == (19, 1010, "followers", 1.88)
    assert (rows[data.b.pk]["interactions"], rows[data.b.pk]["denominator"], rows[data.b.pk]["basis"],
            rows[data.b.pk]["rate"]) == (3, 200, "impressions", 1.5)
    # C: no views and no follower count on Telegram -> no rate (not 0), its NULL counts stay NULL.
    assert (rows[data.c.pk]["basis"], rows[data.c.pk]["rate"], rows[data.c.pk]["views"],
            rows[data.c.pk]["quotes"]) == ("", None, None, None)
    assert data.d.pk not in rows  # the previous week
    # Followers from the reading on or before the post's day to the next one: A 1010 -> 1005; none on Telegram.
    assert (rows[data.a.pk]["followers_change"], rows[data.b.pk]["followers_change"]) == (-5, None)
    assert [row["post_id"] for row in queries.posts(week(workspace))] == [data.a.pk, data.b.pk, data.c.pk]


def test_the_weeks_rate_sums_both_denominators_and_says_so_and_compares_with_the_week_before(workspace):
    small_dataset(workspace)
    total = queries.totals(week(workspace))
    assert (total["posts"], total["interactions"], total["denominator"], total["rate"], total["basis"]) == (
        3, 22, 1210, 1.82, "mixed")
    before = queries.totals(week(workspace).previous())
    assert (before["posts"], before["interactions"], before["denominator"], before["rate"], before["basis"]) == (
        1, 2, 950, 0.21, "followers")


def test_rates_by_content_type_network_selling_theme_and_format(workspace):
    small_dataset(workspace)
    by = {key: {row[key]: (row["rate"], row["basis"]) for row in queries.engagement_by(week(workspace), key)}
          for key in ("kind", "network", "selling", "theme", "format")}
    assert by["kind"] == {"photo": (1.88, "followers"), "poll": (1.5, "impressions"), "elsewhere": (None, "")}
    assert by["network"] == {"mastodon": (1.88, "followers"), "telegram": (1.5, "impressions")}
    assert by["selling"] == {"selling": (1.88, "followers"), "informational": (1.5, "impressions"),
                             "elsewhere": (None, "")}
    # A and B are on Thursday in Jerusalem (A at 23:30 UTC on Wednesday): the Thursday theme.
    assert by["theme"] == {"Menu Thursday": (1.82, "mixed"), "": (None, "")}
    assert by["format"] == {"single": (1.82, "mixed"), "elsewhere": (None, "")}


def test_a_content_type_filter_keeps_only_those_posts(workspace):
    data = small_dataset(workspace)
    assert [row["post_id"] for row in queries.posts(week(workspace, kind="poll"))] == [data.b.pk]
    assert queries.totals(week(workspace, channel_ids=(data.mastodon.pk,)))["rate"] == 1.88


def test_the_heatmap_is_in_the_workspaces_timezone(workspace):
    small_dataset(workspace)
    cells = {key: row["rate"] for key, row in queries.heatmap(week(workspace)).items()}
    assert cells == {(3, 1): 1.88, (3, 18): 1.5, (5, 12): None}


def test_reach_is_not_available_where_the_network_gives_no_views(workspace):
    small_dataset(workspace)
    assert [(row["network"], row["views"]) for row in queries.reach(week(workspace))] == [
        ("mastodon", None), ("telegram", 200)]


def test_audience_growth_is_net_new_followers_per_channel_and_day(workspace):
    data = small_dataset(workspace)
    growth = [(row["channel_id"], row["day"], row["net"]) for row in queries.audience_growth(week(workspace))]
    assert growth == [(data.mastodon.pk, date(2026, 12, 1), None), (data.mastodon.pk, date(2026, 12, 2), 10),
                      (data.mastodon.pk, date(2026, 12, 4), -5), (data.telegram.pk, date(2026, 12, 2), None)]
    assert queries.net_followers(queries.audience_growth(week(workspace))) == 5


def test_negative_feedback_per_post_and_per_day(workspace):
    data = small_dataset(workspace)
    [post] = queries.negative_by_post(week(workspace))
    assert (post["publication_id"], post["messages"], post["negative"], post["hidden"], post["negative_share"]) == (
        data.a.publication.pk, 3, 1, 1, 33.33)
    assert [(row["day"], row["negative_share"]) for row in queries.negative_by_day(week(workspace))] == [
        (date(2026, 12, 3), 33.33)]


def test_a_workspace_without_links_or_conversions_has_no_clicks_or_roi_yet(workspace):
    small_dataset(workspace)
    assert queries.clicks(week(workspace)) == {"links": 0, "clicks": 0}
    assert queries.conversions(week(workspace)) == {"conversions": None, "revenue": None, "cost": None, "roi": None}


def test_clicks_on_a_posts_short_links_are_counted_per_post_and_in_the_period(workspace):
    data = small_dataset(workspace)
    link = ShortLink.objects.create(workspace=workspace, publication=data.a.publication, channel=data.mastodon,
                                    network="mastodon", code="abc", url="https://kafe.example/menu",
                                    url_hash="h", target="https://kafe.example/menu?utm_source=mastodon",
                                    created_at=utc(12, 2, 23, 30))
    Click.objects.create(link=link, at=utc(12, 3, 9))
    Click.objects.create(link=link, at=utc(12, 9, 9))  # after the week
    rows = {row["post_id"]: row["clicks"] for row in queries.posts(week(workspace))}
    assert rows == {data.a.pk: 2, data.b.pk: None, data.c.pk: None}
    assert queries.clicks(week(workspace)) == {"links": 1, "clicks": 1}
