"""Factories for the child record, creating through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory

from opensend.core.identifiers import make_nhs_number, make_upn
from opensend.core.tests.factories import AreaFactory, ServiceFactory
from opensend.people import services
from opensend.people.models import Child, RecordSource

_serials = itertools.count(1)
_nhs = itertools.count(999000001)


def next_upn(la_code: str = "901") -> str:
    serial = next(_serials)
    return make_upn(la_code, 2000 + serial // 1000, 15, serial % 1000)


def next_nhs_number() -> str:
    while True:
        number = make_nhs_number(next(_nhs))
        if number is not None:
            return number


class ChildFactory(ServiceFactory):
    class Meta:
        model = Child

    area = factory.SubFactory(AreaFactory)
    forename = factory.Sequence(lambda n: f"Alex{n}")
    surname = factory.Sequence(lambda n: f"Testchild{n}")
    date_of_birth = dt.date(2015, 3, 14)
    sex = "F"
    upn = factory.LazyAttribute(lambda o: next_upn(o.area.la_code))
    nhs_number = factory.LazyFunction(next_nhs_number)

    @classmethod
    def _create(cls, model_class: type[Child], *args: Any, **kwargs: Any) -> Child:
        return services.child_create(acting_user=None, source=RecordSource.MANUAL, **kwargs)
