"""Many periods in one pass equal one period at a time, on the demo database: every month of 2025
and 2026 (2026-11 and -12 have targets but no figures yet), every indicator, region and column."""

from __future__ import annotations

import pandas as pd

from jxtrack.services import lookup, status_table
from metrics.derive import derive
from metrics.progress import compute_status, compute_status_periods

MONTHS = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]


def test_month_series_equals_month_by_month_on_the_demo_database(demo_store):
    obs = demo_store.observations()
    regions = demo_store.regions()
    ind = lookup.catalog().indicators
    targets = status_table.binding_targets(demo_store)
    targets = targets[targets["binding"]]
    values = derive(obs[["region", "period", "measure", "value"]], ind, regions)

    many = compute_status_periods(values, targets, ind, regions, MONTHS)
    assert sorted(many["period"].unique()) == MONTHS
    for period in MONTHS:
        one = compute_status(values, targets, ind, regions, period)
        block = many[many["period"] == period].reset_index(drop=True)
        pd.testing.assert_frame_equal(block, one, check_exact=True)
    # the comparison is not vacuous: lights of every kind, ranks and 同比 occur
    assert {"red", "yellow", "green", "done", "none"} <= set(many["light"])
    assert many["rank"].notna().any() and many["yoy"].notna().any()
    assert len(many) > 24 * 100
