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
from metrics.positions import Lookup, positions, take, text

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

def _prepare_targets(targets: pd.DataFrame) -> pd.DataFrame:
    t = targets
    if "binding" in t.columns:  # tolerate the full select_binding output
        t = t[t["binding"].astype(bool)]
    note = t["note"].fillna("").astype(str) if "note" in t.columns else ""
    comparator = t["comparator"] if "comparator" in t.columns else ""
    t = t[["indicator", "region", "year", "value", "source"]].assign(comparator=comparator, note=note)
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


def _take(a: np.ndarray, idx: np.ndarray, fill: object = np.nan) -> np.ndarray:
    """``a[idx]`` with ``fill`` where idx is -1."""
    if not len(a):
        return np.full(len(idx), fill, dtype=object if isinstance(fill, str) or fill is None else "float64")
    out = a[np.maximum(idx, 0)]
    if out.dtype == object or isinstance(fill, str):
        out = out.astype(object)
    else:
        out = out.astype("float64")
    out[idx < 0] = fill
    return out


def _targets_lookup(tg: pd.DataFrame, t_r: np.ndarray, t_i: np.ndarray, deadline_ind: np.ndarray,
                    years: set[int], n_reg: int, n_ind: int) -> Lookup:
    """Each (year, region, indicator)'s applicable target row, for ``years``: annual kinds take the
    target for that year; deadline kinds (cumulative, milestone) the target of the latest year >= it
    — the plan's deadline (e.g. 2026)."""
    t_year = tg["year"].to_numpy(dtype="int64")
    rows = np.arange(len(tg))
    deadline = deadline_ind[t_i]
    annual = ~deadline & np.isin(t_year, list(years))
    a_key = (t_year[annual] * n_reg + t_r[annual]) * n_ind + t_i[annual]
    a_sorted = np.sort(a_key)
    dup = a_sorted[1:][a_sorted[1:] == a_sorted[:-1]]
    if len(dup):
        first = tg.iloc[rows[annual][np.isin(a_key, dup)][0]]
        raise ValueError(
            f"{first['indicator']} / {first['region']} / {first['year']} 有多个约束性目标；"
            "请先用 select_binding 选定一个"
        )
    keys, found = [a_key], [rows[annual]]
    d_rows = rows[deadline]
    # per (region, indicator): the latest year, and of equal years the last row
    d_rows = d_rows[np.lexsort((d_rows, t_year[d_rows], t_i[d_rows], t_r[d_rows]))]
    for y in sorted(years):
        cand = d_rows[t_year[d_rows] >= y]
        ri = t_r[cand].astype("int64") * n_ind + t_i[cand]
        last = np.append(ri[1:] != ri[:-1], True) if len(ri) else np.zeros(0, dtype=bool)
        keys.append(y * n_reg * n_ind + ri[last])
        found.append(cand[last])
    return Lookup(np.concatenate(keys).astype("int64"), np.concatenate(found).astype("int64"))


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

    The period is one more key of every lookup, so the cost grows with the number of rows, not
    with a Python loop over months.  The rows of each period are exactly ``compute_status(...,
    period)`` (same rows, order and values); periods come out ascending, each block in region ×
    indicator order.  Repeated periods count once.
    """
    b_idx = period_index(baseline)
    pis = np.asarray(sorted({period_index(p) for p in periods}), dtype="int64")
    if not len(pis):
        return pd.DataFrame(columns=STATUS_COLUMNS)
    n_per = len(pis)

    # Every row is addressed by integer positions (region in ``regions``, indicator in
    # ``indicators``, month index) folded into one int64 key: lookups by binary search instead of
    # pandas joins, whose fixed cost dominated at small sizes.
    n_reg, n_ind = len(regions), len(indicators)
    codes = pd.Index(regions["code"])
    ind_codes = pd.Index(indicators["code"])
    level = regions["level"].to_numpy(dtype=object)
    reg_city = level == "city"
    judged = np.isin(level, ["city", "county", "zone"])
    # the city a region belongs to: itself for the city, else its parent (as given)
    city_raw = pd.Series(np.where(reg_city, regions["code"].to_numpy(dtype=object),
                                  regions["parent"].to_numpy(dtype=object)), dtype=object)
    city_group, _ = pd.factorize(city_raw)          # -1 where there is none
    city_pos = codes.get_indexer(city_raw)           # the city's own position (-1 if unknown)
    kind_ind = indicators["kind"].to_numpy(dtype=object)
    scope_county = (indicators["scope"].to_numpy(dtype=object) == "county")

    def key(pi: np.ndarray, r: np.ndarray, i: np.ndarray) -> np.ndarray:
        return (pi.astype("int64") * n_reg + r) * n_ind + i

    # --- values by (month, region, indicator) -----------------------------------------------
    values = _with_derive_defaults(values)
    v_r = positions(values["region"], codes)
    v_i = positions(values["indicator"], ind_codes)
    v_pi = _period_indexes(values["period"])
    sources = np.concatenate([pis, pis - 1, pis - 12, (pis // 12 - 1) * 12 + 11, [b_idx]])
    read = (v_r >= 0) & (v_i >= 0) & np.isin(v_pi, sources)
    v_rows = np.flatnonzero(read)
    find_value = Lookup(key(v_pi[read], v_r[read], v_i[read]), v_rows)
    if find_value.has_duplicates():
        raise ValueError("同一地区、报告期、指标有多个值；请先去重后再计算")
    v_value = values["value"].to_numpy(dtype="float64", na_value=np.nan)

    # --- targets: own, else the city's for ratio kinds ----------------------------------------
    tg = _prepare_targets(targets)
    t_r = positions(tg["region"], codes)
    t_i = positions(tg["indicator"], ind_codes)
    known = (t_r >= 0) & (t_i >= 0)
    tg, t_r, t_i = tg[known], t_r[known], t_i[known]
    years = {int(p) // 12 for p in pis}
    find_target = _targets_lookup(tg, t_r, t_i, np.isin(kind_ind, DEADLINE_KINDS),
                                  years | {y - 1 for y in years}, n_reg, n_ind)

    # --- the rows: a value at the period, or an own target for its year -----------------------
    now = read & np.isin(v_pi, pis)
    cand_pi = [v_pi[now]]
    cand_r, cand_i = [v_r[now]], [v_i[now]]
    for pi in pis:
        hit = find_target.rows[find_target.keys // (n_reg * n_ind) == pi // 12]
        cand_pi.append(np.full(len(hit), pi))
        cand_r.append(t_r[hit])
        cand_i.append(t_i[hit])
    c_pi, c_r, c_i = (np.concatenate(a).astype("int64") for a in (cand_pi, cand_r, cand_i))
    allowed = judged[c_r] & (scope_county[c_i] | reg_city[c_r])
    per_pos = np.searchsorted(pis, c_pi[allowed])
    # sorted: period, then region order, then indicator order
    rk = np.unique((per_pos * n_reg + c_r[allowed]) * n_ind + c_i[allowed])
    i = rk % n_ind
    r = (rk // n_ind) % n_reg
    per = rk // (n_ind * n_reg)
    p_idx = pis[per]
    year = p_idx // 12
    month = p_idx % 12 + 1

    kind = kind_ind[i]
    not_city = ~reg_city[r]
    ratio_kind = np.isin(kind, RATIO_KINDS)

    t_val = tg["value"].to_numpy(dtype="float64")
    t_year = tg["year"].to_numpy(dtype="int64").astype("float64")
    t_comp = tg["comparator"].to_numpy(dtype=object)
    t_src = tg["source"].to_numpy(dtype=object)
    t_note = tg["note"].to_numpy(dtype=object)
    own = find_target(key(year, r, i))
    own_prev = find_target(key(year - 1, r, i))
    c = city_pos[r]
    city_t = np.where(c >= 0, find_target(key(year, np.maximum(c, 0), i)), -1)
    city_prev = np.where(c >= 0, find_target(key(year - 1, np.maximum(c, 0), i)), -1)

    target = _take(t_val, own)
    has_own = ~np.isnan(target)
    use_city = not_city & ~has_own & ratio_kind & ~np.isnan(_take(t_val, city_t))
    src = np.where(use_city, city_t, own)
    target = _take(t_val, src)
    tyear = _take(t_year, src)
    comparator = _take(t_comp, src, None)
    target_source = _take(t_src, src, None)
    target_note = _take(t_note, own, "")
    target_note[use_city] = NOTE_CITY_TARGET
    target_note[not_city & ~has_own & np.isin(kind, ADDITIVE_KINDS)] = NOTE_NOT_DECOMPOSED
    ly_target = _take(t_val, own_prev)
    ly_target = np.where(np.isnan(ly_target) & not_city & ratio_kind, _take(t_val, city_prev), ly_target)

    # --- arithmetic (per row: each row carries its period's year, month and index) ------------
    cur = find_value(key(p_idx, r, i))
    actual = _take(v_value, cur)
    ly = _take(v_value, find_value(key(p_idx - 12, r, i)))
    ly_dec = _take(v_value, find_value(key((p_idx // 12 - 1) * 12 + 11, r, i)))
    prev = _take(v_value, find_value(key(p_idx - 1, r, i)))
    base_v = _take(v_value, find_value(key(np.full(len(r), b_idx), r, i)))
    base = np.nan_to_num(base_v, nan=0.0)  # nothing counted before the baseline
    sign = np.where(indicators["direction"].to_numpy(dtype=object)[i] == "down", -1.0, 1.0)
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
        # a milestone (争创, 0/1) is achieved or not: a percentage of it would say nothing
        completion = np.where(is_ms, np.nan, actual / np.where(target != 0, target, np.nan))
        time_progress = expected / np.where(target != 0, target, np.nan)
        gap = actual - expected
        gap_pp = sign * gap / abs_target * 100.0

    # light
    # the target's last month: year end for annual targets, the deadline for multi-year ones
    at_deadline = (month == 12) & (tyear == year)
    met = np.where(sign > 0, actual >= target, at_deadline & (actual <= target))
    missing = np.isnan(actual) | np.isnan(target)
    green_min = indicators["green_min_pp"].to_numpy(dtype="float64", na_value=np.nan)[i]
    yellow_min = indicators["yellow_min_pp"].to_numpy(dtype="float64", na_value=np.nan)[i]
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
    has_value = cur >= 0
    partial = np.zeros(len(r), dtype=bool)
    partial[has_value] = values["partial"].take(cur[has_value]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    unjudged = partial & ~(met & np.isin(kind, ADDITIVE_KINDS)) & (light != "none")
    light = np.where(unjudged, "none", light)
    target_note[unjudged] = NOTE_PARTIAL
    # a grey light carries its reason (shown as 暂不评价 / 未分解 / 无数据, see jxtrack.domain.lights)
    untargeted = ~np.isnan(actual) & np.isnan(target) & (target_note == NOTE_NOT_DECOMPOSED)
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

    rank, rank_of, county_avg, gap_to_avg = _rank_and_average(
        level[r] == "county", reg_city[r], city_group[r], i, per, kind, actual, completion, sign, n_ind, n_per)

    def flag(col: str, fill: object) -> np.ndarray:
        out = np.full(len(r), fill, dtype=object)
        out[has_value] = values[col].take(cur[has_value]).to_numpy(dtype=object)
        return out

    ratio_only = pd.Series(flag("ratio_only", False)).fillna(False).astype(bool).to_numpy()
    not_rolled = pd.Series(flag("not_rolled_up", "")).fillna("").astype(str)
    reporting = pd.Series(flag("reporting", pd.NA)).astype("Float64").astype("Int64")
    expected_reporting = pd.Series(flag("expected_reporting", pd.NA)).astype("Float64").astype("Int64")
    words = {
        "comparator": pd.Series(comparator, dtype=object).fillna("").astype(str),
        "target_source": pd.Series(target_source, dtype=object).fillna("").astype(str),
    }
    out = pd.DataFrame({
        "region": take(regions["code"], r),
        "indicator": take(indicators["code"], i),
        "period": text([period_from_index(int(x)) for x in pis], per),
        "level": take(regions["level"], r),
        "kind": take(indicators["kind"], i),
        "direction": take(indicators["direction"], i),
        "unit": take(indicators["unit"], i),
        "actual": actual,
        "target": target,
        "target_year": _int_array(tyear),
        "comparator": words["comparator"],
        "target_source": words["target_source"],
        "target_note": pd.Series(target_note, dtype=object).astype(str),
        "completion": completion,
        "time_progress": time_progress,
        "expected": expected,
        "gap": gap,
        "gap_pp": gap_pp,
        "light": light,
        "light_reason": light_reason,
        "forecast": forecast,
        "forecast_method": method,
        "will_meet": will_meet,
        "required_pace": pace,
        "remaining_months": _int_array(remaining),
        "yoy": yoy,
        "yoy_diff": yoy_diff,
        "mom": mom,
        "rank": rank,
        "rank_of": rank_of,
        "county_avg": county_avg,
        "gap_to_avg": gap_to_avg,
        "ratio_only": ratio_only,
        "partial": pd.Series(flag("partial", False)).fillna(False).astype(bool).to_numpy(),
        "reporting": reporting,
        "expected_reporting": expected_reporting,
        "not_rolled_up": not_rolled,
    })
    return out[STATUS_COLUMNS]


def _rank_and_average(is_cty: np.ndarray, is_city: np.ndarray, city: np.ndarray, i: np.ndarray,
                      per: np.ndarray, kind: np.ndarray, actual: np.ndarray, completion: np.ndarray,
                      sign: np.ndarray, n_ind: int, n_per: int) -> tuple:
    """Rank among counties, the county average and the gap to it (per city, indicator and period):
    (rank, rank_of, county_avg, gap_to_avg).  ``city`` is each row's city as a group number (-1:
    none)."""
    n = len(i)
    grouped = city >= 0
    groups, inverse = np.unique(((city.astype("int64") * n_ind + i) * n_per + per)[grouped], return_inverse=True)
    n_groups = len(groups)
    gid = np.full(n, -1, dtype="int64")
    gid[grouped] = inverse
    cty = np.flatnonzero(is_cty & grouped)
    cg = gid[cty]
    # rank by completion when every county with a figure has a target, else by actual
    comparable = np.isnan(actual[cty]) | ~np.isnan(completion[cty])
    by_completion = np.bincount(cg, weights=~comparable, minlength=n_groups) == 0
    key = np.where(by_completion[cg], completion[cty], actual[cty]) * sign[cty]
    has_key = ~np.isnan(key)
    rank_of = np.full(n, np.nan)
    rank_of[cty] = np.bincount(cg[has_key], minlength=n_groups)[cg]
    kk, kg = key[has_key], cg[has_key]
    order = np.lexsort((-kk, kg))            # each group, largest first
    sk, sg = kk[order], kg[order]
    pos = np.arange(len(sk))
    group_start = np.ones(len(sk), dtype=bool)
    group_start[1:] = sg[1:] != sg[:-1]
    value_start = group_start.copy()
    value_start[1:] |= sk[1:] != sk[:-1]
    ranks = np.empty(len(sk))
    # ties share the smallest rank (method 'min')
    ranks[order] = (np.maximum.accumulate(np.where(value_start, pos, 0))
                    - np.maximum.accumulate(np.where(group_start, pos, 0)) + 1)
    rank = np.full(n, np.nan)
    rank[cty[has_key]] = ranks

    # county_avg: additive -> city total / counties with a figure; ratio -> the city's own ratio
    city_row_of = np.full(n_groups, -1, dtype="int64")
    cities = np.flatnonzero(is_city & grouped)
    city_row_of[gid[cities]] = cities
    city_row = np.where(gid >= 0, city_row_of[np.maximum(gid, 0)], -1)
    city_actual = np.where(city_row >= 0, actual[np.maximum(city_row, 0)], np.nan)
    n_with_g = np.bincount(cg, weights=~np.isnan(actual[cty]), minlength=n_groups)
    n_with = np.where(gid >= 0, n_with_g[np.maximum(gid, 0)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        avg = np.select(
            [np.isin(kind, ADDITIVE_KINDS), np.isin(kind, RATIO_KINDS)],
            [city_actual / np.where(n_with > 0, n_with, np.nan), city_actual],
            np.nan,
        )
    gap_to_avg = np.where(is_cty, actual - avg, np.nan)
    return _int_array(rank), _int_array(rank_of), avg, gap_to_avg


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
