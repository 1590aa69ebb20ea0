"""The census upload form: the census date (GOV.UK date input), the area and the file.
Checks the input only; what the file contains is checked by the service."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from opensend.core.codes import latest_census_day
from opensend.core.models import Area

DATE_PARTS = ("census_date_day", "census_date_month", "census_date_year")
ALLOWED_SUFFIXES = (".csv", ".xlsx")


def default_census_date(today: dt.date | None = None) -> dt.date:
    """The latest census day before today."""
    day = today or timezone.localdate()
    return latest_census_day(day - dt.timedelta(days=1))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


class CensusUploadForm(forms.Form):
    census_date_day = forms.CharField(required=False, max_length=2)
    census_date_month = forms.CharField(required=False, max_length=2)
    census_date_year = forms.CharField(required=False, max_length=4)
    area = forms.TypedChoiceField(coerce=int, error_messages={"required": "Select the area"})
    file = forms.FileField(
        error_messages={
            "required": "Select the census file",
            "empty": "The selected file is empty",
            "invalid": "Select the census file",
        }
    )

    def __init__(self, *args: Any, areas: list[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.date_error_parts: set[str] = set()
        self.areas = {area.pk: area for area in areas}
        self.fields["area"].choices = [(area.pk, area.name) for area in areas]  # type: ignore[attr-defined]
        if len(areas) == 1:
            self.fields["area"].initial = areas[0].pk
        census = default_census_date()
        self.fields["census_date_day"].initial = str(census.day)
        self.fields["census_date_month"].initial = str(census.month)
        self.fields["census_date_year"].initial = str(census.year)

    @property
    def max_bytes(self) -> int:
        return int(settings.OPENSEND_MAX_IMPORT_BYTES)

    @property
    def max_size_text(self) -> str:
        return _megabytes(self.max_bytes)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError("The selected file must be a CSV or XLSX file")
        if upload.size > self.max_bytes:
            raise forms.ValidationError(
                f"The selected file must be smaller than {self.max_size_text}"
            )
        return upload

    def _date_error(self, message: str, parts: tuple[str, ...] = DATE_PARTS) -> None:
        self.date_error_parts = set(parts)
        self.add_error(parts[0], message)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.date_error_parts = set()
        parts = {name: (self.data.get(name) or "").strip() for name in DATE_PARTS}
        labels = dict(zip(DATE_PARTS, ("day", "month", "year"), strict=True))
        missing = tuple(name for name, value in parts.items() if not value)
        if len(missing) == len(DATE_PARTS):
            self._date_error("Enter the census date")
            return cleaned
        if missing:
            words = " and ".join(labels[name] for name in missing)
            self._date_error(f"The census date must include a {words}", missing)
            return cleaned
        if len(parts["census_date_year"]) != 4:
            self._date_error("The year must include 4 numbers", ("census_date_year",))
            return cleaned
        try:
            day, month, year = (int(parts[name]) for name in DATE_PARTS)
            census_date = dt.date(year, month, day)
        except ValueError:
            self._date_error("The census date must be a real date")
            return cleaned
        if census_date > timezone.localdate():
            self._date_error("The census date must be today or in the past")
            return cleaned
        cleaned["census_date"] = census_date
        return cleaned

    @property
    def date_error(self) -> str | None:
        for name in DATE_PARTS:
            errors = self.errors.get(name)
            if errors:
                return str(errors[0])
        return None

    def date_part_has_error(self, name: str) -> bool:
        return name in self.date_error_parts or name in self.errors

    @property
    def area_object(self) -> Area:
        return self.areas[int(self.cleaned_data["area"])]


# --- the SEN2 return ----------------------------------------------------------------------

YES_NO = [("Y", "Yes"), ("N", "No")]


class SEN2GenerateForm(forms.Form):
    """Which area and collection year to generate, and the two header items the case data
    does not hold: whether the area has a designated medical and clinical officer."""

    area = forms.TypedChoiceField(coerce=int, error_messages={"required": "Select the area"})
    year = forms.TypedChoiceField(
        coerce=int,
        error_messages={
            "required": "Select the collection year",
            "invalid_choice": "Select a collection year from the list",
        },
    )
    dmo = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if the area has a designated medical officer",
            "invalid_choice": "Select yes if the area has a designated medical officer",
        },
    )
    dco = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select yes if the area has a designated clinical officer",
            "invalid_choice": "Select yes if the area has a designated clinical officer",
        },
    )

    def __init__(
        self,
        *args: Any,
        areas: list[Area],
        years: list[int],
        area: Area | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.areas = {option.pk: option for option in areas}
        self.fields["area"].choices = [(option.pk, option.name) for option in areas]  # type: ignore[attr-defined]
        self.fields["year"].choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]
        if area is not None:
            self.fields["area"].initial = area.pk
        elif len(areas) == 1:
            self.fields["area"].initial = areas[0].pk
        if years:
            self.fields["year"].initial = years[-1]

    @property
    def area_object(self) -> Area:
        return self.areas[int(self.cleaned_data["area"])]


class SEN2DownloadForm(forms.Form):
    """Downloading a return that has errors needs the user to say so."""

    confirm = forms.BooleanField(
        error_messages={
            "required": "Confirm that you want to download the return with its errors",
        }
    )
