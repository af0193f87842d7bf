"""The publications' input as forms: each check and its words in one place, read by the pages and checked again by
the actions the API calls, so the page and the API refuse the same bad input in the same words."""

from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NOT_A_LINK = _("Give the post's address on the network (https://...), or leave it empty.")


class ResolveForm(forms.Form):
    """Where a publication whose outcome was unknown went out, as the person found it on the network. Only a web
    address: it is shown as the publication's link."""

    url = forms.URLField(required=False, max_length=500, assume_scheme="https", error_messages={
        "invalid": NOT_A_LINK, "max_length": NOT_A_LINK})

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise ValidationError(NOT_A_LINK)
        return url


class CsvImportForm(forms.Form):
    """The CSV import page: the file, and which button: check it (imports nothing) or import it. Its size is checked
    by the same action as the API's import (posts.actions.check_upload_size), before it is read."""

    file = forms.FileField(error_messages={"required": _("Choose a CSV file first."),
                                           "empty": _("The file is empty.")})
    action = forms.CharField(required=False)

    def dry_run(self) -> bool:
        return self.cleaned_data["action"] != "import"
