"""Issue 19's remaining rough edges: the red list ordered as printed, the upload history and the
withdrawal menu in people's words (Beijing time, 2026年1–11月, display names, 项目库 uploads)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from jxtrack.services import status_table
from jxtrack.services import views as ws

from .conftest import CITY, JIASHAN, USERS, run_app


# ---- the red list is ordered on the gap as printed -------------------------------------------------
def test_red_list_sorts_on_the_printed_gap_then_stably():
    # A: 50.049% − 65.851% → printed 50.0 − 65.9 = −15.9 (unrounded −15.802)
    # B: 50.051% − 65.949% → printed 50.1 − 65.9 = −15.8 (unrounded −15.898, so B sorted first before)
    # C, D: printed −15.9 as well (50.0 − 65.9), unrounded −15.85 and −15.94: their order is the
    # indicator order (sort), not the hidden decimals
    rows = pd.DataFrame({
        "name": ["A", "B", "C", "D", "M"],
        "light": ["red"] * 5,
        "completion": [0.50049, 0.50051, 0.50040, 0.49960, None],
        "time_progress": [0.65851, 0.65949, 0.65890, 0.65900, None],
        "gap_pp": [-15.802, -15.898, -15.85, -15.94, None],
        "sort": [3, 1, 2, 4, 0],
    })
    out = ws._by_gap(rows)
    assert list(out["name"]) == ["C", "A", "D", "B", "M"]   # −15.9 (sort 2, 3, 4), −15.8, then no gap


# ---- 序时进度: one definition, one label, the same number on screen and on paper -------------------
def _bulletin_detail(store):
    """The Excel bulletin's 各地区指标明细 as {(region, indicator): {header: cell}}."""
    import io

    from openpyxl import load_workbook

    from jxtrack.reports.api import render_bytes
    from jxtrack.reports.bulletin import build

    b = build(store, None, USERS["staff"])
    ws = load_workbook(io.BytesIO(render_bytes(b, ".xlsx")))["明细"]
    rows = list(ws.iter_rows(values_only=True))
    head_at = next(i for i, r in enumerate(rows) if r and r[0] == "地区")
    head = rows[head_at]
    return b, {(r[0], r[1]): dict(zip(head, r, strict=False)) for r in rows[head_at + 1:] if r and r[1]}


def test_progress_is_the_same_number_on_the_indicator_page_and_in_the_bulletin(demo_ro):
    from jxtrack.present import fmt
    from jxtrack.reports import narrative

    st_rows = status_table.status(demo_ro, None, None, USERS["staff"])
    b, detail = _bulletin_detail(demo_ro)
    # a level (覆盖率, 占比) for a county and for the city, and an annual flow
    for code, region in (("digital2_coverage", JIASHAN), ("producer_services_share", CITY),
                         ("digital_projects", JIASHAN)):
        r = st_rows[(st_rows["indicator_code"] == code) & (st_rows["region_code"] == region)].iloc[0]
        # worked out from the figures: 序时进度 = 序时应达 / 目标 for every kind
        assert abs(r["time_progress"] - r["expected"] / r["target"]) < 1e-12
        want = f"{round(r['expected'] / r['target'] * 100, 1):.1f}%"
        at = run_app(USERS["staff"], "pages/indicator.py")
        at.selectbox(key="indicator_code").set_value(code)
        at.selectbox(key="indicator_region").set_value(region)
        at.run()
        assert not at.exception
        shown = {m.label: m.value for m in at.metric}
        assert shown["序时进度"] == want, (code, region, shown)
        # the bulletin's sheet: the same share (a number cell formatted 0.0%), and the same 进度差
        cell = detail[(r["region"], r["indicator_name"])]
        assert f"{cell['序时进度'] * 100:.1f}%" == want
        gap = round(round(r["completion"] * 100, 1) - round(r["time_progress"] * 100, 1), 1)
        assert cell["进度差（个百分点）"] == pytest.approx(gap)
        assert abs(cell["序时应达"] - r["expected"]) < 1e-9
        # the gap can be checked from what the page shows: 完成率 − 序时进度 = 进度差
        caption = next(c.value for c in at.caption if c.value.startswith("序时应达"))
        assert f"进度差 = 完成率 {fmt.pct(r['completion'])} − 序时进度 {want} = {fmt.pp(gap)}" in caption
        if region == CITY:   # the bulletin's text says the same gap under the same label
            clause = narrative.indicator_clause(r.to_dict())
            word = "超" if gap > 0 else "落后"
            assert f"{word}序时进度{abs(gap):.1f}个百分点" in clause, clause
            summary = {row[1]: row for row in b.summary.rows}[r["indicator_name"]]
            assert f"{summary[6] * 100:.1f}%" == want


def test_county_table_has_one_unit_per_column(demo_ro):
    at = run_app(USERS["staff"], "pages/county.py")
    assert not at.exception
    table = at.dataframe[0].value
    table = getattr(table, "data", table)   # a Styler: its frame
    assert "序时进度" in table.columns and "序时应达" in table.columns and "进度差" in table.columns
    # 序时进度 is a percentage in every row (it was a level in 家 or % for levels and cumulative ones)
    assert all(v == "—" or re.fullmatch(r"\d+\.\d%", v) for v in table["序时进度"]), list(table["序时进度"])
    assert all(v == "—" or v.endswith(" 个百分点") for v in table["进度差"])
    # 序时应达 is in each row's own unit, written in the cell
    units = [u for u in ("个", "家", "%", "亿元", "万元/亩", "万元/人", "万吨标煤")]
    assert all(v == "—" or any(v.endswith(u) for u in units) for v in table["序时应达"]), list(table["序时应达"])


# ---- 上传记录 and the withdrawal menu in people's words ---------------------------------------------
def _uploads(store):
    """嘉善 uploads November at 19:34:34 Beijing time on 12-03; the working group a ledger the next
    morning (a ledger upload has no period)."""
    import sys
    from datetime import datetime
    from pathlib import Path

    from jxtrack.domain import clock
    from jxtrack.services import importing, projects

    from .test_period_rules import _november_sheet

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ledger"))
    from ledger_builders import ledger_xlsx, project

    with clock.fixed(datetime(2026, 12, 3, 19, 34, 34)):
        sheet = importing.commit_import(store, _november_sheet(store), "嘉善-11.csv", USERS["county"],
                                        accept_warnings=True)
    with clock.fixed(datetime(2026, 12, 4, 9, 5, 0)):
        ledger = projects.commit_ledger(store, ledger_xlsx([project(1)]), "项目库.xlsx", USERS["staff"],
                                        accept_warnings=True)
    assert sheet.status == ledger.status == "accepted"
    return sheet.upload_id, ledger.upload_id


def test_upload_history_shows_beijing_time_periods_and_display_names(demo_store):
    from datetime import datetime

    from jxtrack.domain import clock
    from jxtrack.services import submissions

    sheet, ledger = _uploads(demo_store)
    with clock.fixed(datetime(2026, 12, 4, 10, 0)):
        at = run_app(USERS["staff"], "pages/reporting.py")
        assert not at.exception
        view = at.dataframe[-1].value
        rows = view.set_index("编号")
        assert rows.loc[sheet, "上传时间"] == "12月3日 19:34"          # not 2026-12-03 19:34:34+08:00
        assert rows.loc[sheet, "报告期"] == "2026年1–11月"             # not 2026-11
        assert rows.loc[sheet, "上传人"] == "示例嘉善县填报员"           # not jiashan
        assert rows.loc[ledger, "报告期"] == "项目库" and rows.loc[ledger, "上传人"] == "示例市工作专班"
        assert rows.loc[ledger, "上传时间"] == "12月4日 09:05"
        # the withdrawal menu: the ledger with its label, never a period 'nan'
        labels = submissions.history_view(demo_store, USERS["staff"]).withdrawable
        assert labels[sheet] == f"#{sheet} · 嘉善县 · 2026年1–11月 · 嘉善-11.csv"
        assert labels[ledger].startswith(f"#{ledger} · ") and " · 项目库 · 12月4日 09:05 · 项目库.xlsx" in labels[ledger]
        menu = at.selectbox(key="withdraw_id")
        assert menu.options == list(labels.values())   # every accepted upload, each labelled
        assert not any("nan" in o for o in menu.options), menu.options


def test_indicator_page_gap_delta_starts_with_its_sign(demo_ro):
    """Streamlit draws a metric's arrow from the delta's first character: the gap's sign leads."""
    at = run_app(USERS["staff"], "pages/indicator.py")
    at.selectbox(key="indicator_code").set_value("digital_projects")
    at.selectbox(key="indicator_region").set_value(CITY)
    at.run()
    m = next(x for x in at.metric if x.label == "完成率")
    assert m.proto.delta == "-6.6 个百分点（进度差）"   # 76.7% − 83.3%, behind: a red, down arrow
