"""What a person enters on the listening page, checked the same way by the page and the actions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stoa.inbox.classifier import LANGUAGES
from stoa.listening.matching import phrase

MAX_TERMS = 50


def lines(text: str) -> list[str]:
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class QueryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    terms = forms.CharField(label=_("Names and phrases, in every spelling and script (one a line)"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}))
    hashtags = forms.CharField(label=_("Hashtags (one a line)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))
    exclusions = forms.CharField(label=_("Leave out posts naming (one a line)"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}))
    languages = forms.MultipleChoiceField(label=_("Languages (none chosen: every language)"), required=False,
                                          choices=[(code, code) for code in LANGUAGES],
                                          widget=forms.CheckboxSelectMultiple)
    competitor = forms.BooleanField(label=_("A competitor's name (for the share of voice)"), required=False)

    def clean_terms(self) -> list[str]:
        return self.words_only(lines(self.cleaned_data["terms"]))

    def clean_hashtags(self) -> list[str]:
        return self.words_only([tag.lstrip("#") for tag in lines(self.cleaned_data["hashtags"])])

    def clean_exclusions(self) -> list[str]:
        return self.words_only(lines(self.cleaned_data["exclusions"]))

    @staticmethod
    def words_only(values: list[str]) -> list[str]:
        if len(values) > MAX_TERMS:
            raise forms.ValidationError(_("At most %(n)d a query.") % {"n": MAX_TERMS})
        if empty := [v for v in values if not phrase(v)]:
            raise forms.ValidationError(_("Has no letters or digits to look for: %(values)s")
                                        % {"values": ", ".join(empty)})
        return values

    def clean(self) -> dict:
        data = super().clean() or {}
        if not self.errors and not data.get("terms") and not data.get("hashtags"):
            raise forms.ValidationError(_("Give at least one name, phrase or hashtag to listen for."))
        return data


class HitFilter(forms.Form):
    """The stream's filters: every one optional."""

    query = forms.IntegerField(required=False)
    network = forms.CharField(required=False, max_length=32)
    sentiment = forms.CharField(required=False, max_length=16)
    language = forms.CharField(required=False, max_length=16)
    days = forms.IntegerField(required=False, min_value=1, max_value=366)
