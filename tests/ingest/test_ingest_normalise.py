"""Names, numbers, units and periods as real sheets write them."""

from __future__ import annotations

from datetime import datetime

import pytest

from jxtrack import services
from jxtrack.ingest import matcher
from jxtrack.ingest.normalise import a1, parse_number, parse_period_text

M = matcher(services.catalog())


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
