"""derive and compute_status over the real catalog in data/, and the speed budget."""


import numpy as np
import pandas as pd
import pytest

from jxtrack.catalog.model import load_catalog
from metrics.derive import derive
from metrics.periods import needed_periods
from metrics.progress import LIGHTS, compute_status
from metrics.targets import select_binding

PERIOD = "2024-06"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def full_obs(catalog, regions: pd.DataFrame, periods: list[str], seed: int = 1) -> pd.DataFrame:
    """Every measure (parts, not rates) for every region that may report it, positive values."""
    m = catalog.measures
    m = m[m["behaviour"] != "rate"]
    reg = regions[["code", "level"]]
    pairs = reg.merge(m[["code", "scope", "behaviour"]], how="cross", suffixes=("_r", "_m"))
    pairs = pairs[(pairs["scope"] == "county") != (pairs["level"] == "city")]
    grid = pairs.merge(pd.DataFrame({"period": periods}), how="cross")
    rng = np.random.default_rng(seed)
    value = rng.uniform(1, 100, len(grid)).round(1)
    value = np.where(grid["behaviour"] == "milestone", 0.0, value)
    return pd.DataFrame(
        {"region": grid["code_r"], "period": grid["period"], "measure": grid["code_m"], "value": value}
    )


def test_derive_covers_every_indicator(catalog):
    regions = catalog.regions
    out = derive(full_obs(catalog, regions, [PERIOD]), catalog.indicators, regions)
    city = catalog.city_code
    counties = set(regions.loc[regions["level"] == "county", "code"])
    zones = set(regions.loc[regions["level"] == "zone", "code"])
    for ind in catalog.indicators.itertuples():
        rows = out[out["indicator"] == ind.code]
        assert rows["value"].notna().all(), ind.code
        if ind.scope == "county":
            assert set(rows["region"]) == counties | zones | {city}, ind.code
            c = rows[rows["region"] == city].iloc[0]
            assert c["reporting"] == len(counties) and not c["partial"], ind.code
        else:
            assert rows["region"].tolist() == [city], ind.code


def test_va_per_mu_units_from_real_catalog(catalog):
    # 南湖区 reports 规上工业增加值 120 亿元 on 6000 亩: 120 × 1e4 万元 / 6000 亩 = 200 万元/亩
    o = pd.DataFrame(
        [("330402", PERIOD, "industrial_va", 120.0), ("330402", PERIOD, "industrial_land", 6000.0)],
        columns=["region", "period", "measure", "value"],
    )
    out = derive(o, catalog.indicators, catalog.regions)
    va = out[(out["region"] == "330402") & (out["indicator"] == "va_per_mu")].iloc[0]
    assert va["value"] == pytest.approx(200.0)


def test_status_over_real_catalog(catalog):
    periods = needed_periods(PERIOD)
    values = derive(full_obs(catalog, catalog.regions, periods), catalog.indicators, catalog.regions)
    t = select_binding(catalog.targets, catalog.sources, catalog.bindings)
    st = compute_status(values, t[t["binding"]], catalog.indicators, catalog.regions, PERIOD)
    assert set(st["light"]) <= set(LIGHTS)
    assert not st.duplicated(["region", "indicator"]).any()
    city = st[st["region"] == catalog.city_code].set_index("indicator")
    # 规上亩均税收 2026 has 40 (6号), 41 (14号) and 42 (draft); only one binds and 2024's is 38
    assert city.loc["tax_per_mu", "target"] == 38.0
    assert city.loc["future_factories", "target_year"] == 2026


def big_catalog(catalog, n_counties: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One city, ``n_counties`` counties and 9 zones; every county has its own annual targets."""
    city = catalog.city_code
    rows = [{"code": city, "name": "市", "level": "city", "parent": "", "summable": False}]
    rows += [{"code": f"K{i}", "name": f"K{i}", "level": "county", "parent": city, "summable": True}
             for i in range(n_counties)]  # fmt: skip
    rows += [{"code": f"Z{i}", "name": f"Z{i}", "level": "zone", "parent": city, "summable": False}
             for i in range(9)]  # fmt: skip
    regions = pd.DataFrame(rows)
    t = select_binding(catalog.targets, catalog.sources, catalog.bindings)
    t = t[t["binding"]]
    county_targets = t[t["region"] == city].merge(
        pd.DataFrame({"r": [f"K{i}" for i in range(n_counties)]}), how="cross"
    )
    county_targets = county_targets.assign(
        region=county_targets["r"], value=county_targets["value"] / n_counties
    )
    targets = pd.concat([t, county_targets.drop(columns="r")], ignore_index=True)
    return regions, targets


def test_status_at_1000_regions_rolls_up_every_county(catalog):
    """Scale check (timing lives in `make bench`, not in tests): 990 counties still roll up."""
    regions, targets = big_catalog(catalog, 990)
    periods = needed_periods(PERIOD)
    obs = full_obs(catalog, regions, periods)
    values = derive(obs, catalog.indicators, regions)
    st = compute_status(values, targets, catalog.indicators, regions, PERIOD)
    assert len(st) > 30_000  # ~1000 regions × 32 county-scope indicators
    city = regions.loc[regions["level"] == "city", "code"].iloc[0]
    counties = regions.loc[regions["level"] == "county", "code"]
    # the city's 数字化改造项目 is the plain sum of the 990 counties' reported figures
    reported = obs[(obs["period"] == PERIOD) & (obs["measure"] == "digital_projects")
                   & obs["region"].isin(counties)]["value"].sum()
    row = st[(st["region"] == city) & (st["indicator"] == "digital_projects")]
    assert row["actual"].iloc[0] == pytest.approx(reported)
