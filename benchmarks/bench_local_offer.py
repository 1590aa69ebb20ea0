"""The Local Offer at scale: an area with 5,000 services (the synthetic generator's Local Offer,
Lancashire-like postcode districts), searched through ``opensend.directory.search.search`` as
the public search page calls it (first pages, logged). A mix of queries: words, misspellings,
a need with distance from a postcode, filters (category, age, free, day) and searches that find
nothing; prints the median and 95th percentile in milliseconds per kind and overall (wall
clock, and this process's CPU time).

Then the public search page under load: the app is started with gunicorn (2 workers, 4 threads,
as the demo serves it) against the benchmark database, and this process fires concurrent
requests at it over loopback, printing requests per second and latency percentiles.

Targets: search p95 under 50 ms.

``--profile`` then profiles the same mix of searches once more (cProfile, the 30 most costly
functions by cumulative time) and skips the load test: for finding where the time goes.

    python benchmarks/bench_local_offer.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opensend_bench \
        python benchmarks/bench_local_offer.py
"""

from __future__ import annotations

import gc
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opensend.synth import benchdb  # noqa: E402 - after the path is set

SERVICES = 5_000
SEED = 2026
PER_KIND = 20
TARGET_MS = 50.0
LOAD_REQUESTS = 600
LOAD_CONCURRENCY = 8
WORKERS = 2
THREADS = 4

WORDS = (
    "speech therapy",
    "autism",
    "youth club",
    "short breaks",
    "swimming",
    "sensory",
    "occupational therapy",
    "wheelchair",
    "travel training",
    "parent carer forum",
    "mediation",
    "supported internship",
)
TYPOS = (
    "speach therapy",
    "autsim",
    "phisio",
    "yuoth club",
    "sensery",
    "swiming",
    "shrot breaks",
    "wheelchiar",
)
NOTHING = (
    "hydrotherapy pool",
    "horse riding",
    "dentist",
    "sleep clinic",
    "zumba",
    "archery",
)
NEEDS = ("ASD", "SLCN", "SEMH", "PD", "SLD", "HI", "VI", "DS")
CATEGORIES = ("short-breaks", "leisure", "therapies", "youth-clubs", "childcare", "health")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def queries(districts: list[str], rng: random.Random) -> list[tuple[str, Any]]:
    from opensend.directory.search import SearchQuery

    def postcode() -> str:
        return f"{rng.choice(districts)} {rng.randrange(10)}AB"

    made: list[tuple[str, Any]] = []
    for _ in range(PER_KIND):
        made.append(("words", SearchQuery(words=rng.choice(WORDS))))
        made.append(("typo", SearchQuery(words=rng.choice(TYPOS))))
        made.append(
            (
                "need + postcode",
                SearchQuery(
                    needs=(rng.choice(NEEDS),),
                    postcode=postcode(),
                    within_miles=rng.choice((3.0, 5.0, 10.0)),
                ),
            )
        )
        made.append(
            (
                "words + postcode",
                SearchQuery(words=rng.choice(WORDS), postcode=postcode(), within_miles=5.0),
            )
        )
        made.append(
            (
                "filters",
                SearchQuery(
                    categories=(rng.choice(CATEGORIES),),
                    age=rng.randrange(0, 19),
                    free_only=rng.random() < 0.5,
                    day=rng.choice(DAYS),
                ),
            )
        )
        made.append(("no results", SearchQuery(words=rng.choice(NOTHING))))
        made.append(("page 3", SearchQuery(needs=(rng.choice(NEEDS),), page=3)))
    rng.shuffle(made)
    return made


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn() -> str:
    beside = Path(sys.executable).with_name("gunicorn")
    if beside.exists():
        return str(beside)
    found = shutil.which("gunicorn")
    if found is None:
        raise SystemExit("gunicorn is not installed: run ./run setup first.")
    return found


def wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"The server stopped (exit code {server.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("The server did not answer within a minute.")


def fetch(url: str) -> tuple[float, int]:
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return (time.perf_counter() - began) * 1000, status


def load(base: str, la_code: str, districts: list[str], rng: random.Random) -> bool:
    """The public search page under concurrent load from this process; the server is another
    process, on loopback."""
    port = free_port()
    env = {**os.environ, "OPENSEND_ALLOWED_HOSTS": "127.0.0.1,localhost"}
    server = subprocess.Popen(  # noqa: S603 - our own server
        [
            gunicorn(),
            "opensend.config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        root = f"http://127.0.0.1:{port}/local-offer/{la_code}/"
        wait_for(root, server)
        urls = []
        for _ in range(LOAD_REQUESTS):
            params: list[tuple[str, str]] = []
            roll = rng.random()
            if roll < 0.4:
                params.append(("q", rng.choice(WORDS + TYPOS)))
            elif roll < 0.7:
                params += [
                    ("need", rng.choice(NEEDS)),
                    ("postcode", f"{rng.choice(districts)} {rng.randrange(10)}AB"),
                    ("distance", "5"),
                ]
            elif roll < 0.9:
                params += [("category", rng.choice(CATEGORIES)), ("age", str(rng.randrange(19)))]
            else:
                params.append(("q", rng.choice(NOTHING)))
            urls.append(root + "?" + urllib.parse.urlencode(params))
        for url in urls[:10]:  # warm both workers
            fetch(url)
        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=LOAD_CONCURRENCY) as pool:
            results = list(pool.map(fetch, urls))
        elapsed = time.perf_counter() - began
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    timings = [ms for ms, _ in results]
    failures = sum(1 for _, status in results if status != 200)
    print(
        f"\nPublic search page under load ({base}): gunicorn {WORKERS} workers x {THREADS} "
        f"threads, {LOAD_CONCURRENCY} concurrent clients, {len(urls)} requests"
    )
    print(
        f"  {len(urls) / elapsed:.1f} requests/s; latency median "
        f"{statistics.median(timings):.0f} ms, p95 {percentile(timings, 0.95):.0f} ms, p99 "
        f"{percentile(timings, 0.99):.0f} ms, max {max(timings):.0f} ms; "
        f"{failures} not 200"
    )
    return failures == 0


def stop(signum: int, frame: object) -> None:
    raise SystemExit(f"Stopped by signal {signum}.")


def profile_searches(area: Any, mix: list[tuple[str, Any]], search: Any) -> None:
    """The mix once more under cProfile, printing the costliest functions; then once more
    timing each SQL statement, printing the costliest statements (by their first 160
    characters, parameters apart)."""
    import cProfile
    import pstats

    from django.db import connection

    profiler = cProfile.Profile()
    profiler.enable()
    for _, query in mix:
        search(area, query, source="web")
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)

    spent: dict[str, list[float]] = defaultdict(list)

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[sql[:160]].append((time.perf_counter() - began) * 1000)

    with connection.execute_wrapper(timed):
        for _, query in mix:
            search(area, query, source="web")
    print("SQL statements by total time (ms): total, count, mean, statement")
    for sql, times in sorted(spent.items(), key=lambda item: -sum(item[1]))[:15]:
        print(f"{sum(times):8.1f} {len(times):5d} {statistics.mean(times):7.2f}  {sql}")


def main() -> int:
    signal.signal(signal.SIGTERM, stop)  # so that the server started below is stopped too
    database = benchdb.prepare("bench-local-offer")
    from django.db import connection

    from opensend.directory.models import SearchLog, SearchTerm, Service
    from opensend.directory.search import reindex_area, search
    from opensend.synth import generator
    from opensend.synth.generator.local_offer import clear_local_offer, local_offer_generate
    from opensend.synth.profiles import PROFILES

    profile = PROFILES["lancashire"]
    districts = list(profile.postcode_districts)
    result = generator.generate(
        acting_user=None,
        options=generator.make_options(profile="lancashire", scale=0.01, seed=SEED),
    )
    area = result.area
    clear_local_offer(area)
    started = time.perf_counter()
    local_offer_generate(
        acting_user=None,
        area=area,
        seed=SEED,
        districts=districts,
        services=SERVICES,
    )
    built = time.perf_counter() - started
    started = time.perf_counter()
    reindexed = reindex_area(area)  # the bulk path: the same rows as publishing one by one
    rebuilt = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The generator leaves millions of objects in this process that a web worker would not
    # hold; without this, Python's full garbage collections scan them in the middle of
    # searches and the timings measure the benchmark's own heap.
    gc.collect()
    gc.freeze()
    services = Service.objects.filter(area=area).count()
    public = Service.objects.public().filter(area=area).count()
    terms = SearchTerm.objects.filter(service__area=area).count()
    print(
        f"Local Offer on {database.label}: {services:,} services ({public:,} public), "
        f"{terms:,} index rows, generated in {built:.0f} s; the whole index rebuilt "
        f"({reindexed:,} services) in {rebuilt:.1f} s"
    )
    rng = random.Random(SEED)
    mix = queries(districts, rng)
    for _, query in mix[:20]:  # warm the vocabulary cache and the database
        search(area, query, source=None)
    by_kind: dict[str, list[float]] = defaultdict(list)
    cpu_by_kind: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[int]] = defaultdict(list)
    for kind, query in mix:
        began, began_cpu = time.perf_counter(), time.process_time()
        found = search(area, query, source="web")
        by_kind[kind].append((time.perf_counter() - began) * 1000)
        cpu_by_kind[kind].append((time.process_time() - began_cpu) * 1000)
        totals[kind].append(found.total)
    width = 18
    print(
        f"{'query'.ljust(width)}  {'n':>3}  {'results':>7}  {'median ms':>9}  {'p95 ms':>7}  "
        f"{'max ms':>7}  {'CPU median':>10}  {'CPU p95':>7}"
    )
    every: list[float] = []
    every_cpu: list[float] = []
    for kind, timings in by_kind.items():
        every += timings
        cpu = cpu_by_kind[kind]
        every_cpu += cpu
        print(
            f"{kind.ljust(width)}  {len(timings):>3}  {statistics.median(totals[kind]):>7.0f}  "
            f"{statistics.median(timings):>9.1f}  {percentile(timings, 0.95):>7.1f}  "
            f"{max(timings):>7.1f}  {statistics.median(cpu):>10.1f}  "
            f"{percentile(cpu, 0.95):>7.1f}"
        )
    p95 = percentile(every, 0.95)
    print(
        f"{'all'.ljust(width)}  {len(every):>3}  {'':>7}  {statistics.median(every):>9.1f}  "
        f"{p95:>7.1f}  {max(every):>7.1f}  {statistics.median(every_cpu):>10.1f}  "
        f"{percentile(every_cpu, 0.95):>7.1f}"
    )
    print(
        "CPU: this process's CPU time per search (with SQLite, the whole search; with "
        "PostgreSQL, without the server's share)."
    )
    met = p95 < TARGET_MS
    print(f"target (p95 under {TARGET_MS:.0f} ms): {'met' if met else 'MISSED'}")
    logged = SearchLog.objects.filter(area=area, source="web").count()
    print(f"searches logged: {logged:,}")
    if "--profile" in sys.argv[1:]:
        profile_searches(area, mix, search)
        database.finish()
        return 0 if met else 1
    connection.close()
    served = load(database.label, area.la_code, districts, rng)
    database.finish()
    return 0 if met and served else 1


if __name__ == "__main__":
    sys.exit(main())
