"""Deterministic synthetic figures (示例数据) for demos, tests and benchmarks.

Monthly year-to-date figures from the baseline (2023-12) to the demo's last month, internally
consistent: YTD never falls within a year, ratios come from their parts, flows follow a seasonal
shape, and counties perform differently so that every light colour occurs.  Everything is built
with numpy from a fixed seed — no Python loop over observation rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jxtrack.catalog.model import Catalog, city_code
from metrics.periods import december_of, period_month, period_year, periods_between

DEMO_END = "2026-10"
DEMO_SOURCE = "DEMO-FJB"
DEMO_SOURCE_TITLE = "嘉兴市“两化”改造及两业融合目标任务分解表（示例数据）"
# share of the year's flow done by the end of each month (Jan..Dec); sums to 100
SEASON = np.array([6, 6, 8, 8, 8, 9, 8, 8, 9, 11, 9, 10], dtype=float) / 100.0
# how a county performs against its share of a target: red, yellow, green, done
PERF_LEVELS = np.array([0.80, 0.97, 1.08, 1.28])
PERF_WEIGHTS = np.array([0.2, 0.3, 0.35, 0.15])

# city-level scale of the stock and flow measures that targets don't fix directly
CITY_BASE = {
    "industrial_firms": 7880.0,
    "energy_firms": 1200.0,
    "industrial_land": 160000.0,   # 亩
    "industrial_employees": 1.12e6,  # 人
    "total_loans": 16000.0,        # 亿元
}




def synthetic_regions(catalog: Catalog, n: int) -> pd.DataFrame:
    """The city plus ``n`` synthetic counties (for benchmarks at scale)."""
    city = catalog.regions[catalog.regions["level"] == "city"]
    counties = pd.DataFrame({
        "code": [f"S{i:04d}" for i in range(1, n + 1)],
        "name": [f"示例区县{i:04d}" for i in range(1, n + 1)],
        "short_name": [f"示例{i:04d}" for i in range(1, n + 1)],
        "level": "county",
        "parent": city["code"].iloc[0],
        "summable": True,
        "sort": range(1, n + 1),
    })
    return pd.concat([city, counties], ignore_index=True)


def build(catalog: Catalog, regions: pd.DataFrame | None = None, end: str = DEMO_END,
          years: int = 3, seed: int = 20240215) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (observations, county_targets).

    observations: region, period, measure, value, note — from the baseline December before the
    first year up to ``end``.  county_targets: a 任务分解表 for the additive indicators."""
    rng = np.random.default_rng(seed)
    regions = catalog.regions if regions is None else regions
    city = city_code(regions)
    counties = regions[(regions["level"] == "county") & regions["summable"]]["code"].tolist()
    nc = len(counties)
    end_year = period_year(end)
    first_year = end_year - years + 1
    periods = periods_between(december_of(first_year - 1), end)
    years_arr = np.array([period_year(p) for p in periods])
    months = np.array([period_month(p) for p in periods])
    # 1-2月 reported together in the last year: no January figure
    keep_period = ~((years_arr == end_year) & (months == 1))

    # county weights (size) summing to 1 and per-year performance draws
    weights = rng.gamma(4.0, 1.0, nc)
    weights = weights / weights.sum()
    year_list = list(range(first_year - 1, end_year + 1))

    targets = catalog.targets
    city_targets = targets[targets["region"] == catalog.city_code]

    def tgt(ind: str, year: int) -> float:
        t = city_targets[(city_targets["indicator"] == ind) & (city_targets["year"] == year)]
        if len(t):
            return float(t.sort_values("source")["value"].iloc[0])
        t = city_targets[city_targets["indicator"] == ind]
        return float(t["value"].iloc[-1]) if len(t) else np.nan

    def perf(shape) -> np.ndarray:
        return rng.choice(PERF_LEVELS, size=shape, p=PERF_WEIGHTS) * rng.normal(1, 0.02, shape)

    season_cum = np.cumsum(SEASON)
    frames: list[pd.DataFrame] = []

    def emit(measure: str, matrix: np.ndarray, region_codes: list[str], decimals: int) -> None:
        # matrix: regions x periods
        m = np.round(matrix[:, keep_period], decimals)
        ps = np.array(periods)[keep_period]
        frames.append(pd.DataFrame({
            "region": np.repeat(region_codes, len(ps)),
            "period": np.tile(ps, len(region_codes)),
            "measure": measure,
            "value": m.ravel(),
        }))

    ym_index = {y: (years_arr == y) for y in year_list}

    def flow(annual_city: dict[int, float], decimals: int, noise=True) -> np.ndarray:
        """YTD flow per county: county share × year perf × seasonal cumulative share."""
        out = np.zeros((nc, len(periods)))
        for y in year_list:
            sel = ym_index[y]
            p = perf(nc) if noise else np.ones(nc)
            annual = annual_city[y] * weights * p
            out[:, sel] = annual[:, None] * season_cum[months[sel] - 1][None, :]
        if decimals == 0:
            # unbiased integer rounding: E[floor(x + U)] = x; one offset per county keeps YTD monotone
            out = np.floor(out + rng.random((nc, 1)))
        return out

    counts = {
        "digital_projects": ("digital_projects", 0),
        "green_projects": ("green_projects", 0),
        "key_tech_projects": ("key_tech_projects", 0),
        "tech_investment": ("tech_investment", 2),
        "energy_saved": ("energy_saved", 2),
        "design_marketing_firms": ("design_marketing_firms", 0),
        "customization_firms": ("customization_firms", 0),
        "shared_mfg_firms": ("shared_mfg_firms", 0),
        "lifecycle_firms": ("lifecycle_firms", 0),
        "finance_firms": ("finance_firms", 0),
        "iip_platforms": ("iip_platforms", 0),
        "supply_chain_platforms": ("supply_chain_platforms", 0),
        "integration_suppliers": ("integration_suppliers", 0),
        "eco_service_orgs": ("eco_service_orgs", 0),
        "testing_orgs": ("testing_orgs", 0),
    }
    for measure, (ind, dec) in counts.items():
        base = {y: tgt(ind, max(y, first_year)) * (0.92 if y < first_year else 1.0) for y in year_list}
        m = flow(base, dec)
        emit(measure, _ytd_fix(m, years_arr), counties, dec)

    # 规上工业增加值 grows ~6% a year to about 4000 亿元 in the last year; 税收 ~16% of it
    va_annual = {y: 4000.0 * 1.06 ** (y - end_year) for y in year_list}
    va = flow(va_annual, 2)
    emit("industrial_va", va, counties, 2)
    tax = va * 0.16 * rng.normal(1, 0.04, (nc, 1))
    emit("industrial_tax", tax, counties, 2)
    svc = flow({y: 4600.0 * 1.05 ** (y - end_year) for y in year_list}, 2)
    emit("services_va", svc, counties, 2)
    share = np.clip(rng.normal(0.55, 0.05, (nc, 1)), 0.3, 0.8)
    emit("producer_services_va", svc * share, counties, 2)

    # stocks grow slowly and linearly through the whole span
    t = np.arange(len(periods)) / max(len(periods) - 1, 1)
    for measure, total in CITY_BASE.items():
        if measure == "total_loans":
            continue
        level = total * weights[:, None] * rng.normal(1, 0.08, (nc, 1)) * (0.97 + 0.03 * t[None, :])
        emit(measure, np.round(level), counties, 0)
        if measure == "industrial_firms":
            firms = np.round(level)
        if measure == "energy_firms":
            efirms = np.round(level)

    # coverage rates: straight path per county from a start level to a performance-scaled target
    def coverage(ind: str) -> np.ndarray:
        start = tgt(ind, first_year) * rng.uniform(0.75, 0.9, (nc, 1)) / 100
        finish = tgt(ind, end_year) * perf((nc, 1)) / 100
        return np.clip(start + (finish - start) * t[None, :] * (len(periods) - 1) / (len(periods) + 1), 0, 0.97)

    emit("digital2_firms", np.floor(firms * coverage("digital2_coverage")), counties, 0)
    emit("energy_firms_green", np.floor(efirms * coverage("green_factory_coverage")), counties, 0)

    # cumulative since the baseline: from 0 at the baseline December towards a share of the target
    months_since = np.arange(len(periods))
    total_months = (end_year - first_year + 1) * 12
    for measure, ind in (
        ("future_factories_cum", "future_factories"), ("sme_segments_cum", "sme_segments"),
        ("emerging_benchmarks_cum", "emerging_benchmarks"), ("green_factories_cum", "green_factories"),
        ("service_design_cum", "service_design"), ("lyrh_pilots_cum", "lyrh_pilots"),
        ("service_mfg_firms_cum", "service_mfg_firms"), ("design_centers_cum", "design_centers"),
    ):
        final = tgt(ind, end_year) * weights[:, None] * perf((nc, 1))
        m = np.floor(final * months_since[None, :] / total_months + rng.random((nc, 1)) * 0.999)
        m[:, 0] = 0
        emit(measure, np.maximum.accumulate(m, axis=1), counties, 0)

    # city-only figures
    fund = np.minimum(1.2, 1.3 * season_cum[months - 1])[None, :]
    emit("city_fund", fund, [city], 2)
    loans = CITY_BASE["total_loans"] * (0.95 + 0.1 * t[None, :])
    emit("total_loans", loans, [city], 1)
    emit("green_loans", loans * (0.14 + 0.03 * t[None, :]), [city], 1)
    emit("smart_mfg_zone", np.zeros((1, len(periods))), [city], 0)
    emit("sme_digital_city", ((years_arr >= end_year - 1) & ((years_arr > end_year - 1) | (months >= 6)))
         .astype(float)[None, :], [city], 0)

    obs = pd.concat(frames, ignore_index=True)
    obs["note"] = None
    obs = _add_notes(obs, catalog, end, counties)

    county_targets = _decompose(catalog, counties, weights, first_year, end_year)
    return obs, county_targets


def _ytd_fix(m: np.ndarray, years_arr: np.ndarray) -> np.ndarray:
    """Make YTD figures non-decreasing within each year (rounding can otherwise dip)."""
    out = m.copy()
    for y in np.unique(years_arr):
        sel = years_arr == y
        out[:, sel] = np.maximum.accumulate(out[:, sel], axis=1)
    return out


def _add_notes(obs: pd.DataFrame, catalog: Catalog, end: str, counties: list[str]) -> pd.DataFrame:
    """A few 偏差说明 (deviation explanations) in the last month, as counties write them."""
    notes = [
        "受订单下滑影响，部分项目推迟至四季度实施",
        "2个重点项目设备到货延迟，预计12月完成",
        "新增项目正在走审批流程",
        "统计口径调整，已与市统计局核对",
    ]
    last = obs["period"] == end
    cand = obs[last & obs["region"].isin(counties[:7]) & obs["measure"].isin(
        ["digital_projects", "green_projects", "tech_investment", "energy_saved", "industrial_va"])]
    pick = cand.index[:: max(len(cand) // 6, 1)][:6]
    obs.loc[pick, "note"] = [notes[i % len(notes)] for i in range(len(pick))]
    return obs


def _decompose(catalog: Catalog, counties: list[str], weights: np.ndarray, first_year: int,
               end_year: int) -> pd.DataFrame:
    """示例任务分解表: county shares of the city's additive targets.

    Annual flows are split by county weight (one decimal); counted targets (个/家) are split into
    whole numbers that add up to the city figure (largest remainder).  Counts too small to give
    every county at least two (the 每年培育 figures of 5–10) stay 目标未分解, as they do in practice."""
    ind = catalog.indicators.set_index("code")
    additive = ind[ind["kind"].isin(["annual_flow", "cumulative"]) & (ind["scope"] == "county")].index
    t = catalog.targets
    city_t = t[(t["region"] == catalog.city_code) & t["indicator"].isin(additive)]
    city_t = city_t.sort_values("source").drop_duplicates(["indicator", "year"])
    city_t = city_t[city_t["year"].between(first_year, end_year)]
    rows = []
    n = len(counties)
    for r in city_t.itertuples():
        counted = ind.loc[r.indicator, "unit"] in ("个", "家")
        if counted and r.value < 2 * n:
            continue
        if counted:
            raw = r.value * weights
            shares = np.floor(raw)
            short = int(round(r.value - shares.sum()))
            shares[np.argsort(-(raw - shares))[:short]] += 1
        else:
            shares = np.round(r.value * weights, 1)
        for code, v in zip(counties, shares, strict=True):
            rows.append((r.indicator, code, r.year, float(v), r.comparator, DEMO_SOURCE,
                         "示例任务分解表（示例数据）", "示例数据"))
    return pd.DataFrame(rows, columns=["indicator", "region", "year", "value", "comparator", "source",
                                       "clause", "note"])
