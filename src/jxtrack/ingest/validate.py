"""Raw figures -> values in each measure's canonical unit, plus every problem found.

Rules (each problem code is listed in problems.CODES):
* region and period come from the arguments, the template metadata or the sheet (title, 填报单位,
  报告期); where two of them disagree the file is refused (wrong_region / wrong_period);
* a figure is converted by its stated unit (unit column, unit in brackets in the name or header)
  into the measure's unit: 58 300 万元 -> 5.83 亿元; a unit of another dimension is refused;
* counts cannot be negative or fractional, a percentage cannot exceed 100, a part (完成2.0企业数)
  cannot exceed its whole (规上企业数);
* a rate reported together with its parts is not stored (the rate is derived from the parts);
  a rate reported alone is stored under its ``rate`` measure and never turned into invented parts;
* 合计/小计 rows are not stored but compared with the sum of the rows above;
* a formula without a stored value is an error, except in a 合计 row (files written by programs
  often leave totals uncomputed);
* a placeholder ('无', '—', '/', 'N/A', '暂无' …) means no figure: in a cell the monthly template
  asks the region to fill it is a warning naming the cell (the figure stays unreported), in any
  other cell it is simply blank;
* a year-to-date (or cumulative) figure lower than the previous period's is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

import pandas as pd

from jxtrack.domain.problems import Problem, problem
from jxtrack.ingest import normalise as nz
from jxtrack.ingest.layout import RawValue, SheetResult
from jxtrack.ingest.normalise import Matcher
from metrics.periods import format_period, label_ytd, period_month, period_year

VALUE_COLUMNS = ["region", "period", "measure", "value", "raw_value", "sheet", "cell", "note", "unit"]
# last year's same-period figures a sheet offers beside the report (去年同期累计), in the measure's unit:
# ``period`` is the report's, ``tolerance`` half a unit of the last digit written (rounding)
LAST_YEAR_COLUMNS = ["region", "period", "measure", "value", "tolerance", "raw_value", "sheet", "cell", "column"]
WHOLE_DIMS = {"count", "people"}
NONNEG_COUNT_DIMS = {"count", "people", "area"}


@dataclass
class Resolved:
    values: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    layouts: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)    # how the file was read, for people
    last_year: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LAST_YEAR_COLUMNS))


def _region_name(m: Matcher, code: str | None) -> str:
    return m.region_info.get(code, {}).get("name", code or "") if code else ""


def _pick_region(m: Matcher, found: dict[str, str]) -> dict[str, str]:
    """A title that says '嘉兴市嘉善县…' names the county: drop the city when a county is named."""
    counties = {c: w for c, w in found.items() if m.region_info.get(c, {}).get("level") != "city"}
    return counties or found


def resolve(results: list[SheetResult], m: Matcher, *, region: str | None, period: str | None,
            meta: dict[str, tuple[str, str]], meta_sheet: str) -> Resolved:
    out = Resolved(pd.DataFrame(columns=VALUE_COLUMNS))
    probs = out.problems
    rows: list[dict] = []
    last_year: list[dict] = []
    asked = _AskedMeasures(m)
    meta_region = meta.get("region")
    meta_period = meta.get("period")
    for res in results:
        probs.extend(res.problems)
        if res.layout is None:
            continue
        out.layouts.append(res.layout)
        # -- what the sheet itself says
        stated_r = _pick_region(m, res.regions)
        stated_p = dict(res.periods)
        if meta_region and meta_region[0] in m.region_info:
            stated_r = {meta_region[0]: f"{meta_sheet}!{meta_region[1]}"} | {
                k: f"{res.sheet}!{v}" for k, v in stated_r.items()}
        else:
            stated_r = {k: f"{res.sheet}!{v}" for k, v in stated_r.items()}
        if meta_period:
            stated_p = {meta_period[0]: f"{meta_sheet}!{meta_period[1]}"} | {
                k: f"{res.sheet}!{v}" for k, v in stated_p.items()}
        else:
            stated_p = {k: f"{res.sheet}!{v}" for k, v in stated_p.items()}
        sheet_region = _agree(probs, m, res, "region", region, stated_r)
        sheet_period = _agree(probs, m, res, "period", period, stated_p)
        if sheet_period is None and period is None and not stated_p and res.header_span:
            y, mo, cell, _ = res.header_span
            where = f"{res.sheet}!{cell}"
            if y is None and res.title_year:
                # '1-10月累计' under '海宁市2025年…': the months in the header, the year in the title
                y, where = res.title_year[0], f"{where}、{res.title_year[1]}"
            if y is not None:  # '2025年1-10月累计': the period only in the value column's header
                sheet_period, stated_p = format_period(y, mo), {format_period(y, mo): where}
        out.explanation.extend(res.explanation)
        if sheet_period is not None and res.header_span:
            # the value column's header says which months it sums; when that is not the period
            # found (a sheet copied from last month keeps '1-9月累计' under a new 报告期), the
            # column may well hold last month's figures: refused, never read as this period's
            y, mo, cell, text = res.header_span
            if period_month(sheet_period) != mo or (y is not None and y != period_year(sheet_period)):
                where = "导入时指定" if period is not None else (
                    f"见{_place(stated_p[sheet_period])}" if sheet_period in stated_p else "")
                probs.append(problem(
                    "wrong_period", None, res.sheet, cell, text, variant="header_month", header_cell=cell, header=text,
                    months=f"{f'{y}年' if y else ''}{'1–' if mo > 1 else ''}{mo}月", period=label_ytd(sheet_period),
                    where=f"（{where}）" if where else "",
                    expected=f"{'1-' if period_month(sheet_period) > 1 else ''}{period_month(sheet_period)}月"))
                sheet_period = None
        if res.values:
            out.explanation.append(_said(m, res, "region", region, stated_r, sheet_region)
                                   + "；" + _said(m, res, "period", period, stated_p, sheet_period) + "。")
        needs_region = any(v.region is None for v in res.values)
        needs_period = any(v.period is None for v in res.values)
        if needs_region and sheet_region is None and not any(
                p.code == "wrong_region" and p.sheet == res.sheet for p in probs):
            probs.append(problem("region_unknown", None, res.sheet))
        if needs_period and sheet_period is None and not any(
                p.code == "wrong_period" and p.sheet == res.sheet for p in probs):
            probs.append(problem("period_unknown", None, res.sheet))
        if res.layout in ("regions_as_rows", "long") and region is not None:
            others = {v.region for v in res.values if v.region and v.region != region}
            if others:
                v0 = next(v for v in res.values if v.region in others)
                probs.append(problem("wrong_region", None, res.sheet, v0.region_cell, _region_name(m, v0.region),
                                      variant="other_regions", region=_region_name(m, region),
                                      others="、".join(_region_name(m, o) for o in sorted(others))))
        if res.layout == "long" and period is not None:
            others = {v.period for v in res.values if v.period and v.period != period}
            if others:
                v0 = next(v for v in res.values if v.period in others)
                probs.append(problem("wrong_period", None, res.sheet, v0.cell, v0.period, variant="other_periods",
                                      period=period, others="、".join(sorted(others))))
        for v in res.values:
            rows.append(_convert(v, m, v.region or sheet_region, v.period or sheet_period, probs, asked))
        for v in res.last_year:
            # converted as a report is, by the same rules; a figure that does not convert is no
            # check (nothing of it is stored), so its problems are not the file's
            c = _convert(v, m, v.region or sheet_region, v.period or sheet_period, [], asked)
            if c is not None:
                last_year.append({**{k: c[k] for k in ("region", "period", "measure", "value", "raw_value",
                                                         "sheet", "cell")},
                                  "tolerance": _rounding(v.raw, v.percent_cell) * m.unit_factor[c["_from_unit"]] / m.unit_factor[c["unit"]],
                                  "column": res.last_year_column})
        _check_totals(res, m, rows, probs)
    rows = [r for r in rows if r is not None]
    out.explanation.extend(_conversions(rows))
    _check_duplicates(rows, probs)
    _check_parts(rows, m, probs)
    rows = _drop_redundant_rates(rows, m)
    _check_scope(rows, m, probs)
    if rows:
        out.values = pd.DataFrame(rows)[VALUE_COLUMNS + ["_sheet_cell"]].drop(columns="_sheet_cell")
    if last_year:
        out.last_year = pd.DataFrame(last_year, columns=LAST_YEAR_COLUMNS)
    return out


def _rounding(raw: object, percent_cell: bool = False) -> float:
    """Half a unit of the last digit written: '41.7' -> 0.05, 417000 -> 0.5 (a figure rounded to what
    it shows differs from the exact one by at most this); a cell formatted as percent holds the
    fraction (0.593 shown as 59.3%), so its digits count a hundred times over."""
    if isinstance(raw, float) and raw.is_integer() and not percent_cell:
        return 0.5                      # a whole number (an .xls cell holds every number as a float)
    text = repr(raw) if isinstance(raw, float) else nz.nfkc(str(raw)).strip().rstrip("%")
    try:
        exponent = Decimal(text.replace(",", "").replace(" ", "")).as_tuple().exponent
    except InvalidOperation:
        return 0.5
    half = 0.5 * 10.0 ** min(int(exponent), 0) if isinstance(exponent, int) else 0.5
    return half * 100 if percent_cell else half


def _said(m: Matcher, res: SheetResult, what: str, given: str | None, stated: dict[str, str],
          found: str | None) -> str:
    """'地区：海宁市（A2）' – what the sheet was taken to be, and where that was found."""
    word = "地区" if what == "region" else "报告期"
    if res.layout != "measures_as_rows" and what == "region" and any(v.region for v in res.values):
        return f"{word}：逐行读取"
    if res.layout == "long" and what == "period":
        return f"{word}：逐行读取"
    if found is None:
        return f"{word}：未能确定"
    label = _region_name(m, found) if what == "region" else label_ytd(found)
    if given is not None:
        return f"{word}：{label}（导入时指定" + ("，与表中所写一致）" if stated else "）")
    return f"{word}：{label}（见{_place(stated[found])}）" if found in stated else f"{word}：{label}"


def _conversions(rows: list[dict]) -> list[str]:
    """One line per unit conversion applied: '单位换算：万元 → 亿元（÷10000）3项：D6、D9、D12'."""
    by: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        if r["_from_unit"] and r["_from_unit"] != r["unit"]:
            by.setdefault((r["_from_unit"], r["unit"]), []).append(f"{r['sheet']}!{r['cell']}")
    out = []
    for (a, b), cells in by.items():
        shown = "、".join(cells[:5]) + ("等" if len(cells) > 5 else "")
        out.append(f"单位换算：{a} → {b}，{len(cells)}项（{shown}）。")
    return out


def _agree(probs: list[Problem], m: Matcher, res: SheetResult, what: str, given: str | None,
           stated: dict[str, str]) -> str | None:
    """The sheet's region/period: the argument, else what the sheet says; refuse disagreement."""
    label = (lambda x: _region_name(m, x)) if what == "region" else label_ytd
    code = "wrong_region" if what == "region" else "wrong_period"
    if given is not None:
        for s, where in stated.items():
            if s != given:
                sheet, _, cell = where.partition("!")
                probs.append(problem(code, None, sheet, cell, label(s), stated=label(s), given=label(given)))
                return None
        return given
    if len(stated) > 1:
        where = next(iter(stated.values()))
        sheet, _, cell = where.partition("!")
        probs.append(problem(code, None, sheet, cell, "、".join(label(s) for s in stated), variant="several",
                listed="、".join(f"{label(s)}（{_place(w)}）" for s, w in stated.items())))
        return None
    return next(iter(stated), None)


class _AskedMeasures:
    """Which measures the monthly template asks a region to fill (template.asked_measures owns the
    answer), per region level; a region not yet known is taken as a county."""

    def __init__(self, m: Matcher):
        self.m = m
        self._by_level: dict[str, frozenset[str]] = {}

    def __call__(self, region: str | None) -> frozenset[str]:
        level = self.m.region_info.get(region, {}).get("level", "county") if region else "county"
        if level not in self._by_level:
            from jxtrack.ingest.template import asked_measures  # openpyxl only when a placeholder is met

            self._by_level[level] = asked_measures(self.m.catalog, level)
        return self._by_level[level]


def _place(where: str) -> str:
    """'9月!C2' as written in a message; a period from a sheet's name has no cell."""
    sheet, _, cell = where.partition("!")
    return where if cell else f"工作表名“{sheet}”"


def _convert(v: RawValue, m: Matcher, region: str | None, period: str | None,
             probs: list[Problem], asked: _AskedMeasures) -> dict | None:
    info = m.measure_info[v.measure]
    mu = info["unit"]
    mdim = m.unit_dim[mu]
    mname = info["name"]
    if v.placeholder:
        if v.measure in asked(region):
            probs.append(problem("placeholder_not_reported", None, v.sheet, v.cell, nz.cell_text(v.raw), name=mname,
                    raw=nz.cell_text(v.raw), unit=mu))
        return None
    if v.formula_without_value:
        probs.append(problem("formula_no_value", None, v.sheet, v.cell, "（公式，无结果）", name=mname))
        return None
    raw = v.raw
    if mdim == "flag" and isinstance(raw, str) and nz.squash(raw) in ("是", "否", "已获批", "未获批"):
        raw = 1.0 if nz.squash(raw) in ("是", "已获批") else 0.0
    num = nz.parse_number(raw, v.percent_cell)
    if num is None:
        probs.append(problem("not_a_number", None, v.sheet, v.cell, nz.cell_text(raw), name=mname, unit=mu))
        return None
    unit = None
    if v.sheet_unit and (m.unit(v.unit_text) is None or m.unit_dim[m.unit(v.unit_text)] != mdim):
        v = replace(v, unit_text=None, unit_cell=None)   # '单位：万元' above a table speaks of its amounts
    if v.unit_text:
        unit = m.unit(v.unit_text)
        if unit is None and nz.squash(v.unit_text) in ("%",):
            unit = "%"
        if unit is None:
            probs.append(problem("unknown_unit", None, v.sheet, v.unit_cell or v.cell, v.unit_text, name=mname,
                    unit=v.unit_text, expected=mu))
            return None
    if num.percent:
        if unit is not None and unit != "%":
            probs.append(problem("unit_not_convertible", None, v.sheet, v.cell, nz.cell_text(v.raw), variant="percent",
                    name=mname, unit=unit))
            return None
        unit = "%"
    unit = unit or mu
    if m.unit_dim[unit] != mdim:
        probs.append(problem("unit_not_convertible", None, v.sheet, v.unit_cell if unit != "%" or not num.percent else v.cell,
                  v.unit_text or nz.cell_text(v.raw), name=mname, expected=mu, unit=unit,
                  what="百分数" if unit == "%" else unit))
        return None
    # convert by the stated unit: value × factor(stated) / factor(canonical)
    value = nz.tidy(num.value * m.unit_factor[unit] / m.unit_factor[mu])
    ok = True
    if value < 0:
        code = "negative_count" if mdim in NONNEG_COUNT_DIMS else "negative_value"
        probs.append(problem(code, None, v.sheet, v.cell, nz.cell_text(v.raw), name=mname))
        ok = False
    if mu == "%" and value > 100:
        probs.append(problem("rate_over_100", None, v.sheet, v.cell, nz.cell_text(v.raw), name=mname))
        ok = False
    if mdim in WHOLE_DIMS and ok and abs(value - round(value)) > 1e-9:
        probs.append(problem("not_whole_number", None, v.sheet, v.cell, nz.cell_text(v.raw), name=mname, unit=mu))
        ok = False
    if mdim == "flag" and ok and value not in (0.0, 1.0):
        probs.append(problem("not_a_number", None, v.sheet, v.cell, nz.cell_text(v.raw), variant="flag", name=mname))
        ok = False
    if not ok or region is None or period is None:
        return None
    return {
        "region": region, "period": period, "measure": v.measure, "value": value,
        "raw_value": nz.cell_text(v.raw) + (f" {v.unit_text}" if v.unit_text and unit != mu else ""),
        "sheet": v.sheet, "cell": v.cell, "note": v.note, "unit": mu, "_sheet_cell": (v.sheet, v.cell),
        "_mname": mname, "_from_unit": unit,
    }


def _check_totals(res: SheetResult, m: Matcher, rows: list[dict | None], probs: list[Problem]) -> None:
    for tot in res.totals:
        for code, (raw, cell, unit_text, pct) in tot.values.items():
            info = m.measure_info[code]
            if info["unit"] == "%" or info["behaviour"] == "rate":
                continue
            num = nz.parse_number(raw, pct)
            if num is None:
                continue
            unit = m.unit(unit_text) if unit_text else info["unit"]
            if unit is None or m.unit_dim[unit] != m.unit_dim[info["unit"]]:
                continue
            total = num.value * m.unit_factor[unit] / m.unit_factor[info["unit"]]
            parts = [r for r in rows if r and r["sheet"] == res.sheet and r["measure"] == code
                     and m.region_info.get(r["region"], {}).get("summable") and _row_of(r["cell"]) < tot.row]
            figures = [v for v in res.values if v.measure == code and not v.placeholder
                       and m.region_info.get(v.region, {}).get("summable") and _row_of(v.cell) < tot.row]
            if len(parts) < len(figures):
                # a figure above was not read (its cell's problem, or the sheet's unknown period or
                # region, is already reported): a sum without it would only mislead
                continue
            s = sum(r["value"] for r in parts)
            tol = max(1e-6 * abs(total), 0.006 * max(len(parts), 1) * m.unit_factor[unit] / m.unit_factor[info["unit"]])
            if abs(s - total) > tol:
                probs.append(problem("sum_mismatch", None, res.sheet, cell, nz.cell_text(raw), name=info["name"],
                                      total=f"{nz.tidy(total):g}", summed=f"{nz.tidy(s):g}", unit=info["unit"]))


def _row_of(cell: str) -> int:
    """0-based row of an A1 cell."""
    return int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) - 1


def _check_duplicates(rows: list[dict], probs: list[Problem]) -> None:
    seen: dict[tuple, dict] = {}
    for r in rows:
        key = (r["region"], r["period"], r["measure"])
        if key in seen:
            first = seen[key]
            probs.append(problem("duplicate_row", None, r["sheet"], r["cell"], r["raw_value"], name=r["_mname"],
                    other=f"{first['sheet']}!{first['cell']}"))
        else:
            seen[key] = r


def _check_parts(rows: list[dict], m: Matcher, probs: list[Problem]) -> None:
    """A part (完成2.0企业数, 绿色工厂数) cannot exceed its whole (规上企业数, 重点用能企业数)."""
    ind = m.catalog.indicators
    pairs = [(r.numerator_measures[0], r.denominator) for r in ind.itertuples()
             if r.formula == "ratio" and r.unit == "%" and len(r.numerator_measures) == 1
             and m.unit_dim.get(m.measure_info.get(r.denominator, {}).get("unit")) == "count"]
    by = {(r["region"], r["period"], r["measure"]): r for r in rows}
    for num, den in pairs:
        for (reg, per, mea), r in by.items():
            if mea != num:
                continue
            d = by.get((reg, per, den))
            if d is not None and r["value"] > d["value"]:
                probs.append(problem("part_exceeds_whole", None, r["sheet"], r["cell"], r["raw_value"], part=r["_mname"],
                                      part_value=f"{r['value']:g}", whole=d["_mname"], whole_value=f"{d['value']:g}",
                                      whole_cell=f"{d['sheet']}!{d['cell']}"))


def _drop_redundant_rates(rows: list[dict], m: Matcher) -> list[dict]:
    """A rate reported beside its numerator and denominator is derived from them; keep the parts."""
    have = {(r["region"], r["period"], r["measure"]) for r in rows}
    out = []
    for r in rows:
        info = m.measure_info[r["measure"]]
        if info["behaviour"] == "rate":
            from jxtrack.ingest.layout import _rate_parts

            parts = _rate_parts(m, r["measure"])
            if parts and all((r["region"], r["period"], p) in have for p in parts):
                continue
        out.append(r)
    return out


def _check_scope(rows: list[dict], m: Matcher, probs: list[Problem]) -> None:
    """City-only measures (市本级资金, 贷款余额) are not reported by a county."""
    for r in rows:
        info = m.measure_info[r["measure"]]
        level = m.region_info.get(r["region"], {}).get("level")
        if info["scope"] == "city" and level != "city":
            probs.append(problem("measure_not_for_region", None, r["sheet"], r["cell"], r["raw_value"], name=info["name"],
                    region=_region_name(m, r["region"])))


def check_ytd(values: pd.DataFrame, history: pd.DataFrame, m: Matcher) -> list[Problem]:
    """Warn where a year-to-date (or cumulative) figure is lower than the previous period's.

    ``history`` holds the figures in force (region, period, measure, value); figures in the file
    take precedence over stored ones for the same period."""
    if values.empty:
        return []
    beh = {c: i["behaviour"] for c, i in m.measure_info.items()}
    v = values[values["measure"].map(beh).isin(["ytd_flow", "cumulative"])]
    if v.empty:
        return []
    file_keys = set(zip(v["region"], v["period"], v["measure"], strict=False))
    h = history[[k not in file_keys for k in zip(history["region"], history["period"], history["measure"], strict=False)]] \
        if len(history) else history
    allv = pd.concat([h[["region", "period", "measure", "value"]].assign(src="db"),
                      v[["region", "period", "measure", "value", "sheet", "cell", "raw_value"]].assign(src="file")],
                     ignore_index=True).sort_values(["region", "measure", "period"])
    out: list[Problem] = []
    for (_reg, mea), g in allv.groupby(["region", "measure"], sort=False):
        prev = None
        for r in g.itertuples():
            if prev is not None and r.src == "file":
                same_year = period_year(prev.period) == period_year(r.period)
                if (beh[mea] == "cumulative" or same_year) and r.value < prev.value - 1e-9:
                    name = m.measure_info[mea]["name"]
                    out.append(problem("ytd_decrease", None, r.sheet, r.cell, r.raw_value, name=name, now=f"{r.value:g}",
                                       prev_period=label_ytd(prev.period), prev_value=f"{prev.value:g}"))
            if beh[mea] == "ytd_flow" and prev is not None and period_year(prev.period) != period_year(r.period):
                prev = None
            prev = r
    return out


def check_last_year(last_year: pd.DataFrame, history: pd.DataFrame, m: Matcher) -> tuple[list[Problem], list[str]]:
    """Last year's same-period figures the sheet offers (去年同期累计) against the figures in force
    for the same region and period a year earlier: a difference beyond the rounding of the figure as
    written is a warning (the sheet or the stored history is wrong; the report itself is not
    refused).  Returns the warnings and a line for the 读取说明 per column checked."""
    if last_year is None or last_year.empty:
        return [], []
    stored = ({} if history is None or history.empty else
              dict(zip(zip(history["region"], history["period"], history["measure"], strict=False),
                       history["value"].astype(float), strict=False)))
    out: list[Problem] = []
    lines: list[str] = []
    for column, g in last_year.groupby("column", sort=False, dropna=False):
        same = differ = 0
        missing: set[str] = set()
        for r in g.itertuples():
            before = format_period(period_year(r.period) - 1, period_month(r.period))
            old = stored.get((r.region, before, r.measure))
            if old is None:
                missing.add(label_ytd(before))
                continue
            info = m.measure_info[r.measure]
            if abs(float(r.value) - old) <= r.tolerance + 1e-9 * max(1.0, abs(old)):
                same += 1
                continue
            differ += 1
            out.append(problem(
                "last_year_mismatch", None, r.sheet, r.cell, str(r.raw_value), name=info["name"], column=column,
                raw=r.raw_value, unit=info["unit"], before=label_ytd(before), old=f"{nz.tidy(old):g}",
                converted=(f"（即 {nz.tidy(float(r.value)):g} {info['unit']}）"
                           if str(r.raw_value) != f"{float(r.value):g}" else ""),
                diff=f"{nz.tidy(abs(float(r.value) - old)):g}"))
        checked = same + differ
        text = f"去年同期数核对：{column}"
        if checked:
            text += f"{checked}项与系统中去年同期的数核对，{same}项一致" + (f"，{differ}项不一致（见提醒）" if differ else "")
            text += f"；{len(g) - checked}项系统中没有去年同期的数，未核对。" if len(g) > checked else "。"
        else:
            text += f"：系统中没有{'、'.join(sorted(missing))}的数，未核对。"
        lines.append(text)
    return out, lines
