"""Editing with approval: drafts, submission, approval and return, one open revision, refused
concurrent saves, versions kept and compared, and the lifecycle of a service."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from opensend.core.roles import OrganisationKind, Role
from opensend.core.tests.factories import OrganisationFactory, staff
from opensend.directory.models import (
    RevisionState,
    SearchTerm,
    Service,
    ServiceCheck,
    ServiceRevision,
    ServiceStatus,
)
from opensend.directory.oruk.documents import service_document
from opensend.directory.search import stem_words
from opensend.directory.services import editing
from opensend.directory.tests.factories import DirectoryOrganizationFactory, public_service

pytestmark = pytest.mark.django_db


# --- helpers shared with the other editing test modules ----------------------------------------


def officer_of(local_authority, **kwargs):
    return staff(Role.LOCAL_OFFER_OFFICER, local_authority, **kwargs)


def provider_setup(area, name="Brightside Therapies", **kwargs):
    """A provider organisation, one of its users, and the directory organisation it owns."""
    organisation = OrganisationFactory(
        name=name, kind=OrganisationKind.VOLUNTARY_PROVIDER, home_area=area
    )
    user = staff(Role.PROVIDER, organisation, **kwargs)
    organization = DirectoryOrganizationFactory(area=area, owner=organisation, name=name)
    return user, organization


def published(area, organization, **kwargs):
    return public_service(area=area, organization=organization, **kwargs)


def edited(document, **changes):
    document = copy.deepcopy(document)
    document.update(changes)
    return document


@pytest.fixture
def officer(local_authority):
    return officer_of(local_authority, full_name="Olive Officer")


@pytest.fixture
def provider(area):
    return provider_setup(area, full_name="Pat Provider")


@pytest.fixture
def service(area, provider):
    _user, organization = provider
    return published(area, organization, name="Splash Swimming Club")


def save(user, service, **changes):
    state = editing.editing_state(service)
    return editing.revision_save(
        acting_user=user,
        service=service,
        document=edited(state.document, **changes),
        base_token=state.token,
    )


# --- drafts and approval ---------------------------------------------------------------------


def test_an_edit_waits_for_approval_while_the_public_sees_the_last_approved(
    service, provider, officer
):
    user, _ = provider
    revision = save(user, service, name="Splash Swimming Club Otters")
    assert revision.state == RevisionState.DRAFT
    assert revision.number == 2
    editing.revision_submit(acting_user=user, revision=revision)
    service.refresh_from_db()
    assert service.name == "Splash Swimming Club"
    assert Service.objects.public().filter(pk=service.pk).exists()

    editing.revision_approve(acting_user=officer, revision=revision, note="Looks right")
    service.refresh_from_db()
    revision.refresh_from_db()
    assert service.name == "Splash Swimming Club Otters"
    assert service.published_revision == revision
    assert revision.state == RevisionState.APPROVED
    assert revision.decided_by == officer
    assert revision.decision_note == "Looks right"
    assert ServiceRevision.objects.get(service=service, number=1).state == RevisionState.SUPERSEDED
    assert SearchTerm.objects.filter(service=service, term=stem_words("otters")[0]).exists()


def test_a_provider_cannot_approve(service, provider):
    user, _ = provider
    revision = save(user, service, name="Renamed")
    editing.revision_submit(acting_user=user, revision=revision)
    with pytest.raises(PermissionDenied):
        editing.revision_approve(acting_user=user, revision=revision)
    with pytest.raises(PermissionDenied):
        editing.revision_return(acting_user=user, revision=revision, reason="no")


def test_an_officer_returns_an_edit_with_a_reason_and_the_next_edit_starts_from_it(
    service, provider, officer
):
    user, _ = provider
    revision = save(user, service, description="Now with lessons for beginners.")
    editing.revision_submit(acting_user=user, revision=revision)
    with pytest.raises(ValidationError) as error:
        editing.revision_return(acting_user=officer, revision=revision, reason="  ")
    assert "Say why" in str(error.value)
    editing.revision_return(acting_user=officer, revision=revision, reason="Add the prices")
    revision.refresh_from_db()
    assert revision.state == RevisionState.REJECTED
    assert revision.decision_note == "Add the prices"
    service.refresh_from_db()
    assert service.description != "Now with lessons for beginners."
    state = editing.editing_state(service)
    assert state.returned == revision
    assert state.document["description"] == "Now with lessons for beginners."


def test_officers_publish_their_own_edits_directly(service, officer):
    state = editing.editing_state(service)
    editing.revision_publish(
        acting_user=officer,
        service=service,
        document=edited(state.document, alert="Closed on bank holidays"),
        base_token=state.token,
    )
    service.refresh_from_db()
    assert service.alert == "Closed on bank holidays"
    assert service.published_revision.state == RevisionState.APPROVED


def test_a_provider_cannot_publish_directly(service, provider):
    user, _ = provider
    state = editing.editing_state(service)
    with pytest.raises(PermissionDenied):
        editing.revision_publish(
            acting_user=user, service=service, document=state.document, base_token=state.token
        )


def test_a_provider_cannot_edit_another_providers_service(area, service):
    other, _ = provider_setup(area, name="Other Provider")
    state = editing.editing_state(service)
    with pytest.raises(PermissionDenied):
        editing.revision_save(
            acting_user=other, service=service, document=state.document, base_token=state.token
        )


def test_one_open_revision_a_second_editor_works_on_the_same_draft(
    area, service, provider, officer
):
    user, organisation = provider
    colleague = staff(Role.PROVIDER, organisation.owner, full_name="Cam Colleague")
    first = save(user, service, description="First draft")
    state = editing.editing_state(service)
    assert state.revision == first
    second = save(colleague, service, description="Second hand")
    assert second.pk == first.pk
    assert (
        ServiceRevision.objects.filter(service=service, state__in=editing.OPEN_STATES).count() == 1
    )
    assert second.document["description"] == "Second hand"


def test_a_concurrent_save_is_refused_naming_who_saved_and_when(service, provider, officer):
    user, _ = provider
    stale = editing.editing_state(service)
    save(officer, service, description="The officer's words")
    with pytest.raises(editing.EditConflict) as error:
        editing.revision_save(
            acting_user=user,
            service=service,
            document=edited(stale.document, description="The provider's words"),
            base_token=stale.token,
        )
    assert "Olive Officer saved this service at" in error.value.messages[0]
    assert editing.open_revision(service).document["description"] == "The officer's words"


def test_a_save_after_publication_is_refused(service, provider, officer):
    user, _ = provider
    stale = editing.editing_state(service)
    state = editing.editing_state(service)
    editing.revision_publish(
        acting_user=officer,
        service=service,
        document=edited(state.document, alert="New"),
        base_token=state.token,
    )
    with pytest.raises(editing.EditConflict) as error:
        editing.revision_save(
            acting_user=user, service=service, document=stale.document, base_token=stale.token
        )
    assert "published or returned" in error.value.messages[0]


def test_saving_an_edit_waiting_for_approval_makes_it_a_draft_again(service, provider):
    user, _ = provider
    revision = save(user, service, description="One")
    editing.revision_submit(acting_user=user, revision=revision)
    again = save(user, service, description="Two")
    assert again.pk == revision.pk
    assert again.state == RevisionState.DRAFT
    assert again.submitted_at is None


def test_only_a_draft_is_submitted_and_only_a_submitted_edit_returned(service, provider, officer):
    user, _ = provider
    revision = save(user, service, description="One")
    with pytest.raises(ValidationError):
        editing.revision_return(acting_user=officer, revision=revision, reason="why")
    editing.revision_submit(acting_user=user, revision=revision)
    with pytest.raises(ValidationError):
        editing.revision_submit(acting_user=user, revision=revision)
    editing.revision_approve(acting_user=officer, revision=revision)
    with pytest.raises(ValidationError):
        editing.revision_approve(acting_user=officer, revision=revision)


def test_an_invalid_document_is_refused_at_approval_with_its_path(service, officer):
    state = editing.editing_state(service)
    document = edited(state.document, minimum_age=12, maximum_age=5)
    revision = editing.revision_save(
        acting_user=officer, service=service, document=document, base_token=state.token
    )
    with pytest.raises(ValidationError):
        editing.revision_approve(acting_user=officer, revision=revision)
    service.refresh_from_db()
    assert service.minimum_age is None


def test_a_new_service_is_unpublished_until_approved(area, provider, officer):
    user, organization = provider
    revision = editing.service_start(
        acting_user=user, area=area, organization=organization, name="Stay and Play"
    )
    service = revision.service
    assert service.published_revision is None
    assert not Service.objects.public().filter(pk=service.pk).exists()
    assert revision.state == RevisionState.DRAFT
    editing.revision_submit(acting_user=user, revision=revision)
    editing.revision_approve(acting_user=officer, revision=revision)
    assert Service.objects.public().filter(pk=service.pk).exists()


def test_a_provider_cannot_start_a_service_for_an_organisation_it_does_not_own(area, provider):
    user, _ = provider
    _, elsewhere = provider_setup(area, name="Someone Else")
    with pytest.raises(PermissionDenied):
        editing.service_start(acting_user=user, area=area, organization=elsewhere, name="X")


def test_approval_counts_as_a_check_and_unhides_a_stale_service(service, provider, officer):
    user, _ = provider
    Service.objects.filter(pk=service.pk).update(
        stale_hidden_at=timezone.now(),
        stale_notified_at=timezone.now(),
        last_checked_at=timezone.now() - dt.timedelta(days=500),
    )
    service.refresh_from_db()
    revision = save(user, service, description="Checked and updated")
    editing.revision_submit(acting_user=user, revision=revision)
    editing.revision_approve(acting_user=officer, revision=revision)
    service.refresh_from_db()
    assert service.stale_hidden_at is None
    assert service.stale_notified_at is None
    assert service.last_checked_at > timezone.now() - dt.timedelta(minutes=1)
    assert ServiceCheck.objects.filter(service=service, checked_by=officer).exists()


def test_approval_keeps_a_temporary_closure(service, provider, officer):
    user, _ = provider
    revision = save(user, service, description="Edited before closing")
    editing.service_close_temporarily(acting_user=user, service=service, reopens_on=None)
    editing.revision_submit(acting_user=user, revision=revision)
    editing.revision_approve(acting_user=officer, revision=revision)
    service.refresh_from_db()
    assert service.status == ServiceStatus.TEMPORARILY_CLOSED


def test_an_officer_moves_a_service_to_another_organisation(area, service, officer):
    _, other = provider_setup(area, name="New Home Ltd")
    state = editing.editing_state(service)
    document = edited(state.document, organization_id=str(other.pk))
    document["organization"] = {**document["organization"], "id": str(other.pk)}
    editing.revision_publish(
        acting_user=officer, service=service, document=document, base_token=state.token
    )
    service.refresh_from_db()
    assert service.organization == other


# --- lifecycle ----------------------------------------------------------------------------------


def test_lifecycle_close_reopen_archive_unarchive_schedule(service, provider, officer):
    user, _ = provider
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    editing.service_close_temporarily(acting_user=user, service=service, reopens_on=tomorrow)
    service.refresh_from_db()
    assert service.status == ServiceStatus.TEMPORARILY_CLOSED
    assert service.reopens_on == tomorrow
    assert Service.objects.public().filter(pk=service.pk).exists()
    editing.service_reopen(acting_user=user, service=service)
    service.refresh_from_db()
    assert service.status == ServiceStatus.ACTIVE
    assert service.reopens_on is None

    editing.service_archive(acting_user=officer, service=service)
    assert not Service.objects.public().filter(pk=service.pk).exists()
    assert not SearchTerm.objects.filter(service=service).exists()
    editing.service_unarchive(acting_user=officer, service=service)
    assert Service.objects.public().filter(pk=service.pk).exists()
    assert SearchTerm.objects.filter(service=service).exists()

    editing.service_schedule(acting_user=officer, service=service, publish_from=tomorrow)
    assert not Service.objects.public().filter(pk=service.pk).exists()
    assert Service.objects.public(today=tomorrow).filter(pk=service.pk).exists()
    editing.service_schedule(acting_user=officer, service=service, publish_from=None)
    assert Service.objects.public().filter(pk=service.pk).exists()


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (editing.service_archive, {}),
        (editing.service_unarchive, {}),
        (editing.service_schedule, {"publish_from": None}),
    ],
)
def test_providers_cannot_archive_or_schedule(service, provider, action, kwargs):
    user, _ = provider
    with pytest.raises(PermissionDenied):
        action(acting_user=user, service=service, **kwargs)


@pytest.mark.parametrize(
    ("setup", "action", "kwargs", "message"),
    [
        (None, editing.service_reopen, {}, "not temporarily closed"),
        (None, editing.service_unarchive, {}, "not archived"),
        ("archive", editing.service_archive, {}, "already archived"),
        (None, editing.service_close_temporarily, {"reopens_on": dt.date(2000, 1, 1)}, "future"),
        ("archive", editing.service_close_temporarily, {"reopens_on": None}, "unarchive it"),
    ],
)
def test_lifecycle_refusals(service, officer, setup, action, kwargs, message):
    if setup == "archive":
        editing.service_archive(acting_user=officer, service=service)
        service.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        action(acting_user=officer, service=service, **kwargs)
    assert message in str(error.value)


def test_mark_as_checked_records_a_check_and_unhides(service, provider):
    user, _ = provider
    Service.objects.filter(pk=service.pk).update(
        stale_hidden_at=timezone.now(), last_checked_at=timezone.now() - dt.timedelta(days=400)
    )
    service.refresh_from_db()
    assert not Service.objects.public().filter(pk=service.pk).exists()
    editing.service_mark_checked(acting_user=user, service=service, note="Phoned them")
    service.refresh_from_db()
    assert service.stale_hidden_at is None
    assert service.last_checked_at > timezone.now() - dt.timedelta(minutes=1)
    check = ServiceCheck.objects.get(service=service)
    assert (check.checked_by, check.note) == (user, "Phoned them")
    assert Service.objects.public().filter(pk=service.pk).exists()


def test_a_stranger_cannot_mark_as_checked(area, service):
    other, _ = provider_setup(area, name="Other Provider")
    with pytest.raises(PermissionDenied):
        editing.service_mark_checked(acting_user=other, service=service)


# --- comparing versions -------------------------------------------------------------------------


def test_compare_documents_field_by_field(service):
    before = service_document(service)
    after = copy.deepcopy(before)
    after["name"] = "Splash Club"
    after["contacts"] = [{"name": "Reception", "email": "hello@example.org", "phones": []}]
    after["schedules"] = [
        {"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "09:00:00", "closes_at": "12:00:00"}
    ]
    after["cost_options"] = [{"option": "Session", "amount": 4.5}]
    after["minimum_age"] = 5
    changes = {c.label: c for c in editing.compare_documents(before, after)}
    assert changes["Name"].kind == "changed"
    assert changes["Name"].before == ("Splash Swimming Club",)
    assert changes["Name"].after == ("Splash Club",)
    assert changes["Contacts"].after == ("Reception · hello@example.org",)
    assert changes["Times"].after == ("Monday, Wednesday · 09:00–12:00",)
    assert changes["Cost"].after == ("Session · £4.50",)
    assert changes["Ages"].after == ("From 5",)
    assert changes["Description"].kind == "unchanged"


def test_describe_shows_needs_and_schedule2(area, provider):
    _user, organization = provider
    service = published(area, organization, needs=("ASD",), categories=("schools",))
    document = service_document(service)
    document["opensend"]["schedule2"] = {
        "approach": {"options": ["small-groups"], "detail": "Daily"}
    }
    rows = dict(editing.describe_document(document))
    assert rows["Needs it meets"] == ("Autistic spectrum disorder",)
    assert rows["Categories"] == ("Schools and colleges",)
    assert rows["Approach to teaching"] == ("Small-group teaching", "Daily")


def test_describe_shows_each_locations_accessibility(area, provider):
    """Ticks made per location travel as attributes of the service at that location; the
    compare and approval pages must show them (or an approver would read them as removed)."""
    _user, organization = provider
    service = published(area, organization)
    document = service_document(service)
    document["service_at_locations"] = [
        {
            "location": {"name": "Hall", "addresses": [{"city": "Halford"}]},
            "attributes": [
                {
                    "link_type": "accessibility",
                    "taxonomy_term": {"term": "access-step-free", "name": "Step-free access"},
                }
            ],
        }
    ]
    rows = dict(editing.describe_document(document))
    assert "Hall: Step-free access" in rows["Accessibility details"]


def test_the_editor_is_told_of_a_return_and_an_approval(
    service, provider, officer, django_capture_on_commit_callbacks
):
    from opensend.core import mail

    mail.outbox.clear()
    user, _ = provider
    revision = save(user, service, description="One")
    editing.revision_submit(acting_user=user, revision=revision)
    with django_capture_on_commit_callbacks(execute=True):
        editing.revision_return(acting_user=officer, revision=revision, reason="Add the prices")
    assert mail.outbox[-1].to == user.email
    assert "was returned" in mail.outbox[-1].subject
    assert "Add the prices" in mail.outbox[-1].body
    again = save(user, service, description="Two")
    editing.revision_submit(acting_user=user, revision=again)
    with django_capture_on_commit_callbacks(execute=True):
        editing.revision_approve(acting_user=officer, revision=again)
    assert "is now public" in mail.outbox[-1].subject
    mail.outbox.clear()
