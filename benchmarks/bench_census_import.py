"""Benchmark of the school census SEN import: a synthetic 100,000-row CSV, checked alone, then
imported twice (the repeat must change nothing).

Runs on whatever DATABASE_URL says (an SQLite file in a temporary folder when unset), in a
fresh test database created for the run and dropped afterwards:

    python benchmarks/bench_census_import.py [--rows 100000]
    DATABASE_URL=postgres://user@host:5432/opensend python benchmarks/bench_census_import.py

Prints a small table: seconds and rows per second for validation alone, the first import and
the repeat.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
LA_CODE = "990"
SETTINGS = 300
#: A file of this many rows must import within the limit on a 2-core machine.
FULL_SIZE = 100_000
LIMIT_SECONDS = 60
FORENAMES = ["Amara", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamza", "Isla", "Jay"]
SURNAMES = ["Ashworth", "Begum", "Carter", "Dlamini", "Evans", "Fox", "Gill", "Hughes", "Iqbal"]
NEEDS = ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH"]


def _setup_django() -> tuple[str, Callable[[], None]]:
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opensend.config.base")
    os.environ.setdefault("OPENSEND_SECRET_KEY", "benchmark-only-not-secret")
    workdir = tempfile.mkdtemp(prefix="opensend-bench-")
    os.environ.setdefault("OPENSEND_DATA_DIR", workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = f"{workdir}/bench-test.sqlite3"
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)

    def teardown() -> None:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(workdir, ignore_errors=True)

    return connection.vendor, teardown


def _make_file(rows: int, urns: list[str], seed: int = 2025) -> bytes:
    from opensend.core.identifiers import make_upn

    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "UPN",
            "Surname",
            "Forename",
            "DOB",
            "Gender",
            "SENprovision",
            "SENtype1",
            "SENtype2",
            "URN",
        ]
    )
    for index in range(rows):
        upn = make_upn(LA_CODE, 2000 + index // 1000, 15, index % 1000)
        provision = rng.choices(["K", "E", "N"], weights=[70, 25, 5])[0]
        need1 = need2 = ""
        if provision != "N":
            need1, need2 = rng.sample(NEEDS, 2)
            if rng.random() < 0.5:
                need2 = ""
        born = dt.date(2008, 9, 1) + dt.timedelta(days=rng.randrange(12 * 365))
        writer.writerow(
            [
                upn,
                rng.choice(SURNAMES),
                rng.choice(FORENAMES),
                born.strftime("%d/%m/%Y") if index % 2 else born.isoformat(),
                rng.choice("MF"),
                provision,
                need1,
                need2,
                rng.choice(urns),
            ]
        )
    return out.getvalue().encode("utf-8")


def _timed(step: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = step()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=FULL_SIZE)
    args = parser.parse_args(argv)
    vendor, teardown = _setup_django()
    try:
        from django.utils import timezone

        from opensend.core import services as core
        from opensend.core.codes import latest_census_day
        from opensend.core.roles import OrganisationKind, Role
        from opensend.returns.services import census_file_check, census_import_run

        area = core.area_create(
            acting_user=None,
            name="Benchmark Vale",
            la_code=LA_CODE,
            ons_code="E06000990",
            region="E12000002",
            is_synthetic=True,
        )
        council = core.organisation_create(
            acting_user=None,
            name="Benchmark Vale Council",
            kind=OrganisationKind.LOCAL_AUTHORITY,
            areas=[area],
            home_area=area,
        )
        user = core.user_create(
            acting_user=None, email="bench@example.org", full_name="Bench Coordinator"
        )
        core.membership_grant(
            acting_user=None,
            user=user,
            organisation=council,
            roles=[Role.EHC_COORDINATOR],
            areas=[area],
        )
        urns = []
        for number in range(SETTINGS):
            urn = f"{900001 + number}"
            core.organisation_create(
                acting_user=None,
                name=f"Benchmark School {number}",
                kind=OrganisationKind.SCHOOL,
                areas=[area],
                home_area=area,
                urn=urn,
                laestab=f"{LA_CODE}{2000 + number}",
                setting_type="academy",
                phase="primary",
            )
            urns.append(urn)
        content = _make_file(args.rows, urns)
        census_date = latest_census_day(timezone.localdate() - dt.timedelta(days=1))

        def check() -> Any:
            return census_file_check(
                area=area, census_date=census_date, file_name="bench.csv", content=content
            )

        def run() -> Any:
            return census_import_run(
                acting_user=user,
                area=area,
                census_date=census_date,
                file_name="bench.csv",
                content=content,
            )

        results = []
        seconds, checked = _timed(check)
        if checked.errors:
            raise SystemExit(f"The synthetic file has errors: {checked.errors[:3]}")
        results.append(("validation alone", checked.row_count, seconds, "no writes"))
        seconds, first = _timed(run)
        assert first.created_count == args.rows, first.status
        results.append(("first import", first.row_count, seconds, f"{first.created_count} created"))
        seconds, repeat = _timed(run)
        assert repeat.unchanged_count == args.rows, (repeat.status, repeat.updated_count)
        results.append(
            ("repeat import", repeat.row_count, seconds, f"{repeat.unchanged_count} unchanged")
        )
        print(f"Census import benchmark on {vendor}, {args.rows:,} rows, {os.cpu_count()} CPUs")
        print(f"{'step':<18}{'rows':>9}{'seconds':>10}{'rows/s':>10}  result")
        for name, rows, secs, note in results:
            print(f"{name:<18}{rows:>9,}{secs:>10.1f}{rows / secs:>10,.0f}  {note}")
        if args.rows >= FULL_SIZE:
            worst = max(secs for _, _, secs, _ in results)
            verdict = "within" if worst < LIMIT_SECONDS else "OVER"
            print(f"Slowest step {worst:.1f} s: {verdict} the {LIMIT_SECONDS} s limit")
    finally:
        teardown()


if __name__ == "__main__":
    main()
