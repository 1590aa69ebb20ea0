"""The EHC process on the child's timeline: each recorded case event."""

from __future__ import annotations

from opensend.core.codes import AgencyType
from opensend.people import timeline
from opensend.people.models import Child


@timeline.register
def ehc_entries(child: Child) -> list[timeline.Entry]:
    from opensend.ehc.models import CaseEvent

    return [
        timeline.Entry(
            date=event.event_date,
            agency=AgencyType.EDUCATION,
            category="EHC",
            title=event.summary,
            detail=str(event.detail.get("note", "")),
        )
        for event in CaseEvent.objects.filter(child=child).order_by("event_date", "pk")
    ]
