"""Making a version of a service public: the one place that turns an ORUK document into the
public rows, keeps the version history and refreshes the search index.

Editors' approvals, imports and the synthetic generator all publish through here, so that what
the public sees is always an approved ``ServiceRevision`` and the index always matches it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from opensend.core.models import Area, User
from opensend.directory.models import Organization, RevisionState, Service, ServiceRevision

__all__ = ["apply_revision", "next_revision_number", "publish_document"]


def next_revision_number(service: Service) -> int:
    latest = service.revisions.aggregate(latest=Max("number"))["latest"]
    return (latest or 0) + 1


@transaction.atomic
def apply_revision(revision: ServiceRevision, *, acting_user: User | None) -> Service:
    """Make ``revision`` the public version of its service: write its document to the public
    rows, mark it approved (and the version it replaces superseded), reindex the service.

    Raises ``opensend.directory.oruk.apply.DocumentInvalid`` if the document does not apply;
    nothing is written then."""
    from opensend.directory.oruk.apply import apply_service_document

    service = revision.service
    service = apply_service_document(
        area=service.area, document=revision.document, organization=service.organization
    )
    return _make_public(service, revision, acting_user=acting_user)


def _make_public(
    service: Service, revision: ServiceRevision, *, acting_user: User | None
) -> Service:
    from opensend.directory.search import index_service

    now = timezone.now()
    ServiceRevision.objects.filter(service=service, state=RevisionState.APPROVED).exclude(
        pk=revision.pk
    ).update(state=RevisionState.SUPERSEDED)
    revision.state = RevisionState.APPROVED
    revision.decided_by = acting_user
    revision.decided_at = now
    revision.submitted_at = revision.submitted_at or now
    revision.save()
    service.published_revision = revision
    service.last_modified = now
    service.stale_hidden_at = None
    service.save(update_fields=["published_revision", "last_modified", "stale_hidden_at"])
    index_service(service)
    return service


@transaction.atomic
def publish_document(
    *,
    area: Area,
    document: dict[str, Any],
    organization: Organization | None,
    acting_user: User | None,
    summary: str,
) -> ServiceRevision:
    """Publish ``document`` (an ORUK service, with OpenSEND's ``"opensend"`` extension) as a
    new approved version, creating the service if its id is new. For imports, the generator
    and officers publishing directly; providers' edits go through approval instead."""
    from opensend.directory.oruk.apply import apply_service_document

    service = apply_service_document(area=area, document=document, organization=organization)
    now = timezone.now()
    revision = ServiceRevision.objects.create(
        service=service,
        number=next_revision_number(service),
        document=document,
        state=RevisionState.APPROVED,
        summary=summary,
        created_by=acting_user,
        created_at=now,
        submitted_at=now,
    )
    _make_public(service, revision, acting_user=acting_user)
    return revision
