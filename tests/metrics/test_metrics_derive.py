import math

import pandas as pd
import pytest
from metrics_builders import indicator, indicators, obs, region_rows

from metrics.derive import DERIVED_COLUMNS, derive, formula_terms

P = "2024-06"

IND = indicators(
    indicator("proj", num=["p"]),
    indicator("both", formula="sum", num=["p", "q"]),
    indicator("net", formula="difference", num=["p", "q"]),
    # 亿元 / 亩 -> 万元/亩: 1 亿元 = 10000 万元, so scale 10000
    indicator(
        "va_mu",
        kind="ytd_ratio",
        formula="ratio",
        num=["va"],
        den="land",
        rate="va_mu_rate",
        scale=10000.0,
        unit="万元/亩",
    ),
    indicator("fund", num=["fund"], scope="city", unit="亿元"),
    # a measure in 万元 shown in 亿元: scale 1/10000
    indicator("small", num=["s"], scale=0.0001, unit="亿元"),
)
REG = region_rows()


def row(df: pd.DataFrame, region: str, ind: str, period: str = P) -> pd.Series:
    hit = df[(df["region"] == region) & (df["indicator"] == ind) & (df["period"] == period)]
    assert len(hit) == 1, f"expected one row for {region}/{ind}/{period}, got {len(hit)}"
    return hit.iloc[0]


def has_row(df, region, ind, period=P) -> bool:
    return bool(((df["region"] == region) & (df["indicator"] == ind) & (df["period"] == period)).any())


def test_output_columns():
    out = derive(obs(("A", P, "p", 1.0)), IND, REG)
    assert list(out.columns) == DERIVED_COLUMNS


def test_formula_terms_signs():
    t = formula_terms(IND)
    net = t[t["indicator"] == "net"].set_index("measure")["sign"]
    assert net.to_dict() == {"p": 1.0, "q": -1.0}
    both = t[t["indicator"] == "both"].set_index("measure")["sign"]
    assert both.to_dict() == {"p": 1.0, "q": 1.0}
    va = t[t["indicator"] == "va_mu"].set_index("measure")["role"].to_dict()
    assert va == {"va": "num", "land": "den", "va_mu_rate": "rate"}


def test_measure_sum_difference():
    out = derive(obs(("A", P, "p", 10.0), ("A", P, "q", 4.0)), IND, REG)
    assert row(out, "A", "proj")["value"] == 10.0
    assert row(out, "A", "both")["value"] == 14.0  # 10 + 4
    assert row(out, "A", "net")["value"] == 6.0  # 10 - 4


def test_sum_and_difference_need_every_term():
    out = derive(obs(("A", P, "p", 10.0)), IND, REG)
    assert math.isnan(row(out, "A", "both")["value"])
    assert math.isnan(row(out, "A", "net")["value"])
    assert row(out, "A", "proj")["value"] == 10.0


def test_measure_scale_applies():
    # 25000 万元 × 0.0001 = 2.5 亿元
    out = derive(obs(("A", P, "s", 25000.0)), IND, REG)
    assert row(out, "A", "small")["value"] == pytest.approx(2.5)


def test_ratio_unit_scale_yi_yuan_per_mu_to_wan_yuan_per_mu():
    # 2 亿元 / 1000 亩 = 0.002 亿元/亩 = 20 万元/亩
    out = derive(obs(("A", P, "va", 2.0), ("A", P, "land", 1000.0)), IND, REG)
    r = row(out, "A", "va_mu")
    assert r["value"] == pytest.approx(20.0)
    assert r["numerator"] == 2.0 and r["denominator"] == 1000.0  # raw parts, measure units
    assert not r["ratio_only"]


def test_ratio_zero_or_missing_denominator_is_nan():
    out = derive(obs(("A", P, "va", 2.0), ("A", P, "land", 0.0), ("B", P, "va", 2.0)), IND, REG)
    assert math.isnan(row(out, "A", "va_mu")["value"])
    assert math.isnan(row(out, "B", "va_mu")["value"])


def test_city_ratio_is_sum_over_sum_not_mean_of_ratios():
    out = derive(
        obs(
            ("A", P, "va", 3.0),
            ("A", P, "land", 1000.0),  # 3/1000 × 1e4 = 30
            ("B", P, "va", 1.0),
            ("B", P, "land", 3000.0),  # 1/3000 × 1e4 = 3.333
            ("D", P, "va", 2.0),
            ("D", P, "land", 1000.0),  # 2/1000 × 1e4 = 20
        ),
        IND,
        REG,
    )
    city = row(out, "C", "va_mu")
    # Σ/Σ: (3+1+2) / (1000+3000+1000) × 1e4 = 6/5000 × 1e4 = 12
    assert city["value"] == pytest.approx(12.0)
    # the mean of county ratios would be (30 + 3.333 + 20) / 3 = 17.78 — must not be used
    assert city["value"] != pytest.approx((30 + 10 / 3 + 20) / 3)
    assert city["numerator"] == 6.0 and city["denominator"] == 5000.0
    assert city["reporting"] == 3 and city["expected_reporting"] == 3
    assert not city["partial"]
    assert city["not_rolled_up"] == ""


def test_ratio_only_county_shown_but_not_rolled_up():
    out = derive(
        obs(
            ("A", P, "va", 3.0),
            ("A", P, "land", 1000.0),  # 30
            ("B", P, "va_mu_rate", 50.0),  # only the ratio
            ("D", P, "va", 1.0),
            ("D", P, "land", 1000.0),  # 10
        ),
        IND,
        REG,
    )
    b = row(out, "B", "va_mu")
    assert b["value"] == 50.0 and b["ratio_only"]
    assert math.isnan(b["numerator"]) and math.isnan(b["denominator"])
    city = row(out, "C", "va_mu")
    # A and D only: (3+1)/(1000+1000) × 1e4 = 20 (B's 50 would pull it up if included)
    assert city["value"] == pytest.approx(20.0)
    assert city["not_rolled_up"] == "B"
    assert city["reporting"] == 2 and city["expected_reporting"] == 3 and city["partial"]


def test_ratio_only_when_parts_incomplete_and_parts_win_when_complete():
    out = derive(
        obs(
            ("A", P, "land", 1000.0),
            ("A", P, "va_mu_rate", 40.0),  # numerator missing -> rate
            ("B", P, "va", 1.0),
            ("B", P, "land", 1000.0),
            ("B", P, "va_mu_rate", 99.0),  # parts: 10
            ("D", P, "va_mu_rate", 7.0),
        ),
        IND,
        REG,
    )
    assert row(out, "A", "va_mu")["value"] == 40.0 and row(out, "A", "va_mu")["ratio_only"]
    assert row(out, "B", "va_mu")["value"] == pytest.approx(10.0)
    assert not row(out, "B", "va_mu")["ratio_only"]
    # listed in the regions' order
    assert row(out, "C", "va_mu")["not_rolled_up"] == "A,D"


def test_zone_gets_own_row_but_is_never_summed():
    out = derive(
        obs(("A", P, "p", 10.0), ("B", P, "p", 20.0), ("D", P, "p", 5.0), ("Z", P, "p", 1000.0)),
        IND,
        REG,
    )
    assert row(out, "Z", "proj")["value"] == 1000.0
    city = row(out, "C", "proj")
    assert city["value"] == 35.0  # 10 + 20 + 5; the zone's 1000 overlaps the counties
    assert city["reporting"] == 3 and not city["partial"]


def test_city_own_report_of_county_measure_ignored_in_rollup():
    out = derive(obs(("A", P, "p", 10.0), ("B", P, "p", 20.0), ("C", P, "p", 999.0)), IND, REG)
    city = row(out, "C", "proj")
    assert city["value"] == 30.0  # 10 + 20, not 999
    assert city["reporting"] == 2 and city["expected_reporting"] == 3 and city["partial"]


def test_rollup_of_sum_and_difference_uses_complete_counties():
    out = derive(
        obs(
            ("A", P, "p", 10.0),
            ("A", P, "q", 4.0),  # both 14, net 6
            ("B", P, "p", 8.0),
            ("B", P, "q", 1.0),  # both 9, net 7
            ("D", P, "p", 5.0),  # incomplete: no q
        ),
        IND,
        REG,
    )
    assert row(out, "C", "both")["value"] == 23.0  # 14 + 9
    assert row(out, "C", "net")["value"] == 13.0  # 6 + 7
    assert row(out, "C", "both")["reporting"] == 2 and row(out, "C", "both")["partial"]
    assert row(out, "C", "proj")["value"] == 23.0  # 10 + 8 + 5


def test_city_scope_uses_city_report_only():
    out = derive(obs(("C", P, "fund", 1.5), ("A", P, "fund", 2.0)), IND, REG)
    city = row(out, "C", "fund")
    assert city["value"] == 1.5
    assert city["reporting"] == 1 and city["expected_reporting"] == 1 and not city["partial"]
    assert not has_row(out, "A", "fund")


def test_non_summable_county_not_rolled_up():
    reg = region_rows()
    reg.loc[reg["code"] == "D", "summable"] = False
    out = derive(obs(("A", P, "p", 10.0), ("D", P, "p", 5.0)), IND, reg)
    city = row(out, "C", "proj")
    assert city["value"] == 10.0
    assert city["expected_reporting"] == 2  # A and B only


def test_periods_kept_apart_and_missing_values_ignored():
    out = derive(obs(("A", "2024-05", "p", 8.0), ("A", P, "p", 10.0), ("B", P, "p", float("nan"))), IND, REG)
    assert row(out, "C", "proj", "2024-05")["value"] == 8.0
    assert row(out, "C", "proj")["value"] == 10.0
    assert not has_row(out, "B", "proj")


def test_duplicate_observations_rejected():
    with pytest.raises(ValueError, match="多条"):
        derive(obs(("A", P, "p", 1.0), ("A", P, "p", 2.0)), IND, REG)
