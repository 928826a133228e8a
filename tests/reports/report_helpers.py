"""Helpers for the report and data-quality tests."""

from __future__ import annotations

import pandas as pd

from jxtrack.store.interface import Store


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
