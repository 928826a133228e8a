"""Data-quality monitor (数据质量): figures that are probably wrong, and reports that are missing.

Checks (each with a stable English code and a Chinese message naming region, indicator, period
and the upload the figure came from):

- ``ytd_decrease``   a year-to-date (1–N月累计) figure lower than the last one reported this year,
                     or a cumulative-since-2024 figure lower than the last one reported at all;
- ``city_mismatch``  a figure the city reported itself for a county measure that disagrees with
                     the sum of its counties (the status table uses the counties' sum);
- ``yoy_outlier``    a value far from the same month last year (default: more than ±50 %);
- ``ratio_only``     a ratio reported without its numerator and denominator: shown, but it cannot
                     be rolled up to the city;
- ``missing_report`` a county with no figures for the period;
- ``late_report``    a county whose first upload for the period came after the due day;
- ``incomplete``     a county that reported the period but left out measures it reported before;
- ``ledger_mismatch``, ``ledger_duplicate``  the project ledger against the reports, and projects
                     two counties list (the rules live in ``jxtrack.services.projects.ledger_findings``).

Thresholds are module constants passed as keyword arguments, so a page or a test can change them.
Demo data (示例数据) is never judged late: it was not uploaded by anyone.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from jxtrack.catalog.model import COUNT_UNITS, Indicator, city_code
from jxtrack.domain import access, clock
from jxtrack.domain.problems import INFO, QUALITY, SEVERITY_LABELS, SEVERITY_ORDER
from jxtrack.present import fmt
from jxtrack.services import cycle, lookup
from jxtrack.store import quality as q
from jxtrack.store.interface import Store
from metrics.periods import label_month, same_month_last_year, shift_period

YOY_THRESHOLD = 0.5  # |value / same month last year − 1| above this is flagged
YOY_MIN_COUNT = 10  # counts (个/家) below this on both sides swing too much to judge
CITY_TOLERANCE = 0.005  # relative difference tolerated between the city's figure and the sum

# the checks' codes, titles, severities and message templates: jxtrack.domain.problems.QUALITY
CHECKS = {code: (t.title, t.severity) for code, t in QUALITY.items()}

WARNING_COLUMNS = [
    "check", "check_label", "severity", "severity_label", "region_code", "region",
    "indicator_code", "indicator", "measure", "measure_name", "period", "upload_id",
    "value", "reference", "message",
]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in WARNING_COLUMNS})


def _measure_indicators(parts: list[Indicator]) -> dict[str, tuple[str, str]]:
    """measure -> (indicator code, indicator name): the indicator that *is* the measure (formula
    'measure': 规上工业增加值 for industrial_va), else the first in catalog order that uses it as
    numerator, denominator or reported rate (亩均增加值 for 规上工业用地面积)."""
    out: dict[str, tuple[str, str]] = {}
    for i in parts:
        if len(i.parts) == 1 and i.parts[0] not in out:
            out[i.parts[0]] = (i.code, i.name)
    for i in parts:
        for m in i.measures:
            if m not in out:
                out[m] = (i.code, i.name)
    return out


def check(store: Store, period: str | None = None, user: access.User | None = None, *,
          yoy_threshold: float = YOY_THRESHOLD, due_day: int | None = None,
          today: date | None = None) -> pd.DataFrame:
    """All data-quality warnings for ``period`` (default: ``cycle.default_period``, the newest
    month complete enough to judge).

    One row per warning, columns WARNING_COLUMNS, most severe first.  A county user sees only
    warnings about their own county and the city."""
    with store.connect():
        if period is None:
            period = cycle.default_period(store, today)
            if period is None:
                return _empty()
        period = lookup.parse_period(period)
        regions = lookup.regions(store)
        cat = lookup.catalog(store)
        meas = cat.measures.set_index("code")
        parts = cat.indicator_list()
        ly_period = same_month_last_year(period)
        obs = q.observations_with_uploads(store, [period, ly_period])
        prev_year = q.latest_earlier_values(store, period, same_year=True)
        prev_any = q.latest_earlier_values(store, period, same_year=False)
        firsts = q.first_accepted_upload(store, period)
        if due_day is None:
            due_day = cycle.due_day(store)
    today = today or clock.today()
    cur = obs[obs["period"] == period]
    ly = obs[obs["period"] == ly_period]
    names = regions.set_index("code")["name"].to_dict()
    city = city_code(regions)
    counties = regions[(regions["level"] == "county")]
    summable = set(regions.loc[regions["summable"].astype(bool) & (regions["level"] == "county"), "code"])
    m2i = _measure_indicators(parts)
    rows: list[dict] = []

    def add(chk: str, region: str, measure: str | None, upload_id, value, reference: str, message: str,
            severity: str | None = None):
        ind_code, ind_name = m2i.get(measure, (None, None)) if measure else (None, None)
        label, sev = QUALITY[chk].title, severity or QUALITY[chk].severity
        rows.append({
            "check": chk, "check_label": label, "severity": sev, "severity_label": SEVERITY_LABELS[sev],
            "region_code": region, "region": names.get(region, region), "indicator_code": ind_code,
            "indicator": ind_name, "measure": measure,
            "measure_name": meas["name"].get(measure) if measure else None, "period": period,
            "upload_id": None if upload_id is None or pd.isna(upload_id) else int(upload_id),
            "value": value, "reference": reference, "message": message,
        })

    def mname(m: str) -> str:
        return str(meas["name"].get(m, m))

    def unit(m: str) -> str:
        return str(meas["unit"].get(m, ""))

    # --- year-to-date / cumulative figures that fall ----------------------------------------
    beh = cur["measure"].map(meas["behaviour"])
    for frame, kinds, span in ((prev_year, ("ytd_flow",), "今年"), (prev_any, ("cumulative",), "")):
        c = cur[beh.isin(kinds)].merge(frame, on=["region", "measure"])
        for r in c[c["value"] < c["prev_value"] - 1e-9].itertuples():
            what = "年内累计数" if span else "自2024年起的累计数"
            add("ytd_decrease", r.region, r.measure, r.upload_id, r.value,
                f"{label_month(r.prev_period)}：{fmt.printed(r.prev_value)}（上传 #{int(r.prev_upload_id)}）",
                QUALITY["ytd_decrease"].message(
                    region=names.get(r.region, r.region), month=label_month(period), measure=mname(r.measure),
                    value=fmt.printed(r.value), unit=unit(r.measure), prev_month=label_month(r.prev_period),
                    prev_value=fmt.printed(r.prev_value), what=what, upload=r.upload_id))

    # --- the city's own figure vs the sum of its counties ------------------------------------
    county_scope = set(meas.index[(meas["scope"] == "county") & (meas["behaviour"] != "rate")])
    own_city = cur[(cur["region"] == city) & cur["measure"].isin(county_scope)]
    if len(own_city):
        cs = cur[cur["region"].isin(summable)].groupby("measure").agg(
            total=("value", "sum"), n=("region", "nunique"))
        for r in own_city.itertuples():
            if r.measure not in cs.index:
                continue
            total, n = float(cs.loc[r.measure, "total"]), int(cs.loc[r.measure, "n"])
            if abs(r.value - total) > max(CITY_TOLERANCE * abs(r.value), 0.01):
                add("city_mismatch", city, r.measure, r.upload_id, r.value,
                    f"{n}/{len(summable)}个区县合计：{fmt.printed(total)}",
                    QUALITY["city_mismatch"].message(
                        month=label_month(period), measure=mname(r.measure), value=fmt.printed(r.value),
                        unit=unit(r.measure), n=n, total=fmt.printed(total), diff=fmt.printed(r.value - total),
                        upload=r.upload_id))

    # --- far from the same month last year -----------------------------------------------------
    judged = set(meas.index[meas["behaviour"].isin(["ytd_flow", "stock", "rate"])])
    y = cur[cur["measure"].isin(judged)].merge(
        ly[["region", "measure", "value", "upload_id"]], on=["region", "measure"], suffixes=("", "_ly"))
    y = y[y["value_ly"] > 0]
    small = y["measure"].map(meas["unit"]).isin(COUNT_UNITS) & (y[["value", "value_ly"]].max(axis=1) < YOY_MIN_COUNT)
    change = y["value"] / y["value_ly"] - 1
    for r, ch in zip(y[~small & (change.abs() > yoy_threshold)].itertuples(), change[~small & (change.abs() > yoy_threshold)], strict=False):
        direction = "高" if ch > 0 else "低"
        add("yoy_outlier", r.region, r.measure, r.upload_id, r.value,
            f"{label_month(ly_period)}：{fmt.printed(r.value_ly)}（上传 #{int(r.upload_id_ly)}）",
            QUALITY["yoy_outlier"].message(
                region=names.get(r.region, r.region), month=label_month(period), measure=mname(r.measure),
                value=fmt.printed(r.value), unit=unit(r.measure), ly_value=fmt.printed(r.value_ly), direction=direction,
                change=f"{abs(ch) * 100:.0f}", limit=f"{yoy_threshold * 100:.0f}", upload=r.upload_id))

    # --- ratios without their parts ----------------------------------------------------------
    have = set(zip(cur["region"], cur["measure"], strict=False))
    for p in parts:
        rate = p.reported_rate
        if not rate:
            continue
        for r in cur[cur["measure"] == rate].itertuples():
            lacking = [m for m in p.parts if (r.region, m) not in have]
            if lacking:
                add("ratio_only", r.region, rate, r.upload_id, r.value,
                    "缺：" + "、".join(mname(m) for m in lacking),
                    QUALITY["ratio_only"].message(
                        region=names.get(r.region, r.region), month=label_month(period), indicator=p.name,
                        value=fmt.printed(r.value), unit=unit(rate), lacking="、".join(mname(m) for m in lacking),
                        upload=r.upload_id))

    # --- missing, late and incomplete reports ------------------------------------------------
    reported = set(cur["region"])
    due = cycle.due_date(period, due_day)
    firsts = firsts.set_index("region")
    prev_have = prev_any[prev_any["measure"].isin(county_scope)]
    for code in counties["code"]:
        if code not in reported:
            overdue = cycle.is_overdue(period, due_day, today)
            add("missing_report", code, None, None, None, f"应于{due:%Y-%m-%d}前报送",
                QUALITY["missing_report"].message(
                    region=names[code], month=label_month(period),
                    deadline=f"已过报送期限{due:%Y-%m-%d}" if overdue else f"报送期限{due:%Y-%m-%d}，尚未到期"),
                severity=None if overdue else INFO)
            continue
        if code in firsts.index and firsts.loc[code, "kind"] != "demo":
            at = clock.local(firsts.loc[code, "uploaded_at"])
            if cycle.is_late(at, period, due_day):
                add("late_report", code, None, firsts.loc[code, "upload_id"], None,
                    f"期限{due:%Y-%m-%d}",
                    QUALITY["late_report"].message(
                        region=names[code], month=label_month(period), at=f"{at:%Y-%m-%d %H:%M}",
                        due=f"{due:%Y-%m-%d}", upload=int(firsts.loc[code, "upload_id"])))
        before = prev_have[(prev_have["region"] == code)]
        present = np.array([(code, m) in have for m in before["measure"]], dtype=bool)
        lacking = before[~present]
        # only measures reported within the last year: a measure dropped long ago is not news
        lacking = lacking[lacking["prev_period"] >= shift_period(period, -12)]
        # in the catalog's order, whatever order the database returned the rows in
        lacking = lacking.iloc[np.argsort(meas.index.get_indexer(lacking["measure"]), kind="stable")]
        if len(lacking):
            up = cur.loc[cur["region"] == code, "upload_id"].max()
            listed = "、".join(mname(m) for m in lacking["measure"].head(5))
            more = f"等{len(lacking)}项" if len(lacking) > 5 else ""
            add("incomplete", code, None, up, None, f"缺{len(lacking)}项",
                QUALITY["incomplete"].message(region=names[code], month=label_month(period), listed=listed,
                                              more=more, upload=int(up)))
    from jxtrack.services.projects import ledger_findings  # the ledger owns its comparison with the reports

    for f in ledger_findings(store, period, cur, names):
        add(f.pop("chk"), **f)
    out = pd.DataFrame(rows, columns=WARNING_COLUMNS) if rows else _empty()
    if user is not None:
        out = out[out["region_code"].isin(access.readable(user, regions["code"], city=city))]
    if len(out):
        out = out.assign(_s=out["severity"].map(SEVERITY_ORDER),
                         _r=out["region_code"].map(regions.set_index("code")["sort"]))
        out = out.sort_values(["_s", "check", "_r", "indicator_code"], kind="stable").drop(columns=["_s", "_r"])
    out["upload_id"] = out["upload_id"].astype("Int64")
    return out.reset_index(drop=True)


__all__ = ["CHECKS", "SEVERITY_LABELS", "WARNING_COLUMNS", "check"]
