"""Issue 16, the rest (read-right-2): last year's column checked against the stored figures, no
follow-on sum_mismatch under an unknown period, and a 填报单位 line below the table read in CSV and
xlsx alike.  Every figure is worked out by hand in the test."""

from __future__ import annotations

import make_fixtures as mf

from conftest import STAFF, User
from jxtrack.services.importing import commit_import, preview_import

HAINING = "330481"
HAINING_USER = User("haining", "county", HAINING, "海宁市填报员")


def _sheet(tmp_path, name, rows, *, header=("指标名称", "单位", "1-10月累计", "去年同期累计"), period="2025年10月"):
    return mf.office_xlsx(tmp_path / name, rows, header=header, top=[
        ["海宁市“两化”改造主要指标"], ["填报单位：海宁市经信局", None, f"报告期：{period}"]])


def _store_last_year(store, tmp_path):
    """海宁市 2024年1-10月 in force: 190 个, 38 个, 60.14 亿元 (规上工业用地 not reported)."""
    path = _sheet(tmp_path, "2024.xlsx", [["数字化改造项目数", "个", 190], ["绿色化改造项目数", "个", 38],
                                           ["直接拉动技改投资", "亿元", 60.14]],
                  header=("指标名称", "单位", "1-10月累计"), period="2024年10月")
    res = commit_import(store, path.read_bytes(), path.name, HAINING_USER)
    assert res.status == "accepted", [p.line() for p in res.problems]


# ---- 3. last year's column against the stored figures -------------------------------------------------
def test_last_year_column_differing_from_the_stored_figures_is_a_warning(tmp_path, empty_store):
    _store_last_year(empty_store, tmp_path)
    path = _sheet(tmp_path, "2025.xlsx", [
        ["数字化改造项目数", "个", 212, 190],         # = stored 190
        ["绿色化改造项目数", "个", 40, 35],           # stored 38: 3 个 apart -> warning
        ["直接拉动技改投资", "亿元", 68.5, 60.1],     # stored 60.14: 0.04 ≤ 0.05 (60.1 rounds it) -> same
        ["规上工业用地面积", "亩", 31500, 30800],     # nothing stored for 2024-10 -> not checked
    ])
    res = preview_import(empty_store, path.read_bytes(), path.name, HAINING_USER)
    assert res.status == "needs_confirmation" and not res.errors
    assert [(p.code, p.severity, p.cell, p.value) for p in res.problems] == [
        ("last_year_mismatch", "warning", "D5", "35")]
    msg = res.problems[0].message
    assert "“绿色化改造项目数”" in msg and "D列「去年同期累计」" in msg and "2024年1–10月的数是 38 个" in msg
    assert "相差 3 个" in msg
    assert ("去年同期数核对：D列「去年同期累计」3项与系统中去年同期的数核对，2项一致，1项不一致（见提醒）；"
            "1项系统中没有去年同期的数，未核对。") in res.reading
    # the report is last year's column's neighbour, untouched: 212, 40, 68.5, 31500
    assert dict(zip(res.values["measure"], res.values["value"], strict=True)) == {
        "digital_projects": 212.0, "green_projects": 40.0, "tech_investment": 68.5, "industrial_land": 31500.0}
    done = commit_import(empty_store, path.read_bytes(), path.name, HAINING_USER, accept_warnings=True)
    assert done.status == "accepted" and "last_year_mismatch" in empty_store.get_upload(done.upload_id)["problems"]


def test_last_year_rounding_is_that_of_the_figure_as_written(tmp_path, empty_store):
    """601 000 万元 written: exact to 0.5 万元, so the stored 60.14 亿元 (601 400 万元) is 400 万元 off."""
    _store_last_year(empty_store, tmp_path)
    path = _sheet(tmp_path, "2025.xlsx", [["直接拉动技改投资", "万元", 685000, 601000],
                                           ["数字化改造项目数", "个", 212, 190]])
    res = preview_import(empty_store, path.read_bytes(), path.name, HAINING_USER)
    assert [(p.code, p.cell) for p in res.problems] == [("last_year_mismatch", "D4")]
    msg = res.problems[0].message
    assert "601000 万元（即 60.1 亿元）" in msg and "60.14 亿元" in msg and "相差 0.04 亿元" in msg


def test_last_year_without_stored_figures_or_of_a_single_month_is_not_checked(tmp_path, empty_store):
    path = _sheet(tmp_path, "2025.xlsx", [["数字化改造项目数", "个", 212, 190]])
    res = preview_import(empty_store, path.read_bytes(), path.name, HAINING_USER)
    assert res.status == "ok" and "系统中没有2024年1–10月的数，未核对" in res.reading
    _store_last_year(empty_store, tmp_path)
    # 去年同月 is a single month of last year: no check of a year-to-date figure (23 ≠ 190 is fine)
    path = _sheet(tmp_path, "m.xlsx", [["数字化改造项目数", "个", 212, 23]],
                  header=("指标名称", "单位", "1-10月累计", "去年同月"))
    res = preview_import(empty_store, path.read_bytes(), path.name, HAINING_USER)
    assert res.status == "ok" and "去年同期数核对" not in res.reading


# ---- 5. no follow-on problem when the period is unknown ---------------------------------------------
def test_no_sum_mismatch_when_the_period_is_unknown(tmp_path, empty_store):
    """A summary without any period, with a right 合计 row: the one problem is the period (main also
    said 合计 2460 ≠ 0 for each column, the rows above being unread)."""
    path = mf.summary_xlsx(tmp_path / "s.xlsx", mf.SUMMARY_ROWS, total=[2460, 1560, None, 233],
                           title="各县（市、区）数字化改造2.0推进情况")
    res = preview_import(empty_store, path.read_bytes(), path.name, STAFF)
    assert [p.code for p in res.problems] == ["period_unknown"]


def test_a_wrong_total_is_still_refused_once_the_period_is_known(tmp_path, empty_store):
    path = mf.summary_xlsx(tmp_path / "s.xlsx", mf.SUMMARY_ROWS, total=[2460, 1560, None, 234])
    res = preview_import(empty_store, path.read_bytes(), path.name, STAFF)
    assert [(p.code, p.cell) for p in res.problems] == [("sum_mismatch", "E6")]   # 70+75+88 = 233


def test_no_sum_mismatch_beside_a_cell_that_is_not_a_number(tmp_path, empty_store):
    rows = [("南湖区", 690, 420, 60.9, "七十"), ("秀洲区", 790, 500, 63.3, 75), ("嘉善县", 980, 640, 65.3, 88)]
    path = mf.summary_xlsx(tmp_path / "s.xlsx", rows, total=[2460, 1560, None, 233])
    res = preview_import(empty_store, path.read_bytes(), path.name, STAFF)
    assert [(p.code, p.cell) for p in res.problems] == [("not_a_number", "E3")]


# ---- 6. 填报单位 only below the table -----------------------------------------------------------------
CSV_FOOTER = ("“两化”改造主要指标完成情况（2025年1-10月）\n指标名称,单位,1-10月累计\n数字化改造项目数,个,212\n"
              "直接拉动技改投资,万元,58300\n\n填报单位（盖章）：海宁市经信局\n")


def test_region_in_a_footer_line_of_a_csv(empty_store):
    for data in (CSV_FOOTER.encode("utf-8"), CSV_FOOTER.encode("utf-8-sig"), CSV_FOOTER.encode("gbk")):
        res = preview_import(empty_store, data, "f.csv", STAFF)
        assert res.ok and (res.region, res.period) == (HAINING, "2025-10"), [p.line() for p in res.problems]
        assert dict(zip(res.values["measure"], res.values["value"], strict=True)) == {
            "digital_projects": 212.0, "tech_investment": 5.83}
        assert "地区：海宁市（见CSV!A6）" in res.reading


def test_region_in_a_footer_line_of_an_xlsx(tmp_path, empty_store):
    path = mf.office_xlsx(tmp_path / "f.xlsx", top=[[mf.HAINING_TITLE]], bottom=[["填报单位：海宁市经信局"]])
    res = preview_import(empty_store, path.read_bytes(), path.name, STAFF)
    assert res.ok and res.region == HAINING and len(res.values) == 3


# ---- 4. the ledger's 读取说明, stored with its upload ----------------------------------------------------
def _ledger(tmp_path, amount="1.2", region="海宁市"):
    import openpyxl
    import shapes

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目库"
    ws.append(["海宁市“两化”改造项目库（2025年）"])
    ws.append(["序号", "项目名称", "企业名称", "统一社会信用代码", "所在地区", "项目类型", "总投资（亿元）",
               "生产性投入（不含土建，万元）", "设备投资额"])
    ws.append([1, "年产10万套智能装备技改项目", "嘉兴第1精密制造有限公司", shapes.credit_code(1, HAINING), region,
               "数字化改造", amount, 8000, 5000])
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    return path


LEDGER_READING = ("工作表“项目库”：第2行为表头，每行一个项目；B列项目名称、C列企业名称、D列统一社会信用代码、E列所在地区、"
                  "F列项目类型、G列总投资、H列生产性投入（不含土建）、I列设备投资额；"
                  "A列「序号」未取用；G列「总投资（亿元）」按亿元读取，换算为万元；I列「设备投资额」未写单位，按万元读取；"
                  "地区按行读取（“所在地区”列），未填的行按海宁市。")


def test_ledger_preview_says_how_it_was_read_and_the_upload_keeps_it(tmp_path, empty_store):
    from jxtrack.services import projects

    data = _ledger(tmp_path).read_bytes()
    res = projects.preview_ledger(empty_store, data, "ledger.xlsx", STAFF)
    assert res.ok and res.explanation == [LEDGER_READING]
    assert float(res.projects["total_investment"].iloc[0]) == 12000.0      # 1.2 亿元 = 12 000 万元
    done = projects.commit_ledger(empty_store, data, "ledger.xlsx", STAFF)
    assert done.status == "accepted"
    assert empty_store.get_upload(done.upload_id)["reading"] == LEDGER_READING
    hist = empty_store.uploads()                                            # the history the pages list
    assert hist.set_index("upload_id").loc[done.upload_id, "reading"] == LEDGER_READING
    assert projects.ledger_uploads(empty_store, STAFF)["reading"].iloc[0] == LEDGER_READING


def test_a_refused_ledger_keeps_how_it_was_read(tmp_path, empty_store):
    from jxtrack.services import projects

    data = _ledger(tmp_path, amount="一亿").read_bytes()
    res = projects.commit_ledger(empty_store, data, "bad.xlsx", STAFF)
    assert res.status == "rejected" and [p.code for p in res.errors] == ["not_a_number"]
    assert empty_store.get_upload(res.upload_id)["reading"] == LEDGER_READING


def test_ledger_dry_run_prints_how_it_was_read(tmp_path, empty_store, capsys):
    from jxtrack.cli import run as cli

    assert cli.main(["projects", "import", str(_ledger(tmp_path)), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "读取说明：\n  " + LEDGER_READING in out and out.index("读取说明：") < out.index("试运行")


# ---- found by the census: a CSV whose names and numbers carry full-width commas -----------------------
def test_full_width_commas_in_names_and_numbers_do_not_split_a_csv(empty_store):
    """'（全口径，万元）' and '５８，３００' carry '，' more often than the lines carry ','; the file is
    split by ',' (main split it by '，' and found nothing: no_data)."""
    text = ("海宁市“两化”改造主要指标完成情况（2025年1-10月）\n指标名称,1-10月累计\n"
            "直接拉动技改投资（全口径，万元）,\"５８，３００\"\n数字化改造项目数（当年累计，个）,２１２\n"
            "绿色化改造项目数（当年累计，个）,４０\n规上工业用地面积（全口径，亩）,\"３１，５００\"\n")
    res = preview_import(empty_store, text.encode("gbk"), "w.csv", STAFF)
    assert res.ok, [p.line() for p in res.problems]
    assert dict(zip(res.values["measure"], res.values["value"], strict=True)) == {
        "tech_investment": 5.83, "digital_projects": 212.0, "green_projects": 40.0, "industrial_land": 31500.0}


def test_a_csv_delimited_by_full_width_commas_is_still_read(empty_store):
    text = "海宁市“两化”改造主要指标完成情况（2025年1-10月）\n指标名称，单位，1-10月累计\n数字化改造项目数，个，212\n"
    res = preview_import(empty_store, text.encode("utf-8"), "w.csv", STAFF)
    assert res.ok and dict(zip(res.values["measure"], res.values["value"], strict=True)) == {"digital_projects": 212.0}
