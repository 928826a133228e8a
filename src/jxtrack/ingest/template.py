"""The monthly template a county downloads, fills and uploads (and that imports back cleanly).

Sheet “填报表”: title block; 填报单位 and 报告期 filled in; one row per measure with code, name and
unit; the county's own figures the system holds, as grey locked reference columns (E: last period,
H: last year's same period) whose headers say 「参考：…（系统数据，不读取）」 -- the header grammar
makes every such column a reference, so the importer never takes them for the report, whatever they
hold; an unlocked, numeric-validated input column F (本期累计数); an unlocked 偏差说明 column G.
Figures fixed for the year (``carry_forward_measures``) are pre-filled into F from last period only
when the downloader asked for it (``carry_forward``), shaded and commented so nobody mistakes them
for typed figures; otherwise F starts empty (never a silent copy).  The sheet is protected (no password: the
protection stops slips, not people) so only the input cells can be edited.
Sheet “填报说明”: instructions.  Hidden sheet ``_jxtrack``: template version, region, period.
"""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from jxtrack.catalog.model import Catalog
from jxtrack.domain import clock
from jxtrack.ingest.reader import META_SHEET
from metrics.periods import label_ytd

TEMPLATE_VERSION = "2"   # 2: reference columns E and H, carry-forward
DATA_SHEET = "填报表"
# column B holds the catalog's code of each row so the import never has to guess a renamed row;
# it is hidden and labelled in Chinese (the reader matches a header with 编码)
HEADERS = ["序号", "系统编码（勿改）", "指标名称", "单位", "参考：上期数（系统数据，不读取）", "本期累计数（请填写）",
           "偏差说明", "参考：去年同期（系统数据，不读取）"]
PREVIOUS_COL = 5   # E: reference, last period
INPUT_COL = 6      # F
NOTE_COL = 7       # G
LAST_YEAR_COL = 8  # H: reference, last year's same period
REFERENCE_NOTE = "系统数据，不读取"
FIRST_ROW = 6

_thin = Side(style="thin", color="999999")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_input_fill = PatternFill("solid", fgColor="FFF9E0")
_head_fill = PatternFill("solid", fgColor="DDEBF7")
_ref_fill = PatternFill("solid", fgColor="EDEDED")
_ref_font = Font(color="595959")
_carried_fill = PatternFill("solid", fgColor="E2F0D9")


def reference_header(what: str, period: str | None) -> str:
    """「参考：上期数（2025年1–9月，系统数据，不读取）」: the header grammar reads any such column as a
    reference (ingest.header), never as the report."""
    return f"参考：{what}（{label_ytd(period) + '，' if period else ''}{REFERENCE_NOTE}）"


def template_measures(catalog: Catalog, region_level: str) -> pd.DataFrame:
    """Measures a region reports: county-scope ones for a county or zone, all for the city.
    Rate-only measures are left out: the template asks for the parts, from which rates derive."""
    ms = catalog.measures
    ms = ms[ms["behaviour"] != "rate"]
    if region_level != "city":
        ms = ms[ms["scope"] == "county"]
    return ms.reset_index(drop=True)


def asked_measures(catalog: Catalog, region_level: str) -> frozenset[str]:
    """Codes of the measures the monthly template asks a region of this level to fill: the cells a
    county must fill.  The catalog has no other notion of 'required'; a placeholder such as '无' or
    '—' in one of these is a warning for the importer, anywhere else it just means blank."""
    return frozenset(template_measures(catalog, region_level)["code"])


def carry_forward_measures(catalog: Catalog, region_level: str = "county") -> tuple[str, ...]:
    """Codes of the measures whose last period's figure may be carried forward, by an explicit
    choice only: the stocks at month end (behaviour ``stock`` in data/measures.csv: 规上工业用地面积,
    规上工业企业数 …), which often stay the same for months.  Year-to-date flows and cumulative counts
    never: carrying one forward would report that nothing happened this month."""
    ms = template_measures(catalog, region_level)
    return tuple(ms.loc[ms["behaviour"] == "stock", "code"])


def _by_measure(frame: pd.DataFrame | None) -> dict[str, float]:
    if frame is None or frame.empty:
        return {}
    return {m: float(v) for m, v in zip(frame["measure"], frame["value"], strict=False) if not pd.isna(v)}


def write_template(catalog: Catalog, region_code: str, period: str,
                   previous: pd.DataFrame | None = None, previous_period: str | None = None,
                   last_year: pd.DataFrame | None = None, last_year_period: str | None = None,
                   carry_forward: tuple[str, ...] | list[str] = ()) -> bytes:
    """The template as .xlsx bytes.  ``previous`` and ``last_year`` have columns measure, value
    (last period's figures, last year's same period): reference columns only.  ``carry_forward``:
    codes (of ``carry_forward_measures``) whose last period's figure is pre-filled as this period's,
    as the downloader chose."""
    reg = catalog.regions.set_index("code").loc[region_code]
    name = str(reg["name"])
    measures = template_measures(catalog, str(reg["level"]))
    prev, ly = _by_measure(previous), _by_measure(last_year)
    carried = set(carry_forward) & set(carry_forward_measures(catalog, str(reg["level"])))
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    label = label_ytd(period)
    ws["A1"] = f"{name}“两化”改造及两业融合主要指标月报（{label}）"
    ws["A1"].font = Font(size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"] = f"填报单位：{name}"
    ws["E2"] = f"报告期：{label}"
    ws["A3"] = "说明：只填黄色格子；数字为当年 1 月至本月的累计数，单位见“单位”列；与上期相比变化大的请在“偏差说明”中写明原因。"
    ws["A3"].font = Font(size=9, color="666666")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=len(HEADERS))
    hdr_row = FIRST_ROW - 1
    heads = {PREVIOUS_COL: reference_header("上期数", previous_period),
             LAST_YEAR_COL: reference_header("去年同期", last_year_period)}
    for j, h in enumerate(HEADERS, 1):
        c = ws.cell(hdr_row, j, heads.get(j, h))
        c.font = Font(bold=True, color="595959" if j in heads else None)
        c.fill = _ref_fill if j in heads else _head_fill
        c.border = _box
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    dv_dec = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="请填数字", error="请填写不小于 0 的数字（不要带单位或文字）。")
    dv_int = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="请填整数", error="个数请填写不小于 0 的整数。")
    dv_pct = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                            showErrorMessage=True, errorTitle="请填百分数", error="请填写 0 到 100 之间的数（不要带 % 号）。")
    dv_flag = DataValidation(type="whole", operator="between", formula1="0", formula2="1", allow_blank=True,
                             showErrorMessage=True, errorTitle="请填 1 或 0", error="1 表示是（已获批），0 表示否。")
    for dv in (dv_dec, dv_int, dv_pct, dv_flag):
        ws.add_data_validation(dv)
    dims = catalog.units.set_index("unit")["dimension"]
    for i, m in enumerate(measures.itertuples(), 0):
        r = FIRST_ROW + i
        ws.cell(r, 1, i + 1)
        ws.cell(r, 2, m.code)
        ws.cell(r, 3, m.name)
        ws.cell(r, 4, m.unit)
        for col, figures in ((PREVIOUS_COL, prev), (LAST_YEAR_COL, ly)):
            ref = ws.cell(r, col, figures.get(m.code))
            ref.fill, ref.font = _ref_fill, _ref_font     # locked (the default) under the protection
        inp = ws.cell(r, INPUT_COL)
        note = ws.cell(r, NOTE_COL)
        for c in (inp, note):
            c.protection = Protection(locked=False)
            c.fill = _input_fill
        if m.code in carried and m.code in prev:
            inp.value = prev[m.code]
            inp.fill = _carried_fill
            inp.comment = Comment(f"按下载时的选择沿用上期数（{label_ytd(previous_period)}）。"
                                  "如本期有变化，请直接改写。", "jxtrack")
        dim = dims.get(m.unit)
        dv = dv_pct if m.unit == "%" else dv_flag if dim == "flag" else dv_int if dim in ("count", "people") else dv_dec
        dv.add(inp.coordinate)
        if m.description:
            ws.cell(r, 3).comment = Comment(str(m.description), "jxtrack")
        for j in range(1, len(HEADERS) + 1):
            ws.cell(r, j).border = _box
    last = FIRST_ROW + len(measures)
    ws.cell(last + 1, 1, "填表人：")
    ws.cell(last + 1, 4, "联系电话：")
    for col, width in zip("ABCDEFGH", (6, 24, 46, 10, 20, 20, 36, 20), strict=False):
        ws.column_dimensions[col].width = width
    ws.column_dimensions["B"].hidden = True
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    ws.protection.sheet = True
    ws.protection.formatCells = False
    ws.protection.formatColumns = False

    info = wb.create_sheet("填报说明")
    lines = [
        "填报说明",
        f"1. 本表为{name}{label}的月报模板，由系统生成；填报单位和报告期已锁定，请勿修改。",
        "2. 只在黄色格子中填写：“本期累计数”填当年 1 月至本月的累计数（存量指标填月末数）；单位以“单位”列为准。",
        "3. 数字请直接填写，不要带单位、文字或空格；没有数据的留空，不要填“无”或“—”。",
        "4. 累计数比上期少、或与上期相比变化很大的，请在“偏差说明”中写明原因。",
        "5. 1-2月合并报送时，报告期为 2 月。",
        "6. 填好后保存为 .xlsx，在系统“数据上传”页面上传；系统会逐格检查，有问题会指出工作表、单元格和原因。",
        "7. 不要增删行、不要改动指标名称（B 列为隐藏的系统编码，也请勿改动）；如指标有变化，请联系市工作专班。",
        "8. 灰色的“参考：上期数”“参考：去年同期”两列是系统中已有的本单位数据，仅供对照，系统不读取这两列；"
        "本期数字请填在“本期累计数”列。",
        "9. 绿色格子是下载时选择“沿用上期数”的指标（全年基本不变的存量指标，如规上工业用地面积），已填入上期数；"
        "如本期有变化，请直接改写。没有选择沿用的指标不会自动沿用。",
    ]
    for i, t in enumerate(lines, 1):
        info.cell(i, 1, t)
    info["A1"].font = Font(size=14, bold=True)
    info.column_dimensions["A"].width = 110

    meta = wb.create_sheet(META_SHEET)
    for i, (k, v) in enumerate([
        ("template_version", TEMPLATE_VERSION), ("region", region_code), ("region_name", name),
        ("period", period), ("previous_period", previous_period or ""),
        ("last_year_period", last_year_period or ""), ("carried_forward", ",".join(sorted(carried & set(prev)))),
        ("generated_at", clock.show(clock.now(), "%Y-%m-%d %H:%M:%S")),
    ], 1):
        meta.cell(i, 1, k)
        meta.cell(i, 2, v)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
