"""The Local Offer of a synthetic area: services modelled on the kinds of provision in the seeds
(therapies, CAMHS, the neurodevelopmental pathway, short breaks, equipment, transport, SENDIASS,
mediation, youth clubs and inclusive leisure, the parent carer forum, early years, specialist
teaching, preparing for adulthood, childcare) and the area's own schools and colleges as
education providers with their Schedule 2 answers, plus feedback with published answers and a
few months of anonymous search logs.

Everything is written afresh and fictional: invented organisations, venues and streets, real
postcode districts of the area with invented inward codes, coordinates near the district's
centroid, and phone numbers in Ofcom's drama range (01632 960xxx).

The stage draws from a random number generator of its own, derived from the seed and the LA
code, so the stages before it draw exactly what they drew before it existed. The same seed,
LA code and day give the same services. Dates (last checked, versions, feedback, searches) are
relative to the day it runs, because staleness is judged against today.

Publishing one service at a time (``opensend.directory.services.publish.publish_document``) costs
tens of queries a service; for an area of thousands the stage writes the public rows with
``bulk_create`` and then does what publishing does, in bulk: each published service gets its
approved ``ServiceRevision`` whose document is ``service_document`` of the rows (read with the
document builder's own prefetch), ``published_revision`` and ``last_modified`` are set, and the
search index is built with ``opensend.directory.search.index_services``. The tests check that
end state against publishing itself.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import itertools
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from opensend.core.models import Area, Organisation, Phase, SettingType, User
from opensend.core.roles import OrganisationKind
from opensend.directory.models import (
    Accessibility,
    Address,
    Attribute,
    Contact,
    CostOption,
    DirectorySettings,
    Feedback,
    FeedbackAbout,
    FeedbackStatus,
    FeedbackTheme,
    Funding,
    HowToAccess,
    ImportedRecord,
    ImportRun,
    Language,
    Location,
    Organization,
    OrganizationIdentifier,
    Phone,
    RevisionState,
    Schedule,
    Schedule2Answer,
    Schedule2Topic,
    SearchLog,
    SearchTerm,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceCheck,
    ServiceRevision,
    ServiceStatus,
)
from opensend.directory.schedule2 import OPTIONS as SCHEDULE2_OPTIONS
from opensend.directory.taxonomy import term_id
from opensend.synth import names

__all__ = [
    "DEFAULT_SERVICES",
    "TEMPLATES",
    "clear_local_offer",
    "local_offer_add_if_missing",
    "local_offer_counts",
    "local_offer_generate",
]

#: Services besides the schools for an area at scale 1 (the demo's: with its schools and
#: colleges, about 200 in all).
DEFAULT_SERVICES = 130
BATCH_SIZE = 1000
#: UUIDs of generated rows: UUID 5 of the LA code, seed, table and serial in this namespace.
NAMESPACE = uuid.UUID("0b6f3c1e-5a57-5e1f-8c3a-73796e74686c")
#: Ofcom's drama range for the 01632 area code: never a real line.
DRAMA_LANDLINE = "01632 960"
#: Keeping search logs this many days back.
SEARCH_LOG_DAYS = 120

# --- The catalogue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A kind of service: what it is, who runs it, for whom, when, where and at what cost.

    ``local`` templates run in several towns of the area (one service per town); the others
    serve the whole area once. ``provider`` names one of the area's partners (``council``,
    ``community_trust``, ``acute_trust``, ``mental_health_trust``, ``forum``, ``sendiass``,
    ``mediation``, ``autism``, ``young_carers``, ``short_breaks``, ``therapy_partners``) or an
    invented local organisation (``local:<pattern>`` with ``{town}`` in it)."""

    key: str
    name: str
    provider: str
    category: str
    needs: tuple[str, ...]
    ages: tuple[int, int]
    access: str
    referral_by: str
    description: str
    days: str
    hours: tuple[str, str]
    when: str
    venue: str  # a venue kind in VENUES, or "" for a service with no public place
    suitability: tuple[str, ...] = ()
    cost: str = ""  # "" free; else an amount per session
    cost_label: str = "Per session"
    local: bool = False
    weight: float = 1.0
    funding: str = ""


ALL_NEEDS = ("ASD", "SLCN", "SEMH", "MLD", "SLD", "PMLD", "SPLD", "PD", "HI", "VI", "MSI", "DS")
LEARNING = ("MLD", "SLD", "PMLD", "DS")
SENSORY_PHYSICAL = ("HI", "VI", "MSI", "PD")

SELF = HowToAccess.SELF_REFERRAL
REFERRAL = HowToAccess.REFERRAL
EITHER = HowToAccess.EITHER
DROP_IN = HowToAccess.DROP_IN

WEEKDAYS = "MO,TU,WE,TH,FR"

TEMPLATES: tuple[Template, ...] = (
    # --- therapies -------------------------------------------------------------------------
    Template(
        "salt",
        "Children's speech and language therapy",
        "community_trust",
        "therapies",
        ("SLCN", "ASD", "DS", "HI"),
        (0, 18),
        EITHER,
        "Parents, health visitors, GPs, schools and early years settings",
        "Assessment and therapy for children and young people who find it hard to understand "
        "language, talk, use their voice, stammer, or eat, drink and swallow safely. Therapists "
        "see children in clinics, at home, in nurseries and in schools, and show the adults "
        "around them how to help every day.",
        WEEKDAYS,
        ("08:30", "17:00"),
        "Clinics Monday to Friday, all year",
        "health centre",
        ("for-under-fives", "for-children", "for-teenagers", "no-diagnosis-needed"),
        local=True,
        weight=1.4,
        funding="NHS {base} Integrated Care Board and {base} Council (jointly commissioned)",
    ),
    Template(
        "salt-drop-in",
        "Talking Time speech and language drop-in",
        "community_trust",
        "therapies",
        ("SLCN",),
        (0, 5),
        DROP_IN,
        "",
        "A friendly drop-in for parents of babies and toddlers who are worried about their "
        "child's talking or understanding. A speech and language therapy assistant listens, "
        "gives ideas to try at home and can refer on to the full service. No appointment "
        "needed.",
        "WE",
        ("09:30", "11:30"),
        "Wednesday mornings",
        "children's centre",
        ("for-under-fives", "for-parents", "no-diagnosis-needed"),
        local=True,
        weight=1.2,
    ),
    Template(
        "ot",
        "Children's occupational therapy",
        "community_trust",
        "therapies",
        ("PD", "DS", "MSI", "SPLD", "PMLD"),
        (0, 18),
        REFERRAL,
        "GPs, paediatricians, schools and social workers",
        "Occupational therapists help children and young people take part in everyday life: "
        "dressing, eating, handwriting, play and getting about at home and school. They assess, "
        "set goals with the family, advise on equipment and adaptations and train school "
        "staff.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Appointments Monday to Friday",
        "health centre",
        ("for-under-fives", "for-children", "for-teenagers"),
        local=True,
        weight=0.8,
    ),
    Template(
        "sensory-ot",
        "Sensory occupational therapy",
        "therapy_partners",
        "therapies",
        ("ASD", "SEMH", "MSI"),
        (3, 18),
        EITHER,
        "Schools, the neurodevelopmental team or parents directly",
        "Support for children whose reactions to noise, touch, light or movement make daily "
        "life hard. Families start with a sensory workshop, then children who need more have a "
        "sensory assessment and a plan for home and school. Following the area's graduated "
        "sensory model, no diagnosis is needed.",
        "TU,TH",
        ("09:30", "16:00"),
        "Tuesdays and Thursdays; workshops once a month on Saturdays",
        "health centre",
        ("for-children", "for-teenagers", "for-parents", "no-diagnosis-needed"),
        local=True,
        weight=0.7,
    ),
    Template(
        "sensory-workshop",
        "Understanding your child's sensory needs: parent workshop",
        "community_trust",
        "therapies",
        ("ASD", "SEMH"),
        (2, 18),
        SELF,
        "",
        "A two-hour workshop for parents and carers run by occupational therapists: why some "
        "children seek or avoid sensations, and simple changes at home that help with sleep, "
        "eating, dressing and going out.",
        "SA",
        ("10:00", "12:00"),
        "One Saturday a month",
        "library",
        ("for-parents", "no-diagnosis-needed"),
    ),
    Template(
        "physio",
        "Children's physiotherapy",
        "acute_trust",
        "therapies",
        ("PD", "PMLD", "DS", "MSI"),
        (0, 19),
        REFERRAL,
        "GPs, paediatricians, hospital consultants and health visitors",
        "Assessment, treatment and advice for babies, children and young people with "
        "difficulties in movement: cerebral palsy, developmental delay, neuromuscular "
        "conditions and injuries. Includes hydrotherapy, postural management, orthotics and "
        "programmes that school staff carry out.",
        WEEKDAYS,
        ("08:30", "16:30"),
        "Monday to Friday",
        "hospital",
        ("for-under-fives", "for-children", "for-teenagers"),
    ),
    # --- health ------------------------------------------------------------------------------
    Template(
        "camhs",
        "Child and adolescent mental health service (CAMHS)",
        "mental_health_trust",
        "mental-health",
        ("SEMH", "ASD"),
        (0, 18),
        REFERRAL,
        "GPs, schools, school nurses and social workers",
        "Specialist help for children and young people with significant mental health "
        "difficulties: anxiety, low mood, self-harm, eating difficulties and trauma. After an "
        "assessment, young people and families are offered therapy, group work or medication "
        "reviews. The crisis line is open every day.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday; crisis line 24 hours",
        "health centre",
        ("for-children", "for-teenagers"),
        funding="NHS {base} Integrated Care Board",
    ),
    Template(
        "mhst",
        "Mental health support team in schools",
        "mental_health_trust",
        "mental-health",
        ("SEMH",),
        (5, 18),
        REFERRAL,
        "The school's senior mental health lead",
        "Education mental health practitioners work in schools and colleges, offering short "
        "courses of help for mild to moderate anxiety and low mood, and advising staff on the "
        "whole school approach to wellbeing.",
        WEEKDAYS,
        ("08:30", "16:00"),
        "In term time",
        "",
        ("for-children", "for-teenagers", "no-diagnosis-needed"),
    ),
    Template(
        "wellbeing-cafe",
        "Young people's wellbeing café",
        "local:{town} Youth Trust",
        "mental-health",
        ("SEMH", "ASD"),
        (11, 25),
        DROP_IN,
        "",
        "A relaxed evening drop-in where young people can talk to a youth worker or a "
        "counsellor about anything that worries them, over hot chocolate. No referral and no "
        "waiting list; quiet room available.",
        "TH",
        ("16:00", "19:00"),
        "Thursdays, all year",
        "youth centre",
        ("for-teenagers", "for-young-adults", "no-diagnosis-needed"),
        local=True,
        weight=0.9,
    ),
    Template(
        "neurodevelopmental",
        "Neurodevelopmental pathway (autism and ADHD assessment)",
        "community_trust",
        "neurodevelopmental",
        ("ASD", "SEMH", "SLCN"),
        (2, 18),
        REFERRAL,
        "Schools (with the graduated approach evidence), GPs and health visitors",
        "A team of paediatricians, speech and language therapists, psychologists and nurses "
        "who assess children and young people for autism and ADHD, following NICE guidance. "
        "While families wait they can use the pre-assessment support offer: workshops, a "
        "helpline and advice for school, based on need, not diagnosis.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday",
        "child development centre",
        ("for-under-fives", "for-children", "for-teenagers"),
    ),
    Template(
        "neuro-support",
        "Waiting well: support while you wait for an autism or ADHD assessment",
        "autism",
        "neurodevelopmental",
        ("ASD", "SEMH"),
        (2, 18),
        SELF,
        "",
        "Workshops, a monthly parent group and one-to-one advice from family support workers "
        "for families waiting for a neurodevelopmental assessment, or after one. Topics include "
        "sleep, anxiety, meltdowns, school and siblings.",
        "TU",
        ("18:30", "20:30"),
        "First Tuesday evening of the month",
        "community hub",
        ("for-parents", "no-diagnosis-needed"),
        local=True,
        weight=0.6,
    ),
    Template(
        "community-paeds",
        "Community paediatrics",
        "community_trust",
        "health",
        ALL_NEEDS,
        (0, 18),
        REFERRAL,
        "GPs, health visitors and hospital doctors",
        "Paediatricians who assess and care for children with developmental delay, "
        "disabilities, complex health needs and neurodevelopmental conditions, and who give "
        "the health advice for education, health and care needs assessments.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Clinics Monday to Friday",
        "child development centre",
        ("for-under-fives", "for-children", "for-teenagers"),
    ),
    Template(
        "school-nursing",
        "School nursing and special school nurses",
        "community_trust",
        "health",
        ("PMLD", "PD", "SLD", "MSI"),
        (5, 19),
        EITHER,
        "Parents, young people and schools",
        "School nurses support children's health in school: care plans for epilepsy, diabetes "
        "and gastrostomy feeding, training for school staff, and a confidential text service "
        "for young people. Special schools have their own nursing team.",
        WEEKDAYS,
        ("08:30", "16:30"),
        "In term time",
        "",
        ("for-children", "for-teenagers"),
    ),
    Template(
        "sensory-team",
        "Hearing and vision support team",
        "council",
        "learning-support",
        ("HI", "VI", "MSI"),
        (0, 25),
        REFERRAL,
        "Audiology, eye clinics, health visitors and schools",
        "Qualified teachers of the deaf and of children with vision impairment, and "
        "habilitation specialists, who support babies at home and children and young people "
        "in nursery, school and college: advice, equipment such as radio aids, mobility "
        "training and help with exams.",
        WEEKDAYS,
        ("08:30", "17:00"),
        "Monday to Friday, all year",
        "",
        ("for-under-fives", "for-children", "for-teenagers", "for-young-adults"),
    ),
    # --- equipment --------------------------------------------------------------------------
    Template(
        "equipment",
        "Children's community equipment service",
        "council",
        "equipment",
        ("PD", "PMLD", "MSI"),
        (0, 18),
        REFERRAL,
        "Occupational therapists, physiotherapists and nurses",
        "Loans, delivers, fits and maintains equipment children need at home: specialist "
        "seating, beds, hoists, bathing and toileting equipment. Equipment is recycled when it "
        "is no longer needed.",
        WEEKDAYS,
        ("08:00", "17:00"),
        "Deliveries Monday to Friday",
        "",
        ("for-under-fives", "for-children", "for-teenagers"),
        funding="{base} Council and NHS {base} Integrated Care Board (pooled budget)",
    ),
    Template(
        "wheelchairs",
        "Children's wheelchair service",
        "acute_trust",
        "equipment",
        ("PD", "PMLD"),
        (0, 18),
        REFERRAL,
        "GPs, therapists and consultants",
        "Assessment for manual and powered wheelchairs and special seating, repairs, and "
        "personal wheelchair budgets so families can choose a chair that suits their child.",
        "MO,WE,FR",
        ("09:00", "16:30"),
        "Clinics Monday, Wednesday and Friday",
        "hospital",
        ("for-under-fives", "for-children", "for-teenagers"),
    ),
    Template(
        "communication-aids",
        "Communication aids (AAC) assessment",
        "community_trust",
        "equipment",
        ("SLCN", "PMLD", "PD", "ASD"),
        (2, 25),
        REFERRAL,
        "Speech and language therapists",
        "Assessment for communication aids, from symbol books to eye-gaze devices, with "
        "training for the young person, their family and school or college.",
        "TU,TH",
        ("09:30", "16:00"),
        "Tuesdays and Thursdays",
        "child development centre",
        ("for-children", "for-teenagers", "for-young-adults"),
    ),
    # --- short breaks ---------------------------------------------------------------------
    Template(
        "saturday-club",
        "Saturday short breaks club",
        "short_breaks",
        "short-breaks",
        ("ASD", "SLD", "PMLD", "PD", "DS", "SLCN"),
        (5, 17),
        EITHER,
        "Self-referral through the short breaks eligibility form, or a social worker",
        "A short breaks club with arts and crafts, cooking, sport, trips and sensory play, "
        "staffed at one worker to every two or three children. Children make friends and "
        "parents have a break. Personal care and medication given by trained staff.",
        "SA",
        ("10:00", "15:00"),
        "Saturdays, all year",
        "community hub",
        ("for-children", "for-teenagers"),
        cost="5.00",
        local=True,
        weight=1.3,
        funding="{base} Council short breaks grant",
    ),
    Template(
        "holiday-scheme",
        "Holiday playscheme for disabled children",
        "short_breaks",
        "short-breaks",
        ("ASD", "SLD", "PMLD", "PD", "DS", "MSI"),
        (5, 18),
        EITHER,
        "Self-referral through the short breaks eligibility form, or a social worker",
        "Full days of play, swimming, outings and activities in the Easter, summer and "
        "October half-term holidays, with specialist staff, a changing places toilet and a "
        "sensory room.",
        WEEKDAYS,
        ("09:30", "15:30"),
        "School holidays",
        "special school",
        ("for-children", "for-teenagers"),
        cost="8.00",
        cost_label="Per day",
        local=True,
        weight=0.8,
        funding="{base} Council short breaks grant",
    ),
    Template(
        "overnight-breaks",
        "Overnight short breaks",
        "council",
        "short-breaks",
        ("SLD", "PMLD", "PD", "ASD", "MSI"),
        (8, 18),
        REFERRAL,
        "A social worker, after a child and family assessment",
        "Planned overnight stays in a small residential home with nursing and care staff, "
        "from one night a month upwards, so that children have a change and families can rest.",
        "FR,SA,SU",
        ("16:00", "10:00"),
        "Weekends and some weeknights",
        "residential home",
        ("for-children", "for-teenagers"),
    ),
    Template(
        "buddy",
        "Buddy Up befriending",
        "short_breaks",
        "short-breaks",
        ("ASD", "MLD", "SEMH", "SLCN"),
        (11, 25),
        SELF,
        "",
        "Trained volunteer buddies who meet a young person every week to go to the cinema, the "
        "gym, football or the shops, building confidence and independence.",
        "MO,TU,WE,TH,FR,SA,SU",
        ("10:00", "20:00"),
        "At times that suit the young person",
        "",
        ("for-teenagers", "for-young-adults"),
    ),
    Template(
        "direct-payments",
        "Direct payments and personal budgets for short breaks",
        "council",
        "short-breaks",
        ALL_NEEDS,
        (0, 18),
        EITHER,
        "Families can ask the short breaks team, or a social worker",
        "Money from the council, instead of services it arranges, so that families can employ "
        "a personal assistant or choose their own short breaks. The direct payments support "
        "service helps with recruiting, payroll and insurance.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday",
        "",
        ("for-parents",),
    ),
    Template(
        "siblings",
        "Young siblings group",
        "young_carers",
        "short-breaks",
        (),
        (7, 16),
        SELF,
        "",
        "A fortnightly group for brothers and sisters of disabled children: games, trips and a "
        "chance to talk with others who understand.",
        "WE",
        ("17:00", "19:00"),
        "Every other Wednesday in term time",
        "youth centre",
        ("for-siblings", "for-children", "for-teenagers"),
    ),
    # --- leisure and youth ---------------------------------------------------------------------
    Template(
        "youth-club",
        "Inclusive youth club",
        "local:{town} Youth Trust",
        "youth-clubs",
        ("ASD", "MLD", "SLD", "DS", "SLCN", "SEMH"),
        (11, 19),
        SELF,
        "",
        "A weekly youth club for disabled young people and their friends: pool, music, cooking, "
        "trips and a say in how the club is run. Support workers help with personal care.",
        "TU",
        ("18:00", "20:30"),
        "Tuesday evenings in term time",
        "youth centre",
        ("for-teenagers",),
        cost="1.50",
        local=True,
        weight=1.3,
    ),
    Template(
        "junior-youth-club",
        "Junior youth club",
        "local:{town} Youth Trust",
        "youth-clubs",
        ("ASD", "MLD", "DS", "SLCN"),
        (8, 12),
        SELF,
        "",
        "Games, crafts and outdoor play for disabled children aged 8 to 12, after school. A "
        "quiet room is always available.",
        "TH",
        ("17:00", "19:00"),
        "Thursdays in term time",
        "youth centre",
        ("for-children",),
        cost="1.00",
        local=True,
        weight=0.9,
    ),
    Template(
        "swimming",
        "Inclusive swimming sessions",
        "local:{base} Leisure Trust",
        "leisure",
        ("PD", "ASD", "SLD", "PMLD", "DS", "MSI"),
        (0, 25),
        SELF,
        "",
        "Quieter swimming sessions with warmer water, a pool hoist, floats and lifeguards "
        "trained in disability awareness. Carers swim free.",
        "SU",
        ("09:00", "10:30"),
        "Sunday mornings",
        "leisure centre",
        ("for-under-fives", "for-children", "for-teenagers", "for-young-adults"),
        cost="2.50",
        local=True,
        weight=1.1,
    ),
    Template(
        "sensory-cinema",
        "Relaxed and sensory-friendly cinema screening",
        "local:{base} Leisure Trust",
        "leisure",
        ("ASD", "SEMH", "SLD"),
        (3, 25),
        SELF,
        "",
        "Films with the lights up, the sound down and no adverts; children can move about, "
        "make noise and bring their own food.",
        "SU",
        ("11:00", "13:00"),
        "Last Sunday of the month",
        "library",
        ("for-children", "for-teenagers", "no-diagnosis-needed"),
        cost="3.00",
        local=True,
        weight=0.6,
    ),
    Template(
        "disability-sport",
        "Disability sport and multi-skills club",
        "local:{town} Community Sports Club",
        "leisure",
        ("PD", "ASD", "MLD", "DS", "HI", "VI"),
        (6, 25),
        SELF,
        "",
        "Boccia, wheelchair basketball, football and athletics coached by qualified disability "
        "sport coaches. Sports wheelchairs can be borrowed.",
        "WE",
        ("17:30", "19:00"),
        "Wednesday evenings",
        "leisure centre",
        ("for-children", "for-teenagers", "for-young-adults"),
        cost="3.00",
        local=True,
        weight=0.9,
    ),
    Template(
        "stay-and-play",
        "Stay and play for children with additional needs",
        "council",
        "early-years",
        ("SLCN", "ASD", "PD", "DS", "SLD"),
        (0, 5),
        DROP_IN,
        "",
        "A sensory stay and play session for babies and young children with additional needs "
        "and their parents, with an early years practitioner and visits from the health "
        "visiting team.",
        "MO",
        ("10:00", "11:30"),
        "Monday mornings in term time",
        "children's centre",
        ("for-under-fives", "for-parents", "no-diagnosis-needed"),
        local=True,
        weight=1.0,
    ),
    # --- education support -------------------------------------------------------------------
    Template(
        "portage",
        "Portage home visiting",
        "council",
        "early-years",
        ("SLD", "PMLD", "DS", "PD", "SLCN"),
        (0, 4),
        EITHER,
        "Health visitors, paediatricians or parents",
        "A Portage home visitor comes to your home every week or fortnight to play and learn "
        "with your child, setting small steps together and helping you plan for nursery.",
        WEEKDAYS,
        ("09:00", "16:00"),
        "Home visits Monday to Friday",
        "",
        ("for-under-fives", "for-parents"),
    ),
    Template(
        "early-years-inclusion",
        "Early years inclusion team",
        "council",
        "early-years",
        ("SLCN", "ASD", "SEMH", "DS", "PD"),
        (0, 5),
        REFERRAL,
        "Nurseries, pre-schools and childminders",
        "Advisory teachers and inclusion officers who help early years settings include "
        "children with SEND: visits, training, inclusion funding and help preparing for "
        "school.",
        WEEKDAYS,
        ("08:30", "17:00"),
        "Monday to Friday",
        "",
        ("for-under-fives",),
    ),
    Template(
        "specialist-teaching",
        "Specialist teaching and learning service",
        "council",
        "learning-support",
        ("SPLD", "MLD", "ASD", "SLCN", "SEMH"),
        (4, 16),
        REFERRAL,
        "The school's SENCO",
        "Specialist teachers who assess pupils with literacy, numeracy, communication and "
        "autism needs, advise schools on the graduated approach and train staff.",
        WEEKDAYS,
        ("08:30", "16:30"),
        "In term time",
        "",
        ("for-children", "for-teenagers"),
    ),
    Template(
        "ed-psych",
        "Educational psychology service",
        "council",
        "learning-support",
        ALL_NEEDS,
        (0, 25),
        REFERRAL,
        "Schools, colleges and early years settings",
        "Educational psychologists work with schools and families to understand a child's "
        "learning and wellbeing, give advice for EHC needs assessments and support schools "
        "after critical incidents.",
        WEEKDAYS,
        ("08:30", "17:00"),
        "Monday to Friday",
        "",
        ("for-under-fives", "for-children", "for-teenagers", "for-young-adults"),
    ),
    Template(
        "outreach",
        "Special school outreach service",
        "council",
        "learning-support",
        ("ASD", "SLD", "SEMH", "PD"),
        (4, 16),
        REFERRAL,
        "The school's SENCO",
        "Teachers from the area's special schools advise mainstream schools on including "
        "pupils with complex needs: classroom strategies, behaviour support and training.",
        WEEKDAYS,
        ("08:30", "16:00"),
        "In term time",
        "",
        ("for-children", "for-teenagers"),
    ),
    Template(
        "ehc-team",
        "Education, health and care (EHC) assessment team",
        "council",
        "education",
        ALL_NEEDS,
        (0, 25),
        SELF,
        "",
        "How to ask for an EHC needs assessment, what happens in the 20 weeks, annual reviews "
        "and changes to a plan. Parents, young people and schools can all make a request.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday",
        "",
        ("for-parents",),
    ),
    # --- transport and preparing for adulthood ----------------------------------------------
    Template(
        "home-school-transport",
        "Home to school transport",
        "council",
        "transport",
        ALL_NEEDS,
        (4, 25),
        SELF,
        "",
        "Free travel to school for eligible children, including those who cannot walk to "
        "school because of their special educational needs or disability: a travel pass, a "
        "personal travel budget or a place on a taxi or minibus with a passenger assistant.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Apply at any time; applications for September by 31 May",
        "",
        ("for-children", "for-teenagers", "for-young-adults"),
    ),
    Template(
        "travel-training",
        "Independent travel training",
        "council",
        "transport",
        ("MLD", "ASD", "SLD", "DS", "SLCN"),
        (11, 25),
        EITHER,
        "Schools, colleges or the young person and their family",
        "A travel trainer works one to one with a young person, practising a journey to "
        "school, college or work until they can travel safely on their own.",
        WEEKDAYS,
        ("08:00", "18:00"),
        "Monday to Friday",
        "",
        ("for-teenagers", "for-young-adults"),
    ),
    Template(
        "supported-internships",
        "Supported internships",
        "local:{base} College",
        "preparing-for-adulthood",
        ("MLD", "SLD", "ASD", "DS"),
        (16, 24),
        EITHER,
        "Young people with an EHC plan, through their college or EHC coordinator",
        "A one-year study programme based with an employer, with a job coach, for young people "
        "with an EHC plan who want paid work. Interns spend most of the week on placement and "
        "work towards English and maths.",
        WEEKDAYS,
        ("09:00", "15:00"),
        "September to July",
        "college",
        ("for-young-adults",),
        local=True,
        weight=0.5,
    ),
    Template(
        "pfa",
        "Preparing for adulthood team",
        "council",
        "preparing-for-adulthood",
        ALL_NEEDS,
        (14, 25),
        EITHER,
        "Young people, families, schools and social workers",
        "Helps young people from 14 plan for employment, independent living, friends and "
        "community, and good health, and for the move from children's to adults' services.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday",
        "",
        ("for-teenagers", "for-young-adults"),
    ),
    Template(
        "life-skills",
        "Independent living skills course",
        "local:{town} Community Learning",
        "preparing-for-adulthood",
        ("MLD", "SLD", "ASD", "DS"),
        (16, 25),
        SELF,
        "",
        "Ten weeks of practical sessions on cooking, budgeting, using the bus and staying safe "
        "online, in small groups.",
        "MO",
        ("13:00", "15:00"),
        "Monday afternoons",
        "community hub",
        ("for-young-adults",),
        local=True,
        weight=0.5,
    ),
    # --- advice and support ---------------------------------------------------------------------
    Template(
        "sendiass",
        "SEND information, advice and support service (SENDIASS)",
        "sendiass",
        "advice-and-support",
        ALL_NEEDS,
        (0, 25),
        SELF,
        "",
        "Free, confidential and impartial information, advice and support about special "
        "educational needs and disabilities for children, young people and parents: EHC "
        "needs assessments, school exclusions, meetings and appeals. Helpline, email and "
        "casework.",
        WEEKDAYS,
        ("09:00", "16:30"),
        "Helpline Monday to Friday",
        "",
        ("for-parents", "for-teenagers", "for-young-adults", "no-diagnosis-needed"),
        funding="{base} Council and NHS {base} Integrated Care Board (jointly commissioned)",
    ),
    Template(
        "mediation",
        "SEND mediation and disagreement resolution",
        "mediation",
        "disagreement-resolution",
        ALL_NEEDS,
        (0, 25),
        SELF,
        "",
        "Independent mediation about EHC needs assessments and plans, which you must consider "
        "before appealing to the tribunal, and disagreement resolution for any child with SEN. "
        "Mediation is free and usually arranged within 30 days.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday",
        "",
        ("for-parents", "for-young-adults"),
    ),
    Template(
        "forum",
        "Parent carer forum",
        "forum",
        "parent-carer-support",
        ALL_NEEDS,
        (0, 25),
        SELF,
        "",
        "The area's parent carer forum works with the council and the NHS so that services "
        "are designed with families. Join to share your experience, come to coffee mornings "
        "and take part in co-production.",
        "TH",
        ("10:00", "12:00"),
        "Coffee mornings on Thursdays",
        "community hub",
        ("for-parents", "no-diagnosis-needed"),
    ),
    Template(
        "coffee-morning",
        "Parent carer coffee morning",
        "forum",
        "parent-carer-support",
        (),
        (0, 25),
        DROP_IN,
        "",
        "Meet other parents and carers of children with additional needs over a cuppa. Guest "
        "speakers each month, from the sleep service to SENDIASS.",
        "FR",
        ("09:30", "11:30"),
        "Friday mornings",
        "community hub",
        ("for-parents", "no-diagnosis-needed"),
        local=True,
        weight=0.8,
    ),
    Template(
        "autism-family-support",
        "Autism family support",
        "autism",
        "parent-carer-support",
        ("ASD",),
        (0, 25),
        SELF,
        "",
        "Family support workers, courses for parents after diagnosis and social groups for "
        "autistic children and young people.",
        WEEKDAYS,
        ("09:30", "16:30"),
        "Monday to Friday",
        "community hub",
        ("for-parents", "for-children", "for-teenagers"),
    ),
    Template(
        "young-carers",
        "Young carers project",
        "young_carers",
        "advice-and-support",
        (),
        (8, 18),
        EITHER,
        "Schools, social workers or young people themselves",
        "Support, breaks and activities for children and young people who look after a "
        "disabled brother, sister or parent, and young carers' assessments.",
        "MO,WE",
        ("16:00", "18:30"),
        "After school, Mondays and Wednesdays",
        "youth centre",
        ("for-siblings", "for-children", "for-teenagers"),
    ),
    Template(
        "disabled-children-team",
        "Disabled children's social work team",
        "council",
        "social-care",
        ("PMLD", "SLD", "PD", "MSI", "ASD"),
        (0, 18),
        EITHER,
        "Families, schools and health professionals, through the front door",
        "Social workers who assess disabled children and their families and arrange support: "
        "short breaks, care at home, and help for families under pressure.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday; out of hours team at other times",
        "",
        ("for-children", "for-teenagers", "for-parents"),
    ),
    # --- childcare --------------------------------------------------------------------------
    Template(
        "out-of-school",
        "Inclusive out of school club",
        "local:{town} Out of School Club",
        "childcare",
        ("ASD", "SLCN", "MLD", "PD", "SEMH"),
        (4, 12),
        SELF,
        "",
        "Breakfast and after-school childcare with inclusion support funded for children with "
        "SEND, and a holiday club. Tax-free childcare and childcare vouchers accepted.",
        WEEKDAYS,
        ("07:30", "18:00"),
        "Before and after school; holiday club",
        "primary school",
        ("for-children",),
        cost="14.50",
        local=True,
        weight=1.0,
    ),
    Template(
        "childminder-network",
        "Childminders with SEND experience",
        "council",
        "childcare",
        ("SLCN", "ASD", "PD", "DS"),
        (0, 11),
        SELF,
        "",
        "The family information service's list of childminders who have SEND training, and "
        "help finding funded early education places and inclusion funding.",
        WEEKDAYS,
        ("09:00", "17:00"),
        "Monday to Friday",
        "",
        ("for-under-fives", "for-children", "for-parents"),
    ),
)

TEMPLATE_BY_KEY = {template.key: template for template in TEMPLATES}

#: Venue kinds and the names they are given in a town.
VENUES: dict[str, str] = {
    "health centre": "{town} Health Centre",
    "children's centre": "{town} Family Hub",
    "library": "{town} Library",
    "youth centre": "{town} Youth Centre",
    "community hub": "{town} Community Hub",
    "leisure centre": "{town} Leisure Centre",
    "child development centre": "{base} Child Development Centre",
    "hospital": "{base} Children's Outpatients",
    "residential home": "{town} House",
    "special school": "{town} Special School (holiday scheme)",
    "college": "{base} College, {town} Campus",
    "primary school": "{town} Primary School (club room)",
}

VENUE_ACCESSIBILITY: dict[str, tuple[str, ...]] = {
    "health centre": ("step-free", "accessible-toilet", "hearing-loop", "accessible-parking"),
    "children's centre": ("step-free", "accessible-toilet", "quiet-space", "makaton"),
    "library": ("step-free", "accessible-toilet", "hearing-loop", "public-transport"),
    "youth centre": ("step-free", "accessible-toilet", "quiet-space"),
    "community hub": ("step-free", "accessible-toilet", "public-transport"),
    "leisure centre": ("step-free", "accessible-toilet", "changing-places", "accessible-parking"),
    "child development centre": ("step-free", "accessible-toilet", "quiet-space", "easy-read"),
    "hospital": ("step-free", "changing-places", "hearing-loop", "bsl"),
    "residential home": ("step-free", "accessible-toilet", "sensory-friendly"),
    "special school": ("step-free", "changing-places", "sensory-friendly", "makaton"),
    "college": ("step-free", "accessible-toilet", "public-transport"),
    "primary school": ("step-free", "accessible-toilet"),
}

EXTRA_ACCESSIBILITY = ("sensory-friendly", "bsl", "makaton", "easy-read", "quiet-space")

PROVIDER_DESCRIPTIONS: dict[str, str] = {
    "council": "The local authority: education, social care and the Local Offer.",
    "community_trust": "The NHS trust that runs community health services for children.",
    "acute_trust": "The NHS hospital trust, with children's outpatient and therapy services.",
    "mental_health_trust": "The NHS trust that runs mental health services for young people.",
    "forum": "The independent forum of parents and carers of children with SEND.",
    "sendiass": "Free, impartial and confidential SEND information, advice and support.",
    "mediation": "Independent SEND mediation and disagreement resolution.",
    "autism": "A local charity for autistic children, young people and their families.",
    "young_carers": "A charity supporting young carers and siblings of disabled children.",
    "short_breaks": "A charity running short breaks for disabled children and young people.",
    "therapy_partners": "An independent children's therapy practice.",
}

#: Where a provider is among the area's generated organisations (kind, and a word of its name).
PROVIDER_LOOKUP: dict[str, tuple[str, str]] = {
    "council": (OrganisationKind.LOCAL_AUTHORITY, ""),
    "community_trust": (OrganisationKind.NHS_TRUST, "Community"),
    "acute_trust": (OrganisationKind.NHS_TRUST, "Hospitals"),
    "mental_health_trust": (OrganisationKind.NHS_TRUST, "Mental Health"),
    "forum": (OrganisationKind.PARENT_CARER_FORUM, ""),
    "sendiass": (OrganisationKind.SENDIASS, ""),
    "mediation": (OrganisationKind.MEDIATION_SERVICE, ""),
    "autism": (OrganisationKind.VOLUNTARY_PROVIDER, "Autism"),
    "young_carers": (OrganisationKind.VOLUNTARY_PROVIDER, "Young Carers"),
    "short_breaks": (OrganisationKind.VOLUNTARY_PROVIDER, "Short Breaks"),
    "therapy_partners": (OrganisationKind.PRIVATE_PROVIDER, "Therapy"),
}
PROVIDER_FALLBACK_NAMES: dict[str, str] = {
    "council": "{base} Council",
    "community_trust": "{base} Community Health NHS Trust",
    "acute_trust": "{base} Hospitals NHS Foundation Trust",
    "mental_health_trust": "{base} Mental Health NHS Foundation Trust",
    "forum": "{base} Parent Carer Forum",
    "sendiass": "{base} SEND Information, Advice and Support Service",
    "mediation": "{base} and District SEND Mediation",
    "autism": "{base} Autism Family Support",
    "young_carers": "{base} Young Carers Project",
    "short_breaks": "{base} Short Breaks Trust",
    "therapy_partners": "{base} Therapy Partners Ltd",
}

EXTRA_SENTENCES = (
    "Staff are trained in autism awareness and Makaton.",
    "Parents and carers are welcome to stay.",
    "Information is available in easy read and other languages on request.",
    "We can usually offer a first appointment within six weeks.",
    "Please tell us about any access needs when you contact us, so we can plan ahead.",
    "Sessions are small, so please book ahead.",
    "Interpreters, including British Sign Language, can be booked free of charge.",
    "There is free parking and a bus stop outside.",
    "We work closely with schools, health visitors and social care.",
    "Young people can bring a friend or a support worker.",
)

ALERTS = (
    "Sessions move to the sports hall while the main hall is redecorated.",
    "New phone number from next month: please use the number below.",
    "The waiting list for a first appointment is currently about 14 weeks.",
    "No sessions during the school holidays this term.",
    "The booking form has moved: please ring the service to book.",
)
CLOSED_ALERTS = (
    "Temporarily closed while the building is refurbished.",
    "Temporarily closed: staff vacancies. We hope to reopen soon.",
    "Closed for the summer; sessions restart in September.",
)
DRAFT_CHANGES = (
    "Updated session times",
    "New contact phone number",
    "Description rewritten with parents",
    "Added information about waiting times",
    "Changed the age range",
)

SCHEDULE2_DETAIL: dict[str, tuple[str, ...]] = {
    Schedule2Topic.APPROACH: (
        "Teachers plan lessons so that every pupil can take part, with extra adults in class "
        "where pupils need them.",
        "Pupils with SEN are taught mostly in their class, with short, planned sessions in "
        "small groups.",
    ),
    Schedule2Topic.ADAPTATIONS: (
        "Classrooms have visual timetables, word mats and calm corners.",
        "Work is adapted with the SENCO's advice and reviewed every half term.",
    ),
    Schedule2Topic.PROGRESS: (
        "Parents meet the class teacher and SENCO every term to review targets together.",
        "Progress is measured in small steps and shared in a one-page profile.",
    ),
    Schedule2Topic.FACILITIES: (
        "The building is on one level, with an accessible toilet and a quiet room.",
        "There is a lift to every floor and a hygiene room with a hoist.",
    ),
    Schedule2Topic.ACTIVITIES: (
        "Every club and trip is planned so that all pupils can join in.",
        "Residential trips are risk-assessed around each pupil, with staff they know.",
    ),
    Schedule2Topic.EXPERTISE: (
        "All staff have autism training each year; teaching assistants are trained in "
        "speech and language programmes.",
        "Our SENCO holds the National Award and staff are trained in Makaton.",
    ),
    Schedule2Topic.WELLBEING: (
        "Every pupil with SEN has a key adult; ELSA sessions and friendship groups run weekly.",
        "A senior mental health lead and a school counsellor support pupils' wellbeing.",
    ),
}

FEEDBACK_THEMES: dict[str, str] = {
    "Finding information": "Finding information on the Local Offer and knowing what exists.",
    "Short breaks": "Short breaks: availability, eligibility and choice.",
    "Waiting times": "Waiting times for assessments, therapies and appointments.",
    "Transport": "Home to school transport and travel training.",
    "Communication": "How services keep families informed and involved.",
}

#: Feedback: (about, themes, comment, published comment, response, action).
FEEDBACK: tuple[tuple[str, tuple[str, ...], str, str, str, str], ...] = (
    (
        FeedbackAbout.ACCESSIBILITY,
        ("Finding information",),
        "I didn't know the Local Offer existed until my son's annual review. Nobody told us.",
        "A parent only learned the Local Offer existed at their child's annual review.",
        "Thank you. We agree that families should hear about the Local Offer much earlier.",
        "Every letter confirming an EHC needs assessment now links to the Local Offer, and "
        "health visitors hand out its leaflet.",
    ),
    (
        FeedbackAbout.CONTENT,
        ("Finding information",),
        "Too many of the services are generic and don't say whether they can support autistic "
        "children.",
        "Many services do not say whether they can support autistic children.",
        "You are right: a generic listing does not help you decide.",
        "Every provider now answers questions about the needs they meet, and you can filter "
        "the search by need.",
    ),
    (
        FeedbackAbout.GAP,
        ("Short breaks",),
        "There are no short breaks clubs near us on a weekday evening for teenagers.",
        "There are no weekday evening short breaks for teenagers in one part of the area.",
        "We looked at where short breaks run and agree there is a gap for older young people.",
        "A new Tuesday evening youth club opened in the autumn, funded from the short breaks "
        "grant.",
    ),
    (
        FeedbackAbout.SERVICE,
        ("Waiting times",),
        "We have waited over a year for an autism assessment and heard nothing.",
        "A family waited more than a year for an autism assessment without any update.",
        "We are sorry. Waiting times for neurodevelopmental assessment are too long.",
        "Families on the waiting list now get a letter every three months with their "
        "expected wait, and can use the waiting well support offer.",
    ),
    (
        FeedbackAbout.SERVICE,
        ("Transport",),
        "The school taxi changed drivers three times this term and my daughter was very upset.",
        "Frequent changes of transport drivers upset a child who needs routine.",
        "Consistency matters for many children and we have raised this with the operators.",
        "Contracts now require a named driver and passenger assistant for each route, with "
        "notice to families of any change.",
    ),
    (
        FeedbackAbout.DEVELOPMENT,
        ("Finding information",),
        "It would be good to be able to print a list of services to take to meetings.",
        "Families would like to print a list of services to take to meetings.",
        "Good idea.",
        "You can now add services to a shortlist and print it or email it to yourself.",
    ),
    (
        FeedbackAbout.SERVICE,
        ("Waiting times", "Communication"),
        "Speech therapy discharged my child without telling the school.",
        "A therapy service discharged a child without telling the school.",
        "We are sorry this happened. Schools should always receive the discharge report.",
        "The discharge letter is now copied to the school's SENCO, with the family's agreement.",
    ),
    (
        FeedbackAbout.CONTENT,
        ("Short breaks",),
        "The short breaks page doesn't explain who is eligible.",
        "The short breaks information does not explain who is eligible.",
        "Thank you. We have rewritten the eligibility criteria with the parent carer forum.",
        "The short breaks statement and eligibility form were republished in plain English.",
    ),
    (
        FeedbackAbout.GAP,
        ("Transport",),
        "My son could travel on his own with some training but there's no one to teach him.",
        "A young person could travel independently with training but none was offered.",
        "Independent travel training is available from age 11 and we should have said so.",
        "Independent travel training is now offered at every year 9 annual review.",
    ),
    (
        FeedbackAbout.ACCESSIBILITY,
        ("Finding information",),
        "The website is hard to use on my phone.",
        "The website is hard to use on a phone.",
        "We tested the new Local Offer with parents on their phones.",
        "The new Local Offer works on any screen size and without an app.",
    ),
    (
        FeedbackAbout.SERVICE,
        ("Communication",),
        "The youth club was brilliant, my daughter has made real friends.",
        "A young person made real friends at an inclusive youth club.",
        "Thank you for letting us know; we have passed this on to the club's staff.",
        "No change needed.",
    ),
    (
        FeedbackAbout.GAP,
        ("Waiting times",),
        "There is no sensory OT unless your child has an EHC plan.",
        "Sensory occupational therapy is only available to children with an EHC plan.",
        "This matches what families told the joint commissioning review.",
        "A graduated sensory offer started: workshops for any family, and assessment where "
        "needed, without a diagnosis or a plan.",
    ),
)

NEW_FEEDBACK = (
    (FeedbackAbout.SERVICE, "Is the Saturday club running over Christmas?"),
    (FeedbackAbout.GAP, "We need more childcare that can take a child who is tube fed."),
    (FeedbackAbout.CONTENT, "The phone number for the wheelchair service is out of date."),
    (FeedbackAbout.DEVELOPMENT, "Please add a map to the search results."),
)

#: Searches people make: (words, needs, categories, age, free_only, day), and how often.
SEARCHES: tuple[
    tuple[tuple[str, tuple[str, ...], tuple[str, ...], int | None, bool, str], int], ...
] = (
    (("speech therapy", (), (), None, False, ""), 12),
    (("autism", (), (), None, False, ""), 14),
    (("short breaks", (), (), None, False, ""), 10),
    (("", ("ASD",), ("short-breaks",), 9, False, ""), 6),
    (("youth club", (), (), 14, False, ""), 6),
    (("", (), ("leisure",), None, True, "SA"), 4),
    (("sensory", (), (), None, False, ""), 7),
    (("camhs", (), (), None, False, ""), 5),
    (("ADHD assessment", (), (), None, False, ""), 6),
    (("wheelchair", (), (), None, False, ""), 3),
    (("transport", (), (), None, False, ""), 5),
    (("sendiass", (), (), None, False, ""), 3),
    (("", ("PD",), ("therapies",), 4, False, ""), 3),
    (("swimming", (), (), None, False, ""), 4),
    (("mediation", (), (), None, False, ""), 2),
    (("physio", (), (), None, False, ""), 3),
    (("speach therapy", (), (), None, False, ""), 2),
    (("childcare", ("ASD",), (), 6, False, ""), 3),
    (("supported internship", (), (), 17, False, ""), 2),
    (("", ("SEMH",), (), 15, False, ""), 4),
    # searches that find nothing: evidence of unmet demand
    (("hydrotherapy pool", (), (), None, False, ""), 2),
    (("horse riding", (), (), None, False, ""), 2),
    (("dentist autism", (), (), None, False, ""), 2),
    (("sleep clinic", (), (), None, False, ""), 2),
    (("", ("VI",), ("youth-clubs",), 16, False, ""), 1),
    (("eating disorder", (), (), None, False, ""), 1),
)

# --- Where: towns, districts and coordinates -----------------------------------------------


@dataclass(frozen=True)
class Town:
    name: str
    district: str
    latitude: float
    longitude: float
    county: str


def _county_of(districts: Sequence[str]) -> dict[str, str]:
    from opensend.directory import geo

    wanted = set(districts)
    found: dict[str, str] = {}
    with geo.DISTRICTS_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["postcode"].strip().upper()
            if code in wanted:
                found[code] = (row.get("county") or "").strip()
    return found


def _towns(rng: random.Random, districts: Sequence[str], count: int) -> list[Town]:
    """``count`` invented towns, spread over the area's real postcode districts, each near its
    district's centroid."""
    from opensend.directory import geo

    known: list[tuple[str, geo.Point]] = []
    for district in districts:
        point = geo.district_centroid(district)
        if point is not None:
            known.append((district, point))
    if not known:
        raise ValueError(
            f"None of the postcode districts {', '.join(districts)} is in the district file."
        )
    counties = _county_of([d for d, _ in known])
    places = list(names.PLACES)
    rng.shuffle(places)
    towns: list[Town] = []
    for index in range(count):
        district, point = known[index % len(known)]
        towns.append(
            Town(
                name=places[index % len(places)]
                + ("" if index < len(places) else f" {index // len(places) + 1}"),
                district=district,
                latitude=round(point.latitude + rng.uniform(-0.012, 0.012), 5),
                longitude=round(point.longitude + rng.uniform(-0.018, 0.018), 5),
                county=counties.get(district) or "England",
            )
        )
    return towns


def _postcode(rng: random.Random, district: str) -> str:
    letters = names.INWARD_LETTERS
    return f"{district} {rng.randrange(10)}{rng.choice(letters)}{rng.choice(letters)}"


def _street(rng: random.Random) -> str:
    return f"{rng.randrange(1, 180)} {rng.choice(names.PLACES)} {rng.choice(names.STREET_KINDS)}"


def _landline(rng: random.Random) -> str:
    return f"{DRAMA_LANDLINE}{rng.randrange(1000):03d}"


def _slug(text: str) -> str:
    from opensend.people.names import fold

    return "-".join(part for part in (fold(word) for word in text.split()) if part)[:60]


# --- The plan --------------------------------------------------------------------------------


class _Ids:
    """Deterministic UUIDs for the rows of one generation."""

    def __init__(self, la_code: str, seed: int) -> None:
        self.prefix = f"{la_code}:{seed}"
        self.counter = itertools.count()

    def __call__(self, table: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"{self.prefix}:{table}:{next(self.counter)}")


WRITE_ORDER: tuple[type[models.Model], ...] = (
    Organization,
    OrganizationIdentifier,
    Location,
    Address,
    Accessibility,
    Service,
    ServiceAtLocation,
    Contact,
    Phone,
    Language,
    Schedule,
    ServiceArea,
    CostOption,
    Funding,
    Attribute,
    Schedule2Answer,
    ServiceCheck,
)


@dataclass
class _Writer:
    """The rows waiting to be written, in the order they must be inserted."""

    rows: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)

    def add(self, row: models.Model) -> None:
        self.rows.setdefault(type(row), []).append(row)

    def write(self) -> dict[str, int]:
        written: dict[str, int] = {}
        for model in WRITE_ORDER:
            pending: list[Any] = self.rows.get(model, [])
            model._default_manager.bulk_create(pending, batch_size=BATCH_SIZE)
            written[model._meta.label] = len(pending)
        return written


@dataclass
class _Made:
    """A generated service and what its editorial state will be."""

    service: Service
    check: ServiceCheck | None = None
    state: str = "public"  # public, draft_new, hidden, archived
    draft: str = ""  # summary of a change waiting for approval
    earlier_version: bool = False


class _Builder:
    def __init__(
        self,
        *,
        area: Area,
        rng: random.Random,
        ids: _Ids,
        today: dt.date,
        base: str,
        towns: list[Town],
    ) -> None:
        self.area = area
        self.rng = rng
        self.ids = ids
        self.today = today
        self.base = base
        self.towns = towns
        self.writer = _Writer()
        self.organizations: dict[str, Organization] = {}
        self.locations: dict[str, Location] = {}
        self.made: list[_Made] = []
        self.domain = f"{_slug(base) or 'area'}.example.org"
        self.phone_serial = itertools.count()

    # --- organisations and places ---

    def organization(
        self, key: str, name: str, description: str, owner: Organisation | None
    ) -> Organization:
        found = self.organizations.get(key)
        if found is not None:
            return found
        slug = _slug(name)
        organization = Organization(
            id=self.ids("organization"),
            area=self.area,
            name=name,
            description=description,
            email=f"enquiries@{slug}.example.org",
            website=f"https://www.{slug}.example.org/",
            owner=owner,
        )
        self.writer.add(organization)
        if owner is not None and owner.urn:
            self.writer.add(
                OrganizationIdentifier(
                    id=self.ids("identifier"),
                    organization=organization,
                    identifier_scheme="GB-EDU",
                    identifier_type="URN",
                    identifier=owner.urn,
                )
            )
        self.organizations[key] = organization
        return organization

    def location(
        self,
        key: str,
        name: str,
        town: Town,
        access: Sequence[str],
        *,
        postcode: str = "",
        mappable: bool = True,
    ) -> Location:
        found = self.locations.get(key)
        if found is not None:
            return found
        rng = self.rng
        location = Location(
            id=self.ids("location"),
            area=self.area,
            name=name,
            description="",
            latitude=(round(town.latitude + rng.uniform(-0.006, 0.006), 5) if mappable else None),
            longitude=(round(town.longitude + rng.uniform(-0.009, 0.009), 5) if mappable else None),
        )
        self.writer.add(location)
        self.writer.add(
            Address(
                id=self.ids("address"),
                location=location,
                address_1=_street(rng),
                city=town.name,
                state_province=town.county,
                postal_code=postcode or _postcode(rng, town.district),
            )
        )
        features = list(access)
        details = ", ".join(_accessibility_label(code) for code in features).lower()
        self.writer.add(
            Accessibility(
                id=self.ids("accessibility"),
                location=location,
                description=f"{name}: {details}." if details else "",
                details=rng.choice(
                    (
                        "Level access from the car park.",
                        "Automatic doors at the main entrance.",
                        "Ask at reception for the quiet room.",
                        "A ramp at the side entrance; the main door has two steps.",
                    )
                ),
            )
        )
        self.locations[key] = location
        return location

    # --- one service ---

    def service(
        self,
        *,
        organization: Organization,
        name: str,
        description: str,
        categories: Sequence[str],
        needs: Sequence[str],
        ages: tuple[int, int],
        access: str,
        referral_by: str,
        days: str,
        hours: tuple[str, str],
        when: str,
        location: Location | None,
        accessibility: Sequence[str],
        suitability: Sequence[str],
        cost: str,
        cost_label: str,
        funding: str,
        schedule2: dict[str, tuple[list[str], str]] | None = None,
        email: str = "",
    ) -> Service:
        rng = self.rng
        now = timezone.now()
        service = Service(
            id=self.ids("service"),
            area=self.area,
            organization=organization,
            name=name,
            description=description,
            url=f"https://{self.domain}/services/{_slug(name)}",
            email=email or f"{_slug(name)[:40]}@{self.domain}",
            status=ServiceStatus.ACTIVE,
            fees=f"£{cost} {cost_label.lower()}" if cost else "",
            minimum_age=ages[0],
            maximum_age=ages[1],
            last_modified=now,
            how_to_access=access,
            referral_by=referral_by,
        )
        self.writer.add(service)
        checked = _checked_at(rng, self.today)
        service.last_checked_at = checked
        check = ServiceCheck(service=service, checked_at=checked, note="Checked with the provider.")
        self.writer.add(check)
        if location is not None:
            sal = ServiceAtLocation(id=self.ids("sal"), service=service, location=location)
            self.writer.add(sal)
        contact = Contact(
            id=self.ids("contact"),
            service=service,
            name=rng.choice(("Duty desk", "Bookings", "Reception", "Team administrator")),
            title="",
            email=service.email,
        )
        self.writer.add(contact)
        self.writer.add(
            Phone(
                id=self.ids("phone"),
                contact=contact,
                number=_landline(rng),
                description=rng.choice(("Main line", "Bookings", "Duty line")),
            )
        )
        self.writer.add(
            Language(id=self.ids("language"), service=service, name="English", code="en")
        )
        if "bsl" in accessibility or rng.random() < 0.15:
            self.writer.add(
                Language(
                    id=self.ids("language"),
                    service=service,
                    name="British Sign Language",
                    code="bfi",
                )
            )
        if rng.random() < 0.1:
            name_code = rng.choice((("Polish", "pl"), ("Urdu", "ur"), ("Arabic", "ar")))
            self.writer.add(
                Language(
                    id=self.ids("language"), service=service, name=name_code[0], code=name_code[1]
                )
            )
        opens, closes = hours
        self.writer.add(
            Schedule(
                id=self.ids("schedule"),
                service=service,
                freq=Schedule.Freq.WEEKLY,
                interval=1,
                byday=days,
                opens_at=dt.time.fromisoformat(opens),
                closes_at=dt.time.fromisoformat(closes),
                description=when,
            )
        )
        self.writer.add(
            ServiceArea(
                id=self.ids("service_area"),
                service=service,
                name=self.base,
                service_area=f"Children and young people living in {self.base}",
            )
        )
        self.writer.add(
            CostOption(
                id=self.ids("cost"),
                service=service,
                option=cost_label if cost else "Free",
                amount=Decimal(cost) if cost else Decimal("0"),
                amount_description=(
                    f"£{cost} {cost_label.lower()}; help with costs is available"
                    if cost
                    else "Free of charge"
                ),
            )
        )
        if funding:
            self.writer.add(
                Funding(
                    id=self.ids("funding"), service=service, source=funding.format(base=self.base)
                )
            )
        tags: list[tuple[str, str]] = [(code, "category") for code in categories]
        tags += [(f"need-{code.lower()}", "need") for code in needs]
        tags += [(code, "accessibility") for code in accessibility]
        tags += [(code, "suitability") for code in suitability]
        seen: set[tuple[str, str]] = set()
        for code, link_type in tags:
            if (code, link_type) in seen:
                continue
            seen.add((code, link_type))
            self.writer.add(
                Attribute(
                    id=self.ids("attribute"),
                    taxonomy_term_id=term_id(code),
                    link_id=service.id,
                    link_entity="service",
                    link_type=link_type,
                    service=service,
                )
            )
        for topic, (options, detail) in (schedule2 or {}).items():
            self.writer.add(
                Schedule2Answer(service=service, topic=topic, options=options, detail=detail)
            )
        self.made.append(_Made(service=service, check=check))
        return service


def _accessibility_label(code: str) -> str:
    from opensend.directory.taxonomy import ACCESSIBILITY

    for spec in ACCESSIBILITY:
        if spec.code == code:
            return spec.name
    return code


def _checked_at(rng: random.Random, today: dt.date) -> dt.datetime:
    """When a service was last checked: most within the last 11 months."""
    day = today - dt.timedelta(days=rng.randrange(3, 330))
    return _at(day, rng)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment in working hours on ``day``, in UTC as the database gives it back (so a
    document built from rows in memory equals one built from rows read again)."""
    moment = dt.datetime.combine(day, dt.time(9 + rng.randrange(8), rng.randrange(60)))
    return timezone.make_aware(moment).astimezone(dt.UTC)


# --- Providers: the area's partners and schools ---------------------------------------------


def _partners(area: Area) -> dict[str, Organisation]:
    found: dict[str, Organisation] = {}
    candidates = list(
        Organisation.objects.filter(home_area=area, setting_type="").order_by("name", "pk")
    )
    for key, (kind, word) in PROVIDER_LOOKUP.items():
        for organisation in candidates:
            if organisation.kind == kind and word in organisation.name:
                found[key] = organisation
                break
    return found


EDUCATION_TYPES = (
    SettingType.MAINTAINED_NURSERY,
    SettingType.EARLY_YEARS,
    SettingType.LA_MAINTAINED,
    SettingType.ACADEMY,
    SettingType.SPECIAL_MAINTAINED,
    SettingType.SPECIAL_ACADEMY,
    SettingType.ALTERNATIVE_PROVISION,
    SettingType.INDEPENDENT_SPECIAL,
    SettingType.FE_COLLEGE,
    SettingType.SIXTH_FORM_COLLEGE,
    SettingType.SPECIALIST_POST16,
)


def _schools(area: Area) -> list[Organisation]:
    return list(
        Organisation.objects.filter(
            home_area=area, setting_type__in=EDUCATION_TYPES, closed_on__isnull=True
        ).order_by("setting_type", "name", "pk")
    )


def _school_shape(school: Organisation) -> tuple[str, tuple[int, int], tuple[str, ...], str]:
    """Category, ages, needs and a sentence for a school, from its type and phase."""
    kind = school.setting_type
    special = kind in (
        SettingType.SPECIAL_MAINTAINED,
        SettingType.SPECIAL_ACADEMY,
        SettingType.INDEPENDENT_SPECIAL,
        SettingType.SPECIALIST_POST16,
    )
    if kind in (SettingType.MAINTAINED_NURSERY, SettingType.EARLY_YEARS):
        return "early-years", (2, 4), ("SLCN", "ASD", "DS", "PD"), "An early years setting"
    if kind in (SettingType.FE_COLLEGE, SettingType.SIXTH_FORM_COLLEGE):
        return "schools", (16, 25), ("MLD", "SPLD", "ASD", "SEMH", "HI", "VI", "PD"), "A college"
    if kind == SettingType.SPECIALIST_POST16:
        return "schools", (16, 25), ("SLD", "PMLD", "ASD", "MSI"), "A specialist college"
    if kind == SettingType.ALTERNATIVE_PROVISION:
        return "schools", (11, 16), ("SEMH",), "Alternative provision"
    phase = school.phase
    ages_by_phase: dict[str, tuple[int, int]] = {
        Phase.PRIMARY: (4, 11),
        Phase.SECONDARY: (11, 18),
        Phase.ALL_THROUGH: (4, 18),
        Phase.MIDDLE: (9, 13),
    }
    ages = ages_by_phase.get(phase, (4, 19) if special else (4, 16))
    if special:
        return "schools", (2, 19), ("SLD", "PMLD", "ASD", "PD", "MSI", "SLCN"), "A special school"
    needs: tuple[str, ...] = ("SLCN", "SEMH", "MLD", "SPLD", "ASD")
    if school.has_resourced_provision or school.has_sen_unit:
        needs = (*needs, "HI", "PD")
    return "schools", ages, needs, "A mainstream school"


# --- The stage ---------------------------------------------------------------------------------


def local_offer_generate(
    *,
    acting_user: User | None,
    area: Area,
    seed: int,
    districts: Sequence[str],
    scale: float = 1.0,
    services: int | None = None,
    today: dt.date | None = None,
) -> dict[str, int]:
    """Generate the Local Offer of a synthetic area and return the rows written per table.

    ``services`` is the number of services in all (schools included); by default the area's
    schools and colleges plus ``DEFAULT_SERVICES`` times ``scale`` others (at least one of
    each kind). Refuses a real area, and an area that already has directory services."""
    if not area.is_synthetic:
        raise ValueError(f"{area.name} is a real area: its Local Offer is never generated.")
    if Service.objects.filter(area=area).exists():
        raise ValueError(f"{area.name} already has a Local Offer; clear it first.")
    today = today or timezone.localdate()
    rng = random.Random(f"opensend-synth-local-offer-{seed}-{area.la_code}")
    ids = _Ids(area.la_code, seed)
    base = area.name.replace("(synthetic)", "").strip() or area.name
    schools = _schools(area)
    partners = _partners(area)
    local_templates = [t for t in TEMPLATES if t.local]
    wide_templates = [t for t in TEMPLATES if not t.local]
    if services is None:
        others = max(len(TEMPLATES), round(DEFAULT_SERVICES * min(scale, 1.0)))
    else:
        others = max(len(wide_templates), services - len(schools))
        if services < len(schools):
            schools = schools[:services]
            others = 0
    local_count = max(0, others - len(wide_templates))
    town_count = max(4, math.ceil(local_count / len(local_templates) * 1.6))
    towns = _towns(rng, districts, town_count)
    builder = _Builder(area=area, rng=rng, ids=ids, today=today, base=base, towns=towns)

    with transaction.atomic():
        DirectorySettings.objects.get_or_create(
            area=area,
            defaults={
                "title": f"{base} Local Offer",
                "feedback_email": f"localoffer@{builder.domain}",
                "accessibility_statement": (
                    f"The {base} Local Offer aims to meet WCAG 2.2 at level AA. Tell us about "
                    "anything you cannot use and we will put it right."
                ),
            },
        )
        _build_templates(builder, wide_templates, local_templates, others, partners)
        _build_schools(builder, schools, districts)
        _decide_states(builder)
        rows = builder.writer.write()
        rows.update(_publish(builder, acting_user=acting_user))
        rows["directory.Feedback"] = _feedback(builder)
        rows["directory.SearchLog"] = _search_logs(builder, districts)
    return rows


def _provider(
    builder: _Builder, key: str, partners: dict[str, Organisation], town: Town
) -> Organization:
    base = builder.base
    if key.startswith("local:"):
        name = key.removeprefix("local:").format(town=town.name, base=base)
        return builder.organization(
            f"local:{name}",
            name,
            "A local voluntary and community organisation for children and young people.",
            None,
        )
    owner = partners.get(key)
    name = owner.name if owner is not None else PROVIDER_FALLBACK_NAMES[key].format(base=base)
    return builder.organization(key, name, PROVIDER_DESCRIPTIONS[key], owner)


def _build_templates(
    builder: _Builder,
    wide: list[Template],
    local: list[Template],
    others: int,
    partners: dict[str, Organisation],
) -> None:
    rng = builder.rng
    towns = builder.towns
    home = towns[0]
    chosen: list[tuple[Template, Town]] = [(template, home) for template in wide][:others]
    wanted = others - len(chosen)
    if wanted > 0:
        # one of each local kind first, then a weighted draw of (kind, town) pairs without
        # replacement
        pairs = [(t, town) for t in local for town in towns]
        first = [(t, towns[index % len(towns)]) for index, t in enumerate(local)][:wanted]
        rest = [pair for pair in pairs if pair not in first]
        keyed = sorted(rest, key=lambda pair: -(rng.random() ** (1.0 / pair[0].weight)))
        chosen += first + keyed[: wanted - len(first)]
    for template, town in chosen:
        organization = _provider(builder, template.provider, partners, town)
        location = None
        access_codes: list[str] = []
        if template.venue:
            venue_name = VENUES[template.venue].format(town=town.name, base=builder.base)
            access_codes = list(VENUE_ACCESSIBILITY[template.venue])
            location = builder.location(
                venue_name,
                venue_name,
                town,
                access_codes,
                mappable=rng.random() > 0.02,
            )
        if rng.random() < 0.3:
            access_codes.append(rng.choice(EXTRA_ACCESSIBILITY))
        name = f"{template.name} – {town.name}" if template.local else template.name
        extra = rng.sample(EXTRA_SENTENCES, 2)
        description = f"{template.description} {extra[0]} {extra[1]}"
        builder.service(
            organization=organization,
            name=name,
            description=description,
            categories=(template.category,),
            needs=template.needs,
            ages=template.ages,
            access=template.access,
            referral_by=template.referral_by,
            days=template.days,
            hours=template.hours,
            when=template.when,
            location=location,
            accessibility=sorted(set(access_codes)),
            suitability=template.suitability,
            cost=template.cost,
            cost_label=template.cost_label,
            funding=template.funding,
        )


def _build_schools(
    builder: _Builder, schools: list[Organisation], districts: Sequence[str]
) -> None:
    rng = builder.rng
    town_by_district = {town.district: town for town in reversed(builder.towns)}
    for school in schools:
        district = school.postcode.split(" ")[0] if school.postcode else ""
        town = town_by_district.get(district) or builder.towns[0]
        category, ages, needs, kind = _school_shape(school)
        organization = builder.organization(
            f"school:{school.pk}",
            school.name,
            f"{kind} in {builder.base}.",
            school,
        )
        access = ["step-free", "accessible-toilet"]
        if "special" in (school.setting_type or "") or school.has_resourced_provision:
            access += ["changing-places", "sensory-friendly"]
        location = builder.location(
            f"school:{school.pk}",
            school.name,
            town,
            access,
            postcode=school.postcode,
        )
        answers: dict[str, tuple[list[str], str]] = {}
        for topic, options in SCHEDULE2_OPTIONS.items():
            codes = [code for code, _ in options]
            picked = sorted(rng.sample(codes, rng.randint(2, min(4, len(codes)))), key=codes.index)
            answers[topic.value] = (picked, rng.choice(SCHEDULE2_DETAIL[topic]))
        description = (
            f"{kind} for children and young people aged {ages[0]} to {ages[1]}. "
            "Our SEN information report describes how we support pupils with special "
            "educational needs, from SEN support to education, health and care plans. "
            f"{rng.choice(EXTRA_SENTENCES)}"
        )
        builder.service(
            organization=organization,
            name=school.name,
            description=description,
            categories=(category,),
            needs=needs,
            ages=ages,
            access=HowToAccess.EITHER,
            referral_by="Admissions through the council; a place named in an EHC plan through "
            "the EHC team",
            days=WEEKDAYS,
            hours=("08:45", "15:15"),
            when="School days in term time",
            location=location,
            accessibility=access,
            suitability=(),
            cost="",
            cost_label="",
            funding="",
            schedule2=answers,
            email=f"office@{_slug(school.name)[:40]}.example.org",
        )


# --- Publishing, in bulk -------------------------------------------------------------------------


def _decide_states(builder: _Builder) -> None:
    """The editorial states, decided before the rows are written (so nothing is updated
    afterwards): temporarily closed, alerts, stale, hidden, scheduled and archived services,
    changes and new services waiting for approval, earlier versions, and when each service was
    published."""
    rng = builder.rng
    today = builder.today
    made = sorted(builder.made, key=lambda m: m.service.name)
    pool = list(made)
    rng.shuffle(pool)
    picks = iter(pool)
    count = len(made)

    def take(share: float, minimum: int = 1) -> list[_Made]:
        n = min(count, max(minimum, round(count * share)))
        return list(itertools.islice(picks, n))

    closed = take(0.03)
    alerted = take(0.04)
    stale = take(0.08)
    hidden = take(0.01)
    drafts = take(0.06)
    new = take(0.02)
    scheduled = take(0.01)
    archived = take(0.01)
    earlier = take(0.15)
    for item in closed:
        service = item.service
        service.status = ServiceStatus.TEMPORARILY_CLOSED
        service.reopens_on = today + dt.timedelta(days=rng.randrange(14, 120))
        service.alert = rng.choice(CLOSED_ALERTS)
    for item in alerted:
        item.service.alert = rng.choice(ALERTS)
    for item, (low, high) in [(i, (370, 450)) for i in stale] + [(i, (470, 600)) for i in hidden]:
        checked = _at(today - dt.timedelta(days=rng.randrange(low, high)), rng)
        item.service.last_checked_at = checked
        item.service.stale_notified_at = _at(checked.date() + dt.timedelta(days=366), rng)
        if item.check is not None:
            item.check.checked_at = checked
    for item in hidden:
        item.state = "hidden"
        last = item.service.last_checked_at
        if last is not None:
            item.service.stale_hidden_at = _at(last.date() + dt.timedelta(days=456), rng)
    for item in drafts:
        item.draft = rng.choice(DRAFT_CHANGES)
    for item in new:
        item.state = "draft_new"
    for item in scheduled:
        item.service.publish_from = today + dt.timedelta(days=rng.randrange(7, 60))
    for item in archived:
        item.state = "archived"
        item.service.archived_at = _at(today - dt.timedelta(days=rng.randrange(1, 90)), rng)
    for item in earlier:
        item.earlier_version = True
    for item in made:
        last = item.service.last_checked_at
        day = min(today, last.date() if last else today)
        item.service.last_modified = _at(day - dt.timedelta(days=rng.randrange(0, 60)), rng)


def _publish(builder: _Builder, *, acting_user: User | None) -> dict[str, int]:
    """What publishing each service would do, in bulk: an approved version whose document is
    the service as published, ``published_revision`` set, the index built; with the earlier
    versions and the changes and new services waiting for approval."""
    from opensend.directory.oruk.documents import service_document, with_related
    from opensend.directory.search import index_services

    rng = builder.rng
    today = builder.today
    made = sorted(builder.made, key=lambda m: m.service.name)
    by_id = {m.service.id: m for m in made}

    # the approved versions: the document of the rows as published
    revisions: list[ServiceRevision] = []
    published: list[Service] = []
    ordered_ids = [m.service.id for m in made]
    for start in range(0, len(ordered_ids), 500):
        chunk = ordered_ids[start : start + 500]
        for service in with_related(Service.objects.filter(pk__in=chunk)).order_by("name"):
            item = by_id[service.id]
            published_at = service.last_modified
            document = service_document(service)
            number = 1
            if item.state == "draft_new":
                revisions.append(
                    _revision(
                        service,
                        1,
                        document,
                        RevisionState.SUBMITTED,
                        published_at,
                        "New service",
                        acting_user,
                        decided=False,
                    )
                )
                item.service = service
                continue
            if item.earlier_version:
                older = copy.deepcopy(document)
                older["description"] = service.description.rsplit(" ", 12)[0] + "."
                older["last_modified"] = (published_at - dt.timedelta(days=400)).isoformat()
                revisions.append(
                    _revision(
                        service,
                        1,
                        older,
                        RevisionState.SUPERSEDED,
                        published_at - dt.timedelta(days=400),
                        "First published",
                        acting_user,
                    )
                )
                number = 2
            revisions.append(
                _revision(
                    service,
                    number,
                    document,
                    RevisionState.APPROVED,
                    published_at,
                    "First published" if number == 1 else "Annual review",
                    acting_user,
                )
            )
            if item.draft:
                proposed = copy.deepcopy(document)
                proposed["description"] = f"{service.description} {rng.choice(EXTRA_SENTENCES)}"
                revisions.append(
                    _revision(
                        service,
                        number + 1,
                        proposed,
                        RevisionState.SUBMITTED,
                        _at(today - dt.timedelta(days=rng.randrange(1, 20)), rng),
                        item.draft,
                        acting_user,
                        decided=False,
                    )
                )
            published.append(service)
            item.service = service
    ServiceRevision.objects.bulk_create(revisions, batch_size=BATCH_SIZE)
    approved = {
        revision.service_id: revision
        for revision in revisions
        if revision.state == RevisionState.APPROVED
    }
    for service in published:
        service.published_revision = approved[service.id]
    Service.objects.bulk_update(published, ["published_revision"], batch_size=BATCH_SIZE)
    # as publishing does: index every published service (the bulk path writes the same rows as
    # ``index_service``, which leaves out the archived; hidden and scheduled ones are left out
    # when searching)
    index_services(published)
    return {
        "directory.ServiceRevision": len(revisions),
        "directory.SearchTerm": SearchTerm.objects.filter(service__area=builder.area).count(),
    }


def _revision(
    service: Service,
    number: int,
    document: dict[str, Any],
    state: str,
    when: dt.datetime,
    summary: str,
    acting_user: User | None,
    *,
    decided: bool = True,
) -> ServiceRevision:
    return ServiceRevision(
        service=service,
        number=number,
        document=document,
        state=state,
        summary=summary,
        created_by=acting_user,
        created_at=when,
        submitted_at=when,
        decided_by=acting_user if decided else None,
        decided_at=when if decided else None,
    )


# --- Feedback and search logs ---------------------------------------------------------------------


def _feedback_reference(rng: random.Random, taken: set[str]) -> str:
    from opensend.directory.services.feedback import (
        REFERENCE_ALPHABET,
        REFERENCE_LENGTH,
        REFERENCE_PREFIX,
    )

    while True:
        reference = REFERENCE_PREFIX + "".join(
            rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)
        )
        if reference not in taken and not Feedback.objects.filter(reference=reference).exists():
            taken.add(reference)
            return reference


def _feedback(builder: _Builder) -> int:
    """Comments with published answers over the last two years, grouped by theme, and a few
    new ones waiting for staff."""
    rng = builder.rng
    area = builder.area
    today = builder.today
    themes: dict[str, FeedbackTheme] = {}
    for name, description in FEEDBACK_THEMES.items():
        theme, _ = FeedbackTheme.objects.get_or_create(
            area=area, name=name, defaults={"description": description}
        )
        themes[name] = theme
    services = sorted(
        (m.service for m in builder.made if m.state == "public"), key=lambda s: s.name
    )
    taken: set[str] = set()
    made: list[tuple[Feedback, tuple[str, ...]]] = []
    for index, (about, theme_names, comment, published, response, action) in enumerate(FEEDBACK):
        received = _at(today - dt.timedelta(days=60 + index * 50 + rng.randrange(30)), rng)
        answered = received + dt.timedelta(days=rng.randrange(5, 25))
        feedback = Feedback(
            area=area,
            reference=_feedback_reference(rng, taken),
            service=rng.choice(services) if about == FeedbackAbout.SERVICE and services else None,
            about=about,
            comment=comment,
            relationship=rng.choice(
                (
                    Feedback.Relationship.PARENT,
                    Feedback.Relationship.PARENT,
                    Feedback.Relationship.YOUNG_PERSON,
                    Feedback.Relationship.PROFESSIONAL,
                )
            ),
            received_at=received,
            status=FeedbackStatus.PUBLISHED,
            published_comment=published,
            response=response,
            action=action,
            answered_at=answered,
            published_at=answered + dt.timedelta(days=rng.randrange(1, 10)),
        )
        made.append((feedback, theme_names))
    for index, (about, comment) in enumerate(NEW_FEEDBACK):
        feedback = Feedback(
            area=area,
            reference=_feedback_reference(rng, taken),
            about=about,
            comment=comment,
            relationship=Feedback.Relationship.PARENT,
            received_at=_at(today - dt.timedelta(days=index * 3 + 1), rng),
            status=FeedbackStatus.NEW if index % 2 == 0 else FeedbackStatus.TRIAGED,
        )
        made.append((feedback, ("Communication",) if index % 2 else ()))
    Feedback.objects.bulk_create([feedback for feedback, _ in made])
    links = []
    through = Feedback.themes.through
    saved = {f.reference: f for f in Feedback.objects.filter(reference__in=taken)}
    for feedback, theme_names in made:
        for name in theme_names:
            links.append(
                through(feedback_id=saved[feedback.reference].pk, feedbacktheme_id=themes[name].pk)
            )
    through.objects.bulk_create(links)
    return len(made)


def _search_logs(builder: _Builder, districts: Sequence[str]) -> int:
    """About four months of anonymous searches, as the public search logs them, with their real
    result counts (searches that found nothing included)."""
    from opensend.directory.search import SearchQuery, search

    rng = builder.rng
    area = builder.area
    counts: dict[SearchQuery, int] = {}
    queries: list[SearchQuery] = []
    weights: list[int] = []
    for (words, needs, categories, age, free_only, weekday), weight in SEARCHES:
        query = SearchQuery(
            words=words,
            needs=needs,
            categories=categories,
            age=age,
            free_only=free_only,
            day=weekday,
        )
        queries.append(query)
        weights.append(weight)
    for query in queries:
        counts[query] = search(area, query, source=None).total
    per_day = max(4, min(40, len(builder.made) // 12))
    logs: list[SearchLog] = []
    for days_ago in range(SEARCH_LOG_DAYS, 0, -1):
        day = builder.today - dt.timedelta(days=days_ago)
        for _ in range(rng.randint(per_day // 2, per_day)):
            query = rng.choices(queries, weights)[0]
            with_postcode = rng.random() < 0.4
            logs.append(
                SearchLog(
                    area=area,
                    occurred_at=_at(day, rng),
                    words=query.words,
                    filters=(
                        {**query.filters(), "within_miles": 5} if with_postcode else query.filters()
                    ),
                    postcode_district=rng.choice(list(districts)) if with_postcode else "",
                    result_count=counts[query],
                    source="web" if rng.random() < 0.95 else "api",
                )
            )
    SearchLog.objects.bulk_create(logs, batch_size=BATCH_SIZE)
    return len(logs)


# --- Clearing and counting --------------------------------------------------------------------


def clear_local_offer(area: Area) -> None:
    """Delete a synthetic area's Local Offer: its services and everything that hangs off them,
    its directory organisations and places, feedback, themes and search logs."""
    if not area.is_synthetic:
        raise ValueError(f"{area.name} is a real area: its Local Offer is never cleared.")
    Feedback.objects.filter(area=area).delete()
    FeedbackTheme.objects.filter(area=area).delete()
    SearchLog.objects.filter(area=area).delete()
    ImportedRecord.objects.filter(area=area).delete()
    ImportRun.objects.filter(area=area).delete()
    services = Service.objects.filter(area=area)
    services.update(published_revision=None)
    Attribute.objects.filter(service__area=area).delete()
    services.delete()
    Location.objects.filter(area=area).delete()
    Organization.objects.filter(area=area).delete()


def local_offer_add_if_missing(*, area: Area, seed: int) -> int:
    """Give a synthetic area generated before this stage existed its Local Offer, in the postcode
    districts of the area's own organisations. Returns the number of services made: none if it
    already has a Local Offer (or is not synthetic)."""
    if not area.is_synthetic or Service.objects.filter(area=area).exists():
        return 0
    postcodes = Organisation.objects.filter(home_area=area).exclude(postcode="")
    districts = sorted(
        {code.split(" ")[0] for code in postcodes.values_list("postcode", flat=True)}
    )
    if not districts:
        return 0
    rows = local_offer_generate(acting_user=None, area=area, seed=seed, districts=districts)
    return rows["directory.Service"]


def local_offer_counts(area: Area) -> dict[str, int]:
    public = Service.objects.public().filter(area=area)
    return {
        "services": Service.objects.filter(area=area).count(),
        "public": public.count(),
        "waiting for approval": ServiceRevision.objects.filter(
            service__area=area, state=RevisionState.SUBMITTED
        ).count(),
        "temporarily closed": public.filter(status=ServiceStatus.TEMPORARILY_CLOSED).count(),
        "feedback": Feedback.objects.filter(area=area).count(),
        "searches logged": SearchLog.objects.filter(area=area).count(),
    }
