"""Code lists of joint commissioning, shared by the models, forms, API, exports and (later) the
gap analysis, so "sensory OT" means the same thing in a contract, a spot purchase and a gap."""

from __future__ import annotations

from django.db import models

from opensend.core.roles import OrganisationKind


class Arrangement(models.TextChoices):
    """How the partners commission a service together."""

    SOLE = "sole", "Sole commissioner"
    LEAD = "lead", "Lead commissioner"
    ALIGNED = "aligned", "Aligned budgets"
    POOLED = "pooled", "Pooled budget (NHS Act 2006 section 75)"


#: Arrangements where the contributions must add up to the value of the contract.
SHARED_ARRANGEMENTS = frozenset({Arrangement.ALIGNED, Arrangement.POOLED})


class CommissionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    PROCURING = "procuring", "Procuring"
    LIVE = "live", "Live"
    ENDING = "ending", "Ending"
    ENDED = "ended", "Ended"


class CapacityUnit(models.TextChoices):
    PLACES = "places", "places"
    HOURS = "hours", "hours"
    SESSIONS = "sessions", "sessions"
    ASSESSMENTS = "assessments", "assessments"


class FundingStream(models.TextChoices):
    HIGH_NEEDS = "high_needs", "High needs block (DSG)"
    SOCIAL_CARE = "social_care", "Social care"
    ICB = "icb", "Integrated Care Board"
    PUBLIC_HEALTH = "public_health", "Public health"
    SCHOOLS = "schools", "Schools"


#: Which kind of organisation may contribute from which funding stream.
STREAM_KINDS: dict[str, frozenset[str]] = {
    FundingStream.HIGH_NEEDS: frozenset({OrganisationKind.LOCAL_AUTHORITY}),
    FundingStream.SOCIAL_CARE: frozenset({OrganisationKind.LOCAL_AUTHORITY}),
    FundingStream.PUBLIC_HEALTH: frozenset({OrganisationKind.LOCAL_AUTHORITY}),
    FundingStream.SCHOOLS: frozenset({OrganisationKind.LOCAL_AUTHORITY}),
    FundingStream.ICB: frozenset({OrganisationKind.ICB}),
}

#: Organisations that commission: the council and the ICB.
COMMISSIONER_KINDS = frozenset({OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.ICB})


class ProvisionType(models.TextChoices):
    """Type of provision: what a commission or a spot purchase delivers. The gap analysis
    sets plans' provision against commissioned capacity by this list."""

    SALT = "salt", "Speech and language therapy"
    OT = "ot", "Occupational therapy"
    SENSORY_OT = "sensory_ot", "Sensory occupational therapy"
    PHYSIO = "physio", "Physiotherapy"
    CAMHS = "camhs", "Mental health (CAMHS)"
    NEURODEVELOPMENTAL = "neurodevelopmental", "Neurodevelopmental assessment (autism, ADHD)"
    TUITION = "tuition", "Tuition"
    EQUIPMENT = "equipment", "Equipment"
    TRANSPORT = "transport", "Transport"
    SHORT_BREAKS = "short_breaks", "Short breaks"
    ADVICE = "advice", "Information, advice and support"
    OTHER = "other", "Other"


class CycleStageKind(models.TextChoices):
    """The commissioning cycle."""

    UNDERSTAND = "understand", "Understand"
    PLAN = "plan", "Plan"
    DO = "do", "Do"
    REVIEW = "review", "Review"


class ReminderKind(models.TextChoices):
    REVIEW = "review", "Contract review"
    EXPIRY = "expiry", "Contract expiry"
    REPROCUREMENT = "reprocurement", "Re-procurement decision"
