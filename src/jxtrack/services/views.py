"""The status views the pages show: the leaders' board, an indicator over the months, a county's
scorecard (submissions, targets and users are services of their own, in ``jxtrack.services``).

Every function takes the acting ``auth.User`` and checks the role HERE (pages also hide menus,
but that is a convenience, not the protection).  Every write runs in one transaction together
with its audit record.  No streamlit; caching is the ui layer's business.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from jxtrack.catalog.model import city_code
from jxtrack.domain import access, lights
from jxtrack.domain.access import User
from jxtrack.present.fmt import gap_points
from jxtrack.services import cycle, lookup, status_table
from jxtrack.services.regions import (
    WebError,
    check_read,
    one_connection,
    visible_regions,
)
from jxtrack.services.targets import targets_view
from jxtrack.store.interface import Store
from metrics.derive import derive
from metrics.periods import (
    period_from_index,
    period_index,
)
from metrics.progress import group_light


# ---- overview ------------------------------------------------------------------------------------
@dataclass
class Overview:
    period: str
    status: pd.DataFrame          # all rows the user may see
    city: pd.DataFrame            # city rows, indicator order
    counts: dict[str, int]        # light -> number of city indicators
    groups: pd.DataFrame          # group_light per 两化/两业
    heat: pd.DataFrame            # region × indicator light (regions the user may see)
    red_list: pd.DataFrame        # red rows below city level, worst gap first, with 偏差说明
    is_demo: bool
    behind: pd.DataFrame = None   # city rows that are red or yellow: red first, then by gap
    key: pd.DataFrame = None      # city rows of the plans' headline targets (catalog ``key``)
    county_counts: dict[str, int] = None   # shown light -> number of county × indicator items
    n_counties: int = 0           # counties the user may see
    counties: list[str] = None    # their names, in region order
    n_county_indicators: int = 0  # indicators judged per county (county scope)
    period_label: str = ""        # 报送中（已报 1/7 个区县） for a month still being collected
    period_note: str = ""         # what to say about the month's reporting ('' when complete)
    recovered: pd.DataFrame = None   # rows red earlier this year and no longer behind (``recovery``)


def _period_words(store: Store, period: str, user: User) -> tuple[str, str]:
    """The month's reporting as the cycle sees it now: its label and note (the missing counties are
    named only to a user who may read every county)."""
    if not period:
        return "", ""
    state = cycle.period_state(store, period)
    regions = lookup.regions(store)
    counties = set(regions.loc[regions["level"] == "county", "code"])
    every = counties <= set(access.readable(user, regions["code"], city=city_code(regions)))
    return state.label, state.note(name_missing=every)


def _by_gap(rows: pd.DataFrame) -> pd.DataFrame:
    """Red before yellow, then the furthest behind first; rows without a gap (a milestone) last
    within their light.  The order is the one the reader sees: on the gap *as printed*
    (``fmt.gap_points``, the screen's and the bulletin's rounding), so −15.9 comes before −15.8
    even where the unrounded gaps are the other way round; equal printed gaps keep the indicator
    order, then the rows' own order (a stable sort)."""
    shown = [gap_points(c, t, g) for c, t, g in zip(rows["completion"], rows["time_progress"], rows["gap_pp"],
                                                  strict=True)]
    out = rows.assign(_o=rows["light"].map(lights.rank), _g=pd.array(shown, dtype="Float64"))
    return out.sort_values(["_o", "_g", "sort"], na_position="last", kind="stable").drop(columns=["_o", "_g"])


@one_connection
def overview(store: Store, period: str | None, user: User) -> Overview:
    st = status_table.with_recovery(store, status_table.status(store, period, None, user))
    is_demo = store.is_demo()
    p = str(st["period"].iloc[0]) if len(st) else (period or "")
    city = st[st["region_level"] == "city"].sort_values("sort").reset_index(drop=True)
    counts = {k: int((city["light"] == k).sum()) for k in lights.DECIDED}
    groups = group_light(city, ["group"]) if len(city) else pd.DataFrame()
    sub = st[st["region_level"] != "city"]
    # the light as shown (a grey one with its reason), decided by the metrics, not relabelled here
    cells = st[st["region_level"].isin(["city", "county"])]
    cells = cells.assign(shown=[lights.shown(lt, r) for lt, r in zip(cells["light"], cells["light_reason"], strict=True)])
    heat = cells.pivot_table(index=["region_sort", "region"], columns=["sort", "indicator_name"], values="shown",
                             aggfunc="first")
    # city-scope indicators (市本级资金, 争创…) have no county figures at all: blank, not 无数据
    scope = lookup.catalog(store).indicators.set_index("name")["scope"]
    city_only = [scope.get(c[1]) == "city" for c in heat.columns]
    not_city = heat.index.get_level_values(0) != 0
    heat.loc[not_city, city_only] = "n/a"
    heat.index = heat.index.get_level_values(1)
    heat.columns = heat.columns.get_level_values(1)
    red = _by_gap(sub[sub["light"] == "red"])
    red_list = red[["indicator_name", "short_name", "region", "actual", "unit", "target", "comparator",
                    "completion", "time_progress", "gap_pp", "explanation", "indicator_code",
                    "region_code"]].reset_index(drop=True)
    # what is behind: city indicators, red then yellow, furthest behind first, each with how many
    # counties are red on it (the county items are counted separately, never mixed with these)
    behind = _by_gap(city[city["light"].isin(["red", "yellow"])]).reset_index(drop=True)
    red_by_ind = sub[sub["light"] == "red"].groupby("indicator_code").size()
    behind["red_counties"] = behind["indicator_code"].map(red_by_ind).fillna(0).astype(int)
    key = city[city["key"].fillna(False).astype(bool)].reset_index(drop=True)
    county = st[st["region_level"] == "county"]
    county_shown = pd.Series([lights.shown(lt, r) for lt, r in zip(county["light"], county["light_reason"],
                                                                   strict=True)], dtype=object)
    county_counts = {k: int((county_shown == k).sum()) for k in lights.ORDER}
    label, note = _period_words(store, p, user)
    recovered = st[st["recovery"] != ""].sort_values(["region_sort", "sort"]).reset_index(drop=True)
    return Overview(p, st, city, counts, groups, heat, red_list, is_demo, behind=behind, key=key,
                    recovered=recovered,
                    county_counts=county_counts, n_counties=int(county["region_code"].nunique()),
                    counties=list(dict.fromkeys(county.sort_values("region_sort")["region"])),
                    n_county_indicators=int(county["indicator_code"].nunique()),
                    period_label=label, period_note=note)


# ---- one indicator over the months ---------------------------------------------------------------
@dataclass
class IndicatorDetail:
    indicator: pd.Series          # catalog row
    period: str
    rows: pd.DataFrame            # status rows of this indicator (regions the user may see)
    series: pd.DataFrame          # month, region, actual, expected, target, completion, light
    sources: pd.DataFrame         # every target figure for this indicator (city and own county)
    period_label: str = ""        # as Overview's
    period_note: str = ""


@one_connection
def indicator_detail(store: Store, indicator: str, period: str | None, region: str | None,
                     user: User) -> IndicatorDetail:
    cat = lookup.catalog(store)
    ind = cat.indicators
    if indicator not in set(ind["code"]):
        raise WebError(f"没有指标 “{indicator}”。")
    regions = lookup.regions(store)
    region = region or city_code(regions)
    check_read(user, region, regions)
    st = status_table.status(store, period, None, user)
    p = str(st["period"].iloc[0])
    rows = status_table.with_recovery(store, st[st["indicator_code"] == indicator].reset_index(drop=True))
    series = indicator_series(store, indicator, p, user, regions=[region])
    tt = targets_view(store, user)
    tt = tt[tt["indicator_code"] == indicator].reset_index(drop=True)
    return IndicatorDetail(ind.set_index("code").loc[indicator], p, rows, series, tt,
                           *_period_words(store, p, user))


def indicator_series(store: Store, indicator: str, period: str, user: User,
                     regions: list[str] | None = None) -> pd.DataFrame:
    """Month by month from January of ``period``'s year to ``period``: actual, 序时/expected and
    target for each requested region (default: every region the user may see); months without a
    figure of this indicator are left out.  Read from ``status_table.series``, the one month-series
    pipeline (shared with the recovery label, cached per data version)."""
    cols = ["period", "region", "region_name", "actual", "expected", "target", "completion",
            "time_progress", "light", "forecast", "yoy", "mom"]
    all_regions = lookup.regions(store)
    regions = regions or list(visible_regions(store, user)["code"])
    for r in regions:
        check_read(user, r, all_regions)
    lookup.catalog(store).indicator(indicator)   # an unknown indicator is the catalog's error
    s = status_table.series(store, period)
    if s.empty:
        return pd.DataFrame(columns=cols)
    one = s[s["indicator"] == indicator]
    with_figures = set(one.loc[one["actual"].notna(), "period"].astype(str))
    out = one[one["period"].astype(str).isin(with_figures) & one["region"].isin(regions)].copy()
    out["region_name"] = out["region"].map(all_regions.set_index("code")["name"])
    return out[cols].reset_index(drop=True)


# ---- one county ----------------------------------------------------------------------------------
@dataclass
class Scorecard:
    region: str
    region_name: str
    period: str
    rows: pd.DataFrame            # status rows + trend (list of the last 12 months' values)
    counts: dict[str, int]
    period_label: str = ""        # as Overview's
    period_note: str = ""


@one_connection
def county_scorecard(store: Store, region: str, period: str | None, user: User) -> Scorecard:
    regions = lookup.regions(store)
    if region not in set(regions["code"]):
        region = lookup.resolve_region(store, region)
    check_read(user, region, regions)
    st = status_table.with_recovery(store, status_table.status(store, period, region, user))
    p = str(st["period"].iloc[0]) if len(st) else (period or "")
    # trend: the indicator's value at each month end over the last 12 months (YTD within a year)
    last = period_index(p)
    months = [period_from_index(i) for i in range(last - 11, last + 1)]
    ind = lookup.catalog(store).indicators
    obs = store.observations(periods=months, regions=None if regions.loc[regions["code"] == region, "level"].iloc[0] == "city" else [region])
    vals = derive(obs[["region", "period", "measure", "value"]], ind, regions)
    vals = vals[vals["region"] == region]
    trend = (vals.pivot_table(index="indicator", columns="period", values="value", aggfunc="first")
             .reindex(columns=months))
    st = st.copy()
    st["trend"] = [
        [None if pd.isna(v) else float(v) for v in trend.loc[c]] if c in trend.index else []
        for c in st["indicator_code"]
    ]
    counts = {k: int((st["light"] == k).sum()) for k in lights.DECIDED}
    name = str(regions.set_index("code").loc[region, "name"])
    return Scorecard(region, name, p, st.reset_index(drop=True), counts, *_period_words(store, p, user))


