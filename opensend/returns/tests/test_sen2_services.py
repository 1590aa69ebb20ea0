"""Generating and downloading the SEN2 return: numbering, checks, what is kept, who may, and
the access log entries that record every export of children's data."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import cast

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from opensend.core.models import AccessAction, AccessLogEntry, Organisation
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, SettingFactory, staff
from opensend.ehc.tests import factories as ehc
from opensend.people import services as people_services
from opensend.people.models import Child, RecordSource
from opensend.people.tests.factories import ChildFactory
from opensend.returns import services
from opensend.returns.models import SEN2Return, SEN2ReturnStatus
from opensend.returns.sen2.figures import Figures
from opensend.returns.sen2.validation import Problem

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def case(area, *, need: str | None = "ASD", **identity) -> Child:
    """A child with a plan from 2025, on roll at a school, with a need (or none)."""
    identity.setdefault("ethnicity", "WBRI")
    identity.setdefault("home_postcode", "HV1 2AB")
    child = cast(Child, ChildFactory(area=area, **identity))
    setting = cast(Organisation, SettingFactory(home_area=area))
    people_services.placement_start(
        acting_user=None,
        child=child,
        setting=setting,
        start_date=D(2020, 9, 1),
        source=RecordSource.CENSUS,
    )
    if need:
        people_services.need_record(
            acting_user=None,
            child=child,
            code=need,
            rank=1,
            start_date=D(2020, 1, 1),
            source_agency="education",
            source=RecordSource.CENSUS,
        )
    request = ehc.drafting(ehc.assessing(ehc.received(child)))
    ehc.final_issued(ehc.draft_issued(request), setting=setting)
    return child


def last_entry() -> AccessLogEntry:
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert entry is not None
    return entry


def subjects(entry: AccessLogEntry) -> set[str]:
    return {subject.subject_id for subject in entry.subjects.all()}


def test_generating_a_good_return_keeps_it_ready_to_submit_and_logs_the_export(
    area, coordinator, local_authority
):
    first, second = case(area), case(area)
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026, dmo="N", dco="Y")
    assert record.status == SEN2ReturnStatus.READY and record.is_ready
    assert (record.collection_year, record.reference_date, record.serial_no) == (
        2026,
        D(2026, 1, 15),
        1,
    )
    assert (record.person_count, record.request_count, record.active_plan_count) == (2, 2, 2)
    assert (record.error_count, record.problems) == (0, [])
    assert (record.generated_by, record.dmo, record.dco) == (coordinator, "N", "Y")
    assert sorted(record.child_ids) == sorted([first.pk, second.pk])
    assert record.file_name == "SEN2_2026_990_001.xml"
    message = ET.fromstring(record.xml)  # noqa: S314 - our own output
    assert message.findtext("Header/Source/SerialNo") == "001"
    assert message.findtext("Header/Source/DCO") == "Y"
    assert len(message.findall("Persons/Person")) == 2
    assert Figures.from_dict(record.figures).active_plans == 2

    entry = last_entry()
    assert (entry.action, entry.object_type, entry.object_id, entry.actor) == (
        AccessAction.EXPORT,
        "returns.sen2return",
        str(record.pk),
        coordinator,
    )
    assert entry.organisation == local_authority
    assert entry.detail["export"] == "SEN2 return generated"
    assert entry.detail["sha256"] == record.xml_sha256
    assert subjects(entry) == {str(first.pk), str(second.pk)}

    again = services.sen2_generate(acting_user=None, area=area, year=2026)
    assert again.serial_no == 2 and again.generated_by is None
    assert "<SerialNo>002</SerialNo>" in again.xml
    assert last_entry().purpose == "SEN2 return by the system"
    assert services.sen2_generate(acting_user=None, area=area, year=2025).serial_no == 1


def test_a_return_with_problems_keeps_every_problem(area, coordinator):
    good, missing = case(area), case(area, need=None, ethnicity="")
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    assert record.status == SEN2ReturnStatus.HAS_ERRORS
    assert record.error_count == 2
    problems = [Problem.from_dict(item) for item in record.problem_list()]
    assert [(problem.child_id, problem.code, problem.field) for problem in problems] == [
        (missing.pk, "S101", "Ethnicity"),
        (missing.pk, "S603", "SENneed"),
    ]
    assert good.pk in record.child_ids


@pytest.mark.parametrize(
    ("year", "message"),
    [
        (2022, "SEN2 has been person-level since 2023: choose a later year."),
        (
            2099,
            "The 2099 return is as at 15 January 2099, which has not come yet. Its problems so "
            "far are shown as live checks.",
        ),
    ],
)
def test_only_person_level_collections_whose_day_has_come(area, coordinator, year, message):
    with pytest.raises(ValidationError) as raised:
        services.sen2_generate(acting_user=coordinator, area=area, year=year)
    assert raised.value.message_dict == {"year": [message]}
    assert not SEN2Return.objects.exists()


def test_the_designated_officers_are_y_or_n(area, coordinator):
    with pytest.raises(ValidationError):
        services.sen2_generate(acting_user=coordinator, area=area, year=2026, dmo="R")
    assert not SEN2Return.objects.exists()


@pytest.mark.parametrize("role", [Role.SENCO, Role.HEALTH_PRACTITIONER, Role.ANALYST])
def test_only_the_areas_la_case_officers_may(area, local_authority, role):
    setting = SettingFactory(home_area=area)
    trust = OrganisationFactory(home_area=area, kind=OrganisationKind.NHS_TRUST)
    organisation = {
        Role.SENCO: setting,
        Role.HEALTH_PRACTITIONER: trust,
        Role.ANALYST: local_authority,
    }[role]
    with pytest.raises(PermissionDenied):
        services.sen2_generate(acting_user=staff(role, organisation), area=area, year=2026)
    elsewhere = AreaFactory(name="Other Borough")
    other_council = OrganisationFactory(home_area=elsewhere)
    with pytest.raises(PermissionDenied) as raised:
        services.sen2_generate(
            acting_user=staff(Role.SEND_MANAGER, other_council), area=area, year=2026
        )
    assert str(raised.value) == (
        "Only an EHC coordinator or SEND manager of Halford Vale can make its SEN2 return."
    )
    assert not SEN2Return.objects.exists()


def test_a_ready_return_downloads_and_the_download_is_logged(area, coordinator):
    child = case(area)
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    manager = staff(Role.SEND_MANAGER, coordinator.memberships.get().organisation)
    text = services.sen2_download(acting_user=manager, sen2_return=record)
    assert text == record.xml
    entry = last_entry()
    assert (entry.action, entry.actor, entry.object_id) == (
        AccessAction.EXPORT,
        manager,
        str(record.pk),
    )
    assert entry.detail == {
        "export": "SEN2 XML",
        "year": 2026,
        "serial_no": 1,
        "with_errors": False,
        "sha256": record.xml_sha256,
    }
    assert subjects(entry) == {str(child.pk)}


def test_a_return_with_errors_is_refused_unless_the_user_confirms(area, coordinator):
    case(area, need=None)
    case(area, need=None)
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    before = last_entry().seq
    with pytest.raises(ValidationError) as raised:
        services.sen2_download(acting_user=coordinator, sen2_return=record)
    assert raised.value.messages == [
        "This return has 2 errors, so it has not been downloaded. Fix the cases listed below "
        "and generate the return again, or confirm that you want to download it with its "
        "errors."
    ]
    assert last_entry().seq == before  # nothing left the system
    assert (
        services.sen2_download(acting_user=coordinator, sen2_return=record, with_errors=True)
        == record.xml
    )
    assert last_entry().detail["with_errors"] is True


def test_the_problem_reports_and_pages_of_problems_are_logged(area, coordinator):
    missing = case(area, need=None)
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    problems = services.sen2_problem_report(acting_user=coordinator, sen2_return=record)
    assert [item["code"] for item in problems] == ["S603"]
    entry = last_entry()
    assert (entry.action, entry.detail) == (
        AccessAction.EXPORT,
        {"export": "SEN2 problem report", "rows": 1},
    )
    assert subjects(entry) == {str(missing.pk)}

    live = services.sen2_live_problem_report(
        acting_user=coordinator, area=area, today=D(2026, 11, 23)
    )
    assert [(problem.child_id, problem.code) for problem in live] == [(missing.pk, "S603")]
    entry = last_entry()
    assert (entry.action, entry.object_type, entry.object_id) == (
        AccessAction.EXPORT,
        "core.area",
        str(area.pk),
    )
    assert entry.detail == {"export": "SEN2 live problem report", "year": 2027, "rows": 1}
    assert subjects(entry) == {str(missing.pk)}

    services.sen2_problems_shown(
        acting_user=coordinator, area=area, child_ids=[missing.pk, None], what="live checks"
    )
    entry = last_entry()
    assert (entry.action, entry.detail) == (
        AccessAction.SEARCH,
        {"sen2": "live checks", "shown": 1},
    )
    assert subjects(entry) == {str(missing.pk)}
    seq = entry.seq
    services.sen2_problems_shown(acting_user=coordinator, area=area, child_ids=[], what="none")
    assert last_entry().seq == seq  # nothing shown, nothing logged


def test_the_xml_of_a_real_case_reads_back_as_its_record(area, coordinator):
    child = case(area, need="SLCN")
    plan = child.ehc_plans.get()
    request = plan.requests.get()
    record = services.sen2_generate(acting_user=coordinator, area=area, year=2026)
    message = ET.fromstring(record.xml)  # noqa: S314 - our own output
    [person] = message.findall("Persons/Person")
    values = {
        path: person.findtext(path)
        for path in (
            "Surname",
            "PersonBirthDate",
            "UPN",
            "Requests/ReceivedDate",
            "Requests/RequestOutcome",
            "Requests/RequestOutcomeDate",
            "Requests/Assessment/AssessmentOutcome",
            "Requests/Assessment/AssessmentOutcomeDate",
            "Requests/Assessment/Week20",
            "Requests/Assessment/NamedPlan/StartDate",
            "Requests/Assessment/NamedPlan/PlanDetail/PlacementRank",
            "Requests/ActivePlans/PlacementDetail/EntryDate",
            "Requests/ActivePlans/SENneed/SENtype",
            "Requests/ActivePlans/SENneed/SENtypeRank",
        )
    }
    assert values == {
        "Surname": child.surname,
        "PersonBirthDate": child.date_of_birth.isoformat(),
        "UPN": child.upn,
        "Requests/ReceivedDate": "2025-01-06",
        "Requests/RequestOutcome": "Y",
        "Requests/RequestOutcomeDate": request.decision_date.isoformat(),
        "Requests/Assessment/AssessmentOutcome": "Y",
        "Requests/Assessment/AssessmentOutcomeDate": request.issue_decision_date.isoformat(),
        "Requests/Assessment/Week20": "0",
        "Requests/Assessment/NamedPlan/StartDate": plan.start_date.isoformat(),
        "Requests/Assessment/NamedPlan/PlanDetail/PlacementRank": "1",
        "Requests/ActivePlans/PlacementDetail/EntryDate": "2020-09-01",
        "Requests/ActivePlans/SENneed/SENtype": "SLCN",
        "Requests/ActivePlans/SENneed/SENtypeRank": "1",
    }
