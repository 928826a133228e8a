"""The project ledger template (项目库模板): one sheet “项目库” with a title, 填报单位, the header
row with units and drop-down lists for the choice columns, and a sheet “填报说明”."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from jxtrack.catalog.subsidy_rules import RuleBook
from jxtrack.ingest.ledger import FIELDS, TEMPLATE_UNITS
from jxtrack.ingest.normalise import col_letter

SHEET = "项目库"
HEADER_ROW = 3
_head_fill = PatternFill("solid", fgColor="DDEBF7")


def header_labels() -> list[str]:
    """The header of the template, units in brackets."""
    out = []
    for f, (label, _, _, _) in FIELDS.items():
        unit = TEMPLATE_UNITS.get(f)
        out.append(f"{label}（{unit}）" if unit else label)
    return out


def write_ledger_template(book: RuleBook, region_name: str | None = None) -> bytes:
    """The ledger template as .xlsx bytes (``region_name`` fills 填报单位 for a county)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["A1"] = "“两化”改造项目库"
    ws["A1"].font = Font(size=14, bold=True)
    ws["A2"] = f"填报单位：{region_name or ''}"
    labels = header_labels()
    for c, text in enumerate(labels, start=1):
        cell = ws.cell(row=HEADER_ROW, column=c, value=text)
        cell.font = Font(bold=True)
        cell.fill = _head_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[col_letter(c - 1)].width = max(10, min(28, len(text) * 2))
    cols = {f: i for i, f in enumerate(FIELDS)}
    last = 5000
    lists = {
        "grade": "A,B,C,D,未参评",
        "strategic": "是,否", "third_party": "是,否", "provincial_list": "是,否", "commitment": "是,否",
    }
    types = ",".join(book.project_types["type"])
    if len(types) < 250:
        lists["project_type"] = types
    for f, options in lists.items():
        dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
        dv.error = "请从下拉列表中选择"
        letter = col_letter(cols[f])
        dv.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    help_ws = wb.create_sheet("填报说明")
    notes = [
        "一行一个项目；表头请勿改动。必填：项目名称、企业名称、统一社会信用代码、项目类型。",
        "统一社会信用代码：18位，按营业执照填写，系统按 GB 32100-2015 校验最后一位。",
        "项目类型可选：" + "、".join(book.project_types["type"]) + "（一个项目属多类用“、”分隔）。",
        "金额单位为万元；也可在单元格内写明单位（如“1.2亿元”“350000元”），系统按单位换算。",
        "日期写成 2025-03-15；奖补年度按验收日期计。未验收的项目验收日期留空。",
        "绩效综合评价填 A、B、C、D 或“未参评”（未参评按 B 档测算）。",
        "认定可填（多个用“、”分隔）：" + "、".join(book.honours) + "。",
        "列入省级计划：列入省级生产制造方式转型示范、产业链协同创新项目计划的填“是”（开工后可预拨付）。",
        "同一项目重新上传会替代此前的版本；此前版本保留，可撤回。",
    ]
    for i, t in enumerate(notes, start=1):
        help_ws.cell(row=i, column=1, value=t)
    help_ws.column_dimensions["A"].width = 120
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
