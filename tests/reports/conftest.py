"""Fixtures for the bulletin and data-quality tests.

Golden files (``golden/*.txt``) are regenerated only on request: ``JXTRACK_UPDATE_GOLDEN=1
pytest tests/reports`` or ``pytest tests/reports --update-golden``; review the diff before
committing."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from jxtrack.store import Store


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/reports/golden/* from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:  # option not registered (conftest not loaded at start-up)
        flag = False
    return flag or os.environ.get("JXTRACK_UPDATE_GOLDEN") == "1"


def add_upload(store: Store, rows: list[tuple], username: str = "tester", region: str | None = None,
               period: str | None = None) -> int:
    """Record one accepted upload of (region, period, measure, value[, note]) rows; its id."""
    cols = ["region", "period", "measure", "value", "note"]
    values = pd.DataFrame([tuple(r) + (None,) * (5 - len(r)) for r in rows], columns=cols)
    with store.transaction() as con:
        uid = store.record_upload(con, kind="upload", username=username, status="accepted",
                                  values=values, region=region, period=period, file_name="test.xlsx",
                                  file_bytes=b"x")
        store.audit(con, username, "upload.accept", f"upload:{uid}")
    return uid


@pytest.fixture(scope="module")
def demo_readonly(demo_db_template) -> Store:
    """The shared demo database, read only (tests that write take ``demo_store``)."""
    return Store(demo_db_template)
