"""Child search at scale: a database of about 100,000 children (the national profile at the
scale that gives that many, in one area), searched by the area's EHC coordinator through
``opensend.people.selectors.child_search`` with the access log written, as the search page
does. A mix of realistic queries; prints the median and 95th percentile in milliseconds per
kind of query and overall. Target: 95th percentile under 100 ms.

    python benchmarks/bench_search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opensend_bench python benchmarks/bench_search.py

``--explain`` prints the query plan of the slowest query of each kind.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opensend.synth import benchdb

CHILDREN = 100_000
SEED = 2026
PER_KIND = 30
TARGET_MS = 100.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def build_queries(area_id: int, rng: random.Random) -> list[tuple[str, str]]:
    from django.db.models import Count

    from opensend.people.models import Child
    from opensend.people.names import fold

    children = list(
        Child.objects.filter(area_id=area_id)
        .exclude(upn="")
        .exclude(nhs_number="")
        .order_by("pk")
        .values("forename", "surname", "upn", "nhs_number", "date_of_birth")
    )
    sample = rng.sample(children, PER_KIND * 6)
    rare = list(
        Child.objects.filter(area_id=area_id)
        .values("surname")
        .annotate(n=Count("pk"))
        .filter(n__lte=5)
        .order_by("surname")
        .values_list("surname", flat=True)
    )
    queries: list[tuple[str, str]] = []
    chunks = [sample[i * PER_KIND : (i + 1) * PER_KIND] for i in range(6)]
    for child in chunks[0]:
        queries.append(("surname prefix (3 letters)", fold(child["surname"])[:3]))
    for child in chunks[1]:
        forename = fold(child["forename"])[: rng.choice((2, 3, 4))]
        queries.append(("forename + surname prefixes", f"{forename} {fold(child['surname'])[:3]}"))
    for child in chunks[2]:
        queries.append(("full UPN", child["upn"]))
    for child in chunks[3]:
        number = child["nhs_number"]
        spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
        queries.append(("NHS number", spaced if rng.random() < 0.5 else number))
    for child in chunks[4]:
        queries.append(("date of birth", f"{child['date_of_birth']:%d/%m/%Y}"))
    for child in chunks[5]:
        queries.append(
            ("surname + date of birth", f"{child['surname']} {child['date_of_birth']:%d/%m/%Y}")
        )
    for surname in rng.sample(rare, min(PER_KIND, len(rare))):
        queries.append(("rare name", surname))
    for _ in range(PER_KIND):
        queries.append(("very common prefix (1 letter)", rng.choice("jsmaolceh")))
    return queries


def main() -> int:
    explain = "--explain" in sys.argv
    database = benchdb.prepare("bench-search")
    from django.db import connection

    from opensend.core import services
    from opensend.core.models import Organisation
    from opensend.core.roles import OrganisationKind, Role
    from opensend.people import policy
    from opensend.people.search import parse
    from opensend.people.selectors import child_search, child_search_queryset
    from opensend.synth import generator
    from opensend.synth.profiles import NATIONAL

    scale = NATIONAL.scale_for_children(CHILDREN)
    started = time.perf_counter()
    result = generator.generate(
        acting_user=None,
        options=generator.make_options(profile="national", scale=scale, seed=SEED),
    )
    built = time.perf_counter() - started
    council = Organisation.objects.get(home_area=result.area, kind=OrganisationKind.LOCAL_AUTHORITY)
    coordinator = services.user_create(
        acting_user=None, email="bench.coordinator@example.com", full_name="Bench Coordinator"
    )
    services.membership_grant(
        acting_user=None,
        user=coordinator,
        organisation=council,
        roles=[Role.EHC_COORDINATOR],
        areas=[result.area],
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    grants = policy.grants_for(coordinator)
    rng = random.Random(SEED)
    queries = build_queries(result.area.pk, rng)
    rng.shuffle(queries)
    for _, text in queries[:10]:  # warm the caches
        child_search(user=coordinator, text=text, grants=grants, log=True)
    timings: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[int]] = defaultdict(list)
    slowest: dict[str, tuple[float, str]] = {}
    for kind, text in queries:
        began = time.perf_counter()
        page = child_search(user=coordinator, text=text, grants=grants, log=True)
        elapsed = (time.perf_counter() - began) * 1000
        timings[kind].append(elapsed)
        totals[kind].append(page.total)
        if elapsed > slowest.get(kind, (0.0, ""))[0]:
            slowest[kind] = (elapsed, text)

    every = [ms for values in timings.values() for ms in values]
    print(
        f"Child search on {database.label}: {result.children:,} children in one area "
        f"(national profile, scale {scale:.4f}), built in {built:.0f} s; "
        f"{len(every)} searches by the area's EHC coordinator, access log written"
    )
    width = max(len(kind) for kind in timings)
    print(
        f"{'query'.ljust(width)}  {'n':>3}  {'median ms':>9}  {'p95 ms':>7}  {'max ms':>7}  "
        f"{'matches (median)':>16}"
    )
    for kind in sorted(timings):
        values = timings[kind]
        print(
            f"{kind.ljust(width)}  {len(values):>3}  {statistics.median(values):>9.1f}  "
            f"{percentile(values, 0.95):>7.1f}  {max(values):>7.1f}  "
            f"{statistics.median(totals[kind]):>16,.0f}"
        )
    overall_p95 = percentile(every, 0.95)
    print(
        f"{'overall'.ljust(width)}  {len(every):>3}  {statistics.median(every):>9.1f}  "
        f"{overall_p95:>7.1f}  {max(every):>7.1f}"
    )
    met = overall_p95 < TARGET_MS
    print(f"target (p95 under {TARGET_MS:.0f} ms): {'met' if met else 'MISSED'}")
    if explain:
        for kind, (elapsed, text) in sorted(slowest.items()):
            queryset = child_search_queryset(grants, parse(text))
            print(f"\n--- {kind}: {text!r} ({elapsed:.1f} ms) ---")
            print(queryset.order_by("surname", "forename", "date_of_birth", "pk")[:25].explain())
            print(queryset.explain())
    database.finish()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
