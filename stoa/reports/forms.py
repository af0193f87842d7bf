from __future__ import annotations

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from stoa.reports.models import ReportTemplate, Section, all_sections


class ReportTemplateForm(forms.ModelForm):
    # Declared here for its checkboxes, so the model's default (every section) is given again: a new report has
    # them all ticked.
    sections = forms.MultipleChoiceField(choices=Section.choices, widget=forms.CheckboxSelectMultiple,
                                         label=_("Sections"), initial=all_sections)

    class Meta:
        model = ReportTemplate
        fields = ["name", "sections", "period", "custom_start", "custom_end", "language", "colour", "logo",
                  "frequency", "recipients"]
        widgets = {"custom_start": forms.DateInput(attrs={"type": "date"}),
                   "custom_end": forms.DateInput(attrs={"type": "date"}),
                   "colour": forms.TextInput(attrs={"type": "color"}),
                   "recipients": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"recipients": _("Email addresses, one a line."),
                      "period": _("A report sent by email covers this period on the day it is sent; custom dates "
                                  "give way to the last whole week (weekly) or month (monthly)."),
                      "frequency": _("Weekly on Mondays, monthly on the first of the month, at 08:00 in the "
                                     "workspace's timezone.")}

    def clean_recipients(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["recipients"].splitlines() if line.strip()]
        for line in lines:
            validate_email(line)
        return "\n".join(lines)

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("period") == "custom":
            first, last = data.get("custom_start"), data.get("custom_end")
            if not (first and last) or last < first:
                self.add_error("custom_end", _("Give the first and the last day of a custom period, in order."))
        if data.get("frequency", "never") != "never" and not data.get("recipients"):
            self.add_error("recipients", _("A report sent on a schedule needs at least one recipient."))
        return data
