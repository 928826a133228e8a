"""Targets and their sources: every figure with its document and clause, which one binds and why,
new source documents, binding switches (logged with who and why) and county decompositions."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from jxtrack.catalog.model import city_code
from jxtrack.domain.access import User
from jxtrack.domain.problems import FileRefused
from jxtrack.domain.reasons import require_reason
from jxtrack.ingest.reader import read_workbook
from jxtrack.present import outputs
from jxtrack.services import lookup, status_table
from jxtrack.services.regions import WebError, one_connection, require, visible_regions
from jxtrack.store import admin as sql
from jxtrack.store.interface import Con, Store, now

SOURCE_STATUSES = {"official": "正式文件", "draft": "征求意见稿/草案"}
COMPARATORS = (">=", "<=", "=")


# ---- targets ---------------------------------------------------------------------------------------
@one_connection
def targets_view(store: Store, user: User) -> pd.DataFrame:
    """Every target with its source, official/draft, binding flag and, where several sources give
    a figure for the same indicator/region/year, the other figures beside it."""
    t = status_table.targets_table(store)
    regions = lookup.regions(store)
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
    names = lookup.regions(store).set_index("code")["name"]
    docs = lookup.catalog(store).sources.set_index("code")["doc_number"]
    ch["region_name"] = ch["region"].map(names).fillna(ch["region"])
    ch["source_name"] = ch["source"].map(docs).fillna(ch["source"])
    return ch


def _indicator_code(store: Store, text: str) -> str | None:
    ind = lookup.catalog(store).indicators
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
    reason = require_reason(reason, "新增目标出处")
    if issued and not re.match(r"^\d{4}-\d{2}-\d{2}$", issued.strip()):
        raise WebError(f"印发日期 “{issued}” 格式应为 YYYY-MM-DD。")
    rows = _validate_figures(store, figures)
    code = "U-" + now().strftime("%Y%m%d%H%M%S") + "-" + re.sub(r"[^A-Za-z0-9]", "", doc_number)[:12]
    n = 0
    while sql.source_exists(store, code):
        n += 1
        code = f"{code.split('~')[0]}~{n}"

    def add(con: Con) -> None:
        sql.insert_source(con, code=code, doc_number=doc_number.strip() or "（无文号）", title=title.strip(),
                          issuer=issuer, issued=(issued or "").strip() or None, status=status, note=note,
                          actor=user.username)
        sql.record_target_change(con, actor=user.username, action="source.add", indicator=None, region=None,
                                 year=None, source=code, old_value=None, new_value=None, reason=reason)
        for r in rows.itertuples():
            sql.upsert_target(con, indicator=r.indicator, region=r.region, year=r.year, source=code,
                              value=r.value, comparator=r.comparator, clause=r.clause, note=r.note)
            sql.record_target_change(con, actor=user.username, action="target.add", indicator=r.indicator,
                                     region=r.region, year=r.year, source=code, old_value=None,
                                     new_value=r.value, reason=reason)

    store.write(user.username, "target.source_add", f"source:{code}", add,
                detail={"doc_number": doc_number, "title": title, "status": status, "figures": len(rows),
                        "reason": reason})
    return code


def _validate_figures(store: Store, figures: pd.DataFrame) -> pd.DataFrame:
    """Normalise a figures table; collect every problem, then fail once."""
    if figures is None or not len(figures):
        raise WebError("请至少填写一个目标值。")
    regions = lookup.regions(store)
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
            reg = lookup.resolve_region(store, reg_text)
        except lookup.ServiceError:
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
    reason = require_reason(reason, "切换约束性目标")
    bt = status_table.binding_targets(store)
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

    def switch(con: Con) -> None:
        sql.set_binding(con, indicator=indicator, region=region, year=int(year), source=source,
                        actor=user.username, reason=reason)
        sql.record_target_change(con, actor=user.username, action="binding.switch", indicator=indicator,
                                 region=region, year=int(year), source=source, old_value=old_value,
                                 new_value=new_value, reason=reason)

    store.write(user.username, "target.binding_switch", f"target:{indicator}/{region}/{year}", switch,
                detail={"from": old_source, "to": source, "old_value": old_value, "new_value": new_value,
                        "reason": reason})


DECOMP_COLUMNS = {"指标": "indicator", "地区": "region", "区县": "region", "年份": "year",
                  "目标值": "value", "目标": "value", "比较": "comparator", "条款": "clause", "备注": "note"}


def decomposition_template(store: Store, year: int) -> bytes:
    """A 任务分解表 template (xlsx): one row per county and county-scope indicator."""
    ind = lookup.catalog(store).indicators
    ind = ind[ind["scope"] == "county"].sort_values("sort")
    counties = lookup.regions(store)
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


