"""status_table.judge swaps keys for integers for speed: its results must equal the plain text-keyed
metrics, ratio-only counties (not_rolled_up) included."""

from __future__ import annotations

import pandas as pd

from jxtrack.services import lookup, status_table
from metrics.derive import derive
from metrics.periods import needed_periods
from metrics.progress import compute_status


def test_integer_keys_give_the_same_status_as_text_keys(demo_store):
    period = "2026-10"
    obs = demo_store.observations(periods=needed_periods(period))
    # 海盐县 sends only its 2.0 coverage rate this month: shown, not rolled up
    obs = obs[~((obs["region"] == "330424") & (obs["period"] == period)
                & obs["measure"].isin(["digital2_firms", "industrial_firms"]))]
    obs = pd.concat([obs, pd.DataFrame([{"region": "330424", "period": period,
                                         "measure": "digital2_coverage_rate", "value": 59.3}])])
    regions = demo_store.regions()
    ind = lookup.catalog().indicators
    targets = status_table.binding_targets(demo_store)
    targets = targets[targets["binding"]]

    fast = status_table.judge(obs.astype({"region": "category"}), targets, ind, regions, period)
    plain = compute_status(derive(obs[["region", "period", "measure", "value"]], ind, regions),
                           targets, ind, regions, period)
    pd.testing.assert_frame_equal(fast.reset_index(drop=True), plain.reset_index(drop=True),
                                  check_dtype=False)
    city = fast[(fast["region"] == "330400") & (fast["indicator"] == "digital2_coverage")].iloc[0]
    assert city["not_rolled_up"] == "330424" and city["partial"]
