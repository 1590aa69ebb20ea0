import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opensend.core.models import AccessAction, AccessLogEntry, AccessLogSubject
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, SettingFactory, staff
from opensend.people import services
from opensend.people.models import (
    Child,
    ChildNameToken,
    Need,
    RecordSource,
    SENStatus,
    SENStatusPeriod,
)
from opensend.people.tests.factories import ChildFactory, next_upn

D = dt.date
MANUAL = RecordSource.MANUAL


def _entries_for(child):
    return AccessLogEntry.objects.filter(
        pk__in=AccessLogSubject.objects.filter(
            subject_type="people.child", subject_id=str(child.pk)
        ).values("entry_id")
    ).order_by("seq")


@pytest.mark.django_db
class TestChildCreate:
    def test_creates_with_normalised_identifiers_tokens_status_and_a_log_entry(
        self, area, coordinator
    ):
        upn = next_upn(area.la_code)
        child = services.child_create(
            acting_user=coordinator,
            area=area,
            forename="  Zoë ",
            surname="O'Brien-Smith",
            date_of_birth=D(2016, 4, 2),
            sex="F",
            upn=f"{upn[:4]} {upn[4:]}".lower(),
            nhs_number="943 476 5870",
            home_postcode="wa74ab",
        )
        assert child.upn == upn
        assert child.nhs_number == "9434765870"
        assert child.forename == "Zoë"
        assert child.home_postcode == "WA7 4AB"
        assert child.postcode_district == "WA7"
        assert child.sen_status == SENStatus.NONE
        assert set(ChildNameToken.objects.filter(child=child).values_list("token", flat=True)) >= {
            "zoe",
            "obrien",
            "smith",
            "obriensmith",
        }
        period = SENStatusPeriod.objects.get(child=child)
        assert (period.status, period.start_date, period.end_date) == ("N", D(2016, 4, 2), None)
        entry = _entries_for(child).get()
        assert entry.action == AccessAction.CREATE
        assert entry.actor == coordinator
        assert entry.purpose == "Local authority SEND officer for the child's area"

    def test_duplicate_identifier_is_refused(self, area, coordinator):
        existing = ChildFactory(area=area)
        with pytest.raises(ValidationError, match="Another child's record already has this UPN"):
            services.child_create(
                acting_user=coordinator,
                area=area,
                forename="A",
                surname="B",
                date_of_birth=D(2015, 1, 1),
                sex="M",
                upn=existing.upn,
            )

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"upn": "A801200005001"}, "the check letter is A but the digits give B"),
            ({"nhs_number": "9434765871"}, "Enter a valid NHS number"),
            (
                {"date_of_birth": dt.date.today() + dt.timedelta(days=1)},
                "must be today or in the past",
            ),
            ({"date_of_birth": D(1990, 1, 1)}, "up to 25"),
            ({"sex": "X"}, "is not a valid choice"),
            ({"home_postcode": "NOT A CODE"}, "Enter a full UK postcode"),
        ],
    )
    def test_invalid_fields_are_refused_with_a_reason(self, area, coordinator, fields, message):
        values = {
            "forename": "A",
            "surname": "B",
            "date_of_birth": D(2015, 1, 1),
            "sex": "M",
            **fields,
        }
        with pytest.raises(ValidationError, match=message):
            services.child_create(acting_user=coordinator, area=area, **values)
        assert not Child.objects.exists()

    def test_unknown_field(self, area, coordinator):
        with pytest.raises(TypeError, match="favourite_colour"):
            services.child_create(
                acting_user=coordinator,
                area=area,
                forename="A",
                surname="B",
                date_of_birth=D(2015, 1, 1),
                sex="M",
                favourite_colour="blue",
            )

    def test_only_a_case_officer_of_the_area_may_add_children(self, area, local_authority):
        other = AreaFactory()
        outsider = staff(Role.EHC_COORDINATOR, OrganisationFactory(home_area=other))
        analyst = staff(Role.ANALYST, local_authority)
        for user in (outsider, analyst):
            with pytest.raises(PermissionDenied):
                services.child_create(
                    acting_user=user,
                    area=area,
                    forename="A",
                    surname="B",
                    date_of_birth=D(2015, 1, 1),
                    sex="M",
                )


@pytest.mark.django_db
class TestChildUpdate:
    def test_records_what_changed_and_refreshes_tokens(self, area, coordinator):
        child = ChildFactory(area=area, surname="Smith")
        services.child_update(
            acting_user=coordinator, child=child, surname="Jones", former_surname="Smith"
        )
        tokens = set(ChildNameToken.objects.filter(child=child).values_list("token", flat=True))
        assert {"jones", "smith"} <= tokens
        entry = _entries_for(child).last()
        assert entry.detail["changed"]["surname"] == ["Smith", "Jones"]

    def test_no_change_writes_nothing(self, area, coordinator):
        child = ChildFactory(area=area)
        before = _entries_for(child).count()
        services.child_update(acting_user=coordinator, child=child, forename=child.forename)
        assert _entries_for(child).count() == before

    def test_a_senco_may_not_change_the_record(self, area):
        school = SettingFactory(home_area=area)
        senco = staff(Role.SENCO, school)
        child = ChildFactory(area=area)
        services.placement_start(
            acting_user=None, child=child, setting=school, start_date=D(2022, 9, 1), source=MANUAL
        )
        with pytest.raises(PermissionDenied):
            services.child_update(acting_user=senco, child=child, forename="Changed")


@pytest.mark.django_db
class TestSENStatus:
    def test_a_new_status_closes_the_last(self, area, coordinator):
        child = ChildFactory(area=area, date_of_birth=D(2014, 5, 1))
        services.sen_status_set(
            acting_user=coordinator,
            child=child,
            status="K",
            start_date=D(2021, 10, 7),
            source=MANUAL,
        )
        services.sen_status_set(
            acting_user=coordinator,
            child=child,
            status="E",
            start_date=D(2023, 3, 1),
            source=MANUAL,
        )
        periods = list(
            SENStatusPeriod.objects.filter(child=child)
            .order_by("start_date")
            .values_list("status", "start_date", "end_date")
        )
        assert periods == [
            ("N", D(2014, 5, 1), D(2021, 10, 6)),
            ("K", D(2021, 10, 7), D(2023, 2, 28)),
            ("E", D(2023, 3, 1), None),
        ]
        child.refresh_from_db()
        assert child.sen_status == "E"

    def test_the_same_status_changes_nothing(self, area, coordinator):
        child = ChildFactory(area=area)
        first = services.sen_status_set(
            acting_user=coordinator,
            child=child,
            status="K",
            start_date=D(2022, 1, 1),
            source=MANUAL,
        )
        again = services.sen_status_set(
            acting_user=coordinator,
            child=child,
            status="K",
            start_date=D(2023, 1, 1),
            source=MANUAL,
        )
        assert first.pk == again.pk
        assert SENStatusPeriod.objects.filter(child=child).count() == 2

    def test_a_status_cannot_start_before_the_current_one(self, area, coordinator):
        child = ChildFactory(area=area)
        services.sen_status_set(
            acting_user=coordinator,
            child=child,
            status="K",
            start_date=D(2022, 1, 1),
            source=MANUAL,
        )
        with pytest.raises(ValidationError, match="a change must start after that"):
            services.sen_status_set(
                acting_user=coordinator,
                child=child,
                status="E",
                start_date=D(2021, 1, 1),
                source=MANUAL,
            )

    def test_nothing_is_half_written_when_the_log_fails(self, area, coordinator):
        child = ChildFactory(area=area)
        with (
            mock.patch("opensend.core.access_log.record", side_effect=RuntimeError("disk full")),
            pytest.raises(RuntimeError),
        ):
            services.sen_status_set(
                acting_user=coordinator,
                child=child,
                status="K",
                start_date=D(2022, 1, 1),
                source=MANUAL,
            )
        child.refresh_from_db()
        assert child.sen_status == "N"
        assert SENStatusPeriod.objects.filter(child=child).count() == 1
        assert SENStatusPeriod.objects.get(child=child).end_date is None


@pytest.mark.django_db
class TestNeeds:
    def test_a_changed_primary_need_ends_the_old_one_and_updates_the_child(self, area, coordinator):
        child = ChildFactory(area=area)
        services.need_record(
            acting_user=coordinator,
            child=child,
            code="SLCN",
            rank=1,
            start_date=D(2022, 1, 10),
            source_agency="education",
            source=MANUAL,
        )
        services.need_record(
            acting_user=coordinator,
            child=child,
            code="ASD",
            rank=1,
            start_date=D(2023, 6, 1),
            source_agency="health",
            source=MANUAL,
        )
        services.need_record(
            acting_user=coordinator,
            child=child,
            code="SEMH",
            rank=2,
            start_date=D(2023, 6, 1),
            source_agency="education",
            source=MANUAL,
        )
        needs = list(
            Need.objects.filter(child=child)
            .order_by("start_date", "rank")
            .values_list("code", "rank", "end_date")
        )
        assert needs == [("SLCN", 1, D(2023, 5, 31)), ("ASD", 1, None), ("SEMH", 2, None)]
        child.refresh_from_db()
        assert child.primary_need == "ASD"

    def test_the_same_need_again_changes_nothing(self, area, coordinator):
        child = ChildFactory(area=area)
        first = services.need_record(
            acting_user=coordinator,
            child=child,
            code="MLD",
            rank=1,
            start_date=D(2022, 1, 10),
            source_agency="education",
            source=MANUAL,
        )
        again = services.need_record(
            acting_user=coordinator,
            child=child,
            code="MLD",
            rank=1,
            start_date=D(2023, 1, 10),
            source_agency="education",
            source=MANUAL,
        )
        assert first.pk == again.pk

    def test_ending_the_primary_need_clears_it_on_the_child(self, area, coordinator):
        child = ChildFactory(area=area)
        need = services.need_record(
            acting_user=coordinator,
            child=child,
            code="MLD",
            rank=1,
            start_date=D(2022, 1, 10),
            source_agency="education",
            source=MANUAL,
        )
        services.need_end(acting_user=coordinator, need=need, end_date=D(2023, 1, 1))
        child.refresh_from_db()
        assert child.primary_need == ""
        with pytest.raises(ValidationError, match="already ended"):
            services.need_end(acting_user=coordinator, need=need, end_date=D(2023, 2, 1))

    def test_unknown_need_code_is_refused(self, area, coordinator):
        child = ChildFactory(area=area)
        with pytest.raises(ValidationError, match="is not a valid choice"):
            services.need_record(
                acting_user=coordinator,
                child=child,
                code="XYZ",
                rank=1,
                start_date=D(2022, 1, 10),
                source_agency="education",
                source=MANUAL,
            )


@pytest.mark.django_db
class TestPlacementsFlagsContactsConsentsInvolvements:
    def test_placements(self, area, coordinator):
        child = ChildFactory(area=area)
        elsewhere = SettingFactory(home_area=AreaFactory())
        placement = services.placement_start(
            acting_user=coordinator,
            child=child,
            setting=elsewhere,
            start_date=D(2022, 9, 1),
            source=MANUAL,
        )
        assert placement.is_out_of_area
        assert placement.is_current(D(2023, 1, 1))
        with pytest.raises(ValidationError, match="cannot end before it starts"):
            services.placement_end(
                acting_user=coordinator, placement=placement, end_date=D(2022, 1, 1)
            )
        services.placement_end(
            acting_user=coordinator, placement=placement, end_date=D(2023, 7, 21)
        )
        assert not placement.is_current(D(2023, 9, 1))

    def test_a_placement_is_at_a_setting(self, area, coordinator, local_authority):
        child = ChildFactory(area=area)
        with pytest.raises(ValidationError, match="is not a school, college or special school"):
            services.placement_start(
                acting_user=coordinator,
                child=child,
                setting=local_authority,
                start_date=D(2022, 9, 1),
                source=MANUAL,
            )

    def test_flags_are_set_once_and_end(self, area, coordinator):
        child = ChildFactory(area=area)
        first = services.flag_set(
            acting_user=coordinator,
            child=child,
            kind="cin",
            start_date=D(2022, 1, 1),
            source_agency="social_care",
            source=MANUAL,
        )
        again = services.flag_set(
            acting_user=coordinator,
            child=child,
            kind="cin",
            start_date=D(2022, 5, 1),
            source_agency="social_care",
            source=MANUAL,
        )
        assert first.pk == again.pk
        services.flag_end(acting_user=coordinator, flag=first, end_date=D(2023, 1, 1))
        with pytest.raises(ValidationError, match="already ended"):
            services.flag_end(acting_user=coordinator, flag=first, end_date=D(2023, 1, 2))

    def test_one_main_contact(self, area, coordinator):
        child = ChildFactory(area=area)
        first = services.contact_add(
            acting_user=coordinator,
            child=child,
            full_name="Sam",
            relationship="mother",
            has_parental_responsibility=True,
            is_main_contact=True,
        )
        services.contact_add(
            acting_user=coordinator,
            child=child,
            full_name="Lee",
            relationship="father",
            has_parental_responsibility=True,
            is_main_contact=True,
        )
        first.refresh_from_db()
        assert not first.is_main_contact

    def test_only_a_contact_with_parental_responsibility_gets_an_account(self, area, coordinator):
        from opensend.core.tests.factories import UserFactory

        child = ChildFactory(area=area)
        contact = services.contact_add(
            acting_user=coordinator,
            child=child,
            full_name="Gran",
            relationship="grandparent",
            has_parental_responsibility=False,
        )
        with pytest.raises(ValidationError, match="parental responsibility"):
            services.contact_link_user(acting_user=coordinator, contact=contact, user=UserFactory())

    def test_consents(self, area, coordinator):
        child = ChildFactory(area=area, date_of_birth=D(2009, 1, 1))
        other = ChildFactory(area=area)
        stranger = services.contact_add(
            acting_user=coordinator,
            child=other,
            full_name="X",
            relationship="mother",
            has_parental_responsibility=True,
        )
        with pytest.raises(ValidationError, match="belongs to another child"):
            services.consent_record(
                acting_user=coordinator,
                child=child,
                purpose="share_health",
                given_on=D(2024, 1, 1),
                given_by_contact=stranger,
            )
        with pytest.raises(ValidationError, match="from age 16"):
            services.consent_record(
                acting_user=coordinator,
                child=child,
                purpose="share_health",
                given_on=D(2024, 12, 31),
                given_by_young_person=True,
            )
        with pytest.raises(ValidationError, match="in the future"):
            services.consent_record(
                acting_user=coordinator,
                child=child,
                purpose="share_health",
                given_on=dt.date.today() + dt.timedelta(days=1),
                given_by_young_person=True,
            )
        with pytest.raises(ValidationError, match="Say who gave consent"):
            services.consent_record(
                acting_user=coordinator, child=child, purpose="share_health", given_on=D(2024, 1, 1)
            )
        consent = services.consent_record(
            acting_user=coordinator,
            child=child,
            purpose="share_health",
            given_on=D(2025, 2, 1),
            given_by_young_person=True,
        )
        services.consent_withdraw(
            acting_user=coordinator, consent=consent, withdrawn_on=D(2025, 3, 1)
        )
        assert not consent.is_active
        with pytest.raises(ValidationError, match="already been withdrawn"):
            services.consent_withdraw(
                acting_user=coordinator, consent=consent, withdrawn_on=D(2025, 4, 1)
            )

    def test_involvements(self, area, coordinator):
        child = ChildFactory(area=area)
        trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, home_area=area)
        involvement = services.involvement_start(
            acting_user=coordinator,
            child=child,
            organisation=trust,
            kind="referral",
            start_date=D(2024, 1, 1),
            reason="Speech and language therapy",
        )
        with pytest.raises(ValidationError, match="cannot end before it starts"):
            services.involvement_end(
                acting_user=coordinator, involvement=involvement, end_date=D(2023, 1, 1)
            )
        services.involvement_end(
            acting_user=coordinator, involvement=involvement, end_date=D(2024, 6, 1)
        )
        assert [e.action for e in _entries_for(child)][-2:] == ["change", "change"]
