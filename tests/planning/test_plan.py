from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape as html_escape

from stoa.errors import ActionError
from stoa.planning.actions import next_free_slot
from stoa.planning.models import DailyTheme, EventKind, PlanEvent, TimeSlot
from stoa.posts.times import to_local
from stoa.workspaces.models import AuditEvent
from tests.conftest import mastodon_channel
from tests.planning.helpers import local_day, plan_post

pytestmark = pytest.mark.django_db


def plan_page(client, workspace, month=None):
    query = f"workspace={workspace.slug}" + (f"&month={month}" if month else "")
    return client.get(f"{reverse('plan')}?{query}")


def test_plan_page_shows_the_month_with_themes_events_posts_and_empty_days(client, owner, workspace, channel):
    day = local_day(workspace, 5)
    plan_post(owner, workspace, [channel], day, text="Weekend brunch menu")
    DailyTheme.objects.create(workspace=workspace, weekday=day.weekday(), name="Brunch day", hashtags=["#brunch"])
    PlanEvent.objects.create(workspace=workspace, title="Hanukkah", starts_on=day, ends_on=day + timedelta(days=7))
    client.force_login(owner)

    html = plan_page(client, workspace, f"{day:%Y-%m}").content.decode()

    assert "Weekend brunch menu" in html and "Brunch day" in html and "#brunch" in html and "Hanukkah" in html
    assert "empty-day" in html and f'data-date="{day:%Y-%m-%d}"' in html
    assert "Content mix" in html and "1 post" in html


def test_plan_page_without_a_workspace_picks_the_first_and_bad_months_fall_back(client, owner, workspace):
    client.force_login(owner)
    assert client.get(reverse("plan")).status_code == 200
    for month in ("2026-13", "soon", "0001-01"):
        assert plan_page(client, workspace, month).status_code == 200


def test_strangers_get_404_for_the_plan_of_another_workspace(client, stranger, workspace):
    client.force_login(stranger)
    assert plan_page(client, workspace).status_code == 404
    assert client.post(reverse("plan-theme-add", args=[workspace.slug]),
                       {"weekday": 0, "name": "X"}).status_code == 404
    assert client.get(reverse("plan-export", args=[workspace.slug])).status_code == 404
    assert client.get(reverse("plan-slots", args=[workspace.slug])).status_code == 404
    assert DailyTheme.objects.count() == 0


def test_viewers_see_the_plan_but_cannot_change_it(client, workspace, member):
    analyst = member("analyst")
    client.force_login(analyst)
    html = plan_page(client, workspace).content.decode()
    assert "Add a theme" not in html
    response = client.post(reverse("plan-theme-add", args=[workspace.slug]), {"weekday": 0, "name": "Sneaky"})
    assert response.status_code == 403 and DailyTheme.objects.count() == 0
    assert client.post(reverse("plan-slots", args=[workspace.slug]), {}).status_code == 403


def test_themes_are_added_edited_and_deleted(client, owner, workspace):
    client.force_login(owner)
    add = client.post(reverse("plan-theme-add", args=[workspace.slug]),
                      {"weekday": "0", "name": "Motivation Monday", "hashtags": "#motivation, morning #בוקר"})
    assert add.status_code == 302
    theme = DailyTheme.objects.get()
    assert theme.hashtags == ["#motivation", "#morning", "#בוקר"] and theme.weekday == 0

    client.post(reverse("plan-theme", args=[workspace.slug, theme.pk]),
                {"weekday": "4", "name": "Friday vibes", "hashtags": ""})
    theme.refresh_from_db()
    assert (theme.weekday, theme.name, theme.hashtags) == (4, "Friday vibes", [])

    client.post(reverse("plan-theme", args=[workspace.slug, theme.pk]), {"delete": "1"})
    assert not DailyTheme.objects.exists()
    assert AuditEvent.objects.filter(action="theme.deleted").exists()


def test_bad_theme_input_is_refused_with_a_message(client, owner, workspace):
    client.force_login(owner)
    response = client.post(reverse("plan-theme-add", args=[workspace.slug]),
                           {"weekday": "9", "name": "", "hashtags": "#ok #not-ok!"}, follow=True)
    html = response.content.decode()
    assert "Choose a day of the week" in html and "Give the theme a name" in html and "is not a hashtag" in html
    assert not DailyTheme.objects.exists()


def test_themes_and_events_of_another_workspace_cannot_be_changed(client, owner, workspace, other_workspace):
    theirs = DailyTheme.objects.create(workspace=other_workspace, weekday=1, name="Theirs")
    event = PlanEvent.objects.create(workspace=other_workspace, title="Theirs", starts_on=local_day(workspace, 1),
                                     ends_on=local_day(workspace, 1))
    client.force_login(owner)
    assert client.post(reverse("plan-theme", args=[workspace.slug, theirs.pk]),
                       {"delete": "1"}).status_code == 404
    assert client.post(reverse("plan-event", args=[workspace.slug, event.pk]), {"delete": "1"}).status_code == 404
    assert DailyTheme.objects.filter(pk=theirs.pk).exists() and PlanEvent.objects.filter(pk=event.pk).exists()


def test_events_are_added_edited_and_deleted(client, owner, workspace):
    client.force_login(owner)
    client.post(reverse("plan-event-add", args=[workspace.slug]),
                {"kind": "campaign", "title": "Winter sale", "starts_on": "2026-12-20", "ends_on": "2026-12-31"})
    event = PlanEvent.objects.get()
    assert (event.kind, str(event.starts_on), str(event.ends_on)) == ("campaign", "2026-12-20", "2026-12-31")

    client.post(reverse("plan-event", args=[workspace.slug, event.pk]),
                {"kind": "local_event", "title": "Jaffa market", "starts_on": "2026-12-22", "ends_on": ""})
    event.refresh_from_db()
    assert (event.kind, event.title, event.starts_on, event.ends_on) == (
        "local_event", "Jaffa market", event.starts_on, event.starts_on)

    client.post(reverse("plan-event", args=[workspace.slug, event.pk]), {"delete": "1"})
    assert not PlanEvent.objects.exists()


def test_an_event_cannot_end_before_it_starts_or_have_no_date(client, owner, workspace):
    client.force_login(owner)
    html = client.post(reverse("plan-event-add", args=[workspace.slug]),
                       {"kind": "campaign", "title": "Backwards", "starts_on": "2026-12-20",
                        "ends_on": "2026-12-01"}, follow=True).content.decode()
    assert "cannot end before it starts" in html
    html = client.post(reverse("plan-event-add", args=[workspace.slug]),
                       {"kind": "party", "title": "", "starts_on": "soon"}, follow=True).content.decode()
    assert "is not a date" in html and "Give the event a title" in html
    assert not PlanEvent.objects.exists()


# -- Time slots --------------------------------------------------------------------------


def test_time_slots_are_added_for_a_group_of_days_and_removed(client, owner, workspace, channel):
    client.force_login(owner)
    url = reverse("plan-slots", args=[workspace.slug])
    client.post(url, {"channel": channel.pk, "weekday": "weekdays", "time": "09:00"})
    assert sorted(TimeSlot.objects.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]

    html = client.post(url, {"channel": channel.pk, "weekday": "0", "time": "09:00"}, follow=True).content.decode()
    assert "already has that time slot" in html and TimeSlot.objects.count() == 5

    page = client.get(url).content.decode()
    assert "Next free slot" in page and "09:00" in page

    slot = TimeSlot.objects.first()
    client.post(reverse("plan-slot-delete", args=[workspace.slug, slot.pk]))
    assert TimeSlot.objects.count() == 4


def test_bad_slot_input_and_foreign_channels_are_refused(client, owner, workspace, channel, other_workspace,
                                                          fake_network):
    theirs = mastodon_channel(other_workspace, fake_network, account=9)
    their_slot = TimeSlot.objects.create(channel=theirs, weekday=0, time=time(9))
    client.force_login(owner)
    url = reverse("plan-slots", args=[workspace.slug])
    html = client.post(url, {"channel": channel.pk, "weekday": "0", "time": "25:99"}, follow=True).content.decode()
    assert "is not a time" in html
    assert client.post(url, {"channel": theirs.pk, "weekday": "0", "time": "10:00"}).status_code == 404
    assert client.post(reverse("plan-slot-delete", args=[workspace.slug, their_slot.pk])).status_code == 404
    assert TimeSlot.objects.count() == 1


def test_next_free_slot_skips_taken_slots_and_says_when_there_are_none(owner, workspace, channel):
    with pytest.raises(ActionError, match="no time slots"):
        next_free_slot(channel)
    day = local_day(workspace, 2)
    TimeSlot.objects.create(channel=channel, weekday=day.weekday(), time=time(9))
    first = next_free_slot(channel, after=to_utc_start(workspace, day))
    assert to_local(first, workspace.timezone).date() == day
    plan_post(owner, workspace, [channel], day, "09:00")
    second = next_free_slot(channel, after=to_utc_start(workspace, day))
    assert to_local(second, workspace.timezone).date() == day + timedelta(days=7)


def to_utc_start(workspace, day):
    from datetime import datetime

    from stoa.posts.times import to_utc

    return to_utc(datetime.combine(day, time(0)), workspace.timezone)


def test_plan_page_lists_events_of_the_month_only(client, owner, workspace):
    day = local_day(workspace, 0).replace(day=10)
    PlanEvent.objects.create(workspace=workspace, kind=EventKind.CAMPAIGN, title="This month", starts_on=day,
                             ends_on=day)
    PlanEvent.objects.create(workspace=workspace, title="Far away", starts_on=day + timedelta(days=90),
                             ends_on=day + timedelta(days=90))
    client.force_login(owner)
    html = plan_page(client, workspace, f"{day:%Y-%m}").content.decode()
    assert "This month" in html and "Far away" not in html


def test_the_plan_page_and_the_action_refuse_a_bad_event_and_theme_in_the_same_words(client, owner, workspace):
    """Both read their input through stoa/planning/forms.py: every reason at once, the same sentences."""
    from stoa.planning.actions import save_event, save_theme

    client.force_login(owner)
    cases = [
        ("plan-event-add", {"kind": "party", "title": "x" * 301, "starts_on": "2026-12-20", "ends_on": "2028-01-01"},
         lambda given: save_event(owner, workspace, **given)),
        ("plan-theme-add", {"weekday": "7", "name": " ", "hashtags": "#ok, #no-way"},
         lambda given: save_theme(owner, workspace, **given)),
    ]
    for url_name, given, action in cases:
        page = client.post(reverse(url_name, args=[workspace.slug]), given, follow=True).content.decode()
        with pytest.raises(ActionError) as refused:
            action(given)
        assert len([m for ms in refused.value.errors.values() for m in ms]) >= 3
        for message in (m for ms in refused.value.errors.values() for m in ms):
            assert html_escape(message) in page
    assert not PlanEvent.objects.exists() and not DailyTheme.objects.exists()
