"""A composer of real sheet shapes (issue 16, item 3): a county's known figures written as a file
through any combination of the habits statistics offices and enterprises have.

    spec = draw(monthly_specs())           # a JSON-able dict of habits and true figures
    data, file_name, truth = compose(spec)  # the file's bytes and what it must import to

Three kinds of sheet: a county's monthly measures-as-rows report (``monthly``), the working group's
regions-as-rows summary (``summary``) and a project ledger (``ledger``).  A spec is plain data
(str, int, bool, lists, dicts) so that a failing example is kept as JSON and rebuilt exactly
(``python tests/ingest/shapes.py regenerate OUT_DIR`` writes every regression file).

The true figures are decimals in the catalog's unit (亿元, 万吨标煤, 家 …); a sheet may write them in
another unit (万元, 元, 吨标煤 …), and then the composer scales the numbers it writes, with Decimal
arithmetic, so the figure the import must give stays known exactly.  The catalog's units are
written out here again (not read from data/units.csv) so that the tests do not trust the code they test.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

REGIONS = {"330402": "南湖区", "330411": "秀洲区", "330421": "嘉善县", "330482": "平湖市",
           "330481": "海宁市", "330424": "海盐县", "330483": "桐乡市"}
FORMATS = ["xlsx", "xls", "csv-utf8", "csv-bom", "csv-gbk"]
EXTENSION = {"xlsx": ".xlsx", "xls": ".xls", "csv-utf8": ".csv", "csv-bom": ".csv", "csv-gbk": ".csv"}

# unit as written -> (dimension, factor to the dimension's base); independent of data/units.csv
UNITS = {
    "元": ("money", Decimal(1)), "万元": ("money", Decimal(10_000)), "亿元": ("money", Decimal(100_000_000)),
    "吨标煤": ("energy", Decimal(1)), "吨标准煤": ("energy", Decimal(1)),
    "万吨标煤": ("energy", Decimal(10_000)), "万吨标准煤": ("energy", Decimal(10_000)),
    "个": ("count", Decimal(1)), "项": ("count", Decimal(1)), "家": ("count", Decimal(1)),
    "亩": ("area", Decimal(1)), "人": ("people", Decimal(1)), "万人": ("people", Decimal(10_000)),
    "吨": ("mass", Decimal(1)), "万吨": ("mass", Decimal(10_000)),
}
UNITS_OF = {
    "money": ["亿元", "万元", "元"], "energy": ["万吨标煤", "吨标煤", "吨标准煤", "万吨标准煤"],
    "count": None, "area": ["亩"], "people": ["人", "万人"], "mass": ["吨", "万吨"],
}

# measure code -> (catalog unit, names a sheet may use for it, how its true value is drawn)
MEASURES: dict[str, tuple[str, list[str], str]] = {
    "digital_projects": ("个", ["数字化改造项目数", "数字化改造项目", "实施数字化改造项目"], "count"),
    "green_projects": ("个", ["绿色化改造项目数", "绿色化改造项目"], "count"),
    "key_tech_projects": ("个", ["重点技术改造项目数", "重点技改项目数"], "count"),
    "tech_investment": ("亿元", ["直接拉动技改投资", "两化改造直接拉动技改投资"], "money"),
    "industrial_va": ("亿元", ["规上工业增加值", "规模以上工业增加值"], "money"),
    "industrial_tax": ("亿元", ["规上工业税收", "规模以上工业税收"], "money"),
    "energy_saved": ("万吨标煤", ["节约用能", "节能量"], "energy"),
    "industrial_firms": ("家", ["规上工业企业数", "规模以上工业企业数"], "count"),
    "digital2_firms": ("家", ["完成数字化改造2.0的规上工业企业数", "完成2.0改造企业数"], "part"),
    "industrial_land": ("亩", ["规上工业用地面积", "规上工业用地"], "count"),
    "industrial_employees": ("人", ["规上工业从业人员年平均人数"], "count"),
}
SECTION_OF = {"digital_projects": 0, "green_projects": 0, "key_tech_projects": 0, "tech_investment": 0,
              "energy_saved": 0, "industrial_va": 1, "industrial_tax": 1, "industrial_firms": 1,
              "digital2_firms": 1, "industrial_land": 1, "industrial_employees": 1}
SECTIONS = ["一、项目与投资", "二、效益与基础"]

# the cumulative (report) column's header; {n} the report month, {y} the year
CUMULATIVE_HEADERS = ["1-{n}月累计", "本年累计", "累计", "本期累计", "累计完成", "1-{n}月", "本期"]
# the columns a statistics office puts beside it; none of them is the report
EXTRA_COLUMNS = ["本月", "去年同期", "同比", "目标", "备注", "序号"]
EXTRA_HEADERS = {"本月": ["本月", "当月", "{n}月"], "去年同期": ["去年同期累计", "上年同期", "去年同期"],
                 "同比": ["同比增长(%)", "增速（%）", "同比±%"], "目标": ["本年目标", "全年计划", "年度任务"],
                 "备注": ["备注", "说明"], "序号": ["序号"]}
QUALIFIERS = ["全口径", "含结转", "当年累计"]
# the qualifiers that only restate what every report is (the full scope, the year-to-date span): the
# measure's name with them is the same measure; 含结转 counts something else (refused, never guessed)
NEUTRAL_QUALIFIERS = {"全口径", "当年累计"}
NAME_HEADERS = ["指标名称", "指标", "项目"]
# a ledger's 总投资 header with a qualifier: none, ones that restate it or say how to fill it in
# (read as 总投资), and ones that make it another figure (不含土建 is a part of it, 含税 a different
# sum: refused, never read as the total)
LEDGER_TOTAL_QUALIFIERS = [None, "全口径", "必填", "不含土建", "含税"]
LEDGER_NARROWING = {"不含土建", "含税"}
# where a monthly sheet says its period: the title (2025年1-10月), a 报告期 line, the sheet's name
# (2025年10月; or 1-10月 with the year in the title), the cumulative column's header (2025年1-10月累计;
# or 1-10月累计 with the year in the title).  None of them: the sheet does not say (refused).
PERIOD_PLACES = ["title", "label", "sheet", "sheet_months", "header", "header_months"]
UNIT_HEADERS = ["单位", "计量单位"]


# ---- numbers ---------------------------------------------------------------------------------
FULLWIDTH = str.maketrans("0123456789.,-", "０１２３４５６７８９．，－")


def scaled(true: Decimal, canonical: str, written: str) -> Decimal:
    """The true figure (in ``canonical``) as written in ``written``: 41.7 亿元 -> 417000 万元."""
    return (true * UNITS[canonical][1] / UNITS[written][1]).normalize()


def plain(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def render(d: Decimal, style: str, textual: bool) -> Any:
    """A number as a cell: a number (xlsx/xls), or text plain / with separators / full-width."""
    if style == "number" and not textual:
        return int(d) if d == d.to_integral_value() else float(d)
    s = plain(d)
    if style in ("separators", "fullwidth"):
        whole, _, frac = s.partition(".")
        whole = f"{int(whole):,}"
        s = whole + ("." + frac if frac else "")
    if style == "fullwidth":
        s = s.translate(FULLWIDTH)
    return s


def months_label(n: int) -> str:
    return f"{n}月" if n == 1 else f"1-{n}月"


# ---- a sheet as a grid -----------------------------------------------------------------------
@dataclass
class Grid:
    name: str
    rows: list[list[Any]] = field(default_factory=list)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)   # r0, c0, r1, c1
    hidden: bool = False

    def add(self, row: list[Any]) -> int:
        self.rows.append(list(row))
        return len(self.rows) - 1


def write(grids: list[Grid], fmt: str) -> bytes:
    if fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for g in grids:
            ws = wb.create_sheet(g.name)
            for row in g.rows:
                ws.append(row)
            for r0, c0, r1, c1 in g.merges:
                ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)
            if g.hidden:
                ws.sheet_state = "hidden"
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    if fmt == "xls":
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
        for g in grids:
            ws = wb.add_sheet(g.name)
            merged_cells = {(r, c) for r0, c0, r1, c1 in g.merges for r in range(r0, r1 + 1)
                            for c in range(c0, c1 + 1)}
            for r0, c0, r1, c1 in g.merges:
                ws.write_merge(r0, r1, c0, c1, g.rows[r0][c0] if c0 < len(g.rows[r0]) else None)
            for r, row in enumerate(g.rows):
                for c, v in enumerate(row):
                    if v is None or (r, c) in merged_cells:
                        continue
                    if isinstance(v, (date, datetime)):
                        ws.write(r, c, v, date_style)
                    else:
                        ws.write(r, c, v)
            if g.hidden:
                ws.visibility = 1
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    # CSV: the first visible sheet only, every cell as text (no merges, no hidden sheets)
    g = next(g for g in grids if not g.hidden)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    for row in g.rows:
        w.writerow(["" if v is None else v.strftime("%Y-%m-%d") if isinstance(v, (date, datetime))
                    else str(v) for v in row])
    text = out.getvalue()
    return {"csv-utf8": text.encode("utf-8"), "csv-bom": text.encode("utf-8-sig"),
            "csv-gbk": text.encode("gbk")}[fmt]


# ---- strategies ------------------------------------------------------------------------------
def _true_value(kind: str) -> st.SearchStrategy[str]:
    if kind in ("count", "part"):
        return st.integers(0, 30_000).map(str)
    # 亿元 / 万吨标煤 with two decimals (0.01 亿元 = 100 万元: every unit writes it exactly)
    return st.integers(1, 90_000).map(lambda n: plain(Decimal(n) / 100))


# Shape classes, by name: a habit that a reader may get wrong as a whole.  ``exclude`` leaves a class
# out of a strategy (the known gaps, see test_shapes_property.KNOWN_GAPS), ``force`` draws only it.
SHAPE_CLASSES = {
    # a 本月/当月 column beside the cumulative one (the same figure only in January)
    "single_month_column": lambda s: s["kind"] == "monthly" and "本月" in s["extras"] and s["month"] > 1,
    # '单位：万元' on a line above a measures-as-rows table
    "unit_line_above_table": lambda s: s["kind"] == "monthly" and s["unit_style"] == "line",
    # the unit inside the qualifier's bracket: 直接拉动技改投资（全口径，万元）
    "unit_in_qualifier_bracket": lambda s: s["kind"] == "monthly" and s["unit_style"] == "qualifier",
    # the period only in the cumulative column's header (1-10月累计), the year in the title
    "period_only_in_header": lambda s: s["kind"] == "monthly" and s["period_in"] == ["header_months"],
    # a qualifier that changes what is counted: 直接拉动技改投资（含结转，万元） (must be refused)
    "narrowing_qualifier": lambda s: s["kind"] == "monthly" and s["unit_style"] == "qualifier"
    and s["qualifier"] not in NEUTRAL_QUALIFIERS,
    # the cumulative column's header still says last month (1-9月累计) under 报告期 10月 (must be refused)
    "stale_header_months": lambda s: s["kind"] == "monthly" and stale_header(s),
    # '金额单位：元' above a ledger whose amount headers carry no unit
    "ledger_money_unit_line": lambda s: s["kind"] == "ledger" and s["money_style"] == "line",
    # 生产性投入（不含土建，万元）: the unit in the qualifier's bracket
    "ledger_unit_in_qualifier_bracket": lambda s: s["kind"] == "ledger" and s["productive_header"] == "qualifier"
    and s["money_style"] == "bracket",
    # 总投资（必填，万元）, 总投资（全口径）: a qualifier that does not change the figure (read as 总投资)
    "ledger_instruction_qualifier": lambda s: s["kind"] == "ledger" and s.get("total_qualifier") is not None
    and s["total_qualifier"] not in LEDGER_NARROWING,
    # 总投资（不含土建，万元）, the only 总投资 column: which figure it is cannot be told (must be refused)
    "ledger_narrowing_qualifier": lambda s: s["kind"] == "ledger" and s.get("total_qualifier") in LEDGER_NARROWING,
}


def header_months(spec: dict) -> bool:
    """Whether the cumulative column's header states its months (1-10月累计, 2025年1-10月累计)."""
    return "{n}" in CUMULATIVE_HEADERS[spec["value_header"]] or bool(
        set(spec["period_in"]) & {"header", "header_months"})


def stale_header(spec: dict) -> bool:
    """A sheet copied from last month: its header's months are last month's, while the period is
    stated elsewhere too (title, 报告期, sheet name), so the sheet says two different months.  A CSV
    has no sheet name: there the header is then the only statement (and not a stale one)."""
    elsewhere = set(spec["period_in"]) - {"header", "header_months"}
    if _text_only(spec):
        elsewhere -= {"sheet", "sheet_months"}
    return bool(spec.get("stale_header")) and spec["month"] > 1 and header_months(spec) and bool(elsewhere)


def shape_classes(spec: dict) -> set[str]:
    return {name for name, has in SHAPE_CLASSES.items() if has(spec)}


@st.composite
def monthly_specs(draw, *, exclude: frozenset[str] = frozenset(), force: frozenset[str] = frozenset()) -> dict:
    """A county's monthly measures-as-rows report, without the shape classes in ``exclude`` and
    always with those in ``force``."""
    fmt = draw(st.sampled_from(FORMATS))
    month = draw(st.integers(1, 12))
    codes = draw(st.lists(st.sampled_from(sorted(MEASURES)), min_size=1, max_size=6, unique=True))
    measures = []
    for code in codes:
        unit, names, kind = MEASURES[code]
        dim = UNITS[unit][0]
        units = UNITS_OF[dim] or [unit]
        measures.append({
            "code": code, "name": draw(st.integers(0, len(names) - 1)),
            "unit": draw(st.sampled_from(units)), "value": draw(_true_value(kind)),
            "prefix": draw(st.sampled_from(["", "", "其中：", "1.", "（一）"])),
        })
    if "digital2_firms" in codes and "industrial_firms" in codes:   # a part never exceeds its whole
        part = next(m for m in measures if m["code"] == "digital2_firms")
        whole = next(m for m in measures if m["code"] == "industrial_firms")
        part["value"] = str(min(int(part["value"]), int(whole["value"])))
    styles = ["column", "bracket", "qualifier", "line", "header"]
    if "unit_line_above_table" in exclude:
        styles.remove("line")
    if "unit_in_qualifier_bracket" in exclude:
        styles.remove("qualifier")
    if "unit_line_above_table" in force:
        styles = ["line"]
    if "unit_in_qualifier_bracket" in force:
        styles = ["qualifier"]
    unit_style = draw(st.sampled_from(styles))
    money_unit = draw(st.sampled_from(UNITS_OF["money"]))
    if unit_style in ("line", "header"):          # one unit for every amount of money on the sheet
        for m in measures:
            if UNITS[MEASURES[m["code"]][0]][0] == "money":
                m["unit"] = money_unit
    extras = draw(st.lists(st.sampled_from(EXTRA_COLUMNS), unique=True, max_size=4))
    if "single_month_column" in exclude:
        extras = [e for e in extras if e != "本月" or month == 1]
    if "single_month_column" in force:
        month = draw(st.integers(2, 12))
        extras = extras if "本月" in extras else [*extras, "本月"]
    # mostly one or two places; now and then none (then the file must be refused)
    period_in = draw(st.lists(st.sampled_from(PERIOD_PLACES), unique=True, min_size=draw(st.sampled_from([1, 1, 1, 0])),
                              max_size=2))
    if "period_only_in_header" in exclude and period_in == ["header_months"]:
        period_in = ["title"]
    if "period_only_in_header" in force:
        period_in = ["header_months"]
    spec = {
        "kind": "monthly", "format": fmt, "region": draw(st.sampled_from(sorted(REGIONS))),
        "year": draw(st.integers(2024, 2026)), "month": month, "measures": measures,
        "region_in": draw(st.lists(st.sampled_from(["title", "unit_line", "footer"]), unique=True,
                                   min_size=1, max_size=2)),
        "period_in": period_in,
        "top_order": draw(st.permutations(["title", "tag", "unit_line", "period_label", "fill_date", "unit_note"])),
        "tag": draw(st.booleans()), "merge_title": draw(st.booleans()),
        "unit_style": unit_style, "money_unit": money_unit,
        "qualifier": draw(st.sampled_from(QUALIFIERS)),
        "stale_header": draw(st.sampled_from([False, False, False, False, False, True])),
        "name_header": draw(st.integers(0, len(NAME_HEADERS) - 1)),
        "unit_header": draw(st.integers(0, len(UNIT_HEADERS) - 1)),
        "value_header": draw(st.integers(0, len(CUMULATIVE_HEADERS) - 1)),
        "extras": extras, "extra_header": draw(st.integers(0, 2)),
        "value_position": draw(st.integers(0, len(extras))),
        "two_row_header": draw(st.booleans()),
        "numbers": draw(st.sampled_from(["number", "text", "separators", "fullwidth"])),
        "blank_rows": draw(st.booleans()), "sections": draw(st.booleans()),
        "fill_date": draw(st.sampled_from(["none", "top", "footer", "cell"])),
        "footer": draw(st.booleans()),
        "hidden_sheet": draw(st.booleans()), "notes_sheet": draw(st.booleans()),
    }
    if "narrowing_qualifier" in force:
        spec |= {"unit_style": "qualifier", "qualifier": "含结转"}
    if "narrowing_qualifier" in exclude and spec["unit_style"] == "qualifier":
        spec["qualifier"] = "全口径"
    if "stale_header_months" in force:
        spec |= {"stale_header": True, "month": max(spec["month"], 2), "value_header": 0,
                 "period_in": sorted({*spec["period_in"], "title"} - {"header_months"})}
    if "stale_header_months" in exclude:
        spec["stale_header"] = False
    return spec


@st.composite
def summary_specs(draw) -> dict:
    """The working group's regions-as-rows summary (one measure per column)."""
    codes = draw(st.lists(st.sampled_from([c for c in sorted(MEASURES) if c != "digital2_firms"]),
                          min_size=1, max_size=4, unique=True))
    regions = draw(st.lists(st.sampled_from(sorted(REGIONS)), min_size=2, max_size=7, unique=True))
    measures = []
    for code in codes:
        unit, names, kind = MEASURES[code]
        units = UNITS_OF[UNITS[unit][0]] or [unit]
        measures.append({"code": code, "name": draw(st.integers(0, len(names) - 1)),
                         "unit": draw(st.sampled_from(units)),
                         "values": [draw(_true_value(kind)) for _ in regions]})
    return {
        "kind": "summary", "format": draw(st.sampled_from(FORMATS)),
        "year": draw(st.integers(2024, 2026)), "month": draw(st.integers(1, 12)),
        "regions": regions, "measures": measures,
        "period_in": draw(st.lists(st.sampled_from(["title", "label", "sheet"]), unique=True, min_size=1,
                                   max_size=2)),
        "region_header": draw(st.sampled_from(["地区", "县（市、区）", "区县"])),
        "seq": draw(st.booleans()), "note_col": draw(st.booleans()),
        "unit_row": draw(st.booleans()), "total": draw(st.sampled_from(["none", "value", "formula"])),
        "numbers": draw(st.sampled_from(["number", "text", "separators", "fullwidth"])),
        "blank_rows": draw(st.booleans()), "footer": draw(st.booleans()),
        "fill_date": draw(st.sampled_from(["none", "top", "footer"])),
    }


LEDGER_MONEY = {"total_investment": ["总投资", "项目总投资"],
                "productive_investment": ["生产性投入"], "equipment_investment": ["设备投资额", "设备投资"]}
LEDGER_QTY = {"energy_saving": (["年节能量"], "吨标煤", ["吨标准煤", "万吨标准煤"]),
              "co2_reduction": (["二氧化碳年减排量"], "吨", ["吨", "万吨"]),
              "water_saving": (["年节水量"], "万吨", ["万吨", "吨"])}
LEDGER_TARGET = {"total_investment": "万元", "productive_investment": "万元", "equipment_investment": "万元",
                 "energy_saving": "吨标煤", "co2_reduction": "吨", "water_saving": "万吨"}
PROJECT_TYPES = ["数字化改造", "绿色化改造", "智能化技术改造", "节能改造"]


@st.composite
def ledger_specs(draw, *, exclude: frozenset[str] = frozenset(), force: frozenset[str] = frozenset()) -> dict:
    """A project ledger: one project per row, amounts in 万元/元/亿元, quantities in 吨/万吨."""
    n = draw(st.integers(1, 5))
    projects = []
    for i in range(n):
        total = draw(st.integers(100, 500_000))             # 万元 × 0.01: exact in 元 and 亿元
        projects.append({
            "n": i + 1, "type": draw(st.sampled_from(PROJECT_TYPES)),
            "total_investment": plain(Decimal(total) / 100 * 10),
            "productive_investment": plain(Decimal(draw(st.integers(0, total))) / 100 * 10),
            "equipment_investment": plain(Decimal(draw(st.integers(0, total))) / 100 * 10),
            "energy_saving": draw(st.one_of(st.none(), st.integers(0, 90_000).map(str))),
            "co2_reduction": draw(st.one_of(st.none(), st.integers(0, 90_000).map(str))),
            "water_saving": draw(st.one_of(st.none(), st.integers(0, 9_000).map(lambda v: plain(Decimal(v) / 100)))),
            "start": [2024, draw(st.integers(1, 12)), draw(st.integers(1, 28))],
        })
    if "ledger_money_unit_line" in force:
        money_style = "line"
    elif "ledger_money_unit_line" in exclude or "ledger_unit_in_qualifier_bracket" in force:
        money_style = "bracket"
    else:
        money_style = draw(st.sampled_from(["bracket", "line"]))
    headers = ["template", "qualifier", "plain"]
    if "ledger_unit_in_qualifier_bracket" in exclude:
        headers.remove("qualifier")
    if "ledger_unit_in_qualifier_bracket" in force:
        headers = ["qualifier"]
    productive_header = draw(st.sampled_from(headers))
    qualifiers = list(LEDGER_TOTAL_QUALIFIERS)
    if "ledger_narrowing_qualifier" in force:
        qualifiers = sorted(LEDGER_NARROWING)
    elif "ledger_instruction_qualifier" in force:
        qualifiers = [q for q in qualifiers if q is not None and q not in LEDGER_NARROWING]
    if "ledger_narrowing_qualifier" in exclude:
        qualifiers = [q for q in qualifiers if q not in LEDGER_NARROWING]
    total_qualifier = draw(st.sampled_from(qualifiers))
    return {
        "kind": "ledger", "format": draw(st.sampled_from(FORMATS)),
        "region": draw(st.sampled_from(sorted(REGIONS))),
        "region_in": draw(st.sampled_from(["column", "title", "unit_line"])),
        "projects": projects,
        "money_unit": {f: draw(st.sampled_from(["万元", "元", "亿元"])) for f in LEDGER_MONEY},
        "money_style": money_style, "productive_header": productive_header, "total_qualifier": total_qualifier,
        "qty_unit": {f: draw(st.sampled_from(units)) for f, (_, _, units) in LEDGER_QTY.items()},
        "order": draw(st.permutations(["name", "enterprise", "code", "region", "type", "start",
                                       "total_investment", "productive_investment", "equipment_investment",
                                       "energy_saving", "co2_reduction", "water_saving", "note"])),
        "seq": draw(st.booleans()), "title": draw(st.booleans()),
        "numbers": draw(st.sampled_from(["number", "text", "separators", "fullwidth"])),
        "dates": draw(st.sampled_from(["date", "text", "chinese"])),
        "footer": draw(st.booleans()),
    }


def any_specs(*, exclude: frozenset[str] = frozenset()) -> st.SearchStrategy[dict]:
    return st.one_of(monthly_specs(exclude=exclude), summary_specs(), ledger_specs(exclude=exclude))


# ---- composing -------------------------------------------------------------------------------
@dataclass
class Truth:
    """What the file must import to: figures (region, period, measure) -> value for a monthly sheet
    or summary; projects (name -> field -> value, and region) for a ledger."""

    kind: str
    figures: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)


def compose(spec: dict) -> tuple[bytes, str, Truth]:
    """The file's bytes, a file name, and the figures it must import to."""
    kind = spec["kind"]
    grids, truth = {"monthly": _monthly, "summary": _summary, "ledger": _ledger}[kind](spec)
    fmt = spec["format"]
    return write(grids, fmt), f"{kind}{EXTENSION[fmt]}", truth


def _text_only(spec: dict) -> bool:
    return spec["format"].startswith("csv")


def _fill_day(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _monthly(spec: dict) -> tuple[list[Grid], Truth]:
    y, n, region = spec["year"], spec["month"], spec["region"]
    rname = REGIONS[region]
    period = f"{y}-{n:02d}"
    textual = _text_only(spec)
    pin, rin = set(spec["period_in"]), set(spec["region_in"])
    needs_year = bool(pin & {"sheet_months", "header_months"}) and "title" not in pin
    # -- what goes above the table
    who = rname if "title" in rin else ""
    if "title" in pin:
        title = f"{who}“两化”改造主要指标完成情况（{y}年{months_label(n)}）"
    elif needs_year or "sheet_months" in pin:
        title = f"{who}{y}年“两化”改造主要指标完成情况"
    elif who or spec["tag"]:
        title = f"{who}“两化”改造主要指标完成情况"
    else:
        title = None
    fy, fm = _fill_day(y, n)
    top: dict[str, list[Any] | None] = {
        "title": [title] if title else None,
        "tag": ["表1"] if spec["tag"] else None,
        "unit_line": ["填报单位：" + f"{rname}经济和信息化局（盖章）"] if "unit_line" in rin else None,
        "period_label": [f"报告期：{y}年{n}月"] if "label" in pin else None,
        "fill_date": ([f"填报日期：{fy}年{fm}月5日"] if spec["fill_date"] == "top" else
                      ["填报时间：", datetime(fy, fm, 6)] if spec["fill_date"] == "cell" else None),
        "unit_note": [f"单位：{spec['money_unit']}"] if spec["unit_style"] == "line" else None,
    }
    # -- the columns: 序号, name, unit, then the value columns in the drawn order
    extras = list(spec["extras"])
    values_order = [e for e in extras if e not in ("序号", "备注")]
    pos = min(spec["value_position"], len(values_order))
    values_order.insert(pos, "累计")
    cols: list[str] = (["序号"] if "序号" in extras else []) + ["name"]
    if spec["unit_style"] == "column":
        cols.append("unit")
    cols += values_order
    if "备注" in extras:
        cols.append("备注")
    header: dict[str, str] = {"name": NAME_HEADERS[spec["name_header"]], "unit": UNIT_HEADERS[spec["unit_header"]]}
    hm = n - 1 if stale_header(spec) else n      # the months the header states
    cum = CUMULATIVE_HEADERS[spec["value_header"]].format(n=hm, y=y)
    if hm == 1:
        cum = cum.replace("1-1月", "1月")
    if "header" in pin:
        cum = f"{y}年{months_label(hm)}累计"
    elif "header_months" in pin:
        cum = f"{months_label(hm)}累计"
    if spec["unit_style"] == "header":
        cum += f"（{spec['money_unit']}）"
    header["累计"] = cum
    for e in EXTRA_COLUMNS:
        header[e] = EXTRA_HEADERS[e][spec["extra_header"] % len(EXTRA_HEADERS[e])].format(n=n)
    g = Grid(f"{y}年{n}月" if "sheet" in pin else months_label(n) if "sheet_months" in pin else "Sheet1")
    width = len(cols)
    for key in spec["top_order"]:
        row = top[key]
        if row is None:
            continue
        r = g.add(row)
        if key == "title" and spec["merge_title"] and width > 1 and not textual:
            g.merges.append((r, 0, r, width - 1))
    # -- the header, one row or two (a group label over the month and cumulative columns)
    if spec["two_row_header"]:
        r = g.add([])
        g.add([])
        group = {c for c in cols if c in ("累计", "本月")}
        for c, key in enumerate(cols):
            label = header[key]
            if key in group:
                g.rows[r].append("完成情况")
                g.rows[r + 1].append(label)
            else:
                g.rows[r].append(label)
                g.rows[r + 1].append(None)
                if not textual:
                    g.merges.append((r, c, r + 1, c))
        gcols = [c for c, key in enumerate(cols) if key in group]
        if len(gcols) == 2 and gcols[1] == gcols[0] + 1 and not textual:
            g.merges.append((r, gcols[0], r, gcols[1]))
            g.rows[r][gcols[1]] = None
    else:
        g.add([header[k] for k in cols])
    # -- the rows
    truth = Truth("monthly")
    ordered = sorted(spec["measures"], key=lambda m: SECTION_OF[m["code"]]) if spec["sections"] else spec["measures"]
    section = None
    for i, m in enumerate(ordered):
        code = m["code"]
        canonical, names, _ = MEASURES[code]
        if spec["sections"] and SECTION_OF[code] != section:
            section = SECTION_OF[code]
            g.add([None] * cols.index("name") + [SECTIONS[section]])
        if spec["blank_rows"] and i == 1:
            g.add([])
        true = Decimal(m["value"])
        truth.figures[(region, period, code)] = true
        unit = m["unit"]
        is_money = UNITS[canonical][0] == "money"
        name = m["prefix"] + names[m["name"] % len(names)]
        style = spec["unit_style"]
        if style == "bracket" or (style in ("line", "header") and not is_money):
            name += f"（{unit}）"
        elif style == "qualifier":
            name += f"（{spec['qualifier']}，{unit}）"
        shown = scaled(true, canonical, unit)
        row: list[Any] = []
        for key in cols:
            if key == "序号":
                row.append(i + 1)
            elif key == "name":
                row.append(name)
            elif key == "unit":
                row.append(unit)
            elif key == "累计":
                row.append(render(shown, spec["numbers"], textual))
            elif key == "本月":
                single = shown if n == 1 else (shown / n).quantize(Decimal(1)) + 1
                row.append(render(single, spec["numbers"], textual))
            elif key == "去年同期":
                row.append(render((shown * Decimal("0.9")).quantize(Decimal(1)) + 3, spec["numbers"], textual))
            elif key == "同比":
                row.append(render(Decimal("7.5"), "number", textual))
            elif key == "目标":
                row.append(render(shown * 2 + 10, spec["numbers"], textual))
            elif key == "备注":
                row.append("2个项目推迟至四季度" if i == 0 else None)
        g.add(row)
    # -- below the table
    g.add([])
    if spec["footer"]:
        g.add(["注：本表数据均为1月至报告期末累计数。"])
        g.add(["填表人：李某", None, "审核人：陈某", None, "联系电话：0573-84000000"])
    if "footer" in rin:
        g.add([f"填报单位（盖章）：{rname}经信局"])
    if spec["fill_date"] == "footer":
        g.add([f"填报日期：{fy}年{fm}月5日"])
    grids = [g]
    if spec["notes_sheet"]:
        grids.append(Grid("填表说明", [["填表说明"], ["1. 数据口径与统计部门一致。"], ["2. 请于次月10日前报送。"]]))
    if spec["hidden_sheet"] and not textual:
        # last month's sheet kept hidden in the same workbook: other figures, never to be read
        old = Grid("上月", [[f"{rname}“两化”改造主要指标完成情况（{y}年{months_label(n)}）"],
                            ["指标名称", "单位", "本期累计"]], hidden=True)
        for m in spec["measures"]:
            canonical, names, _ = MEASURES[m["code"]]
            old.add([names[0], canonical, render(Decimal(m["value"]) + 1, "number", False)])
        grids.insert(0, old)
    return grids, truth


def _summary(spec: dict) -> tuple[list[Grid], Truth]:
    y, n = spec["year"], spec["month"]
    period = f"{y}-{n:02d}"
    textual = _text_only(spec)
    pin = set(spec["period_in"])
    g = Grid(f"{y}年{n}月" if "sheet" in pin else "分县")
    fy, fm = _fill_day(y, n)
    g.add([f"{y}年{months_label(n)}各县（市、区）“两化”改造推进情况" if "title" in pin
           else "各县（市、区）“两化”改造推进情况"])
    if "label" in pin:
        g.add([f"报告期：{y}年{n}月", None, "填报单位：市经信局"])
    if spec["fill_date"] == "top":
        g.add([f"填报日期：{fy}年{fm}月8日"])
    lead = (["序号"] if spec["seq"] else []) + [spec["region_header"]]
    names = []
    units = []
    for m in spec["measures"]:
        canonical, mnames, _ = MEASURES[m["code"]]
        nm = mnames[m["name"] % len(mnames)]
        if spec["unit_row"]:
            names.append(nm)
            units.append(f"（{m['unit']}）")
        else:
            names.append(f"{nm}（{m['unit']}）")
    tail = ["备注"] if spec["note_col"] else []
    r = g.add(lead + names + tail)
    if spec["unit_row"]:
        g.add([None] * len(lead) + units + [None] * len(tail))
        if not textual:
            for c in [*range(len(lead)), *range(len(lead) + len(names), len(lead) + len(names) + len(tail))]:
                g.merges.append((r, c, r + 1, c))
    truth = Truth("summary")
    first = len(g.rows)
    for i, code in enumerate(spec["regions"]):
        if spec["blank_rows"] and i == 1:
            g.add([])
        row: list[Any] = ([i + 1] if spec["seq"] else []) + [REGIONS[code]]
        for m in spec["measures"]:
            canonical = MEASURES[m["code"]][0]
            true = Decimal(m["values"][i])
            truth.figures[(code, period, m["code"])] = true
            row.append(render(scaled(true, canonical, m["unit"]), spec["numbers"], textual))
        if spec["note_col"]:
            row.append("含结转项目" if i == 0 else None)
        g.add(row)
    last = len(g.rows) - 1
    if spec["total"] != "none":
        row = ([None] if spec["seq"] else []) + ["合计"]
        for j, m in enumerate(spec["measures"]):
            canonical = MEASURES[m["code"]][0]
            if spec["total"] == "formula" and not textual and spec["format"] == "xlsx":
                col = chr(ord("A") + len(lead) + j)
                row.append(f"=SUM({col}{first + 1}:{col}{last + 1})")
            else:
                s = sum((scaled(Decimal(v), canonical, m["unit"]) for v in m["values"]), Decimal(0))
                row.append(render(s, spec["numbers"], textual))
        g.add(row)
    g.add([])
    if spec["footer"]:
        g.add(["注：各县（市、区）数据由经信部门报送。"])
        g.add(["制表人：王某", None, "联系电话：0573-82000000"])
    if spec["fill_date"] == "footer":
        g.add([f"填报日期：{fy}年{fm}月8日"])
    return [g], truth


def credit_code(n: int, region: str) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015), computed here independently of the importer."""
    alpha = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    first17 = f"91{region}MA{n:07d}"[:17]
    s = sum(alpha.index(ch) * w for ch, w in zip(first17, weights, strict=True))
    return first17 + alpha[(31 - s % 31) % 31]


def _ledger(spec: dict) -> tuple[list[Grid], Truth]:
    region = spec["region"]
    rname = REGIONS[region]
    textual = _text_only(spec)
    g = Grid("项目库")
    cols = list(spec["order"])
    if spec["region_in"] != "column":
        cols.remove("region")
    if spec["seq"]:
        cols.insert(0, "seq")
    if spec["title"] or spec["region_in"] == "title":
        g.add([f"{rname if spec['region_in'] == 'title' else ''}“两化”改造项目库（2025年）"])
    if spec["region_in"] == "unit_line":
        g.add([f"填报单位：{rname}经信局"])
    line_unit = spec["money_unit"]["total_investment"]
    if spec["money_style"] == "line":
        g.add([f"金额单位：{line_unit}"])
    money_unit = {f: (line_unit if spec["money_style"] == "line" else u) for f, u in spec["money_unit"].items()}
    labels = {"seq": "序号", "name": "项目名称", "enterprise": "企业名称", "code": "统一社会信用代码",
              "region": "所在地区", "type": "项目类型", "start": "开工日期", "note": "备注"}
    for f, names in LEDGER_MONEY.items():
        u = money_unit[f]
        bracket = "" if spec["money_style"] == "line" else f"（{u}）"
        if f == "productive_investment":
            labels[f] = {"template": f"生产性投入（不含土建）{bracket}",
                         "qualifier": f"生产性投入（不含土建，{u}）" if bracket else "生产性投入（不含土建）",
                         "plain": f"生产性投入{bracket}"}[spec["productive_header"]]
        elif f == "total_investment" and spec.get("total_qualifier"):
            q = spec["total_qualifier"]
            labels[f] = f"{names[0]}（{q}，{u}）" if bracket else f"{names[0]}（{q}）"
        else:
            labels[f] = names[0] + bracket
    for f, (names, _, _) in LEDGER_QTY.items():
        labels[f] = f"{names[0]}（{spec['qty_unit'][f]}）"
    g.add([labels[c] for c in cols])
    truth = Truth("ledger")
    for p in spec["projects"]:
        name = f"{rname}第{p['n']}号技改项目"
        want: dict[str, Any] = {"region": region, "start_date": date(*p["start"])}
        row = []
        for c in cols:
            if c == "seq":
                row.append(p["n"])
            elif c == "name":
                row.append(name)
            elif c == "enterprise":
                row.append(f"嘉兴第{p['n']}精密制造有限公司")
            elif c == "code":
                row.append(credit_code(p["n"], region))
            elif c == "region":
                row.append(rname)
            elif c == "type":
                row.append(p["type"])
            elif c == "start":
                d = date(*p["start"])
                row.append(d if spec["dates"] == "date" and not textual else
                           f"{d:%Y-%m-%d}" if spec["dates"] != "chinese" else f"{d.year}年{d.month}月{d.day}日")
            elif c == "note":
                row.append("分两期实施" if p["n"] == 1 else None)
            elif c in LEDGER_MONEY:
                true = Decimal(p[c])
                want[c] = true
                row.append(render(scaled(true, "万元", money_unit[c]), spec["numbers"], textual))
            elif c in LEDGER_QTY:
                if p[c] is None:
                    want[c] = None
                    row.append(None)
                    continue
                true = Decimal(p[c])
                want[c] = true
                row.append(render(scaled(true, LEDGER_TARGET[c], spec["qty_unit"][c]), spec["numbers"], textual))
        truth.projects[name] = want
        g.add(row)
    if spec["footer"]:
        g.add([])
        g.add(["填表人：张某", None, "联系电话：0573-84000000"])
    return [g], truth


# ---- regression files ------------------------------------------------------------------------
REGRESSIONS = Path(__file__).parent / "regressions"


def regression_specs() -> dict[str, dict]:
    """Every failing example the generator ever found: file stem -> spec (regressions/*.json)."""
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(REGRESSIONS.glob("*.json"))}


def regenerate(out: Path) -> list[Path]:
    """Write each regression's file (for a look in Excel): OUT/<name>.xlsx|xls|csv."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in regression_specs().items():
        data, file_name, _ = compose(spec)
        path = out / (name + Path(file_name).suffix)
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "regenerate":
        for p in regenerate(Path(sys.argv[2] if len(sys.argv) > 2 else REGRESSIONS)):
            print(p)
    else:
        print("usage: python tests/ingest/shapes.py regenerate [OUT_DIR]")
