"""Measures -> indicators, and roll-up of county figures to the city.

Counties report base figures (measures); most target indicators are formulas over them (see the
catalog's ``formula`` column: measure, sum, difference, ratio).  City figures for county-scope
indicators are rebuilt from the counties' *parts* — ratios as Σnumerators / Σdenominators, never
the mean of county ratios — because that is the only way the city ratio means what it says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def _blank(s: pd.Series) -> pd.Series:
    """True where a catalog text cell is empty ('' or missing)."""
    return s.isna() | (s.astype("string").str.strip() == "")


def formula_terms(indicators: pd.DataFrame) -> pd.DataFrame:
    """One row per (indicator, measure, role) with the term's sign.

    role is 'num' (numerator terms; a difference 'a-b' gives a sign +1 and b sign -1), 'den'
    (the ratio's denominator) or 'rate' (the measure a county may send instead of the parts).
    """
    ind = indicators[["code", "formula", "numerator_measures", "denominator", "reported_rate"]]
    num = ind[["code", "formula", "numerator_measures"]].explode("numerator_measures")
    num = num.rename(columns={"code": "indicator", "numerator_measures": "measure"})
    position = num.groupby("indicator").cumcount()
    # only a difference subtracts, and only its terms after the first
    num["sign"] = np.where((num["formula"] == "difference") & (position > 0), -1.0, 1.0)
    num["role"] = "num"
    den = ind.loc[~_blank(ind["denominator"]), ["code", "denominator"]]
    den = den.rename(columns={"code": "indicator", "denominator": "measure"}).assign(sign=1.0, role="den")
    rate = ind.loc[~_blank(ind["reported_rate"]), ["code", "reported_rate"]]
    rate = rate.rename(columns={"code": "indicator", "reported_rate": "measure"}).assign(
        sign=1.0, role="rate"
    )
    cols = ["indicator", "measure", "role", "sign"]
    out = pd.concat([num[cols], den[cols], rate[cols]], ignore_index=True)
    return out.dropna(subset=["measure"]).astype({"measure": "str", "role": "str"})


def _own_rows(
    obs: pd.DataFrame, ind: pd.DataFrame, terms: pd.DataFrame, regions: pd.DataFrame
) -> pd.DataFrame:
    """Indicator values each region computes from its own reported measures."""
    m = obs.merge(terms, on="measure")
    m = m.merge(regions[["code", "level"]].rename(columns={"code": "region"}), on="region")
    m = m.merge(ind[["indicator", "scope"]], on="indicator")
    # county-scope indicators: counties and zones compute their own; the city's value is rolled up
    # (a figure the city sends for a county-scope measure is ignored here, checked elsewhere).
    # city-scope indicators: only the city's own report counts.
    is_city = m["level"] == "city"
    m = m[((m["scope"] == "county") & ~is_city) | ((m["scope"] == "city") & is_city)]

    num = m[m["role"] == "num"].assign(signed=lambda d: d["value"] * d["sign"])
    num = num.groupby(_KEY, sort=False, as_index=False, observed=True).agg(
        numerator=("signed", "sum"), n_terms_present=("signed", "size")
    )
    den = m.loc[m["role"] == "den", _KEY + ["value"]].rename(columns={"value": "denominator"})
    rate = m.loc[m["role"] == "rate", _KEY + ["value"]].rename(columns={"value": "rate"})
    # column merges, not MultiIndex joins: far faster on pandas' string keys
    out = num.merge(den, on=_KEY, how="outer").merge(rate, on=_KEY, how="outer")
    out["n_terms_present"] = out["n_terms_present"].fillna(0)
    out = out.merge(ind[["indicator", "formula", "scale", "n_terms"]], on="indicator")

    complete = out["n_terms_present"] == out["n_terms"]  # a sum/difference needs every term
    out["numerator"] = out["numerator"].where(complete)
    is_ratio = out["formula"] == "ratio"
    out["denominator"] = out["denominator"].where(is_ratio)
    den_ok = out["denominator"].notna() & (out["denominator"] != 0)
    ratio_value = out["numerator"] * out["scale"] / out["denominator"].where(den_ok)
    out["value"] = np.where(is_ratio, ratio_value, out["numerator"] * out["scale"])

    # a region that sent only the ratio: show it, but it cannot be rolled up
    out["ratio_only"] = is_ratio & out["value"].isna() & out["rate"].notna()
    out["value"] = out["value"].where(~out["ratio_only"], out["rate"])
    out.loc[out["ratio_only"], ["numerator", "denominator"]] = np.nan
    out["reporting"] = out["value"].notna().astype(int)
    out["expected_reporting"] = 1
    out["partial"] = False
    out["not_rolled_up"] = ""
    return out[DERIVED_COLUMNS]


def _rollup_rows(own: pd.DataFrame, ind: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """City rows for county-scope indicators, summed from the summable counties' parts."""
    counties = regions.loc[
        (regions["level"] == "county") & regions["summable"].astype(bool), ["code", "parent"]
    ]
    cities = set(regions.loc[regions["level"] == "city", "code"])
    counties = counties[counties["parent"].isin(cities)]
    expected = counties.groupby("parent").size().rename("expected_reporting")

    c = own.merge(counties.rename(columns={"code": "region"}), on="region")
    c = c.merge(ind[["indicator", "formula", "scale"]], on="indicator")
    keys = ["parent", "period", "indicator"]
    contributes = c["numerator"].notna() & ((c["formula"] != "ratio") | c["denominator"].notna())
    sums = (
        c[contributes]
        .groupby(keys, sort=False, as_index=False, observed=True)
        .agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"), reporting=("region", "size"))
    )
    order = {code: i for i, code in enumerate(regions["code"])}
    excluded = c[c["ratio_only"]].assign(o=lambda d: d["region"].map(order)).sort_values("o")
    not_rolled = excluded.assign(region=excluded["region"].astype(str)).groupby(keys, sort=False, as_index=False, observed=True)["region"].agg(",".join).rename(
        columns={"region": "not_rolled_up"})

    out = c[keys + ["formula", "scale"]].drop_duplicates(keys)
    out = out.merge(sums, on=keys, how="left").merge(not_rolled, on=keys, how="left")
    out = out.merge(expected, left_on="parent", right_index=True)
    is_ratio = out["formula"] == "ratio"
    out["denominator"] = out["denominator"].where(is_ratio)
    den_ok = out["denominator"].notna() & (out["denominator"] != 0)
    # Σnumerators / Σdenominators over counties that gave both parts — never a mean of ratios
    ratio_value = out["numerator"] * out["scale"] / out["denominator"].where(den_ok)
    out["value"] = np.where(is_ratio, ratio_value, out["numerator"] * out["scale"])
    out["reporting"] = out["reporting"].fillna(0).astype(int)
    out["expected_reporting"] = out["expected_reporting"].astype(int)
    out["partial"] = out["reporting"] < out["expected_reporting"]
    out["ratio_only"] = False
    out["not_rolled_up"] = out["not_rolled_up"].astype(object).fillna("").astype(str)
    return out.rename(columns={"parent": "region"})[DERIVED_COLUMNS]


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
    o = o.astype({"value": "float64"})
    ind = indicators.rename(columns={"code": "indicator"}).copy()
    ind["n_terms"] = ind["numerator_measures"].map(len)
    ind["scale"] = ind["scale"].astype(float)
    regs = regions
    terms = formula_terms(indicators)

    # Region and indicator keys may be text or integer codes (the service layer passes integer
    # codes: joins on them are several times faster); the output keeps the caller's key type.
    # Key columns become categoricals sharing one set of categories, so merges and groupbys work
    # on integer codes instead of pandas' Arrow-backed strings (several times faster at scale).
    # Inputs may be strings or categoricals already (the store hands over dictionary-encoded keys).
    def levels(*cols: pd.Series) -> list[str]:
        seen: dict[str, None] = {}
        for c in cols:
            values = c.cat.categories if isinstance(c.dtype, pd.CategoricalDtype) else pd.unique(c.dropna())
            seen.update((v, None) for v in values)
        return list(seen)

    region_cat = pd.CategoricalDtype(levels(regs["code"], o["region"]))
    measure_cat = pd.CategoricalDtype(levels(terms["measure"], o["measure"]))
    ind_cat = pd.CategoricalDtype(levels(ind["indicator"]))
    period_cat = pd.CategoricalDtype(sorted(levels(o["period"])))
    o = o.astype({"region": region_cat, "period": period_cat, "measure": measure_cat})
    terms = terms.astype({"measure": measure_cat, "indicator": ind_cat, "role": "category"})
    # small text columns that ride along through the joins: categoricals avoid Arrow string copies
    ind = ind.astype({"formula": "category", "scope": "category"})
    ind = ind.astype({"indicator": ind_cat})
    regs = regs.astype({"code": region_cat, "level": "category"})

    own = _own_rows(o, ind, terms, regs)
    city = _rollup_rows(own, ind, regs)
    out = pd.concat([own, city], ignore_index=True)

    region_order = pd.Series(range(len(regs)), index=regs["code"].to_numpy())
    ind_order = pd.Series(range(len(ind)), index=ind["indicator"].to_numpy())
    out = out.assign(_r=out["region"].map(region_order), _i=out["indicator"].map(ind_order))
    out = out.sort_values(["_r", "period", "_i"], kind="stable").drop(columns=["_r", "_i"])
    out = out.reset_index(drop=True)
    return out.astype(
        {
            "region": regions["code"].dtype,
            "period": "str",
            "indicator": indicators["code"].dtype,
            "value": "float64",
            "numerator": "float64",
            "denominator": "float64",
            "ratio_only": "bool",
            "partial": "bool",
            "reporting": "int64",
            "expected_reporting": "int64",
        }
    )
