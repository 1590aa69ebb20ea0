"""The Local Offer: an Open Referral UK (HSDS 3.0, UK profile) directory of services, with the
SEND facets and Schedule 2 information parents look for, editorial versions and approval,
anonymous search logging, and feedback with published responses.

The ORUK tables (``Organization`` … ``Attribute``) map one-to-one onto the profile's tables and
keep its field names, and their primary keys are the profile's UUIDs, so that a record keeps its
identity between this directory, the public API and any directory that imports it. Fields that
are not in the profile (who owns a service, when it was checked, whether it is public) are ours
and say so in their help text. See docs/adr/0014-local-offer-oruk.md.

What the public sees of a service is its normalised rows; they change only when a revision is
approved (``ServiceRevision``) or an import is applied, both through ``opensend.directory``
services. A revision holds the whole service as an ORUK document, so versions can be kept and
compared whatever the tables look like later.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from opensend.core.models import Area, Organisation, User

__all__ = [
    "Accessibility",
    "Address",
    "AddressType",
    "Attribute",
    "Contact",
    "CostOption",
    "DirectorySettings",
    "Feedback",
    "FeedbackAbout",
    "FeedbackStatus",
    "FeedbackTheme",
    "Funding",
    "HowToAccess",
    "ImportRun",
    "ImportedRecord",
    "Language",
    "Location",
    "LocationType",
    "Organization",
    "OrganizationIdentifier",
    "Phone",
    "Postcode",
    "RevisionState",
    "Schedule",
    "Schedule2Answer",
    "Schedule2Topic",
    "SearchIndexStamp",
    "SearchLog",
    "SearchTerm",
    "Service",
    "ServiceArea",
    "ServiceAtLocation",
    "ServiceCheck",
    "ServiceRevision",
    "ServiceStatus",
    "Taxonomy",
    "TaxonomyTerm",
]


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class DirectorySettings(models.Model):
    """How an area runs its Local Offer."""

    area = models.OneToOneField(Area, on_delete=models.CASCADE, related_name="directory_settings")
    title = models.CharField(max_length=120, default="Local Offer")
    review_interval_days = models.PositiveIntegerField(
        default=365, help_text="A service not checked for this long is flagged to its owner."
    )
    grace_period_days = models.PositiveIntegerField(
        default=90,
        help_text="Days after the review is due before an unchecked service is hidden.",
    )
    feedback_email = models.EmailField(
        blank=True, help_text="Where staff are told of new feedback; blank for none."
    )
    accessibility_statement = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "directory settings"

    def __str__(self) -> str:
        return f"{self.title} for {self.area.name}"


# --- Taxonomies --------------------------------------------------------------------------------


class Taxonomy(models.Model):
    """ORUK ``taxonomy``. ``area`` is blank for the built-in SEND taxonomy shared by all areas."""

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="taxonomies"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    uri = models.URLField(max_length=500, blank=True)
    version = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    """ORUK ``taxonomy_term``. ``term`` is the code (e.g. a census need code ``ASD``)."""

    class Facet(models.TextChoices):
        CATEGORY = "category", "Category"
        NEED = "need", "Need met"
        ACCESSIBILITY = "accessibility", "Accessibility"
        SUITABILITY = "suitability", "Suitable for"
        SCHEDULE2 = "schedule2", "Provider information"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.CASCADE, related_name="terms")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    term = models.CharField(max_length=100, blank=True)
    term_uri = models.URLField(max_length=500, blank=True)
    facet = models.CharField(
        max_length=16,
        choices=Facet.choices,
        default=Facet.OTHER,
        help_text="OpenSEND: which search filter the term belongs to.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="OpenSEND: display order.")

    class Meta:
        ordering = ["taxonomy", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["taxonomy", "term"],
                condition=~Q(term=""),
                name="directory_term_code_unique_in_taxonomy",
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Organisations ----------------------------------------------------------------------------


class Organization(models.Model):
    """ORUK ``organization``: who provides services in the directory.

    ``owner`` links it to an organisation that signs in to OpenSEND, whose provider users may
    then edit its services."""

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="directory_organizations")
    name = models.CharField(max_length=255)
    description = models.TextField()
    email = models.EmailField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    logo = models.URLField(max_length=500, blank=True)
    uri = models.URLField(max_length=500, blank=True)
    parent_organization = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_organizations",
        help_text="OpenSEND: the signed-in organisation whose providers edit these services.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationIdentifier(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="identifiers"
    )
    identifier_scheme = models.CharField(max_length=50, blank=True)
    identifier_type = models.CharField(max_length=100)
    identifier = models.CharField(max_length=100)

    def __str__(self) -> str:
        return f"{self.identifier_type} {self.identifier}"


# --- Services ---------------------------------------------------------------------------------


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    DEFUNCT = "defunct", "Defunct"
    TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"


class HowToAccess(models.TextChoices):
    SELF_REFERRAL = "self", "Families can contact the service themselves"
    REFERRAL = "referral", "Needs a referral"
    EITHER = "either", "Self-referral or referral"
    DROP_IN = "drop_in", "Drop in, no referral needed"


class ServiceQuerySet(models.QuerySet["Service"]):
    def public(self, today: dt.date | None = None) -> ServiceQuerySet:
        """What the public sees: approved, current, not archived or hidden, and active or
        temporarily closed."""
        today = today or timezone.localdate()
        return self.filter(
            published_revision__isnull=False,
            archived_at__isnull=True,
            stale_hidden_at__isnull=True,
            status__in=[ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED],
        ).filter(Q(publish_from__isnull=True) | Q(publish_from__lte=today))

    def not_public(self, today: dt.date | None = None) -> ServiceQuerySet:
        """Exactly the services ``public(today)`` leaves out (without a subquery: the search
        asks for these on every search, and there are few)."""
        today = today or timezone.localdate()
        return self.filter(
            Q(published_revision__isnull=True)
            | Q(archived_at__isnull=False)
            | Q(stale_hidden_at__isnull=False)
            | ~Q(status__in=[ServiceStatus.ACTIVE, ServiceStatus.TEMPORARILY_CLOSED])
            | Q(publish_from__gt=today)
        )


class Service(models.Model):
    """ORUK ``service``, with OpenSEND's editorial fields.

    Public when it has an approved version, is not archived, hidden or scheduled for later, and
    its ORUK status is active or temporarily closed (``Service.objects.public()``)."""

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="directory_services")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    fees = models.TextField(blank=True)
    accreditations = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = models.EmailField(blank=True)
    alert = models.TextField(blank=True)
    last_modified = models.DateTimeField(help_text="When the public record last changed.")

    # OpenSEND fields, not in the profile.
    how_to_access = models.CharField(
        max_length=16, choices=HowToAccess.choices, blank=True, help_text="OpenSEND."
    )
    referral_by = models.CharField(
        max_length=255,
        blank=True,
        help_text="OpenSEND: who can refer (e.g. GP, school, health visitor).",
    )
    published_revision = models.ForeignKey(
        "ServiceRevision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="OpenSEND: the approved version the public sees; blank until first approval.",
    )
    publish_from = models.DateField(
        null=True, blank=True, help_text="OpenSEND: scheduled; public from this date."
    )
    reopens_on = models.DateField(
        null=True, blank=True, help_text="OpenSEND: when a temporarily closed service reopens."
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="OpenSEND: when its owner last confirmed it is right."
    )
    stale_notified_at = models.DateTimeField(null=True, blank=True)
    stale_hidden_at = models.DateTimeField(
        null=True, blank=True, help_text="OpenSEND: hidden because it was not reviewed in time."
    )
    imported_from = models.ForeignKey(
        "ImportedRecord", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["area", "status"], name="directory_service_area_status"),
            # every search asks which of the area's services are not public today: with every
            # column that asks about in one narrow index, the answer never reads the table
            models.Index(
                fields=[
                    "area",
                    "status",
                    "publish_from",
                    "stale_hidden_at",
                    "archived_at",
                    "published_revision",
                    "id",
                ],
                name="directory_service_visibility",
            ),
            models.Index(fields=["last_checked_at"], name="directory_service_checked"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(minimum_age__isnull=True)
                | Q(maximum_age__isnull=True)
                | Q(minimum_age__lte=models.F("maximum_age")),
                name="directory_service_age_range",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Schedule2Topic(models.TextChoices):
    """SEND Regulations 2014 Schedule 2 paragraph 5: what an education provider publishes."""

    APPROACH = "approach", "Approach to teaching"
    ADAPTATIONS = "adaptations", "Adaptations to the curriculum and learning environment"
    PROGRESS = "progress", "How progress is assessed and reviewed"
    FACILITIES = "facilities", "Facilities"
    ACTIVITIES = "activities", "Activities beyond the classroom"
    EXPERTISE = "expertise", "Staff expertise and training"
    WELLBEING = "wellbeing", "Support for emotional and social development"


class Schedule2Answer(models.Model):
    """A structured answer to one Schedule 2 question: options chosen from the topic's list
    (``opensend.directory.schedule2``) and what the provider adds in its own words."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedule2")
    topic = models.CharField(max_length=16, choices=Schedule2Topic.choices)
    options = models.JSONField(default=list, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["service", "topic"]
        constraints = [
            models.UniqueConstraint(fields=["service", "topic"], name="directory_s2_one_per_topic")
        ]

    def __str__(self) -> str:
        return f"{self.service} – {self.get_topic_display()}"


class RevisionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Returned"
    SUPERSEDED = "superseded", "Superseded"


class ServiceRevision(models.Model):
    """A version of a service: the whole record as an ORUK service document, plus OpenSEND's
    extension under the ``"opensend"`` key (Schedule 2 answers, how to access)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    state = models.CharField(max_length=12, choices=RevisionState.choices)
    summary = models.CharField(max_length=255, blank=True, help_text="What changed, in a line.")
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["service", "number"]
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="directory_revision_number"),
            models.UniqueConstraint(
                fields=["service"],
                condition=Q(state__in=["draft", "submitted"]),
                name="directory_one_open_revision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} v{self.number} ({self.get_state_display()})"


class ServiceCheck(models.Model):
    """Someone confirmed the service's information is right (its "last checked" date)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-checked_at"]

    def __str__(self) -> str:
        return f"{self.service} checked {self.checked_at:%d %B %Y}"


# --- Locations --------------------------------------------------------------------------------


class LocationType(models.TextChoices):
    PHYSICAL = "physical", "Physical"
    POSTAL = "postal", "Postal"
    VIRTUAL = "virtual", "Virtual"


AddressType = LocationType


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="directory_locations")
    location_type = models.CharField(
        max_length=8, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    external_identifier = models.CharField(max_length=100, blank=True)
    external_identifier_type = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="directory_location_latlon")]

    def __str__(self) -> str:
        return self.name or str(self.id)


class Address(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=255, blank=True)
    address_1 = models.CharField(max_length=255)
    address_2 = models.CharField(max_length=255, blank=True, help_text="OpenSEND.")
    city = models.CharField(max_length=120)
    region = models.CharField(max_length=120, blank=True)
    state_province = models.CharField(max_length=120)
    postal_code = models.CharField(max_length=10)
    country = models.CharField(max_length=2, default="GB")
    address_type = models.CharField(
        max_length=8, choices=AddressType.choices, default=AddressType.PHYSICAL
    )

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city} {self.postal_code}"


class Accessibility(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="accessibility")
    description = models.TextField(blank=True)
    details = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    accessibility = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "accessibility"

    def __str__(self) -> str:
        return self.description or self.accessibility or str(self.id)


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="directory_sal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


# --- Contact details, times, areas, cost, funding ----------------------------------------------


class Contact(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True, help_text="OpenSEND.")

    def __str__(self) -> str:
        return self.name or self.title or str(self.id)


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=40)
    description = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return self.number


class Language(models.Model):
    """ORUK ``language``. The UK profile carries only the links; ``name`` and ``code`` (ISO 639)
    are HSDS 3.0 fields kept for display."""

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="languages"
    )
    phone = models.ForeignKey(
        Phone, on_delete=models.CASCADE, null=True, blank=True, related_name="languages"
    )
    name = models.CharField(max_length=100, blank=True)
    code = models.CharField(max_length=10, blank=True)

    def __str__(self) -> str:
        return self.name or self.code or str(self.id)


class Schedule(models.Model):
    """ORUK ``schedule`` (RFC 5545 recurrence): when a service runs, at all or at a location."""

    class Freq(models.TextChoices):
        WEEKLY = "WEEKLY", "Weekly"
        MONTHLY = "MONTHLY", "Monthly"

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="schedules",
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    freq = models.CharField(max_length=8, choices=Freq.choices, blank=True)
    interval = models.PositiveSmallIntegerField(null=True, blank=True)
    byday = models.CharField(
        max_length=40, blank=True, help_text="Comma-separated RFC 5545 days, e.g. MO,TU."
    )
    bymonthday = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    schedule_link = models.URLField(max_length=500, blank=True)
    attending_type = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.description or f"{self.freq} {self.byday} {self.opens_at}–{self.closes_at}"


class ServiceArea(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.CharField(max_length=255, blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=50, blank=True)
    uri = models.CharField(max_length=500, blank=True)
    service_area = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name or self.service_area or str(self.id)


class CostOption(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    option = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    amount_description = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.option} {self.amount}".strip()


class Funding(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="funding")
    source = models.TextField()

    def __str__(self) -> str:
        return self.source


class Attribute(models.Model):
    """ORUK ``attribute``: links a taxonomy term to any record (``link_id``). SEND facets travel
    this way: need met, accessibility, suitability and category, with ``link_type`` naming the
    facet. ``service`` is set when the link is to a service, so search can join on it."""

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes"
    )
    link_id = models.UUIDField()
    link_entity = models.CharField(
        max_length=32, default="service", help_text="HSDS 3.0: the table link_id points to."
    )
    link_type = models.CharField(max_length=50, blank=True)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, null=True, blank=True, related_name="attributes"
    )

    class Meta:
        indexes = [models.Index(fields=["link_id"], name="directory_attribute_link")]
        constraints = [
            models.UniqueConstraint(
                fields=["taxonomy_term", "link_id", "link_type"], name="directory_attribute_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.link_type}: {self.taxonomy_term_id}"


# --- Search --------------------------------------------------------------------------------


class SearchTerm(models.Model):
    """The search index: one row per stemmed word of a public service, with its weight (a word
    in the name counts for more than one in the description). Rebuilt when a service changes."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["term", "service"], name="directory_searchterm_term")]
        constraints = [
            models.UniqueConstraint(fields=["service", "term"], name="directory_searchterm_once")
        ]

    def __str__(self) -> str:
        return self.term


class SearchIndexStamp(models.Model):
    """Which version of an area's search index is current: a new random stamp each time any of
    its services is indexed or unindexed. Every web process keeps the area's index in memory
    and reads the stamp on each search (one small query) to know when to rebuild it; a random
    stamp, not a counter, so that a rolled-back change can never pass for a later one."""

    area = models.OneToOneField(
        Area, on_delete=models.CASCADE, primary_key=True, related_name="search_index_stamp"
    )
    stamp = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.stamp


class SearchLog(models.Model):
    """One public search, logged with nothing that identifies who made it: the words, the
    filters, the postcode district (never the full postcode) and how many results it found."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField()
    words = models.CharField(max_length=200, blank=True)
    filters = models.JSONField(default=dict, blank=True)
    postcode_district = models.CharField(max_length=4, blank=True)
    result_count = models.PositiveIntegerField()
    source = models.CharField(max_length=8, default="web", help_text="web or api")

    class Meta:
        indexes = [
            models.Index(fields=["area", "occurred_at"], name="directory_searchlog_when"),
            models.Index(fields=["area", "result_count"], name="directory_searchlog_found"),
        ]

    def __str__(self) -> str:
        return f"{self.words!r} ({self.result_count} results)"


class Postcode(models.Model):
    """A full postcode's centroid from the ONS Postcode Directory, loaded by an area for
    full-postcode precision (`opensend load-onspd`). Without it, district centroids are used."""

    postcode = models.CharField(max_length=8, primary_key=True, help_text="Normalised: 'SW1A 1AA'.")
    latitude = models.FloatField()
    longitude = models.FloatField()
    lad_code = models.CharField(max_length=9, blank=True, help_text="ONS local authority code.")
    terminated = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.postcode


# --- Import -----------------------------------------------------------------------------------


class ImportRun(models.Model):
    """One import of another directory's ORUK feed, with its report."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        COMPLETED = "completed", "Completed"
        COMPLETED_WITH_REJECTIONS = "rejections", "Completed with records rejected"
        FAILED = "failed", "Failed"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=500, help_text="The feed's URL or the file's name.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RUNNING)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list, blank=True, help_text="Rejected records: [{index, id, path, reason}]."
    )
    failure = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Import from {self.source} at {self.started_at:%d %B %Y %H:%M}"


class ImportedRecord(models.Model):
    """The raw record as another directory published it, kept beside the normalised service."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    feed = models.CharField(max_length=500, help_text="The feed's base URL or name.")
    external_id = models.CharField(max_length=100)
    raw = models.JSONField()
    raw_hash = models.CharField(max_length=64)
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, related_name="+")
    last_run = models.ForeignKey(ImportRun, on_delete=models.SET_NULL, null=True, related_name="+")
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "feed", "external_id"], name="directory_imported_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.feed} {self.external_id}"


# --- Feedback ---------------------------------------------------------------------------------


class FeedbackAbout(models.TextChoices):
    """SEND Regulations 2014 reg 56: comments on the Local Offer's content, accessibility and
    development, and on the services in it."""

    CONTENT = "content", "What is in the Local Offer"
    ACCESSIBILITY = "accessibility", "How easy it is to find and use"
    DEVELOPMENT = "development", "What should be added or changed"
    SERVICE = "service", "A service"
    GAP = "gap", "A service I needed but could not find"


class FeedbackStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Themed"
    ANSWERED = "answered", "Answered"
    PUBLISHED = "published", "Published"
    NOT_PUBLISHED = "withheld", "Answered, not for publication"


class FeedbackTheme(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="feedback_themes")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="directory_theme_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Feedback(models.Model):
    """A comment on the Local Offer or one of its services, and the area's answer.

    Who wrote it (``relationship``, and a contact address if they want a reply) is never
    published; what is published is the anonymised ``published_comment`` that staff write,
    with the response and the action taken ("you said, we did")."""

    class Relationship(models.TextChoices):
        PARENT = "parent", "Parent or carer"
        YOUNG_PERSON = "young_person", "Child or young person"
        PROFESSIONAL = "professional", "Professional"
        OTHER = "other", "Other"

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="local_offer_feedback")
    reference = models.CharField(max_length=12, unique=True)
    service = models.ForeignKey(
        Service, on_delete=models.SET_NULL, null=True, blank=True, related_name="feedback"
    )
    about = models.CharField(max_length=16, choices=FeedbackAbout.choices)
    comment = models.TextField()
    relationship = models.CharField(max_length=16, choices=Relationship.choices, blank=True)
    reply_email = models.EmailField(blank=True)
    received_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    themes = models.ManyToManyField(FeedbackTheme, related_name="feedback", blank=True)
    published_comment = models.TextField(
        blank=True, help_text="What is published: the comment with anything identifying removed."
    )
    response = models.TextField(blank=True)
    action = models.TextField(blank=True, help_text="What the area did or will do.")
    answered_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["area", "status"], name="directory_feedback_status")]

    def __str__(self) -> str:
        return self.reference
