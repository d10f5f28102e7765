"""The import page's upload form."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("CSV or Excel (.xlsx), up to %(rows)s rows and %(size)s MB.") % {
            "rows": f"{settings.IMPORT_MAX_ROWS:,}", "size": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"}
