"""Build EHC cases through the services, to any point of the process, for tests.

Each builder takes the case one step further and returns it, so a test reads as the story of
the case: ``final_issued(draft_issued(drafting(assessing(received(child)))))``. Dates default
to a case that started on Monday 6 January 2025, well in the past.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from opensend.core.models import Organisation, User
from opensend.core.roles import OrganisationKind
from opensend.core.tests.factories import OrganisationFactory, SettingFactory
from opensend.ehc import services
from opensend.ehc.models import (
    AdviceRequest,
    AdviceType,
    AssessmentRequest,
    Plan,
    PlanVersion,
    RequestSource,
    VersionState,
)
from opensend.people.models import Child

RECEIVED = dt.date(2025, 1, 6)


def received(
    child: Child,
    *,
    on: dt.date = RECEIVED,
    coordinator: User | None = None,
    acting_user: User | None = None,
    **kwargs: Any,
) -> AssessmentRequest:
    kwargs.setdefault("source", RequestSource.PARENT)
    return services.request_receive(
        acting_user=acting_user,
        child=child,
        received_date=on,
        coordinator=coordinator,
        **kwargs,
    )


def assessing(
    request: AssessmentRequest, *, on: dt.date | None = None, acting_user: User | None = None
) -> AssessmentRequest:
    return services.request_decide_to_assess(
        acting_user=acting_user,
        request=request,
        decision_date=on or request.received_date + dt.timedelta(weeks=4),
        assess=True,
    )


def health_trust(request: AssessmentRequest) -> Organisation:
    organisation = Organisation.objects.filter(
        kind=OrganisationKind.NHS_TRUST, areas=request.area
    ).first()
    return organisation or cast(
        Organisation,
        OrganisationFactory(
            name="Halford Vale Community Health NHS Trust",
            kind=OrganisationKind.NHS_TRUST,
            home_area=request.area,
        ),
    )


def advice_sent(
    request: AssessmentRequest,
    *,
    organisation: Organisation | None = None,
    advice_type: str = AdviceType.HEALTH,
    on: dt.date | None = None,
    acting_user: User | None = None,
) -> AdviceRequest:
    assert request.decision_date is not None
    return services.advice_request_send(
        acting_user=acting_user,
        request=request,
        advice_type=advice_type,
        organisation=organisation or health_trust(request),
        requested_date=on or request.decision_date + dt.timedelta(days=1),
    )


def advice_returned(
    advice: AdviceRequest, *, on: dt.date | None = None, acting_user: User | None = None
) -> AdviceRequest:
    return services.advice_return(
        acting_user=acting_user,
        advice=advice,
        returned_date=on or advice.requested_date + dt.timedelta(weeks=5),
        summary="Speech and language therapy advice: needs and recommended provision.",
    )


def drafting(
    request: AssessmentRequest, *, on: dt.date | None = None, acting_user: User | None = None
) -> AssessmentRequest:
    """Advice asked for and returned, then the decision to issue a plan."""
    advice = advice_returned(advice_sent(request, acting_user=acting_user), acting_user=acting_user)
    assert advice.returned_date is not None
    return services.request_decide_to_issue(
        acting_user=acting_user,
        request=request,
        decision_date=on or advice.returned_date + dt.timedelta(days=3),
        issue=True,
    )


def draft_of(request: AssessmentRequest) -> PlanVersion:
    assert request.plan is not None
    return request.plan.versions.get(state=VersionState.DRAFT)


def write_draft(version: PlanVersion, *, acting_user: User | None = None) -> PlanVersion:
    version = services.version_update(
        acting_user=acting_user,
        version=version,
        expected_lock_version=version.lock_version,
        changes={
            "section_a": "Likes trains and drawing; wants to make friends.",
            "section_b": "Speech, language and communication needs.",
            "section_e": "By the end of Key Stage 2, will use sentences of five words.",
            "section_f": "Speech and language therapy, planned with the class teacher.",
        },
    )
    services.provision_line_save(
        acting_user=acting_user,
        version=version,
        expected_lock_version=version.lock_version,
        section="f",
        description="Speech and language therapy programme delivered by a teaching assistant",
        commissioner="la_education",
        quantity=Decimal(30),
        unit="minutes",
        frequency="daily",
        provider_description="Teaching assistant trained by the SALT service",
    )
    version.refresh_from_db()
    return version


def draft_issued(
    request: AssessmentRequest, *, on: dt.date | None = None, acting_user: User | None = None
) -> PlanVersion:
    version = write_draft(draft_of(request), acting_user=acting_user)
    assert request.issue_decision_date is not None
    return services.draft_issue(
        acting_user=acting_user,
        version=version,
        served_date=on or request.issue_decision_date + dt.timedelta(weeks=1),
    )


def final_issued(
    version: PlanVersion,
    *,
    on: dt.date | None = None,
    setting: Organisation | None = None,
    acting_user: User | None = None,
) -> Plan:
    """Name a setting and issue the final plan, after the family's 15 days."""
    version.refresh_from_db()
    if not version.placements.exists():
        services.placement_name(
            acting_user=acting_user,
            version=version,
            expected_lock_version=version.lock_version,
            setting=setting or cast(Organisation, SettingFactory(home_area=version.plan.area)),
        )
        version.refresh_from_db()
    assert version.draft_served_date is not None
    services.plan_issue_final(
        acting_user=acting_user,
        version=version,
        issued_date=on or version.draft_served_date + dt.timedelta(weeks=3),
    )
    return Plan.objects.get(pk=version.plan_id)


def plan_for(child: Child, *, received_on: dt.date = RECEIVED, **kwargs: Any) -> Plan:
    """A child with a final EHC plan, issued about 19 weeks after the request."""
    request = drafting(assessing(received(child, on=received_on, **kwargs)))
    return final_issued(draft_issued(request))
