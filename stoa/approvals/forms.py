"""The approval pages' input as forms: every check and its words in one place, read by the page and checked again by
the action (which the command line and the tests call too)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

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
