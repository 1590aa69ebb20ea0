"""Statutory returns in and out. The school census SEN import: each upload is one
``CensusImport`` run, kept as the record of what was checked and imported, when and by whom.
The SEN2 return: each generation is one ``SEN2Return``, kept with its XML, its figures and
every problem the checks found.

Writes go through ``opensend.returns.services``; reads through ``opensend.returns.selectors``.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone

from opensend.core.models import Area, User


class CensusImportStatus(models.TextChoices):
    CHECKED_WITH_ERRORS = "checked_with_errors", "Checked: errors found, nothing imported"
    IMPORTED = "imported", "Imported"
    IMPORTED_VALID_ROWS = "imported_valid_rows", "Valid rows imported"
    REFUSED = "refused", "Refused"


class CensusFileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel workbook (XLSX)"


class CensusImport(models.Model):
    """One school census SEN file for an area: checked, then imported whole, imported for its
    valid rows only, or refused.

    The file's contents (``CensusImportFile``) are kept only while an import of its valid rows
    may still be asked for (status "checked with errors"); they are deleted when it is
    imported, and when a later file for the area replaces it. The row-by-row error list is kept
    as the record of what was refused.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="census_imports")
    census_date = models.DateField()
    uploaded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for a scheduled load by the system.",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField("file SHA-256", max_length=64)
    file_format = models.CharField(max_length=4, choices=CensusFileFormat.choices)
    status = models.CharField(max_length=24, choices=CensusImportStatus.choices)
    refusal_reason = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(default=0)
    valid_row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="Each problem row: row, field, value, problem."
    )
    notices = models.JSONField(default=list, blank=True)
    imported_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(
                fields=["area", "status", "census_date"], name="census_import_area_status"
            ),
            models.Index(fields=["area", "uploaded_at"], name="census_import_area_uploaded"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} for {self.census_date:%-d %B %Y} ({self.get_status_display()})"

    @property
    def invalid_row_count(self) -> int:
        return self.row_count - self.valid_row_count

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def is_imported(self) -> bool:
        return self.status in {CensusImportStatus.IMPORTED, CensusImportStatus.IMPORTED_VALID_ROWS}

    @property
    def holds_file(self) -> bool:
        """Whether the uploaded file is still kept (selectors annotate this; otherwise asked)."""
        annotated = getattr(self, "file_is_held", None)
        if annotated is not None:
            return bool(annotated)
        return CensusImportFile.objects.filter(pk=self.pk).exists()

    @property
    def can_import_valid_rows(self) -> bool:
        """Nothing imported yet, some rows are valid, and the file is still held."""
        return (
            self.status == CensusImportStatus.CHECKED_WITH_ERRORS
            and self.valid_row_count > 0
            and self.holds_file
        )

    def error_list(self) -> list[dict[str, Any]]:
        value: list[dict[str, Any]] = list(self.errors or [])
        return value


class CensusImportFile(models.Model):
    """The uploaded file of a census import, held only until it is imported or replaced: it
    holds children's data, so it is deleted as soon as it is no longer needed."""

    census_import = models.OneToOneField(
        CensusImport, on_delete=models.CASCADE, primary_key=True, related_name="held_file"
    )
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"File of {self.census_import}"


class SEN2ReturnStatus(models.TextChoices):
    READY = "ready", "Ready to submit"
    HAS_ERRORS = "has_errors", "Errors to fix"


class DesignatedOfficer(models.TextChoices):
    """SEN2 ``DMO`` and ``DCO``: whether the area has a designated medical or clinical
    officer."""

    YES = "Y", "Yes"
    NO = "N", "No"


class SEN2Return(models.Model):
    """One generated SEN2 return for an area and collection year: the XML as generated, the
    figures it implies and every problem found, with who generated it and when.

    The XML holds children's data (names, dates of birth, UPNs): it is kept as the record of
    what was submitted, and every download is written to the access log as an export.
    """

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="sen2_returns")
    collection_year = models.PositiveSmallIntegerField()
    reference_date = models.DateField()
    serial_no = models.PositiveIntegerField(
        help_text="Numbers the returns of an area and year: the SEN2 header's SerialNo."
    )
    generated_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the system generated it.",
    )
    generated_at = models.DateTimeField(default=timezone.now)
    software_release = models.CharField(max_length=20)
    dmo = models.CharField(
        "designated medical officer (DMO)", max_length=1, choices=DesignatedOfficer.choices
    )
    dco = models.CharField(
        "designated clinical officer (DCO)", max_length=1, choices=DesignatedOfficer.choices
    )
    status = models.CharField(max_length=16, choices=SEN2ReturnStatus.choices)
    person_count = models.PositiveIntegerField(default=0)
    request_count = models.PositiveIntegerField(default=0)
    active_plan_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list,
        blank=True,
        help_text="Each problem: rule code, field, message, child, person, where, value.",
    )
    figures = models.JSONField(default=dict, blank=True)
    child_ids = models.JSONField(
        default=list,
        blank=True,
        help_text="The children in the return, for the access log entry of each download.",
    )
    xml = models.TextField("XML")
    xml_sha256 = models.CharField("XML SHA-256", max_length=64)

    class Meta:
        ordering = ["-generated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "collection_year", "serial_no"], name="sen2_serial_once"
            ),
        ]
        indexes = [
            models.Index(fields=["area", "collection_year", "generated_at"], name="sen2_area_year"),
        ]

    def __str__(self) -> str:
        return f"SEN2 {self.collection_year} for {self.area} (no. {self.serial_no:03d})"

    @property
    def is_ready(self) -> bool:
        return self.status == SEN2ReturnStatus.READY

    @property
    def file_name(self) -> str:
        return f"SEN2_{self.collection_year}_{self.area.la_code}_{self.serial_no:03d}.xml"

    def problem_list(self) -> list[dict[str, Any]]:
        value: list[dict[str, Any]] = list(self.problems or [])
        return value
