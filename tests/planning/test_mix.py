from datetime import timedelta

import pytest

from stoa.planning import mix
from stoa.posts.models import Publication
from tests.conftest import mastodon_channel
from tests.planning.helpers import local_day, plan_post

pytestmark = pytest.mark.django_db


def week_of(workspace, day) -> mix.WeekMix:
    [week] = [w for w in mix.month_weeks(workspace, day, day) if w.start <= day <= w.end]
    return week


def kinds(week) -> set[str]:
    return {w.kind for w in week.warnings}


def test_shares_count_a_post_on_several_channels_once(owner, workspace, channel, fake_network):
    second = mastodon_channel(workspace, fake_network, account=2)
    day = local_day(workspace, 7)
    plan_post(owner, workspace, [channel, second], day, "09:00", content_type="informational")
    plan_post(owner, workspace, [channel], day, "12:00", content_type="question")
    week = week_of(workspace, day)
    assert week.posts == 2
    assert {(s.content_type, s.posts, s.percent) for s in week.shares} == {("informational", 1, 50),
                                                                           ("question", 1, 50)}


def test_selling_posts_in_a_row_on_a_channel_are_warned_about(owner, workspace, channel):
    day = local_day(workspace, 7)
    plan_post(owner, workspace, [channel], day, "09:00", content_type="selling")
    plan_post(owner, workspace, [channel], day, "11:00", content_type="informational")
    plan_post(owner, workspace, [channel], day, "13:00", content_type="selling")
    assert "selling_in_a_row" not in kinds(week_of(workspace, day))
    plan_post(owner, workspace, [channel], day, "15:00", content_type="selling")
    warning = next(w for w in week_of(workspace, day).warnings if w.kind == "selling_in_a_row")
    assert "2 selling posts in a row" in warning.message and len(warning.publication_ids) == 2
    workspace.max_selling_in_a_row = 2
    workspace.save()
    assert "selling_in_a_row" not in kinds(week_of(workspace, day))


def test_a_week_with_too_many_selling_posts_is_warned_about(owner, workspace, channel, fake_network):
    second = mastodon_channel(workspace, fake_network, account=2)
    day = local_day(workspace, 7)
    plan_post(owner, workspace, [channel], day, "09:00", content_type="selling")
    plan_post(owner, workspace, [second], day, "09:00", content_type="news")
    plan_post(owner, workspace, [second], day, "12:00", content_type="entertaining")
    week = week_of(workspace, day)
    assert week.selling_percent == 33 and "selling_share" in kinds(week)
    workspace.max_selling_percent = 40
    workspace.save()
    assert "selling_share" not in kinds(week_of(workspace, day))


def test_cancelled_and_draft_publications_do_not_count(owner, workspace, channel):
    day = local_day(workspace, 7)
    [p] = plan_post(owner, workspace, [channel], day, "09:00", content_type="selling")
    Publication.objects.filter(pk=p.pk).update(state="cancelled")
    assert week_of(workspace, day).posts == 0


def test_posts_closer_than_the_channel_allows_are_warned_about(owner, workspace, channel):
    day = local_day(workspace, 7)
    plan_post(owner, workspace, [channel], day, "09:00")
    plan_post(owner, workspace, [channel], day, "09:20")
    plan_post(owner, workspace, [channel], day + timedelta(days=1), "09:00")
    assert not week_of(workspace, day).warnings
    channel.min_gap_minutes, channel.daily_max = 60, 1
    channel.save()
    week = week_of(workspace, day)
    assert kinds(week) == {"min_gap", "daily_max"}
    gap = next(w for w in week.warnings if w.kind == "min_gap")
    assert "20 minutes apart" in gap.message and gap.day == day
