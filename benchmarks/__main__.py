"""`make bench`: performance figures for the README (measured, not asserted).

Core: for synthetic databases of 7, 100 and 1000 counties (three years monthly), the time to
compute the full status table for the latest period — reading from DuckDB included — side by side
with the floor, one hand-written DuckDB query computing the same core columns (benchmarks/floor.py;
goal: ours ≤ 2× the floor), and the check that the two agree.  Then the import, web (server side
and in a real browser), report, ledger and DuckDB-vs-PostgreSQL benchmarks.

``python -m benchmarks [core] [import] [web] [browser] [report] [ledger] [postgresql]`` runs only
the sections named (postgresql: skipped, with a line saying so, when PostgreSQL is not installed).
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from jxtrack.services import demo, lookup, setup_db, status_table
from jxtrack.store.interface import Store

from .floor import agreement, floor_status

SIZES = (7, 100, 1000)
REPEATS = 7


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _ours_and_floor(db: Path, period: str) -> tuple[float, float, object, object]:
    """Median times of status_table.status and of the floor query, run alternately (a noisy machine
    then slows both alike); the first run of each is a warm-up (imports, catalog cache)."""
    store = Store(db)
    status_table.status(store, period)
    floor_status(db, period)
    ours_t, floor_t = [], []
    st = fl = None
    for _ in range(REPEATS):
        status_table.clear_status_cache()   # measure the computation, not the shared cache
        t, st = _timed(lambda: status_table.status(store, period))
        ours_t.append(t)
        t, fl = _timed(lambda: floor_status(db, period))
        floor_t.append(t)
    return statistics.median(ours_t), statistics.median(floor_t), st, fl


def _agreement_line(label: str, st, fl) -> tuple[str, str]:
    n, bad, grey, examples = agreement(st, fl)
    verdict = "all agree" if bad == 0 else f"{bad} DISAGREE: " + "; ".join(examples)
    return (f"agreement with the floor, {label}",
            f"{n} rows compared on actual, target, expected, light, 同比, rank: {verdict}"
            f" (+{grey} grey rows only ours shows: counties that sent nothing)")


def core_bench(workdir: Path) -> list[tuple[str, str]]:
    lines = []
    # the demo database (real county names, 1–2月 merged, a ratio-only county…) for agreement
    demo_db = workdir / "bench_demo.duckdb"
    setup_db.init(Store(demo_db), lookup.catalog(), with_demo=True)
    for period in ("2025-06", "2025-12", Store(demo_db).latest_period()):
        ours, floor, st, fl = _ours_and_floor(demo_db, period)
        lines.append(_agreement_line(f"demo database, {period}", st, fl))
    base = None
    for n in SIZES:
        db = workdir / f"bench_{n}.duckdb"
        store = Store(db)
        t = time.perf_counter()
        setup_db.init(store, lookup.catalog())
        setup_db.load_demo(store, lookup.catalog(), regions=demo.synthetic_regions(lookup.catalog(), n))
        build = time.perf_counter() - t
        obs = store.df("SELECT count(*) AS n FROM observations")["n"][0]
        period = store.latest_period()
        ours, floor, st, fl = _ours_and_floor(db, period)
        base = base or ours
        ratio = ours / floor
        lines.append((
            f"status table, {n} regions: ours vs the hand-written query (goal ≤ 2×)",
            f"{ours * 1000:.0f} ms vs {floor * 1000:.0f} ms = {ratio:.2f}× {'✓' if ratio <= 2 else '✗'} "
            f"(medians of {REPEATS}; {len(st)} rows from {obs:,} observations; ours {ours / base:.2f}× "
            f"the 7-region time; database built in {build:.1f} s)",
        ))
        lines.append(_agreement_line(f"{n} regions", st, fl))
    return lines


SECTIONS = {
    "core": ("Core: status table vs the hand-written DuckDB floor (goal: ours ≤ 2× the floor)", None),
    "import": ("Import (goals: one-county sheet ≤ 0.3 s; 20 000-row workbook ≤ 10 s; parse ≤ 2× bare openpyxl)",
               "benchmarks.ingest"),
    "web": ("Web pages, server side (goals: ≤ 300 ms demo, ≤ 1 s with 100 regions)", "benchmarks.web"),
    "browser": ("Web pages in a real browser, first visit right after an import (goal: each ≤ 3× the lightest)",
                "benchmarks.browser"),
    "report": ("Monthly bulletin", "benchmarks.reports"),
    "ledger": ("Project ledger (goal: 5 000-row import with subsidies ≤ 2× a bare openpyxl read)",
               "benchmarks.ledger_bench"),
    "postgresql": ("DuckDB vs PostgreSQL: status table and 20 concurrent imports (same results on both)",
                   "benchmarks.backends"),
}


def main(argv: list[str] | None = None) -> int:
    import importlib

    wanted = (argv if argv is not None else sys.argv[1:]) or list(SECTIONS)
    unknown = [w for w in wanted if w not in SECTIONS]
    if unknown:
        print(f"unknown section(s): {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
        return 2
    # Streamlit's caches used outside a running app warn on every call: noise here
    for name in ("streamlit", "streamlit.runtime.caching.cache_data_api",
                 "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)
    keep = os.environ.get("JXTRACK_BENCH_DIR")
    print(f"jxtrack benchmark — {time.strftime('%Y-%m-%d %H:%M')}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for key in wanted:
            title, module = SECTIONS[key]
            lines = core_bench(workdir) if module is None else importlib.import_module(module).run_bench()
            print(f"\n## {title}")
            for label, figure in lines:
                print(f"- {label}: {figure}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
