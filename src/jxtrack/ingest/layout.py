"""Find the table in a sheet and pull out raw figures, whatever the sheet's layout.

Three layouts are recognised from the cells themselves:

* ``measures_as_rows`` – one region per sheet (the county monthly report, our template): a column
  of measure names, a unit column or units in the names, one value column (本期/累计/1-N月…),
  perhaps a 备注/偏差说明 column.
* ``regions_as_rows`` – the working group's summary: a column of county names, one measure per
  column (units in the headers), a 合计 row.
* ``long`` – one figure per row with region, period, measure and value columns (history exports).

Title, 填报单位/报告期 and footer rows, merged multi-row headers, section rows and blank rows are
skipped.  Nothing here converts or validates values; that is validate.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from jxtrack.domain.problems import Problem, problem
from jxtrack.ingest import header as hd
from jxtrack.ingest import normalise as nz
from jxtrack.ingest.normalise import Matcher, a1
from jxtrack.ingest.reader import Sheet
from metrics.periods import format_period, period_year

MAX_HEADER_SCAN = 40

_NAME_HEADER = re.compile(r"指标|名称|项目|内容")
_REGION_HEADER = re.compile(r"地区|区县|县\(市|县市区|单位名称|填报单位|行政区|地方")
_PERIOD_HEADER = re.compile(r"报告期|期间|月份|年月|时间|期别|统计期")
_UNIT_HEADER = re.compile(r"单位")
_NOTE_HEADER = re.compile(r"备注|说明|偏差|原因")
_CODE_HEADER = re.compile(r"代码|编码|code")
# value columns we never read in a measures-as-rows sheet: comparisons, references, targets
_SKIP_HEADER = re.compile(r"同比|增长|增速|增幅|比上年|上年|去年|上期|参考|环比|排名|排序|序号|目标|进度|完成率|比重|名次")
_VALUE_HEADER = re.compile(r"本期|累计|完成|\d+-\d+月|本年|数值|实际|填报|数据|本月|值|数量|金额")


@dataclass
class RawValue:
    """One figure as found: where, what, and the unit text that applies to it."""

    sheet: str
    cell: str
    measure: str
    raw: Any
    region: str | None = None           # region code when the row/column says it
    region_cell: str | None = None
    period: str | None = None           # 'YYYY-MM' when the row says it (long layout)
    unit_text: str | None = None        # unit as written (None: not given)
    unit_cell: str | None = None
    note: str | None = None
    percent_cell: bool = False
    formula_without_value: bool = False
    placeholder: bool = False           # '无', '—', 'N/A' …: no figure given (validate decides)
    sheet_unit: bool = False            # the unit is the '单位：万元' line above the table


@dataclass
class TotalRow:
    """A 合计/小计 row: measure -> (raw value, cell, unit text, percent flag), for the sum check."""

    sheet: str
    row: int
    values: dict[str, tuple[Any, str, str | None, bool]] = field(default_factory=dict)


@dataclass
class SheetResult:
    sheet: str
    layout: str | None = None
    values: list[RawValue] = field(default_factory=list)
    totals: list[TotalRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    regions: dict[str, str] = field(default_factory=dict)   # region code -> cell where stated
    periods: dict[str, str] = field(default_factory=dict)   # period -> cell where stated
    explanation: list[str] = field(default_factory=list)    # how the sheet was read, for people
    header_span: tuple[int | None, int, str, str] | None = None  # (year, last month, cell, text) of
    #                                                         the value column's header ('1-10月累计')
    title_year: tuple[int, str] | None = None  # the one year the rows above the table name, and where
    # last year's same-period figures (去年同期累计), as a check against the stored ones, and the
    # column they came from ('E列「去年同期累计」')
    last_year: list[RawValue] = field(default_factory=list)
    last_year_column: str | None = None


def _filled(sheet: Sheet) -> list[list[Any]]:
    """The grid with merged ranges filled from their top-left cell (for reading headers)."""
    if not sheet.merged:
        return sheet.rows
    rows = [list(r) for r in sheet.rows]
    for r0, c0, r1, c1 in sheet.merged:
        if r1 - r0 > 50 or c1 - c0 > 50 or r0 >= len(rows):
            continue
        v = rows[r0][c0] if c0 < len(rows[r0]) else None
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            if len(rows[r]) <= c1:
                rows[r].extend([None] * (c1 + 1 - len(rows[r])))
            for c in range(c0, c1 + 1):
                if rows[r][c] is None:
                    rows[r][c] = v
    return rows


def _text(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""


def analyse(sheet: Sheet, m: Matcher) -> SheetResult:
    """Detect the layout of one sheet and extract its raw figures and stated region/period."""
    res = SheetResult(sheet.name)
    rows = sheet.rows
    if not rows:
        return res
    grid = _filled(sheet)
    long = _find_long_header(grid, m)
    if long is not None:
        res.layout = "long"
        _extract_long(sheet, grid, long, m, res)
        _read_meta(sheet, m, res, range(0, long[0]))
        return res
    m_count: dict[int, int] = {}
    r_count: dict[int, int] = {}
    first_m: dict[int, int] = {}
    first_r: dict[int, int] = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if not isinstance(v, str) or not v.strip():
                continue
            if m.measure(v)[0] or m.narrowed(v):   # a known measure, or one with a qualifier that
                m_count[c] = m_count.get(c, 0) + 1  # stops it being read (said cell by cell below)
                first_m.setdefault(c, r)
            elif m.region_exact(v):
                r_count[c] = r_count.get(c, 0) + 1
                first_r.setdefault(c, r)
    best_m = max(m_count.items(), key=lambda kv: (kv[1], -kv[0]), default=(None, 0))
    best_r = max(r_count.items(), key=lambda kv: (kv[1], -kv[0]), default=(None, 0))
    if best_r[1] >= 2 and best_r[1] >= best_m[1]:
        res.layout = "regions_as_rows"
        c = best_r[0]
        start = _extract_regions_as_rows(sheet, grid, c, first_r[c], m, res)
        _read_meta(sheet, m, res, range(0, start))
    elif best_m[1] >= 1:
        res.layout = "measures_as_rows"
        c = best_m[0]
        start, end = _extract_measures_as_rows(sheet, grid, c, first_m[c], m, res)
        _read_meta(sheet, m, res, range(0, start), range(end, len(rows)))
    return res


# ---- header handling -----------------------------------------------------------------------------
def _header_rows(grid, key_col: int, first_data: int, rx: re.Pattern) -> list[int]:
    """Rows of the (possibly multi-row, merged) header above the first data row."""
    top = None
    for r in range(first_data - 1, max(-1, first_data - 7), -1):
        row = grid[r]
        t = _text(row[key_col]) if key_col < len(row) else ""
        k = nz.squash(t)
        if k and rx.search(k) and len(k) <= 10 and not nz.is_section_label(t) and ":" not in k:
            top = r
        elif top is not None:
            break  # the header block is contiguous; above it are title and 填报单位 rows
    if top is None:
        # no labelled header: take the row just above if it has several labels
        r = first_data - 1
        if r >= 0 and sum(1 for v in grid[r] if _text(v)) >= 2:
            return [r]
        return []
    out = []
    for r in range(top, first_data):
        filled = [c for c, v in enumerate(grid[r]) if v is not None and str(v).strip()]
        if filled == [key_col] or not filled:
            continue  # a section row such as '一、项目与投资'
        if r > top and any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in grid[r]):
            break     # a figure: the first data row (its name unknown to the catalog), not a header
        out.append(r)
    return out


def _column_headers(grid, header_rows: list[int]) -> dict[int, str]:
    """Column -> header text, multi-row headers joined top to bottom ('完成情况 1-9月')."""
    out: dict[int, list[str]] = {}
    for r in header_rows:
        for c, v in enumerate(grid[r]):
            t = nz.cell_text(v)
            if t and t not in out.setdefault(c, []):
                out[c].append(t)
    return {c: " ".join(ts) for c, ts in out.items() if ts}


# ---- measures as rows ----------------------------------------------------------------------------
def _extract_measures_as_rows(sheet: Sheet, grid, nc: int, first: int, m: Matcher,
                              res: SheetResult) -> tuple[int, int]:
    rows = sheet.rows
    hdr_rows = _header_rows(grid, nc, first, _NAME_HEADER)
    headers = _column_headers(grid, hdr_rows)
    start = hdr_rows[0] if hdr_rows else first
    unit_col = note_col = code_col = None
    read = {c: hd.read_header(h, m.unit_keys.__contains__) for c, h in headers.items() if c != nc}
    for c, h in sorted(read.items()):
        if h.role == "code":
            code_col = c if code_col is None else code_col
        elif h.role == "unit" and "填报单位" not in h.text:
            unit_col = c if unit_col is None else unit_col
        elif h.role == "note":
            note_col = c if note_col is None else note_col
    data_rows = range(hdr_rows[-1] + 1 if hdr_rows else first, len(rows))
    filled_cols = {c for r in data_rows for c, v in enumerate(rows[r]) if v is not None}
    filled_cols |= {c for r, c in sheet.formulas_without_value if r >= first}
    numeric_cols = {c for r in data_rows for c, v in enumerate(rows[r])
                    if v is not None and nz.parse_number(v) is not None}
    chosen = _choose_value_column(sheet, res, read, hdr_rows, nc, filled_cols, numeric_cols,
                                  {code_col, unit_col, note_col})
    if chosen is None:
        return start, len(rows)
    value_col, why = chosen
    ly_col = _last_year_column(read, value_col, filled_cols)
    if ly_col is not None:
        res.last_year_column = hd.describe(nz.col_letter(ly_col), read[ly_col])
    sheet_unit = None
    for r in range(0, start):
        for c, v in enumerate(grid[r]):
            u = hd.unit_line(v, m.unit_keys.__contains__)
            if u:
                sheet_unit = sheet_unit or (u, a1(r, c), nz.cell_text(v))
    hdr_txt = f"第{hdr_rows[0] + 1}" + (f"–{hdr_rows[-1] + 1}" if len(hdr_rows) > 1 else "") + "行为表头，" \
        if hdr_rows else "没有表头行，"
    res.explanation.append(f"工作表“{sheet.name}”：{hdr_txt}指标名称在{nz.col_letter(nc)}列；{why}"
                           + (f"；单位取自{nz.col_letter(unit_col)}列「{headers[unit_col]}」" if unit_col is not None else "")
                           + (f"；表头上方{sheet_unit[1]}「{sheet_unit[2]}」：未写单位的同类指标按{sheet_unit[0]}计"
                              if sheet_unit else "") + "。")
    vh = read.get(value_col)
    if vh is not None and vh.months and vh.role == "cumulative":
        res.header_span = (vh.year, vh.months[1], a1(hdr_rows[-1], value_col), vh.text)
    if vh is not None and vh.ambiguous_unit:
        res.problems.append(problem("unknown_unit", None, sheet.name, a1(hdr_rows[-1], value_col), vh.text, variant="header",
                                    header=vh.text, units="、".join(vh.units)))
        return start, len(rows)
    header_unit = vh.unit if vh is not None else None
    end = len(rows)
    for r in data_rows:
        row = rows[r]
        texts = [_text(v) for v in row]
        if not any(v is not None and str(v).strip() for v in row):
            continue
        if any(nz.is_footer(t) for t in texts if t):
            end = min(end, r)
            continue
        name = row[nc] if nc < len(row) else None
        raw = row[value_col] if value_col < len(row) else None
        if nz.is_total_label(name):
            continue
        code = None
        unit_in_name = None
        if code_col is not None and code_col < len(row) and isinstance(row[code_col], str):
            c_code = row[code_col].strip()
            if c_code in m.measure_info:
                code = c_code
        if isinstance(name, str) and name.strip():
            found, unit_in_name = m.measure(name)
            code = code or found
        pos = (r, value_col)
        formula_nv = pos in sheet.formulas_without_value
        if code is None:
            if (nz.is_blank(raw) and not formula_nv) or (r > end and nz.parse_number(raw) is None):
                continue  # a section or heading row; below the footer, a signing date or a note
            res.problems.append(_unknown_name(m, name, sheet.name, a1(r, nc)))
            continue
        unit_text, unit_cell, sheet_wide = None, None, False
        if unit_col is not None and unit_col < len(row) and nz.cell_text(row[unit_col]):
            unit_text, unit_cell = nz.cell_text(row[unit_col]), a1(r, unit_col)
        elif unit_in_name:
            unit_text, unit_cell = unit_in_name, a1(r, nc)
        elif header_unit:
            unit_text, unit_cell = header_unit, a1(hdr_rows[-1], value_col)
        elif sheet_unit:
            unit_text, unit_cell, sheet_wide = sheet_unit[0], sheet_unit[1], True
        note = None
        if note_col is not None and note_col < len(row) and nz.cell_text(row[note_col]):
            note = nz.cell_text(row[note_col])
        if ly_col is not None and ly_col < len(row) and not nz.is_blank(row[ly_col]) and (r, ly_col) not in \
                sheet.formulas_without_value:
            # last year's figure is in the row's unit (unit column, name), else its own header's
            if unit_col is not None and unit_col < len(row) and nz.cell_text(row[unit_col]):
                ly_unit = (nz.cell_text(row[unit_col]), a1(r, unit_col), False)
            elif unit_in_name:
                ly_unit = (unit_in_name, a1(r, nc), False)
            elif read[ly_col].unit:
                ly_unit = (read[ly_col].unit, a1(hdr_rows[-1], ly_col), False)
            elif sheet_unit:
                ly_unit = (sheet_unit[0], sheet_unit[1], True)
            else:
                ly_unit = (None, None, False)
            res.last_year.append(RawValue(
                sheet.name, a1(r, ly_col), code, row[ly_col], unit_text=ly_unit[0], unit_cell=ly_unit[1],
                percent_cell=(r, ly_col) in sheet.percent_cells, sheet_unit=ly_unit[2]))
        if nz.is_empty(raw) and not formula_nv:
            continue  # not reported this period
        res.values.append(RawValue(
            sheet.name, a1(r, value_col), code, raw, unit_text=unit_text, unit_cell=unit_cell,
            note=note, percent_cell=pos in sheet.percent_cells, formula_without_value=formula_nv,
            placeholder=nz.is_placeholder(raw), sheet_unit=sheet_wide))
    return start, end


def _last_year_column(read: dict[int, hd.Header], value_col: int, filled: set[int]) -> int | None:
    """The one column of last year's figures for the same span as the report (去年同期累计, 上年同期),
    or None: a single month of last year (去年同月, 上年10月) is no check of a year-to-date figure,
    and of two such columns neither is taken."""
    cands = []
    for c, h in read.items():
        if c == value_col or c not in filled or h.role != "last_year":
            continue
        k = nz.squash(h.text)
        single = any(w in k for w in ("同月", "当月", "本月", "单月")) or (
            h.months is not None and h.months[0] != 1)
        if not single:
            cands.append(c)
    return cands[0] if len(cands) == 1 else None


def _unknown_name(m: Matcher, name: Any, sheet: str, cell: str):
    """unknown_name for a row's name; a name narrowed by a qualifier the catalog's name lacks says so."""
    narrowed = m.narrowed(name) if isinstance(name, str) else None
    if narrowed:
        code, q = narrowed
        return problem("unknown_name", None, sheet, cell, nz.cell_text(name), variant="narrowed", q=q,
                       name=m.measure_info[code]["name"])
    return problem("unknown_name", None, sheet, cell, nz.cell_text(name), which="这个数")


def _choose_value_column(sheet: Sheet, res: SheetResult, read: dict[int, hd.Header], hdr_rows: list[int],
                         nc: int, filled: set[int], numeric: set[int], keys: set[int | None]):
    """The column that holds the report, and why; None (with a problem when the sheet offers
    figures) when there is none or it cannot be told.

    The report is the figure from January to the report month: a column whose header says so
    (1-N月累计, 本年累计, 累计, 1～N月) is taken; else a plain figure column (数值, 本期, 填报数 …:
    our template's and history exports'); else, under no header at all or an unlabelled one, the
    only column right of the names that holds numbers.  A single-month column (本月, 当月, N月)
    is never taken for the report, and two columns that could each be it are never chosen between:
    the sheet is refused naming them."""
    def col(c: int) -> str:
        return f"{nz.col_letter(c)}列「{read[c].text}」" if c in read else f"{nz.col_letter(c)}列"

    hdr_row = hdr_rows[-1] if hdr_rows else None
    offered = [c for c in sorted(read) if c in filled and c not in keys and read[c].role in hd.FIGURE_ROLES]
    by_role: dict[str | None, list[int]] = {}
    for c in offered:
        by_role.setdefault(read[c].role, []).append(c)
    unlabelled = [c for c in sorted(numeric) if c > nc and c not in keys and c not in offered
                  and (c not in read or read[c].role is None)]
    cum, plain, month = by_role.get("cumulative", []), by_role.get("value", []), by_role.get("month", [])

    def unused(taken: int) -> str:
        rest = [c for c in offered if c != taken]
        if not rest:
            return ""
        return "；" + "、".join(f"{col(c)}（{hd.ROLE_WORDS[read[c].role]}）" for c in rest) + "未取用"

    def ambiguous(cands: list[int], what: str):
        res.problems.append(problem(
            "value_column_ambiguous", None, sheet.name, a1(hdr_row, cands[0]) if hdr_row is not None else None,
            "、".join(read[c].text if c in read else nz.col_letter(c) for c in cands),
            n=len(cands), listed="、".join(col(c) for c in cands), what=what))
        return None

    if len(cum) == 1:
        return cum[0], f"{col(cum[0])}作为报告期累计数（表头标明累计）{unused(cum[0])}"
    if len(cum) > 1:
        return ambiguous(cum, "表头都标明累计")
    if month and (plain or unlabelled):
        return ambiguous(month + plain + unlabelled, "其中既有本月数也有未标明口径的数")
    if month:
        others = [c for c in offered if c not in month]
        res.problems.append(problem(
            "value_column_single_month", None, sheet.name, a1(hdr_row, month[0]) if hdr_row is not None else None,
            "、".join(read[c].text for c in month), listed="、".join(col(c) for c in month),
            others=f"（{'、'.join(col(c) for c in others)}也不是本期累计数）" if others else ""))
        return None
    if len(plain) == 1:
        return plain[0], f"{col(plain[0])}作为报告期累计数（填报数值列，按当年1月至本月的累计数读取）{unused(plain[0])}"
    if len(plain) > 1:
        return ambiguous(plain, "表头都没有写明是累计数还是本月数")
    if len(unlabelled) == 1 and not offered:
        c = unlabelled[0]
        return c, f"{col(c)}作为报告期累计数（指标名称右侧唯一填有数字的列）"
    if len(unlabelled) > 1 and not offered:
        return ambiguous(unlabelled, "表头都没有写明口径")
    return None


# ---- regions as rows -----------------------------------------------------------------------------
def _extract_regions_as_rows(sheet: Sheet, grid, rc: int, first: int, m: Matcher,
                             res: SheetResult) -> int:
    rows = sheet.rows
    hdr_rows = _header_rows(grid, rc, first, _REGION_HEADER)
    headers = _column_headers(grid, hdr_rows)
    start = hdr_rows[0] if hdr_rows else first
    hdr_cell_row = hdr_rows[-1] if hdr_rows else max(first - 1, 0)
    cols: dict[int, tuple[str, str | None]] = {}
    unmatched: dict[int, str] = {}
    note_col = None
    for c, h in sorted(headers.items()):
        if c == rc:
            continue
        k = nz.squash(h)
        if _NOTE_HEADER.search(k):
            note_col = c if note_col is None else note_col
            continue
        code, unit = None, None
        for part in [h, *reversed(h.split(" "))]:
            code, unit = m.measure(part)
            if code:
                break
        if code:
            cols[c] = (code, unit)
        elif not _SKIP_HEADER.search(k) and not _CODE_HEADER.search(k):
            unmatched[c] = h
    # a bare '覆盖率(%)' means the rate whose parts are the sibling columns
    present = {code for code, _ in cols.values()}
    for c, h in unmatched.items():
        cands = m.measures_ending_with(h.split(" ")[-1])
        if len(cands) > 1:
            cands = {x for x in cands if _rate_parts(m, x) <= present and _rate_parts(m, x)}
        if len(cands) == 1:
            _, unit = m.split_name(h.split(" ")[-1])
            cols[c] = (cands.pop(), unit)
    # a measure under two columns ('数字化改造项目' over 本月 | 1-6月累计): the report is the
    # cumulative one; columns that hold another span are not the report; two reports: refused
    by_measure: dict[str, list[int]] = {}
    for c, (code, _) in sorted(cols.items()):
        by_measure.setdefault(code, []).append(c)
    skipped: list[str] = []
    for code, cs in by_measure.items():
        if len(cs) < 2:
            continue
        roles = {c: hd.read_header(headers[c], m.unit_keys.__contains__).role for c in cs}
        cum = [c for c in cs if roles[c] == "cumulative"]
        keep = cum if cum else [c for c in cs if roles[c] not in hd.FIGURE_ROLES or roles[c] == "value"]
        for c in cs:
            if c not in keep[:1] or len(keep) != 1:
                skipped.append(f"{nz.col_letter(c)}列「{headers[c]}」")
                del cols[c]
        months = [c for c in cs if roles[c] == "month"]
        if len(keep) > 1 or (not keep and months):
            res.problems.append(problem(
                "value_column_ambiguous" if keep else "value_column_single_month", None, sheet.name,
                a1(hdr_cell_row, cs[0]), headers[cs[0]], variant="one_measure", name=m.measure_info[code]["name"],
                n=len(cs), listed="、".join(f"{nz.col_letter(c)}列「{headers[c]}」" for c in cs)))
    res.explanation.append(
        f"工作表“{sheet.name}”：各区县为行（地区在{nz.col_letter(rc)}列），指标为列："
        + "、".join(f"{nz.col_letter(c)}列「{headers.get(c, '')}」" for c in sorted(cols))
        + "作为报告期累计数" + (f"；{'、'.join(skipped)}未取用" if skipped else "") + "。")
    for c, h in unmatched.items():
        if c in cols:
            continue
        if any(c < len(rows[r]) and not nz.is_blank(rows[r][c]) for r in range(first, len(rows))
               if m.region_exact(rows[r][rc] if rc < len(rows[r]) else None)):
            res.problems.append(problem("unknown_name", None, sheet.name, a1(hdr_cell_row, c), h,
                                        which="这一列"))
    for r in range(first, len(rows)):
        row = rows[r]
        if not any(v is not None and str(v).strip() for v in row):
            continue
        label = row[rc] if rc < len(row) else None
        if any(nz.is_footer(_text(v)) for v in row):
            continue
        note = nz.cell_text(row[note_col]) if note_col is not None and note_col < len(row) else None
        if nz.is_total_label(label):
            tot = TotalRow(sheet.name, r)
            for c, (code, unit) in cols.items():
                if c < len(row) and not nz.is_blank(row[c]):
                    tot.values[code] = (row[c], a1(r, c), unit, (r, c) in sheet.percent_cells)
            res.totals.append(tot)
            continue
        region = m.region_exact(label)
        if region is None:
            if any(c < len(row) and not nz.is_blank(row[c]) for c in cols):
                res.problems.append(problem("unknown_region", None, sheet.name, a1(r, rc), nz.cell_text(label),
                                            what="这一行的地区名称"))
            continue
        for c, (code, unit) in cols.items():
            raw = row[c] if c < len(row) else None
            pos = (r, c)
            fnv = pos in sheet.formulas_without_value
            if nz.is_empty(raw) and not fnv:
                continue
            res.values.append(RawValue(
                sheet.name, a1(r, c), code, raw, region=region, region_cell=a1(r, rc),
                unit_text=unit, unit_cell=a1(hdr_cell_row, c) if unit else None,
                note=note or None, percent_cell=pos in sheet.percent_cells,
                formula_without_value=fnv, placeholder=nz.is_placeholder(raw)))
    return start


def _rate_parts(m: Matcher, rate_code: str) -> set[str]:
    ind = m.catalog.indicators
    hit = ind[ind["reported_rate"] == rate_code]
    if not len(hit):
        return set()
    row = hit.iloc[0]
    return set(row["numerator_measures"]) | ({row["denominator"]} if row["denominator"] else set())


# ---- long: region, period, measure, value per row ------------------------------------------------
def _find_long_header(grid, m: Matcher):
    for r, row in enumerate(grid[:MAX_HEADER_SCAN]):
        roles: dict[str, int] = {}
        figures: dict[str, list[int]] = {}
        for c, v in enumerate(row):
            k = nz.squash(_text(v))
            if not k or len(k) > 12:
                continue
            if "region" not in roles and _REGION_HEADER.search(k):
                roles["region"] = c
            elif "period" not in roles and _PERIOD_HEADER.search(k):
                roles["period"] = c
            elif "measure" not in roles and _NAME_HEADER.search(k) and not _CODE_HEADER.search(k):
                roles["measure"] = c
            elif "code" not in roles and _CODE_HEADER.search(k):
                roles["code"] = c
            elif "unit" not in roles and _UNIT_HEADER.search(k):
                roles["unit"] = c
            elif "note" not in roles and _NOTE_HEADER.search(k):
                roles["note"] = c
            else:
                role = hd.read_header(v, m.unit_keys.__contains__).role
                if role in ("cumulative", "value", "month"):
                    figures.setdefault(role, []).append(c)
        if {"region", "period"} <= roles.keys() and figures and ("measure" in roles or "code" in roles):
            cum, plain, month = figures.get("cumulative", []), figures.get("value", []), figures.get("month", [])
            pick = cum if cum else [] if month else plain
            roles["value"] = pick[0] if len(pick) == 1 else None
            roles["_figures"] = [*cum, *plain, *month]  # type: ignore[assignment]
            return r, roles
    return None


def _extract_long(sheet: Sheet, grid, found, m: Matcher, res: SheetResult) -> None:
    hr, roles = found
    rows = sheet.rows
    get = roles.get
    vc = roles["value"]
    figs = roles.pop("_figures")
    heads = {c: nz.cell_text(grid[hr][c]) for c in figs}
    where = "、".join(f"{w}在{nz.col_letter(roles[k])}列" for k, w in (
        ("region", "地区"), ("period", "报告期"), ("measure", "指标"), ("code", "指标编码"), ("unit", "单位"))
        if k in roles)
    if vc is None:
        month = [c for c in figs if hd.read_header(heads[c], m.unit_keys.__contains__).role == "month"]
        listed = "、".join(f"{nz.col_letter(c)}列「{heads[c]}」" for c in figs)
        if month and len(month) == len(figs):
            res.problems.append(problem("value_column_single_month", None, sheet.name, a1(hr, figs[0]),
                                        "、".join(heads[c] for c in figs), variant="summary", listed=listed))
        else:
            res.problems.append(problem("value_column_ambiguous", None, sheet.name, a1(hr, figs[0]),
                                        "、".join(heads[c] for c in figs), variant="summary", n=len(figs), listed=listed))
        return
    rest = [c for c in figs if c != vc]
    res.explanation.append(
        f"工作表“{sheet.name}”：第{hr + 1}行为表头，每行一个数（{where}）；{nz.col_letter(vc)}列「{heads[vc]}」"
        "作为各期的累计数" + (f"；{'、'.join(f'{nz.col_letter(c)}列「{heads[c]}」' for c in rest)}未取用" if rest else "")
        + "。")
    for r in range(hr + 1, len(rows)):
        row = rows[r]
        if not any(v is not None for v in row):
            continue

        def cell(role, row=row):
            c = get(role)
            return row[c] if c is not None and c < len(row) else None

        if any(nz.is_footer(_text(v)) for v in row):
            continue
        raw = cell("value")
        fnv = (r, vc) in sheet.formulas_without_value
        code = None
        unit_in_name = None
        if isinstance(cell("code"), str) and cell("code").strip() in m.measure_info:
            code = cell("code").strip()
        name = cell("measure")
        if code is None and isinstance(name, str):
            code, unit_in_name = m.measure(name)
        if code is None:
            if nz.is_blank(raw) and not fnv:
                continue
            col = get("measure", get("code"))
            res.problems.append(problem("unknown_name", None, sheet.name, a1(r, col),
                                        nz.cell_text(name if name is not None else cell("code")), which="这个数"))
            continue
        region_raw = cell("region")
        region = m.region_exact(region_raw) if isinstance(region_raw, str) else (
            m.region_exact(nz.cell_text(region_raw)) if region_raw is not None else None)
        if region is None and not nz.is_total_label(region_raw):
            res.problems.append(problem("unknown_region", None, sheet.name, a1(r, roles["region"]),
                                        nz.cell_text(region_raw), what="地区名称"))
            continue
        if region is None:
            continue
        period = nz.parse_period_text(cell("period") if not isinstance(cell("period"), (int, float))
                                      else nz.cell_text(cell("period")))
        if period is None:
            res.problems.append(problem("period_unknown", None, sheet.name, a1(r, roles["period"]), nz.cell_text(cell("period")),
                                    variant="cell"))
            continue
        if nz.is_empty(raw) and not fnv:
            continue
        unit_text = nz.cell_text(cell("unit")) or unit_in_name
        uc = get("unit") if nz.cell_text(cell("unit")) else None
        res.values.append(RawValue(
            sheet.name, a1(r, vc), code, raw, region=region, region_cell=a1(r, roles["region"]),
            period=period, unit_text=unit_text or None, unit_cell=a1(r, uc) if uc is not None else None,
            note=nz.cell_text(cell("note")) or None, percent_cell=(r, vc) in sheet.percent_cells,
            formula_without_value=fnv, placeholder=nz.is_placeholder(raw)))


# ---- region and period stated in title, 填报单位, 报告期 -------------------------------------------
_UNIT_LABEL = re.compile(r"(?:填报|报送|填表|报告|统计)?单位[:：]")
_PERIOD_LABEL = re.compile(r"(?:报告期|统计期|报表期|所属期|时间|期间)[:：]")


def _read_meta(sheet: Sheet, m: Matcher, res: SheetResult, above, below=()) -> None:
    """The region and period the sheet states about itself, from the rows above the table (title,
    填报单位, 报告期) and below it (footer).

    Periods are taken from the strongest kind of statement present, weakest last:
    a 报告期 label or a period in the rows above the table (title), which must agree with each
    other (validate refuses two); else a period in the footer; else a bare date ('2025年11月5日',
    as signed under a form); else the sheet's name ('1-10月') with the year of the title
    ('海宁市2025年…').  A date labelled as the day of filling or sending (填报日期, 报送时间 …) is
    never a period."""
    labelled_r: dict[str, str] = {}
    loose_r: dict[str, str] = {}
    labelled_p: dict[str, str] = {}     # 报告期：…
    title_p: dict[str, str] = {}        # a period in the rows above the table
    footer_p: dict[str, str] = {}
    stamp_p: dict[str, str] = {}
    years: dict[int, str] = {}
    label_months: dict[int, str] = {}   # '报告期：1-10月' without a year
    footer_rows = set(below)
    for r in [*above, *below]:
        row = sheet.rows[r]
        skip_next = False
        for c, v in enumerate(row):
            if v is None:
                continue
            where = a1(r, c)
            if skip_next:               # the date after a lone '填报日期：' label
                skip_next = False
                continue
            if not isinstance(v, str):
                p = nz.parse_period_text(v) if hasattr(v, "year") else None
                if p:
                    stamp_p.setdefault(p, where)
                continue
            t, skip_next = nz.strip_fill_dates(v)
            label_unit = bool(_UNIT_LABEL.search(t))
            label_period = bool(_PERIOD_LABEL.search(t))
            # a label alone in its cell: the value is in the next filled cell
            nxt = next((x for x in row[c + 1:] if x is not None), None)
            lone = (label_unit or label_period) and t.rstrip().endswith((":", "："))
            texts = [t] + ([nz.cell_text(nxt) if not hasattr(nxt, "year") else nxt] if lone else [])
            for tx in texts:
                p = nz.parse_period_text(tx)
                if p:
                    kind = (labelled_p if label_period else stamp_p if nz.is_date_stamp(tx)
                            else footer_p if r in footer_rows else title_p)
                    kind.setdefault(p, where)
                elif label_period and isinstance(tx, str):
                    mo = nz.sheet_months(tx.split(":")[-1].split("：")[-1])
                    if mo:
                        label_months.setdefault(mo, where)
                if isinstance(tx, str):
                    if r not in footer_rows:
                        for y in nz.years_in(tx):
                            years.setdefault(y, where)
                    for code in m.regions_in(tx):
                        (labelled_r if label_unit else loose_r).setdefault(code, where)
    res.regions = labelled_r or loose_r
    res.title_year = next(iter(years.items())) if len(years) == 1 else None
    strong_p = labelled_p | {p: w for p, w in title_p.items() if p not in labelled_p}
    res.periods = strong_p or footer_p or stamp_p or _period_from_year_and_months(
        sheet.name, years, label_months)


def _period_from_year_and_months(sheet_name: str, years: dict[int, str],
                                 label_months: dict[int, str]) -> dict[str, str]:
    """'海宁市2025年…' in the title and '1-10月' as the sheet's name (or '报告期：1-10月'): 2025-10.
    Only when the title names exactly one year, and the months are given in one way."""
    full = nz.parse_period_text(sheet_name)      # a sheet named '2025年10月'
    if full:
        year = period_year(full)
        return {full: years.get(year, "")} if set(years) <= {year} else {}
    if len(years) != 1:
        return {}
    (year, where), = years.items()
    month = next(iter(label_months)) if len(label_months) == 1 else nz.sheet_months(sheet_name)
    if not month:
        return {}
    return {format_period(year, month): where}
