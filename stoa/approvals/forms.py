"""The approval pages' input as forms: every check and its words in one place, read by the page and checked again by
the action (which the command line and the tests call too)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from stoa.posts.models import ApprovalState

MAX_LINK_DAYS = 60
DAYS_VALID = ngettext_lazy("A link can be valid for 1 to %(max)s day.", "A link can be valid for 1 to %(max)s days.",
                           "max") % {"max": MAX_LINK_DAYS}
NAME_NEEDED = _("Whom is this for? Give the client's name.")
NOT_AN_EMAIL = _("This is not an email address.")


class ApprovalLinkForm(forms.Form):
    """Whom a link for the client's approval is for, how long it stays valid, and a word for them."""

    recipient_name = forms.CharField(max_length=200, error_messages={"required": NAME_NEEDED})
    recipient_email = forms.EmailField(required=False, error_messages={"invalid": NOT_AN_EMAIL})
    days_valid = forms.IntegerField(required=False, min_value=1, max_value=MAX_LINK_DAYS, error_messages={
        "invalid": _("Give the number of days the link stays valid."), "min_value": DAYS_VALID,
        "max_value": DAYS_VALID})
    message = forms.CharField(required=False)

    def clean_days_valid(self) -> int:
        days = self.cleaned_data["days_valid"]
        return 7 if days is None else days


UNKNOWN_ACTION = _("Unknown action.")
MAX_COMMENT = 5000


class CommentForm(forms.Form):
    """A remark on a post, by a member or by the client through their link."""

    comment = forms.CharField(max_length=MAX_COMMENT, error_messages={
        "required": _("Write a comment first."), "max_length": _("A comment can be at most 5000 characters.")})


class PostActionForm(forms.Form):
    """A button on the post page (or the review page), what was typed with it, and the approval state the person saw
    (a decision made meanwhile wins over it)."""

    action = forms.ChoiceField(choices=[(a, a) for a in ("review", "approve", "changes", "comment")],
                               error_messages={"required": UNKNOWN_ACTION, "invalid_choice": UNKNOWN_ACTION})
    comment = forms.CharField(required=False)
    for_client = forms.BooleanField(required=False)
    seen_state = forms.ChoiceField(required=False, choices=ApprovalState.choices)
    next = forms.CharField(required=False)

    def clean_seen_state(self) -> str:
        return self.cleaned_data["seen_state"] if self.data.get("seen_state") in ApprovalState.values else ""

    def clean_next(self) -> str:
        """Back to the review page when deciding from there; only paths inside Stoa."""
        target: str = self.cleaned_data["next"]
        return target if target.startswith("/") and not target.startswith("//") else ""


class ClientActionForm(forms.Form):
    """The client's button on a post of their link: a decision or a comment, with their name."""

    post = forms.IntegerField(min_value=1, error_messages={"required": UNKNOWN_ACTION, "invalid": UNKNOWN_ACTION,
                                                            "min_value": UNKNOWN_ACTION})
    decision = forms.ChoiceField(choices=[(d, d) for d in ("approve", "changes", "comment")],
                                 error_messages={"required": UNKNOWN_ACTION, "invalid_choice": UNKNOWN_ACTION})
    comment = forms.CharField(required=False)
    name = forms.CharField(required=False, max_length=200)


class ScheduledChoiceForm(forms.Form):
    """The posts scheduled before approval was required, ticked, and what becomes of them: review or exempt."""

    posts = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    action = forms.ChoiceField(choices=[("review", "review"), ("exempt", "exempt")],
                               error_messages={"required": UNKNOWN_ACTION, "invalid_choice": UNKNOWN_ACTION})

    def clean_posts(self) -> list[int]:
        return [int(i) for i in self.cleaned_data["posts"] or [] if str(i).isdigit()]
