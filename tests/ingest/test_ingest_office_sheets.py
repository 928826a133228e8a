"""Sheets as offices write them (issue 9): fill dates, the year in the title with the months in the
sheet's name, and placeholders in figure cells.  Each goes end to end through the import service and
is checked against figures worked out by hand."""

from __future__ import annotations

import make_fixtures as mf
import pytest

from conftest import ADMIN, STAFF, User
from jxtrack.services.importing import commit_import, preview_import

HAINING = "330481"
# HAINING_ROWS by hand: 212 个, 40 个, 58 300 万元 = 5.83 亿元
HAINING_FIGURES = {"digital_projects": 212.0, "green_projects": 40.0, "tech_investment": 5.83}
HAINING_USER = User("haining", "county", HAINING, "海宁市填报员")


def _stored(store, period: str, region: str = HAINING) -> dict[str, float]:
    obs = store.observations(periods=[period], regions=[region])
    return dict(zip(obs["measure"], obs["value"], strict=True))


def _accept(store, path, user=ADMIN, **kw):
    res = commit_import(store, path.read_bytes(), path.name, user, **kw)
    assert res.status == "accepted", [p.line() for p in res.problems]
    return res


# ---- 1. a fill date is not a report period -----------------------------------------------------
@pytest.mark.parametrize("name", ["fill_date_footer", "fill_date_header"])
def test_fill_dates_are_not_the_period(name, fx, empty_store):
    res = _accept(empty_store, fx[name], HAINING_USER)
    assert res.problems == []
    assert (res.region, res.period) == (HAINING, "2025-10")       # the title's 1-10月, not 11月
    assert _stored(empty_store, "2025-10") == HAINING_FIGURES
    assert empty_store.observations(periods=["2025-11"]).empty


def test_fill_date_header_was_not_taken_as_a_labelled_period(fx, empty_store):
    """'报送时间：2025-11-06' carries a 时间 label; it must not outrank the title (2025年1-10月)."""
    res = preview_import(empty_store, fx["fill_date_header"].read_bytes(), "x.xlsx", STAFF)
    assert set(res.values["period"]) == {"2025-10"}
    # the same sheet checked against a given period: the fill dates never count as a disagreement
    res = preview_import(empty_store, fx["fill_date_header"].read_bytes(), "x.xlsx", STAFF, period="2025-10")
    assert res.ok and res.problems == []


def test_two_report_periods_are_still_refused(fx, empty_store):
    res = commit_import(empty_store, fx["period_conflict"].read_bytes(), "c.xlsx", ADMIN)
    assert res.status == "rejected" and [p.code for p in res.problems] == ["wrong_period"]
    p = res.problems[0]
    assert "多个报告期" in p.message and "2025年1–9月" in p.message and "2025年1–10月" in p.message
    assert "11月" not in p.message and p.sheet == "Sheet1"          # the 填报日期 is not a third one
    assert "C2" in p.message and "A1" in p.message                   # where each one is written
    assert empty_store.observations().empty


# ---- 2. the year in the title, the months in the sheet's name -------------------------------------
@pytest.mark.parametrize("sheet, period", [
    ("1-10月", "2025-10"), ("10月", "2025-10"), ("1-2月", "2025-02"), ("1～10月份", "2025-10"),
    ("海宁1-10月", "2025-10"), ("2025年10月", "2025-10"),
])
def test_year_in_title_months_in_sheet_name(sheet, period, tmp_path, empty_store):
    path = mf.year_title_sheet(tmp_path, sheet)
    res = _accept(empty_store, path, HAINING_USER)
    assert (res.region, res.period) == (HAINING, period)
    assert _stored(empty_store, period) == HAINING_FIGURES
    assert set(res.values["sheet"]) == {sheet}


def test_year_title_month_sheet_fixture(fx, empty_store):
    res = _accept(empty_store, fx["year_title_month_sheet"], STAFF)
    assert (res.region, res.period) == (HAINING, "2025-10") and res.problems == []


@pytest.mark.parametrize("sheet, title", [
    ("Sheet1", "海宁市2025年“两化”改造主要指标"),                 # no month anywhere
    ("7-9月", "海宁市2025年“两化”改造主要指标"),                  # not a year-to-date range
    ("10月", "海宁市“两化”改造攻坚行动（2024—2026年）主要指标"),   # the plan's years, not one year
    ("2024年10月", "海宁市2025年“两化”改造主要指标"),             # sheet and title disagree on the year
])
def test_no_period_is_guessed(sheet, title, tmp_path, empty_store):
    path = mf.office_xlsx(tmp_path / "x.xlsx", sheet=sheet, top=[[title], ["填报单位：海宁市经信局"]])
    res = preview_import(empty_store, path.read_bytes(), "x.xlsx", STAFF)
    assert [p.code for p in res.problems] == ["period_unknown"] and res.values.empty


def test_months_in_a_period_label_without_year(tmp_path, empty_store):
    """'报告期：1-10月' (no year) with the year in the title; the sheet's stale name '9月' loses."""
    path = mf.office_xlsx(tmp_path / "x.xlsx", sheet="9月", top=[
        ["海宁市2025年“两化”改造主要指标"], ["填报单位：海宁市经信局", None, "报告期：1-10月"]])
    res = _accept(empty_store, path, STAFF)
    assert res.period == "2025-10" and _stored(empty_store, "2025-10") == HAINING_FIGURES


def test_a_period_in_the_title_beats_the_sheet_name(fx, empty_store):
    """ytd_decrease.xlsx: title 1-10月 on a sheet still named '9月' (last month's sheet copied)."""
    res = preview_import(empty_store, fx["ytd_decrease"].read_bytes(), "x.xlsx", STAFF)
    assert res.period == "2025-10"


# ---- 3. placeholders --------------------------------------------------------------------------------
ASKED = {   # cell -> placeholder, for the measures the county template asks for
    "C7": "N/A", "C8": "无", "C9": "—", "C10": "/", "C11": "暂无", "C12": "－",
}


def test_placeholders_warn_where_asked_and_are_blank_elsewhere(fx, empty_store):
    data = fx["placeholders"].read_bytes()
    res = preview_import(empty_store, data, "p.xlsx", HAINING_USER)
    assert res.ok and res.status == "needs_confirmation"
    assert {p.code for p in res.problems} == {"placeholder_not_reported"}
    assert all(p.severity == "warning" and p.sheet == "Sheet1" for p in res.problems)
    assert {p.cell: p.value for p in res.problems} == ASKED      # C13 (rate only) and C14 (city only): silent
    by_cell = {p.cell: p.message for p in res.problems}
    assert "重点技术改造项目数" in by_cell["C7"] and "未填报" in by_cell["C7"] and "请填写数字" in by_cell["C7"]
    assert "规上工业企业数" in by_cell["C12"]
    # nothing stored for a placeholder, no error 'not a number', no measure_not_for_region for C14
    assert dict(zip(res.values["measure"], res.values["value"], strict=True)) == HAINING_FIGURES

    refused = commit_import(empty_store, data, "p.xlsx", HAINING_USER)
    assert refused.status == "needs_confirmation" and empty_store.observations().empty
    res = commit_import(empty_store, data, "p.xlsx", HAINING_USER, accept_warnings=True)
    assert res.status == "accepted"
    assert _stored(empty_store, "2025-10") == HAINING_FIGURES
    assert "placeholder_not_reported" in empty_store.get_upload(res.upload_id)["problems"]


def test_placeholder_in_the_city_template_is_asked_for_the_city(tmp_path, empty_store):
    """The city-only 市本级资金 is optional on a county's sheet but asked of the city."""
    path = mf.office_xlsx(tmp_path / "city.xlsx", [["市本级财政统筹安排“两化”改造资金", "亿元", "/", None],
                                                     ["数字化改造项目数", "个", 1500, None]],
                          top=[["嘉兴市“两化”改造主要指标（2025年1-10月）"], ["填报单位：嘉兴市经信局"]])
    res = preview_import(empty_store, path.read_bytes(), "city.xlsx", STAFF)
    assert [(p.code, p.cell, p.value) for p in res.problems] == [("placeholder_not_reported", "C4", "/")]
    assert res.values[["region", "measure", "value"]].values.tolist() == [["330400", "digital_projects", 1500.0]]


def test_summary_placeholders(fx, empty_store):
    res = preview_import(empty_store, fx["summary_placeholders"].read_bytes(), "s.xlsx", STAFF)
    assert [(p.code, p.sheet, p.cell, p.value) for p in res.problems] == [
        ("placeholder_not_reported", "分县", "E4", "无")]            # 秀洲区's projects
    assert "数字化改造项目" in res.problems[0].message
    f = {(r.region, r.measure): r.value for r in res.values.itertuples()}
    assert ("330411", "digital_projects") not in f                  # nothing invented for 秀洲区
    assert f[("330424", "industrial_firms")] == 590 and f[("330424", "digital2_firms")] == 350
    assert ("330424", "digital2_coverage_rate") not in f            # '—' in the rate: blank, silent
    assert f[("330424", "digital_projects")] == 82 and f[("330402", "digital_projects")] == 70
    assert len(f) == 3 * 3 - 1                                       # rates derive from the parts


def test_a_word_is_still_not_a_number(tmp_path, empty_store):
    path = mf.office_xlsx(tmp_path / "x.xlsx", [["节约用能", "万吨标煤", "待统计后补报", None]])
    res = preview_import(empty_store, path.read_bytes(), "x.xlsx", STAFF)
    assert [(p.code, p.cell, p.severity) for p in res.problems] == [("not_a_number", "C4", "error")]


def test_below_the_footer_a_date_is_no_figure_but_a_number_still_is(tmp_path, empty_store):
    """Under '填表人：' a signing date in the figure column is the footer; a figure with a name the
    catalog does not know is still reported, never dropped."""
    path = mf.office_xlsx(tmp_path / "x.xlsx", bottom=[["填表人：王某"], [None, None, "2025年11月5日"],
                                                        ["其他项目数", "个", 7]])
    res = preview_import(empty_store, path.read_bytes(), "x.xlsx", STAFF)
    assert [(p.code, p.cell, p.value) for p in res.problems] == [("unknown_name", "A10", "其他项目数")]


# ---- 4. which column is the report (issue 16): the cumulative one, never a guess ---------------------
STATS_HEADER = ["指标名称", "计量单位", "本月", "1-10月累计", "去年同期累计", "同比增长(%)"]
STATS_ROWS = [   # 本月, 1-10月累计, 去年同期累计, 同比: only the 1-10月累计 column is the report
    ["数字化改造项目数", "个", 23, 212, 190, 11.6],
    ["绿色化改造项目数", "个", 4, 40, 35, 14.3],
    ["直接拉动技改投资", "亿元", 7.37, 68.5, 60.1, 14.0],
    ["规上工业用地面积", "亩", 3387, 31500, 30800, 2.3],
]
STATS_FIGURES = {"digital_projects": 212.0, "green_projects": 40.0, "tech_investment": 68.5,
                 "industrial_land": 31500.0}


def _stats_sheet(tmp_path, header=STATS_HEADER, rows=STATS_ROWS, sheet="2025年10月",
                 top=(["海宁市“两化”改造主要指标"], ["填报单位：海宁市经信局", None, "报告期：2025年10月"])):
    """The statistics bureau's usual columns, as the issue found them."""
    return mf.office_xlsx(tmp_path / "stats.xlsx", rows, top=[list(r) for r in top], sheet=sheet,
                          header=header)


def test_statistics_bureau_sheet_imports_the_cumulative_column(tmp_path, empty_store):
    res = _accept(empty_store, _stats_sheet(tmp_path), HAINING_USER)
    assert (res.region, res.period) == (HAINING, "2025-10")
    assert _stored(empty_store, "2025-10") == STATS_FIGURES        # not 23 / 7.37 / 3387 (本月)
    assert set(res.values["cell"]) == {"D4", "D5", "D6", "D7"}
    reading = res.reading
    assert "第3行为表头" in reading and "指标名称在A列" in reading
    assert "D列「1-10月累计」作为报告期累计数" in reading
    assert "C列「本月」（单月数）" in reading and "E列「去年同期累计」（去年同期数）" in reading
    assert "F列「同比增长(%)」（增长率）" in reading and "未取用" in reading
    assert "单位取自B列「计量单位」" in reading
    assert "地区：海宁市（见2025年10月!A2）" in reading and "报告期：2025年1–10月（见2025年10月!C2）" in reading
    # stored with the upload and listed in the history
    assert empty_store.get_upload(res.upload_id)["reading"] == reading
    up = empty_store.uploads()
    assert up.loc[up["upload_id"] == res.upload_id, "reading"].iloc[0] == reading


@pytest.mark.parametrize("header", [
    ["指标名称", "计量单位", "本月", "去年同期", "同比增长(%)"],
    ["指标名称", "计量单位", "当月", "上年同期"],
    ["指标名称", "单位", "10月"],
])
def test_a_sheet_with_only_the_single_month_is_refused(header, tmp_path, empty_store):
    rows = [r[:len(header)] for r in STATS_ROWS]
    res = commit_import(empty_store, _stats_sheet(tmp_path, header, rows).read_bytes(), "m.xlsx", HAINING_USER)
    assert res.status == "rejected" and [p.code for p in res.problems] == ["value_column_single_month"]
    p = res.problems[0]
    assert (p.sheet, p.cell, p.value) == ("2025年10月", "C3", header[2])
    assert f"C列「{header[2]}」" in p.message and "累计" in p.message and "请" in p.message
    assert empty_store.observations().empty


@pytest.mark.parametrize("header, cells", [
    (["指标名称", "单位", "1-10月累计", "本年累计"], "C3"),            # two cumulative columns
    (["指标名称", "单位", "本月", "数值"], "C3"),                      # a month beside a plain figure
    (["指标名称", "单位", "数值", "填报数"], "C3"),                    # two plain figures
])
def test_two_columns_that_could_be_the_report_are_refused(header, cells, tmp_path, empty_store):
    rows = [[n, u, a, b] for n, u, a, b, *_ in STATS_ROWS]
    res = preview_import(empty_store, _stats_sheet(tmp_path, header, rows).read_bytes(), "a.xlsx", HAINING_USER)
    assert [p.code for p in res.problems] == ["value_column_ambiguous"] and res.values.empty
    p = res.problems[0]
    assert p.cell == cells and f"C列「{header[2]}」" in p.message and f"D列「{header[3]}」" in p.message


def test_our_plain_value_column_stays_the_report(fx, empty_store):
    """本期累计 / 数值 / the template's 本期累计数（请填写）: read as before, and said so."""
    res = preview_import(empty_store, fx["good_csv"].read_bytes(), "g.csv", STAFF)
    assert res.ok and len(res.values) == 3
    assert "E列「数值」作为各期的累计数" in res.reading and "每行一个数" in res.reading
    res = preview_import(empty_store, fx["good_xlsx"].read_bytes(), "g.xlsx", STAFF)
    assert "C列「1-9月累计」作为报告期累计数" in res.reading and "D列" not in res.reading


def test_header_months_that_disagree_with_the_period_are_refused(tmp_path, empty_store):
    """'1-9月累计' under 报告期 2025年10月 (last month's sheet copied): the column may hold September's
    figures; a wrong figure is worse than a refused file, so the file is refused naming the cell and
    both months (on main it was read as October's with a note in the 读取说明)."""
    rows = [r[:4] for r in STATS_ROWS]
    path = _stats_sheet(tmp_path, ["指标名称", "单位", "本月", "1-9月累计"], rows)
    res = commit_import(empty_store, path.read_bytes(), "x.xlsx", HAINING_USER)
    assert res.status == "rejected" and [(p.code, p.sheet, p.cell, p.value) for p in res.problems] == [
        ("wrong_period", "2025年10月", "D3", "1-9月累计")]
    msg = res.problems[0].message
    assert "D3「1-9月累计」写的是1–9月的累计数" in msg and "“2025年1–10月”（见2025年10月!C2）" in msg
    assert "改为“1-10月累计”" in msg and empty_store.observations().empty


def test_header_year_that_disagrees_with_the_period_is_refused(tmp_path, empty_store):
    rows = [r[:4] for r in STATS_ROWS]
    path = _stats_sheet(tmp_path, ["指标名称", "单位", "本月", "2024年1-10月累计"], rows)
    res = preview_import(empty_store, path.read_bytes(), "x.xlsx", HAINING_USER)
    assert [(p.code, p.cell) for p in res.problems] == [("wrong_period", "D3")]
    assert "2024年1–10月" in res.problems[0].message and res.values.empty


def test_header_months_agreeing_with_a_given_period_are_read(tmp_path, empty_store):
    rows = [r[:4] for r in STATS_ROWS]
    path = _stats_sheet(tmp_path, ["指标名称", "单位", "本月", "1-10月累计"], rows, sheet="Sheet1",
                        top=[["海宁市“两化”改造主要指标"]])
    res = preview_import(empty_store, path.read_bytes(), "x.xlsx", HAINING_USER, period="2025-10")
    assert res.ok and res.period == "2025-10"
    res = preview_import(empty_store, path.read_bytes(), "x.xlsx", HAINING_USER, period="2025-09")
    assert [(p.code, p.cell) for p in res.problems] == [("wrong_period", "D2")]
    assert "（导入时指定）" in res.problems[0].message


def test_the_period_only_in_the_value_header(tmp_path, empty_store):
    rows = [r[:4] for r in STATS_ROWS]
    path = _stats_sheet(tmp_path, ["指标名称", "单位", "本月", "2025年1-10月累计"], rows, sheet="Sheet1",
                        top=[["海宁市“两化”改造主要指标"], ["填报单位：海宁市经信局"]])
    res = _accept(empty_store, path, HAINING_USER)
    assert res.period == "2025-10" and _stored(empty_store, "2025-10") == STATS_FIGURES
    assert "报告期：2025年1–10月（见Sheet1!D3）" in res.reading


def test_a_unit_line_above_the_table(tmp_path, empty_store):
    """'单位：万元' above a table without a unit column: amounts are in 万元 (58 300 万元 = 5.83 亿元);
    counts are counts.  The conversion is said."""
    path = mf.office_xlsx(tmp_path / "u.xlsx", [["数字化改造项目数", 212], ["直接拉动技改投资", 58300]],
                          top=[[mf.HAINING_TITLE], ["填报单位：海宁市经信局", None, "单位：万元"]],
                          header=("指标名称", "1-10月累计"))
    res = _accept(empty_store, path, HAINING_USER)
    assert _stored(empty_store, "2025-10") == {"digital_projects": 212.0, "tech_investment": 5.83}
    assert "表头上方C2「单位：万元」" in res.reading
    assert "单位换算：万元 → 亿元，1项（Sheet1!B5）" in res.reading


def test_the_months_in_the_value_header_and_the_year_in_the_title(tmp_path, empty_store):
    """'1-10月累计' with '海宁市2025年…' above: the period is 2025-10 (refused period_unknown on main)."""
    rows = [r[:4] for r in STATS_ROWS]
    path = _stats_sheet(tmp_path, ["指标名称", "单位", "本月", "1-10月累计"], rows, sheet="Sheet1",
                        top=[["海宁市2025年“两化”改造主要指标完成情况"], ["填报单位：海宁市经信局"]])
    res = _accept(empty_store, path, HAINING_USER)
    assert res.period == "2025-10" and _stored(empty_store, "2025-10") == STATS_FIGURES
    assert "报告期：2025年1–10月（见Sheet1!D3、A1）" in res.reading
    # two years above the table: which one is not guessed
    path = _stats_sheet(tmp_path, ["指标名称", "单位", "本月", "1-10月累计"], rows, sheet="Sheet1",
                        top=[["海宁市2025年“两化”改造主要指标完成情况"], ["（2024年数据见附表）"]])
    res = preview_import(empty_store, path.read_bytes(), "x.xlsx", HAINING_USER)
    assert [p.code for p in res.problems] == ["period_unknown"]


def test_a_bracketed_qualifier_and_unit_in_a_measure_name(tmp_path, empty_store):
    """直接拉动技改投资（全口径，万元）: the unit in the qualifier's bracket, and a qualifier that restates
    what every report is (全口径, 当年累计): the measure in 万元 (refused no_data/unknown_name on main)."""
    path = mf.office_xlsx(tmp_path / "q.xlsx", [["直接拉动技改投资（全口径，万元）", None, 58300, None],
                                                ["数字化改造项目数（当年累计）", "个", 212, None]])
    res = _accept(empty_store, path, HAINING_USER)
    assert _stored(empty_store, "2025-10") == {"tech_investment": 5.83, "digital_projects": 212.0}
    assert "单位换算：万元 → 亿元，1项（Sheet1!C4）" in res.reading


def test_a_qualifier_that_changes_what_is_counted_is_refused(tmp_path, empty_store):
    """（含结转，万元）, （本月，个）: the qualifier may make it another figure; refused, saying why."""
    path = mf.office_xlsx(tmp_path / "q.xlsx", [["直接拉动技改投资（含结转，万元）", None, 58300, None],
                                                ["数字化改造项目数（本月，个）", None, 23, None],
                                                ["绿色化改造项目数", "个", 40, None]])
    res = preview_import(empty_store, path.read_bytes(), "q.xlsx", HAINING_USER)
    assert [(p.code, p.cell) for p in res.problems] == [("unknown_name", "A4"), ("unknown_name", "A5")]
    assert "“含结转”限定了口径" in res.problems[0].message and "“直接拉动技改投资”" in res.problems[0].message
    assert "“本月”限定了口径" in res.problems[1].message


def test_long_layout_with_only_a_month_column_is_refused(tmp_path, empty_store):
    path = tmp_path / "l.csv"
    path.write_text("地区,报告期,指标名称,单位,本月\n海宁市,2025-10,数字化改造项目数,个,23\n", encoding="utf-8")
    res = preview_import(empty_store, path.read_bytes(), "l.csv", STAFF)
    assert [(p.code, p.cell) for p in res.problems] == [("value_column_single_month", "E1")]


def test_summary_with_month_and_cumulative_under_one_measure(tmp_path, empty_store):
    """Counties as rows, '数字化改造项目(个)' merged over 本月 | 1-6月累计: the cumulative is taken."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "分县"
    ws.append(["2025年1-6月各县（市、区）数字化改造推进情况"])
    ws.append(["地区", "数字化改造项目(个)", None, "绿色化改造项目数"])
    ws.append([None, "本月", "1-6月累计", None])
    ws.append(["南湖区", 9, 70, 12])
    ws.append(["嘉善县", 11, 88, 15])
    ws.merge_cells("B2:C2")
    ws.merge_cells("A2:A3")
    ws.merge_cells("D2:D3")
    path = tmp_path / "s.xlsx"
    wb.save(path)
    res = preview_import(empty_store, path.read_bytes(), "s.xlsx", STAFF)
    assert res.ok, [p.line() for p in res.problems]
    f = {(r.region, r.measure): r.value for r in res.values.itertuples()}
    assert f == {("330402", "digital_projects"): 70, ("330421", "digital_projects"): 88,
                 ("330402", "green_projects"): 12, ("330421", "green_projects"): 15}
    assert "B列「数字化改造项目(个) 本月」未取用" in res.reading


def test_dry_run_says_how_the_file_was_read(tmp_path, empty_store, capsys):
    from jxtrack.cli import run as cli

    assert cli.main(["import", str(_stats_sheet(tmp_path)), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "读取说明：" in out and "D列「1-10月累计」作为报告期累计数" in out and "C列「本月」（单月数）" in out
    assert out.index("读取说明：") < out.index("试运行")
    assert empty_store.observations().empty and empty_store.uploads().empty
