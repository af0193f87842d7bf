"""A workspace's settings as input: every check and its words in one place, so the page, the API and the command line
refuse the same bad input with the same words (the actions validate through these forms too)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from stoa.workspaces.models import ApprovalFlow, Role, validate_timezone

NAME_NEEDED = _("A workspace needs a name.")
SHARE = _("A share between 0 and 100 percent.")
AT_LEAST_ONE = _("At least 1.")
ROLE_FROM_LIST = _("Choose a role from the list.")
NOT_AN_EMAIL = _("This is not an email address.")


class WorkspaceForm(forms.Form):
    """What a new workspace needs: its name, the timezone its times are entered in, the language of its posts."""

    name = forms.CharField(max_length=200, error_messages={"required": NAME_NEEDED})
    timezone = forms.CharField(required=False)
    language = forms.CharField(required=False)

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"]
        try:
            validate_timezone(name)
        except ValidationError:
            raise ValidationError(_("%(tz)s is not a timezone name such as Europe/Athens or Asia/Jerusalem.")
                                  % {"tz": name or "''"}) from None
        return name

    def clean_language(self) -> str:
        code = self.cleaned_data["language"]
        if code not in dict(settings.LANGUAGES) and not (code and len(code) <= 16 and code.isascii()):
            raise ValidationError(_("Give a language code such as en, he, ar, fa, el or ru."))
        return code


class WorkspaceSettingsForm(WorkspaceForm):
    """The settings page: the above, the approval flow and the content mix warnings."""

    approval_flow = forms.ChoiceField(choices=ApprovalFlow.choices, error_messages={
        "required": _("Choose an approval flow from the list."),
        "invalid_choice": _("Choose an approval flow from the list.")})
    max_selling_percent = forms.IntegerField(min_value=0, max_value=100, error_messages={
        "required": SHARE, "invalid": SHARE, "min_value": SHARE, "max_value": SHARE})
    max_selling_in_a_row = forms.IntegerField(min_value=1, max_value=100, error_messages={
        "required": AT_LEAST_ONE, "invalid": AT_LEAST_ONE, "min_value": AT_LEAST_ONE, "max_value": AT_LEAST_ONE})


class RoleForm(forms.Form):
    """A member's role, as the team page sets it."""

    role = forms.ChoiceField(choices=Role.choices, error_messages={
        "required": ROLE_FROM_LIST, "invalid_choice": ROLE_FROM_LIST})


class InvitationForm(RoleForm):
    """Whom to invite, by email, and as what."""

    email = forms.EmailField(error_messages={"required": NOT_AN_EMAIL, "invalid": NOT_AN_EMAIL})

    def clean_email(self) -> str:
        return self.cleaned_data["email"].lower()


class LanguageForm(forms.Form):
    """The language a person reads Stoa in."""

    language = forms.ChoiceField(choices=settings.LANGUAGES, error_messages={
        "required": _("Choose a language from the list."), "invalid_choice": _("Choose a language from the list.")})


class SignUpForm(forms.Form):
    """A new account from an invitation (the account's own checks are sign_up_and_accept's)."""

    username = forms.CharField(required=False)
    password = forms.CharField(required=False, strip=False)


class MarkReadForm(forms.Form):
    """Notifications marked read: these ids or all of them, then back to `next` (a path inside Stoa)."""

    id = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    all = forms.BooleanField(required=False)
    next = forms.CharField(required=False)

    def clean_id(self) -> list[int]:
        return [int(i) for i in self.cleaned_data["id"] or [] if str(i).isdigit()]

    def ids(self) -> list[int] | None:
        """None for all of them."""
        return None if self.cleaned_data["all"] else self.cleaned_data["id"]

    def clean_next(self) -> str:
        target: str = self.cleaned_data["next"]
        return target if target.startswith("/") and not target.startswith("//") else ""
