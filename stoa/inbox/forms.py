"""The inbox pages' input as forms: every check of a reply, a note, a hiding, a hand-off, an assignment, a status and
the communication policy in one place with its words, read by the pages and checked again by the actions the API
calls, so the page and the API refuse the same bad input in the same words."""

import re
from datetime import date, time
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from stoa.inbox.classifier import LANGUAGES
from stoa.inbox.models import Intent, Kind, LinkPolicy, Sentiment, Status, Team
from stoa.workspaces.models import Membership, Workspace

A_MEMBER = _("Choose a member of this workspace.")
OPEN_OR_DONE = _("Choose open or done.")


class ReplyForm(forms.Form):
    """A reply, and whether its links were confirmed where the link policy asks for it."""

    text = forms.CharField(error_messages={"required": _("Write the reply first.")})
    confirmed = forms.BooleanField(required=False)


class NoteForm(forms.Form):
    """A note for the team, never sent."""

    body = forms.CharField(error_messages={"required": _("Write the note first.")})


class HideForm(forms.Form):
    """Why a message is hidden on the network: kept with it."""

    reason = forms.CharField(error_messages={"required": _("Say why it is hidden; the reason is kept with it.")})


class HandoffForm(forms.Form):
    """A word for whoever the message is handed on to."""

    note = forms.CharField(required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, error_messages={
        "required": OPEN_OR_DONE, "invalid_choice": OPEN_OR_DONE})


class AssignForm(forms.Form):
    """The page's one list of members and teams: "user:<id>", "team:<id>", or nothing for the whole team; the API
    gives user_id or team_id (whether they belong to the workspace is the action's check)."""

    to = forms.CharField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, _sep, key = data.get("to", "").partition(":")
        if data.get("to") and not (kind in ("user", "team") and key.isdigit()):
            raise ValidationError({"to": A_MEMBER})
        data["user_id"] = int(key) if kind == "user" else None
        data["team_id"] = int(key) if kind == "team" else None
        return data


# -- The communication policy ------------------------------------------------------------------

BURST = _("The alarm window is 1 to 1,440 minutes, the count 0 (off) or more.")
TARGET = _("A target is a number of minutes, 1 to 20,160.")
NOT_AN_EMAIL = _("This is not an email address.")
A_TEAM = _("Choose a team of this workspace.")
NAME_LENGTH = _("Keep the name under 120 characters.")
SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def words(text: str) -> list[str]:
    """'lawyer, עורך דין' (or one a line) -> ['lawyer', 'עורך דין']."""
    return [w.strip() for w in re.split(r"[,\n]", text or "") if w.strip()]


class PolicySettingsForm(forms.Form):
    """The policy's settings; a link policy left out keeps the one set, a secret left empty keeps the secret."""

    tone_guide = forms.CharField(required=False)
    link_policy = forms.ChoiceField(choices=LinkPolicy.choices, required=False, error_messages={
        "invalid_choice": _("Choose one of the link policies.")})
    allowed_domains = forms.CharField(required=False)
    hiding_allowed = forms.BooleanField(required=False)
    burst_negative_count = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1, error_messages={
        "invalid": _("The alarm thresholds are whole numbers."), "min_value": BURST, "max_value": BURST})
    burst_minutes = forms.IntegerField(required=False, min_value=1, max_value=1440, error_messages={
        "invalid": _("The alarm thresholds are whole numbers."), "min_value": BURST, "max_value": BURST})
    alarm_keywords = forms.CharField(required=False)
    handoff_url = forms.CharField(required=False)
    handoff_secret = forms.CharField(required=False)
    handoff_email = forms.EmailField(required=False, error_messages={"invalid": NOT_AN_EMAIL})
    sales_email = forms.EmailField(required=False, error_messages={"invalid": NOT_AN_EMAIL})

    def clean_handoff_url(self) -> str:
        url: str = self.cleaned_data["handoff_url"]
        if url and not url.startswith(("https://", "http://")):
            raise ValidationError(_("The hand-off address is a web address (https://...)."))
        return url

    def clean_allowed_domains(self) -> list[str]:
        return [d.lower().removeprefix("https://").removeprefix("http://").strip("/")
                for d in words(self.cleaned_data["allowed_domains"])]

    def clean_alarm_keywords(self) -> list[str]:
        return words(self.cleaned_data["alarm_keywords"])


class TargetsForm(forms.Form):
    """Minutes to a first response, per intent; empty: the default."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for intent in Intent.values:
            self.fields[f"target_{intent}"] = forms.IntegerField(
                required=False, min_value=1, max_value=60 * 24 * 14,
                error_messages={"invalid": TARGET, "min_value": TARGET, "max_value": TARGET})


class WorkingTimeForm(forms.Form):
    """Each weekday as "09:00-13:00, 14:00-18:00" (empty: a day off), holidays as YYYY-MM-DD."""

    holidays = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for weekday in range(7):
            self.fields[f"day_{weekday}"] = forms.CharField(required=False)

    def clean_holidays(self) -> list[str]:
        days = []
        for day in words(self.cleaned_data["holidays"]):
            try:
                days.append(date.fromisoformat(day).isoformat())
            except ValueError:
                raise ValidationError(_("%(day)r is not a date like 2026-12-25.") % {"day": day}) from None
        return days

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        hours = {}
        for weekday in range(7):
            try:
                hours[str(weekday)] = [_span(part) for part in words(data.get(f"day_{weekday}", ""))]
            except ValidationError as e:
                self.add_error(f"day_{weekday}", e)
        data["hours"] = hours if any(hours.values()) else {}  # no hours at all: every minute counts, not none
        return data


def _span(part: str) -> list[str]:
    match = SPAN.match(part)
    try:
        start, end = (time.fromisoformat(match[1].zfill(5)), time.fromisoformat(match[2].zfill(5))) if match \
            else (None, None)
    except ValueError:
        start = end = None
    if start is None or end is None or end <= start:
        raise ValidationError(_("Write working hours like 09:00-18:00; %(part)r is not.") % {"part": part})
    return [f"{start:%H:%M}", f"{end:%H:%M}"]


class ChosenField(forms.MultipleChoiceField):
    """Several of a list; every value not on it named at once."""

    def validate(self, value: Any) -> None:
        if unknown := [v for v in value if not self.valid_value(v)]:
            raise ValidationError(_("Unknown values: %(values)s.") % {"values": ", ".join(unknown)})


class InWorkspace(forms.Form):
    """A form whose members and teams are those of one workspace."""

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(workspace=workspace).values_list("user_id", flat=True)
        self.member_choices = [(str(pk), str(pk)) for pk in members]
        teams = Team.objects.filter(workspace=workspace).values_list("pk", flat=True)
        self.team_choices = [(str(pk), str(pk)) for pk in teams]


class TeamForm(InWorkspace):
    name = forms.CharField(max_length=120, error_messages={"required": _("Give the team a name."),
                                                           "max_length": NAME_LENGTH})
    members = forms.TypedMultipleChoiceField(required=False, coerce=int, error_messages={"invalid_choice": A_MEMBER})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["members"]).choices = self.member_choices


class RuleForm(InWorkspace):
    """Which messages a routing rule takes, and to whom (a member or a team) it routes them."""

    name = forms.CharField(max_length=120, error_messages={
        "required": _("Give the rule a name that says what it does."), "max_length": NAME_LENGTH})
    intents = ChosenField(required=False, choices=Intent.choices)
    sentiments = ChosenField(required=False, choices=Sentiment.choices)
    languages = ChosenField(required=False, choices=[(code, code) for code in LANGUAGES])
    kinds = ChosenField(required=False, choices=Kind.choices)
    keywords = forms.CharField(required=False)
    assign_to = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                       error_messages={"invalid_choice": A_MEMBER})
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None,
                                  error_messages={"invalid_choice": A_TEAM})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["assign_to"]).choices = [("", ""), *self.member_choices]
        cast(forms.ChoiceField, self.fields["team"]).choices = [("", ""), *self.team_choices]

    def clean_keywords(self) -> list[str]:
        return words(self.cleaned_data["keywords"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("assign_to") and not data.get("team"):
            self.add_error("assign_to", _("Route it to a member or a team."))
        return data


class SavedReplyForm(forms.Form):
    title = forms.CharField(required=False, max_length=120, error_messages={"max_length": NAME_LENGTH})
    body = forms.CharField(required=False)
    intent = forms.ChoiceField(required=False, choices=[("", ""), *Intent.choices], error_messages={
        "invalid_choice": _("Choose one of the intents.")})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "title" not in self.errors and not (data.get("title") and data.get("body")):
            self.add_error("body", _("A saved reply needs a title and a text."))
        return data
