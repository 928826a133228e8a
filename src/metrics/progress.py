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

from metrics.periods import (
    BASELINE,
    Period,
    last_december,
    parse_period,
    period_index,
    previous_month,
    same_month_last_year,
)

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


def _targets_for_year(targets: pd.DataFrame, kinds: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each (region, indicator)'s target that applies in ``year``.

    Annual kinds take the target for ``year``; deadline kinds (cumulative, milestone) the target of
    the latest year >= ``year`` — the plan's deadline (e.g. 2026).
    """
    t = targets.merge(kinds, on="indicator")
    deadline = t["kind"].isin(DEADLINE_KINDS)
    annual = t[~deadline & (t["year"] == year)]
    dl = t[deadline & (t["year"] >= year)].sort_values("year", kind="stable")
    dl = dl.drop_duplicates(_RK, keep="last")
    out = pd.concat([annual, dl], ignore_index=True)
    dup = out.duplicated(_RK, keep=False)
    if dup.any():
        first = out[dup].iloc[0]
        raise ValueError(
            f"{first['indicator']} / {first['region']} / {first['year']} 有多个约束性目标；"
            "请先用 select_binding 选定一个"
        )
    return out.rename(
        columns={
            "value": "target",
            "year": "target_year",
            "source": "target_source",
            "note": "target_note",
        }
    )[_RK + ["target", "target_year", "comparator", "target_source", "target_note"]]


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
    year, month = parse_period(period)
    p_idx = period_index(period)
    baseline = str(Period.parse(baseline))
    b_idx = period_index(baseline)

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

    # --- the values this period's status reads ------------------------------------------------
    roles = pd.DataFrame(
        {
            "period": [
                period,
                previous_month(period),
                same_month_last_year(period),
                last_december(period),
                baseline,
            ],
            "role": _VALUE_ROLES,
        }
    )
    v = values.loc[values["period"].isin(roles["period"]), ["region", "period", "indicator", "value"]]
    v = v.merge(roles, on="period")
    wide = (
        v.pivot(index=_RK, columns="role", values="value")
        .reindex(columns=_VALUE_ROLES)
        .astype("float64")
        .reset_index()
    )
    values = _with_derive_defaults(values)
    cur = values.loc[
        values["period"] == period,
        _RK + ["ratio_only", "partial", "reporting", "expected_reporting", "not_rolled_up"],
    ]

    # --- targets: own, else the city's for ratio kinds ----------------------------------------
    tg = _prepare_targets(targets)
    tg = tg[tg["year"] >= year - 1]  # older targets never apply (level paths look back one year)
    kinds = ind[["indicator", "kind"]]
    own = _targets_for_year(tg, kinds, year)
    own_prev = _targets_for_year(tg, kinds, year - 1)[_RK + ["target"]].rename(
        columns={"target": "ly_target"}
    )

    keys = pd.concat([cur[_RK], own[_RK]]).drop_duplicates()
    rows = grid.merge(keys, on=_RK)
    rows = rows.merge(wide, on=_RK, how="left").merge(cur, on=_RK, how="left")
    rows = rows.merge(own, on=_RK, how="left").merge(own_prev, on=_RK, how="left")
    city_t = (
        own.rename(columns={"region": "city"})
        .add_prefix("c_")
        .rename(columns={"c_city": "city", "c_indicator": "indicator"})
    )
    city_prev = own_prev.rename(columns={"region": "city", "ly_target": "c_ly_target"})
    rows = rows.merge(city_t, on=["city", "indicator"], how="left")
    rows = rows.merge(city_prev, on=["city", "indicator"], how="left")

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

    # --- arithmetic ---------------------------------------------------------------------------
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
    m_elapsed = float(p_idx - b_idx)  # months from baseline to period
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
    if month == 1:  # a YTD flow restarts in January: Jan − Dec means nothing
        mom = np.where(is_flow, np.nan, mom)

    out = rows.assign(
        period=period,
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
    out = out.sort_values(["_r", "_i"], kind="stable").reset_index(drop=True)
    return out[STATUS_COLUMNS]


def _add_rank_and_average(out: pd.DataFrame) -> pd.DataFrame:
    """Rank among counties, the county average and the gap to it (per city and indicator)."""
    grp = ["city", "indicator"]
    is_cty = out["level"] == "county"
    cty = out[is_cty]
    # rank by completion when every county with a figure has a target, else by actual
    comparable = cty["actual"].isna() | cty["completion"].notna()
    by_completion = comparable.groupby([cty["city"], cty["indicator"]]).transform("all")
    key = cty["completion"].where(by_completion, cty["actual"]) * cty["_sign"]
    keys = [cty["city"], cty["indicator"]]
    rank = key.groupby(keys).rank(method="min", ascending=False)
    rank_of = key.groupby(keys).transform("count")
    out["rank"] = _int_array(rank.reindex(out.index).to_numpy(dtype="float64", na_value=np.nan))
    out["rank_of"] = _int_array(rank_of.reindex(out.index).to_numpy(dtype="float64", na_value=np.nan))

    # county_avg: additive -> city total / counties with a figure; ratio -> the city's own ratio
    city_val = out.loc[out["level"] == "city", ["region", "indicator", "actual"]].rename(
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
