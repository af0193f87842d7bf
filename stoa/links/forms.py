from django import forms

from stoa.links.models import LinkSettings


class LinkSettingsForm(forms.ModelForm):
    """The owner's form on the links page; the same model validation as the API (stoa/links/actions.py)."""

    class Meta:
        model = LinkSettings
        fields = ["utm_enabled", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
                  "short_links_enabled"]
