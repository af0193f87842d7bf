from django import forms
from django.utils.translation import gettext_lazy as _

from stoa.links.models import LinkSettings, Origin

DAY = forms.DateInput(attrs={"type": "date"})
EXPORTS = [Origin.GA4, Origin.MATOMO, Origin.PLAUSIBLE]


class LinkSettingsForm(forms.ModelForm):
    """The owner's form on the links page; the same model validation as the API (stoa/links/actions.py)."""

    class Meta:
        model = LinkSettings
        fields = ["utm_enabled", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
                  "short_links_enabled"]


class ImportForm(forms.Form):
    origin = forms.ChoiceField(label=_("Export from"), choices=[(o.value, o.label) for o in EXPORTS])
    file = forms.FileField(label=_("File"))
    period_start = forms.DateField(label=_("Period start"), required=False, widget=DAY)
    period_end = forms.DateField(label=_("Period end"), required=False, widget=DAY)


class CostForm(forms.Form):
    campaign = forms.CharField(label=_("Campaign"), max_length=200)
    period_start = forms.DateField(label=_("Period start"), widget=DAY)
    period_end = forms.DateField(label=_("Period end"), widget=DAY)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, widget=DAY)
    end = forms.DateField(required=False, widget=DAY)
