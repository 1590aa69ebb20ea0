"""The built-in SEND taxonomy: categories, needs met, accessibility, suitability and the
Schedule 2 provider information options.

Its UUIDs are derived from the term codes (UUID 5 in a fixed namespace), so every OpenSEND
directory publishes the same identifiers and another directory reading our ORUK feed can match
terms across areas. ``ensure_send_taxonomy`` writes it idempotently; a data migration calls it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction

from opensend.core.codes import SENNeed
from opensend.directory.models import Taxonomy, TaxonomyTerm
from opensend.directory.schedule2 import OPTIONS as SCHEDULE2_OPTIONS

__all__ = [
    "ACCESSIBILITY",
    "CATEGORIES",
    "NEEDS",
    "SEND_TAXONOMY_ID",
    "SUITABILITY",
    "TermSpec",
    "ensure_send_taxonomy",
    "term_id",
]

NAMESPACE = uuid.UUID("6f1f4a52-8c0e-5d0b-9a52-6f70656e7365")  # "opensend" in the tail
SEND_TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy:send")
TAXONOMY_URI = "https://opensend.org.uk/taxonomy/send"
TAXONOMY_VERSION = "1.0"


def term_id(code: str) -> uuid.UUID:
    """The stable UUID of a SEND taxonomy term, e.g. ``term_id("need:ASD")``."""
    return uuid.uuid5(NAMESPACE, f"term:{code}")


@dataclass(frozen=True)
class TermSpec:
    code: str
    name: str
    description: str
    parent: str = ""


CATEGORIES: tuple[TermSpec, ...] = (
    TermSpec("education", "Education", "Schools, colleges, early years and support to learn."),
    TermSpec(
        "early-years", "Early years", "Nurseries, childminders and pre-school support.", "education"
    ),
    TermSpec(
        "schools",
        "Schools and colleges",
        "Mainstream, special and alternative provision.",
        "education",
    ),
    TermSpec(
        "learning-support",
        "Learning support",
        "Specialist teaching and advisory services.",
        "education",
    ),
    TermSpec(
        "health", "Health", "NHS and community health services for children and young people."
    ),
    TermSpec(
        "therapies", "Therapies", "Speech and language, occupational and physiotherapy.", "health"
    ),
    TermSpec(
        "mental-health",
        "Mental health and wellbeing",
        "CAMHS and emotional wellbeing support.",
        "health",
    ),
    TermSpec(
        "neurodevelopmental",
        "Autism and ADHD assessment",
        "Neurodevelopmental assessment and support.",
        "health",
    ),
    TermSpec(
        "equipment",
        "Equipment",
        "Wheelchairs, communication aids and specialist equipment.",
        "health",
    ),
    TermSpec("social-care", "Social care", "Support from children's and adults' social care."),
    TermSpec(
        "short-breaks",
        "Short breaks",
        "Time away for disabled children and a break for their carers.",
    ),
    TermSpec("leisure", "Leisure and activities", "Clubs, sport, play and things to do."),
    TermSpec("youth-clubs", "Youth clubs", "Inclusive and specialist youth groups.", "leisure"),
    TermSpec("childcare", "Childcare", "Childcare, holiday schemes and wraparound care."),
    TermSpec(
        "preparing-for-adulthood",
        "Preparing for adulthood",
        "Employment, independent living, friends and health from 14 to 25.",
    ),
    TermSpec(
        "transport",
        "Travel and transport",
        "Home to school transport and travel training.",
        "preparing-for-adulthood",
    ),
    TermSpec(
        "advice-and-support",
        "Advice and support",
        "Information, advice, SENDIASS, mediation and parent carer groups.",
    ),
    TermSpec(
        "disagreement-resolution",
        "Disagreements, mediation and appeals",
        "Help when you disagree with a decision.",
        "advice-and-support",
    ),
    TermSpec(
        "parent-carer-support",
        "Parent carer support",
        "Parent carer forums and support groups.",
        "advice-and-support",
    ),
)

NEEDS: tuple[TermSpec, ...] = tuple(
    TermSpec(f"need-{need.value.lower()}", str(need.label), f"School census SEN type {need.value}.")
    for need in SENNeed
    if need != SENNeed.NSA
)

ACCESSIBILITY: tuple[TermSpec, ...] = (
    TermSpec("step-free", "Step-free access", "Every public part can be reached without steps."),
    TermSpec("accessible-toilet", "Accessible toilet", "A wheelchair-accessible toilet."),
    TermSpec(
        "changing-places",
        "Changing Places toilet",
        "A toilet with a hoist and adult-sized changing bench.",
    ),
    TermSpec("hearing-loop", "Hearing loop", "An induction loop for hearing aid users."),
    TermSpec("quiet-space", "Quiet space", "A quiet room or area to take a break."),
    TermSpec(
        "sensory-friendly",
        "Sensory-friendly",
        "Low lighting and noise, or sensory-friendly sessions.",
    ),
    TermSpec("bsl", "British Sign Language", "Staff or interpreters who sign BSL."),
    TermSpec("makaton", "Makaton", "Staff who use Makaton."),
    TermSpec(
        "accessible-parking", "Accessible parking", "Blue badge parking close to the entrance."
    ),
    TermSpec(
        "public-transport", "Near public transport", "A bus stop or station within a short walk."
    ),
    TermSpec("easy-read", "Easy read information", "Information available in easy read."),
)

SUITABILITY: tuple[TermSpec, ...] = (
    TermSpec("for-under-fives", "Under 5s", "For babies and young children."),
    TermSpec("for-children", "Children 5 to 11", "For primary-age children."),
    TermSpec("for-teenagers", "Young people 11 to 18", "For secondary-age young people."),
    TermSpec(
        "for-young-adults", "Young adults 18 to 25", "For young adults preparing for adulthood."
    ),
    TermSpec("for-parents", "Parents and carers", "For parents and carers themselves."),
    TermSpec("for-siblings", "Brothers and sisters", "For siblings of disabled children."),
    TermSpec("no-diagnosis-needed", "No diagnosis needed", "Open to children without a diagnosis."),
)

FACETS: tuple[tuple[str, TermSpec, tuple[TermSpec, ...]], ...] = (
    (
        TaxonomyTerm.Facet.CATEGORY,
        TermSpec("category", "Category", "What kind of service it is."),
        CATEGORIES,
    ),
    (
        TaxonomyTerm.Facet.NEED,
        TermSpec("need", "Needs met", "The needs the service is for (school census SEN types)."),
        NEEDS,
    ),
    (
        TaxonomyTerm.Facet.ACCESSIBILITY,
        TermSpec("accessibility", "Accessibility", "How the service is made accessible."),
        ACCESSIBILITY,
    ),
    (
        TaxonomyTerm.Facet.SUITABILITY,
        TermSpec("suitability", "Suitable for", "Who the service is suitable for."),
        SUITABILITY,
    ),
)


def _schedule2_terms() -> tuple[TermSpec, ...]:
    specs: list[TermSpec] = [
        TermSpec(
            "schedule2", "Provider information", "SEND Regulations 2014 Schedule 2 paragraph 5."
        )
    ]
    for topic, options in SCHEDULE2_OPTIONS.items():
        specs.append(TermSpec(f"s2-{topic.value}", str(topic.label), str(topic.label), "schedule2"))
        specs.extend(
            TermSpec(f"s2-{topic.value}-{code}", label, label, f"s2-{topic.value}")
            for code, label in options
        )
    return tuple(specs)


@transaction.atomic
def ensure_send_taxonomy() -> Taxonomy:
    """Create or update the built-in SEND taxonomy and its terms. Idempotent."""
    taxonomy, _ = Taxonomy.objects.update_or_create(
        id=SEND_TAXONOMY_ID,
        defaults={
            "area": None,
            "name": "OpenSEND SEND taxonomy",
            "description": (
                "Categories, needs met (school census SEN types), accessibility and "
                "suitability for a SEND Local Offer, and the Schedule 2 information education "
                "providers publish."
            ),
            "uri": TAXONOMY_URI,
            "version": TAXONOMY_VERSION,
        },
    )
    groups: list[tuple[str, tuple[TermSpec, ...]]] = [
        (facet, (root, *terms)) for facet, root, terms in FACETS
    ]
    groups.append((TaxonomyTerm.Facet.SCHEDULE2, _schedule2_terms()))
    for facet, specs in groups:
        roots = {spec.code for spec in specs[:1]}
        for position, spec in enumerate(specs):
            parent_code = spec.parent or ("" if spec.code in roots else specs[0].code)
            TaxonomyTerm.objects.update_or_create(
                id=term_id(spec.code),
                defaults={
                    "taxonomy": taxonomy,
                    "parent_id": term_id(parent_code) if parent_code else None,
                    "name": spec.name,
                    "description": spec.description,
                    "term": spec.code,
                    "term_uri": f"{TAXONOMY_URI}#{spec.code}",
                    "facet": facet,
                    "position": position,
                },
            )
    return taxonomy
