"""Role checks in the web services themselves (not only the menu), and writes with their audit."""

from __future__ import annotations

import pandas as pd
import pytest

from jxtrack.domain import access
from jxtrack.domain.access import PermissionDenied
from jxtrack.services import auth, importing, regions, status_table, submissions
from jxtrack.services import targets as targets_svc
from jxtrack.services import users as users_svc
from jxtrack.services import views as ws

from .conftest import CITY, JIASHAN, NANHU, PINGHU, USERS

SAMPLES = next((p for p in (__import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "samples",
                             __import__("pathlib").Path("/work/shared/samples")) if p.exists()),
               __import__("pathlib").Path("/work/shared/samples"))
COUNTY = USERS["county"]


@pytest.mark.parametrize("call", [
    lambda s: ws.county_scorecard(s, NANHU, None, COUNTY),
    lambda s: ws.indicator_detail(s, "lh_projects", None, NANHU, COUNTY),
    lambda s: ws.indicator_series(s, "lh_projects", "2026-10", COUNTY, [PINGHU]),
    lambda s: status_table.status(s, None, NANHU, COUNTY),
    lambda s: importing.make_template(s, NANHU, "2026-11", COUNTY),
], ids=["scorecard", "detail", "series", "status", "template"])
def test_county_user_cannot_read_other_county(demo_ro, call):
    with pytest.raises(PermissionDenied, match="嘉善县"):
        call(demo_ro)


def test_county_user_sees_only_own_county_and_city(demo_ro):
    ov = ws.overview(demo_ro, None, COUNTY)
    assert set(ov.status["region_code"]) == {CITY, JIASHAN}
    assert set(ov.heat.index) == {"嘉兴市", "嘉善县"}
    assert set(ov.red_list["region_code"]) <= {JIASHAN}
    assert list(submissions.submission_matrix(demo_ro, 2026, COUNTY).index) == ["嘉善县"]
    assert set(targets_svc.targets_view(demo_ro, COUNTY)["region"]) <= {"嘉兴市", "嘉善县"}
    assert set(regions.visible_regions(demo_ro, COUNTY)["code"]) == {CITY, JIASHAN}
    # own county is fine
    assert ws.county_scorecard(demo_ro, JIASHAN, None, COUNTY).region_name == "嘉善县"


def test_county_user_cannot_import_another_countys_sheet(demo_store):
    data = (SAMPLES / "sample_pinghu_2026-02.xls").read_bytes()
    res = importing.preview_import(demo_store, data, "sample_pinghu_2026-02.xls", COUNTY)
    assert any(p.code == "not_permitted" for p in res.errors)
    done = importing.commit_import(demo_store, data, "sample_pinghu_2026-02.xls", COUNTY)
    assert done.status == "rejected"
    assert not len(demo_store.observations(regions=[PINGHU], periods=["2026-02"]).query(f"upload_id == {done.upload_id}"))


@pytest.mark.parametrize("role", ["leader", "county"])
def test_only_working_group_changes_targets(demo_store, role):
    u = USERS[role]
    with pytest.raises(PermissionDenied):
        targets_svc.set_binding(demo_store, u, indicator="tax_per_mu", region=CITY, year=2026,
                       source="LYRH-2024-ZQYJ", reason="x")
    with pytest.raises(PermissionDenied):
        targets_svc.add_source(demo_store, u, doc_number="x", title="x", issuer=None, issued=None, status="official",
                      figures=pd.DataFrame([{"indicator": "tax_per_mu", "year": 2026, "value": 41}]), reason="x")
    with pytest.raises(PermissionDenied):
        submissions.withdraw_upload(demo_store, u, 1, "x")


@pytest.mark.parametrize("role", ["staff", "leader", "county"])
def test_only_admin_manages_users(demo_store, role):
    u = USERS[role]
    for call in (lambda: users_svc.list_users(demo_store, u),
                 lambda: users_svc.add_user(demo_store, u, username="x1", password="longpassword", role="leader", region=None),
                 lambda: users_svc.set_role(demo_store, u, "lingdao", "admin", None),
                 lambda: users_svc.reset_password(demo_store, u, "admin", "newpassword1"),
                 lambda: users_svc.set_active(demo_store, u, "admin", False)):
        with pytest.raises(PermissionDenied):
            call()
    assert demo_store.get_user("x1") is None


def test_switch_binding_logged_with_who_when_why(demo_store):
    staff = USERS["staff"]
    before = status_table.status(demo_store, "2026-10", CITY).set_index("indicator_code").loc["tax_per_mu", "target"]
    assert before == 40
    targets_svc.set_binding(demo_store, staff, indicator="tax_per_mu", region=CITY, year=2026,
                   source="LYRH-2024-ZQYJ", reason="两业融合方案已印发")
    after = status_table.status(demo_store, "2026-10", CITY).set_index("indicator_code").loc["tax_per_mu", "target"]
    assert after == 42
    ch = demo_store.target_changes().iloc[0]
    assert (ch["changed_by"], ch["action"], ch["old_value"], ch["new_value"], ch["reason"]) == (
        "zhuanban", "binding.switch", 40, 42, "两业融合方案已印发")
    log = demo_store.audit_log(5)
    assert (log["action"] == "target.binding_switch").any()
    tv = targets_svc.targets_view(demo_store, staff)
    row = tv[(tv["indicator_code"] == "tax_per_mu") & (tv["region"] == "嘉兴市") & (tv["year"] == 2026) & tv["binding"]]
    assert row["target_value"].iloc[0] == 42 and "40" in row["other_figures"].iloc[0]


def test_add_source_and_decomposition(demo_store):
    staff = USERS["staff"]
    code = targets_svc.add_source(demo_store, staff, doc_number="嘉政办发〔2024〕99号", title="两业融合实施方案（正式）",
                         issuer="嘉兴市人民政府办公室", issued="2024-06-01", status="official",
                         figures=pd.DataFrame([{"indicator": "规上亩均税收", "region": "", "year": 2026,
                                                "value": 41, "comparator": ">=", "clause": "二、主要目标"}]),
                         reason="正式文件印发")
    t = targets_svc.targets_view(demo_store, staff)
    new = t[(t["indicator_code"] == "tax_per_mu") & (t["year"] == 2026) & (t["region"] == "嘉兴市")]
    # 6号 40, draft 42, 14号 41 (catalog) and the new source's 41: old figures kept
    assert len(new) == 4 and new["source"].str.contains("嘉政办发〔2024〕99号").sum() == 1
    assert demo_store.target_changes()["source"].eq(code).any()
    # a 任务分解表 round trip through the template
    tpl = targets_svc.decomposition_template(demo_store, 2026)
    df = pd.read_excel(__import__("io").BytesIO(tpl), dtype=str)
    df.loc[df["地区"] == "嘉善县", "目标值"] = "123"
    buf = __import__("io").BytesIO()
    df.to_excel(buf, index=False)
    figures = targets_svc.read_decomposition(buf.getvalue(), "分解表.xlsx")
    assert len(figures) == (df["地区"] == "嘉善县").sum()
    targets_svc.add_source(demo_store, staff, doc_number="", title="2026年任务分解表", issuer=None, issued=None,
                  status="official", figures=figures, reason="年度分解")
    bad = pd.DataFrame([{"indicator": "不存在的指标", "region": "火星", "year": "x", "value": "abc"}])
    with pytest.raises(regions.WebError) as e:
        targets_svc.add_source(demo_store, staff, doc_number="", title="t", issuer=None, issued=None, status="official",
                      figures=bad, reason="r")
    assert "4 处问题" in str(e.value)


def test_user_management_audited(demo_store):
    admin = USERS["admin"]
    users_svc.add_user(demo_store, admin, username="pinghu1", password="pinghu-pass", role="county", region=PINGHU,
                display_name="平湖填报员", email="ph@example.org")
    assert auth.authenticate(demo_store, "pinghu1", "pinghu-pass").region == PINGHU
    users_svc.set_role(demo_store, admin, "pinghu1", "leader", None)
    assert demo_store.get_user("pinghu1")["role"] == "leader"
    users_svc.reset_password(demo_store, admin, "pinghu1", "another-pass")
    assert auth.authenticate(demo_store, "pinghu1", "another-pass").role == "leader"
    users_svc.set_active(demo_store, admin, "pinghu1", False)
    with pytest.raises(access.AuthError, match="停用"):
        auth.authenticate(demo_store, "pinghu1", "another-pass")
    actions = set(demo_store.audit_log(20)["action"])
    assert {"user.add", "user.set_role", "user.reset_password", "user.disable"} <= actions
    with pytest.raises(regions.WebError):
        users_svc.set_active(demo_store, admin, "admin", False)   # no locking yourself out


def test_oidc_email_maps_to_account(demo_store):
    users_svc.add_user(demo_store, USERS["admin"], username="oidc1", password="oidc-pass1", role="staff", region=None,
                email="Staff@Example.org")
    assert users_svc.user_from_email(demo_store, "staff@example.org").role == "staff"
    with pytest.raises(access.AuthError):
        users_svc.user_from_email(demo_store, "nobody@example.org")


def test_submission_matrix_states(demo_ro):
    m = submissions.submission_matrix(demo_ro, 2026, USERS["staff"])
    assert m.loc["嘉善县", "1月"] == "merged"      # 1–2月合并报送
    assert m.loc["嘉善县", "10月"] == "reported"
    assert m.loc["嘉善县", "12月"] in ("open", "missing")


@pytest.mark.parametrize("data, message", [
    (b"", "文件是空的"),
    (b"PK\x03\x04garbage-that-is-not-a-zip", "无法读取文件"),
    (b"x" * (21 * 1024 * 1024), "超过上限"),
])
def test_decomposition_upload_is_read_as_hostile(data, message):
    """The 任务分解表 goes through the importer's guarded reader: a clear Chinese refusal."""
    with pytest.raises(regions.WebError, match=message) as e:
        targets_svc.read_decomposition(data, "分解表.xlsx")
    assert "Traceback" not in str(e.value) and "Error" not in str(e.value)


def test_board_and_heat_map_say_the_same_grey(demo_store):
    """Issue 8: with the city total from some counties only, the board said 暂不评价 and the heat
    map 未分解.  Now both show the light the metrics decided, with its reason."""
    from datetime import datetime

    from jxtrack.domain import clock, lights

    sheet = "地区,报告期,指标,数值\n嘉善县,2026-11,数字化改造项目数,200\n".encode()
    assert importing.commit_import(demo_store, sheet, "js-11.csv", USERS["staff"]).status == "accepted"
    # after November's due date (12-10): before it the month is still being collected and the
    # city's totals are grey 报送中 instead (tests/app/test_period_rules.py)
    with clock.fixed(datetime(2026, 12, 11, 9, 0)):
        ov = ws.overview(demo_store, "2026-11", USERS["staff"])
    city = ov.city.set_index("indicator_code").loc["digital_projects"]
    assert city["light"] == "none" and city["light_reason"] == "unjudged"    # 1 of 7 counties
    assert ov.heat.loc["嘉兴市", city["indicator_name"]] == "unjudged"
    for r in ov.status[ov.status["region_level"].isin(["city", "county"])].itertuples():
        cell = ov.heat.loc[r.region, r.indicator_name]
        assert cell in ("n/a", lights.shown(r.light, r.light_reason)), (r.region, r.indicator_name)


def test_status_is_computed_once_per_data_version_and_follows_writes(demo_store, monkeypatch):
    """Pages after an import share one status computation; a write (new data version) is seen."""
    calls = []
    real = status_table.judge
    monkeypatch.setattr(status_table, "judge", lambda *a, **k: calls.append(1) or real(*a, **k))
    status_table.clear_status_cache()
    ws.overview(demo_store, "2026-10", USERS["staff"])
    ws.county_scorecard(demo_store, JIASHAN, "2026-10", USERS["county"])
    status_table.status(demo_store, "2026-10", NANHU, USERS["leader"])
    assert len(calls) == 1
    before = status_table.status(demo_store, "2026-10", JIASHAN).set_index("indicator_code")
    sheet = "地区,报告期,指标,数值\n嘉善县,2026-10,数字化改造项目数,9999\n".encode()
    assert importing.commit_import(demo_store, sheet, "js.csv", USERS["staff"], accept_warnings=True).status == "accepted"
    after = status_table.status(demo_store, "2026-10", JIASHAN).set_index("indicator_code")
    assert len(calls) == 2
    assert before.loc["digital_projects", "actual"] != 9999 and after.loc["digital_projects", "actual"] == 9999


def test_a_run_sees_every_write_committed_before_it_started(demo_store, monkeypatch):
    """The data version is remembered for VERSION_TTL seconds per process, but never across the
    start of a run (app.py calls begin_run): a write by another process or app server before the
    run is seen by it (issue 11: "visible on the others on their next run")."""
    from jxtrack.store.interface import Store
    from jxtrack.ui import cache

    monkeypatch.setattr(cache, "VERSION_TTL", 3600.0)   # the memo alone would hide the write for an hour
    cache.begin_run()
    before = cache.version(demo_store)
    elsewhere = Store(demo_store.key)                    # another process's view of the same database
    with elsewhere.transaction() as con:
        uid = elsewhere.record_upload(con, kind="upload", username="cli", status="accepted")
        elsewhere.audit(con, "cli", "upload.accept", f"upload:{uid}")
    assert cache.version(demo_store) == before           # same run: the remembered version
    cache.begin_run()                                    # the next run
    after = cache.version(demo_store)
    assert after != before and after[0] == uid           # (last upload id, …)
