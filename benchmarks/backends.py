"""DuckDB vs PostgreSQL for `make bench` (issue 11; measured, not asserted).

* the status table of the latest period at 7, 100 and 1000 synthetic counties (three years
  monthly), on a DuckDB file and on a PostgreSQL database built the same way: medians of several
  runs side by side with the ratio (the store analyses PostgreSQL's tables after a bulk load; the
  first run, with cold caches, is shown too), the time to build each
  database, and the check that both backends give the same table (every row and column, sorted);
* 20 concurrent imports: 20 OS processes, each with a different valid monthly sheet (a county and
  a month), load Python and jxtrack, wait for one start signal, then all run the command line's
  ``jxtrack import FILE -y`` at the same instant, against a DuckDB file and against a PostgreSQL
  database: wall time from the signal until the last ends, per-import latency, exit codes
  (succeeded / refused as busy / other), and afterwards the uploads and their audit rows in the
  database -- all 20 must be there.  One import alone on each backend first, for comparison.

PostgreSQL runs in a throwaway cluster (``jxtrack.store.pgcluster``: Debian's server programs,
fsync off) on this same machine; without PostgreSQL installed the section prints one "skipped"
line.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pandas as pd

from jxtrack.services import demo, lookup, setup_db, status_table
from jxtrack.services.importing import make_template
from jxtrack.store.interface import Store
from jxtrack.store.pgcluster import Cluster, bin_dir

SIZES = (7, 100, 1000)
REPEATS = 5
N_IMPORTS = 20
IMPORT_MONTHS = ("2025-03", "2025-04", "2025-05")
KEYS = ["indicator_code", "region_code"]


def table_difference(a: pd.DataFrame, b: pd.DataFrame, keys: list[str] = KEYS,
                     limit: int = 3) -> tuple[int, list[str]]:
    """How many rows of two tables differ, compared after sorting by ``keys`` (values as text, so
    floats must match to the last digit; missing equals missing), with up to ``limit`` examples
    naming the row and the column.  Different shapes or columns count every row as differing."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return max(len(a), len(b)), [f"shape {a.shape} vs {b.shape}; columns differ: "
                                     f"{sorted(set(a.columns) ^ set(b.columns))}"]
    # as text before sorting: a categorical column sorts by its categories' order, not its values
    sa = a.astype(str).sort_values(keys, kind="stable").reset_index(drop=True)
    sb = b.astype(str).sort_values(keys, kind="stable").reset_index(drop=True)
    diff = sa.ne(sb) & ~(sa.isna() & sb.isna())   # pandas 3's str keeps a missing value missing
    bad = diff.any(axis=1)
    examples = []
    for i in bad[bad].index[:limit]:
        col = diff.columns[diff.loc[i]][0]
        where = "/".join(sa.loc[i, k] for k in keys)
        examples.append(f"{where} {col}: {sa.loc[i, col]} vs {sb.loc[i, col]}")
    return int(bad.sum()), examples


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _build(store: Store, n: int) -> float:
    t = time.perf_counter()
    setup_db.init(store, lookup.catalog())
    setup_db.load_demo(store, lookup.catalog(), regions=demo.synthetic_regions(lookup.catalog(), n))
    return time.perf_counter() - t


def _status_medians(duck: Store, pg: Store, period: str) -> tuple[float, float, pd.DataFrame, pd.DataFrame]:
    """Median times of status_table.status on each backend, run alternately (a noisy machine then slows
    both alike) after one warm-up each; the shared cache is cleared before every run."""
    for s in (duck, pg):
        status_table.clear_status_cache()
        status_table.status(s, period)
    times: dict[str, list[float]] = {"duck": [], "pg": []}
    out = {}
    for _ in range(REPEATS):
        for key, s in (("duck", duck), ("pg", pg)):
            status_table.clear_status_cache()
            t, out[key] = _timed(lambda s=s: status_table.status(s, period))
            times[key].append(t)
    return statistics.median(times["duck"]), statistics.median(times["pg"]), out["duck"], out["pg"]


def status_bench(workdir: Path, pg: Cluster) -> list[tuple[str, str]]:
    lines = []
    for n in SIZES:
        duck = Store(workdir / f"backends_{n}.duckdb")
        pgs = Store(pg.create_database(f"bench_{n}"))
        build_duck, build_pg = _build(duck, n), _build(pgs, n)
        period = duck.latest_period()
        if pgs.latest_period() != period:
            raise RuntimeError(f"latest period {pgs.latest_period()} on PostgreSQL, {period} on DuckDB")
        obs = duck.df("SELECT count(*) AS n FROM observations")["n"][0]
        status_table.status(duck, period)          # this process's own warm-up (imports, catalog)
        status_table.clear_status_cache()
        fresh, _ = _timed(lambda s=pgs, p=period: status_table.status(s, p))
        t_duck, t_pg, st_duck, st_pg = _status_medians(duck, pgs, period)
        lines.append((
            f"status table, {n} regions: DuckDB vs PostgreSQL",
            f"{t_duck * 1000:.0f} ms vs {t_pg * 1000:.0f} ms = {t_pg / t_duck:.2f}× "
            f"(medians of {REPEATS}; {len(st_duck)} rows from {obs:,} observations; PostgreSQL's first run "
            f"right after the build (the store analyses after a bulk load): {fresh * 1000:.0f} ms; database built in "
            f"{build_duck:.1f} s vs {build_pg:.1f} s = {build_pg / build_duck:.1f}×)"))
        bad, examples = table_difference(st_duck, st_pg)
        verdict = "identical" if bad == 0 else f"{bad} rows DIFFER: " + "; ".join(examples)
        lines.append((f"same status table on both, {n} regions",
                      f"{len(st_duck)} rows × {st_duck.shape[1]} columns compared after sorting: {verdict}"))
        pg.drop_database(f"bench_{n}")
    return lines


def filled_template(store: Store, region: str, period: str, values: dict[str, float]) -> bytes:
    """The monthly template (``importing.make_template``) of ``region`` and ``period`` with
    ``values`` (measure code -> figure) typed into its figure column, as a county would."""
    wb = openpyxl.load_workbook(io.BytesIO(make_template(store, region, period)[0]))
    ws = wb["填报表"]
    for r in range(6, ws.max_row + 1):
        code = ws.cell(r, 2).value
        if code in values:
            ws.cell(r, 6, values[code])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def monthly_sheets(workdir: Path, n: int = N_IMPORTS) -> list[Path]:
    """``n`` different valid monthly sheets (a county and a month each), filled in with the demo's
    figures (consistent: parts within wholes, year-to-date figures rising, so any import order
    passes every check), written to ``workdir``."""
    store = Store(workdir / "templates.duckdb")
    setup_db.init(store, lookup.catalog())
    obs, _ = demo.build(lookup.catalog())
    counties = store.regions().query("level == 'county'")["code"].tolist()
    pairs = [(c, m) for m in IMPORT_MONTHS for c in counties][:n]
    if len(pairs) < n:
        raise RuntimeError(f"only {len(pairs)} county-months for {n} sheets")
    files = []
    for i, (county, month) in enumerate(pairs):
        mine = obs[(obs["region"] == county) & (obs["period"] == month)]
        path = workdir / f"sheet_{i:02d}_{county}_{month}.xlsx"
        path.write_bytes(filled_template(store, county, month, dict(zip(mine["measure"], mine["value"], strict=True))))
        files.append(path)
    return files


# One import process: Python and the libraries load, the process says it is ready and waits for the
# start signal (a file appearing), then runs `jxtrack import FILE -y` -- the command line's own entry
# point, in this process -- and writes its exit code and clock times to a result file.
_WORKER = """
import json, os, sys, time
from jxtrack.cli import ingest  # noqa: F401  (loaded before the start signal)
from jxtrack.cli import run as cli
from jxtrack.services import importing  # noqa: F401
file, go, ready, result = sys.argv[1:5]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
start = time.time()
code = cli.main(["import", file, "-y"])
with open(result, "w") as f:
    json.dump({"code": code, "start": start, "end": time.time()}, f)
"""


def concurrent_imports(db: str, files: list[Path], workdir: Path) -> dict:
    """One process per file importing it into ``db``, all released at the same instant once every
    one has loaded.  Returns the start-up time, the wall time from the start signal until the last
    import ended, each import's seconds and exit code, and what the database then holds."""
    run = Path(tempfile.mkdtemp(prefix="imports-", dir=workdir))
    go = run / "go"
    env = {**os.environ, "JXTRACK_DB": db, "JXTRACK_DEBUG": "0",
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    procs = []
    t0 = time.time()
    for i, f in enumerate(files):
        with (run / f"{i}.err").open("w") as err:   # a file, not a pipe: never blocks a child
            procs.append(subprocess.Popen(
                [sys.executable, "-c", _WORKER, str(f), str(go), str(run / f"{i}.ready"), str(run / f"{i}.json")],
                env=env, stdout=subprocess.DEVNULL, stderr=err))
    while not all((run / f"{i}.ready").exists() or p.poll() is not None for i, p in enumerate(procs)):
        time.sleep(0.01)
    started = time.time()
    go.touch()
    for p in procs:
        p.wait()
    results, errors = [], []
    for i, p in enumerate(procs):
        res = run / f"{i}.json"
        if res.exists():
            results.append(json.loads(res.read_text()))
        else:
            results.append({"code": p.returncode, "start": started, "end": time.time()})
        if results[-1]["code"] != 0:
            errors.append(((run / f"{i}.err").read_text(encoding="utf-8").strip().splitlines() or [""])[-1])
    store = Store(db)
    uploads = store.df("SELECT upload_id, file_name, status FROM uploads WHERE kind <> 'demo'")
    audits = store.df("SELECT object FROM audit_log WHERE action = 'upload.accept'")
    ok = uploads[(uploads["status"] == "accepted") & uploads["file_name"].isin([f.name for f in files])]
    audited = set(audits["object"]) & {f"upload:{i}" for i in ok["upload_id"]}
    return {
        "startup": started - t0,
        "wall": max(r["end"] for r in results) - started,
        "latency": [r["end"] - started for r in results],
        "codes": [r["code"] for r in results],
        "errors": errors,
        "accepted": ok["file_name"].nunique(),
        "audited": len(audited),
        "upload_rows": len(uploads),
        "audit_rows": len(audits),
    }


def _import_line(label: str, r: dict, n: int) -> tuple[str, str]:
    from jxtrack.cli.run import EXIT_BUSY

    ok = sum(c == 0 for c in r["codes"])
    busy = sum(c == EXIT_BUSY for c in r["codes"])
    other = len(r["codes"]) - ok - busy
    lost = ok - min(r["accepted"], r["audited"])   # reported done, yet not (fully) in the database
    whole = r["accepted"] == r["audited"] == r["audit_rows"] == r["upload_rows"] == n
    figure = (f"all {n} done {r['wall']:.1f} s after the start signal; each import (signal to its end) median "
              f"{statistics.median(r['latency']):.1f} s, max {max(r['latency']):.1f} s; "
              f"{ok} succeeded, {busy} refused as busy, {other} failed otherwise; the database holds "
              f"{r['accepted']} accepted uploads of the {n} files ({r['upload_rows']} upload rows), "
              f"{r['audited']} with their upload.accept audit row ({r['audit_rows']} such rows): "
              f"{max(lost, 0)} lost {'✓' if whole and ok == n else '✗'} "
              f"(the {n} processes loaded Python and jxtrack in {r['startup']:.0f} s before the signal)")
    if r["errors"]:
        figure += f"; first error: {r['errors'][0]}"
    return label, figure


def import_bench(workdir: Path, pg: Cluster) -> list[tuple[str, str]]:
    files = monthly_sheets(workdir)
    # one import alone first: what one costs on this machine, without company
    solo = {}
    for label, db in (("DuckDB", str(workdir / "solo.duckdb")), ("PostgreSQL", pg.create_database("solo"))):
        setup_db.init(Store(db), lookup.catalog())
        r = concurrent_imports(db, files[:1], workdir)
        if r["codes"] != [0]:
            raise RuntimeError(f"a single import failed on {label}: {r['errors']}")
        solo[label] = r["wall"]
    lines = [("one import alone (`jxtrack import FILE -y`, once loaded): DuckDB vs PostgreSQL",
              f"{solo['DuckDB']:.2f} s vs {solo['PostgreSQL']:.2f} s")]
    for label, db in (("DuckDB file", str(workdir / "concurrent.duckdb")),
                      ("PostgreSQL", pg.create_database("concurrent"))):
        setup_db.init(Store(db), lookup.catalog())
        r = concurrent_imports(db, files, workdir)
        lines.append(_import_line(f"{len(files)} concurrent imports, one process each, {label}", r, len(files)))
    return lines


def run_bench() -> list[tuple[str, str]]:
    if bin_dir() is None:
        return [("skipped", "PostgreSQL not installed (Debian package postgresql; `make postgres-deps`)")]
    with tempfile.TemporaryDirectory(prefix="jxtrack-bench-") as d, Cluster.started() as pg:
        work = Path(d)
        return status_bench(work, pg) + import_bench(work, pg)


if __name__ == "__main__":
    for label, figure in run_bench():
        print(f"- {label}: {figure}")
