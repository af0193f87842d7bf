from django import forms

from stoa.links.models import LinkSettings, Origin


class LinkSettingsForm(forms.ModelForm):
    """The owner's form on the links page; the same model validation as the API (stoa/links/actions.py)."""

    class Meta:
        model = LinkSettings
        fields = ["utm_enabled", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
                  "short_links_enabled"]


class ImportForm(forms.Form):
    origin = forms.ChoiceField(choices=[(o.value, o.label) for o in Origin if o != Origin.WEBHOOK])
    file = forms.FileField()
    period_start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class CostForm(forms.Form):
    campaign = forms.CharField(max_length=200)
    period_start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    note = forms.CharField(max_length=200, required=False)


class PeriodForm(forms.Form):
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
