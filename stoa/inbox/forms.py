"""The message page's input as forms: every check of a reply, a note, a hiding, a hand-off, an assignment and a status
in one place with its words, read by the page and checked again by the actions the API calls, so the page and the API
refuse the same bad input in the same words."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from stoa.inbox.models import Status

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
