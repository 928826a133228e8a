"""Progress against targets: 完成率, 序时进度 / expected path, lights, forecasts and context.

``compute_status`` turns derived indicator values (see ``metrics.derive``) and binding targets
into one row per (region, indicator) for a period.  Every rule is a vectorised column operation;
thresholds (green_min_pp, yellow_min_pp) come from the catalog, never from code.

Kinds (the closed set from the catalog) and how they are judged:

- annual_flow: YTD flow against an annual target; expected = target × N/12 (时间过半、任务过半).
- ytd_ratio: a ratio whose numerator is a YTD flow (亩均增加值…); judged like a flow.
- level: a ratio of stocks (覆盖率); expected follows a straight path from last December.
- cumulative: counted since the plan baseline; straight path from the baseline to the deadline.
- milestone: 0/1 (争创); done when achieved, red once the deadline has passed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.periods import BASELINE, Period, period_from_index, period_index

FLOW_KINDS = ("annual_flow", "ytd_ratio")  # compared with 序时进度 N/12
RATIO_KINDS = ("ytd_ratio", "level")  # a county without its own target uses the city's
ADDITIVE_KINDS = ("annual_flow", "cumulative")  # summed over counties; no fallback target
DEADLINE_KINDS = ("cumulative", "milestone")  # the target is the one for the deadline year

NOTE_CITY_TARGET = "参照全市目标"
NOTE_NOT_DECOMPOSED = "目标未分解"
NOTE_PARTIAL = "部分区县未汇总，暂不评价"

LIGHTS = ("red", "yellow", "green", "done", "none")
# group_light: the worst member shows; 'none' (no data / no target) counts only if all are none
LIGHT_SEVERITY = {"red": 4, "yellow": 3, "green": 2, "done": 1, "none": 0}

STATUS_COLUMNS = [
    "region",
    "indicator",
    "period",
    "level",
    "kind",
    "direction",
    "unit",
    "actual",
    "target",
    "target_year",
    "comparator",
    "target_source",
    "target_note",
    "completion",
    "time_progress",
    "expected",
    "gap",
    "gap_pp",
    "light",
    "light_reason",
    "forecast",
    "forecast_method",
    "will_meet",
    "required_pace",
    "remaining_months",
    "yoy",
    "yoy_diff",
    "mom",
    "rank",
    "rank_of",
    "county_avg",
    "gap_to_avg",
    "ratio_only",
    "partial",
    "reporting",
    "expected_reporting",
    "not_rolled_up",
]

_RK = ["region", "indicator"]
_VALUE_ROLES = ["actual", "prev", "ly", "ly_dec", "base"]


def _targets_for_years(targets: pd.DataFrame, kinds: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Each (region, indicator)'s target that applies in each of ``years`` (column ``year``).

    Annual kinds take the target for that year; deadline kinds (cumulative, milestone) the target
    of the latest year >= it — the plan's deadline (e.g. 2026).
    """
    t = targets.merge(kinds, on="indicator")
    deadline = t["kind"].isin(DEADLINE_KINDS).to_numpy()
    wanted = pd.DataFrame({"for_year": np.asarray(sorted(set(years)), dtype="int64")})
    annual = t[~deadline].merge(wanted, left_on="year", right_on="for_year")
    dl = t[deadline].merge(wanted, how="cross")
    dl = dl[dl["year"] >= dl["for_year"]].sort_values("year", kind="stable")
    dl = dl.drop_duplicates(_RK + ["for_year"], keep="last")
    out = pd.concat([annual, dl], ignore_index=True)
    dup = out.duplicated(_RK + ["for_year"], keep=False)
    if dup.any():
        first = out[dup].iloc[0]
        raise ValueError(
            f"{first['indicator']} / {first['region']} / {first['year']} 有多个约束性目标；"
            "请先用 select_binding 选定一个"
        )
    out = out.rename(
        columns={
            "value": "target",
            "year": "target_year",
            "source": "target_source",
            "note": "target_note",
        }
    )
    return out.rename(columns={"for_year": "year"})[
        _RK + ["year", "target", "target_year", "comparator", "target_source", "target_note"]
    ]


def _prepare_targets(targets: pd.DataFrame) -> pd.DataFrame:
    t = targets
    if "binding" in t.columns:  # tolerate the full select_binding output
        t = t[t["binding"].astype(bool)]
    t = t.copy()
    if "note" not in t.columns:
        t["note"] = ""
    t["note"] = t["note"].fillna("").astype(str)
    if "comparator" not in t.columns:
        t["comparator"] = ""
    t = t[["indicator", "region", "year", "value", "comparator", "source", "note"]]
    return t.astype({"year": "int64", "value": "float64"})


_DERIVE_DEFAULTS = {
    "ratio_only": False,
    "partial": False,
    "reporting": pd.NA,
    "expected_reporting": pd.NA,
    "not_rolled_up": "",
}


def _with_derive_defaults(values: pd.DataFrame) -> pd.DataFrame:
    """Accept a bare (region, period, indicator, value) frame: fill derive's flag columns."""
    missing = {c: v for c, v in _DERIVE_DEFAULTS.items() if c not in values.columns}
    return values.assign(**missing) if missing else values


def _period_indexes(periods: pd.Series) -> np.ndarray:
    """``period_index`` of each value's period (-1 where it is not a valid 'YYYY-MM': never read)."""
    codes, uniques = pd.factorize(periods)
    idx = []
    for p in uniques:
        try:
            idx.append(period_index(p))
        except ValueError:
            idx.append(-1)
    return np.append(np.asarray(idx, dtype="int64"), -1)[codes]  # code -1 (missing) -> -1


def _int_array(a: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers with NaN as <NA> (ranks, years, month counts)."""
    return pd.array(np.asarray(a, dtype="float64"), dtype="Float64").astype("Int64")


def _num(df: pd.DataFrame, col: str) -> np.ndarray:
    return df[col].to_numpy(dtype="float64", na_value=np.nan)


def compute_status(
    values: pd.DataFrame,
    targets: pd.DataFrame,
    indicators: pd.DataFrame,
    regions: pd.DataFrame,
    period: str,
    baseline: str | Period = BASELINE,
) -> pd.DataFrame:
    """Status table for ``period``: one row per (region, indicator), columns STATUS_COLUMNS.

    Region and indicator keys may be text or integer codes, consistently across the inputs (the
    service layer passes integer codes for speed); the output keeps them as given.

    ``values`` is ``derive``'s output (any number of periods; only ``needed_periods`` are read);
    ``targets`` the binding targets (indicator, region, year, value, comparator, source[, note]).
    A row exists where the region has a value row at ``period`` or its own applicable target, for
    regions city/county/zone (county-scope indicators) or the city (city-scope indicators).
    """
    return compute_status_periods(values, targets, indicators, regions, [period], baseline=baseline)


def compute_status_periods(
    values: pd.DataFrame,
    targets: pd.DataFrame,
    indicators: pd.DataFrame,
    regions: pd.DataFrame,
    periods: list[str],
    baseline: str | Period = BASELINE,
) -> pd.DataFrame:
    """``compute_status`` for many periods in one pass (a month series for charts and trends).

    The period is one more key of every join, so the cost grows with the number of rows, not with
    a Python loop over months.  The rows of each period are exactly ``compute_status(..., period)``
    (same rows, order and values); periods come out ascending, each block in region × indicator
    order.  Repeated periods count once.
    """
    b_idx = period_index(baseline)
    p_idx_list = sorted({period_index(p) for p in periods})
    if not p_idx_list:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    per = pd.DataFrame({"_pi": np.asarray(p_idx_list, dtype="int64")})
    per["period"] = [period_from_index(i) for i in p_idx_list]
    per["year"] = per["_pi"] // 12
    per["month"] = per["_pi"] % 12 + 1

    # --- regions × indicators allowed by scope ------------------------------------------------
    reg = regions.loc[regions["level"].isin(["city", "county", "zone"]), ["code", "level", "parent"]]
    reg = reg.rename(columns={"code": "region"})
    reg["city"] = reg["region"].where(reg["level"] == "city", reg["parent"])
    reg["_r"] = np.arange(len(reg))
    ind = indicators.rename(columns={"code": "indicator"})[
        ["indicator", "kind", "direction", "green_min_pp", "yellow_min_pp", "scope", "unit"]
    ].copy()
    ind["_i"] = np.arange(len(ind))
    grid = reg.merge(ind, how="cross")
    grid = grid[(grid["scope"] == "county") | (grid["level"] == "city")]

    # --- the values each period's status reads (one row per period and role) -------------------
    # periods travel as integer month indexes (_pi): joins on them are far cheaper than on text
    values = _with_derive_defaults(values)
    v_pi = _period_indexes(values["period"])
    pi = per["_pi"].to_numpy()
    role_idx = {
        "actual": pi,
        "prev": pi - 1,
        "ly": pi - 12,
        "ly_dec": (pi // 12 - 1) * 12 + 11,
        "base": np.full(len(pi), b_idx),
    }
    roles = pd.concat(
        [pd.DataFrame({"_pi": pi, "role": role, "_src": idx}) for role, idx in role_idx.items()],
        ignore_index=True,
    )
    read = np.isin(v_pi, roles["_src"].to_numpy())
    v = values.loc[read, _RK + ["value"]].assign(_src=v_pi[read])
    v = v.merge(roles, on="_src")
    wide = (
        v.pivot(index=_RK + ["_pi"], columns="role", values="value")
        .reindex(columns=_VALUE_ROLES)
        .astype("float64")
        .reset_index()
    )
    wide.columns.name = None
    now = np.isin(v_pi, pi)
    cur = values.loc[
        now, _RK + ["ratio_only", "partial", "reporting", "expected_reporting", "not_rolled_up"]
    ].assign(_pi=v_pi[now])

    # --- targets: own, else the city's for ratio kinds ----------------------------------------
    years = per["year"].tolist()
    tg = _prepare_targets(targets)
    tg = tg[tg["year"] >= min(years, default=0) - 1]  # older targets never apply
    kinds = ind[["indicator", "kind"]]
    own = _targets_for_years(tg, kinds, years)
    own_prev = _targets_for_years(tg, kinds, [y - 1 for y in years])[_RK + ["year", "target"]]
    own_prev = own_prev.assign(year=own_prev["year"] + 1).rename(columns={"target": "ly_target"})

    own_keys = own[_RK + ["year"]].merge(per[["year", "_pi"]], on="year")[_RK + ["_pi"]]
    keys = pd.concat([cur[_RK + ["_pi"]], own_keys]).drop_duplicates()
    rows = grid.merge(keys, on=_RK).merge(per, on="_pi")
    _PK = _RK + ["_pi"]
    rows = rows.merge(wide, on=_PK, how="left").merge(cur, on=_PK, how="left")
    rows = rows.merge(own, on=_RK + ["year"], how="left").merge(own_prev, on=_RK + ["year"], how="left")
    city_t = (
        own.rename(columns={"region": "city"})
        .add_prefix("c_")
        .rename(columns={"c_city": "city", "c_indicator": "indicator", "c_year": "year"})
    )
    city_prev = own_prev.rename(columns={"region": "city", "ly_target": "c_ly_target"})
    rows = rows.merge(city_t, on=["city", "indicator", "year"], how="left")
    rows = rows.merge(city_prev, on=["city", "indicator", "year"], how="left")

    kind = rows["kind"].to_numpy()
    not_city = (rows["level"] != "city").to_numpy()
    has_own = rows["target"].notna().to_numpy()
    ratio_kind = np.isin(kind, RATIO_KINDS)
    use_city = not_city & ~has_own & ratio_kind & rows["c_target"].notna().to_numpy()
    for col in ["target", "target_year", "comparator", "target_source"]:
        rows[col] = rows[col].where(~use_city, rows["c_" + col])
    rows["target_note"] = rows["target_note"].fillna("").astype(str)
    rows.loc[use_city, "target_note"] = NOTE_CITY_TARGET
    rows.loc[not_city & ~has_own & np.isin(kind, ADDITIVE_KINDS), "target_note"] = NOTE_NOT_DECOMPOSED
    rows["ly_target"] = rows["ly_target"].where(
        rows["ly_target"].notna() | ~(not_city & ratio_kind), rows["c_ly_target"]
    )

    # --- arithmetic (per row: each row carries its period's year, month and index) ------------
    year = rows["year"].to_numpy(dtype="int64")
    month = rows["month"].to_numpy(dtype="int64")
    p_idx = rows["_pi"].to_numpy(dtype="int64")
    actual = _num(rows, "actual")
    target = _num(rows, "target")
    tyear = _num(rows, "target_year")
    ly = _num(rows, "ly")
    ly_dec = _num(rows, "ly_dec")
    prev = _num(rows, "prev")
    base = np.nan_to_num(_num(rows, "base"), nan=0.0)  # nothing counted before the baseline
    ly_target = _num(rows, "ly_target")
    sign = np.where(rows["direction"].to_numpy() == "down", -1.0, 1.0)
    abs_target = np.where(target != 0, np.abs(target), np.nan)

    is_flow = np.isin(kind, FLOW_KINDS)
    is_level = kind == "level"
    is_cum = kind == "cumulative"
    is_ms = kind == "milestone"
    is_deadline = is_cum | is_ms
    frac = month / 12.0

    deadline_idx = tyear * 12 + 11  # December of the target's year
    m_elapsed = (p_idx - b_idx).astype("float64")  # months from baseline to period
    m_total = deadline_idx - b_idx  # months from baseline to deadline December
    with np.errstate(divide="ignore", invalid="ignore"):
        cum_frac = np.where(m_total > 0, m_elapsed / m_total, np.nan)

    # level path start: last December's actual, else last year's target, else the target itself
    start_expected = np.where(~np.isnan(ly_dec), ly_dec, np.where(~np.isnan(ly_target), ly_target, target))
    expected = np.select(
        [is_flow, is_level, is_cum],
        [target * frac, start_expected + (target - start_expected) * frac, base + (target - base) * cum_frac],
        np.nan,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        completion = actual / np.where(target != 0, target, np.nan)
        time_progress = expected / np.where(target != 0, target, np.nan)
        gap = actual - expected
        gap_pp = sign * gap / abs_target * 100.0

    # light
    # the target's last month: year end for annual targets, the deadline for multi-year ones
    at_deadline = (month == 12) & (tyear == year)
    met = np.where(sign > 0, actual >= target, at_deadline & (actual <= target))
    missing = np.isnan(actual) | np.isnan(target)
    green_min = _num(rows, "green_min_pp")
    yellow_min = _num(rows, "yellow_min_pp")
    light = np.select(
        [missing, met, np.isnan(gap_pp), gap_pp >= green_min, gap_pp >= yellow_min],
        ["none", "done", "none", "green", "yellow"],
        "red",
    )
    ms_light = np.select([missing, actual >= 1, p_idx < deadline_idx], ["none", "done", "yellow"], "red")
    light = np.where(is_ms, ms_light, light)
    # A city total built from only some counties (late reports, ratio-only counties) is shown but
    # not judged: it would look further behind than the city is.  An additive total that already
    # meets the target stays 已完成 — the missing counties can only add to it.
    partial = rows["partial"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    unjudged = partial & ~(met & np.isin(kind, ADDITIVE_KINDS)) & (light != "none")
    light = np.where(unjudged, "none", light)
    rows.loc[unjudged, "target_note"] = NOTE_PARTIAL
    # a grey light carries its reason (shown as 暂不评价 / 未分解 / 无数据, see jxtrack.lights)
    untargeted = ~np.isnan(actual) & np.isnan(target) & (rows["target_note"] == NOTE_NOT_DECOMPOSED).to_numpy()
    light_reason = np.select(
        [light != "none", unjudged, untargeted, np.isnan(actual)],
        ["", "unjudged", "untargeted", "no_data"],
        "no_target",
    )

    # forecast to year end (to the deadline for cumulative)
    seasonal_ok = is_flow & (ly > 0) & ~np.isnan(ly_dec)
    start_trend = np.where(~np.isnan(ly_dec), ly_dec, np.where(~np.isnan(ly_target), ly_target, actual))
    with np.errstate(divide="ignore", invalid="ignore"):
        seasonal = actual * ly_dec / np.where(ly > 0, ly, np.nan)
        cum_forecast = np.where(m_elapsed > 0, base + (actual - base) * (m_total / m_elapsed), np.nan)
    forecast = np.select(
        [seasonal_ok, is_flow, is_level, is_cum],
        [seasonal, actual * 12.0 / month, start_trend + (actual - start_trend) * 12.0 / month, cum_forecast],
        np.nan,
    )
    method = np.select(
        [seasonal_ok, is_flow, is_level, is_cum], ["seasonal", "run_rate", "trend", "run_rate"], ""
    )
    method = np.where(np.isnan(forecast), "", method)
    meets = np.where(sign > 0, forecast >= target, forecast <= target)
    will_meet = pd.array(meets, dtype="boolean")
    will_meet[np.isnan(forecast) | np.isnan(target)] = pd.NA

    # required pace per remaining month
    remaining = np.where(is_deadline, deadline_idx - p_idx, 12.0 - month)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = (target - actual) / np.where(remaining > 0, remaining, np.nan)
    pace = np.where(met & ~missing, 0.0, pace)
    pace = np.where(is_ms, np.nan, pace)

    # context: 同比, 环比
    with np.errstate(divide="ignore", invalid="ignore"):
        yoy = (actual - ly) / np.where(ly != 0, np.abs(ly), np.nan)
    yoy_diff = actual - ly
    mom = actual - prev
    # a YTD flow restarts in January: Jan − Dec means nothing
    mom = np.where(is_flow & (month == 1), np.nan, mom)

    out = rows.assign(
        actual=actual,
        target=target,
        target_year=_int_array(tyear),
        completion=completion,
        time_progress=time_progress,
        expected=expected,
        gap=gap,
        gap_pp=gap_pp,
        light=light,
        light_reason=light_reason,
        forecast=forecast,
        forecast_method=method,
        will_meet=will_meet,
        required_pace=pace,
        remaining_months=_int_array(remaining),
        yoy=yoy,
        yoy_diff=yoy_diff,
        mom=mom,
        _sign=sign,
    )
    out = _add_rank_and_average(out)
    out["ratio_only"] = out["ratio_only"].fillna(False).astype(bool)
    out["partial"] = out["partial"].fillna(False).astype(bool)
    out["reporting"] = out["reporting"].astype("Int64")
    out["expected_reporting"] = out["expected_reporting"].astype("Int64")
    out["not_rolled_up"] = out["not_rolled_up"].fillna("").astype(str)
    for col in ["comparator", "target_source"]:
        out[col] = out[col].fillna("").astype(str)
    out = out.sort_values(["_pi", "_r", "_i"], kind="stable").reset_index(drop=True)
    return out[STATUS_COLUMNS]


def _add_rank_and_average(out: pd.DataFrame) -> pd.DataFrame:
    """Rank among counties, the county average and the gap to it (per city, indicator and period)."""
    grp = ["city", "indicator", "_pi"]
    is_cty = out["level"] == "county"
    cty = out[is_cty]
    # rank by completion when every county with a figure has a target, else by actual
    comparable = cty["actual"].isna() | cty["completion"].notna()
    keys = [cty[c] for c in grp]
    by_completion = comparable.groupby(keys).transform("all")
    key = cty["completion"].where(by_completion, cty["actual"]) * cty["_sign"]
    rank = key.groupby(keys).rank(method="min", ascending=False)
    rank_of = key.groupby(keys).transform("count")
    out["rank"] = _int_array(rank.reindex(out.index).to_numpy(dtype="float64", na_value=np.nan))
    out["rank_of"] = _int_array(rank_of.reindex(out.index).to_numpy(dtype="float64", na_value=np.nan))

    # county_avg: additive -> city total / counties with a figure; ratio -> the city's own ratio
    city_val = out.loc[out["level"] == "city", ["region", "indicator", "_pi", "actual"]].rename(
        columns={"region": "city", "actual": "city_actual"}
    )
    n = cty[cty["actual"].notna()].groupby(grp).size().rename("n_with_value").reset_index()
    ctx = out[grp + ["kind"]].merge(city_val, on=grp, how="left").merge(n, on=grp, how="left")
    city_actual = ctx["city_actual"].to_numpy(dtype="float64", na_value=np.nan)
    n_with = ctx["n_with_value"].to_numpy(dtype="float64", na_value=np.nan)
    kind = ctx["kind"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = np.select(
            [np.isin(kind, ADDITIVE_KINDS), np.isin(kind, RATIO_KINDS)],
            [city_actual / np.where(n_with > 0, n_with, np.nan), city_actual],
            np.nan,
        )
    out["county_avg"] = avg
    out["gap_to_avg"] = np.where(is_cty, out["actual"].to_numpy(dtype="float64") - avg, np.nan)
    return out


def group_light(status: pd.DataFrame, by: list[str] | str) -> pd.DataFrame:
    """Overall light per group: the worst member wins (red > yellow > green > done).

    Members with light 'none' (no data or no target) are ignored unless every member is none,
    so one unreported indicator does not grey out a group that otherwise shows red.  Returns the
    ``by`` columns, ``light`` and a count per light (n_red, n_yellow, n_green, n_done, n_none).
    """
    by = [by] if isinstance(by, str) else list(by)
    unknown = set(status["light"].dropna().unique()) - set(LIGHT_SEVERITY)
    if unknown:
        raise ValueError(f"未知的灯色：{sorted(unknown)}")
    sev = status["light"].fillna("none").map(LIGHT_SEVERITY)
    worst = sev.groupby([status[c] for c in by]).max()
    back = {v: k for k, v in LIGHT_SEVERITY.items()}
    out = worst.map(back).rename("light").to_frame()
    counts = (
        pd.crosstab([status[c] for c in by], status["light"].fillna("none"))
        .reindex(columns=list(LIGHTS), fill_value=0)
        .add_prefix("n_")
    )
    out = out.join(counts).reset_index()
    out.columns.name = None
    return out
