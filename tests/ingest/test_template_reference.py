"""一表通: the monthly template carries the county's own figures as reference columns the importer
never reads, and carries fixed figures forward only when asked (issue 17 §3)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from conftest import ADMIN, JIASHAN
from jxtrack.ingest.template import INPUT_COL, LAST_YEAR_COL, NOTE_COL, PREVIOUS_COL
from jxtrack.services.importing import commit_import, make_template, preview_import
from jxtrack.services.lookup import ServiceError

REGION = "330421"   # 嘉善县


def _fill(data: bytes, figures: dict[str, object], col: int = INPUT_COL) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["填报表"]
    for r in range(6, ws.max_row + 1):
        code = ws.cell(r, 2).value
        if code in figures:
            ws.cell(r, col, figures[code])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _rows(data: bytes) -> dict[str, tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(data))["填报表"]
    return {r[1]: r for r in ws.iter_rows(min_row=6, values_only=True) if r[1]}


def _in_force(store, period: str) -> dict[str, float]:
    obs = store.observations(periods=[period], regions=[REGION])
    return dict(zip(obs["measure"], obs["value"], strict=True))


@pytest.fixture
def history(empty_store):
    """嘉善县 with figures for 2024-10 (last year's same period) and 2025-09 (last month)."""
    for period, figures in (("2024-10", {"digital_projects": 120, "industrial_land": 52000, "industrial_firms": 1480}),
                            ("2025-09", {"digital_projects": 136, "industrial_land": 53210, "industrial_firms": 1502})):
        data, name = make_template(empty_store, REGION, period)
        res = commit_import(empty_store, _fill(data, figures), name, ADMIN)
        assert res.status == "accepted", [p.line() for p in res.problems]
    return empty_store


def test_reference_columns_hold_last_month_and_last_year_grey_and_locked(history):
    data, _ = make_template(history, REGION, "2025-10", JIASHAN)
    ws = openpyxl.load_workbook(io.BytesIO(data))["填报表"]
    assert ws.cell(5, PREVIOUS_COL).value == "参考：上期数（2025年1–9月，系统数据，不读取）"
    assert ws.cell(5, LAST_YEAR_COL).value == "参考：去年同期（2024年1–10月，系统数据，不读取）"
    rows = _rows(data)
    assert rows["digital_projects"][PREVIOUS_COL - 1] == 136 and rows["digital_projects"][LAST_YEAR_COL - 1] == 120
    assert rows["industrial_land"][PREVIOUS_COL - 1] == 53210 and rows["industrial_land"][LAST_YEAR_COL - 1] == 52000
    assert rows["tech_investment"][PREVIOUS_COL - 1] is None          # nothing held: blank, not 0
    ref = ws.cell(6, PREVIOUS_COL)
    assert ref.protection.locked and ws.cell(6, LAST_YEAR_COL).protection.locked
    assert ref.fill.fgColor.rgb.endswith("EDEDED") and ws.cell(5, LAST_YEAR_COL).fill.fgColor.rgb.endswith("EDEDED")
    assert not ws.cell(6, INPUT_COL).protection.locked and not ws.cell(6, NOTE_COL).protection.locked
    # nothing carried without asking: the input column starts empty
    assert all(r[INPUT_COL - 1] is None for r in rows.values())


def test_filled_template_imports_exactly_the_figures_typed_never_the_references(history):
    data, name = make_template(history, REGION, "2025-10", JIASHAN)
    typed = {"digital_projects": 150, "industrial_firms": 1510, "tech_investment": 45.5}
    filled = _fill(data, typed)
    # the reference columns hold numbers (the system put them there; write more into empty ones)
    filled = _fill(filled, {"tech_investment": 999, "green_projects": 77}, PREVIOUS_COL)
    filled = _fill(filled, {"tech_investment": 888, "green_projects": 66}, LAST_YEAR_COL)
    res = commit_import(history, filled, name, JIASHAN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert _in_force(history, "2025-10") == {"digital_projects": 150.0, "industrial_firms": 1510.0,
                                             "tech_investment": 45.5}
    assert set(res.values["cell"].str[0]) == {"F"}
    said = " ".join(res.explanation)   # the header as read (NFKC)
    assert "E列「参考:上期数(2025年1–9月,系统数据,不读取)」（上期参考数）" in said and "未取用" in said
    assert "H列「参考:去年同期(2024年1–10月,系统数据,不读取)」（去年同期数）" in said


def test_references_alone_are_never_read_as_a_report(history):
    data, name = make_template(history, REGION, "2025-10", JIASHAN)
    only_refs = _fill(data, {"green_projects": 40}, PREVIOUS_COL)      # references hold numbers, F empty
    res = preview_import(history, only_refs, name, JIASHAN)
    assert res.values.empty and res.errors      # refused, nothing taken from E or H


def test_carry_forward_only_by_choice_and_only_fixed_figures(history):
    data, name = make_template(history, REGION, "2025-10", JIASHAN, carry_forward=["industrial_land"])
    rows = _rows(data)
    assert rows["industrial_land"][INPUT_COL - 1] == 53210            # carried, as chosen
    assert rows["industrial_firms"][INPUT_COL - 1] is None            # a stock not chosen: empty
    ws = openpyxl.load_workbook(io.BytesIO(data))["填报表"]
    r = next(r for r in range(6, ws.max_row + 1) if ws.cell(r, 2).value == "industrial_land")
    assert "沿用上期数" in ws.cell(r, INPUT_COL).comment.text
    meta = {k: v for k, v in openpyxl.load_workbook(io.BytesIO(data))["_jxtrack"].iter_rows(values_only=True)}
    assert meta["carried_forward"] == "industrial_land"
    res = commit_import(history, _fill(data, {"digital_projects": 150}), name, JIASHAN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert _in_force(history, "2025-10") == {"industrial_land": 53210.0, "digital_projects": 150.0}
    # a year-to-date flow can never be carried forward (it would report that nothing happened)
    with pytest.raises(ServiceError, match="数字化改造项目数不能沿用上期数"):
        make_template(history, REGION, "2025-10", JIASHAN, carry_forward=["digital_projects"])
