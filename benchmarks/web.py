"""Web pages, server side: each page's AppTest run on the demo database and on a 100-region
database (goals ≤ 300 ms and ≤ 1 s).  Reports the first (cold cache) run and the median of warm
runs; the cold run includes computing the status table, the warm run is what users mostly see."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from jxtrack.domain.access import User
from jxtrack.services import demo, lookup, setup_db
from jxtrack.store.interface import Store
from jxtrack.ui import nav

ROOT = Path(__file__).resolve().parents[1]
WARM = 3
STAFF = User("zhuanban", "staff", None, "示例市工作专班")
ADMIN = User("admin", "admin", None, "示例管理员")


def _page_times(page: str, user: User) -> tuple[float, float, bool]:
    """(first run after the data changed, median warm run, no exception)."""
    from streamlit.testing.v1 import AppTest

    from jxtrack.ui import cache, session

    times = []
    ok = True
    cache.invalidate()  # as after an upload: the first run recomputes what the page shows
    for _ in range(1 + WARM):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state[session.USER_KEY] = user
        t = time.perf_counter()
        at.run()
        if page != "pages/overview.py":
            t = time.perf_counter()
            at.switch_page(page)
            at.run()
        times.append(time.perf_counter() - t)
        ok = ok and not at.exception
    return times[0], statistics.median(times[1:]), ok


def _bench_db(db: Path, label: str, goal: float) -> list[tuple[str, str]]:

    old = os.environ.get("JXTRACK_DB")
    os.environ["JXTRACK_DB"] = str(db)
    try:
        _page_times("pages/overview.py", STAFF)  # one-time imports (plotly…) are not a page's cost
        lines = []
        for p in nav.PAGES:
            user = ADMIN if p.action == "manage_users" else STAFF
            cold, warm, ok = _page_times(p.path, user)
            # the first run after a data change is what a user meets after every upload: judge both
            verdict = ("✓" if warm <= goal else "✗ warm over goal") + (
                "" if cold <= goal else "; first run over goal")
            lines.append((f"{label} · {p.title}",
                          f"warm {warm * 1000:.0f} ms (median of {WARM}), first run {cold * 1000:.0f} ms "
                          f"{verdict}{'' if ok else ' (page raised!)'}"))
        return lines
    finally:
        if old is None:
            os.environ.pop("JXTRACK_DB", None)
        else:
            os.environ["JXTRACK_DB"] = old


def run_bench() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "demo.duckdb"
        setup_db.init(Store(small), lookup.catalog(), with_demo=True)
        big = Path(tmp) / "r100.duckdb"
        store = Store(big)
        setup_db.init(store, lookup.catalog())
        setup_db.load_demo(store, lookup.catalog(), regions=demo.synthetic_regions(lookup.catalog(), 100),
                           years=3)
        return _bench_db(small, "demo (7 counties)", 0.3) + _bench_db(big, "100 regions", 1.0)


if __name__ == "__main__":
    for label, figure in run_bench():
        print(f"- {label}: {figure}")
