"""compute_status: one rule per test, numbers worked out by hand in the comments."""

import math

import pandas as pd
import pytest
from metrics_builders import indicator, indicators, obs, region_rows, tgts, vals

from metrics.derive import derive
from metrics.progress import STATUS_COLUMNS, compute_status

REG = region_rows()
P = "2024-06"


def status(values, targets, inds, period=P, regions=REG, baseline="2023-12"):
    return compute_status(values, targets, inds, regions, period, baseline=baseline)


def row(st: pd.DataFrame, region: str, ind: str) -> pd.Series:
    hit = st[(st["region"] == region) & (st["indicator"] == ind)]
    assert len(hit) == 1, f"expected one row for {region}/{ind}, got {len(hit)}"
    return hit.iloc[0]


FLOW = indicators(indicator("proj"))


def flow_row(actual, target=1500.0, period=P, inds=FLOW, extra=()):
    v = vals(("C", period, "proj", actual), *extra)
    st = status(v, tgts(("proj", "C", int(period[:4]), target)), inds, period=period)
    return row(st, "C", "proj")


# --- columns and row universe -------------------------------------------------------------------


def test_columns():
    st = status(vals(("C", P, "proj", 1.0)), tgts(), FLOW)
    assert list(st.columns) == STATUS_COLUMNS
    for col in ["region", "indicator", "period", "actual", "unit", "target", "comparator",
                "target_source", "target_note", "completion", "time_progress", "expected", "gap",
                "gap_pp", "light", "forecast", "forecast_method", "will_meet", "required_pace",
                "remaining_months", "yoy", "yoy_diff", "mom", "rank", "rank_of", "county_avg",
                "gap_to_avg", "ratio_only", "partial"]:  # fmt: skip
        assert col in st.columns


def test_region_with_target_but_no_data_gets_grey_row():
    st = status(vals(("A", P, "proj", 5.0)), tgts(("proj", "B", 2024, 100.0)), FLOW)
    b = row(st, "B", "proj")
    assert math.isnan(b["actual"]) and b["target"] == 100.0 and b["light"] == "none"
    assert set(st["region"]) == {"A", "B"}  # D, Z, C: neither data nor target -> no row


def test_city_scope_indicator_only_for_city():
    inds = indicators(indicator("fund", scope="city"))
    st = status(vals(("C", P, "fund", 0.5), ("A", P, "fund", 9.0)), tgts(("fund", "A", 2024, 1.0)), inds)
    assert st["region"].tolist() == ["C"]


# --- completion, 序时进度 and lights ------------------------------------------------------------


@pytest.mark.parametrize(
    "actual, gap_pp, light",
    [
        # June: expected = 1500 × 6/12 = 750
        (750.0, 0.0, "green"),  # (750-750)/1500 × 100 = 0
        (800.0, 50 / 1500 * 100, "green"),  # ahead: +3.33
        (700.0, -50 / 1500 * 100, "yellow"),  # -3.33 >= -10
        (600.0, -10.0, "yellow"),  # -150/1500 × 100 = -10, at the yellow edge
        (500.0, -250 / 1500 * 100, "red"),  # -16.67 < -10
        (1600.0, 850 / 1500 * 100, "done"),  # already >= 1500
        (1500.0, 50.0, "done"),
    ],
)
def test_annual_flow_lights(actual, gap_pp, light):
    r = flow_row(actual)
    assert r["expected"] == pytest.approx(750.0)
    assert r["time_progress"] == pytest.approx(0.5)  # 时间过半
    assert r["completion"] == pytest.approx(actual / 1500.0)
    assert r["gap"] == pytest.approx(actual - 750.0)
    assert r["gap_pp"] == pytest.approx(gap_pp)
    assert r["light"] == light


def test_light_none_without_actual_or_target():
    st = status(
        vals(("C", P, "proj", float("nan")), ("A", P, "proj", 100.0)), tgts(("proj", "C", 2024, 1500.0)), FLOW
    )
    assert row(st, "C", "proj")["light"] == "none"  # no actual
    assert row(st, "C", "proj")["light_reason"] == "no_data"
    assert row(st, "A", "proj")["light"] == "none"  # no target (目标未分解)
    assert row(st, "A", "proj")["light_reason"] == "untargeted"


def test_custom_thresholds_from_catalog():
    wide = indicators(indicator("proj", green=-10.0, yellow=-30.0))
    # expected 750 of 1500.  650: (650-750)/1500 × 100 = -6.67 -> green under (-10, -30), yellow by default
    assert flow_row(650.0, inds=wide)["light"] == "green"
    assert flow_row(650.0)["light"] == "yellow"
    # 600: -10 -> green (>= -10); 400: -23.3 -> yellow (>= -30); 200: -36.7 -> red
    assert flow_row(600.0, inds=wide)["light"] == "green"
    assert flow_row(400.0, inds=wide)["light"] == "yellow"
    assert flow_row(400.0)["light"] == "red"
    assert flow_row(200.0, inds=wide)["light"] == "red"


def test_direction_down_gap_and_done_only_at_year_end():
    down = indicators(indicator("proj", direction="down"))
    # target 100, June: expected 50.  actual 40: gap_pp = (50-40)/100 × 100 = +10 -> green, not done yet
    r = flow_row(40.0, target=100.0, inds=down)
    assert r["gap_pp"] == pytest.approx(10.0) and r["light"] == "green"
    # actual 60: (50-60)/100 × 100 = -10 -> yellow; 80: -30 -> red
    assert flow_row(60.0, target=100.0, inds=down)["light"] == "yellow"
    assert flow_row(80.0, target=100.0, inds=down)["light"] == "red"
    # December, 90 <= 100: done
    assert flow_row(90.0, target=100.0, period="2024-12", inds=down)["light"] == "done"


def test_ytd_ratio_expected_follows_time_progress():
    inds = indicators(
        indicator("va_mu", kind="ytd_ratio", formula="ratio", num=["va"], den="land", scale=1e4)
    )
    st = status(
        vals(("C", "2024-03", "va_mu", 50.0)), tgts(("va_mu", "C", 2024, 230.0)), inds, period="2024-03"
    )
    r = row(st, "C", "va_mu")
    # March: expected 230 × 3/12 = 57.5; gap_pp (50-57.5)/230 × 100 = -3.26 -> yellow
    assert r["expected"] == pytest.approx(57.5)
    assert r["gap_pp"] == pytest.approx(-7.5 / 230 * 100)
    assert r["light"] == "yellow"


# --- level: straight path from last December ----------------------------------------------------

LEVEL = indicators(indicator("cov", kind="level", formula="ratio", num=["n"], den="d", scale=100.0, unit="%"))


def test_level_path_from_last_december_actual():
    v = vals(("C", "2023-12", "cov", 40.0), ("C", P, "cov", 48.0))
    r = row(status(v, tgts(("cov", "C", 2024, 60.0), ("cov", "C", 2023, 45.0)), LEVEL), "C", "cov")
    # start = last December's actual 40 (beats last year's target 45): 40 + (60-40) × 6/12 = 50
    assert r["expected"] == pytest.approx(50.0)
    assert r["time_progress"] == pytest.approx(50 / 60)
    assert r["gap"] == pytest.approx(-2.0)
    assert r["gap_pp"] == pytest.approx(-2 / 60 * 100)  # -3.33 -> yellow
    assert r["light"] == "yellow"
    # trend forecast: 40 + (48-40) × 12/6 = 56 < 60
    assert r["forecast"] == pytest.approx(56.0) and r["forecast_method"] == "trend"
    assert not r["will_meet"]  # `not <NA>` would raise, so this also checks it is known
    # required pace (60-48)/6 = 2 points a month
    assert r["required_pace"] == pytest.approx(2.0) and r["remaining_months"] == 6


def test_level_path_from_last_years_target_when_no_actual():
    v = vals(("C", P, "cov", 48.0))
    r = row(status(v, tgts(("cov", "C", 2024, 60.0), ("cov", "C", 2023, 50.0)), LEVEL), "C", "cov")
    # start = 2023 target 50: 50 + (60-50) × 6/12 = 55; gap_pp (48-55)/60 × 100 = -11.67 -> red
    assert r["expected"] == pytest.approx(55.0)
    assert r["light"] == "red"
    # forecast from the same start: 50 + (48-50) × 2 = 46
    assert r["forecast"] == pytest.approx(46.0)


def test_level_path_flat_at_target_when_no_start():
    v = vals(("C", P, "cov", 48.0))
    r = row(status(v, tgts(("cov", "C", 2024, 60.0)), LEVEL), "C", "cov")
    # start = the target itself: expected 60; gap_pp (48-60)/60 × 100 = -20 -> red
    assert r["expected"] == pytest.approx(60.0)
    assert r["gap_pp"] == pytest.approx(-20.0)
    # no start for the trend: the actual itself, so forecast = 48
    assert r["forecast"] == pytest.approx(48.0)


# --- cumulative: straight path from the baseline to the deadline --------------------------------

CUM = indicators(indicator("fac", kind="cumulative"))


def test_cumulative_path_from_baseline():
    v = vals(("C", "2023-12", "fac", 2.0), ("C", P, "fac", 4.0))
    # a 2025 interim row exists, but the deadline (latest year >= 2024) is 2026
    r = row(status(v, tgts(("fac", "C", 2026, 20.0), ("fac", "C", 2025, 12.0)), CUM), "C", "fac")
    # m = 6 months since 2023-12, M = 36 to 2026-12: expected 2 + (20-2) × 6/36 = 5
    assert r["target"] == 20.0 and r["target_year"] == 2026
    assert r["expected"] == pytest.approx(5.0)
    assert r["time_progress"] == pytest.approx(5 / 20)
    assert r["gap_pp"] == pytest.approx(-5.0)  # (4-5)/20 × 100
    assert r["light"] == "yellow"
    # run rate to the deadline: 2 + (4-2) × 36/6 = 14 < 20
    assert r["forecast"] == pytest.approx(14.0) and r["forecast_method"] == "run_rate"
    assert not r["will_meet"]
    # 30 months left to 2026-12: (20-4)/30
    assert r["remaining_months"] == 30
    assert r["required_pace"] == pytest.approx(16 / 30)


def test_cumulative_without_baseline_starts_at_zero():
    r = row(status(vals(("C", P, "fac", 4.0)), tgts(("fac", "C", 2026, 20.0)), CUM), "C", "fac")
    # expected 20 × 6/36 = 3.33; gap_pp (4-3.33)/20 × 100 = 3.33 -> green; forecast 4 × 36/6 = 24
    assert r["expected"] == pytest.approx(20 / 6)
    assert r["light"] == "green"
    assert r["forecast"] == pytest.approx(24.0) and bool(r["will_meet"])


def test_cumulative_done_before_deadline():
    r = row(status(vals(("C", P, "fac", 21.0)), tgts(("fac", "C", 2026, 20.0)), CUM), "C", "fac")
    assert r["light"] == "done" and r["required_pace"] == 0.0


# --- milestone ----------------------------------------------------------------------------------

MS = indicators(indicator("zone_pilot", kind="milestone", scope="city", unit="是/否"))


@pytest.mark.parametrize(
    "period, actual, light",
    [
        ("2024-06", 1.0, "done"),
        ("2024-06", 0.0, "yellow"),  # before the 2026-12 deadline
        ("2026-11", 0.0, "yellow"),
        ("2026-12", 0.0, "red"),  # deadline reached, not achieved
        ("2024-06", float("nan"), "none"),
    ],
)
def test_milestone_lights(period, actual, light):
    st = status(
        vals(("C", period, "zone_pilot", actual)), tgts(("zone_pilot", "C", 2026, 1.0)), MS, period=period
    )
    r = row(st, "C", "zone_pilot")
    assert r["light"] == light
    assert math.isnan(r["expected"])
    # achieved or not: no percentage (it showed 0.0% beside 未获批 on the board)
    assert math.isnan(r["completion"])


# --- forecasts and pace ---------------------------------------------------------------------------


def test_seasonal_forecast_when_last_year_known():
    extra = [("C", "2023-06", "proj", 400.0), ("C", "2023-12", "proj", 1000.0)]
    r = flow_row(600.0, extra=extra)
    # last June was 400 of 1000 for the year: 600 × 1000/400 = 1500 >= 1500
    assert r["forecast"] == pytest.approx(1500.0) and r["forecast_method"] == "seasonal"
    assert bool(r["will_meet"])


def test_run_rate_forecast_without_last_year():
    r = flow_row(600.0)
    # 600 × 12/6 = 1200 < 1500
    assert r["forecast"] == pytest.approx(1200.0) and r["forecast_method"] == "run_rate"
    assert not r["will_meet"]


def test_run_rate_when_last_years_same_month_is_zero():
    r = flow_row(600.0, extra=[("C", "2023-06", "proj", 0.0), ("C", "2023-12", "proj", 1000.0)])
    assert r["forecast"] == pytest.approx(1200.0) and r["forecast_method"] == "run_rate"


def test_will_meet_missing_without_target():
    st = status(vals(("A", P, "proj", 600.0)), tgts(), FLOW)
    r = row(st, "A", "proj")
    assert r["forecast"] == pytest.approx(1200.0)
    assert pd.isna(r["will_meet"])


def test_required_pace():
    # (1500-600) / (12-6) = 150 a month
    r = flow_row(600.0)
    assert r["required_pace"] == pytest.approx(150.0) and r["remaining_months"] == 6
    assert flow_row(1600.0)["required_pace"] == 0.0  # already met
    dec = flow_row(1400.0, period="2024-12")
    assert dec["remaining_months"] == 0 and math.isnan(dec["required_pace"])


# --- 同比 and 环比 ----------------------------------------------------------------------------------


def test_yoy():
    r = flow_row(600.0, extra=[("C", "2023-06", "proj", 500.0)])
    assert r["yoy"] == pytest.approx(0.2)  # (600-500)/500
    assert r["yoy_diff"] == pytest.approx(100.0)
    zero = flow_row(600.0, extra=[("C", "2023-06", "proj", 0.0)])
    assert math.isnan(zero["yoy"]) and zero["yoy_diff"] == 600.0
    assert math.isnan(flow_row(600.0)["yoy"])
    neg = flow_row(-50.0, extra=[("C", "2023-06", "proj", -100.0)])
    assert neg["yoy"] == pytest.approx(0.5)  # (-50 - -100)/|-100|


def test_mom_within_year_and_january_nan_for_flows():
    assert flow_row(600.0, extra=[("C", "2024-05", "proj", 480.0)])["mom"] == pytest.approx(120.0)
    jan = flow_row(100.0, period="2024-01", extra=[("C", "2023-12", "proj", 1000.0)])
    assert math.isnan(jan["mom"])  # a YTD flow restarts in January
    # a level carries across the year: 45 - 40 = 5
    v = vals(("C", "2023-12", "cov", 40.0), ("C", "2024-01", "cov", 45.0))
    lv = row(status(v, tgts(("cov", "C", 2024, 60.0)), LEVEL, period="2024-01"), "C", "cov")
    assert lv["mom"] == pytest.approx(5.0)


# --- targets for counties -----------------------------------------------------------------------


def test_county_falls_back_to_city_target_for_ratio_kinds():
    inds = indicators(
        indicator("va_mu", kind="ytd_ratio", formula="ratio", num=["va"], den="land", scale=1e4)
    )
    t = tgts(("va_mu", "C", 2024, 230.0), ("va_mu", "B", 2024, 200.0))
    st = status(vals(("A", P, "va_mu", 100.0), ("B", P, "va_mu", 100.0)), t, inds)
    a = row(st, "A", "va_mu")
    assert a["target"] == 230.0 and a["target_note"] == "参照全市目标" and a["target_source"] == "S"
    # expected 230 × 6/12 = 115; gap_pp (100-115)/230 × 100 = -6.52 -> yellow
    assert a["light"] == "yellow"
    b = row(st, "B", "va_mu")  # its own decomposed target
    assert b["target"] == 200.0 and b["target_note"] == ""
    assert b["light"] == "green"  # expected 100: gap 0


def test_level_fallback_uses_city_targets_for_path_start():
    v = vals(("A", P, "cov", 48.0))
    r = row(status(v, tgts(("cov", "C", 2024, 60.0), ("cov", "C", 2023, 50.0)), LEVEL), "A", "cov")
    # county without its own targets: city's 2024 target 60, path from city's 2023 target 50 -> 55
    assert r["target"] == 60.0 and r["expected"] == pytest.approx(55.0)


def test_additive_county_without_target_is_not_decomposed_but_ranked():
    st = status(
        vals(("A", P, "proj", 10.0), ("B", P, "proj", 30.0), ("C", P, "proj", 40.0)),
        tgts(("proj", "C", 2024, 100.0)),
        FLOW,
    )
    a = row(st, "A", "proj")
    assert math.isnan(a["target"]) and a["target_note"] == "目标未分解" and a["light"] == "none"
    assert a["actual"] == 10.0 and a["rank"] == 2 and a["rank_of"] == 2


# --- rank among counties, county average ----------------------------------------------------------


def test_rank_by_completion_when_targets_exist():
    v = vals(("A", P, "proj", 50.0), ("B", P, "proj", 90.0), ("D", P, "proj", 40.0), ("C", P, "proj", 180.0))
    t = tgts(("proj", "A", 2024, 100.0), ("proj", "B", 2024, 300.0), ("proj", "D", 2024, 50.0))
    st = status(v, t, FLOW)
    # completion A 0.5, B 0.3, D 0.8 -> D 1, A 2, B 3 (by actual B would be first)
    assert [row(st, r, "proj")["rank"] for r in "ABD"] == [2, 3, 1]
    assert row(st, "A", "proj")["rank_of"] == 3
    assert pd.isna(row(st, "C", "proj")["rank"])


def test_rank_direction_down_by_actual_with_ties():
    inds = indicators(indicator("waste", direction="down"))
    v = vals(("A", P, "waste", 5.0), ("B", P, "waste", 5.0), ("D", P, "waste", 3.0), ("Z", P, "waste", 1.0))
    st = status(v, tgts(), inds)
    # lower is better: D 3 -> 1; A and B tie at 5 -> both 2 (method 'min'); the zone is not ranked
    assert [row(st, r, "waste")["rank"] for r in "ABD"] == [2, 2, 1]
    assert row(st, "D", "waste")["rank_of"] == 3
    assert pd.isna(row(st, "Z", "waste")["rank"])


def test_rank_direction_up_by_actual():
    v = vals(("A", P, "proj", 5.0), ("B", P, "proj", 8.0), ("D", P, "proj", 3.0))
    st = status(v, tgts(), FLOW)
    assert [row(st, r, "proj")["rank"] for r in "ABD"] == [2, 1, 3]


def test_county_avg_additive_is_city_total_over_reporting_counties():
    v = vals(("A", P, "proj", 10.0), ("B", P, "proj", 30.0), ("C", P, "proj", 40.0), ("Z", P, "proj", 99.0))
    st = status(v, tgts(), FLOW)
    # D did not report: 40 / 2 = 20
    assert row(st, "A", "proj")["county_avg"] == pytest.approx(20.0)
    assert row(st, "A", "proj")["gap_to_avg"] == pytest.approx(-10.0)
    assert row(st, "B", "proj")["gap_to_avg"] == pytest.approx(10.0)
    assert math.isnan(row(st, "Z", "proj")["gap_to_avg"])  # counties only


def test_county_avg_ratio_is_city_rolled_up_ratio():
    inds = indicators(
        indicator("va_mu", kind="ytd_ratio", formula="ratio", num=["va"], den="land", scale=1e4)
    )
    o = obs(
        ("A", P, "va", 3.0),
        ("A", P, "land", 1000.0),  # 30
        ("B", P, "va", 1.0),
        ("B", P, "land", 3000.0),  # 3.33
    )
    st = status(derive(o, inds, REG), tgts(), inds)
    # city: (3+1)/(1000+3000) × 1e4 = 10 (the mean of ratios would be 16.67)
    a = row(st, "A", "va_mu")
    assert a["county_avg"] == pytest.approx(10.0)
    assert a["gap_to_avg"] == pytest.approx(20.0)  # 30 - 10
    assert row(st, "C", "va_mu")["actual"] == pytest.approx(10.0)


def test_ratio_only_and_partial_flags_pass_through():
    inds = indicators(
        indicator("va_mu", kind="ytd_ratio", formula="ratio", num=["va"], den="land", rate="r", scale=1e4)
    )
    o = obs(("A", P, "va", 3.0), ("A", P, "land", 1000.0), ("B", P, "r", 50.0))
    st = status(derive(o, inds, REG), tgts(("va_mu", "C", 2024, 230.0)), inds)
    assert row(st, "B", "va_mu")["ratio_only"] and not row(st, "A", "va_mu")["ratio_only"]
    c = row(st, "C", "va_mu")
    assert c["partial"] and c["not_rolled_up"] == "B" and c["actual"] == pytest.approx(30.0)
    # a city figure from some counties only is shown, but not judged
    assert c["light"] == "none" and c["target_note"] == "部分区县未汇总，暂不评价"


def test_partial_city_total_is_not_judged_unless_already_met():
    o = obs(("A", P, "proj", 100.0), ("B", P, "proj", 80.0))  # D has not reported
    st = status(derive(o, FLOW, REG), tgts(("proj", "C", 2024, 1500.0)), FLOW)
    c = row(st, "C", "proj")
    # 180 of 1500 at June would be red (12% vs 50%), but two of three counties are no city
    assert c["partial"] and c["actual"] == 180.0 and c["light"] == "none"
    assert c["light_reason"] == "unjudged"          # the reason travels with the light
    # with the target already met by the counties that reported, 已完成 is true whatever D adds
    st = status(derive(o, FLOW, REG), tgts(("proj", "C", 2024, 150.0)), FLOW)
    assert row(st, "C", "proj")["light"] == "done"
    # once every county has reported, the city is judged: 180+20 = 200 of 1500 -> red
    o = obs(("A", P, "proj", 100.0), ("B", P, "proj", 80.0), ("D", P, "proj", 20.0))
    st = status(derive(o, FLOW, REG), tgts(("proj", "C", 2024, 1500.0)), FLOW)
    assert row(st, "C", "proj")["light"] == "red" and row(st, "C", "proj")["light_reason"] == ""


def test_empty_inputs_give_empty_or_grey_tables():
    assert len(status(vals(), tgts(), FLOW)) == 0
    st = status(vals(), tgts(("proj", "C", 2024, 5.0)), FLOW)
    assert st["region"].tolist() == ["C"] and st["light"].tolist() == ["none"]
