"""The pathway services: the clock's refusals with the rules' messages, permissions, the
summary dates kept in step, and the access log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from opensend.core.models import AccessLogEntry, AccessLogSubject
from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import OrganisationFactory, SettingFactory, staff
from opensend.pathways import services
from opensend.pathways.models import (
    Referral,
    ReferralEvent,
    SupportKind,
    TriageOutcome,
)
from opensend.pathways.tests.factories import PathwayFactory, ReferralFactory, TrustFactory
from opensend.people.tests.factories import ChildFactory

pytestmark = pytest.mark.django_db

D = dt.date
RECEIVED = D(2026, 3, 2)


@pytest.fixture
def pathway(area):
    return PathwayFactory(area=area, name="Autism assessment")


@pytest.fixture
def clinician(pathway):
    return staff(Role.HEALTH_PRACTITIONER, pathway.provider)


@pytest.fixture
def referral(pathway, clinician):
    return services.referral_record(
        acting_user=clinician,
        pathway=pathway,
        child=ChildFactory(area=pathway.area),
        provider_reference="ASD-001",
        source="school",
        received_on=RECEIVED,
    )


def test_recording_a_referral_starts_the_clock_and_logs_access(referral, clinician):
    assert referral.received_on == RECEIVED
    assert list(referral.events.values_list("kind", "on")) == [("referral_received", RECEIVED)]
    entry = AccessLogEntry.objects.filter(object_type="pathways.referral").latest("seq")
    assert entry.actor == clinician
    assert entry.organisation == referral.pathway.provider
    assert AccessLogSubject.objects.filter(
        entry=entry, subject_type="people.child", subject_id=str(referral.child_id)
    ).exists()


def test_the_same_referral_id_twice_is_refused(referral, clinician):
    with pytest.raises(ValidationError) as refused:
        services.referral_record(
            acting_user=clinician,
            pathway=referral.pathway,
            child=referral.child,
            provider_reference="ASD-001",
            source="gp",
            received_on=RECEIVED,
        )
    assert "already recorded" in str(refused.value.message_dict["provider_reference"])


def test_a_referral_in_the_future_is_refused(pathway, clinician):
    with pytest.raises(ValidationError) as refused:
        services.referral_record(
            acting_user=clinician,
            pathway=pathway,
            child=ChildFactory(area=pathway.area),
            provider_reference="X1",
            source="gp",
            received_on=dt.date.today() + dt.timedelta(days=1),
        )
    assert "is in the future" in refused.value.message_dict["received_on"][0]


def test_triage_accepted_then_the_clock_stops_for_treatment(referral, clinician):
    services.referral_triage(
        acting_user=clinician, referral=referral, triaged_on=D(2026, 3, 9), outcome="accepted"
    )
    services.referral_add_event(
        acting_user=clinician, referral=referral, kind="appointment_attended", on=D(2026, 5, 4)
    )
    services.referral_stop_clock(
        acting_user=clinician, referral=referral, reason="treatment_started", on=D(2026, 6, 1)
    )
    referral.refresh_from_db()
    assert referral.triaged_on == D(2026, 3, 9)
    assert referral.triage_outcome == TriageOutcome.ACCEPTED
    assert referral.first_appointment_on == D(2026, 5, 4)
    assert (referral.stopped_on, referral.stop_reason) == (D(2026, 6, 1), "treatment_started")


def test_triage_not_accepted_refers_back_and_stops_the_clock(referral, clinician):
    services.referral_triage(
        acting_user=clinician, referral=referral, triaged_on=D(2026, 3, 5), outcome="not_accepted"
    )
    referral.refresh_from_db()
    assert (referral.stopped_on, referral.stop_reason) == (D(2026, 3, 5), "referred_back")


@pytest.mark.parametrize(
    ("kind", "on", "field", "message"),
    [
        (
            "treatment_started",
            D(2026, 2, 27),
            "on",
            "First definitive treatment started on 27 February 2026 is before the referral "
            "was received on 2 March 2026",
        ),
        (
            "decision_to_treat",
            D(2026, 4, 1),
            "on",
            "Decision to treat after active monitoring on 1 April 2026: a decision to treat "
            "starts a new clock only after a period of active monitoring (Rule 3(d))",
        ),
        ("referral_received", D(2026, 4, 1), "kind", "A new referral starts a new pathway"),
        ("not_a_kind", D(2026, 4, 1), "kind", "Select what happened."),
    ],
)
def test_impossible_events_are_refused_with_the_rules_message(
    referral, clinician, kind, on, field, message
):
    with pytest.raises(ValidationError) as refused:
        services.referral_add_event(acting_user=clinician, referral=referral, kind=kind, on=on)
    assert message in " ".join(refused.value.message_dict[field])
    assert referral.events.count() == 1


def test_an_event_after_the_clock_stopped_is_refused(referral, clinician):
    services.referral_stop_clock(
        acting_user=clinician, referral=referral, reason="discharged", on=D(2026, 4, 1)
    )
    with pytest.raises(ValidationError) as refused:
        services.referral_add_event(
            acting_user=clinician, referral=referral, kind="appointment_attended", on=D(2026, 5, 1)
        )
    assert "is after the clock stopped on 1 April 2026" in refused.value.message_dict["on"][0]


def test_stop_with_a_reason_that_is_not_a_stop_is_refused(referral, clinician):
    with pytest.raises(ValidationError) as refused:
        services.referral_stop_clock(
            acting_user=clinician, referral=referral, reason="triaged", on=D(2026, 4, 1)
        )
    assert refused.value.message_dict == {"reason": ["Select why the clock stopped."]}


def test_triage_twice_is_refused(referral, clinician):
    services.referral_triage(
        acting_user=clinician, referral=referral, triaged_on=D(2026, 3, 9), outcome="accepted"
    )
    with pytest.raises(ValidationError) as refused:
        services.referral_triage(
            acting_user=clinician, referral=referral, triaged_on=D(2026, 3, 10), outcome="accepted"
        )
    assert "already been triaged" in refused.value.message_dict["triaged_on"][0]


def test_a_missed_first_appointment_nullifies_and_a_rebooking_restarts(referral, clinician):
    services.referral_add_event(
        acting_user=clinician, referral=referral, kind="did_not_attend", on=D(2026, 4, 1)
    )
    referral.refresh_from_db()
    assert (referral.stopped_on, referral.stop_reason) == (D(2026, 4, 1), "did_not_attend")
    with pytest.raises(ValidationError) as refused:
        services.referral_add_event(
            acting_user=clinician, referral=referral, kind="appointment_attended", on=D(2026, 4, 8)
        )
    assert "record the rebooking first (Rule 3(e))" in refused.value.message_dict["on"][0]
    services.referral_add_event(
        acting_user=clinician, referral=referral, kind="rebooked", on=D(2026, 4, 10)
    )
    referral.refresh_from_db()
    assert referral.stopped_on is None


def test_pauses_checked_by_the_rules(referral, clinician):
    pause = services.referral_pause(
        acting_user=clinician, referral=referral, start=D(2026, 4, 1), reason="Family abroad"
    )
    with pytest.raises(ValidationError) as refused:
        services.referral_pause(acting_user=clinician, referral=referral, start=D(2026, 4, 10))
    assert "overlap" in refused.value.message_dict["start"][0]
    with pytest.raises(ValidationError) as before:
        services.referral_end_pause(acting_user=clinician, pause=pause, end=D(2026, 3, 20))
    assert "before it begins" in before.value.message_dict["end"][0]
    services.referral_end_pause(acting_user=clinician, pause=pause, end=D(2026, 4, 15))
    pause.refresh_from_db()
    assert pause.end == D(2026, 4, 15)
    with pytest.raises(ValidationError) as early:
        services.referral_pause(acting_user=clinician, referral=referral, start=D(2026, 2, 1))
    assert "begins before the referral was received" in early.value.message_dict["start"][0]


def test_support_while_waiting(referral, clinician):
    support = services.support_offer(
        acting_user=clinician,
        referral=referral,
        kind=SupportKind.WORKSHOP,
        offered_on=D(2026, 3, 20),
        offered_by="Halford Vale Parent Carer Forum",
    )
    assert support.referral == referral
    with pytest.raises(ValidationError) as refused:
        services.support_offer(
            acting_user=clinician,
            referral=referral,
            kind=SupportKind.WORKSHOP,
            offered_on=D(2026, 2, 1),
            offered_by="Someone",
        )
    assert "on or after the referral" in refused.value.message_dict["offered_on"][0]


@pytest.mark.parametrize(
    "who",
    ["other_provider", "commissioner", "coordinator", "clinical_officer_at_the_trust"],
)
def test_only_the_providers_staff_change_its_referrals(referral, area, coordinator, who):
    other_trust = TrustFactory(home_area=area)
    council = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, home_area=area)
    users = {
        "other_provider": lambda: staff(Role.PROVIDER, other_trust),
        "commissioner": lambda: staff(Role.COMMISSIONER, council),
        "coordinator": lambda: coordinator,
        "clinical_officer_at_the_trust": lambda: staff(
            Role.DESIGNATED_CLINICAL_OFFICER, referral.pathway.provider
        ),
    }
    user = users[who]()
    with pytest.raises(PermissionDenied, match="only its staff can change it"):
        services.referral_add_event(
            acting_user=user, referral=referral, kind="triaged", on=D(2026, 3, 3)
        )
    with pytest.raises(PermissionDenied):
        services.referral_record(
            acting_user=user,
            pathway=referral.pathway,
            child=referral.child,
            provider_reference="B-1",
            source="gp",
            received_on=RECEIVED,
        )
    assert ReferralEvent.objects.filter(referral=referral).count() == 1
    assert Referral.objects.count() == 1


def test_pathways_set_up_by_a_commissioner_of_the_area_only(area):
    trust = TrustFactory(home_area=area)
    council = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, home_area=area)
    commissioner = staff(Role.COMMISSIONER, council)
    pathway = services.pathway_create(
        acting_user=commissioner, area=area, kind="salt", name="Speech and language", provider=trust
    )
    assert pathway.provider == trust
    with pytest.raises(PermissionDenied):
        services.pathway_create(
            acting_user=staff(Role.PROVIDER, trust),
            area=area,
            kind="salt",
            name="Another",
            provider=trust,
        )


def test_a_school_cannot_provide_a_pathway(area):
    school = SettingFactory(home_area=area)
    with pytest.raises(ValidationError) as refused:
        services.pathway_create(acting_user=None, area=area, kind="ot", name="OT", provider=school)
    assert "provider" in refused.value.message_dict


def test_factory_referral(area):
    referral = ReferralFactory(pathway=PathwayFactory(area=area))
    assert referral.events.count() == 1
