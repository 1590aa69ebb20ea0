"""Statutory returns in and out. The school census SEN import: each upload is one
``CensusImport`` run, kept as the record of what was checked and imported, when and by whom.

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
