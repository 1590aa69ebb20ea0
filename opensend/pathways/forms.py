"""The provider's return upload form: the file only; what it holds is checked by the service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

ALLOWED_SUFFIXES = (".csv", ".xlsx")


class ReturnUploadForm(forms.Form):
    file = forms.FileField(
        error_messages={
            "required": "Select the return file",
            "empty": "The selected file is empty",
            "invalid": "Select the return file",
        }
    )

    @property
    def max_bytes(self) -> int:
        return int(settings.OPENSEND_MAX_IMPORT_BYTES)

    @property
    def max_size_text(self) -> str:
        return f"{self.max_bytes / (1024 * 1024):g} MB"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError("The selected file must be a CSV or XLSX file")
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                f"The selected file must be smaller than {self.max_size_text}"
            )
        return upload
