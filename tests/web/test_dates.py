"""One way to write a date per language: every page of a person writes each moment alike, with the month as a word
and the 24-hour time, whichever format a template or a message asks for."""

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from stoa import clock
from stoa.workspaces.actions import notify
from stoa.workspaces.models import UserSettings
from stoa.workspaces.team import invite
from tests.core.helpers import schedule

LANGUAGES = [code for code, _name in settings.LANGUAGES]
NUMERIC_DATE = re.compile(r"\b\d{1,2}[/.‏]+\d{1,2}[/.‏]+\d{4}\b|\b\d{4}/\d{1,2}/\d{1,2}\b")
TWELVE_HOUR = re.compile(r"\d(?:\s| )?(?:a\.m\.|p\.m\.|AM|PM|ص|م)(?:\W|$)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_long_and_the_short_formats_of_a_language_are_one(language):
    moment = datetime(2026, 3, 9, 16, 6)  # 9 March: a day that is also a month number
    with translation.override(language):
        assert date_format(moment, "DATETIME_FORMAT") == date_format(moment, "SHORT_DATETIME_FORMAT")
        assert date_format(moment, "DATE_FORMAT") == date_format(moment, "SHORT_DATE_FORMAT")
        written = date_format(moment, "DATETIME_FORMAT")
    assert written.startswith("9 ") and written.endswith("16:06") and "2026" in written
    assert not NUMERIC_DATE.search(written) and not re.search(r"\b0?3\b", written)  # the month is a word


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_page_writes_every_moment_one_way(language, client, owner, workspace, channel):
    UserSettings.objects.update_or_create(user=owner, defaults={"language": language})
    [publication] = schedule(owner, workspace, [channel], in_seconds=3 * 86400)
    invite(owner, workspace, "noa@example.com", "analyst")
    notify(workspace.pk, "test", "Something happened", to=[owner])
    client.force_login(owner)
    with translation.override(language):
        expected = date_format(timezone.localtime(publication.scheduled_at, workspace.tzinfo), "DATETIME_FORMAT")
        expires = date_format(timezone.localtime(clock.now() + timedelta(days=7), workspace.tzinfo), "DATE_FORMAT")
    pages = {path: client.get(path).content.decode() for path in ("/", "/team/", "/notifications/")}
    assert expected in pages["/"]
    assert expires in pages["/team/"]
    for path, html in pages.items():
        assert not NUMERIC_DATE.search(html), (path, NUMERIC_DATE.search(html))
        assert not TWELVE_HOUR.search(html), (path, TWELVE_HOUR.search(html))
