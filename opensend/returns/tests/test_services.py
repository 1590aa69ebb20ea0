"""The census import against the database: all or nothing, valid rows only, matching by UPN,
idempotence, later censuses, refusals, permissions, transactions and query counts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from opensend.core.models import AccessAction, AccessLogEntry, AccessLogSubject
from opensend.core.roles import Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, staff
from opensend.people import services as people
from opensend.people.models import (
    Child,
    ChildNameToken,
    Need,
    Placement,
    RecordSource,
    SENStatusPeriod,
)
from opensend.people.tests.factories import ChildFactory
from opensend.returns import services
from opensend.returns.models import CensusImport, CensusImportFile, CensusImportStatus
from opensend.returns.tests.helpers import (
    AUTUMN_2024,
    HEADER,
    SPRING_2025,
    SUMMER_2025,
    count_changes,
    pupil,
    table_counts,
    upn,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db


def _run(tmp_path, area, rows, *, user=None, census_date=SPRING_2025, name="census.csv", **kw):
    content = write_csv(tmp_path / name, rows)
    return services.census_import_run(
        acting_user=user, area=area, census_date=census_date, file_name=name, content=content, **kw
    )


def _child(serial):
    return Child.objects.get(upn=upn(serial))


def _history(child, model, *fields):
    return list(model.objects.filter(child=child).order_by("start_date", "pk").values_list(*fields))


# --- a good file --------------------------------------------------------------------------


def test_a_good_file_is_imported_at_once(tmp_path, area, coordinator, schools):
    hill = schools[0]
    rows = [
        pupil(1, hill.urn, SENtype2="SLCN", MiddleNames="Jo", Postcode="ls1 4ap"),
        pupil(2, hill.urn, SENprovision="E", SENtype1="SEMH", Gender="M"),
        pupil(3, hill.urn, SENprovision="N", SENtype1=""),
    ]
    content = write_csv(tmp_path / "census.csv", rows, [*HEADER, "MiddleNames", "Postcode"])
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="census.csv",
        content=content,
    )
    assert record.status == CensusImportStatus.IMPORTED
    assert (record.row_count, record.valid_row_count, record.created_count) == (3, 3, 3)
    assert (record.updated_count, record.unchanged_count, record.skipped_count) == (0, 0, 0)
    assert record.errors == [] and record.imported_by == coordinator
    assert not CensusImportFile.objects.exists()  # the file is not kept once imported

    first = _child(1)
    assert (first.area, first.forename, first.middle_names, first.surname) == (
        area,
        "Robin",
        "Jo",
        "Testpupil1",
    )
    assert (first.home_postcode, first.postcode_district) == ("LS1 4AP", "LS1")
    assert (first.sen_status, first.primary_need) == ("K", "ASD")
    assert _history(first, SENStatusPeriod, "status", "start_date", "end_date", "source") == [
        ("N", dt.date(2015, 3, 14), dt.date(2025, 1, 15), "census"),
        ("K", SPRING_2025, None, "census"),
    ]
    assert _history(first, Need, "rank", "code", "start_date", "end_date", "source_agency") == [
        (1, "ASD", SPRING_2025, None, "education"),
        (2, "SLCN", SPRING_2025, None, "education"),
    ]
    assert _history(first, Placement, "setting", "start_date", "end_date", "source") == [
        (hill.pk, SPRING_2025, None, "census")
    ]
    assert set(ChildNameToken.objects.filter(child=first).values_list("token", flat=True)) == {
        "robin",
        "jo",
        "testpupil1",
    }
    assert (_child(2).sen_status, _child(2).primary_need, _child(2).sex) == ("E", "SEMH", "M")
    third = _child(3)
    assert (third.sen_status, third.primary_need) == ("N", "")
    assert _history(third, SENStatusPeriod, "status", "end_date") == [("N", None)]
    assert not Need.objects.filter(child=third).exists()


def test_the_run_writes_one_access_log_entry_naming_every_child(
    tmp_path, area, coordinator, local_authority, schools
):
    before = AccessLogEntry.objects.count()
    record = _run(tmp_path, area, [pupil(n, schools[0].urn) for n in range(1, 6)], user=coordinator)
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.object_type, entry.object_id) == (
        AccessAction.IMPORT,
        "returns.censusimport",
        str(record.pk),
    )
    assert entry.actor == coordinator and entry.organisation == local_authority
    assert entry.detail["created"] == 5 and entry.detail["status"] == "imported"
    subjects = set(
        AccessLogSubject.objects.filter(entry=entry).values_list("subject_id", flat=True)
    )
    assert subjects == {str(pk) for pk in Child.objects.values_list("pk", flat=True)}


def test_imported_children_are_found_by_child_search(tmp_path, area, coordinator, schools):
    from opensend.people.selectors import child_search

    _run(tmp_path, area, [pupil(1, schools[0].urn, Surname="O'Brien-Smith")], user=coordinator)
    results = child_search(user=coordinator, text="brien", page=1, page_size=10)
    assert [child.upn for child in results.children] == [upn(1)]


def test_an_xlsx_file_with_header_aliases_is_imported(tmp_path, area, coordinator, schools):
    header = [
        "UPN",
        "Surname",
        "Forename",
        "DateOfBirth",
        "Sex",
        "SENprovision",
        "PrimarySENtype",
        "SecondarySENtype",
        "LAESTAB",
        "Notes",
    ]
    values = pupil(1, DOB=dt.date(2015, 3, 14))
    row = {
        "UPN": values["UPN"],
        "Surname": "Testpupil1",
        "Forename": "Robin",
        "DateOfBirth": dt.date(2015, 3, 14),
        "Sex": "F",
        "SENprovision": "E",
        "PrimarySENtype": "PD",
        "SecondarySENtype": "VI",
        "LAESTAB": int(schools[1].laestab),
        "Notes": "synthetic",
    }
    content = write_xlsx(tmp_path / "census.xlsx", [row], header)
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="census.xlsx",
        content=content,
    )
    assert record.status == CensusImportStatus.IMPORTED and record.file_format == "xlsx"
    assert record.notices == ["These columns are not used and were ignored: Notes."]
    child = _child(1)
    assert (child.date_of_birth, child.sen_status, child.primary_need) == (
        dt.date(2015, 3, 14),
        "E",
        "PD",
    )
    assert Placement.objects.get(child=child).setting == schools[1]


# --- a bad file ---------------------------------------------------------------------------


def _bad_rows(urn):
    return [
        pupil(1, urn),
        pupil(2, urn, SENprovision="S"),
        pupil(3, urn),
        pupil(4, urn, UPN=upn(1)),
        pupil(5, "999999"),
    ]


def test_a_file_with_problems_is_not_imported_at_all(tmp_path, area, coordinator, schools):
    before = table_counts()
    record = _run(tmp_path, area, _bad_rows(schools[0].urn), user=coordinator)
    assert record.status == CensusImportStatus.CHECKED_WITH_ERRORS
    assert (record.row_count, record.valid_row_count, record.invalid_row_count) == (5, 2, 3)
    assert record.created_count == 0
    assert [(e["row"], e["field"]) for e in record.errors] == [
        (3, "SENprovision"),
        (5, "UPN"),
        (6, "URN"),
    ]
    assert record.errors[1]["problem"] == f"{upn(1)} is also on row 2; each pupil appears once"
    assert count_changes(before, table_counts()) == {
        "returns.CensusImport": 1,
        "returns.CensusImportFile": 1,
        "core.AccessLogEntry": 1,
    }
    assert record.can_import_valid_rows


def test_the_valid_rows_can_then_be_imported(tmp_path, area, coordinator, schools):
    checked = _run(tmp_path, area, _bad_rows(schools[0].urn), user=coordinator)
    record = services.census_import_valid_rows(acting_user=coordinator, census_import=checked)
    assert record.pk == checked.pk and record.imported_by == coordinator
    assert record.status == CensusImportStatus.IMPORTED_VALID_ROWS
    assert (record.created_count, record.skipped_count) == (2, 3)
    assert len(record.errors) == 3
    assert set(Child.objects.values_list("upn", flat=True)) == {upn(1), upn(3)}
    assert not CensusImportFile.objects.exists()
    with pytest.raises(ValidationError, match="it is valid rows imported"):
        services.census_import_valid_rows(acting_user=coordinator, census_import=record)


def test_valid_only_imports_at_once(tmp_path, area, schools):
    record = _run(tmp_path, area, _bad_rows(schools[0].urn), valid_only=True)
    assert record.status == CensusImportStatus.IMPORTED_VALID_ROWS
    assert (record.created_count, record.skipped_count, record.imported_by) == (2, 3, None)


def test_a_file_with_no_valid_row_is_not_held(tmp_path, area, schools):
    record = _run(tmp_path, area, [pupil(1, "999999")], valid_only=True)
    assert record.status == CensusImportStatus.CHECKED_WITH_ERRORS
    assert not record.can_import_valid_rows
    assert not CensusImportFile.objects.exists()


def test_a_later_upload_replaces_a_waiting_check(tmp_path, area, coordinator, schools):
    first = _run(tmp_path, area, _bad_rows(schools[0].urn), user=coordinator)
    _run(tmp_path, area, [pupil(9, schools[0].urn)], user=coordinator, name="fixed.csv")
    assert not CensusImportFile.objects.filter(pk=first.pk).exists()
    first.refresh_from_db()
    assert not first.can_import_valid_rows
    with pytest.raises(ValidationError, match="no longer held"):
        services.census_import_valid_rows(acting_user=coordinator, census_import=first)


def test_a_file_missing_columns_is_refused_with_their_names(tmp_path, area, coordinator):
    header = [c for c in HEADER if c != "SENprovision"]
    content = write_csv(tmp_path / "short.csv", [pupil(1, "100001")], header)
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="short.csv",
        content=content,
    )
    assert record.status == CensusImportStatus.REFUSED
    assert record.refusal_reason == "The file is missing these columns: SENprovision."
    assert not Child.objects.exists()


def test_a_census_date_in_the_future_is_an_error(tmp_path, area, coordinator, schools):
    with pytest.raises(ValidationError, match="must be today or in the past"):
        _run(
            tmp_path,
            area,
            [pupil(1, schools[0].urn)],
            user=coordinator,
            census_date=timezone.localdate() + dt.timedelta(days=2),
        )
    assert not CensusImport.objects.exists()


# --- matching and updating ----------------------------------------------------------------


def test_the_same_file_twice_changes_nothing_the_second_time(tmp_path, area, coordinator, schools):
    rows = [pupil(n, schools[n % 3].urn, SENtype2="SLCN" if n % 2 else "") for n in range(1, 21)]
    first = _run(tmp_path, area, rows, user=coordinator)
    assert first.created_count == 20
    before = table_counts()
    second = _run(tmp_path, area, rows, user=coordinator)
    assert second.status == CensusImportStatus.IMPORTED
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 20)
    assert count_changes(before, table_counts()) == {
        "returns.CensusImport": 1,
        "core.AccessLogEntry": 1,
    }


def test_a_later_census_updates_status_needs_and_placements_from_its_date(
    tmp_path, area, coordinator, schools
):
    hill, vale, brook = schools
    _run(
        tmp_path,
        area,
        [
            pupil(1, hill.urn, SENtype2="SLCN"),
            pupil(2, hill.urn, SENprovision="E", SENtype1="SEMH"),
            pupil(3, hill.urn, SENtype1="MLD"),
            pupil(4, hill.urn, SENtype1="ASD"),
        ],
        user=coordinator,
        census_date=AUTUMN_2024,
    )
    first = _child(1)
    dual = people.placement_start(
        acting_user=coordinator,
        child=first,
        setting=brook,
        start_date=dt.date(2024, 11, 1),
        source=RecordSource.MANUAL,
        kind="dual_subsidiary",
    )
    record = _run(
        tmp_path,
        area,
        [
            pupil(1, vale.urn, SENprovision="E", SENtype1="ASD"),
            pupil(2, hill.urn, SENprovision="E", SENtype1="SEMH"),
            pupil(3, hill.urn, SENprovision="N", SENtype1=""),
            pupil(4, hill.urn, SENtype1="SEMH"),
        ],
        user=coordinator,
        census_date=SPRING_2025,
        name="spring.csv",
    )
    assert (record.created_count, record.updated_count, record.unchanged_count) == (0, 3, 1)
    day_before = dt.date(2025, 1, 15)

    first.refresh_from_db()
    assert (first.sen_status, first.primary_need) == ("E", "ASD")
    assert _history(first, SENStatusPeriod, "status", "start_date", "end_date") == [
        ("N", dt.date(2015, 3, 14), dt.date(2024, 10, 2)),
        ("K", AUTUMN_2024, day_before),
        ("E", SPRING_2025, None),
    ]
    assert _history(first, Need, "rank", "code", "start_date", "end_date") == [
        (1, "ASD", AUTUMN_2024, None),
        (2, "SLCN", AUTUMN_2024, day_before),
    ]
    assert _history(first, Placement, "setting", "start_date", "end_date") == [
        (hill.pk, AUTUMN_2024, day_before),
        (brook.pk, dt.date(2024, 11, 1), None),
        (vale.pk, SPRING_2025, None),
    ]
    dual.refresh_from_db()
    assert dual.end_date is None  # a placement recorded otherwise is left alone

    third = _child(3)
    assert (third.sen_status, third.primary_need) == ("N", "")
    assert _history(third, Need, "code", "end_date") == [("MLD", day_before)]
    fourth = _child(4)
    assert fourth.primary_need == "SEMH"
    assert _history(fourth, Need, "code", "start_date", "end_date") == [
        ("ASD", AUTUMN_2024, day_before),
        ("SEMH", SPRING_2025, None),
    ]
    assert _child(2).updated_at < first.updated_at  # unchanged children are not touched


def test_a_corrected_file_for_the_same_census_corrects_it(tmp_path, area, coordinator, schools):
    hill, vale, _ = schools
    _run(tmp_path, area, [pupil(1, hill.urn, SENtype2="SLCN")], user=coordinator)
    record = _run(
        tmp_path,
        area,
        [pupil(1, vale.urn, SENprovision="E", SENtype1="SEMH")],
        user=coordinator,
        name="corrected.csv",
    )
    assert record.updated_count == 1
    child = _child(1)
    assert (child.sen_status, child.primary_need) == ("E", "SEMH")
    assert _history(child, SENStatusPeriod, "status", "start_date", "end_date") == [
        ("N", dt.date(2015, 3, 14), dt.date(2025, 1, 15)),
        ("E", SPRING_2025, None),
    ]
    assert _history(child, Need, "rank", "code", "end_date") == [(1, "SEMH", None)]
    assert _history(child, Placement, "setting", "start_date", "end_date") == [
        (vale.pk, SPRING_2025, None)
    ]


def test_names_and_postcode_of_known_pupils_are_updated_and_searchable(
    tmp_path, area, coordinator, schools
):
    _run(tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator)
    content = write_csv(
        tmp_path / "names.csv",
        [
            pupil(
                1, schools[0].urn, Surname="Newname", PreferredForename="Bobbie", Postcode="LS2 7QQ"
            )
        ],
        [*HEADER, "PreferredForename", "Postcode"],
    )
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="names.csv",
        content=content,
    )
    assert record.updated_count == 1
    child = _child(1)
    assert (
        child.surname,
        child.preferred_forename,
        child.home_postcode,
        child.postcode_district,
    ) == (
        "Newname",
        "Bobbie",
        "LS2 7QQ",
        "LS2",
    )
    tokens = set(ChildNameToken.objects.filter(child=child).values_list("token", flat=True))
    assert tokens == {"robin", "newname", "bobbie"}


def test_an_older_census_is_refused_but_the_same_date_is_not(tmp_path, area, coordinator, schools):
    _run(tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator, census_date=SPRING_2025)
    before = table_counts()
    older = _run(
        tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator, census_date=AUTUMN_2024
    )
    assert older.status == CensusImportStatus.REFUSED
    assert older.refusal_reason == (
        "The census of 16 January 2025 has already been imported for Halford Vale. A file for "
        "an earlier census (3 October 2024) would rewrite the history it recorded, so it is "
        "refused."
    )
    assert count_changes(before, table_counts()) == {
        "returns.CensusImport": 1,
        "core.AccessLogEntry": 1,
    }
    assert _run(tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator).is_imported
    later = _run(
        tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator, census_date=SUMMER_2025
    )
    assert later.status == CensusImportStatus.IMPORTED


def test_a_known_upn_with_another_date_of_birth_is_refused(tmp_path, area, coordinator, schools):
    existing = ChildFactory(area=area, upn=upn(1), date_of_birth=dt.date(2015, 3, 14))
    before = table_counts()
    record = _run(
        tmp_path,
        area,
        [pupil(1, schools[0].urn, DOB="15/03/2015", Surname="Other")],
        user=coordinator,
    )
    assert record.status == CensusImportStatus.CHECKED_WITH_ERRORS
    assert record.errors == [
        {
            "row": 2,
            "field": "DOB",
            "value": "2015-03-15",
            "problem": f"the child with UPN {upn(1)} in OpenSEND was born on 14 March 2015, not "
            "15 March 2015; the row was refused rather than change whose record it is. Check "
            "the UPN and date of birth",
        }
    ]
    existing.refresh_from_db()
    assert existing.surname != "Other"
    assert set(count_changes(before, table_counts())) == {
        "returns.CensusImport",
        "core.AccessLogEntry",
    }


def test_a_upn_of_another_areas_child_is_refused(tmp_path, area, coordinator, schools):
    ChildFactory(area=AreaFactory(), upn=upn(1))
    record = _run(tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator)
    assert [(e["field"], e["problem"]) for e in record.errors] == [
        (
            "UPN",
            f"UPN {upn(1)} belongs to a child recorded by another area; a child who moves in is "
            "transferred between areas, not imported",
        )
    ]


def test_a_record_changed_after_the_census_date_is_not_rewritten(
    tmp_path, area, coordinator, schools
):
    _run(tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator, census_date=AUTUMN_2024)
    people.sen_status_set(
        acting_user=coordinator,
        child=_child(1),
        status="E",
        start_date=dt.date(2025, 2, 1),
        source=RecordSource.EHC,
    )
    record = _run(tmp_path, area, [pupil(1, schools[0].urn)], user=coordinator)
    assert [str_error(e) for e in record.errors] == [
        "Row 2, SENprovision: the child's record shows EHC plan from 1 February 2025, after "
        "this census date (16 January 2025); a census cannot rewrite a later record"
    ]


def str_error(error):
    return f"Row {error['row']}, {error['field']}: {error['problem']}"


def test_unknown_and_disagreeing_settings_are_reported(tmp_path, area, coordinator, schools):
    hill, vale, _ = schools
    health = OrganisationFactory(home_area=area, kind="nhs_trust", name="Halford Community Health")
    rows = [
        {**pupil(1, "999999"), "LAESTAB": ""},
        {**pupil(2, hill.urn), "LAESTAB": vale.laestab},
        {**pupil(3, ""), "LAESTAB": hill.laestab},
    ]
    content = write_csv(tmp_path / "settings.csv", rows, [*HEADER, "LAESTAB"])
    record = services.census_import_run(
        acting_user=coordinator,
        area=area,
        census_date=SPRING_2025,
        file_name="settings.csv",
        content=content,
    )
    assert [str_error(e) for e in record.errors] == [
        "Row 2, URN: no setting with URN 999999 is known; add the setting to the organisations "
        "in OpenSEND first",
        f"Row 3, LAESTAB: LAESTAB {vale.laestab} is Vale Academy but URN {hill.urn} is Hill "
        "Primary School",
    ]
    assert record.valid_row_count == 1
    assert health.urn == ""


# --- transactions, permissions, query counts ----------------------------------------------


def test_a_failure_part_way_leaves_the_database_as_it_was(
    tmp_path, area, coordinator, schools, monkeypatch
):
    rows = [pupil(n, schools[0].urn, SENtype2="SLCN") for n in range(1, 11)]
    content = write_csv(tmp_path / "census.csv", rows)
    real_insert = services.insert_rows

    def failing_insert(model, columns, rows):
        if model is Need:
            raise RuntimeError("the disk is full")
        real_insert(model, columns, rows)

    monkeypatch.setattr(services, "insert_rows", failing_insert)
    before = table_counts()
    with pytest.raises(RuntimeError, match="the disk is full"):
        services.census_import_run(
            acting_user=coordinator,
            area=area,
            census_date=SPRING_2025,
            file_name="census.csv",
            content=content,
        )
    assert table_counts() == before


def test_a_failure_importing_valid_rows_keeps_the_check(
    tmp_path, area, coordinator, schools, monkeypatch
):
    record = _run(tmp_path, area, _bad_rows(schools[0].urn), user=coordinator)
    monkeypatch.setattr(services, "_update_children", _raise)
    monkeypatch.setattr(services, "_create_children", _raise)
    before = table_counts()
    with pytest.raises(RuntimeError):
        services.census_import_valid_rows(acting_user=coordinator, census_import=record)
    assert table_counts() == before
    record.refresh_from_db()
    assert record.status == CensusImportStatus.CHECKED_WITH_ERRORS and record.can_import_valid_rows


def _raise(*args, **kwargs):
    raise RuntimeError("interrupted")


@pytest.mark.parametrize(
    "who",
    ["senco", "analyst", "other_area_coordinator", "social_worker"],
)
def test_only_la_case_officers_of_the_area_may_import(
    tmp_path, area, local_authority, schools, who
):
    if who == "senco":
        user = staff(Role.SENCO, schools[0])
    elif who == "analyst":
        user = staff(Role.ANALYST, local_authority)
    elif who == "social_worker":
        user = staff(Role.SOCIAL_WORKER, local_authority)
    else:
        other = OrganisationFactory(name="Other Council")
        user = staff(Role.EHC_COORDINATOR, other)
    with pytest.raises(
        PermissionDenied, match="Only an EHC coordinator or SEND manager of Halford Vale"
    ):
        _run(tmp_path, area, [pupil(1, schools[0].urn)], user=user)
    assert not CensusImport.objects.exists() and not Child.objects.exists()


def test_a_send_manager_may_import(tmp_path, area, local_authority, schools):
    manager = staff(Role.SEND_MANAGER, local_authority)
    assert _run(tmp_path, area, [pupil(1, schools[0].urn)], user=manager).is_imported


def _queries(tmp_path, area, user, rows, **kw):
    content = write_csv(tmp_path / f"q{len(rows)}.csv", rows)
    with CaptureQueriesContext(connection) as captured:
        record = services.census_import_run(
            acting_user=user,
            area=area,
            census_date=kw.get("census_date", SPRING_2025),
            file_name="q.csv",
            content=content,
        )
    assert record.is_imported
    return len(captured.captured_queries)


def test_queries_do_not_grow_with_rows(
    tmp_path, coordinator, local_authority, area, schools, django_assert_max_num_queries
):
    small = [pupil(n, schools[n % 3].urn, SENtype2="HI") for n in range(1, 21)]
    large = [pupil(n, schools[n % 3].urn, SENtype2="HI") for n in range(101, 301)]
    small_new = _queries(tmp_path, area, coordinator, small)
    with django_assert_max_num_queries(small_new):
        services.census_import_run(
            acting_user=coordinator,
            area=area,
            census_date=SPRING_2025,
            file_name="large.csv",
            content=write_csv(tmp_path / "large.csv", large),
        )
    # A later census changing every pupil's status, needs and setting.
    changed_small = [
        pupil(n, schools[(n + 1) % 3].urn, SENprovision="E", SENtype1="SLCN") for n in range(1, 21)
    ]
    changed_large = [
        pupil(n, schools[(n + 1) % 3].urn, SENprovision="E", SENtype1="SLCN")
        for n in range(101, 301)
    ]
    small_changed = _queries(tmp_path, area, coordinator, changed_small, census_date=SUMMER_2025)
    with django_assert_max_num_queries(small_changed):
        services.census_import_run(
            acting_user=coordinator,
            area=area,
            census_date=SUMMER_2025,
            file_name="large2.csv",
            content=write_csv(tmp_path / "large2.csv", changed_large),
        )
    assert Child.objects.filter(sen_status="E", primary_need="SLCN").count() == 220


def _assert_record_invariants():
    """Every child: one open SEN status period, periods end the day before the next starts,
    and the child's status and primary need equal the open period and open rank-1 need."""
    for child in Child.objects.all():
        periods = list(SENStatusPeriod.objects.filter(child=child).order_by("start_date"))
        assert [p.end_date for p in periods].count(None) == 1, child.upn
        assert periods[0].start_date == child.date_of_birth
        for earlier, later in itertools.pairwise(periods):
            assert earlier.end_date == later.start_date - dt.timedelta(days=1), child.upn
        assert child.sen_status == periods[-1].status, child.upn
        open_primary = Need.objects.filter(child=child, rank=1, end_date__isnull=True)
        assert open_primary.count() <= 1
        assert child.primary_need == (open_primary.first().code if open_primary else "")
        for rank in (1, 2):
            assert Need.objects.filter(child=child, rank=rank, end_date__isnull=True).count() <= 1
        assert (
            Placement.objects.filter(child=child, source="census", end_date__isnull=True).count()
            == 1
        )


def test_successive_censuses_keep_every_record_consistent(tmp_path, area, coordinator, schools):
    codes = ["ASD", "SLCN", "SEMH", "MLD", "SPLD", "HI"]
    provisions = ["K", "E", "N", "K"]
    for step, census_date in enumerate((AUTUMN_2024, SPRING_2025, SUMMER_2025)):
        rows = []
        for n in range(1, 41):
            provision = provisions[(n + step) % 4]
            first = codes[(n * (step + 1)) % 6] if provision != "N" else ""
            second = codes[(n + step + 1) % 6] if provision != "N" and (n + step) % 3 else ""
            rows.append(
                pupil(
                    n,
                    schools[(n // 7 + step) % 3].urn,
                    SENprovision=provision,
                    SENtype1=first,
                    SENtype2=second if second != first else "",
                )
            )
        record = _run(
            tmp_path, area, rows, user=coordinator, census_date=census_date, name=f"{step}.csv"
        )
        assert record.status == CensusImportStatus.IMPORTED, record.errors[:3]
        _assert_record_invariants()
    again = _run(tmp_path, area, rows, user=coordinator, census_date=SUMMER_2025, name="again.csv")
    assert again.unchanged_count == 40
