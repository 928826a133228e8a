"""The header grammar (ingest.header): one header cell -> name, unit, qualifiers, role, span.
Each expectation is written out by hand from the header as offices write it."""

from __future__ import annotations

import pytest

from jxtrack.ingest.header import read_header, unit_line


@pytest.mark.parametrize("text, name, unit, qualifiers", [
    ("生产性投入（不含土建，万元）", "生产性投入", "万元", ("不含土建",)),
    ("生产性投入（不含土建）（万元）", "生产性投入", "万元", ("不含土建",)),
    ("生产性投入(不含土建、万元)", "生产性投入", "万元", ("不含土建",)),
    ("生产性投入【不含土建；万元】", "生产性投入", "万元", ("不含土建",)),
    ("投资额/万元", "投资额", "万元", ()),
    ("投资额，万元", "投资额", "万元", ()),
    ("亩均税收/万元/亩", "亩均税收", "万元/亩", ()),            # a unit with a slash stays whole
    ("节能量（吨标准煤）", "节能量", "吨标准煤", ()),
    ("金额（单位：万元）", "金额", "万元", ()),
    ("其中：技改投资（亿元）", "技改投资", "亿元", ("其中",)),
    ("ＸＸ投资（ 万元 ）", "xx投资", "万元", ()),                  # full-width letters, spaces
    ("县(市、区)", "县", None, ("市", "区")),
])
def test_name_unit_qualifiers(text, name, unit, qualifiers):
    h = read_header(text)
    assert (h.name, h.unit, h.qualifiers) == (name, unit, qualifiers)


def test_two_units_are_ambiguous_and_an_unknown_unit_is_still_a_unit():
    h = read_header("投资额(万元/亿元)")
    assert h.unit is None and h.units == ("万元", "亿元") and h.ambiguous_unit
    h = read_header("投资额（不含土建，美元）")
    assert h.units == ("美元",) and h.qualifiers == ("不含土建",)   # not dropped as a qualifier


@pytest.mark.parametrize("text, role, months, year", [
    ("1-10月累计", "cumulative", (1, 10), None),
    ("1～10月", "cumulative", (1, 10), None),
    ("1—10月", "cumulative", (1, 10), None),
    ("1至10月份", "cumulative", (1, 10), None),
    ("2025年1-10月累计", "cumulative", (1, 10), 2025),
    ("本年累计", "cumulative", None, None),
    ("累计", "cumulative", None, None),
    ("本期累计数（请填写）", "cumulative", None, None),          # our template
    ("完成情况 1-9月", "cumulative", (1, 9), None),             # a two-row header, joined
    ("本月累计", "cumulative", None, None),
    ("本月", "month", None, None),
    ("当月", "month", None, None),
    ("10月", "month", (10, 10), None),
    ("去年同期累计", "last_year", None, None),
    ("上年同期", "last_year", None, None),
    ("同期", "last_year", None, None),
    ("同比增长(%)", "growth", None, None),
    ("增长%", "growth", None, None),
    ("增速", "growth", None, None),
    ("比去年同期增减", "growth", None, None),
    ("本年目标", "target", None, None),
    ("计划", "target", None, None),
    ("任务", "target", None, None),
    ("占比(%)", "share", None, None),
    ("完成率", "share", None, None),
    ("排名", "rank", None, None),
    ("上期数（参考，2025年1–8月）", "previous", (1, 8), 2025),    # our template's reference
    ("备注", "note", None, None),
    ("偏差说明", "note", None, None),
    ("数值", "value", None, None),
    ("本期", "value", None, None),
    ("填报数", "value", None, None),
    ("计量单位", "unit", None, None),
    ("单位", "unit", None, None),
    ("序号", "serial", None, None),
    ("系统编码（勿改）", "code", None, None),
    ("指标名称", None, None, None),
])
def test_roles(text, role, months, year):
    h = read_header(text)
    assert (h.role, h.months, h.year) == (role, months, year)


def test_unit_line():
    assert unit_line("单位：万元") == "万元"
    assert unit_line("（金额单位：亿元）") == "亿元"
    assert unit_line("填报单位：海宁市经信局") is None
    assert unit_line("单位：斤", lambda u: u in {"万元"}) is None


@pytest.mark.parametrize("text, role", [
    # our template's reference columns (the system's own figures, beside the input)
    ("参考：上月累计（系统数据，不读取）", "previous"),
    ("参考：上期数（2025年1–9月，系统数据，不读取）", "previous"),
    ("参考：去年同期（2025年1–10月，系统数据，不读取）", "last_year"),
    ("参考：上年同期累计", "last_year"),
    # a column marked as not to be read is a reference whatever else it says: never the report
    ("本年累计（系统数据，不读取）", "previous"),
    ("1-10月累计（系统数据，不读取）", "previous"),
    ("参考：本年累计", "previous"),
    ("参考:本期数", "previous"),
    ("1-10月累计（不导入）", "previous"),
])
def test_reference_columns_are_never_the_report(text, role):
    """Without the marker rule the cumulative-looking ones were read as the report (cumulative)."""
    assert read_header(text).role == role
