"""The connect and reconnect forms of the channels page, made from each network's connect fields.

The form checks what a browser sends and shows errors beside the field they are about, under the
label the person read; the action checks again and talks to the network, as it does for the API
and the command line.
"""

import copy
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from stoa.channels.models import ChannelStatus
from stoa.errors import ActionError
from stoa.providers.base import Account, Provider
from stoa.workspaces.models import Workspace

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NOT_NEGATIVE = _("Posting rules cannot be negative (0 means no rule).")
WHOLE_NUMBERS = _("Posting rules are whole numbers (0 means no rule).")


def rule_field(label: "StrOrPromise", help_text: "StrOrPromise" = "") -> forms.IntegerField:
    """A posting rule: a whole number of minutes or posts, 0 (or nothing) for no rule."""
    return forms.IntegerField(label=label, help_text=help_text, min_value=0, max_value=2**31 - 1, initial=0,
                              required=False, error_messages={"invalid": WHOLE_NUMBERS, "min_value": NOT_NEGATIVE})


class RulesForm(forms.Form):
    """A channel's posting rules, as the channels page, the API and connecting a channel give them."""

    min_gap_minutes = rule_field(_("Minutes between posts"))
    daily_max = rule_field(_("Posts per day at most"), _("0 means no rule."))

    def clean_min_gap_minutes(self) -> int:
        return self.cleaned_data["min_gap_minutes"] or 0

    def clean_daily_max(self) -> int:
        return self.cleaned_data["daily_max"] or 0


class StatusForm(forms.Form):
    """What the channels page may do to a channel's status: enable or disable it (a reconnect is another form)."""

    status = forms.ChoiceField(choices=[(ChannelStatus.ACTIVE, ChannelStatus.ACTIVE.label),
                                        (ChannelStatus.DISABLED, ChannelStatus.DISABLED.label)],
                               error_messages={"required": _("A channel can only be enabled or disabled here."),
                                               "invalid_choice": _("A channel can only be enabled or disabled here.")})


class ConnectForm(forms.Form):
    """A network's connect fields; when connecting a new channel, also its name and posting rules."""

    def __init__(self, provider_class: type[Provider], *args, reconnect: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider_class = provider_class
        for f in provider_class.connect_fields:
            attrs = {"autocomplete": "off", "spellcheck": "false", "dir": "ltr"}
            widget = forms.PasswordInput(attrs=attrs) if f.secret else forms.TextInput(attrs=attrs)
            self.fields[f.name] = forms.CharField(label=f.label, help_text=f.help, required=f.required,
                                                  widget=widget)
        if not reconnect:
            self.fields["name"] = forms.CharField(label=_("Name in Stoa (optional)"), required=False,
                                                  max_length=200, widget=forms.TextInput(attrs={"dir": "auto"}))
            self.fields.update(copy.deepcopy(RulesForm.base_fields))

    def connection(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The cleaned connect fields as (config, credentials), each where the provider reads it."""
        config: dict[str, Any] = {}
        credentials: dict[str, Any] = {}
        for f in self.provider_class.connect_fields:
            (credentials if f.in_credentials else config)[f.name] = self.cleaned_data.get(f.name, "")
        return config, credentials

    def rules(self) -> dict:
        return {"min_gap_minutes": self.cleaned_data.get("min_gap_minutes") or 0,
                "daily_max": self.cleaned_data.get("daily_max") or 0}

    def add_action_error(self, error: ActionError) -> None:
        """The action's errors beside the fields they name; the others above the form."""
        for key, messages in error.errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)

    def messages(self) -> list[str]:
        """Every error in one list, each named by the label the person saw."""
        said = [str(m) for m in self.non_field_errors()]
        for field in self:
            said += [f"{field.label}: {m}" for m in field.errors]
        return said


class AuthorizeForm(forms.Form):
    """Connect a network by signing in there: the workspace, and the server where apps are per server."""

    workspace = forms.CharField(widget=forms.HiddenInput)
    network = forms.CharField(widget=forms.HiddenInput)
    server = forms.CharField(label=_("Your server"), required=False, max_length=300,
                             help_text=_("Like https://mastodon.social."),
                             widget=forms.TextInput(attrs={"dir": "ltr", "spellcheck": "false",
                                                           "autocomplete": "url"}))


class ChooseTargetsForm(forms.Form):
    """Which of the accounts, pages or groups one authorization gave become channels, and in which workspace."""

    targets = forms.MultipleChoiceField(label=_("Connect as channels"), widget=forms.CheckboxSelectMultiple,
                                        error_messages={"required": _("Choose at least one to connect.")})
    workspace = forms.ChoiceField(label=_("In the workspace"))

    def __init__(self, targets: tuple[Account, ...], workspaces: list[Workspace], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accounts = {account.remote_id: account for account in targets}
        self.fields["targets"].initial = list(self.accounts)
        cast(forms.MultipleChoiceField, self.fields["targets"]).choices = [(a.remote_id, a.name) for a in targets]
        cast(forms.ChoiceField, self.fields["workspace"]).choices = [(w.slug, w.name) for w in workspaces]

    def chosen(self) -> list[Account]:
        return [self.accounts[remote_id] for remote_id in self.cleaned_data["targets"]]

    def add_action_error(self, error: ActionError) -> None:
        for key, messages in error.errors.items():
            for message in messages:
                self.add_error(key if key in self.fields else None, message)


class OAuthAppForm(forms.Form):
    """The deployment's app on a network, as registered there by an administrator."""

    network = forms.CharField(widget=forms.HiddenInput)
    client_id = forms.CharField(label=_("Client ID"), max_length=300,
                                widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off",
                                                              "spellcheck": "false"}))
    client_secret = forms.CharField(label=_("Client secret"), required=False, max_length=500,
                                    help_text=_("Left empty, the secret saved before is kept."),
                                    widget=forms.PasswordInput(attrs={"dir": "ltr", "autocomplete": "off"}))
