"""compute_status_periods: many periods in one pass; numbers worked out by hand in the comments."""

import math

import pandas as pd
import pytest
from metrics_builders import indicator, indicators, region_rows, tgts, vals

from metrics.progress import STATUS_COLUMNS, compute_status, compute_status_periods

REG = region_rows()
FLOW = indicators(indicator("proj"))
LEVEL = indicators(indicator("cov", kind="level", formula="ratio", num=["n"], den="d", scale=100.0, unit="%"))


def row(st: pd.DataFrame, region: str, ind: str, period: str) -> pd.Series:
    hit = st[(st["region"] == region) & (st["indicator"] == ind) & (st["period"] == period)]
    assert len(hit) == 1, f"expected one row for {region}/{ind}/{period}, got {len(hit)}"
    return hit.iloc[0]


def test_flow_across_a_year_boundary():
    v = vals(("C", "2024-11", "proj", 1000.0), ("C", "2024-12", "proj", 1300.0),
             ("C", "2025-01", "proj", 150.0), ("C", "2025-02", "proj", 500.0))
    t = tgts(("proj", "C", 2024, 1200.0), ("proj", "C", 2025, 2400.0))
    # unsorted, with a repeat: each period once, ascending
    st = compute_status_periods(v, t, FLOW, REG, ["2025-02", "2024-12", "2025-01", "2025-02"])
    assert list(st.columns) == STATUS_COLUMNS
    assert st["period"].tolist() == ["2024-12", "2025-01", "2025-02"]

    dec = row(st, "C", "proj", "2024-12")
    # December: target 1200 (2024's), expected 1200 × 12/12 = 1200; 1300 ≥ 1200 -> done; 环比 1300-1000
    assert dec["target"] == 1200.0 and dec["expected"] == pytest.approx(1200.0)
    assert dec["light"] == "done" and dec["mom"] == pytest.approx(300.0)
    assert dec["remaining_months"] == 0

    jan = row(st, "C", "proj", "2025-01")
    # January 2025: the 2025 target applies; expected 2400/12 = 200; gap_pp (150-200)/2400 × 100 = -2.08
    assert jan["target"] == 2400.0 and jan["target_year"] == 2025
    assert jan["expected"] == pytest.approx(200.0)
    assert jan["gap_pp"] == pytest.approx(-50 / 2400 * 100)
    assert jan["light"] == "yellow"
    assert math.isnan(jan["mom"])  # a YTD flow restarts in January
    assert jan["remaining_months"] == 11

    feb = row(st, "C", "proj", "2025-02")
    # February: expected 400, gap +100 -> green; 环比 500-150; no 2024-02 figure: run rate 500 × 12/2
    assert feb["expected"] == pytest.approx(400.0) and feb["light"] == "green"
    assert feb["mom"] == pytest.approx(350.0)
    assert feb["forecast"] == pytest.approx(3000.0) and feb["forecast_method"] == "run_rate"
    assert math.isnan(feb["yoy"])


def test_level_path_and_city_target_per_year():
    # county A has no target of its own: the city's target of each period's year applies
    v = vals(("A", "2024-06", "cov", 55.0), ("A", "2024-12", "cov", 62.0), ("A", "2025-06", "cov", 70.0))
    t = tgts(("cov", "C", 2024, 60.0), ("cov", "C", 2025, 80.0))
    st = compute_status_periods(v, t, LEVEL, REG, ["2024-06", "2025-06"])
    a24 = row(st, "A", "cov", "2024-06")
    # 2024-06: no 2023-12 figure, no 2023 target: the path is flat at 60; gap_pp (55-60)/60 × 100 -> yellow
    assert a24["target"] == 60.0 and a24["target_note"] == "参照全市目标"
    assert a24["expected"] == pytest.approx(60.0)
    assert a24["gap_pp"] == pytest.approx(-5 / 60 * 100) and a24["light"] == "yellow"
    a25 = row(st, "A", "cov", "2025-06")
    # 2025-06: from last December's 62 to 80: 62 + 18 × 6/12 = 71; gap -1 -> -1.25 points -> yellow
    assert a25["target"] == 80.0
    assert a25["expected"] == pytest.approx(71.0)
    assert a25["gap_pp"] == pytest.approx(-1.25) and a25["light"] == "yellow"
    # trend forecast 62 + (70-62) × 12/6 = 78
    assert a25["forecast"] == pytest.approx(78.0)


def test_rank_and_county_average_are_per_period():
    v = vals(("A", "2024-06", "proj", 10.0), ("B", "2024-06", "proj", 20.0), ("C", "2024-06", "proj", 30.0),
             ("A", "2024-07", "proj", 40.0), ("B", "2024-07", "proj", 30.0), ("C", "2024-07", "proj", 70.0))
    st = compute_status_periods(v, tgts(), FLOW, REG, ["2024-06", "2024-07"])
    # no county targets: ranked by actual within the month; average = city total / 2 counties
    assert row(st, "B", "proj", "2024-06")["rank"] == 1 and row(st, "A", "proj", "2024-06")["rank"] == 2
    assert row(st, "A", "proj", "2024-07")["rank"] == 1 and row(st, "B", "proj", "2024-07")["rank"] == 2
    assert row(st, "A", "proj", "2024-06")["rank_of"] == 2
    assert row(st, "A", "proj", "2024-06")["county_avg"] == pytest.approx(15.0)
    assert row(st, "A", "proj", "2024-07")["county_avg"] == pytest.approx(35.0)
    assert row(st, "A", "proj", "2024-07")["gap_to_avg"] == pytest.approx(5.0)


def test_each_period_block_equals_the_one_period_call():
    v = vals(("A", "2024-06", "proj", 10.0), ("B", "2024-06", "proj", 20.0), ("C", "2024-06", "proj", 30.0),
             ("A", "2024-07", "proj", 40.0), ("C", "2024-07", "proj", 40.0), ("Z", "2024-08", "proj", 5.0))
    t = tgts(("proj", "C", 2024, 100.0), ("proj", "A", 2024, 50.0))
    periods = ["2024-06", "2024-07", "2024-08"]
    st = compute_status_periods(v, t, FLOW, REG, periods)
    for p in periods:
        one = compute_status(v, t, FLOW, REG, p)
        pd.testing.assert_frame_equal(st[st["period"] == p].reset_index(drop=True), one, check_exact=True)
    # 2024-08: no figure but the targets of C and A: grey rows; Z shows its figure
    assert st.loc[st["period"] == "2024-08", "region"].tolist() == ["C", "A", "Z"]


def test_no_periods_and_bad_periods():
    assert len(compute_status_periods(vals(), tgts(), FLOW, REG, [])) == 0
    with pytest.raises(ValueError, match="YYYY-MM"):
        compute_status_periods(vals(), tgts(), FLOW, REG, ["2024-6"])
