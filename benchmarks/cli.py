"""Whole-process times of the command line: ``run_bench() -> [(what, result)]``.

* ``jxtrack --help`` (goal ≤ 0.3 s): the parser alone, no pandas or DuckDB;
* ``jxtrack status --period P --format csv`` on the demo database against the floor for a process:
  a bare Python that imports pandas and DuckDB, reads the same figures with the hand-written query
  (``benchmarks/floor.py``) and prints them as CSV (goal: ours ≤ 2×).

Each is a fresh process, as a user runs it; the two are run alternately (a noisy machine slows both
alike) and the medians reported.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jxtrack.services import lookup, setup_db
from jxtrack.store.interface import Store

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 7
PERIOD = "2026-10"
BARE = ("import sys, pandas, duckdb\n"
        "from benchmarks.floor import floor_status\n"
        "sys.stdout.write(floor_status(sys.argv[1], sys.argv[2]).to_csv(index=False))\n")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _process(argv: list[str], env: dict) -> tuple[float, float]:
    """Wall-clock and CPU time (user + system) of one process; CPU time varies less on a busy machine."""
    t, c = time.perf_counter(), _cpu()
    r = subprocess.run(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took, cpu = time.perf_counter() - t, _cpu() - c
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {r.stderr[-500:]}")
    return took, cpu


def run_bench() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench_cli.duckdb"
        setup_db.init(Store(db), lookup.catalog(), with_demo=True)
        env = {**os.environ, "JXTRACK_DB": str(db), "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        jx = [sys.executable, "-m", "jxtrack.cli"]
        status_cmd = [*jx, "status", "--period", PERIOD, "--format", "csv"]
        bare_cmd = [sys.executable, "-c", BARE, str(db), PERIOD]
        for argv in (status_cmd, bare_cmd, [*jx, "--help"]):   # warm the file cache and .pyc files
            _process(argv, env)
        help_t, status_t, bare_t = [], [], []
        for _ in range(REPEATS):
            help_t.append(_process([*jx, "--help"], env))
            status_t.append(_process(status_cmd, env))
            bare_t.append(_process(bare_cmd, env))
    (h, hc), (s, sc), (b, bc) = ((statistics.median(w for w, _ in x), statistics.median(c for _, c in x))
                                 for x in (help_t, status_t, bare_t))
    return [
        ("`jxtrack --help`, whole process (goal ≤ 0.3 s)",
         f"{h * 1000:.0f} ms {'✓' if h <= 0.3 else '✗'} (CPU {hc * 1000:.0f} ms; median of {REPEATS})"),
        (f"`jxtrack status --period {PERIOD} --format csv`, whole process, vs a bare Python importing pandas "
         "and printing the same figures from DuckDB with the hand-written query (goal ≤ 2×)",
         f"{s * 1000:.0f} ms vs {b * 1000:.0f} ms = {s / b:.2f}× {'✓' if s / b <= 2 else '✗'} "
         f"(CPU {sc * 1000:.0f} ms vs {bc * 1000:.0f} ms = {sc / bc:.2f}×; demo database; medians of {REPEATS}, "
         "run alternately)"),
    ]


if __name__ == "__main__":
    for label, figure in run_bench():
        print(f"- {label}: {figure}")
