"""Measures -> indicators, and roll-up of county figures to the city.

Counties report base figures (measures); most target indicators are formulas over them (see the
catalog's ``formula`` column: measure, sum, difference, ratio).  City figures for county-scope
indicators are rebuilt from the counties' *parts* — ratios as Σnumerators / Σdenominators, never
the mean of county ratios — because that is the only way the city ratio means what it says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.positions import positions, take, text

DERIVED_COLUMNS = [
    "region",
    "period",
    "indicator",
    "value",
    "numerator",
    "denominator",
    "ratio_only",
    "reporting",
    "expected_reporting",
    "partial",
    "not_rolled_up",
]

_KEY = ["region", "period", "indicator"]


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


def _blank(v: object) -> bool:
    """True where a catalog text cell is empty ('' or missing)."""
    return _missing(v) or str(v).strip() == ""


def formula_terms(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per (indicator, measure, role) with the term's sign.

    role is 'num' (numerator terms; a difference 'a-b' gives a sign +1 and b sign -1), 'den'
    (the ratio's denominator) or 'rate' (the measure a county may send instead of the parts).
    Numerator terms come first (indicator order, term order), then denominators, then rates.
    """
    # a plain loop: the catalog has tens of indicators, where a dozen pandas steps cost far more
    num, den, rate = [], [], []
    for code, formula, nums, d, r in zip(indicators["code"], indicators["formula"],
                                         indicators["numerator_measures"], indicators["denominator"],
                                         indicators["reported_rate"], strict=True):
        for pos, m in enumerate(nums):
            if not _missing(m):
                # only a difference subtracts, and only its terms after the first
                num.append((code, m, "num", -1.0 if formula == "difference" and pos > 0 else 1.0))
        if not _blank(d):
            den.append((code, d, "den", 1.0))
        if not _blank(r):
            rate.append((code, r, "rate", 1.0))
    rows = num + den + rate
    return pd.DataFrame({
        "indicator": pd.Series([t[0] for t in rows], dtype=indicators["code"].dtype),
        "measure": pd.Series([str(t[1]) for t in rows], dtype="str"),
        "role": pd.Series([t[2] for t in rows], dtype="str"),
        "sign": np.array([t[3] for t in rows], dtype="float64"),
    })


def _group_sum(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    """Σ ``values`` (never NaN) per group id in 0..n-1 (NaN for a group without rows), adding in row
    order with pandas' compensated summation, exactly as a groupby sum."""
    out = np.full(n, np.nan)
    if not len(values):
        return out
    counts = np.bincount(groups, minlength=n)
    if counts.max() <= 2:
        # one or two terms: the plain sum is exactly the compensated one, and far cheaper
        return np.where(counts > 0, np.bincount(groups, weights=values, minlength=n), np.nan)
    s = pd.Series(values).groupby(groups, sort=True).sum()
    out[s.index.to_numpy()] = s.to_numpy()
    return out


def _factorize_sorted(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes into the sorted distinct values of a text column (categoricals by their categories)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.asarray(s.cat.categories.astype("str"), dtype=object)
        used = np.unique(s.cat.codes.to_numpy())
        used = used[used >= 0]
        labels = np.sort(cats[used])
        rank = np.full(len(cats) + 1, -1, dtype="int64")
        rank[used] = np.searchsorted(labels, cats[used])
        return rank[s.cat.codes.to_numpy()], labels
    codes, labels = pd.factorize(s.astype("str"), sort=True)
    return codes, np.asarray(labels, dtype=object)


_ROLES = {"num": 0, "den": 1, "rate": 2}


def derive(obs: pd.DataFrame, indicators: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Indicator values per (region, period, indicator) from reported measures.

    ``obs``: region, period, measure, value (canonical measure units, one row per key; missing
    values are treated as not reported).  Regions not in ``regions`` are ignored.  Counties and
    zones get their own rows for county-scope indicators; the city gets a row rolled up from its
    summable counties (zones overlap counties and are never summed); city-scope indicators use the
    city's own report only.  See DERIVED_COLUMNS for the output; ``numerator``/``denominator`` are
    raw measure-unit parts (denominator only for ratios), ``reporting``/``expected_reporting``
    count counties for city rows (1 per region otherwise).
    """
    o = obs[["region", "period", "measure", "value"]].dropna(subset=["value"])
    dup = o.duplicated(["region", "period", "measure"], keep=False)
    if dup.any():
        first = o[dup].iloc[0]
        raise ValueError(
            f"同一地区、报告期、指标项有多条数据（共 {int(dup.sum())} 条），例如 "
            f"{first['region']} {first['period']} {first['measure']}；请先去重后再计算"
        )
    # Everything below works on integer positions (region in ``regions``, indicator in
    # ``indicators``, period among the sorted periods, measure among the formulas' measures) with
    # numpy: the key of a row is one int64, so grouping and ordering need no pandas joins, whose
    # fixed cost dominated at small sizes.  The output keeps the caller's key values and types.
    terms = formula_terms(indicators)
    meas_index = pd.Index(pd.unique(terms["measure"]))
    t_meas = meas_index.get_indexer(terms["measure"])
    t_ind = pd.Index(indicators["code"]).get_indexer(terms["indicator"])
    t_role = terms["role"].map(_ROLES).to_numpy(dtype="int64")
    t_sign = terms["sign"].to_numpy(dtype="float64")

    r_obs = positions(o["region"], pd.Index(regions["code"]))
    m_obs = positions(o["measure"], meas_index)
    keep = (r_obs >= 0) & (m_obs >= 0)
    p_codes, p_labels = _factorize_sorted(o["period"])
    r_obs, m_obs, p_obs = r_obs[keep], m_obs[keep], p_codes[keep]
    v_obs = o["value"].to_numpy(dtype="float64", na_value=np.nan)[keep]

    # each figure once per formula term that uses its measure (figure order, then term order)
    by_measure = np.argsort(t_meas, kind="stable")
    n_terms_of = np.bincount(t_meas, minlength=len(meas_index))
    first_term = np.concatenate([[0], np.cumsum(n_terms_of)[:-1]])
    reps = n_terms_of[m_obs]
    row = np.repeat(np.arange(len(m_obs)), reps)
    within = np.arange(len(row)) - np.repeat(np.cumsum(reps) - reps, reps)
    term = by_measure[first_term[m_obs[row]] + within]
    r, p, i, v = r_obs[row], p_obs[row], t_ind[term], v_obs[row]
    role, sign = t_role[term], t_sign[term]

    level = regions["level"].to_numpy(dtype=object)
    reg_is_city = level == "city"
    scope = indicators["scope"].to_numpy(dtype=object)
    # county-scope indicators: counties and zones compute their own; the city's value is rolled up
    # (a figure the city sends for a county-scope measure is ignored here, checked elsewhere).
    # city-scope indicators: only the city's own report counts.
    is_city = reg_is_city[r]
    ok = ((scope[i] == "county") & ~is_city) | ((scope[i] == "city") & is_city)
    r, p, i, v, role, sign = r[ok], p[ok], i[ok], v[ok], role[ok], sign[ok]

    n_ind, n_per = len(indicators), max(len(p_labels), 1)
    keys, inv = np.unique((r.astype("int64") * n_per + p) * n_ind + i, return_inverse=True)
    n = len(keys)
    is_num, is_den, is_rate = role == 0, role == 1, role == 2
    numerator = _group_sum(v[is_num] * sign[is_num], inv[is_num], n)
    n_present = np.bincount(inv[is_num], minlength=n)
    denominator = np.full(n, np.nan)
    denominator[inv[is_den]] = v[is_den]
    rate = np.full(n, np.nan)
    rate[inv[is_rate]] = v[is_rate]
    k_i = keys % n_ind
    k_p = (keys // n_ind) % n_per
    k_r = keys // (n_ind * n_per)

    formula = indicators["formula"].to_numpy(dtype=object)
    ind_ratio = formula == "ratio"
    ind_scale = indicators["scale"].to_numpy(dtype="float64")
    n_terms = np.array([len(x) for x in indicators["numerator_measures"]], dtype="int64")

    is_ratio = ind_ratio[k_i]
    scale = ind_scale[k_i]
    numerator = np.where(n_present == n_terms[k_i], numerator, np.nan)  # a sum/difference needs every term
    denominator = np.where(is_ratio, denominator, np.nan)
    value = _value(numerator, denominator, scale, is_ratio)
    # a region that sent only the ratio: show it, but it cannot be rolled up
    ratio_only = is_ratio & np.isnan(value) & ~np.isnan(rate)
    value = np.where(ratio_only, rate, value)
    numerator = np.where(ratio_only, np.nan, numerator)
    denominator = np.where(ratio_only, np.nan, denominator)
    reporting = (~np.isnan(value)).astype("int64")

    # the city: rows for county-scope indicators, summed from the summable counties' parts
    parent = pd.Index(regions["code"]).get_indexer(regions["parent"])
    summable = regions["summable"].astype(bool).to_numpy() & (level == "county") & (parent >= 0)
    summable &= reg_is_city[np.where(parent >= 0, parent, 0)]
    expected = np.bincount(parent[summable], minlength=len(regions))
    c = np.flatnonzero(summable[k_r])   # own rows of those counties, in (region, period, indicator) order
    c_key = (parent[k_r[c]].astype("int64") * n_per + k_p[c]) * n_ind + k_i[c]
    c_keys, c_inv = np.unique(c_key, return_inverse=True)
    m = len(c_keys)
    contributes = ~np.isnan(numerator[c]) & (~is_ratio[c] | ~np.isnan(denominator[c]))
    cc, ci = c[contributes], c_inv[contributes]
    # Σnumerators / Σdenominators over counties that gave both parts — never a mean of ratios
    c_num = _group_sum(numerator[cc], ci, m)
    c_den = _group_sum(np.nan_to_num(denominator[cc]), ci, m)
    c_reporting = np.bincount(ci, minlength=m)
    c_i = c_keys % n_ind
    c_r = c_keys // (n_ind * n_per)
    c_ratio = ind_ratio[c_i]
    c_den = np.where(c_ratio, c_den, np.nan)
    c_value = _value(c_num, c_den, ind_scale[c_i], c_ratio)
    c_expected = expected[c_r]
    # counties that sent only the ratio, named in the regions' order
    codes = regions["code"].to_numpy(dtype=object)
    not_rolled = np.full(m, "", dtype=object)
    for g in np.unique(c_inv[ratio_only[c]]):
        members = np.sort(k_r[c[(c_inv == g) & ratio_only[c]]])
        not_rolled[g] = ",".join(str(codes[x]) for x in members)

    all_keys = np.concatenate([keys, c_keys])
    order = np.argsort(all_keys, kind="stable")   # region order, then period, then indicator
    all_keys = all_keys[order]
    false_m = np.zeros(m, dtype=bool)
    rolled = np.flatnonzero(not_rolled != "")
    rolled_label = np.zeros(n + m, dtype="int64")
    rolled_label[n + rolled] = np.arange(1, len(rolled) + 1)
    out = pd.DataFrame({
        "region": take(regions["code"], all_keys // (n_ind * n_per)),
        "period": text(p_labels, (all_keys // n_ind) % n_per),
        "indicator": take(indicators["code"], all_keys % n_ind),
        "value": np.concatenate([value, c_value])[order],
        "numerator": np.concatenate([numerator, c_num])[order],
        "denominator": np.concatenate([denominator, c_den])[order],
        "ratio_only": np.concatenate([ratio_only, false_m])[order],
        "reporting": np.concatenate([reporting, c_reporting]).astype("int64")[order],
        "expected_reporting": np.concatenate([np.ones(n, dtype="int64"), c_expected]).astype("int64")[order],
        "partial": np.concatenate([np.zeros(n, dtype=bool), c_reporting < c_expected])[order],
        "not_rolled_up": text([""] + list(not_rolled[rolled]), rolled_label[order]),
    })
    return out[DERIVED_COLUMNS]


def _value(numerator: np.ndarray, denominator: np.ndarray, scale: np.ndarray, is_ratio: np.ndarray) -> np.ndarray:
    """The indicator's value from its parts: Σ × scale, or for a ratio Σ × scale / denominator
    (missing where the denominator is missing or zero)."""
    den_ok = ~np.isnan(denominator) & (denominator != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_value = numerator * scale / np.where(den_ok, denominator, np.nan)
    return np.where(is_ratio, ratio_value, numerator * scale)
