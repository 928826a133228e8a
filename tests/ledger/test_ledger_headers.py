"""Ledger headers as people write them (issue 16): the unit inside the qualifier's bracket, amounts
in 元, a '单位：' line, GBK CSV — all read by the one header grammar to the same figures and
subsidies as the template's exact header; a unit that cannot be told is refused, never assumed."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ledger_builders import HEADER, KEYS, ledger_xlsx, project  # noqa: E402

from jxtrack.domain.access import User  # noqa: E402
from jxtrack.ingest import ledger as lg  # noqa: E402
from jxtrack.services import projects  # noqa: E402

JIASHAN = User("jiashan", "county", "330421", "嘉善县填报员")
STAFF = User("zhuanban", "staff", None, "市工作专班")
PRODUCTIVE = HEADER.index("生产性投入（不含土建）（万元）")
# 智能化技术改造, grade B, productive investment 2500 万元 ≥ the 2000 万元 threshold: the B grant,
# 1000 万元 (subsidy_rules.csv smart_upgrade: A=1500|B=1000|…, min_basis 2000)
ROWS = [project(1, total=3000, productive=2500, equipment=1000)]
WANT = (3000.0, 2500.0, 1000.0)


def _header(productive: str, money_unit: str = "万元") -> list[str]:
    h = [x.replace("（万元）", f"（{money_unit}）") for x in HEADER]
    h[PRODUCTIVE] = productive
    return h


def _scaled(rows, factor):
    return [{**r, "total": r["total"] * factor, "productive": r["productive"] * factor,
             "equipment": r["equipment"] * factor} for r in rows]


def _csv(header, rows, encoding) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["“两化”改造项目库"])
    w.writerow(["填报单位：嘉善县"])
    w.writerow(header)
    for r in rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k in KEYS])
    return buf.getvalue().encode(encoding)


def _amounts(res):
    assert res.ok, [p.line() for p in res.problems]
    row = res.projects.iloc[0]
    return row["total_investment"], row["productive_investment"], row["equipment_investment"]


@pytest.mark.parametrize("productive", [
    "生产性投入（不含土建）（万元）",          # the template's exact header
    "生产性投入（不含土建，万元）",            # the unit in the qualifier's bracket
    "生产性投入(不含土建,万元)",
    "生产性投入【不含土建、万元】",
    "生产性投入（万元）",
    "生产性投入/万元",
])
def test_productive_investment_headers(productive, empty_store):
    res = projects.preview_ledger(empty_store, ledger_xlsx(ROWS, header=_header(productive)), "x.xlsx", STAFF)
    assert _amounts(res) == WANT


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8", "csv-utf8-bom", "csv-gbk"])
def test_amounts_in_yuan_with_the_bracket_qualifier(fmt, empty_store):
    """Every amount in 元 (× 10 000) under '生产性投入（不含土建，元）': the same 万元 figures and the
    same subsidy as the template's header; in .xlsx and in CSV of every usual encoding."""
    header = _header("生产性投入（不含土建，元）", "元")
    rows = _scaled(ROWS, 10000)
    data = (ledger_xlsx(rows, header=header) if fmt == "xlsx"
            else _csv(header, rows, {"csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig", "csv-gbk": "gbk"}[fmt]))
    res = projects.commit_ledger(empty_store, data, f"x.{fmt[:3]}", JIASHAN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    lst = projects.list_projects(empty_store, JIASHAN)
    assert (lst.iloc[0]["total_investment"], lst.iloc[0]["productive_investment"],
            lst.iloc[0]["equipment_investment"]) == WANT
    subs = projects.subsidies(empty_store, JIASHAN, year=2025)
    assert subs[["rule", "amount"]].values.tolist() == [["smart_upgrade", 1000.0]]


def test_a_unit_line_above_the_ledger(empty_store):
    """'单位：元' above a header without units: the amounts are in 元."""
    header = [x.replace("（万元）", "").replace("（不含土建）", "") for x in HEADER]
    rows = _scaled(ROWS, 10000)
    wb_bytes = ledger_xlsx(rows, header=header)
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(wb_bytes))
    wb.active["B2"] = "单位：元"
    buf = io.BytesIO()
    wb.save(buf)
    res = projects.preview_ledger(empty_store, buf.getvalue(), "x.xlsx", STAFF)
    assert _amounts(res) == WANT


@pytest.mark.parametrize("productive, value", [
    ("生产性投入（万元/亿元）", "万元、亿元"),     # two units: which one?
    ("生产性投入（不含土建，美元）", "美元"),     # a unit the catalog does not know, not a qualifier
])
def test_a_unit_that_cannot_be_told_is_refused(productive, value, empty_store):
    res = projects.preview_ledger(empty_store, ledger_xlsx(ROWS, header=_header(productive)), "x.xlsx", STAFF)
    assert {(p.code, p.cell, p.value) for p in res.problems} == {("unknown_unit", "I4", value)}
    assert res.projects.empty


@pytest.mark.parametrize("text, field, unit", [
    ("生产性投入（不含土建，万元）", "productive_investment", "万元"),
    ("总投资（亿元）", "total_investment", "亿元"),
    ("年节能量（吨标准煤）", "energy_saving", "吨标准煤"),
    ("二氧化碳年减排量（吨）", "co2_reduction", "吨"),
    ("县(市、区)", "region", None),
    ("是否列入省级计划", "provincial_list", None),
    ("项目名称", "project_name", None),
])
def test_header_field(text, field, unit):
    assert lg.header_field(text) == (field, unit)


# ---- a qualifier that makes a column another figure (issue 16): asked about, never dropped ------

def _with(changes: dict[int, str]) -> list[str]:
    h = list(HEADER)
    for i, text in changes.items():
        h[i] = text
    return h


TOTAL, ACCEPT, NAME, CODE, STRATEGIC, START = (HEADER.index(x) for x in (
    "总投资（万元）", "验收日期", "项目名称", "统一社会信用代码", "战略性新兴产业", "开工日期"))


@pytest.mark.parametrize("col, text, qualifier", [
    (TOTAL, "总投资（不含土建）（万元）", "不含土建"),   # a part of the total, not the total
    (TOTAL, "总投资（不含土建，万元）", "不含土建"),
    (TOTAL, "总投资（含税，万元）", "含税"),
    (TOTAL, "总投资（其中：外资）", "其中:外资"),
    (ACCEPT, "验收日期（计划）", "计划"),              # a planned date is not the acceptance date
    (TOTAL, "总投资（去年同期）", "去年同期"),
])
def test_a_field_with_a_narrowing_qualifier_is_refused(col, text, qualifier, empty_store):
    """The only column for 总投资 says 不含土建: which figure it holds cannot be told, so the file is
    refused at that header cell with what to do -- not read as the total, not silently left out."""
    data = ledger_xlsx(ROWS, header=_with({col: text}))
    res = projects.preview_ledger(empty_store, data, "x.xlsx", STAFF)
    cell = f"{'ABCDEFGHIJ'[col]}3"   # the header row
    assert [(p.code, p.cell, p.value) for p in res.problems] == [("narrowed_column", cell, text)]
    msg = res.problems[0].message
    assert f"“{qualifier}”限定了口径" in msg and "请把表头改为" in msg
    assert res.projects.empty
    done = projects.commit_ledger(empty_store, data, "x.xlsx", JIASHAN)
    assert done.status != "accepted" and projects.list_projects(empty_store, JIASHAN).empty


def test_a_narrowed_column_beside_the_field_itself_is_left_unread_and_said(empty_store):
    """总投资 and, beside it, 总投资（不含土建）: the total is read from its own column, and the
    explanation says the other was not taken and why."""
    header = [*HEADER, "总投资（不含土建）（万元）"]
    rows = [{**r, "extra": 999} for r in ROWS]
    keys = [*KEYS, "extra"]
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(ledger_xlsx(ROWS, header=header)))
    ws = wb.active
    ws.cell(4, len(keys), rows[0]["extra"])   # the project row, under the header in row 3
    buf = io.BytesIO()
    wb.save(buf)
    res = projects.preview_ledger(empty_store, buf.getvalue(), "x.xlsx", STAFF)
    assert _amounts(res) == WANT
    said = "；".join(res.explanation)
    assert f"{'ABCDEFGHIJKLMNOPQRSTU'[len(header) - 1]}列「总投资（不含土建）（万元）」（“不含土建”与总投资口径不同）" in said


@pytest.mark.parametrize("changes", [
    {NAME: "项目名称（必填）"},                          # fill instructions are not a scope
    {CODE: "统一社会信用代码（18位，必填）"},
    {STRATEGIC: "战略性新兴产业（是/否）"},
    {START: "开工日期（格式：2024-03-01）"},
    {TOTAL: "总投资（全口径，万元）"},                   # the full scope restates the total
    {PRODUCTIVE: "生产性投入（不含土建，万元）"},         # the field's own qualifier
])
def test_instructions_and_own_qualifiers_still_read(changes, empty_store):
    res = projects.preview_ledger(empty_store, ledger_xlsx(ROWS, header=_with(changes)), "x.xlsx", STAFF)
    assert _amounts(res) == WANT


@pytest.mark.parametrize("text, narrowed", [
    ("总投资（不含土建）", ("total_investment", "不含土建")),
    ("设备投资额（含税，万元）", ("equipment_investment", "含税")),
    ("生产性投入（不含土建）", None),
    ("项目名称（必填）", None),
    ("备注", None),
])
def test_narrowed_field(text, narrowed):
    assert lg.narrowed_field(text) == narrowed
    if narrowed:
        assert lg.header_field(text) == (None, None)


def test_a_qualifier_the_field_is_known_by_is_read():
    """计划总投资 is an accepted name of 总投资, so 总投资（计划） is too; a planned acceptance date is not."""
    assert lg.header_field("总投资（计划，万元）") == ("total_investment", "万元")
    assert lg.narrowed_field("验收日期（计划）") == ("acceptance_date", "计划")
