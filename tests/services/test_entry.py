"""在线填报 (services.entry): the web form's figures go through the same rules and the same import
service as a file, and are an upload like any other (issue 17 §3)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from jxtrack.domain.access import OPERATOR, PermissionDenied, User
from jxtrack.services import entry, submissions
from jxtrack.services.importing import commit_import, make_template, preview_import, withdraw

ADMIN = OPERATOR
JIASHAN = User("jiashan", "county", "330421", "嘉善县填报员")
PINGHU = User("pinghu", "county", "330482", "平湖市填报员")
LEADER = User("lingdao", "leader", None, "领导")
REGION, PERIOD = "330421", "2025-10"


def _template_filled(store, period: str, figures: dict[str, object], notes: dict[str, str] | None = None):
    data, name = make_template(store, REGION, period)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["填报表"]
    for r in range(6, ws.max_row + 1):
        code = ws.cell(r, 2).value
        if code in figures:
            ws.cell(r, 6, figures[code])
        if notes and code in notes:
            ws.cell(r, 7, notes[code])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), name


def _in_force(store, period: str = PERIOD) -> dict[str, tuple[float, int]]:
    obs = store.observations(periods=[period], regions=[REGION])
    return {m: float(v) for m, v in zip(obs["measure"], obs["value"], strict=True)}


@pytest.fixture
def last_month(empty_store):
    data, name = _template_filled(empty_store, "2025-09", {"digital_projects": 136, "industrial_land": 53210,
                                                           "industrial_firms": 1502})
    assert commit_import(empty_store, data, name, ADMIN).status == "accepted"
    return empty_store


FIGURES = {"digital_projects": 150, "tech_investment": 45.5, "industrial_firms": 1510,
           "digital2_firms": 800, "industrial_employees": 118500}


def test_online_entry_round_trips_to_the_same_figures_as_the_template(last_month):
    store = last_month
    data, name = _template_filled(store, PERIOD, FIGURES, {"tech_investment": "新增两个大项目"})
    by_file = commit_import(store, data, name, JIASHAN)
    assert by_file.status == "accepted", [p.line() for p in by_file.problems]
    from_file = _in_force(store)
    assert from_file == {k: float(v) for k, v in FIGURES.items()}
    withdraw(store, by_file.upload_id, JIASHAN, "改用在线填报")
    assert _in_force(store) == {}
    res = entry.submit_entry(store, JIASHAN, REGION, PERIOD, FIGURES, {"tech_investment": "新增两个大项目"})
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert _in_force(store) == from_file
    notes = store.observations(periods=[PERIOD], regions=[REGION]).set_index("measure")["note"]
    assert notes["tech_investment"] == "新增两个大项目"
    # typing the same numbers again changes nothing and writes nothing
    again = entry.preview_entry(store, JIASHAN, REGION, PERIOD, FIGURES, {"tech_investment": "新增两个大项目"})
    assert set(again.diff["change"]) == {"same"}
    assert entry.submit_entry(store, JIASHAN, REGION, PERIOD, FIGURES,
                              {"tech_investment": "新增两个大项目"}).status == "identical"


@pytest.mark.parametrize("bad", [
    {"digital_projects": -3},                      # negative_count
    {"digital_projects": 12.5},                    # not_whole_number
    {"tech_investment": "四十五"},                  # not_a_number
    {"industrial_firms": 100, "digital2_firms": 120},   # a part over its whole
    {"digital_projects": 100},                     # below last month's 136: a year-to-date warning
])
def test_online_entry_is_refused_for_what_a_file_is_refused_for_with_the_same_words(last_month, bad):
    store = last_month
    data, name = _template_filled(store, PERIOD, bad)
    by_file = preview_import(store, data, name, JIASHAN)
    by_form = entry.preview_entry(store, JIASHAN, REGION, PERIOD, bad)
    assert by_file.problems, "the file must be refused or warned about"
    # the same words; only where a figure is differs ('见 填报表!F13' in a file, '见 在线填报!规上工业企业数')
    def words(res):
        return [(p.code, p.severity, re.sub(r"见 [^!）]+![^）]+", "见 …", p.message)) for p in res.problems]
    assert words(by_form) == words(by_file)
    assert all("在线填报!" not in p.message for p in by_file.problems)
    assert by_form.status == by_file.status
    # the place is the form and the measure, not a cell of a sheet that does not exist
    assert {p.sheet for p in by_form.problems} == {"在线填报"}
    before = store.dump_tables(("observations",))
    done = entry.submit_entry(store, JIASHAN, REGION, PERIOD, bad)
    assert done.status in ("rejected", "needs_confirmation")
    assert store.dump_tables(("observations",)) == before


def test_a_county_enters_only_its_own_county(last_month):
    store = last_month
    with pytest.raises(PermissionDenied, match="平湖市"):
        entry.entry_form(store, "平湖市", PERIOD, JIASHAN)
    with pytest.raises(PermissionDenied):
        entry.entry_form(store, REGION, PERIOD, LEADER)
    res = entry.submit_entry(store, JIASHAN, "平湖市", PERIOD, {"digital_projects": 5})
    assert res.status == "rejected" and [p.code for p in res.problems] == ["not_permitted"]
    assert store.observations(periods=[PERIOD], regions=["330482"]).empty
    # its own county: the form, with last month's figures beside each input
    form = entry.entry_form(store, "嘉善县", PERIOD, JIASHAN)
    rows = {r.code: r for r in form.rows}
    assert form.previous_period == "2025-09" and rows["digital_projects"].previous == 136
    assert rows["digital_projects"].unit == "个" and rows["digital_projects"].whole
    assert rows["tech_investment"].unit == "亿元" and not rows["tech_investment"].whole
    assert rows["industrial_land"].carry_forward and not rows["digital_projects"].carry_forward


def test_entry_is_an_upload_in_the_history_with_its_source_and_can_be_withdrawn(last_month):
    store = last_month
    res = entry.submit_entry(store, JIASHAN, REGION, PERIOD, {"digital_projects": 150})
    assert res.status == "accepted"
    hist = submissions.upload_history(store, JIASHAN)
    row = hist[hist["upload_id"] == res.upload_id].iloc[0]
    assert row["file_name"] == "在线填报" and row["source"] == "在线填报" and row["status"] == "accepted"
    assert set(hist.loc[hist["upload_id"] != res.upload_id, "source"]) == {"文件上传"}
    log = store.audit_log()
    assert log["action"].iloc[0] == "upload.accept" and log["object"].iloc[0] == f"upload:{res.upload_id}"
    assert "在线填报" in str(log["detail"].iloc[0])
    assert _in_force(store)["digital_projects"] == 150
    submissions.withdraw_upload(store, JIASHAN, res.upload_id, "填错了")
    assert store.get_upload(res.upload_id)["status"] == "withdrawn"
    assert "digital_projects" not in _in_force(store)


def test_carry_forward_is_an_explicit_choice_of_fixed_figures_only(last_month):
    store = last_month
    res = entry.submit_entry(store, JIASHAN, REGION, PERIOD, {"digital_projects": 150},
                             carry_forward=["industrial_land"])
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert _in_force(store) == {"digital_projects": 150.0, "industrial_land": 53210.0}   # not industrial_firms
    assert any("沿用上期数 1 项（规上工业用地面积）" in line for line in res.explanation)
    refused = entry.preview_entry(store, JIASHAN, REGION, PERIOD, {}, carry_forward=["digital_projects"])
    assert [p.code for p in refused.errors] == ["carry_forward_refused"]
    assert refused.errors[0].message.startswith("“数字化改造项目数”不能沿用上期数"), refused.errors[0].message


def test_an_empty_form_is_refused_in_chinese(last_month):
    res = entry.preview_entry(last_month, JIASHAN, REGION, PERIOD, {"digital_projects": None, "tech_investment": " "})
    assert [p.code for p in res.problems] == ["no_data"] and "没有填写任何数字" in res.problems[0].message
