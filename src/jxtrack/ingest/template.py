"""The monthly template a county downloads, fills and uploads (and that imports back cleanly).

Sheet “填报表”: title block; 填报单位 and 报告期 filled in; one row per measure with code, name and
unit; last period's figures beside the input cells for reference; an unlocked, numeric-validated
input column (本期累计数); an unlocked 偏差说明 column.  The sheet is protected (no password: the
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

TEMPLATE_VERSION = "1"
DATA_SHEET = "填报表"
# column B holds the catalog's code of each row so the import never has to guess a renamed row;
# it is hidden and labelled in Chinese (the reader matches a header with 编码)
HEADERS = ["序号", "系统编码（勿改）", "指标名称", "单位", "上期数（参考）", "本期累计数（请填写）", "偏差说明"]
INPUT_COL = 6   # F
NOTE_COL = 7    # G
FIRST_ROW = 6

_thin = Side(style="thin", color="999999")
_box = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_input_fill = PatternFill("solid", fgColor="FFF9E0")
_head_fill = PatternFill("solid", fgColor="DDEBF7")


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


def write_template(catalog: Catalog, region_code: str, period: str,
                   previous: pd.DataFrame | None = None, previous_period: str | None = None) -> bytes:
    """The template as .xlsx bytes.  ``previous`` has columns measure, value (last period's figures)."""
    reg = catalog.regions.set_index("code").loc[region_code]
    name = str(reg["name"])
    measures = template_measures(catalog, str(reg["level"]))
    prev = {} if previous is None or previous.empty else dict(zip(previous["measure"], previous["value"], strict=False))
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
    prev_head = f"上期数（参考，{label_ytd(previous_period)}）" if previous_period else HEADERS[4]
    for j, h in enumerate(HEADERS, 1):
        c = ws.cell(hdr_row, j, prev_head if j == 5 else h)
        c.font = Font(bold=True)
        c.fill = _head_fill
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
        p = prev.get(m.code)
        ws.cell(r, 5, None if p is None or pd.isna(p) else float(p))
        inp = ws.cell(r, INPUT_COL)
        note = ws.cell(r, NOTE_COL)
        for c in (inp, note):
            c.protection = Protection(locked=False)
            c.fill = _input_fill
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
    for col, width in zip("ABCDEFG", (6, 24, 46, 10, 18, 20, 36), strict=False):
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
    ]
    for i, t in enumerate(lines, 1):
        info.cell(i, 1, t)
    info["A1"].font = Font(size=14, bold=True)
    info.column_dimensions["A"].width = 110

    meta = wb.create_sheet(META_SHEET)
    for i, (k, v) in enumerate([
        ("template_version", TEMPLATE_VERSION), ("region", region_code), ("region_name", name),
        ("period", period), ("previous_period", previous_period or ""),
        ("generated_at", clock.show(clock.now(), "%Y-%m-%d %H:%M:%S")),
    ], 1):
        meta.cell(i, 1, k)
        meta.cell(i, 2, v)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
