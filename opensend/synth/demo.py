"""The demo: which synthetic area it shows, and one sign-in per role, each in a legitimate
relationship with some of the area's children (or none, for the roles that see figures only).

``demo_users_reset`` creates the users the first time and resets them every time after: the
same accounts, one new password, memberships pointing at the area as it is now, the parent
linked to a family contact of a child with an EHC plan, and the coordinator given a share of the
area's EHC cases.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from opensend.core import access_log, services
from opensend.core.models import (
    AccessAction,
    Area,
    Membership,
    Organisation,
    SettingType,
    User,
)
from opensend.core.roles import OrganisationKind, Role
from opensend.people import services as people_services
from opensend.people.models import Child, FamilyContact, Placement, Relationship, SENStatus
from opensend.synth import identifiers
from opensend.synth.generator import GenerationError, area_organisations
from opensend.synth.generator.ehc import demo_caseload_assign
from opensend.synth.profiles import ELSEWHERE_LA_CODE

DEMO_DOMAIN = "demo.opensend.test"
PARENT_EMAIL = f"parent@{DEMO_DOMAIN}"


@dataclass(frozen=True)
class StaffAccount:
    local_part: str
    full_name: str
    job_title: str
    role: Role
    organisation: str  # which of the area's partners: see ``_partner``


STAFF: tuple[StaffAccount, ...] = (
    StaffAccount("coordinator", "Casey Coordinator", "EHC coordinator", Role.EHC_COORDINATOR, "la"),
    StaffAccount("manager", "Morgan Manager", "Head of SEND", Role.SEND_MANAGER, "la"),
    StaffAccount("senco", "Sam Senco", "SENCO", Role.SENCO, "school"),
    StaffAccount(
        "health",
        "Harper Health",
        "Speech and language therapist",
        Role.HEALTH_PRACTITIONER,
        "community_trust",
    ),
    StaffAccount(
        "dco",
        "Devon Clinical",
        "Designated Clinical Officer",
        Role.DESIGNATED_CLINICAL_OFFICER,
        "icb",
    ),
    StaffAccount("social", "Sasha Social", "Social worker", Role.SOCIAL_WORKER, "la"),
    StaffAccount(
        "commissioner", "Cameron Commissioner", "Joint commissioner", Role.COMMISSIONER, "la"
    ),
    StaffAccount(
        "icb-commissioner",
        "Indra Commissioner",
        "Children's commissioning manager",
        Role.COMMISSIONER,
        "icb",
    ),
    StaffAccount("analyst", "Alex Analyst", "Public health analyst", Role.ANALYST, "la"),
    StaffAccount("board", "Blair Board", "Improvement board member", Role.BOARD_MEMBER, "la"),
    StaffAccount(
        "localoffer", "Logan Offer", "Local Offer officer", Role.LOCAL_OFFER_OFFICER, "la"
    ),
    StaffAccount(
        "provider",
        "Parker Provider",
        "Children's therapies service manager",
        Role.PROVIDER,
        "community_trust",
    ),
)


@dataclass(frozen=True)
class SignIn:
    email: str
    role: str
    organisation: str
    sees: str


def new_password() -> str:
    """One fresh password for every demo account, printed by ``opensend demo``."""
    return f"demo-{secrets.token_urlsafe(12)}"


def demo_area() -> Area | None:
    """The synthetic area the demo shows: the one with the lowest LA code, not counting the
    shared area of settings elsewhere."""
    return (
        Area.objects.filter(is_synthetic=True)
        .exclude(la_code=ELSEWHERE_LA_CODE)
        .filter(located_organisations__kind=OrganisationKind.LOCAL_AUTHORITY)
        .order_by("la_code")
        .distinct()
        .first()
    )


def _current(day: dt.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def senco_school(area: Area, on: dt.date | None = None) -> Organisation | None:
    """The area's mainstream school with the most pupils with SEN on roll."""
    day = on or timezone.localdate()
    row = (
        Placement.objects.filter(
            _current(day),
            child__area=area,
            child__sen_status__in=[SENStatus.EHC_PLAN, SENStatus.SEN_SUPPORT],
            setting__home_area=area,
            setting__setting_type__in=[SettingType.ACADEMY, SettingType.LA_MAINTAINED],
        )
        .values("setting_id", "setting__name")
        .annotate(pupils=Count("child_id", distinct=True))
        .order_by("-pupils", "setting__name", "setting_id")
        .first()
    )
    return Organisation.objects.get(pk=row["setting_id"]) if row else None


def _partner(area: Area, key: str, school: Organisation | None) -> Organisation:
    organisations: QuerySet[Organisation] = area_organisations(area).filter(home_area=area)
    found: Organisation | None
    if key == "school":
        found = school
    elif key == "la":
        found = organisations.filter(kind=OrganisationKind.LOCAL_AUTHORITY).first()
    elif key == "icb":
        found = organisations.filter(ods_code=identifiers.ods_code(area.la_code, "I")).first()
    else:
        found = organisations.filter(ods_code=identifiers.ods_code(area.la_code, "C")).first()
    if found is None:
        raise GenerationError(
            f"{area.name} has no {key.replace('_', ' ')} for the demo accounts: regenerate it "
            "with `opensend synth --replace`."
        )
    return found


def parent_contact(area: Area, school: Organisation | None) -> FamilyContact | None:
    """A mother with parental responsibility of a child with an EHC plan, preferring a child
    on roll at the SENCO's school so the accounts meet in the demo."""
    day = timezone.localdate()
    contacts = FamilyContact.objects.filter(
        child__area=area,
        child__sen_status=SENStatus.EHC_PLAN,
        has_parental_responsibility=True,
        relationship=Relationship.MOTHER,
    ).select_related("child")
    if school is not None:
        on_roll = contacts.filter(
            child__in=Placement.objects.filter(_current(day), setting=school).values("child_id")
        )
        chosen = on_roll.order_by("child__surname", "child__forename", "child_id", "pk").first()
        if chosen is not None:
            return chosen
    return contacts.order_by("child__surname", "child__forename", "child_id", "pk").first()


def _account(email: str, full_name: str, job_title: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        return services.user_create(
            acting_user=None,
            email=email,
            full_name=full_name,
            password=password,
            job_title=job_title,
        )
    user.set_password(password)
    user.full_name = full_name
    user.job_title = job_title
    user.is_active = True
    user.save(update_fields=["password", "full_name", "job_title", "is_active"])
    access_log.record(
        actor=None,
        action=AccessAction.ADMIN,
        object_type="core.user",
        object_id=user.pk,
        detail={"demo_reset": {"email": email}},
    )
    return user


def _membership(user: User, organisation: Organisation, role: Role, area: Area) -> None:
    """Make this the user's one current membership: keep it if it is there, end the others."""
    today = timezone.localdate()
    current = Membership.objects.current(today).filter(user=user).prefetch_related("areas")
    wanted_found = False
    for membership in current:
        matches = (
            membership.organisation_id == organisation.pk
            and membership.role_codes == {role.value}
            and {a.pk for a in membership.areas.all()} == {area.pk}
        )
        if matches and not wanted_found:
            wanted_found = True
            continue
        services.membership_end(
            acting_user=None,
            membership=membership,
            on=max(membership.starts_on, today - dt.timedelta(days=1)),
        )
    if not wanted_found:
        services.membership_grant(
            acting_user=None, user=user, organisation=organisation, roles=[role], areas=[area]
        )


def _sees(account: StaffAccount, area: Area, organisation: Organisation) -> str:
    if account.role in (Role.EHC_COORDINATOR, Role.SEND_MANAGER):
        return f"every child in {area.name}; can change records"
    if account.role == Role.SENCO:
        return f"pupils on roll at {organisation.name}"
    if account.role == Role.HEALTH_PRACTITIONER:
        return f"children {organisation.name} is working with"
    if account.role == Role.DESIGNATED_CLINICAL_OFFICER:
        return "children with EHC plans in the area, and those the ICB works with"
    if account.role == Role.SOCIAL_WORKER:
        return "children the council's social care team works with"
    if account.role == Role.LOCAL_OFFER_OFFICER:
        return "edits and approves the Local Offer, answers its feedback; no child's record"
    if account.role == Role.PROVIDER:
        return (
            f"edits {organisation.name}'s Local Offer services; sees its own contracts (speech "
            "and language therapy, neurodevelopmental, occupational therapy); no child's record"
        )
    if account.role == Role.COMMISSIONER:
        return (
            f"{area.name}'s commissions, spot purchases and waiting-list figures (small numbers "
            "suppressed); records commissions for "
            f"{organisation.name}"
        )
    return "area figures only (small numbers suppressed); no child's record"


def _caseload(coordinator: User, area: Area) -> None:
    """Give the demo coordinator a share of the area's open requests and active plans (a bulk
    update: the generator made the cases before this account existed)."""
    requests, plans = demo_caseload_assign(area=area, coordinator=coordinator)
    access_log.record(
        actor=None,
        action=AccessAction.ADMIN,
        object_type="core.user",
        object_id=coordinator.pk,
        detail={"demo_caseload": {"area": area.la_code, "requests": requests, "plans": plans}},
    )


@transaction.atomic
def demo_users_reset(*, area: Area, password: str) -> list[SignIn]:
    """Create or reset the demo accounts for ``area`` (a synthetic area only)."""
    if not area.is_synthetic:
        raise GenerationError(f"{area.name} is a real area: demo accounts are never put in it.")
    school = senco_school(area)
    sign_ins: list[SignIn] = []
    for account in STAFF:
        organisation = _partner(area, account.organisation, school)
        email = f"{account.local_part}@{DEMO_DOMAIN}"
        user = _account(email, account.full_name, account.job_title, password)
        _membership(user, organisation, account.role, area)
        if account.role == Role.EHC_COORDINATOR:
            _caseload(user, area)
        sign_ins.append(
            SignIn(email, account.role.label, organisation.name, _sees(account, area, organisation))
        )
    contact = parent_contact(area, school)
    if contact is None:
        raise GenerationError(
            f"{area.name} has no child with an EHC plan and a mother with parental "
            "responsibility to link the parent account to."
        )
    parent = _account(PARENT_EMAIL, contact.full_name, "Parent carer", password)
    for other in FamilyContact.objects.filter(user=parent).exclude(pk=contact.pk):
        people_services.contact_link_user(acting_user=None, contact=other, user=None)
    if contact.user_id != parent.pk:
        people_services.contact_link_user(acting_user=None, contact=contact, user=parent)
    child: Child = contact.child
    sign_ins.append(
        SignIn(
            PARENT_EMAIL,
            "Parent carer",
            "—",
            f"their own child, {child.display_name} (EHC plan)",
        )
    )
    return sign_ins
