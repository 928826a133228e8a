"""Timing of the bulletin on the demo database: ``run_bench() -> [(what, result)]``."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from jxtrack.reports import charts
from jxtrack.reports.api import render_bytes
from jxtrack.reports.bulletin import build
from jxtrack.services import lookup, setup_db
from jxtrack.store.interface import Store


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def run_bench(period: str = "2026-10") -> list[tuple[str, str]]:
    """Build the month's bulletin on a fresh demo database; best of three runs each."""
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "bench.duckdb")
        setup_db.init(store, lookup.catalog(), with_demo=True)
        t_build, b = _best(lambda: build(store, period))
        t_docx, docx = _best(lambda: render_bytes(b, ".docx", charts=False))
        t_xlsx, xlsx = _best(lambda: render_bytes(b, ".xlsx"))
        rows = [
            ("月度通报：取数与组稿（build）", f"{t_build * 1000:.0f} ms"),
            ("月度通报：Word（不含图表）", f"{t_docx * 1000:.0f} ms，{len(docx) / 1024:.0f} KB"),
            ("月度通报：Excel", f"{t_xlsx * 1000:.0f} ms，{len(xlsx) / 1024:.0f} KB"),
        ]
        if charts.available():
            t_ch, pics = _best(lambda: charts.render(b), repeat=1)
            rows.append(("月度通报：图表（kaleido + Chromium）", f"{t_ch * 1000:.0f} ms，{len(pics)} 张"))
        else:
            rows.append(("月度通报：图表", "未启用（无 kaleido 或无 Chromium，通报仅含表格）"))
        return rows


if __name__ == "__main__":  # pragma: no cover
    for what, result in run_bench():
        print(f"{what:<40} {result}")
