"""Schedule 2 paragraph 5 of the SEND Regulations 2014: what an education provider publishes
about its SEN provision, as options a parent can compare across providers, each with the
provider's own words beside it (``Schedule2Answer``).

The options are the things parents ask about, phrased as a provider would answer. Each is also a
term of the SEND taxonomy (``s2-<topic>-<code>``), so the answers travel in the ORUK feed as
attributes.
"""

from __future__ import annotations

from opensend.directory.models import Schedule2Topic

__all__ = ["OPTIONS", "QUESTIONS", "option_label", "unknown_options"]

#: The question a parent would ask, per topic.
QUESTIONS: dict[Schedule2Topic, str] = {
    Schedule2Topic.APPROACH: "How are children and young people with SEN taught?",
    Schedule2Topic.ADAPTATIONS: "How are the curriculum and the learning environment adapted?",
    Schedule2Topic.PROGRESS: "How is progress assessed and reviewed, and how are parents involved?",
    Schedule2Topic.FACILITIES: "What facilities are there?",
    Schedule2Topic.ACTIVITIES: "Can children with SEN join in activities beyond the classroom?",
    Schedule2Topic.EXPERTISE: "What expertise and training do staff have?",
    Schedule2Topic.WELLBEING: "How is emotional, mental and social development supported?",
}

OPTIONS: dict[Schedule2Topic, tuple[tuple[str, str], ...]] = {
    Schedule2Topic.APPROACH: (
        ("quality-first", "High-quality teaching adapted for every pupil"),
        ("small-groups", "Small-group teaching"),
        ("one-to-one", "One-to-one support where a plan says so"),
        ("specialist-teacher", "Specialist teacher input"),
        ("resourced-provision", "A resourced provision or SEN unit"),
        ("structured-programmes", "Structured literacy and numeracy programmes"),
    ),
    Schedule2Topic.ADAPTATIONS: (
        ("visual-timetables", "Visual timetables and prompts"),
        ("assistive-technology", "Assistive technology (e.g. laptops, speech-to-text)"),
        ("adapted-materials", "Enlarged, simplified or adapted materials"),
        ("exam-arrangements", "Access arrangements for tests and exams"),
        ("flexible-timetable", "A flexible or reduced timetable when needed"),
        ("movement-breaks", "Movement and sensory breaks"),
    ),
    Schedule2Topic.PROGRESS: (
        ("termly-reviews", "Progress reviewed with parents every term"),
        ("assess-plan-do-review", "Assess, plan, do, review cycles for SEN support"),
        ("pupil-voice", "The child's own views are sought at every review"),
        ("small-steps", "Small-steps assessment for pupils working below their year"),
        ("annual-review-meetings", "Annual review meetings held in school"),
    ),
    Schedule2Topic.FACILITIES: (
        ("lift", "A lift or ramps to every floor"),
        ("accessible-toilet", "Accessible toilets"),
        ("hygiene-suite", "A hygiene suite with a hoist"),
        ("sensory-room", "A sensory room"),
        ("quiet-room", "A quiet room or calm space"),
        ("therapy-room", "A room for visiting therapists"),
        ("soundfield", "Soundfield systems or acoustic treatment"),
    ),
    Schedule2Topic.ACTIVITIES: (
        ("inclusive-clubs", "After-school clubs open to every pupil"),
        ("trips-risk-assessed", "Trips planned around each child's needs"),
        ("residentials", "Residential trips with support"),
        ("transport-support", "Support with travel to activities"),
    ),
    Schedule2Topic.EXPERTISE: (
        ("autism-training", "Autism training for all staff"),
        ("makaton", "Staff trained in Makaton"),
        ("bsl", "Staff who sign BSL"),
        ("speech-language", "Speech and language training (e.g. ELKLAN)"),
        ("positive-handling", "Positive behaviour and de-escalation training"),
        ("medical-training", "Training for medical needs (e.g. epilepsy, diabetes)"),
        ("qualified-senco", "A SENCO with the National Award for SEN Coordination"),
    ),
    Schedule2Topic.WELLBEING: (
        ("key-adult", "A named key adult"),
        ("elsa", "Emotional literacy support (ELSA)"),
        ("counselling", "Access to a counsellor"),
        ("mental-health-lead", "A senior mental health lead"),
        ("anti-bullying", "An anti-bullying approach that includes pupils with SEN"),
        ("social-skills", "Social skills and friendship groups"),
    ),
}


def option_label(topic: Schedule2Topic, code: str) -> str:
    """The label of one option; raises ``KeyError`` for a code the topic does not have."""
    for option_code, label in OPTIONS[topic]:
        if option_code == code:
            return label
    raise KeyError(code)


def unknown_options(topic: Schedule2Topic, codes: list[str]) -> list[str]:
    """The codes in ``codes`` that are not options of ``topic`` (for validation)."""
    known = {code for code, _ in OPTIONS[topic]}
    return [code for code in codes if code not in known]
