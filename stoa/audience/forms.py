"""The audience pages' input: the leaders' filters and the competitor to add, checked as the actions check them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stoa.audience.leaders import DEFAULT_DAYS, SORTS, Filters
from stoa.audience.models import Network
from stoa.inbox.models import Sentiment

PERIODS = [(7, _("7 days")), (30, _("30 days")), (90, _("90 days")), (365, _("a year"))]
SORT_LABELS = {"score": _("Score"), "followers": _("Followers"), "interactions": _("Interactions"),
               "negative": _("Negative"), "positive": _("Positive"), "last": _("Latest interaction")}


class LeaderFilters(forms.Form):
    network = forms.ChoiceField(label=_("Network"), required=False,
                                choices=[("", _("All networks")), *Network.choices])
    sentiment = forms.ChoiceField(label=_("Leaning"), required=False,
                                  choices=[("", _("Any sentiment")), *Sentiment.choices])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[(s, SORT_LABELS[s]) for s in SORTS])
    days = forms.TypedChoiceField(label=_("Period"), required=False, coerce=int, empty_value=None,
                                  choices=PERIODS)

    def filters(self) -> Filters:
        """The filters chosen, or the defaults for whatever is missing or wrong."""
        data = self.cleaned_data if self.is_valid() else {}
        return Filters(network=data.get("network") or "", sentiment=data.get("sentiment") or "",
                       sort=data.get("sort") or "score", days=data.get("days") or DEFAULT_DAYS)


class CompetitorForm(forms.Form):
    network = forms.ChoiceField(label=_("Network"), choices=Network.choices)
    handle = forms.CharField(label=_("Account"), max_length=300,
                             help_text=_("A Bluesky handle (name.bsky.social), a Mastodon user@server, or the "
                                         "account's profile address."))


class ComparePeriod(forms.Form):
    days = forms.TypedChoiceField(label=_("Period"), required=False, coerce=int, empty_value=None,
                                  choices=PERIODS)
