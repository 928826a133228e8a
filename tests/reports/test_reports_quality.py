"""The data-quality monitor: each check with a hand-built case (figures uploaded into an empty
database), naming region, indicator, period and upload."""

from __future__ import annotations

from datetime import date

import pytest
from report_helpers import add_upload

from jxtrack.domain import access, clock
from jxtrack.reports import bulletin
from jxtrack.services import quality

NANHU, XIUZHOU, JIASHAN, CITY = "330402", "330411", "330421", "330400"
COUNTIES = ["330402", "330411", "330421", "330482", "330481", "330424", "330483"]


def only(w, check):
    return w[w["check"] == check]


def test_ytd_figure_that_falls_is_flagged_with_both_uploads(empty_store):
    first = add_upload(empty_store, [(NANHU, "2026-03", "digital_projects", 100)])
    second = add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 90)])
    w = only(quality.check(empty_store, "2026-04", today=date(2026, 5, 1)), "ytd_decrease")
    assert len(w) == 1
    r = w.iloc[0]
    assert (r.region, r.indicator, r.period, r.upload_id) == ("南湖区", "数字化改造项目", "2026-04", second)
    assert f"#{first}" in r.reference and "不应下降" in r.message and r.severity == "error"


def test_ytd_restarting_in_january_is_not_a_fall(empty_store):
    add_upload(empty_store, [(NANHU, "2025-12", "digital_projects", 300), (NANHU, "2026-02", "digital_projects", 40)])
    assert only(quality.check(empty_store, "2026-02"), "ytd_decrease").empty


def test_cumulative_since_2024_may_not_fall_across_years(empty_store):
    add_upload(empty_store, [(NANHU, "2025-12", "green_factories_cum", 12)])
    up = add_upload(empty_store, [(NANHU, "2026-02", "green_factories_cum", 10)])
    w = only(quality.check(empty_store, "2026-02"), "ytd_decrease")
    assert list(w["upload_id"]) == [up] and "自2024年起的累计数" in w.iloc[0].message


def test_city_figure_that_disagrees_with_the_county_sum(empty_store):
    add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 100), (XIUZHOU, "2026-04", "digital_projects", 50)])
    up = add_upload(empty_store, [(CITY, "2026-04", "digital_projects", 200)])
    w = only(quality.check(empty_store, "2026-04"), "city_mismatch")
    assert len(w) == 1
    r = w.iloc[0]
    assert (r.region, r.upload_id, r.value) == ("嘉兴市", up, 200)
    assert "2/7个区县合计：150" == r.reference and "相差50" in r.message


def test_city_figure_that_agrees_is_quiet(empty_store):
    add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 100), (XIUZHOU, "2026-04", "digital_projects", 50),
                             (CITY, "2026-04", "digital_projects", 150.2)])
    assert only(quality.check(empty_store, "2026-04"), "city_mismatch").empty


def test_value_far_from_same_month_last_year(empty_store):
    add_upload(empty_store, [(NANHU, "2025-06", "tech_investment", 40.0), (XIUZHOU, "2025-06", "tech_investment", 40.0)])
    up = add_upload(empty_store, [(NANHU, "2026-06", "tech_investment", 130.0), (XIUZHOU, "2026-06", "tech_investment", 44.0)])
    w = only(quality.check(empty_store, "2026-06"), "yoy_outlier")
    assert list(w["region"]) == ["南湖区"] and list(w["upload_id"]) == [up]
    assert "高225%" in w.iloc[0].message
    # the threshold is a parameter
    assert len(only(quality.check(empty_store, "2026-06", yoy_threshold=0.05), "yoy_outlier")) == 2


def test_small_counts_are_not_judged_year_on_year(empty_store):
    add_upload(empty_store, [(NANHU, "2025-06", "finance_firms", 1)])
    add_upload(empty_store, [(NANHU, "2026-06", "finance_firms", 3)])
    assert only(quality.check(empty_store, "2026-06"), "yoy_outlier").empty


def test_ratio_without_its_parts(empty_store):
    up = add_upload(empty_store, [(JIASHAN, "2026-04", "digital2_coverage_rate", 72.5),
                                  (JIASHAN, "2026-04", "industrial_firms", 900)])
    w = only(quality.check(empty_store, "2026-04"), "ratio_only")
    assert len(w) == 1
    r = w.iloc[0]
    assert (r.region, r.indicator_code, r.upload_id) == ("嘉善县", "digital2_coverage", up)
    assert "完成数字化改造2.0的规上工业企业数" in r.message and "不能汇总到全市" in r.message
    assert "规上工业企业数" not in r.reference.replace("完成数字化改造2.0的规上工业企业数", "")


def test_missing_late_and_on_time_reports(empty_store):
    # 2024-06 uploaded today: long after its due day (2024-07-10)
    late = add_upload(empty_store, [(NANHU, "2024-06", "digital_projects", 10)])
    w = quality.check(empty_store, "2024-06")
    lr = only(w, "late_report")
    assert list(lr["region"]) == ["南湖区"] and list(lr["upload_id"]) == [late]
    missing = only(w, "missing_report")
    assert set(missing["region_code"]) == set(COUNTIES) - {NANHU}
    assert missing["upload_id"].isna().all() and "已过报送期限2024-07-10" in missing.iloc[0].message
    # the month in words, as the rest of the product writes it (metrics.periods.label_month)
    assert "尚未报送2024年6月的数据" in missing.iloc[0].message and "2024-06" not in missing.iloc[0].message
    assert "南湖区2024年6月的数据于" in lr.iloc[0].message
    # a month whose due day has not come: uploaded in time, and the silent ones not yet overdue
    this_month = clock.today().strftime("%Y-%m")  # the Beijing calendar's month
    add_upload(empty_store, [(NANHU, this_month, "digital_projects", 10)])
    w = quality.check(empty_store, this_month)
    assert only(w, "late_report").empty
    assert "报送期限" in only(w, "missing_report").iloc[0].message


def test_incomplete_report_lists_what_was_left_out(empty_store):
    add_upload(empty_store, [(NANHU, "2026-03", "digital_projects", 10), (NANHU, "2026-03", "green_projects", 5)])
    up = add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 12)])
    w = only(quality.check(empty_store, "2026-04"), "incomplete")
    assert list(w["upload_id"]) == [up] and "绿色化改造项目数" in w.iloc[0].message


def test_county_user_sees_only_their_county_and_the_city(empty_store):
    add_upload(empty_store, [(NANHU, "2026-03", "digital_projects", 100), (JIASHAN, "2026-03", "digital_projects", 100)])
    add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 90), (JIASHAN, "2026-04", "digital_projects", 90)])
    user = access.User("js", "county", JIASHAN)
    w = quality.check(empty_store, "2026-04", user=user)
    assert set(w["region_code"]) <= {JIASHAN, CITY}
    assert len(only(w, "ytd_decrease")) == 1


def test_every_warning_names_region_period_and_check(empty_store):
    add_upload(empty_store, [(NANHU, "2026-03", "digital_projects", 100)])
    add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 90), (CITY, "2026-04", "digital_projects", 7)])
    w = quality.check(empty_store, "2026-04")
    assert list(w.columns) == quality.WARNING_COLUMNS
    assert w["region"].notna().all() and (w["period"] == "2026-04").all()
    assert set(w["check"]) <= set(quality.CHECKS)
    assert list(w["severity"]) == sorted(w["severity"], key=quality.SEVERITY_ORDER.get)


def test_empty_database_gives_no_warnings(empty_store):
    assert quality.check(empty_store).empty


def test_warnings_reach_the_bulletin_appendix(empty_store):
    add_upload(empty_store, [(NANHU, "2026-03", "digital_projects", 100)])
    add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 90)])
    b = bulletin.build(empty_store, "2026-04")
    kinds = [r[1] for r in b.quality.rows]
    assert "累计数下降" in kinds and "未报送" in kinds
    subs = {r[0]: r[1] for r in b.submissions.rows}
    assert subs["南湖区"] == "逾期报送" or subs["南湖区"] == "已报送"
    assert subs["嘉善县"] == "未报送"


def test_bulletin_for_a_period_without_data_is_a_clear_error(empty_store):
    with pytest.raises(bulletin.ReportError, match="没有任何数据"):
        bulletin.build(empty_store)
    add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 90)])
    with pytest.raises(bulletin.ReportError, match="2030-01 没有任何区县报送数据.*2026-04"):
        bulletin.build(empty_store, "2030-01")


def test_sparse_month_still_makes_both_files_and_says_who_is_missing(empty_store, tmp_path):
    import io

    from docx import Document
    from openpyxl import load_workbook

    from jxtrack.reports import render_bytes

    add_upload(empty_store, [(NANHU, "2026-04", "digital_projects", 90), (NANHU, "2026-04", "green_projects", 30)])
    b = bulletin.build(empty_store, "2026-04")
    assert "（仅1/7个区县报送，全市合计不完整，进度暂不评价）" in "".join(p for _, ps in b.groups for p in ps)
    doc = Document(io.BytesIO(render_bytes(b, ".docx", charts=False)))
    subs = next(t for t in doc.tables if t.rows[0].cells[0].text == "地区")
    states = {r.cells[0].text: r.cells[1].text for r in subs.rows[1:]}
    assert states["南湖区"] == "逾期报送"  # 2026-04 uploaded after 2026-05-10
    assert [k for k, v in states.items() if v == "未报送"] == ["嘉兴市（市本级）", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市"]
    wb = load_workbook(io.BytesIO(render_bytes(b, ".xlsx")))
    assert wb["数据质量"].max_row > 4
