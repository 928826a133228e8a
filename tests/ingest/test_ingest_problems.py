"""One test per problem code, each with a fixture file built by make_fixtures.py.

Every refusal carries the stable code, a Chinese message, the sheet, the A1 cell and the value."""

from __future__ import annotations

import re

import pytest

from conftest import ADMIN, JIASHAN
from jxtrack.domain.problems import CODES
from jxtrack.ingest import reader
from jxtrack.services.importing import commit_import, preview_import

# fixture -> (code, sheet, cell, value, import arguments)
CELL_PROBLEMS = {
    "unknown_name": ("9月", "A7", "不存在的指标", {}),
    "not_a_number": ("9月", "C7", "十二", {}),
    "negative_count": ("9月", "C7", "-3", {}),
    "negative_value": ("9月", "C7", "-5", {}),
    "not_whole_number": ("9月", "C7", "12.5", {}),
    "unknown_unit": ("9月", "B7", "斤", {}),
    "unit_not_convertible": ("9月", "B7", "万元", {}),
    "duplicate_row": ("9月", "C7", "140", {}),
    "measure_not_for_region": ("9月", "C7", "1", {}),
    "part_exceeds_whole": ("9月", "C8", "900", {}),
    "formula_no_value": ("9月", "C7", "（公式，无结果）", {}),
    "unknown_region": ("分县", "A6", "火星县", {}),
    "rate_over_100": ("分县", "D6", "120%", {}),
    "sum_mismatch": ("分县", "E6", "999", {}),
    "wrong_region": ("9月", "A2", "嘉善县", {"region": "平湖市"}),
    "wrong_period": ("9月", "C2", "2025年1–9月", {"period": "2025-08"}),
    "region_unknown": ("9月", None, None, {}),
    "period_unknown": ("9月", None, None, {}),
}
FILE_PROBLEMS = ["empty_file", "file_too_large", "corrupt_file", "unsupported_format", "macro_file",
                 "unsafe_xml", "encrypted_file", "no_data"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_error_code_has_a_test():
    from jxtrack.ingest.ledger import PROBLEM_CODES as LEDGER_CODES  # tested in tests/ledger

    # not_permitted, ytd_decrease: test_ingest_importing; placeholder_not_reported,
    # value_column_single_month, value_column_ambiguous: test_ingest_office_sheets; last_year_mismatch:
    # test_ingest_read_right; period_locked: tests/services/test_review.py; carry_forward_refused:
    # tests/services/test_entry.py
    tested = (set(CELL_PROBLEMS) | set(FILE_PROBLEMS) | {"not_permitted", "ytd_decrease", "placeholder_not_reported"}
              | {"last_year_mismatch", "period_locked", "carry_forward_refused"}
              | {"value_column_single_month", "value_column_ambiguous"} | set(LEDGER_CODES))
    assert tested == set(CODES)


@pytest.mark.parametrize("code", sorted(CELL_PROBLEMS))
def test_cell_problem(code, fx, empty_store):
    sheet, cell, value, kwargs = CELL_PROBLEMS[code]
    res = preview_import(empty_store, fx[code].read_bytes(), fx[code].name, ADMIN, **kwargs)
    assert [p.code for p in res.problems] == [code], [p.line() for p in res.problems]
    p = res.problems[0]
    assert p.severity == "error" and not res.ok and res.status == "rejected"
    assert (p.sheet, p.cell, p.value) == (sheet, cell, value)
    assert CHINESE.search(p.message) and "请" in p.message   # says what to do


@pytest.mark.parametrize("code", FILE_PROBLEMS)
def test_file_problem(code, fx, empty_store):
    res = preview_import(empty_store, fx[code].read_bytes(), fx[code].name, ADMIN)
    assert [p.code for p in res.problems] == [code], [p.line() for p in res.problems]
    assert res.values.empty and CHINESE.search(res.problems[0].message)


def test_file_too_large_checked_before_parsing(fx, empty_store, monkeypatch):
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1000)

    def boom(*a, **k):  # the parser must never be reached
        raise AssertionError("parsed a file over the size limit")

    monkeypatch.setattr(reader, "_read_xlsx", boom)
    res = preview_import(empty_store, fx["good_xlsx"].read_bytes(), "big.xlsx", ADMIN)
    assert [p.code for p in res.problems] == ["file_too_large"]


def test_pdf_and_html_are_refused_clearly(empty_store):
    for data, word in ((b"%PDF-1.7\n...", "PDF"), (b"<html><table><tr><td>1</td></tr></table></html>", "网页")):
        res = preview_import(empty_store, data, "report.xls", ADMIN)
        assert [p.code for p in res.problems] == ["unsupported_format"] and word in res.problems[0].message


def test_not_permitted_names_both_counties(fx, empty_store):
    res = preview_import(empty_store, fx["not_permitted"].read_bytes(), "x.xlsx", JIASHAN)
    assert [p.code for p in res.problems] == ["not_permitted"]
    msg = res.problems[0].message
    assert "嘉善县" in msg and "平湖市" in msg


def test_ytd_decrease_is_a_warning(fx, empty_store):
    first = commit_import(empty_store, fx["good_xlsx"].read_bytes(), "sep.xlsx", ADMIN)
    assert first.status == "accepted"
    res = preview_import(empty_store, fx["ytd_decrease"].read_bytes(), "oct.xlsx", ADMIN)
    assert [p.code for p in res.problems] == ["ytd_decrease"]
    p = res.problems[0]
    assert p.severity == "warning" and res.ok and (p.sheet, p.cell, p.value) == ("9月", "C4", "120")
    assert "2025年1–9月" in p.message and "136" in p.message


def test_all_problems_collected_before_answering(empty_store, tmp_path):
    import make_fixtures as mf

    path = mf.county_xlsx(tmp_path / "many.xlsx", mf.GOOD_ROWS + [
        ["不存在的指标", "个", 5, None], ["重点技术改造项目数", "个", "十二", None],
        ["规上工业增加值", "斤", 300, None], ["节约用能", "吨标煤", -1, None]])
    res = preview_import(empty_store, path.read_bytes(), "many.xlsx", ADMIN)
    assert sorted(p.code for p in res.problems) == ["negative_value", "not_a_number", "unknown_name", "unknown_unit"]


def test_formula_total_row_is_ignored_and_right_total_checked(fx, empty_store):
    for name in ("summary_formula_total", "summary_right_total"):
        res = preview_import(empty_store, fx[name].read_bytes(), "s.xlsx", ADMIN)
        assert res.problems == [] and len(res.values) == 9, [p.line() for p in res.problems]
