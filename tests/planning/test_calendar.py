import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.urls import reverse

from stoa.planning.models import DailyTheme, EventKind, PlanEvent
from stoa.posts.models import Post, Publication, State
from stoa.workspaces.actions import create_workspace
from tests.conftest import mastodon_channel
from tests.planning.helpers import local_day, plan_post

pytestmark = pytest.mark.django_db


def month_url(day, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('calendar')}?view=month&date={day:%Y-%m-%d}&{query}"


def day_cell(html: str, day) -> str:
    """The HTML of one day cell of the month view."""
    match = re.search(rf'<td class="([^"]*)" data-date="{day:%Y-%m-%d}">(.*?)</td>', html, re.S)
    assert match, f"no cell for {day}"
    return match.group(1) + match.group(2)


def test_month_view_shows_each_post_at_its_local_time_with_hooks_for_drag_and_drop(client, owner, workspace,
                                                                                   channel):
    day = local_day(workspace, 3)
    [publication] = plan_post(owner, workspace, [channel], day, "09:30", text="Shakshuka Tuesday is back")
    client.force_login(owner)

    html = client.get(month_url(day)).content.decode()

    cell = day_cell(html, day)
    assert f'data-publication="{publication.pk}"' in cell
    assert 'draggable="true"' in cell
    assert "09:30" in cell and "Shakshuka Tuesday is back" in cell and 'dir="auto"' in cell
    assert f'href="/posts/{publication.variant.post_id}/"' in cell
    assert "empty-day" not in cell.split(">")[0]
    other_day = day + timedelta(days=1)
    assert "empty-day" in day_cell(html, other_day)


def test_calendar_shows_all_my_workspaces_and_filters_by_one(client, owner, workspace, channel, other_workspace,
                                                              fake_network):
    second = create_workspace(owner, "Haifa Books", timezone="Europe/London")
    second_channel = mastodon_channel(second, fake_network, account=5)
    stranger_channel = mastodon_channel(other_workspace, fake_network, account=6)
    day = local_day(workspace, 4)
    mine = plan_post(owner, workspace, [channel], day, text="Kafe post")
    theirs = plan_post(owner, second, [second_channel], day, text="Books post")
    hidden = plan_post(other_workspace.memberships.first().user, other_workspace, [stranger_channel], day,
                       text="Stranger post")
    client.force_login(owner)

    everything = client.get(month_url(day)).content.decode()
    assert "Kafe post" in everything and "Books post" in everything
    assert "Stranger post" not in everything and f'data-publication="{hidden[0].pk}"' not in everything

    only_second = client.get(month_url(day, workspace=second.slug)).content.decode()
    assert "Books post" in only_second and "Kafe post" not in only_second
    assert f'data-publication="{theirs[0].pk}"' in only_second and f'data-publication="{mine[0].pk}"' not in only_second

    forged = client.get(month_url(day, workspace=other_workspace.slug)).content.decode()
    assert "Stranger post" not in forged


def test_calendar_filters_by_channel_state_and_content_type(client, owner, workspace, channel, fake_network):
    second = mastodon_channel(workspace, fake_network, account=2)
    day = local_day(workspace, 5)
    plan_post(owner, workspace, [channel], day, "09:00", text="Selling croissants", content_type="selling")
    plan_post(owner, workspace, [second], day, "12:00", text="Quiz of the day", content_type="question")
    client.force_login(owner)

    by_type = client.get(month_url(day, type="selling")).content.decode()
    assert "Selling croissants" in by_type and "Quiz of the day" not in by_type
    by_channel = client.get(month_url(day, channel=second.pk)).content.decode()
    assert "Quiz of the day" in by_channel and "Selling croissants" not in by_channel
    by_state = client.get(month_url(day, state="published")).content.decode()
    assert "Quiz of the day" not in by_state and "Selling croissants" not in by_state


def test_bad_parameters_fall_back_to_today_and_the_month_view(client, owner, workspace, channel):
    client.force_login(owner)
    for query in ("date=2026-13-45", "date=yesterday", "date=0001-01-01", "view=year&date=", "days=abc&view=list",
                  "channel=abc&state=bogus&type=nope"):
        response = client.get(f"{reverse('calendar')}?{query}")
        assert response.status_code == 200, query
    today = local_day(workspace, 0)
    assert f'data-date="{today:%Y-%m-%d}"' in client.get(f"{reverse('calendar')}?date=nonsense").content.decode()


def test_calendar_needs_a_login(client):
    assert client.get(reverse("calendar")).status_code == 302


def test_htmx_requests_get_only_the_calendar(client, owner, workspace, channel):
    client.force_login(owner)
    response = client.get(reverse("calendar"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="calendar"' in html


def test_a_busy_day_collapses_into_a_link_to_its_list(client, owner, workspace, channel):
    day = local_day(workspace, 6)
    for hour in range(8, 15):
        plan_post(owner, workspace, [channel], day, f"{hour:02d}:00", text=f"Post at {hour}")
    client.force_login(owner)

    cell = day_cell(client.get(month_url(day)).content.decode(), day)
    assert cell.count('class="entry ') == 4
    assert "+3 more" in cell and f"view=list&date={day:%Y-%m-%d}&days=1" in cell

    listing = client.get(f"{reverse('calendar')}?view=list&date={day:%Y-%m-%d}&days=1").content.decode()
    assert listing.count('class="entry ') == 7


def test_week_and_list_views_show_the_posts(client, owner, workspace, channel):
    day = local_day(workspace, 2)
    [publication] = plan_post(owner, workspace, [channel], day, "14:15", text="Afternoon special")
    client.force_login(owner)
    week = client.get(f"{reverse('calendar')}?view=week&date={day:%Y-%m-%d}").content.decode()
    assert re.search(rf'data-date="{day:%Y-%m-%d}" data-hour="14"><div class="entries"><article[^>]*'
                     rf'data-publication="{publication.pk}"', week)
    listing = client.get(f"{reverse('calendar')}?view=list&date={day:%Y-%m-%d}").content.decode()
    assert "Afternoon special" in listing


def test_approval_state_shows_only_where_the_workspace_requires_approval(client, owner, workspace, channel):
    day = local_day(workspace, 3)
    plan_post(owner, workspace, [channel], day)
    client.force_login(owner)
    assert "approval-draft" not in client.get(month_url(day)).content.decode()
    workspace.approval_flow = "internal"
    workspace.save()
    assert "approval-draft" in client.get(month_url(day)).content.decode()


def test_themes_events_and_past_days_are_marked(client, owner, workspace, channel):
    day = local_day(workspace, 8)
    DailyTheme.objects.create(workspace=workspace, weekday=day.weekday(), name="Tasting day", hashtags=["#taste"])
    PlanEvent.objects.create(workspace=workspace, kind=EventKind.LOCAL_EVENT, title="Jaffa food festival",
                             starts_on=day, ends_on=day + timedelta(days=1))
    client.force_login(owner)
    html = client.get(month_url(day)).content.decode()
    assert "Tasting day" in day_cell(html, day) and "#taste" in day_cell(html, day)
    assert "Jaffa food festival" in day_cell(html, day)
    assert "Jaffa food festival" in day_cell(html, day + timedelta(days=1))
    assert "Jaffa food festival" not in day_cell(html, day + timedelta(days=2))
    yesterday = local_day(workspace, -1)
    month = client.get(month_url(yesterday)).content.decode()
    assert "past" in day_cell(month, yesterday).split("<")[0]


def test_calendar_warns_about_selling_posts_in_a_row(client, owner, workspace, channel):
    day = local_day(workspace, 3)
    plan_post(owner, workspace, [channel], day, "09:00", text="Buy beans", content_type="selling")
    plan_post(owner, workspace, [channel], day, "12:00", text="Buy cups", content_type="selling")
    client.force_login(owner)
    html = client.get(month_url(day)).content.decode()
    assert "2 selling posts in a row" in html
    assert "warn-mark" in day_cell(html, day)


# -- Drag and drop -------------------------------------------------------------------------


def move(client, publication, day, hour=None):
    data = {"date": f"{day:%Y-%m-%d}" if hasattr(day, "year") else day}
    if hour is not None:
        data["hour"] = hour
    return client.post(reverse("calendar-move", args=[publication.pk]), data)


def test_dropping_a_post_on_another_day_keeps_its_local_time(client, owner, workspace, channel):
    day = local_day(workspace, 3)
    [publication] = plan_post(owner, workspace, [channel], day, "09:30")
    client.force_login(owner)

    response = move(client, publication, day + timedelta(days=2))

    assert response.status_code == 200
    publication.refresh_from_db()
    local = publication.scheduled_at.astimezone(workspace.tzinfo)
    assert local.date() == day + timedelta(days=2) and f"{local:%H:%M}" == "09:30"
    assert f'data-publication="{publication.pk}"' in response.content.decode()
    assert publication.next_attempt_at == publication.scheduled_at


def test_dropping_on_an_hour_of_the_week_view_changes_the_hour(client, owner, workspace, channel):
    day = local_day(workspace, 3)
    [publication] = plan_post(owner, workspace, [channel], day, "09:30")
    client.force_login(owner)
    assert move(client, publication, day, hour=17).status_code == 200
    publication.refresh_from_db()
    assert f"{publication.scheduled_at.astimezone(workspace.tzinfo):%H:%M}" == "17:30"


def test_dropping_on_a_past_day_is_refused_and_changes_nothing(client, owner, workspace, channel):
    day = local_day(workspace, 3)
    [publication] = plan_post(owner, workspace, [channel], day)
    before = publication.scheduled_at
    client.force_login(owner)

    response = move(client, publication, local_day(workspace, -2))

    assert response.status_code == 422 and "in the past" in response.content.decode()
    publication.refresh_from_db()
    assert publication.scheduled_at == before


def test_dropping_where_the_channel_rules_forbid_is_refused(client, owner, workspace, channel):
    day = local_day(workspace, 3)
    [first] = plan_post(owner, workspace, [channel], day, "10:00")
    [second] = plan_post(owner, workspace, [channel], day + timedelta(days=1), "10:00")
    channel.daily_max = 1
    channel.save()
    client.force_login(owner)
    response = move(client, second, day)
    assert response.status_code == 422 and "at most 1 post a day" in response.content.decode()
    assert Publication.objects.get(pk=second.pk).scheduled_at.astimezone(workspace.tzinfo).date() == day + \
        timedelta(days=1)


def test_moving_needs_the_publish_permission_and_a_visible_publication(client, owner, workspace, channel, member,
                                                                        stranger, other_workspace, fake_network):
    day = local_day(workspace, 3)
    [publication] = plan_post(owner, workspace, [channel], day)
    community = member("community_manager")
    client.force_login(community)
    assert move(client, publication, day + timedelta(days=1)).status_code == 403
    html = client.get(month_url(day)).content.decode()
    assert f'data-publication="{publication.pk}"' in html and 'draggable="true"' not in html

    client.force_login(stranger)
    assert move(client, publication, day + timedelta(days=1)).status_code == 404
    assert client.post(reverse("calendar-move", args=[999999]), {"date": f"{day:%Y-%m-%d}"}).status_code == 404
    publication.refresh_from_db()
    assert publication.scheduled_at.astimezone(workspace.tzinfo).date() == day


def test_a_bad_drop_date_is_a_clear_error(client, owner, workspace, channel):
    [publication] = plan_post(owner, workspace, [channel], local_day(workspace, 3))
    client.force_login(owner)
    response = move(client, publication, "not-a-day")
    assert response.status_code == 400 and "Drop the post on a day" in response.content.decode()


def test_published_posts_are_not_draggable_and_cannot_be_moved(client, owner, workspace, channel):
    day = local_day(workspace, 3)
    [publication] = plan_post(owner, workspace, [channel], day)
    Publication.objects.filter(pk=publication.pk).update(state=State.PUBLISHED)
    client.force_login(owner)
    cell = day_cell(client.get(month_url(day)).content.decode(), day)
    assert f'data-publication="{publication.pk}"' in cell and 'draggable="true"' not in cell
    assert move(client, publication, day + timedelta(days=1)).status_code == 422
    assert Post.objects.count() == 1


def next_spring_forward(zone, at: time) -> date:
    """The next day after tomorrow on which `at` does not exist in `zone` (the clocks jump over it)."""
    day = datetime.now(zone).date() + timedelta(days=2)
    for _ in range(400):
        moment = datetime.combine(day, at, tzinfo=zone)
        if moment.astimezone(UTC).astimezone(zone).time() != at:
            return day
        day += timedelta(days=1)
    raise AssertionError(f"{zone} moves no clocks in the coming year")


def test_dropping_into_a_clock_change_gap_is_refused(client, owner, workspace, channel):
    # Israel moves its clocks from 02:00 to 03:00 on the Friday before the last Sunday of March.
    gap = next_spring_forward(workspace.tzinfo, time(2, 30))
    [publication] = plan_post(owner, workspace, [channel], gap - timedelta(days=1), "02:30")
    client.force_login(owner)
    response = move(client, publication, gap)
    assert response.status_code == 422 and "does not exist" in response.content.decode()
    publication.refresh_from_db()
    assert publication.scheduled_at.astimezone(workspace.tzinfo).date() == gap - timedelta(days=1)
