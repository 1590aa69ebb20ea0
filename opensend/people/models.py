"""The joint child record: one record of each child and young person (0–25) across
education, health and care, so that families tell their story once.

Writes go through ``opensend.people.services``; reads through ``opensend.people.selectors``,
which apply the access policy in ``opensend.people.policy``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from opensend.core.calendar import age_on, national_curriculum_year
from opensend.core.codes import AgencyType, Ethnicity, NeedRank, SENNeed, SENProvision, Sex
from opensend.core.identifiers import validate_nhs_number, validate_uln, validate_upn
from opensend.core.models import Area, Organisation, User, postcode_validator
from opensend.people.phases import Phase, phase_for_year


class SENStatus(models.TextChoices):
    """A child's SEN status over time: none, SEN support (K) or an EHC plan (E)."""

    NONE = SENProvision.NONE.value, "No SEN"
    SEN_SUPPORT = SENProvision.SEN_SUPPORT.value, "SEN support"
    EHC_PLAN = SENProvision.EHC_PLAN.value, "EHC plan"


class RecordSource(models.TextChoices):
    """Where a fact on the record came from."""

    CENSUS = "census", "School census import"
    MANUAL = "manual", "Entered by staff"
    EHC = "ehc", "EHC process"
    SYNTHETIC = "synthetic", "Synthetic data generator"
    API = "api", "Partner system"


class Child(models.Model):
    """A child or young person aged 0 to 25 known to the SEND partnership."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="children")
    upn = models.CharField("UPN", max_length=13, blank=True, validators=[validate_upn])
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, validators=[validate_nhs_number]
    )
    uln = models.CharField("ULN", max_length=10, blank=True, validators=[validate_uln])
    forename = models.CharField("legal first name", max_length=100)
    middle_names = models.CharField(max_length=150, blank=True)
    surname = models.CharField("legal last name", max_length=100)
    preferred_forename = models.CharField("preferred first name", max_length=100, blank=True)
    preferred_surname = models.CharField("preferred last name", max_length=100, blank=True)
    former_surname = models.CharField("former last name", max_length=100, blank=True)
    date_of_birth = models.DateField()
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(max_length=4, choices=Ethnicity.choices, blank=True)
    home_postcode = models.CharField(max_length=8, blank=True, validators=[postcode_validator])
    postcode_district = models.CharField(max_length=4, blank=True, db_index=True, editable=False)

    # The current SEN status and primary need, kept equal to the open SENStatusPeriod and the
    # open rank-1 Need by the services that change those (docs/adr/0005-child-record.md), so
    # that area-wide counts and lists need no join.
    sen_status = models.CharField(
        max_length=1, choices=SENStatus.choices, default=SENStatus.NONE, editable=False
    )
    primary_need = models.CharField(
        max_length=4, choices=SENNeed.choices, blank=True, editable=False
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["surname", "forename", "date_of_birth"]
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(fields=["upn"], condition=~Q(upn=""), name="child_upn_unique"),
            models.UniqueConstraint(
                fields=["nhs_number"], condition=~Q(nhs_number=""), name="child_nhs_unique"
            ),
            models.UniqueConstraint(fields=["uln"], condition=~Q(uln=""), name="child_uln_unique"),
            models.CheckConstraint(
                condition=Q(date_of_death__isnull=True) | Q(date_of_death__gte=F("date_of_birth")),
                name="child_death_after_birth",
            ),
        ]
        indexes = [
            models.Index(fields=["area", "sen_status", "primary_need"]),
            models.Index(fields=["area", "date_of_birth"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["surname", "forename"]),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        forename = self.preferred_forename or self.forename
        surname = self.preferred_surname or self.surname
        return f"{forename} {surname}"

    @property
    def legal_name(self) -> str:
        return " ".join(part for part in (self.forename, self.middle_names, self.surname) if part)

    def age(self, on: dt.date | None = None) -> int:
        return age_on(self.date_of_birth, on or timezone.localdate())

    def year_group(self, on: dt.date | None = None) -> int:
        return national_curriculum_year(self.date_of_birth, on or timezone.localdate())

    def phase(self, on: dt.date | None = None) -> Phase:
        return phase_for_year(self.year_group(on))

    def clean(self) -> None:
        errors: dict[str, str] = {}
        today = timezone.localdate()
        if self.date_of_birth and self.date_of_birth > today:
            errors["date_of_birth"] = "Date of birth must be today or in the past."
        elif self.date_of_birth and age_on(self.date_of_birth, today) > 25 and self._state.adding:
            errors["date_of_birth"] = (
                "OpenSEND records children and young people up to 25; this date of birth "
                "makes them older."
            )
        if self.date_of_death and self.date_of_death > today:
            errors["date_of_death"] = "Date of death must be today or in the past."
        if errors:
            raise ValidationError(errors)


#: The fields that say who a child is, which people enter and correct (services.child_create
#: and child_update take these); the rest of a Child row is derived or kept by the services.
CHILD_IDENTITY_FIELDS = (
    "upn",
    "nhs_number",
    "uln",
    "forename",
    "middle_names",
    "surname",
    "preferred_forename",
    "preferred_surname",
    "former_surname",
    "date_of_birth",
    "date_of_death",
    "sex",
    "ethnicity",
    "home_postcode",
)


class ChildNameToken(models.Model):
    """A normalised part of one of a child's names (legal, preferred or former), for fast
    prefix search on SQLite and PostgreSQL alike. Maintained by the services."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="name_tokens")
    token = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "token"], name="child_token_once")]
        indexes = [models.Index(fields=["token", "child"])]

    def __str__(self) -> str:
        return self.token


class SENStatusPeriod(models.Model):
    """A period during which a child had a SEN status. At most one period is open."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="sen_status_periods")
    status = models.CharField(max_length=1, choices=SENStatus.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=RecordSource.choices)
    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"], condition=Q(end_date__isnull=True), name="one_open_sen_status"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="sen_status_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} from {self.start_date}"


class Need(models.Model):
    """A special educational need or disability, by census need code, with its rank (primary or
    secondary) and who identified it."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="needs")
    code = models.CharField(max_length=4, choices=SENNeed.choices)
    rank = models.PositiveSmallIntegerField(choices=NeedRank.choices, null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    source_agency = models.CharField(max_length=16, choices=AgencyType.choices)
    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=16, choices=RecordSource.choices)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "rank", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "rank"],
                condition=Q(end_date__isnull=True) & Q(rank__isnull=False),
                name="one_open_need_per_rank",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="need_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["code", "rank"])]

    def __str__(self) -> str:
        return self.get_code_display()


class PlacementKind(models.TextChoices):
    SOLE = "sole", "Sole registration"
    DUAL_MAIN = "dual_main", "Dual registration (main)"
    DUAL_SUBSIDIARY = "dual_subsidiary", "Dual registration (subsidiary)"
    PART_TIME = "part_time", "Part-time"
    ALTERNATIVE = "alternative", "Alternative provision"


class Placement(models.Model):
    """Where a child is educated: a setting, from a date, until a date. A placement at a
    setting in another area than the child's is out of area."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="placements")
    setting = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="placements")
    kind = models.CharField(
        max_length=16, choices=PlacementKind.choices, default=PlacementKind.SOLE
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    is_residential = models.BooleanField(default=False)
    in_sen_unit = models.BooleanField("in an SEN unit", default=False)
    in_resourced_provision = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=RecordSource.choices)

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="placement_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["setting", "end_date"])]

    def __str__(self) -> str:
        return f"{self.setting} from {self.start_date}"

    @property
    def is_out_of_area(self) -> bool:
        """Derived, never stored: the setting is in another area than the child's."""
        return (
            self.setting.home_area_id is not None
            and self.setting.home_area_id != self.child.area_id
        )

    def is_current(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class FlagKind(models.TextChoices):
    CHILD_IN_NEED = "cin", "Child in need"
    CHILD_PROTECTION = "cp", "Child protection plan"
    LOOKED_AFTER = "lac", "Looked after"
    CARE_LEAVER = "care_leaver", "Care leaver"
    DISABILITY_REGISTER = "disability_register", "On the disability register"
    YOUNG_CARER = "young_carer", "Young carer"
    FREE_SCHOOL_MEALS = "fsm", "Free school meals"
    EAL = "eal", "English as an additional language"


class ChildFlag(models.Model):
    """A circumstance that matters to how a child is supported, with the dates it applied."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=24, choices=FlagKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    source_agency = models.CharField(max_length=16, choices=AgencyType.choices)
    source_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=16, choices=RecordSource.choices)

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind"], condition=Q(end_date__isnull=True), name="one_open_flag"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="flag_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["kind", "end_date"])]

    def __str__(self) -> str:
        return self.get_kind_display()


class Relationship(models.TextChoices):
    MOTHER = "mother", "Mother"
    FATHER = "father", "Father"
    STEP_PARENT = "step_parent", "Step-parent"
    GRANDPARENT = "grandparent", "Grandparent"
    FOSTER_CARER = "foster_carer", "Foster carer"
    SPECIAL_GUARDIAN = "special_guardian", "Special guardian"
    CORPORATE_PARENT = "corporate_parent", "Corporate parent (the local authority)"
    OTHER_RELATIVE = "other_relative", "Other relative"
    OTHER = "other", "Other"


class FamilyContact(models.Model):
    """Someone in the child's family or care network, and whether they hold parental
    responsibility. A contact may have a user account to sign in as a parent carer."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(max_length=150)
    relationship = models.CharField(max_length=24, choices=Relationship.choices)
    has_parental_responsibility = models.BooleanField()
    is_main_contact = models.BooleanField(default=False)
    lives_with_child = models.BooleanField(default=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[postcode_validator])
    preferred_language = models.CharField(max_length=60, blank=True)
    needs_interpreter = models.BooleanField(default=False)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="family_contacts"
    )

    class Meta:
        ordering = ["child", "-is_main_contact", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "user"], condition=Q(user__isnull=False), name="contact_user_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_relationship_display()})"


class ConsentPurpose(models.TextChoices):
    SHARE_EHC_PARTNERS = (
        "share_ehc",
        "Share with education, health and care partners for the EHC process",
    )
    SHARE_HEALTH = "share_health", "Share with health services"
    SHARE_SOCIAL_CARE = "share_social_care", "Share with social care"
    SHARE_SCHOOL = "share_school", "Share with the school or college"
    CONTACT_BY_EMAIL = "contact_email", "Contact by email"
    VOICE_AND_FEEDBACK = "voice", "Be invited to give feedback and take part in co-production"


class Consent(models.Model):
    """Consent given for a purpose, by whom, when; and when withdrawn."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=24, choices=ConsentPurpose.choices)
    given_by_contact = models.ForeignKey(
        FamilyContact, on_delete=models.PROTECT, null=True, blank=True, related_name="consents"
    )
    given_by_young_person = models.BooleanField(default=False)
    given_on = models.DateField()
    withdrawn_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["child", "-given_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(given_by_contact__isnull=False) | Q(given_by_young_person=True),
                name="consent_has_giver",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]

    def __str__(self) -> str:
        return self.get_purpose_display()

    @property
    def given_by(self) -> str:
        if self.given_by_young_person:
            return "The young person"
        return str(self.given_by_contact) if self.given_by_contact else ""

    @property
    def is_active(self) -> bool:
        return self.withdrawn_on is None


class InvolvementKind(models.TextChoices):
    REFERRAL = "referral", "Referred to the service"
    OPEN_CASE = "open_case", "Open case"
    ALLOCATED_WORKER = "allocated_worker", "Allocated worker"
    ADVICE_REQUEST = "advice_request", "Asked for advice"


class Involvement(models.Model):
    """An organisation working with a child: the legitimate relationship that lets its health
    or social care staff see the child's record while it lasts."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="involvements")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="involvements"
    )
    kind = models.CharField(max_length=24, choices=InvolvementKind.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["child", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="involvement_ends_after_start",
            )
        ]
        indexes = [models.Index(fields=["organisation", "end_date"])]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_kind_display()}"
