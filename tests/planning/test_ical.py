from datetime import date

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stoa.errors import ActionError
from stoa.planning.actions import import_events
from stoa.planning.models import PlanEvent
from tests.planning.helpers import local_day, plan_post

pytestmark = pytest.mark.django_db

HOLIDAYS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//Holidays//EN\r
BEGIN:VEVENT\r
UID:hanukkah-2026@example.com\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20261204\r
DTEND;VALUE=DATE:20261213\r
SUMMARY:Hanukkah\r
DESCRIPTION:Eight nights\\, eight posts\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:market@example.com\r
DTSTAMP:20260101T000000Z\r
DTSTART:20261215T220000Z\r
DTEND:20261215T235000Z\r
SUMMARY:Night market\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:birthday@example.com\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20200310\r
DTEND;VALUE=DATE:20200311\r
RRULE:FREQ=YEARLY\r
SUMMARY:Cafe birthday\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_import_reads_all_day_timed_multi_day_and_yearly_events(owner, workspace):
    created, updated = import_events(owner, workspace, HOLIDAYS, start=date(2026, 12, 1), months=24)

    assert (created, updated) == (4, 0)
    hanukkah = PlanEvent.objects.get(uid="hanukkah-2026@example.com")
    assert (hanukkah.starts_on, hanukkah.ends_on) == (date(2026, 12, 4), date(2026, 12, 12))
    assert hanukkah.description == "Eight nights, eight posts"
    market = PlanEvent.objects.get(title="Night market")  # 22:00 UTC is past midnight in Jerusalem
    assert (market.starts_on, market.ends_on) == (date(2026, 12, 16), date(2026, 12, 16))
    birthdays = PlanEvent.objects.filter(title="Cafe birthday").order_by("starts_on")
    assert [e.starts_on for e in birthdays] == [date(2027, 3, 10), date(2028, 3, 10)]


def test_importing_the_same_file_again_updates_instead_of_duplicating(owner, workspace):
    import_events(owner, workspace, HOLIDAYS, start=date(2026, 12, 1), months=12)
    PlanEvent.objects.filter(title="Hanukkah").update(title="Changed by hand")
    created, updated = import_events(owner, workspace, HOLIDAYS, start=date(2026, 12, 1), months=12)
    assert (created, updated) == (0, 3)
    assert PlanEvent.objects.count() == 3 and PlanEvent.objects.filter(title="Hanukkah").exists()


@pytest.mark.parametrize("data", [
    b"", b"not a calendar at all", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:No start\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", b"\xff\xfe\x00garbage",
    HOLIDAYS.replace(b"END:VCALENDAR\r\n", b"") + b"BEGIN:VEVENT\r\nDTSTART:nonsense\r\nEND:VEVENT\r\n",
])
def test_a_broken_file_imports_nothing(owner, workspace, data):
    with pytest.raises(ActionError):
        import_events(owner, workspace, data)
    assert not PlanEvent.objects.exists()


def test_a_broken_upload_shows_a_clear_error_on_the_plan_page(client, owner, workspace):
    client.force_login(owner)
    upload = SimpleUploadedFile("broken.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026\r\n",
                                content_type="text/calendar")
    html = client.post(reverse("plan-import", args=[workspace.slug]), {"file": upload, "months": "12"},
                       follow=True).content.decode()
    assert "Nothing was imported" in html and not PlanEvent.objects.exists()


def test_upload_through_the_page_imports_with_the_chosen_kind(client, owner, workspace):
    client.force_login(owner)
    upload = SimpleUploadedFile("h.ics", HOLIDAYS, content_type="text/calendar")
    html = client.post(reverse("plan-import", args=[workspace.slug]),
                       {"file": upload, "months": "12", "kind": "local_event", "month": "2026-12"},
                       follow=True).content.decode()
    assert "Imported 3 new and updated 0 events" in html
    assert set(PlanEvent.objects.values_list("kind", flat=True)) == {"local_event"}


def test_export_holds_events_and_scheduled_posts_and_round_trips(client, owner, workspace, channel):
    PlanEvent.objects.create(workspace=workspace, kind="campaign", title="Sale; 50%, off", description="a\nb",
                             starts_on=date(2026, 12, 20), ends_on=date(2026, 12, 22))
    [publication] = plan_post(owner, workspace, [channel], local_day(workspace, 3), text="Coffee, tea; and more")
    client.force_login(owner)

    response = client.get(reverse("plan-export", args=[workspace.slug]))

    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content
    assert b"Sale\\; 50%\\, off" in body and b"Coffee\\, tea\\; and more" in body
    calendar = icalendar.Calendar.from_ical(body)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    sale = next(e for e in events.values() if str(e["SUMMARY"]) == "Sale; 50%, off")
    assert sale.decoded("DTSTART") == date(2026, 12, 20) and sale.decoded("DTEND") == date(2026, 12, 23)
    assert any(uid.startswith(f"stoa-publication-{publication.pk}@") for uid in events)

    created, updated = import_events(owner, workspace, body)
    assert (created, updated) == (1, 0)  # the event again under its exported UID; posts are not events
    assert PlanEvent.objects.filter(title="Sale; 50%, off", kind="campaign").count() == 2
    assert import_events(owner, workspace, body) == (0, 1)
