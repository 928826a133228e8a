"""Names, numbers, units and periods as real sheets write them."""

from __future__ import annotations

from datetime import datetime

import pytest

from jxtrack.ingest import normalise as nz
from jxtrack.ingest.monthly import matcher
from jxtrack.ingest.normalise import a1, parse_number, parse_period_text
from jxtrack.services import lookup

M = matcher(lookup.catalog())


@pytest.mark.parametrize("raw, value, percent", [
    ("１３６", 136, False), ("19,860", 19860, False), (" 118,400 ", 118400, False), ("351.20", 351.2, False),
    ("59.3%", 59.3, True), ("５９．３％", 59.3, True), ("(12)", -12, False), (42, 42, False),
    ("1，234，567.5", 1234567.5, False),
])
def test_numbers(raw, value, percent):
    n = parse_number(raw)
    assert (n.value, n.percent) == (value, percent)


def test_percent_formatted_cell_and_non_numbers():
    assert parse_number(0.593, percent_cell=True).value == 59.3
    for raw in ("十二", "12个", "", "1.2.3", True, float("nan")):
        assert parse_number(raw) is None


@pytest.mark.parametrize("text, code, unit", [
    ("  其中：数字化改造项目", "digital_projects", None),
    ("规上工业企业数(家)", "industrial_firms", "家"),
    ("直接拉动技改投资（万元）", "tech_investment", "万元"),
    ("（一）规模以上工业增加值", "industrial_va", None),
    ("1.绿色化改造项目个数", "green_projects", None),
    ("数字化改造2.0覆盖率(%)", "digital2_coverage_rate", "%"),
    ("ｄｉｇｉｔａｌ_projects", "digital_projects", None),
    ("完全无关", None, None),
])
def test_measure_names(text, code, unit):
    assert M.measure(text) == (code, unit)


def test_units_and_regions():
    assert M.unit("万吨") == "万吨标煤" and M.unit("％") == "%" and M.unit("斤") is None
    assert M.region_exact("嘉善县") == M.region_exact(" 嘉善 ") == "330421"
    assert M.regions_in("报送单位：嘉善县经济和信息化局（盖章）") == {"330421"}


@pytest.mark.parametrize("text, period", [
    ("嘉善县主要指标完成情况（2025年1-9月）", "2025-09"), ("2026年1-2月", "2026-02"), ("报告期：2025年9月", "2025-09"),
    ("2025-06", "2025-06"), ("２０２５年６月", "2025-06"), ("2025年上半年", "2025-06"), (datetime(2025, 3, 31), "2025-03"),
    ("联系电话：0573-84000000", None), ("（2024―2026年）", None),
])
def test_periods(text, period):
    assert parse_period_text(text) == period


def test_a1():
    assert (a1(0, 0), a1(6, 2), a1(0, 26)) == ("A1", "C7", "AA1")


@pytest.mark.parametrize("text", ["N/A", "n/a", "Ｎ／Ａ", "NA", "无", "暂无", "—", "——", "/", "／", "-", "－", "--",
                                  "…", " 空 ", "不适用"])
def test_placeholders(text):
    assert nz.is_placeholder(text) and nz.is_blank(text) and not nz.is_empty(text)


@pytest.mark.parametrize("text", ["#N/A", "0", "十二", "无效", "待统计", None, 0])
def test_not_placeholders(text):
    assert not nz.is_placeholder(text)


@pytest.mark.parametrize("text, rest_period, dangling", [
    ("填报日期：2025年11月5日", None, False), ("报送时间：2025-11-06", None, False),
    ("填表人：王某    审核人：李某    报出日期：2025年11月6日", None, False),
    ("制表日期 2025/11/04", None, False), ("日期：2025.11.5", None, False),
    ("填报时间：", None, True), ("报告期：2025年10月    填报日期：2025年11月5日", "2025-10", False),
    ("统计日期：2025年9月", "2025-09", False),      # says what the figures cover
])
def test_fill_dates_removed(text, rest_period, dangling):
    rest, lone = nz.strip_fill_dates(text)
    assert (parse_period_text(rest), lone) == (rest_period, dangling)


@pytest.mark.parametrize("name, month", [
    ("1-10月", 10), ("10月", 10), ("1-2月", 2), ("1～10月份", 10), ("一至十月", None), ("7-9月", None),
    ("Sheet1", None), ("9月、10月", None), ("13月", None),
])
def test_sheet_months(name, month):
    assert nz.sheet_months(name) == month


def test_years_in_a_title():
    assert nz.years_in("海宁市2025年“两化”改造主要指标") == {2025}
    assert nz.years_in("“两化”改造攻坚行动（2024—2026年）") == set()
    assert nz.years_in("2025年度") == {2025} and nz.years_in(None) == set()
