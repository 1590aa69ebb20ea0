"""Synthetic people for the browser tests, made through the factories and services."""

from __future__ import annotations

import datetime as dt
import time
from typing import cast

from django_otp.oath import TOTP

from opensend.core.models import Area
from opensend.people import services
from opensend.people.models import Child, RecordSource
from opensend.people.tests.factories import ChildFactory

#: The password every ``UserFactory`` user has.
PASSWORD = "correct horse battery staple"

D = dt.date


def child_with_sen(
    area: Area,
    *,
    status: str = "K",
    need: str = "SLCN",
    date_of_birth: dt.date | None = None,
    **identity: object,
) -> Child:
    """A child on SEN support (K) or with an EHC plan (E), with a primary need; born on
    1 January 2016 unless told otherwise."""
    child = cast(
        Child, ChildFactory(area=area, date_of_birth=date_of_birth or D(2016, 1, 1), **identity)
    )
    services.sen_status_set(
        acting_user=None,
        child=child,
        status=status,
        start_date=D(2023, 1, 1),
        source=RecordSource.CENSUS,
    )
    services.need_record(
        acting_user=None,
        child=child,
        code=need,
        rank=1,
        start_date=D(2023, 1, 1),
        source_agency="education",
        source=RecordSource.CENSUS,
    )
    return child


def totp_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app holding ``key`` shows now, or ``steps_ahead`` 30-second
    steps from now (django-otp accepts one step either side, and never the same step twice)."""
    totp = TOTP(key, step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def wrong_code(key: bytes) -> str:
    """A 6-digit code that is not valid for ``key`` at any step django-otp would accept."""
    valid = {totp_code(key, steps_ahead=step) for step in range(-2, 4)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)
