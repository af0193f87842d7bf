"""The content plan's input as forms: every check and its words in one place, read by the pages and checked again by
the actions (which the tests and any other caller use too), so bad input is refused in one set of words."""

import re
from datetime import date, time
from typing import Any, TypeAlias

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from stoa.planning.models import EventKind, Weekday

MAX_EVENT_DAYS = 366

# For the forms whose fields `date` and `time` hide the types.
Day: TypeAlias = date
Time: TypeAlias = time

A_WEEKDAY = _("Choose a day of the week.")
A_KIND = _("Choose what kind of event it is.")
ON_A_DAY = _("Drop the post on a day of the calendar.")
MONTHS = _("Expand repeating events over 1 to 36 months.")
# The slots page's shortcuts for several days at once.
WEEKDAY_GROUPS = {"weekdays": [0, 1, 2, 3, 4], "everyday": list(range(7)), "weekend": [5, 6]}


def hashtags(text: str) -> list[str]:
    """'#coffee, morning #Tel_Aviv' -> ['#coffee', '#morning', '#Tel_Aviv'] (any script, no duplicates)."""
    tags: list[str] = []
    for word in re.split(r"[\s,;]+", text or ""):
        word = word.strip().lstrip("#")
        if not word:
            continue
        if not re.fullmatch(r"\w+", word):
            raise ValidationError(_("%(tag)r is not a hashtag: use letters, digits and _ only.") % {"tag": word})
        if f"#{word}" not in tags:
            tags.append(f"#{word}")
    return tags


def day(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise ValidationError(_("%(value)r is not a date; write it as YYYY-MM-DD.") % {"value": value or ""}) from None


def time_of_day(value: Any) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value or "").strip()).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise ValidationError(_("%(value)r is not a time; write it as HH:MM.") % {"value": value or ""}) from None


class WeekdayField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(str(v), label) for v, label in Weekday.choices], coerce=int,
                         error_messages={"required": A_WEEKDAY, "invalid_choice": A_WEEKDAY}, **kwargs)


class ThemeForm(forms.Form):
    """A daily theme: the day of the week, its name and its hashtags."""

    weekday = WeekdayField()
    name = forms.CharField(max_length=120, error_messages={
        "required": _("Give the theme a name."), "max_length": _("Keep the name under 120 characters.")})
    hashtags = forms.CharField(required=False, strip=False)

    def clean_hashtags(self) -> list[str]:
        return hashtags(self.cleaned_data["hashtags"])


class EventForm(forms.Form):
    """A plan event: its kind, title, description and the days it spans (one day when it has no end)."""

    kind = forms.ChoiceField(choices=EventKind.choices, error_messages={"required": A_KIND, "invalid_choice": A_KIND})
    title = forms.CharField(max_length=300, error_messages={
        "required": _("Give the event a title."), "max_length": _("Keep the title under 300 characters.")})
    description = forms.CharField(required=False)
    starts_on = forms.CharField(required=False, strip=False)
    ends_on = forms.CharField(required=False, strip=False)

    def clean_starts_on(self) -> date:
        return day(self.cleaned_data["starts_on"])

    def clean_ends_on(self) -> date | None:
        given = self.cleaned_data["ends_on"]
        return day(given) if given else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts is not None and "ends_on" not in self.errors:
            ends = data["ends_on"] = ends or starts
            if ends < starts:
                self.add_error("ends_on", _("The event cannot end before it starts."))
            elif (ends - starts).days > MAX_EVENT_DAYS:
                self.add_error("ends_on", _("An event can last at most a year."))
        return data


class SlotForm(forms.Form):
    """A channel's time slot: a day of the week and a time of day."""

    weekday = WeekdayField()
    time = forms.CharField(required=False, strip=False)

    def clean_time(self) -> Time:
        return time_of_day(self.cleaned_data["time"])


class SlotsForm(forms.Form):
    """The slots page: a day of the week, or several at once (weekdays, every day, the weekend), and a time (each
    checked again by SlotForm as it is added)."""

    weekday = forms.ChoiceField(choices=[*((str(v), label) for v, label in Weekday.choices),
                                         *((g, g) for g in WEEKDAY_GROUPS)],
                                error_messages={"required": A_WEEKDAY, "invalid_choice": A_WEEKDAY})
    time = forms.CharField(required=False, strip=False)

    def clean_time(self) -> Time:
        return time_of_day(self.cleaned_data["time"])

    def weekdays(self) -> list[int]:
        choice = self.cleaned_data["weekday"]
        return WEEKDAY_GROUPS.get(choice, [int(choice)] if choice.isdigit() else [])


class ImportForm(forms.Form):
    """An iCalendar import: the kind its events get when they say none, the months repeating events expand over
    and the month they start from."""

    kind = forms.ChoiceField(choices=EventKind.choices, initial=EventKind.OBSERVANCE, required=False,
                             error_messages={"invalid_choice": A_KIND})
    months = forms.IntegerField(required=False, min_value=1, max_value=36, error_messages={
        "invalid": MONTHS, "min_value": MONTHS, "max_value": MONTHS})

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or EventKind.OBSERVANCE

    def clean_months(self) -> int:
        months = self.cleaned_data["months"]
        return 12 if months is None else months


class MoveForm(forms.Form):
    """A drop on the calendar: the day (and in the week view the hour), or now=1 to publish now instead."""

    now = forms.BooleanField(required=False)
    date = forms.DateField(input_formats=["%Y-%m-%d"], required=False, error_messages={"invalid": ON_A_DAY})
    hour = forms.CharField(required=False)

    def clean_now(self) -> bool:
        return self.data.get("now") == "1"

    def clean_date(self) -> Day | None:
        if self.data.get("now") != "1" and self.cleaned_data["date"] is None:
            raise ValidationError(ON_A_DAY)
        return self.cleaned_data["date"]

    def clean_hour(self) -> int | None:
        """A drop in the month view has no hour; one out of 0-23 is ignored like none."""
        hour = self.cleaned_data["hour"]
        return int(hour) if hour.isdigit() and 0 <= int(hour) <= 23 else None
