"""The benchmark's floor (one hand-written DuckDB query) must compute what the status table
computes, or the ratio `make bench` prints means nothing.  No timing here."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jxtrack.services import status_table

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ is not installed
from benchmarks.floor import agreement, floor_status  # noqa: E402

pytestmark = pytest.mark.duckdb_only  # the floor is a DuckDB query on the file


@pytest.mark.parametrize("period", ["2024-06", "2025-12", "2026-10"])
def test_floor_agrees_with_the_status_table_on_the_demo_database(demo_db_template, demo_ro_store, period):
    ours = status_table.status(demo_ro_store, period)
    floor = floor_status(demo_db_template, period)
    n, bad, grey, examples = agreement(ours, floor)
    assert bad == 0, examples
    assert n == len(floor) > 200
    # not vacuous: ranks are there, and 同比 once a year of history exists (the demo starts in 2024)
    assert floor["rank"].notna().any()
    assert floor["yoy"].notna().any() == (period >= "2025-01")
    assert len(set(floor["light"])) >= 3


def test_agreement_notices_a_difference(demo_db_template, demo_ro_store):
    ours = status_table.status(demo_ro_store, "2026-10")
    floor = floor_status(demo_db_template, "2026-10")
    floor.loc[floor.index[0], "target"] = floor["target"].iloc[0] * 1.001 if floor["target"].notna().iloc[0] else 1.0
    floor.loc[floor.index[1], "light"] = "red" if floor["light"].iloc[1] != "red" else "green"
    assert agreement(ours, floor)[1] == 2


@pytest.fixture
def demo_ro_store(demo_db_template, monkeypatch):
    from jxtrack.store.interface import Store

    monkeypatch.setenv("JXTRACK_DB", str(demo_db_template))
    return Store(demo_db_template)
