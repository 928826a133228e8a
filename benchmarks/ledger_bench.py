"""Ledger benchmark (issue 10): import a 5 000-row project ledger and compute its subsidies, against
a bare openpyxl read of the same file (goal: within 2×).  Self-contained; measured, not asserted.

    python benchmarks/ledger_bench.py          (from the repository root; uses ./src)

Builds its own temporary database; prints the median of several runs of each step.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import openpyxl  # noqa: E402

from jxtrack.domain.access import OPERATOR  # noqa: E402
from jxtrack.ingest.credit_code import check_char  # noqa: E402
from jxtrack.ingest.ledger_template import header_labels  # noqa: E402
from jxtrack.services import lookup, projects, setup_db  # noqa: E402
from jxtrack.store.interface import Store  # noqa: E402

COUNTIES = ["南湖区", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市"]
TYPES = ["智能化技术改造", "数字化改造", "节能改造", "新能源替代利用", "节水改造", "绿色化改造"]
HONOURS = [None, None, None, "省级数字化车间", "省级智能工厂、省级数字化车间", "省级绿色工厂", "省级未来工厂"]


def ledger_workbook(n_rows: int = 5000, seed: int = 10) -> bytes:
    """A city-wide ledger of ``n_rows`` projects in the template's layout (title, 填报单位, header)."""
    rnd = random.Random(seed)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("项目库")
    ws.append(["“两化”改造项目库"])
    ws.append(["填报单位：嘉兴市"])
    ws.append(header_labels())
    for i in range(n_rows):
        first17 = f"9133{rnd.randint(0, 9999):04d}MA{i:07d}"[:17]
        start = date(2024, 1, 1) + timedelta(days=rnd.randint(0, 700))
        accept = start + timedelta(days=rnd.randint(90, 500)) if rnd.random() < 0.8 else None
        ws.append([
            f"项目{i}", f"企业{i // 2}", first17 + check_char(first17), COUNTIES[i % 7], rnd.choice(TYPES),
            start, accept, rnd.randint(500, 20000), rnd.randint(500, 8000), rnd.randint(100, 6000),
            rnd.choice(["A", "B", "C", "D", "未参评"]), rnd.choice(["是", "否"]), rnd.randint(0, 3000),
            rnd.randint(0, 5000), round(rnd.random() * 40, 2), rnd.choice(["是", "否"]), rnd.choice(HONOURS),
            rnd.choice(["是", "否"]), rnd.choice(["是", "否"]), None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(n_rows: int = 5000, runs: int = 3) -> list[tuple[str, str]]:
    data = ledger_workbook(n_rows)

    def bare():
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        for ws in wb.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.duckdb")
        os.environ["JXTRACK_DB"] = str(store.path)
        setup_db.init(store, lookup.catalog())
        n_subs = 0

        def ours():
            nonlocal n_subs
            res = projects.commit_ledger(store, data, "ledger.xlsx", OPERATOR, accept_warnings=True,
                                         confirm_remove=True)
            assert res.status in ("accepted", "identical"), [p.line() for p in res.problems[:5]]
            n_subs = len(projects.subsidies(store, OPERATOR))

        t_bare = _median(bare, runs)
        ours()  # the first import writes; later runs are identical re-uploads (still read and validated)
        with store.transaction() as con:  # make every run a real write: withdraw what is in force
            con.execute("UPDATE uploads SET status = 'withdrawn' WHERE kind = 'projects'")
        t_ours = _median(lambda: (ours(), _withdraw_all(store)), runs)
        out.append((f"ledger: {n_rows:,}-row import + subsidies vs bare openpyxl read (goal ≤ 2×)",
                    f"{t_ours:.2f} s vs {t_bare:.2f} s = {t_ours / t_bare:.2f}× ({n_subs:,} subsidy rows)"))
        t_sub = _median(lambda: projects.subsidies(store, OPERATOR), runs)
        out.append(("ledger: subsidies alone (rules engine over the stored ledger)", f"{t_sub:.2f} s"))
    return out


def _withdraw_all(store: Store) -> None:
    with store.transaction() as con:
        con.execute("UPDATE uploads SET status = 'withdrawn' WHERE kind = 'projects'")


def run_bench() -> list[tuple[str, str]]:
    """The section ``make bench`` prints."""
    return run()


def main() -> None:
    print(f"jxtrack ledger benchmark — Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for label, value in run():
        print(f"- {label}: {value}")


if __name__ == "__main__":
    main()
