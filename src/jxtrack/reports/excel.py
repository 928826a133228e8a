"""The bulletin as an Excel workbook (.xlsx): one sheet per part of the bulletin, typed cells with
number formats, frozen headers, lights as fills *and* words, A4 landscape print set-up.

Every cell goes through ``jxtrack.present.outputs.put_cell``: text is written as a text cell, never a
formula, so a county's 偏差说明 or a region name starting with = + - @ shows as typed (no visible
apostrophe) and cannot run (formula injection).
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jxtrack.domain import lights
from jxtrack.present.outputs import put_cell
from jxtrack.reports.bulletin import Bulletin, Column, Table
from jxtrack.reports.text import decimals_for, is_missing, light_text, shown_gap

FONT = "宋体"
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
SECTION_FILL = PatternFill("solid", fgColor="F2F2F2")
THIN = Side(style="thin", color="A6A6A6")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORMATS = {
    "pct": "0.0%",
    "pp": "+0.0;-0.0;0.0",
    "int": "0",
    "rank_change": '"↑"0;"↓"0;"持平"',
}


def put(ws: Worksheet, row: int, col: int, value, number_format: str | None = None):
    """Write one cell (``outputs.put_cell``): strings as text cells, numbers as numbers, NaN empty."""
    return put_cell(ws, row, col, value, number_format)


def _num_format(unit: str | None, value=None) -> str:
    if decimals_for(unit) == 0:
        whole = value is None or is_missing(value) or float(value).is_integer()
        return "#,##0" if whole else "#,##0.0"
    return "#,##0.00"


def _width(v) -> int:
    """Display width of a cell's content: CJK characters count two, numbers as printed."""
    if v is None:
        return 0
    if isinstance(v, float):
        return len(f"{v:,.2f}") + 1
    if isinstance(v, int):
        return len(f"{v:,}") + 1
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(v))


def _fit(ws: Worksheet, header_row: int, last_row: int, cols: list[Column]) -> None:
    """Column widths from the content (text capped, then wrapped), and row heights for wrapped
    rows — LibreOffice and Excel do not grow a row whose text wraps when the file is opened."""
    caps = []
    for j, c in enumerate(cols, start=1):
        cap = 60 if c.width >= 4.5 else (34 if c.kind == "text" else 16)
        widest = max([_width(ws.cell(row=i, column=j).value) for i in range(header_row + 1, last_row + 1)] + [4])
        head = min(_width(c.title), 12)
        width = min(max(widest, head) + 2, cap)
        ws.column_dimensions[get_column_letter(j)].width = width
        caps.append(width)
    for i in range(header_row + 1, last_row + 1):
        lines = 1
        for j, w in enumerate(caps, start=1):
            v = ws.cell(row=i, column=j).value
            if isinstance(v, str):
                lines = max(lines, -(-_width(v) // max(int(w) - 1, 1)))
        if lines > 1:
            ws.row_dimensions[i].height = 15 * lines
    ws.row_dimensions[header_row].height = 30


def _print_setup(ws: Worksheet, header_row: int) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    if header_row:
        ws.print_title_rows = f"{header_row}:{header_row}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def _title(ws: Worksheet, text: str, n_cols: int, subtitle: str | None = None) -> int:
    put(ws, 1, 1, text).font = Font(name=FONT, size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(n_cols, 1))
    ws.row_dimensions[1].height = 24
    if subtitle:
        put(ws, 2, 1, subtitle).font = Font(name=FONT, size=10, color="595959")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=max(n_cols, 1))
        return 3
    return 2


def _table_sheet(wb: Workbook, name: str, t: Table, subtitle: str,
                 lead: Column | None = None, lead_values: list | None = None) -> Worksheet:
    """A sheet holding one table: title rows, header (frozen, filterable, repeated on print)."""
    ws = wb.create_sheet(name)
    cols = ([lead] if lead else []) + t.columns
    header_row = _title(ws, t.title, len(cols), subtitle)
    for j, c in enumerate(cols, start=1):
        cell = put(ws, header_row, j, c.title)
        cell.font = Font(name=FONT, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
    r = header_row + 1
    for i, row in enumerate(t.rows):
        if i in t.section_rows:
            cell = put(ws, r, 1, t.section_rows[i])
            cell.font = Font(name=FONT, bold=True)
            for j in range(1, len(cols) + 1):
                ws.cell(row=r, column=j).fill = SECTION_FILL
                ws.cell(row=r, column=j).border = BORDER
            r += 1
        unit = t.units[i] if i < len(t.units) else None
        values = ([lead_values[i]] if lead else []) + list(row)
        for j, (c, v) in enumerate(zip(cols, values, strict=False), start=1):
            if c.kind == "light":
                lt = lights.get(v)
                cell = put(ws, r, j, light_text(lt.key))
                cell.fill = PatternFill("solid", fgColor=lt.print_fill)
                cell.font = Font(name=FONT, color=lt.print_font, bold=lt.key == "red")
                cell.alignment = Alignment(horizontal="center", vertical="center")
            else:
                fmt = _num_format(unit, v) if c.kind == "num" else FORMATS.get(c.kind)
                cell = put(ws, r, j, v, fmt)
                cell.font = Font(name=FONT, color="C00000" if isinstance(v, str) and v.startswith("【未提交") else None)
                cell.alignment = Alignment(vertical="center", wrap_text=c.kind == "text",
                                           horizontal="center" if c.kind in ("int", "rank_change") else None)
            cell.border = BORDER
        r += 1
    _fit(ws, header_row, r - 1, cols)
    if t.rows:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(cols))}{r - 1}"
    if t.note:
        put(ws, r + 1, 1, "注：" + t.note).font = Font(name=FONT, size=9, color="595959")

    ws.freeze_panes = f"A{header_row + 1}"
    _print_setup(ws, header_row)
    return ws


def _text_sheet(wb: Workbook, b: Bulletin) -> None:
    ws = wb.active
    ws.title = "通报摘要"
    ws.column_dimensions["A"].width = 72  # fits portrait A4 even where a viewer ignores fit-to-page
    r = 1
    put(ws, r, 1, b.title + b.subtitle).font = Font(name=FONT, size=14, bold=True)
    r += 1
    put(ws, r, 1, f"嘉兴市工作专班  {b.generated_at:%Y-%m-%d %H:%M}生成").font = Font(name=FONT, color="595959")
    r += 1
    if b.is_demo:
        put(ws, r, 1, "【示例数据】本通报由系统生成的示例数据编制，不是真实统计数字。").font = Font(
            name=FONT, bold=True, color="C00000")
        r += 1

    def block(head: str, paras: list[str]) -> None:
        nonlocal r
        r += 1
        put(ws, r, 1, head).font = Font(name=FONT, size=12, bold=True)
        r += 1
        for p in paras:
            cell = put(ws, r, 1, p)
            cell.font = Font(name=FONT)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.row_dimensions[r].height = 16 * max(1, -(-_width(p) // 58))
            r += 1

    block("一、总体情况", b.overview)
    for title, paras in b.groups:
        block(title, paras)
    block("二、需要关注的问题", b.attention or ["本期无需特别关注的问题。"])
    block("说明", b.notes)
    _print_setup(ws, 0)
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.print_area = f"A1:A{r}"  # the text lives in column A; long title lines must not widen the page


def _rank_sheet(wb: Workbook, b: Bulletin, subtitle: str) -> None:
    """All key indicators' county rankings in one long table, the indicator as the first column."""
    if not b.rankings:
        t = Table("rankings", "重点指标区县排名", [Column("说明", "text", 10)], [["本期没有可排名的区县数据。"]])
        _table_sheet(wb, "区县排名", t, subtitle)
        return
    first = b.rankings[0]
    merged = Table("rankings", "重点指标区县排名", first.columns)
    lead = []
    for t in b.rankings:
        merged.rows.extend(t.rows)
        merged.units.extend(t.units)
        merged.lights.extend(t.lights)
        lead.extend([t.title] * len(t.rows))
    _table_sheet(wb, "区县排名", merged, subtitle, lead=Column("指标（排名依据）", "text", 6.0), lead_values=lead)


def _detail_sheet(wb: Workbook, b: Bulletin, subtitle: str) -> None:
    """Every indicator for every region: the status table behind the bulletin."""
    st = b.status
    cols = [Column("地区", "text", 1.8), Column("指标", "text", 5.0), Column("单位", "text", 1.4),
            Column("目标", "num", 1.7), Column("本期累计", "num", 1.8), Column("完成率", "pct", 1.4),
            Column("序时进度", "pct", 1.4), Column("进度差（百分点）", "pp", 1.6), Column("同比", "pct", 1.4),
            Column("预计全年", "num", 1.8), Column("区县排名", "int", 1.2), Column("亮灯", "light", 1.6),
            Column("目标说明", "text", 2.2), Column("偏差说明", "text", 4.0)]
    t = Table("detail", "各地区指标明细", cols)
    for r in st.itertuples():
        t.rows.append([r.region, r.indicator_name, r.unit, r.target, r.actual, r.completion, r.time_progress,
                       shown_gap(r.completion, r.time_progress, r.gap_pp), r.yoy, r.forecast, None if is_missing(r.rank) else int(r.rank), r.light,
                       r.target_note or "", r.explanation if isinstance(r.explanation, str) else ""])
        t.units.append(r.unit)
        t.lights.append(r.light)
    _table_sheet(wb, "明细", t, subtitle)


def write_xlsx(b: Bulletin, target: str | Path | io.BytesIO) -> None:
    """Write the bulletin to ``target`` (a path or a binary buffer)."""
    wb = Workbook()
    sub = f"{b.title}{b.subtitle}" + ("  【示例数据】" if b.is_demo else "")
    _text_sheet(wb, b)
    _table_sheet(wb, "指标汇总", b.summary, sub)
    _rank_sheet(wb, b, sub)
    _table_sheet(wb, "红灯清单", b.red_list, sub)
    _table_sheet(wb, "报送情况", b.submissions, sub)
    _table_sheet(wb, "数据质量", b.quality, sub)
    if b.fund is not None:
        _table_sheet(wb, "资金使用", b.fund, sub)
    _detail_sheet(wb, b, sub)
    wb.properties.title = f"{b.title}{b.subtitle}"
    wb.properties.creator = "嘉兴市“两化”改造与两业融合目标跟踪系统"
    wb.save(target)
