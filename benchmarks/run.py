"""Runs every benchmark on SQLite and, when a server answers, on PostgreSQL, and prints the
figures recorded in docs/benchmarks.md. Usage: ./run bench [NAME ...] (names: synth, search,
census_import, ehc, local_offer, commissioning)."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["synth", "search", "census_import", "ehc", "local_offer", "commissioning"]
POSTGRES_URL = os.environ.get(
    "OPENSEND_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/opensend_bench"
)


def postgres_available() -> bool:
    try:
        import psycopg

        base = POSTGRES_URL.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0]
        psycopg.connect(base + "/postgres", connect_timeout=3).close()
    except Exception:  # any failure means "not available"
        return False
    return True


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}{memory}, "
        f"Python {platform.python_version()}"
    )


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(sorted(unknown))}. Choose from {BENCHMARKS}.")
        return 2
    print(f"Machine: {machine()}")
    legs: list[tuple[str, dict[str, str]]] = [("SQLite", {})]
    if postgres_available():
        legs.append(("PostgreSQL", {"DATABASE_URL": POSTGRES_URL}))
    else:
        print("No PostgreSQL server: the PostgreSQL figures are skipped.")
    failed = 0
    for name in names:
        for label, extra in legs:
            print(f"\n=== {name} on {label} ===", flush=True)
            env = {**os.environ, **extra}
            if not extra:
                env.pop("DATABASE_URL", None)
            result = subprocess.run(  # noqa: S603 - our own scripts
                [sys.executable, str(HERE / f"bench_{name}.py")], env=env, check=False
            )
            failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
