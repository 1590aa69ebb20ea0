import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from opensend.core.models import AccessAction, AccessLogEntry, AccessLogSubject
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import (
    AreaFactory,
    OrganisationFactory,
    SettingFactory,
    UserFactory,
    staff,
)
from opensend.people import policy, selectors, services
from opensend.people.models import RecordSource
from opensend.people.tests.factories import ChildFactory

D = dt.date
MANUAL = RecordSource.MANUAL


def _last_entry():
    return AccessLogEntry.objects.order_by("-seq").first()


@pytest.fixture
def family(area):
    zoe = ChildFactory(
        area=area, forename="Zoë", surname="O'Brien-Smith", date_of_birth=D(2016, 4, 2)
    )
    sam = ChildFactory(
        area=area,
        forename="Samuel",
        preferred_forename="Sam",
        surname="Jones",
        date_of_birth=D(2012, 9, 30),
    )
    ann = ChildFactory(
        area=area,
        forename="Ann",
        surname="Smithson",
        former_surname="Taylor",
        date_of_birth=D(2016, 4, 2),
    )
    elsewhere = ChildFactory(area=AreaFactory(), forename="Zoe", surname="Smith")
    return {"zoe": zoe, "sam": sam, "ann": ann, "elsewhere": elsewhere}


def _names(page):
    return [child.forename for child in page.children]


@pytest.mark.django_db
class TestSearch:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("zo obr", ["Zoë"]),
            ("zoe", ["Zoë"]),
            ("smith", ["Zoë", "Ann"]),
            ("smiths", ["Ann"]),
            ("smi", ["Zoë", "Ann"]),
            ("brien", ["Zoë"]),
            ("sam", ["Samuel"]),
            ("samuel jon", ["Samuel"]),
            ("taylor", ["Ann"]),
            ("02/04/2016", ["Zoë", "Ann"]),
            ("smi 2 April 2016", ["Zoë", "Ann"]),
            ("ann 2016-04-02", ["Ann"]),
            ("xavier", []),
        ],
    )
    def test_finds_by_names_and_date_of_birth(self, family, coordinator, text, expected):
        page = selectors.child_search(user=coordinator, text=text)
        assert sorted(_names(page)) == sorted(expected)
        assert page.total == len(expected)

    def test_finds_by_identifiers(self, family, coordinator):
        zoe = family["zoe"]
        assert _names(selectors.child_search(user=coordinator, text=zoe.upn.lower())) == ["Zoë"]
        spaced = f"{zoe.nhs_number[:3]} {zoe.nhs_number[3:6]} {zoe.nhs_number[6:]}"
        assert _names(selectors.child_search(user=coordinator, text=spaced)) == ["Zoë"]

    def test_never_finds_children_the_user_may_not_see(self, family, coordinator):
        elsewhere = family["elsewhere"]
        assert selectors.child_search(user=coordinator, text=elsewhere.upn).total == 0

    def test_logs_each_results_page_with_the_children_shown(self, family, coordinator):
        page = selectors.child_search(user=coordinator, text="smi")
        entry = _last_entry()
        assert entry.action == AccessAction.SEARCH
        assert entry.actor == coordinator
        assert entry.detail == {"page": 1, "query": "smi", "total": 2}
        shown = set(
            AccessLogSubject.objects.filter(entry=entry).values_list("subject_id", flat=True)
        )
        assert shown == {str(child.pk) for child in page.children}

    def test_pages(self, area, coordinator):
        for n in range(7):
            ChildFactory(area=area, surname=f"Pageable{n}")
        first = selectors.child_search(user=coordinator, text="pageable", page_size=3)
        last = selectors.child_search(user=coordinator, text="pageable", page=3, page_size=3)
        beyond = selectors.child_search(user=coordinator, text="pageable", page=99, page_size=3)
        assert (first.total, first.pages, len(first.children)) == (7, 3, 3)
        assert (last.page, len(last.children), last.first_number, last.last_number) == (3, 1, 7, 7)
        assert beyond.page == 3

    def test_query_count_does_not_grow_with_results(
        self, area, coordinator, django_assert_max_num_queries
    ):
        for n in range(30):
            child = ChildFactory(area=area, surname=f"Counted{n}")
            services.placement_start(
                acting_user=None,
                child=child,
                setting=SettingFactory(home_area=area),
                start_date=D(2022, 9, 1),
                source=MANUAL,
            )
        grants = policy.grants_for(coordinator)
        with django_assert_max_num_queries(8):
            page = selectors.child_search(user=coordinator, text="counted", grants=grants)
            assert all(child.current_setting for child in page.children)
            assert [child.area.name for child in page.children]

    def test_a_user_who_sees_no_children_finds_none(self, family, local_authority):
        analyst = staff(Role.ANALYST, local_authority)
        assert selectors.child_search(user=analyst, text="zoe").total == 0


@pytest.mark.django_db
class TestGetForUser:
    def test_a_view_is_logged_with_its_basis(self, family, coordinator, local_authority):
        child, decision = selectors.child_get_for_user(user=coordinator, child_id=family["zoe"].pk)
        entry = _last_entry()
        assert (entry.action, entry.object_id, entry.organisation_id) == (
            "view",
            str(child.pk),
            local_authority.pk,
        )
        assert (
            entry.purpose == decision.purpose == "Local authority SEND officer for the child's area"
        )

    def test_a_refusal_is_logged_and_raised(self, family, coordinator):
        with pytest.raises(PermissionDenied):
            selectors.child_get_for_user(user=coordinator, child_id=family["elsewhere"].pk)
        entry = _last_entry()
        assert (entry.action, entry.object_id, entry.actor_id) == (
            "refused",
            str(family["elsewhere"].pk),
            coordinator.pk,
        )

    def test_a_change_needs_a_changing_basis(self, area, family):
        school = SettingFactory(home_area=area)
        senco = staff(Role.SENCO, school)
        services.placement_start(
            acting_user=None,
            child=family["zoe"],
            setting=school,
            start_date=D(2022, 9, 1),
            source=MANUAL,
        )
        selectors.child_get_for_user(user=senco, child_id=family["zoe"].pk)
        with pytest.raises(PermissionDenied):
            selectors.child_get_for_user(
                user=senco, child_id=family["zoe"].pk, action=policy.Action.CHANGE
            )

    def test_an_unknown_child_is_not_found(self, coordinator):
        with pytest.raises(Http404):
            selectors.child_get_for_user(user=coordinator, child_id=987654)


@pytest.mark.django_db
class TestRecord:
    def _rich(self, child, area):
        school = SettingFactory(home_area=area)
        away = SettingFactory(home_area=AreaFactory())
        trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, home_area=area)
        services.sen_status_set(
            acting_user=None, child=child, status="K", start_date=D(2022, 1, 5), source=MANUAL
        )
        services.need_record(
            acting_user=None,
            child=child,
            code="SLCN",
            rank=1,
            start_date=D(2022, 1, 5),
            source_agency="education",
            source=MANUAL,
            source_organisation=school,
        )
        old = services.placement_start(
            acting_user=None, child=child, setting=school, start_date=D(2020, 9, 1), source=MANUAL
        )
        services.placement_end(acting_user=None, placement=old, end_date=D(2023, 7, 20))
        services.placement_start(
            acting_user=None, child=child, setting=away, start_date=D(2023, 9, 4), source=MANUAL
        )
        services.flag_set(
            acting_user=None,
            child=child,
            kind="fsm",
            start_date=D(2021, 1, 1),
            source_agency="education",
            source=MANUAL,
        )
        contact = services.contact_add(
            acting_user=None,
            child=child,
            full_name="Pat",
            relationship="mother",
            has_parental_responsibility=True,
        )
        services.contact_add(
            acting_user=None,
            child=child,
            full_name="Chris",
            relationship="father",
            has_parental_responsibility=True,
            address="A withheld address",
        )
        services.consent_record(
            acting_user=None,
            child=child,
            purpose="share_health",
            given_on=D(2022, 1, 5),
            given_by_contact=contact,
        )
        services.involvement_start(
            acting_user=None,
            child=child,
            organisation=trust,
            kind="referral",
            start_date=D(2022, 2, 1),
        )
        return contact

    def test_record_and_timeline_in_a_fixed_number_of_queries(
        self, area, coordinator, django_assert_max_num_queries
    ):
        child = ChildFactory(area=area)
        self._rich(child, area)
        decision = policy.decide(policy.grants_for(coordinator), child, policy.Action.VIEW)
        with django_assert_max_num_queries(10):
            record = selectors.child_record(user=coordinator, child=child, decision=decision)
            titles = [entry.title for entry in record.timeline]
            assert [p.is_out_of_area for p in record.current_placements] == [True]
        assert len(record.past_placements) == 1
        assert [n.code for n in record.current_needs] == ["SLCN"]
        assert "SEN support" in titles
        assert any(title.startswith("Left ") for title in titles)
        dates = [entry.date for entry in record.timeline]
        assert dates == sorted(dates, reverse=True)

    def test_a_parent_sees_only_their_own_contact_details(self, area):
        child = ChildFactory(area=area)
        contact = self._rich(child, area)
        parent = UserFactory()
        services.contact_link_user(acting_user=None, contact=contact, user=parent)
        child_, decision = selectors.child_get_for_user(user=parent, child_id=child.pk)
        record = selectors.child_record(user=parent, child=child_, decision=decision)
        assert [c.full_name for c in record.contacts] == ["Pat"]


@pytest.mark.django_db
def test_area_at_a_glance_counts_in_the_database(area, django_assert_max_num_queries):
    away = SettingFactory(home_area=AreaFactory())
    home_school = SettingFactory(home_area=area)
    today = dt.date.today()
    specs = [
        ("K", "SLCN", D(today.year - 7, 1, 1), home_school),
        ("K", "SLCN", D(today.year - 8, 1, 1), home_school),
        ("E", "ASD", D(today.year - 13, 1, 1), away),
        ("E", "ASD", D(today.year - 20, 1, 1), None),
        ("K", "", D(today.year - 3, 1, 1), None),
        ("N", "", D(today.year - 9, 1, 1), None),
    ]
    for status, need, born, setting in specs:
        child = ChildFactory(area=area, date_of_birth=born)
        services.sen_status_set(
            acting_user=None,
            child=child,
            status=status,
            start_date=D(today.year - 1, 1, 1),
            source=MANUAL,
        )
        if need:
            services.need_record(
                acting_user=None,
                child=child,
                code=need,
                rank=1,
                start_date=D(today.year - 1, 1, 1),
                source_agency="education",
                source=MANUAL,
            )
        if setting:
            services.placement_start(
                acting_user=None,
                child=child,
                setting=setting,
                start_date=D(today.year - 1, 1, 1),
                source=MANUAL,
            )
    with django_assert_max_num_queries(4):
        glance = selectors.area_at_a_glance(area_ids={area.pk}, on=today)
    assert glance.totals == {"K": 3, "E": 2}
    assert glance.by_need["SLCN"] == {"K": 2, "E": 0}
    assert glance.by_need["ASD"] == {"K": 0, "E": 2}
    assert glance.by_need["UNKNOWN"] == {"K": 1, "E": 0}
    assert glance.by_phase["primary"]["K"] == 2
    assert glance.by_phase["secondary"]["E"] == 1
    assert glance.by_phase["post_19"]["E"] == 1
    assert glance.by_phase["early_years"]["K"] == 1
    assert glance.out_of_area_placements == 1
