"""EHC caseload and timeliness at scale: an area with about 20,000 active EHC plans (the
national profile at the scale that gives that many), with their histories, open requests and
steps from the synthetic generator. Measures, through the real pages (Django's test client,
signed in, templates rendered, access log written):

* "My cases" for a coordinator holding 40 open requests and 160 plans, the area caseload
  (first page, the overdue filter, a deep page) and the timeliness page, each 30 times;
* generating the SEN2 return for the collection year, with its validation.

Targets: p95 under 300 ms for each page; SEN2 under 30 s.

    python benchmarks/bench_ehc.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opensend_bench python benchmarks/bench_ehc.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opensend.synth import benchdb

PLANS = 20_000
SEED = 2026
REPEATS = 30
PAGE_TARGET_MS = 300.0
SEN2_TARGET_S = 30.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> int:
    database = benchdb.prepare("bench-ehc")
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from opensend.core import services as core_services
    from opensend.core.codes import census_day
    from opensend.core.models import Organisation
    from opensend.core.roles import OrganisationKind, Role
    from opensend.ehc.models import Plan, PlanStatus, Step
    from opensend.returns import services as returns_services
    from opensend.synth import generator
    from opensend.synth.generator.ehc import demo_caseload_assign
    from opensend.synth.profiles import NATIONAL_PLANS

    scale = PLANS / NATIONAL_PLANS
    started = time.perf_counter()
    result = generator.generate(
        acting_user=None,
        options=generator.make_options(profile="national", scale=scale, seed=SEED),
    )
    built = time.perf_counter() - started
    area = result.area
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    council = Organisation.objects.get(home_area=area, kind=OrganisationKind.LOCAL_AUTHORITY)
    manager = core_services.user_create(
        acting_user=None, email="bench.manager@example.com", full_name="Bench Manager"
    )
    core_services.membership_grant(
        acting_user=None,
        user=manager,
        organisation=council,
        roles=[Role.SEND_MANAGER],
        areas=[area],
    )
    coordinator_user = core_services.user_create(
        acting_user=None, email="bench.coordinator@example.com", full_name="Bench Coordinator"
    )
    core_services.membership_grant(
        acting_user=None,
        user=coordinator_user,
        organisation=council,
        roles=[Role.EHC_COORDINATOR],
        areas=[area],
    )
    # a full coordinator's caseload: 40 open requests and 160 plans
    demo_caseload_assign(area=area, coordinator=coordinator_user)
    busiest = (
        Step.objects.filter(area=area, completed_on__isnull=True, holder_user__isnull=False)
        .values("holder_user")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    plans = Plan.objects.filter(area=area, status=PlanStatus.ACTIVE).count()
    open_steps = Step.objects.filter(area=area, completed_on__isnull=True).count()
    all_steps = Step.objects.filter(area=area).count()
    print(
        f"EHC on {database.label}: {plans:,} active plans, {all_steps:,} steps ({open_steps:,} "
        f"open) in one area (national profile, scale {scale:.4f}), built in {built:.0f} s"
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(manager)
    pages = [
        ("caseload, first page", "/ehc/caseload/"),
        ("caseload, overdue", "/ehc/caseload/?status=overdue"),
        ("caseload, page 40", "/ehc/caseload/?page=40"),
        ("timeliness", "/ehc/timeliness/"),
    ]
    coordinator_client = None
    if busiest is not None:
        from opensend.core.models import User

        coordinator = User.objects.get(pk=busiest["holder_user"])
        coordinator_client = Client()
        coordinator_client.force_login(coordinator)
        print(f"busiest coordinator holds {busiest['n']:,} open steps")
    failed = False
    width = 22
    print(f"{'page'.ljust(width)}  {'n':>3}  {'median ms':>9}  {'p95 ms':>7}  {'max ms':>7}")
    runs = [(label, url, client) for label, url in pages]
    if coordinator_client is not None:
        runs.insert(0, ("my cases", "/ehc/my-cases/", coordinator_client))
    for label, url, who in runs:
        response = who.get(url)
        if response.status_code != 200:
            print(f"{label}: HTTP {response.status_code}")
            failed = True
            continue
        timings = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            who.get(url)
            timings.append((time.perf_counter() - began) * 1000)
        p95 = percentile(timings, 0.95)
        failed |= p95 >= PAGE_TARGET_MS
        print(
            f"{label.ljust(width)}  {len(timings):>3}  {statistics.median(timings):>9.1f}  "
            f"{p95:>7.1f}  {max(timings):>7.1f}"
        )
    print(f"target (p95 under {PAGE_TARGET_MS:.0f} ms per page): {'MISSED' if failed else 'met'}")

    today = timezone.localdate()
    # the latest collection whose census day has come
    year = today.year if today >= census_day(today.year, "spring") else today.year - 1
    began = time.perf_counter()
    generated = returns_services.sen2_generate(acting_user=manager, area=area, year=year)
    sen2_seconds = time.perf_counter() - began
    sen2_ok = sen2_seconds < SEN2_TARGET_S
    print(
        f"SEN2 {year}: generated and validated in {sen2_seconds:.1f} s "
        f"({len(generated.xml.encode()) / 1e6:.1f} MB of XML) — target under "
        f"{SEN2_TARGET_S:.0f} s: {'met' if sen2_ok else 'MISSED'}"
    )
    database.finish()
    return 0 if (not failed and sen2_ok) else 1


if __name__ == "__main__":
    sys.exit(main())
