"""Factories for pathways, creating through the services (``acting_user=None``: the system)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory

from opensend.core.roles import OrganisationKind
from opensend.core.tests.factories import AreaFactory, OrganisationFactory, ServiceFactory
from opensend.pathways import services
from opensend.pathways.models import Pathway, PathwayKind, Referral, ReferralSource
from opensend.people.tests.factories import ChildFactory

_references = itertools.count(1)


class TrustFactory(OrganisationFactory):
    name = factory.Sequence(lambda n: f"Halford Vale Community Health NHS Trust {n}")
    kind = OrganisationKind.NHS_TRUST


class PathwayFactory(ServiceFactory):
    class Meta:
        model = Pathway

    area = factory.SubFactory(AreaFactory)
    kind = PathwayKind.AUTISM
    name = factory.Sequence(lambda n: f"Autism assessment pathway {n}")
    provider = factory.SubFactory(TrustFactory, home_area=factory.SelfAttribute("..area"))

    @classmethod
    def _create(cls, model_class: type[Pathway], *args: Any, **kwargs: Any) -> Pathway:
        return services.pathway_create(acting_user=None, **kwargs)


class ReferralFactory(ServiceFactory):
    class Meta:
        model = Referral

    pathway = factory.SubFactory(PathwayFactory)
    child = factory.SubFactory(ChildFactory, area=factory.SelfAttribute("..pathway.area"))
    provider_reference = factory.LazyFunction(lambda: f"REF{next(_references):05d}")
    source = ReferralSource.GP
    received_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))

    @classmethod
    def _create(cls, model_class: type[Referral], *args: Any, **kwargs: Any) -> Referral:
        return services.referral_record(acting_user=None, **kwargs)
