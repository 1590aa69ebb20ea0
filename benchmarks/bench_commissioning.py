"""The partnership board's dashboard and the gap analysis for a Lancashire-sized area: the
``lancashire`` profile at scale 1 (12,317 EHC plans) with everything the generator makes for
it (the EHC histories, the Local Offer, the pathways' referral histories and the
commissioning stage). Measures, through the real pages (Django's test client, signed in,
templates rendered, access log written):

* the performance dashboard, ``/performance/dashboard/<LA code>/``, as a board member of the
  area (small numbers suppressed), 30 times after a warm-up;
* the gap analysis, ``/commissioning/gaps/?area=<id>``, as a commissioner of the area (exact
  figures), 30 times after a warm-up;
* each page's XLSX export, 5 times.

Prints the median, 95th percentile and maximum in milliseconds (wall clock, and this
process's CPU time) and the queries each request makes, and how long generating the area
took. Target: p95 under 500 ms for each page and export; the script exits non-zero if one is
missed.

``--profile`` then profiles one request of each page (cProfile, the 25 most costly functions by
cumulative time, and the costliest SQL statements): for finding where the time goes.

    python benchmarks/bench_commissioning.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opensend_bench \
        python benchmarks/bench_commissioning.py
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opensend.synth import benchdb

SEED = 2026
SCALE = 1.0
REPEATS = 30
EXPORT_REPEATS = 5
TARGET_MS = 500.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def profile_request(client: Any, url: str) -> None:
    """One request under cProfile, then once more timing each SQL statement."""
    import cProfile
    import pstats

    from django.db import connection

    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)

    spent: dict[str, list[float]] = defaultdict(list)

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[sql[:200]].append((time.perf_counter() - began) * 1000)

    with connection.execute_wrapper(timed):
        client.get(url)
    print("SQL statements by total time (ms): total, count, mean, statement")
    for sql, times in sorted(spent.items(), key=lambda item: -sum(item[1]))[:12]:
        print(f"{sum(times):8.1f} {len(times):5d} {statistics.mean(times):7.2f}  {sql}")


def main() -> int:
    database = benchdb.prepare("bench-commissioning")
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from opensend.commissioning.models import Commission, IndividualCommission
    from opensend.core import services as core_services
    from opensend.core.models import Organisation
    from opensend.core.roles import OrganisationKind, Role
    from opensend.directory.models import Service
    from opensend.ehc.models import Plan, PlanStatus, ProvisionLine
    from opensend.pathways.models import Pathway, Referral
    from opensend.people.models import Child
    from opensend.synth import generator

    load_before = os.getloadavg()
    started = time.perf_counter()
    result = generator.generate(
        acting_user=None,
        options=generator.make_options(profile="lancashire", scale=SCALE, seed=SEED),
    )
    built = time.perf_counter() - started
    area = result.area
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    council = Organisation.objects.get(home_area=area, kind=OrganisationKind.LOCAL_AUTHORITY)
    board_member = core_services.user_create(
        acting_user=None, email="bench.board@example.com", full_name="Bench Board Member"
    )
    core_services.membership_grant(
        acting_user=None,
        user=board_member,
        organisation=council,
        roles=[Role.BOARD_MEMBER],
        areas=[area],
    )
    commissioner = core_services.user_create(
        acting_user=None, email="bench.commissioner@example.com", full_name="Bench Commissioner"
    )
    core_services.membership_grant(
        acting_user=None,
        user=commissioner,
        organisation=council,
        roles=[Role.COMMISSIONER],
        areas=[area],
    )
    # The generator leaves millions of objects in this process that a web worker would not
    # hold: without this, full garbage collections scan them in the middle of requests.
    gc.collect()
    gc.freeze()

    children = Child.objects.filter(area=area).count()
    plans = Plan.objects.filter(area=area, status=PlanStatus.ACTIVE).count()
    lines = ProvisionLine.objects.filter(version__plan__area=area).count()
    pathways = Pathway.objects.filter(area=area).count()
    referrals = Referral.objects.filter(pathway__area=area).count()
    services = Service.objects.filter(area=area).count()
    commissions = Commission.objects.filter(area=area).count()
    spot = IndividualCommission.objects.filter(area=area).count()
    print(
        f"Lancashire profile (scale {SCALE:g}, seed {SEED}) on {database.label}: "
        f"{children:,} children, {plans:,} active EHC plans ({lines:,} provision lines), "
        f"{pathways} pathways with {referrals:,} referrals, {services:,} Local Offer services, "
        f"{commissions} commissions and {spot} spot purchases; {sum(result.rows.values()):,} "
        f"rows generated in {built:.0f} s (load average before: "
        f"{' '.join(f'{value:.1f}' for value in load_before)})"
    )

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    board_client = Client()
    board_client.force_login(board_member)
    commissioner_client = Client()
    commissioner_client.force_login(commissioner)
    dashboard = f"/performance/dashboard/{area.la_code}/"
    gaps = f"/commissioning/gaps/?area={area.pk}"
    runs = [
        ("dashboard (board member)", dashboard, board_client, REPEATS),
        ("gap analysis (commissioner)", gaps, commissioner_client, REPEATS),
        ("dashboard XLSX", f"{dashboard}dashboard.xlsx", board_client, EXPORT_REPEATS),
        ("gap analysis XLSX", f"{gaps}&format=xlsx", commissioner_client, EXPORT_REPEATS),
    ]
    failed = False
    width = 28
    print(
        f"{'page'.ljust(width)}  {'n':>3}  {'median ms':>9}  {'p95 ms':>7}  {'max ms':>7}  "
        f"{'CPU median':>10}  {'CPU p95':>7}  {'queries':>7}"
    )
    queries = 0

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    for label, url, client, repeats in runs:
        queries = 0
        with connection.execute_wrapper(counted):
            response = client.get(url)  # the warm-up, counting its queries
        per_request = queries
        if response.status_code != 200:
            print(f"{label}: HTTP {response.status_code}")
            failed = True
            continue
        timings: list[float] = []
        cpu: list[float] = []
        for _ in range(repeats):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        p95 = percentile(timings, 0.95)
        failed |= p95 >= TARGET_MS
        print(
            f"{label.ljust(width)}  {len(timings):>3}  {statistics.median(timings):>9.1f}  "
            f"{p95:>7.1f}  {max(timings):>7.1f}  {statistics.median(cpu):>10.1f}  "
            f"{percentile(cpu, 0.95):>7.1f}  {per_request:>7}"
        )
    print(
        "CPU: this process's CPU time per request (with SQLite, the whole request; with "
        "PostgreSQL, without the server's share)."
    )
    load_after = os.getloadavg()
    print(f"load average after: {' '.join(f'{value:.1f}' for value in load_after)}")
    print(f"target (p95 under {TARGET_MS:.0f} ms): {'MISSED' if failed else 'met'}")
    if "--profile" in sys.argv[1:]:
        for label, url, client, _ in runs[:2]:
            print(f"\n=== profile: {label} ===")
            profile_request(client, url)
    database.finish()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
