"""Services the web pages need beyond ``services``: the leaders' board, an indicator over the
months, a county's scorecard, who has reported, target maintenance and user management.

Every function takes the acting ``auth.User`` and checks the role HERE (pages also hide menus,
but that is a convenience, not the protection).  Every write runs in one transaction together
with its audit record.  No streamlit; caching is the ui layer's business.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
import pandas as pd

from metrics.derive import derive
from metrics.periods import needed_periods, period_from_index, period_index
from metrics.progress import compute_status_periods, group_light

from . import access, auth, lights, outputs, services
from .auth import PermissionDenied, User
from .ingest.problems import FileRefused
from .ingest.reader import read_workbook
from .store import NotFoundError, Store, StoreError, now
from .store import admin as sql

# a month's figures are due by this day of the following month (报送截止日); later = 迟报
DUE_DAY = 10
SOURCE_STATUSES = {"official": "正式文件", "draft": "征求意见稿/草案"}
COMPARATORS = (">=", "<=", "=")
T = TypeVar("T")


class WebError(services.ServiceError):
    """A request the user can correct; ``str()`` is a Chinese message."""


def one_connection(fn: Callable[..., T]) -> Callable[..., T]:
    """Run a view (first argument: the store) on one connection: it reads several tables and
    opening a DuckDB connection costs tens of milliseconds each time."""
    @functools.wraps(fn)
    def wrapper(store: Store, *args, **kwargs) -> T:
        with store.connect():
            return fn(store, *args, **kwargs)
    return wrapper


# ---- roles: every decision is the access policy's -------------------------------------------------
def require(user: User | None, action: str) -> User:
    """The user, when the access policy lets them do ``action`` (a role-level action)."""
    return access.ensure(user, action)


def city_code(regions: pd.DataFrame) -> str:
    return str(regions.loc[regions["level"] == "city", "code"].iloc[0])


def check_read(user: User | None, region: str, regions: pd.DataFrame) -> None:
    """Refuse a county reporter reading another county (city total and own county are fine)."""
    access.ensure(user, "read", region, city=city_code(regions),
                  names=regions.set_index("code")["name"].to_dict())


def visible_regions(store: Store, user: User) -> pd.DataFrame:
    """Regions this user may read, in display order (city first)."""
    regions = store.regions()
    keep = set(access.readable(user, regions["code"], city=city_code(regions)))
    return regions[regions["code"].isin(keep)].reset_index(drop=True)


def periods(store: Store) -> list[str]:
    """Report periods with data, newest first, without the plan baseline (2023-12)."""
    return [p for p in reversed(store.periods()) if p > services.BASELINE]


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


def _by_gap(rows: pd.DataFrame) -> pd.DataFrame:
    """Red before yellow, then the furthest behind first; rows without a gap (a milestone) last
    within their light."""
    order = {k: i for i, k in enumerate(lights.ORDER)}
    out = rows.assign(_o=rows["light"].map(order))
    return out.sort_values(["_o", "gap_pp", "sort"], na_position="last").drop(columns=["_o"])


def overview(store: Store, period: str | None, user: User) -> Overview:
    st = services.status(store, period, None, user)
    is_demo = store.is_demo()
    p = str(st["period"].iloc[0]) if len(st) else (period or "")
    city = st[st["region_level"] == "city"].sort_values("sort").reset_index(drop=True)
    counts = {k: int((city["light"] == k).sum()) for k in ("red", "yellow", "green", "done", "none")}
    groups = group_light(city, ["group"]) if len(city) else pd.DataFrame()
    sub = st[st["region_level"] != "city"]
    # the light as shown (a grey one with its reason), decided by the metrics, not relabelled here
    cells = st[st["region_level"].isin(["city", "county"])]
    cells = cells.assign(shown=[lights.shown(lt, r) for lt, r in zip(cells["light"], cells["light_reason"], strict=True)])
    heat = cells.pivot_table(index=["region_sort", "region"], columns=["sort", "indicator_name"], values="shown",
                             aggfunc="first")
    # city-scope indicators (市本级资金, 争创…) have no county figures at all: blank, not 无数据
    scope = services.catalog(store).indicators.set_index("name")["scope"]
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
    return Overview(p, st, city, counts, groups, heat, red_list, is_demo, behind=behind, key=key,
                    county_counts=county_counts, n_counties=int(county["region_code"].nunique()),
                    counties=list(dict.fromkeys(county.sort_values("region_sort")["region"])),
                    n_county_indicators=int(county["indicator_code"].nunique()))


# ---- one indicator over the months ---------------------------------------------------------------
@dataclass
class IndicatorDetail:
    indicator: pd.Series          # catalog row
    period: str
    rows: pd.DataFrame            # status rows of this indicator (regions the user may see)
    series: pd.DataFrame          # month, region, actual, expected, target, completion, light
    sources: pd.DataFrame         # every target figure for this indicator (city and own county)


@one_connection
def indicator_detail(store: Store, indicator: str, period: str | None, region: str | None,
                     user: User) -> IndicatorDetail:
    cat = services.catalog(store)
    ind = cat.indicators
    if indicator not in set(ind["code"]):
        raise WebError(f"没有指标 “{indicator}”。")
    regions = store.regions()
    region = region or city_code(regions)
    check_read(user, region, regions)
    st = services.status(store, period, None, user)
    p = str(st["period"].iloc[0])
    rows = st[st["indicator_code"] == indicator].reset_index(drop=True)
    series = indicator_series(store, indicator, p, user, regions=[region])
    tt = targets_view(store, user)
    tt = tt[tt["indicator_code"] == indicator].reset_index(drop=True)
    return IndicatorDetail(ind.set_index("code").loc[indicator], p, rows, series, tt)


def indicator_series(store: Store, indicator: str, period: str, user: User,
                     regions: list[str] | None = None) -> pd.DataFrame:
    """Month by month from January of ``period``'s year to ``period``: actual, 序时/expected and
    target for each requested region (default: every region the user may see).

    Derives once over the months needed and judges only this indicator, all months in one call of
    ``compute_status_periods`` (months without any figure are left out)."""
    all_regions = store.regions()
    regions = regions or list(visible_regions(store, user)["code"])
    for r in regions:
        check_read(user, r, all_regions)
    year = int(period[:4])
    months = [f"{year}-{m:02d}" for m in range(1, int(period[5:7]) + 1)]
    need = sorted({q for m in months for q in needed_periods(m, services.BASELINE)})
    cat = services.catalog(store)
    one = cat.indicators[cat.indicators["code"] == indicator]
    measures = sorted(cat.indicator(indicator).parts)
    with store.connect():
        obs = store.observations(periods=need, measures=measures or None)
        targets = services.binding_targets(store)
    targets = targets[targets["binding"] & (targets["indicator"] == indicator)]
    values = derive(obs[["region", "period", "measure", "value"]], one, all_regions)
    with_figures = [m for m in months if m in set(values["period"])]
    if not with_figures:
        return pd.DataFrame(columns=["period", "region", "region_name", "actual", "expected", "target",
                                     "completion", "time_progress", "light"])
    # every month in one pass (the period is a key of the metrics' joins), not a loop over months
    out = compute_status_periods(values, targets, one, all_regions, with_figures, baseline=services.BASELINE)
    out = out[out["region"].isin(regions)].reset_index(drop=True)
    out["region_name"] = out["region"].map(all_regions.set_index("code")["name"])
    return out[["period", "region", "region_name", "actual", "expected", "target", "completion",
                "time_progress", "light", "forecast", "yoy", "mom"]].reset_index(drop=True)


# ---- one county ----------------------------------------------------------------------------------
@dataclass
class Scorecard:
    region: str
    region_name: str
    period: str
    rows: pd.DataFrame            # status rows + trend (list of the last 12 months' values)
    counts: dict[str, int]


@one_connection
def county_scorecard(store: Store, region: str, period: str | None, user: User) -> Scorecard:
    regions = store.regions()
    if region not in set(regions["code"]):
        region = services.resolve_region(store, region)
    check_read(user, region, regions)
    st = services.status(store, period, region, user)
    p = str(st["period"].iloc[0]) if len(st) else (period or "")
    # trend: the indicator's value at each month end over the last 12 months (YTD within a year)
    last = period_index(p)
    months = [period_from_index(i) for i in range(last - 11, last + 1)]
    ind = services.catalog(store).indicators
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
    counts = {k: int((st["light"] == k).sum()) for k in ("red", "yellow", "green", "done", "none")}
    name = str(regions.set_index("code").loc[region, "name"])
    return Scorecard(region, name, p, st.reset_index(drop=True), counts)


# ---- reporting (报送情况) -------------------------------------------------------------------------
def due_date(period: str) -> datetime:
    y, m = int(period[:4]), int(period[5:7])
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return datetime(y, m, DUE_DAY, 23, 59, 59)


def submission_matrix(store: Store, year: int, user: User, today: datetime | None = None) -> pd.DataFrame:
    """Region × month: 已报 / 迟报 / 未报 (or blank for months not yet due).

    A month is due from ``DUE_DAY`` of the next month; figures first accepted after that are 迟报;
    system-generated demo figures count as on time.  County reporters see only their county."""
    today = today or now()
    regions = visible_regions(store, user)
    regions = regions[regions["level"].isin(["county", "zone"])]
    months = [f"{year}-{m:02d}" for m in range(1, 13)]
    latest = store.latest_period()
    log = sql.reporting_log(store, months)
    log = log.set_index(["region", "period"]) if len(log) else log
    out = pd.DataFrame(index=regions["name"].to_list(), columns=[f"{int(m[5:])}月" for m in months], dtype=object)
    for r in regions.itertuples():
        for m, col in zip(months, out.columns, strict=False):
            key = (r.code, m)
            due = due_date(m)
            if m.endswith("-01") and len(log) and key not in log.index and (r.code, m[:5] + "02") in log.index:
                out.loc[r.name, col] = "merged"  # 1–2月合并报送
            elif len(log) and key in log.index:
                row = log.loc[key]
                late = (not bool(row["demo_only"])) and pd.Timestamp(row["first_at"]) > pd.Timestamp(due)
                out.loc[r.name, col] = "late" if late else "reported"
            elif today > due or (latest is not None and m <= latest):
                out.loc[r.name, col] = "missing" if r.level == "county" else "n/a"
            else:
                out.loc[r.name, col] = "open"
    out.index.name = "地区"
    return out


def upload_history(store: Store, user: User, limit: int = 200) -> pd.DataFrame:
    up = store.uploads(limit=limit)
    regions = store.regions()
    city = city_code(regions)
    # an upload is listed to its uploader and to a user who may read every region it touched
    per = store.upload_region_sets()
    keep = []
    for i, rc, who in zip(up["upload_id"], up["region_code"], up["user"], strict=True):
        touched = per.get(int(i)) or ([rc] if isinstance(rc, str) and rc else [])
        keep.append(who == user.username or (bool(touched) or access.can(user, "edit_targets"))
                    and access.allowed(user, "read", touched, city=city))
    return up[keep].reset_index(drop=True)


def withdraw_upload(store: Store, user: User, upload_id: int, reason: str) -> None:
    """Rollback of an accepted upload: the one withdrawal rule of ``importing.withdraw``."""
    from .importing import withdraw

    withdraw(store, int(upload_id), user, reason)


# ---- targets ---------------------------------------------------------------------------------------
@one_connection
def targets_view(store: Store, user: User) -> pd.DataFrame:
    """Every target with its source, official/draft, binding flag and, where several sources give
    a figure for the same indicator/region/year, the other figures beside it."""
    t = services.targets_table(store)
    regions = store.regions()
    del regions
    t = t[t["region"].isin(set(visible_regions(store, user)["name"]))].copy()
    key = ["indicator_code", "region", "year"]
    t["status_label"] = t["status"].map(SOURCE_STATUSES).fillna(t["status"])

    def others(g: pd.DataFrame) -> pd.Series:
        labels = [f"{v:g}（{s.strip()}，{lab}）" for v, s, lab in zip(g["target_value"], g["source"], g["status_label"], strict=False)]
        return pd.Series(["；".join(x for j, x in enumerate(labels) if j != i) for i in range(len(g))], index=g.index)

    multi = t.duplicated(key, keep=False)
    t["other_figures"] = ""
    if multi.any():
        t.loc[multi, "other_figures"] = t[multi].groupby(key, group_keys=False)[
            ["target_value", "source", "status_label"]].apply(others)
    t["conflict"] = multi
    return t.reset_index(drop=True)


def target_changes(store: Store, user: User) -> pd.DataFrame:
    """The change log of targets the user may see, with the region's name (``region_name``) and the
    source's document number (``source_name``) beside the codes, for people to read."""
    ch = store.target_changes()
    ch = ch[ch["region"].isna() | ch["region"].isin(set(visible_regions(store, user)["code"]))].copy()
    names = store.regions().set_index("code")["name"]
    docs = services.catalog(store).sources.set_index("code")["doc_number"]
    ch["region_name"] = ch["region"].map(names).fillna(ch["region"])
    ch["source_name"] = ch["source"].map(docs).fillna(ch["source"])
    return ch


def _indicator_code(store: Store, text: str) -> str | None:
    ind = services.catalog(store).indicators
    t = str(text).strip()
    for col in ("code", "name", "short_name"):
        hit = ind.loc[ind[col] == t, "code"]
        if len(hit):
            return str(hit.iloc[0])
    return None


def add_source(store: Store, user: User, *, doc_number: str, title: str, issuer: str | None,
               issued: str | None, status: str, figures: pd.DataFrame, reason: str,
               note: str | None = None) -> str:
    """Add a target source document with its figures (indicator, region, year, value,
    comparator[, clause, note]).  Old figures of other sources stay; the binding one is unchanged
    unless switched with ``set_binding`` (an official source outranks a draft by default)."""
    require(user, "edit_targets")
    if not title.strip():
        raise WebError("请填写文件标题。")
    if status not in SOURCE_STATUSES:
        raise WebError("文件状态只能是 正式文件（official）或 征求意见稿（draft）。")
    if not reason.strip():
        raise WebError("请写明新增原因（例如：正式文件印发，替代征求意见稿）。")
    if issued and not re.match(r"^\d{4}-\d{2}-\d{2}$", issued.strip()):
        raise WebError(f"印发日期 “{issued}” 格式应为 YYYY-MM-DD。")
    rows = _validate_figures(store, figures)
    code = "U-" + now().strftime("%Y%m%d%H%M%S") + "-" + re.sub(r"[^A-Za-z0-9]", "", doc_number)[:12]
    n = 0
    while sql.source_exists(store, code):
        n += 1
        code = f"{code.split('~')[0]}~{n}"
    with store.transaction() as con:
        sql.insert_source(con, code=code, doc_number=doc_number.strip() or "（无文号）", title=title.strip(),
                          issuer=issuer, issued=(issued or "").strip() or None, status=status, note=note,
                          actor=user.username)
        sql.record_target_change(con, actor=user.username, action="source.add", indicator=None, region=None,
                                 year=None, source=code, old_value=None, new_value=None, reason=reason.strip())
        for r in rows.itertuples():
            sql.upsert_target(con, indicator=r.indicator, region=r.region, year=r.year, source=code,
                              value=r.value, comparator=r.comparator, clause=r.clause, note=r.note)
            sql.record_target_change(con, actor=user.username, action="target.add", indicator=r.indicator,
                                     region=r.region, year=r.year, source=code, old_value=None,
                                     new_value=r.value, reason=reason.strip())
        store.audit(con, user.username, "target.source_add", f"source:{code}",
                    {"doc_number": doc_number, "title": title, "status": status, "figures": len(rows),
                     "reason": reason})
    return code


def _validate_figures(store: Store, figures: pd.DataFrame) -> pd.DataFrame:
    """Normalise a figures table; collect every problem, then fail once."""
    if figures is None or not len(figures):
        raise WebError("请至少填写一个目标值。")
    regions = store.regions()
    problems: list[str] = []
    out = []
    for i, r in enumerate(figures.to_dict("records"), start=1):
        if all(pd.isna(v) or str(v).strip() == "" for v in r.values()):
            continue
        code = _indicator_code(store, r.get("indicator", ""))
        if code is None:
            problems.append(f"第 {i} 行：指标 “{r.get('indicator')}” 不在指标目录中。")
        reg_text = str(r.get("region") or "").strip() or city_code(regions)
        try:
            reg = services.resolve_region(store, reg_text)
        except services.ServiceError:
            problems.append(f"第 {i} 行：地区 “{reg_text}” 不存在。")
            reg = None
        try:
            year = int(float(r.get("year")))
            if not 2000 <= year <= 2100:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"第 {i} 行：年份 “{r.get('year')}” 不是有效年份。")
            year = None
        try:
            value = float(str(r.get("value")).replace(",", "").strip())
            if np.isnan(value):
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"第 {i} 行：目标值 “{r.get('value')}” 不是数字。")
            value = None
        comp = str(r.get("comparator") or ">=").strip().replace("≥", ">=").replace("≤", "<=")
        if comp not in COMPARATORS:
            problems.append(f"第 {i} 行：比较方式 “{comp}” 只能是 >=、<= 或 =。")
        clause = r.get("clause")
        note = r.get("note")
        out.append(dict(indicator=code, region=reg, year=year, value=value, comparator=comp,
                        clause=None if clause is None or pd.isna(clause) else str(clause),
                        note=None if note is None or pd.isna(note) else str(note)))
    if problems:
        raise WebError(f"目标数据有 {len(problems)} 处问题：\n" + "\n".join(problems))
    if not out:
        raise WebError("请至少填写一个目标值。")
    df = pd.DataFrame(out)
    dup = df.duplicated(["indicator", "region", "year"], keep=False)
    if dup.any():
        d = df[dup].iloc[0]
        raise WebError(f"同一指标、地区、年份填了多次：{d['indicator']} {d['region']} {d['year']}。")
    return df


def set_binding(store: Store, user: User, *, indicator: str, region: str, year: int, source: str,
                reason: str) -> None:
    """Make ``source``'s figure the binding one for (indicator, region, year); logged with why."""
    require(user, "switch_binding")
    if not reason.strip():
        raise WebError("请写明切换原因。")
    bt = services.binding_targets(store)
    key = (bt["indicator"] == indicator) & (bt["region"] == region) & (bt["year"] == int(year))
    cands = bt[key]
    if not (cands["source"] == source).any():
        raise WebError("该出处没有这一指标、地区、年份的目标值，无法设为约束性目标。")
    current = cands[cands["binding"]]
    old_value = float(current["value"].iloc[0]) if len(current) else None
    old_source = str(current["source"].iloc[0]) if len(current) else None
    if old_source == source:
        raise WebError("所选出处已经是约束性目标。")
    new_value = float(cands.loc[cands["source"] == source, "value"].iloc[0])
    with store.transaction() as con:
        sql.set_binding(con, indicator=indicator, region=region, year=int(year), source=source,
                        actor=user.username, reason=reason.strip())
        sql.record_target_change(con, actor=user.username, action="binding.switch", indicator=indicator,
                                 region=region, year=int(year), source=source, old_value=old_value,
                                 new_value=new_value, reason=reason.strip())
        store.audit(con, user.username, "target.binding_switch", f"target:{indicator}/{region}/{year}",
                    {"from": old_source, "to": source, "old_value": old_value, "new_value": new_value,
                     "reason": reason})


DECOMP_COLUMNS = {"指标": "indicator", "地区": "region", "区县": "region", "年份": "year",
                  "目标值": "value", "目标": "value", "比较": "comparator", "条款": "clause", "备注": "note"}


def decomposition_template(store: Store, year: int) -> bytes:
    """A 任务分解表 template (xlsx): one row per county and county-scope indicator."""
    ind = services.catalog(store).indicators
    ind = ind[ind["scope"] == "county"].sort_values("sort")
    counties = store.regions()
    counties = counties[counties["level"] == "county"]
    rows = [{"指标": i.name, "地区": c.name, "年份": year, "目标值": None, "比较": ">=", "条款": "", "备注": ""}
            for i in ind.itertuples() for c in counties.itertuples()]
    return outputs.xlsx_bytes(pd.DataFrame(rows), "任务分解表")


def read_decomposition(data: bytes, file_name: str) -> pd.DataFrame:
    """Read an uploaded 任务分解表 (xlsx, xls or csv) into the figures table ``add_source`` takes.

    The file goes through the importer's guarded reader (size and unpacked-size limits, no DTDs,
    no macros, format told from the bytes): an uploaded file is hostile until proven otherwise."""
    try:
        book = read_workbook(data)
    except FileRefused as exc:
        raise WebError(f"无法读取文件 “{file_name}”：{exc.problem.message}") from None
    sheets = [sh for sh in book.sheets if not sh.hidden and any(any(v is not None for v in r) for r in sh.rows)]
    if not sheets:
        raise WebError(f"文件 “{file_name}” 里没有数据。请用本页下载的模板填写任务分解表。")
    rows = [r for r in sheets[0].rows if any(v is not None and str(v).strip() for v in r)]
    width = max(len(r) for r in rows)
    grid = [[None if v is None else str(v).strip() for v in r] + [None] * (width - len(r)) for r in rows]
    df = pd.DataFrame(grid[1:], columns=[c or f"列{i + 1}" for i, c in enumerate(grid[0])])
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("指标", "年份", "目标值") if c not in df.columns]
    if missing or not ({"地区", "区县"} & set(df.columns)):
        raise WebError("任务分解表缺少列：" + "、".join(missing + ([] if {"地区", "区县"} & set(df.columns) else ["地区"]))
                       + "。请用本页下载的模板填写。")
    df = df.rename(columns={k: v for k, v in DECOMP_COLUMNS.items() if k in df.columns})
    df = df[[c for c in ("indicator", "region", "year", "value", "comparator", "clause", "note") if c in df.columns]]
    return df[df["value"].notna() & (df["value"].astype(str).str.strip() != "")].reset_index(drop=True)


# ---- users ---------------------------------------------------------------------------------------
def list_users(store: Store, user: User) -> pd.DataFrame:
    require(user, "manage_users")
    return store.users()


def add_user(store: Store, user: User, *, username: str, password: str, role: str, region: str | None,
             display_name: str | None = None, email: str | None = None) -> None:
    require(user, "manage_users")
    auth.add_user(store, username, password, role, region if role == "county" else None, actor=user.username,
                  display_name=display_name or None, email=email or None,
                  region_codes=set(store.regions()["code"]))


def set_role(store: Store, user: User, username: str, role: str, region: str | None) -> None:
    require(user, "manage_users")
    if role not in auth.ROLES:
        raise WebError(f"角色 “{role}” 无效。")
    if role == "county" and not region:
        raise WebError("区县填报员必须指定所属区县。")
    if role == "county" and region not in set(store.regions()["code"]):
        raise WebError(f"区县 “{region}” 不存在。")
    if username == user.username and role != "admin":
        raise WebError("不能取消自己的管理员角色（以免系统没有管理员）。请让另一位管理员操作。")
    store.update_user(username, user.username, "user.set_role", role=role,
                      region=region if role == "county" else None)


def reset_password(store: Store, user: User, username: str, new_password: str) -> None:
    require(user, "manage_users")
    store.update_user(username, user.username, "user.reset_password",
                      password_hash=auth.hash_password(new_password), password_changed_at=now(),
                      failed_attempts=0, locked_until=None)


def set_active(store: Store, user: User, username: str, active: bool) -> None:
    require(user, "manage_users")
    if username == user.username and not active:
        raise WebError("不能停用自己的账号。")
    store.update_user(username, user.username, "user.enable" if active else "user.disable", active=bool(active))


def user_from_email(store: Store, email: str) -> User:
    """Map an OIDC identity's e-mail to an account (sign-in through st.login)."""
    row = sql.user_by_email(store, email)
    if row is None:
        raise auth.AuthError(f"邮箱 {email} 没有对应的账号。请联系管理员在用户管理中为您登记邮箱。")
    if not row["active"]:
        raise auth.AuthError("该账号已停用，请联系管理员。")
    return User(row["username"], row["role"], row["region"], row["display_name"])


def session_expired(last_seen: datetime | None, minutes: int, at: datetime | None = None) -> bool:
    return last_seen is not None and (at or now()) - last_seen > timedelta(minutes=minutes)


__all__ = [
    "NotFoundError", "StoreError", "WebError", "PermissionDenied",
]
