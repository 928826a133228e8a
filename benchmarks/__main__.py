"""`make bench`: performance figures for the README (measured, not asserted).

Core: for synthetic databases of 7, 100 and 1000 counties (three years monthly), the time to
compute the full status table for the latest period — reading from DuckDB included — and its
ratio to the 7-region time.  Then the figures of the import, web and report benchmarks when those
modules are present.
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from jxtrack import demo, services, setup_db
from jxtrack.store import Store

SIZES = (7, 100, 1000)
REPEATS = 7


def _status_time(db: Path) -> tuple[float, int]:
    store = Store(db)
    services.status(store)  # warm-up: imports, catalog cache
    times = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        st = services.status(store)
        times.append(time.perf_counter() - t)
    return statistics.median(times), len(st)


def core_bench(workdir: Path) -> list[tuple[str, str]]:
    lines = []
    base = None
    for n in SIZES:
        db = workdir / f"bench_{n}.duckdb"
        store = Store(db)
        t = time.perf_counter()
        setup_db.init(store, services.catalog())
        setup_db.load_demo(store, services.catalog(), regions=demo.synthetic_regions(services.catalog(), n))
        build = time.perf_counter() - t
        obs = store.df("SELECT count(*) AS n FROM observations")["n"][0]
        secs, rows = _status_time(db)
        base = base or secs
        lines.append((
            f"status table, {n} regions",
            f"{secs * 1000:.0f} ms (median of {REPEATS}; {rows} rows from {obs:,} observations; "
            f"{secs / base:.2f}× the 7-region time; database built in {build:.1f} s)",
        ))
    return lines


def main() -> int:
    keep = os.environ.get("JXTRACK_BENCH_DIR")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        sections = [("Core (goal: 1000 regions ≤ 0.5 s and ≤ 3× the 7-region time)", core_bench(workdir))]
        for mod, title in (
            ("benchmarks.ingest", "Import (goals: one-county sheet ≤ 0.3 s; 20 000-row workbook ≤ 10 s; parse ≤ 2× bare openpyxl)"),
            ("benchmarks.web", "Web pages, server side (goals: ≤ 300 ms demo, ≤ 1 s with 100 regions)"),
            ("benchmarks.reports", "Monthly bulletin"),
        ):
            try:
                m = importlib.import_module(mod)
            except ModuleNotFoundError:
                continue
            sections.append((title, m.run_bench()))
    print(f"jxtrack benchmark — {time.strftime('%Y-%m-%d %H:%M')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores")
    for title, lines in sections:
        print(f"\n## {title}")
        for label, figure in lines:
            print(f"- {label}: {figure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
