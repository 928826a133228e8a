"""The import service and CLI: all-or-nothing writes, history, permissions, template round trip."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from conftest import ADMIN, JIASHAN, LEADER, PINGHU, STAFF
from jxtrack.cli import run as cli
from jxtrack.services.importing import commit_import, make_template, preview_import, withdraw
from jxtrack.services.lookup import ServiceError

GOOD = {"digital_projects": 136.0, "green_projects": 31.0, "tech_investment": 41.7}


def _current(store, period="2025-09", region="330421") -> dict[str, float]:
    obs = store.observations(periods=[period], regions=[region])
    return dict(zip(obs["measure"], obs["value"], strict=True))


@pytest.mark.parametrize("name", ["good_xlsx", "good_xls", "good_csv"])
def test_three_formats_import_the_same_figures(name, fx, empty_store):
    res = commit_import(empty_store, fx[name].read_bytes(), fx[name].name, ADMIN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert _current(empty_store) == GOOD   # the .xls says 417 000 万元 = 41.7 亿元


def test_accepted_upload_written_with_audit_in_one_go(fx, empty_store):
    before = empty_store.dump_tables()
    res = commit_import(empty_store, fx["good_xlsx"].read_bytes(), "good.xlsx", STAFF)
    after = empty_store.dump_tables()
    assert len(after["uploads"]) == len(before["uploads"]) + 1
    assert len(after["observations"]) == len(before["observations"]) + 3
    log = empty_store.audit_log()
    assert log["action"].iloc[0] == "upload.accept" and log["object"].iloc[0] == f"upload:{res.upload_id}"
    up = empty_store.get_upload(res.upload_id)
    assert up["status"] == "accepted" and up["username"] == "zhuanban" and up["region"] == "330421"
    assert up["period"] == "2025-09" and up["n_values"] == 3
    obs = empty_store.df("SELECT sheet, cell, raw_value, note FROM observations WHERE measure='green_projects'")
    assert obs.iloc[0].tolist() == ["9月", "C5", "31", "2个项目推迟"]


def test_rejected_upload_kept_without_figures(fx, empty_store):
    data = fx["not_a_number"].read_bytes()
    before = empty_store.dump_tables(("observations",))
    res = commit_import(empty_store, data, "bad.xlsx", ADMIN)
    assert res.status == "rejected" and res.upload_id is not None
    assert empty_store.dump_tables(("observations",)) == before   # the good rows were not written either
    row = empty_store.df("SELECT status, file_bytes, file_hash, problems FROM uploads WHERE upload_id = ?",
                         [res.upload_id]).iloc[0]
    assert row["status"] == "rejected" and bytes(row["file_bytes"]) == data and row["file_hash"] == res.file_hash
    assert "not_a_number" in row["problems"]
    assert empty_store.audit_log()["action"].iloc[0] == "upload.reject"


def test_dry_run_writes_nothing(fx, empty_store):
    before = empty_store.dump_tables()
    for name in ("good_xlsx", "not_a_number"):
        res = commit_import(empty_store, fx[name].read_bytes(), "x.xlsx", ADMIN, dry_run=True)
        assert res.upload_id is None
    assert res.status == "rejected"
    assert empty_store.dump_tables() == before


def test_identical_reupload_changes_nothing(fx, empty_store):
    data = fx["good_xlsx"].read_bytes()
    first = commit_import(empty_store, data, "good.xlsx", ADMIN)
    before = empty_store.dump_tables()
    again = commit_import(empty_store, data, "good-again.xlsx", ADMIN)
    assert again.status == "identical" and again.upload_id == first.upload_id
    assert empty_store.dump_tables() == before
    assert (again.diff["change"] == "same").all()


def test_later_upload_supersedes_and_rollback_restores(fx, empty_store, tmp_path):
    import make_fixtures as mf

    first = commit_import(empty_store, fx["good_xlsx"].read_bytes(), "v1.xlsx", ADMIN)
    v2 = mf.county_xlsx(tmp_path / "v2.xlsx", [["数字化改造项目数", "个", 150, "补报"]])
    second = commit_import(empty_store, v2.read_bytes(), "v2.xlsx", JIASHAN)
    assert second.status == "accepted"
    d = second.diff.set_index("measure")
    assert (d.loc["digital_projects", "old"], d.loc["digital_projects", "new"]) == (136, 150)
    assert _current(empty_store) == {**GOOD, "digital_projects": 150.0}   # others still in force
    ups = empty_store.uploads()
    assert ups["upload_id"].tolist() == [second.upload_id, first.upload_id]   # newest first
    withdraw(empty_store, second.upload_id, JIASHAN, "填错了")
    assert _current(empty_store) == GOOD                                       # the earlier figures apply
    up = empty_store.uploads().set_index("upload_id").loc[second.upload_id]
    assert up["status"] == "withdrawn" and up["withdrawn_by"] == "jiashan"
    assert len(empty_store.df("SELECT * FROM observations WHERE upload_id = ?", [second.upload_id])) == 1


def test_warnings_need_acceptance(fx, empty_store):
    commit_import(empty_store, fx["good_xlsx"].read_bytes(), "sep.xlsx", ADMIN)
    before = empty_store.dump_tables()
    data = fx["ytd_decrease"].read_bytes()
    res = commit_import(empty_store, data, "oct.xlsx", ADMIN)
    assert res.status == "needs_confirmation" and res.upload_id is None
    assert empty_store.dump_tables() == before
    res = commit_import(empty_store, data, "oct.xlsx", ADMIN, accept_warnings=True)
    assert res.status == "accepted"
    assert _current(empty_store, "2025-10") == {"digital_projects": 120.0}
    assert "ytd_decrease" in empty_store.get_upload(res.upload_id)["problems"]


# ---- permissions ---------------------------------------------------------------------------------
def test_county_user_imports_own_county_only(fx, empty_store):
    ok = commit_import(empty_store, fx["good_xlsx"].read_bytes(), "own.xlsx", JIASHAN)
    assert ok.status == "accepted"
    res = commit_import(empty_store, fx["good_xlsx"].read_bytes(), "other.xlsx", PINGHU)
    assert res.status == "rejected" and [p.code for p in res.problems] == ["not_permitted"]
    assert "平湖市" in res.problems[0].message and "嘉善县" in res.problems[0].message
    assert empty_store.get_upload(res.upload_id)["status"] == "rejected"
    summary = commit_import(empty_store, fx["summary_right_total"].read_bytes(), "sum.xlsx", JIASHAN)
    assert sorted(p.code for p in summary.problems) == ["not_permitted", "not_permitted"]  # 南湖, 秀洲


def test_staff_and_admin_any_county_leader_none(fx, empty_store):
    for user in (STAFF, ADMIN):
        assert preview_import(empty_store, fx["summary_right_total"].read_bytes(), "s.xlsx", user).ok
    res = preview_import(empty_store, fx["good_xlsx"].read_bytes(), "s.xlsx", LEADER)
    assert [p.code for p in res.problems] == ["not_permitted"]


def test_county_sheet_without_region_is_the_users_county(fx, empty_store):
    res = preview_import(empty_store, fx["region_unknown"].read_bytes(), "x.xlsx", JIASHAN)
    assert res.ok and res.region == "330421"
    res = preview_import(empty_store, fx["region_unknown"].read_bytes(), "x.xlsx", STAFF, region="平湖")
    assert res.ok and res.region == "330482"


def test_county_cannot_roll_back_another_county(fx, empty_store):
    res = commit_import(empty_store, fx["good_xlsx"].read_bytes(), "own.xlsx", JIASHAN)
    from jxtrack.domain.access import PermissionDenied

    with pytest.raises(PermissionDenied, match="平湖市.*嘉善县"):
        withdraw(empty_store, res.upload_id, PINGHU, "填错了")
    with pytest.raises(ServiceError):
        withdraw(empty_store, 9999, ADMIN, "填错了")
    # the owner of the upload, and staff, still need a reason; nothing changes without one
    for who in (JIASHAN, STAFF):
        with pytest.raises(ServiceError, match="撤回原因"):
            withdraw(empty_store, res.upload_id, who, "  ")
    assert empty_store.get_upload(res.upload_id)["status"] == "accepted"
    withdraw(empty_store, res.upload_id, STAFF, "区县要求撤回")
    assert empty_store.get_upload(res.upload_id)["status"] == "withdrawn"


# ---- template ------------------------------------------------------------------------------------
def test_template_structure_and_round_trip(fx, empty_store):
    commit_import(empty_store, fx["good_xlsx"].read_bytes(), "sep.xlsx", ADMIN)
    data, name = make_template(empty_store, "嘉善", "2025-10")
    assert name == "嘉善县_2025-10_月报模板.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["填报表", "填报说明", "_jxtrack"]
    meta = {r[0]: r[1] for r in wb["_jxtrack"].iter_rows(values_only=True)}
    assert wb["_jxtrack"].sheet_state == "hidden"
    assert (meta["template_version"], meta["region"], meta["period"]) == ("1", "330421", "2025-10")
    ws = wb["填报表"]
    assert ws.protection.sheet and "嘉善县" in ws["A1"].value and "2025年1–10月" in ws["A1"].value
    assert ws["A2"].value == "填报单位：嘉善县" and ws["A2"].protection.locked
    header = [c.value for c in ws[5]]
    assert header[:4] == ["序号", "系统编码（勿改）", "指标名称", "单位"] and header[-1] == "偏差说明"
    # no English on the sheet a county sees: the code column is labelled in Chinese and hidden,
    # and the instructions name the page that exists
    assert ws.column_dimensions["B"].hidden
    notes = "\n".join(str(c.value) for c in wb["填报说明"]["A"] if c.value)
    assert "“数据上传”页面" in notes and "上传报表”页面" not in notes
    rows = {r[1]: r for r in ws.iter_rows(min_row=6, values_only=True) if r[1]}
    assert rows["digital_projects"][2:5] == ("数字化改造项目数", "个", 136)    # last period beside
    assert rows["tech_investment"][3] == "亿元"
    assert not ws["F6"].protection.locked and not ws["G6"].protection.locked and ws["E6"].protection.locked
    assert any("F6" in str(dv.sqref) for dv in ws.data_validations.dataValidation)
    assert "填报说明" in wb["填报说明"]["A1"].value
    # untouched template: nothing to import, a clear answer
    assert [p.code for p in preview_import(empty_store, data, name, JIASHAN).problems] == ["no_data"]
    # filled in: imports back cleanly
    r_of = {ws.cell(r, 2).value: r for r in range(6, ws.max_row + 1)}
    ws.cell(r_of["digital_projects"], 6, 150)
    ws.cell(r_of["tech_investment"], 6, 45.5)
    ws.cell(r_of["industrial_employees"], 6, 118500)
    ws.cell(r_of["tech_investment"], 7, "新增两个大项目")
    buf = io.BytesIO()
    wb.save(buf)
    res = commit_import(empty_store, buf.getvalue(), name, JIASHAN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    assert _current(empty_store, "2025-10") == {
        "digital_projects": 150, "tech_investment": 45.5, "industrial_employees": 118500}
    notes = empty_store.observations(periods=["2025-10"]).set_index("measure")["note"]
    assert notes["tech_investment"] == "新增两个大项目"


def test_template_for_another_period_is_refused_as_wrong_period(empty_store):
    data, name = make_template(empty_store, "嘉善县", "2025-10")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    wb["填报表"]["F6"] = 5
    buf = io.BytesIO()
    wb.save(buf)
    res = preview_import(empty_store, buf.getvalue(), name, ADMIN, period="2025-11")
    assert "wrong_period" in {p.code for p in res.problems}


# ---- CLI -----------------------------------------------------------------------------------------
def test_cli_import_uploads_withdraw(fx, empty_store, capsys, tmp_path):
    assert cli.main(["import", str(fx["good_xlsx"]), "--dry-run"]) == 0
    assert "试运行" in capsys.readouterr().out
    assert cli.main(["import", str(fx["not_a_number"])]) == 2
    err = capsys.readouterr()
    assert "9月!C7 not_a_number" in err.out and "未导入" in err.err
    assert cli.main(["import", str(fx["good_xlsx"]), "--region", "嘉善县", "--period", "2025-09"]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(fx["ytd_decrease"])]) == 3
    assert "--accept-warnings" in capsys.readouterr().out
    assert cli.main(["import", str(fx["ytd_decrease"]), "--accept-warnings"]) == 0
    capsys.readouterr()
    assert cli.main(["uploads", "--format", "csv"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert df.columns.tolist() == ["upload_id", "region", "period", "user", "uploaded_at", "status", "file_name"]
    assert df["upload_id"].tolist() == [3, 2, 1] and df["status"].tolist() == ["accepted", "accepted", "rejected"]
    assert df["user"].iloc[0] == "operator" and df["region"].iloc[0] == "嘉善县"
    assert cli.main(["rollback", "3"]) == 2                    # no reason: refused, as on the web
    assert "撤回原因" in capsys.readouterr().err
    assert empty_store.get_upload(3)["status"] == "accepted"
    assert cli.main(["rollback", "3", "--reason", "填错了"]) == 0
    assert "operator" in capsys.readouterr().out
    assert empty_store.uploads().set_index("upload_id").loc[3, "withdrawn_by"] == "operator"
    assert cli.main(["rollback", "3", "--reason", "再撤一次"]) == 2   # already withdrawn: one Chinese line
    assert capsys.readouterr().err.startswith("错误：")
    out = tmp_path / "t.xlsx"
    assert cli.main(["template", "--region", "平湖市", "--period", "2026-02", "-o", str(out)]) == 0
    assert out.exists() and "平湖市" in openpyxl.load_workbook(out)["填报表"]["A2"].value


def test_cli_as_user_and_missing_file(fx, demo_store, capsys):
    assert cli.main(["import", str(fx["not_permitted"]), "--as", "jiashan"]) == 2
    assert "not_permitted" in capsys.readouterr().out
    assert cli.main(["import", str(fx["good_xlsx"]), "--as", "nobody"]) == 2
    assert "没有用户" in capsys.readouterr().err
    assert cli.main(["import", "/nonexistent/file.xlsx"]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_cli_rollback_follows_the_web_rule(fx, empty_store, capsys):
    """The issue's case: `jxtrack rollback 1 --as <county user>` of another county's upload, and
    of its own without a reason, are refused; its own with a reason goes through."""
    from jxtrack.services import auth

    for name, region in (("jiashan", "330421"), ("pinghu", "330482")):
        auth.add_user(empty_store, name, "long enough 1", "county", region, actor="admin")
    assert cli.main(["import", str(fx["good_xlsx"]), "--as", "jiashan"]) == 0     # 嘉善县's sheet
    capsys.readouterr()
    assert cli.main(["rollback", "1", "--as", "pinghu", "--reason", "试试"]) == 2
    assert "只能撤回平湖市的上传" in capsys.readouterr().err
    assert cli.main(["rollback", "1", "--as", "jiashan"]) == 2
    assert "撤回原因" in capsys.readouterr().err
    assert empty_store.get_upload(1)["status"] == "accepted"
    assert cli.main(["rollback", "1", "--as", "jiashan", "--reason", "数字填错"]) == 0
    up = empty_store.uploads().set_index("upload_id").loc[1]
    assert up["status"] == "withdrawn" and up["withdrawn_by"] == "jiashan" and up["withdraw_reason"] == "数字填错"
