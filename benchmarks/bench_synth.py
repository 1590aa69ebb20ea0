"""Time to generate a Lancashire-sized synthetic area (the lancashire profile at scale 1) on
the database DATABASE_URL names (default: a temporary SQLite file; for PostgreSQL a database
whose name contains "bench", dropped and created again). Prints rows per table and seconds.

    python benchmarks/bench_synth.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opensend_bench python benchmarks/bench_synth.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from opensend.synth import benchdb

PROFILE = "lancashire"
SCALE = 1.0
SEED = 1
TARGET_SECONDS = 120


def main() -> int:
    database = benchdb.prepare("bench-synth")
    from opensend.synth import generator

    options = generator.make_options(profile=PROFILE, scale=SCALE, seed=SEED)
    result = generator.generate(acting_user=None, options=options)
    total = sum(result.rows.values())
    width = max(len(table) for table in result.rows)
    print(f"Generate a {PROFILE}-sized area (scale {SCALE:g}, seed {SEED}) on {database.label}")
    print(f"{'table'.ljust(width)}  {'rows':>9}")
    for table, rows in result.rows.items():
        print(f"{table.ljust(width)}  {rows:>9,}")
    print(f"{'all tables'.ljust(width)}  {total:>9,}")
    print(
        f"children: {result.children:,}; seconds: {result.seconds:.1f}; "
        f"rows per second: {total / result.seconds:,.0f}"
    )
    met = result.seconds < TARGET_SECONDS
    print(f"target (under {TARGET_SECONDS} s): {'met' if met else 'MISSED'}")
    database.finish()
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
