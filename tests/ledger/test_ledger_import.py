"""Importing the project ledger: validation with codes and cells, permissions, duplicates across
counties, supersede and rollback, and what the subsidy service computes from the stored ledger."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ledger_builders import HEADER, code_for, ledger_xlsx, project  # noqa: E402

from jxtrack.domain.access import OPERATOR, PermissionDenied, User  # noqa: E402
from jxtrack.domain.problems import CODES  # noqa: E402
from jxtrack.domain.reasons import ReasonRequired, message  # noqa: E402
from jxtrack.ingest import ledger as lg  # noqa: E402
from jxtrack.services import projects  # noqa: E402
from jxtrack.services.lookup import ServiceError  # noqa: E402

STAFF = User("zhuanban", "staff", None, "市工作专班")
JIASHAN = User("jiashan", "county", "330421", "嘉善县填报员")
PINGHU = User("pinghu", "county", "330482", "平湖市填报员")
LEADER = User("lingdao", "leader", None, "领导")
TABLES = ("uploads", "projects", "audit_log", "subsidy_rule_bindings", "subsidy_rule_changes")


def imp(store, rows, user=STAFF, **kw):
    return projects.commit_ledger(store, ledger_xlsx(rows), "ledger.xlsx", user, **kw)


def test_happy_path_county_import_and_subsidy(empty_store):
    rows = [project(1, grade="A", strategic="是"),                              # 1500 (capped)
            project(2, type="节能改造", third="是", equipment=2000, energy=1000,
                    productive=None, grade=None),                             # 2000 × 10 % = 200
            project(3, productive="1999"),                                     # ineligible
            project(4, accept=None)]                                          # not accepted yet
    res = imp(empty_store, rows, JIASHAN)
    assert res.status == "accepted", [p.line() for p in res.problems]
    lst = projects.list_projects(empty_store, JIASHAN)
    assert lst["project_name"].tolist() == ["项目1", "项目2", "项目3", "项目4"]
    assert set(lst["region"]) == {"嘉善县"}
    subs = projects.subsidies(empty_store, JIASHAN, year=2025)
    got = subs[["project_name", "rule", "amount", "status"]].values.tolist()
    assert got == [["项目1", "smart_upgrade", 1500.0, "eligible"],
                   ["项目2", "green_equipment", 200.0, "eligible"],
                   ["项目3", "smart_upgrade", 0.0, "ineligible"]]
    assert subs.iloc[0]["credit_code"] == code_for(1)


def test_units_converted_from_header_and_cell(empty_store):
    header = [h.replace("总投资（万元）", "总投资（亿元）") for h in HEADER]
    data = ledger_xlsx([project(1, total=0.35, productive="2500万元", equipment="3500000元")],
                       header=header)
    res = projects.preview_ledger(empty_store, data, "x.xlsx", STAFF)
    assert res.ok, [p.line() for p in res.problems]
    row = res.projects.iloc[0]
    assert (row["total_investment"], row["productive_investment"], row["equipment_investment"]) == (3500, 2500, 350)


def test_bad_credit_code_names_its_cell(empty_store):
    good = code_for(1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")       # the check character altered
    res = imp(empty_store, [project(1), project(2, code=bad)])
    assert res.status == "rejected"
    [p] = res.errors
    assert (p.code, p.sheet, p.cell, p.value) == ("bad_credit_code", "项目库", "C5", bad)
    assert "校验位" in p.message and "请" in p.message
    assert projects.list_projects(empty_store, STAFF).empty   # nothing half-written
    assert empty_store.df("SELECT status, kind FROM uploads").values.tolist() == [["rejected", "projects"]]


# one row per ledger problem code: (rows or bytes, code, cell, value)
CASES = {
    "missing_value": ([project(1, enterprise=None)], "B4", None),
    "bad_date": ([project(1, start="2024年13月")], "F4", "2024年13月"),
    "date_order": ([project(1, start=date(2025, 7, 1), accept=date(2025, 6, 30))], "G4", "2025-06-30"),
    "unknown_project_type": ([project(1, type="智能制造")], "E4", "智能制造"),
    "unknown_honour": ([project(1, honours="省级优秀企业")], "Q4", "省级优秀企业"),
    "bad_choice": ([project(1, grade="E")], "K4", "E"),
    "region_not_county": ([project(1, region="嘉兴市")], "D4", "嘉兴市"),
    "unknown_region": ([project(1, region="火星县")], "D4", "火星县"),
    "not_a_number": ([project(1, total="三千")], "H4", "三千"),
    "negative_value": ([project(1, equipment=-5)], "J4", "-5"),
    "unknown_unit": ([project(1, total="3000斤")], "H4", "斤"),
    "unit_not_convertible": ([project(1, total="3000吨标煤")], "H4", "吨标煤"),
    "duplicate_row": ([project(1), project(1)], "A5", "项目1"),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_cell_problem(code, empty_store):
    rows, cell, value = CASES[code]
    res = projects.preview_ledger(empty_store, ledger_xlsx(rows), "x.xlsx", STAFF)
    assert [p.code for p in res.problems] == [code], [p.line() for p in res.problems]
    p = res.problems[0]
    assert (p.sheet, p.cell, p.value) == ("项目库", cell, value)
    assert p.severity == "error" and "请" in p.message


def test_missing_column_and_no_table(empty_store):
    header = [h for h in HEADER if h != "统一社会信用代码"]
    rows = [{k: v for k, v in project(1).items() if k != "code"}]
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    ws.append([rows[0][k] for k in ["name", "enterprise", "region", "type"]] + [None] * 3)
    buf = io.BytesIO()
    wb.save(buf)
    res = projects.preview_ledger(empty_store, buf.getvalue(), "x.xlsx", STAFF)
    assert [(p.code, p.cell) for p in res.problems] == [("missing_column", "A1")]
    assert "统一社会信用代码" in res.problems[0].message
    wb = openpyxl.Workbook()
    wb.active.append(["随便", "什么"])
    buf = io.BytesIO()
    wb.save(buf)
    assert [p.code for p in projects.preview_ledger(empty_store, buf.getvalue(), "x.xlsx", STAFF).problems] == ["no_data"]


def test_region_from_title_or_county_user(empty_store):
    rows = [project(1, region=None)]
    res = projects.preview_ledger(empty_store, ledger_xlsx(rows, title_region="平湖市"), "x.xlsx", STAFF)
    assert res.ok and res.regions == ["330482"]
    res = projects.preview_ledger(empty_store, ledger_xlsx(rows), "x.xlsx", JIASHAN)
    assert res.ok and res.regions == ["330421"]
    res = projects.preview_ledger(empty_store, ledger_xlsx(rows), "x.xlsx", STAFF)
    assert [p.code for p in res.problems] == ["region_unknown"]


# ---- permissions -------------------------------------------------------------------------------------
def test_county_cannot_import_another_county(empty_store):
    imp(empty_store, [project(9, region="平湖市", name="平湖的项目")], STAFF)
    before = empty_store.dump_tables(("projects",))
    res = imp(empty_store, [project(1), project(2, region="平湖市")], JIASHAN)
    assert res.status == "rejected"
    assert [p.code for p in res.problems] == ["not_permitted"]
    assert (res.problems[0].sheet, res.problems[0].cell) == ("项目库", "D5")
    assert "平湖市" in res.problems[0].message and res.projects.empty
    assert empty_store.dump_tables(("projects",)) == before


def test_leader_cannot_import(empty_store):
    res = projects.preview_ledger(empty_store, ledger_xlsx([project(1)]), "x.xlsx", LEADER)
    assert [p.code for p in res.problems] == ["not_permitted"]


def test_county_lists_only_its_own(empty_store):
    imp(empty_store, [project(1), project(2, region="平湖市")], STAFF)
    assert projects.list_projects(empty_store, JIASHAN)["region"].tolist() == ["嘉善县"]
    assert projects.list_projects(empty_store, PINGHU)["region"].tolist() == ["平湖市"]
    assert sorted(projects.list_projects(empty_store, LEADER)["region"]) == ["嘉善县", "平湖市"]
    with pytest.raises(PermissionDenied, match="不能查看平湖市"):
        projects.list_projects(empty_store, JIASHAN, region="平湖市")
    with pytest.raises(PermissionDenied):
        projects.subsidies(empty_store, JIASHAN, year=2025, region="平湖")
    assert set(projects.subsidies(empty_store, JIASHAN, year=2025)["region"]) == {"嘉善县"}


# ---- duplicates across counties ---------------------------------------------------------------------
def test_cross_county_duplicate_flagged(empty_store):
    assert imp(empty_store, [project(1, region="平湖市")], STAFF).status == "accepted"
    res = imp(empty_store, [project(1), project(2)], JIASHAN)
    assert res.status == "needs_confirmation"
    [w] = res.warnings
    assert (w.code, w.cell, w.value) == ("cross_county_duplicate", "A4", "项目1") and "平湖市" in w.message
    assert imp(empty_store, [project(1), project(2)], JIASHAN, accept_warnings=True).status == "accepted"
    d = projects.duplicates(empty_store)
    assert d.values.tolist() == [["企业1", "项目1", "嘉善县、平湖市", 2]]
    lst = projects.list_projects(empty_store, STAFF).set_index(["region", "project_name"])
    assert lst.loc[("嘉善县", "项目1"), "duplicate_in"] == "平湖市"
    assert lst.loc[("嘉善县", "项目2"), "duplicate_in"] == ""
    # a county is not shown where else its projects are listed
    assert set(projects.list_projects(empty_store, JIASHAN)["duplicate_in"]) == {""}


def test_duplicate_within_one_file_across_counties(empty_store):
    res = projects.preview_ledger(empty_store, ledger_xlsx([project(1), project(1, region="平湖市")]),
                                  "x.xlsx", STAFF)
    assert [(p.code, p.cell) for p in res.problems] == [("cross_county_duplicate", "A5")]


# ---- supersede, identical, rollback, dry run ----------------------------------------------------------
def test_supersede_and_rollback(empty_store):
    v1 = imp(empty_store, [project(1), project(2)], JIASHAN)
    v2 = imp(empty_store, [project(1, grade="A")], JIASHAN, confirm_remove=True)   # 项目2 had 1000万元
    assert v2.replaces == {"330421": v1.upload_id}
    assert projects.list_projects(empty_store, JIASHAN)["project_name"].tolist() == ["项目1"]
    assert projects.subsidies(empty_store, JIASHAN, 2025)["amount"].tolist() == [1500.0]
    with pytest.raises(ReasonRequired, match=f"^{message('撤回上传')}$"):
        projects.withdraw(empty_store, v2.upload_id, JIASHAN, "")
    with pytest.raises(PermissionDenied):
        projects.withdraw(empty_store, v2.upload_id, PINGHU, "不是我的")
    projects.withdraw(empty_store, v2.upload_id, JIASHAN, "评价档次填错")
    assert projects.list_projects(empty_store, JIASHAN)["project_name"].tolist() == ["项目1", "项目2"]
    assert projects.subsidies(empty_store, JIASHAN, 2025)["amount"].tolist() == [1000.0, 1000.0]
    ups = empty_store.df("SELECT upload_id, status, coalesce(withdraw_reason, '') AS r FROM uploads ORDER BY upload_id")
    assert ups.values.tolist() == [[v1.upload_id, "accepted", ""], [v2.upload_id, "withdrawn", "评价档次填错"]]
    assert empty_store.df("SELECT count(*) AS n FROM projects")["n"].iloc[0] == 3   # nothing deleted
    acts = empty_store.df("SELECT action FROM audit_log WHERE action LIKE 'projects%' OR action LIKE 'upload%'")
    assert acts["action"].tolist() == ["projects.accept", "projects.accept", "upload.withdraw"]


def test_identical_reupload_and_dry_run(empty_store):
    data = ledger_xlsx([project(1)])
    before = empty_store.dump_tables(TABLES)
    res = projects.commit_ledger(empty_store, data, "a.xlsx", JIASHAN, dry_run=True)
    assert res.status == "dry_run" and empty_store.dump_tables(TABLES) == before
    first = projects.commit_ledger(empty_store, data, "a.xlsx", JIASHAN)
    again = projects.commit_ledger(empty_store, data, "a.xlsx", JIASHAN)
    assert (again.status, again.upload_id) == ("identical", first.upload_id)


# ---- rule bindings ---------------------------------------------------------------------------------
def test_switch_binding_logged_and_permitted(empty_store):
    imp(empty_store, [project(1, type="其他", honours="省级未来工厂")], STAFF)
    assert projects.subsidies(empty_store, STAFF, 2025)["amount"].tolist() == [200.0]
    with pytest.raises(PermissionDenied):
        projects.switch_rule(empty_store, JIASHAN, "future_factory", "future_factory_draft", "试试")
    with pytest.raises(ReasonRequired, match=f"^{message('切换补助规则')}$"):
        projects.switch_rule(empty_store, STAFF, "future_factory", "future_factory_draft", " ")
    with pytest.raises(ServiceError, match="不属于"):
        projects.switch_rule(empty_store, STAFF, "future_factory", "smart_factory", "错")
    projects.switch_rule(empty_store, STAFF, "future_factory", "future_factory_draft", "按两业融合方案执行")
    subs = projects.subsidies(empty_store, STAFF, 2025)
    assert subs[["rule", "amount"]].values.tolist() == [["future_factory_draft", 300.0]]
    log = empty_store.df("SELECT changed_by, topic, coalesce(old_rule, '-') AS o, new_rule, reason FROM subsidy_rule_changes")
    assert log.values.tolist() == [["zhuanban", "future_factory", "-", "future_factory_draft", "按两业融合方案执行"]]
    t = projects.rules_table(empty_store).set_index("code")
    assert not t.loc["future_factory", "binding"] and t.loc["future_factory_draft", "binding"]


def test_fund_against_city_target(empty_store):
    imp(empty_store, [project(1, grade="A", plist="是", commit="是"),       # 1500; 90 % prepaid 2024
                      project(2, start=date(2025, 2, 1), accept=date(2025, 9, 1))], STAFF)   # 1000
    f24 = projects.fund(empty_store, STAFF, 2024).iloc[0].to_dict()
    assert f24 == {"year": 2024, "budget": 10000.0, "committed": 1350.0, "prepaid": 1350.0,
                   "remaining": 8650.0, "committed_share": 0.135}
    f25 = projects.fund(empty_store, STAFF, 2025).iloc[0].to_dict()
    assert (f25["committed"], f25["prepaid"], f25["remaining"]) == (1150.0, 0.0, 8850.0)   # 150 + 1000


def test_every_ledger_code_is_known_and_tested():
    tested = set(CASES) | {"missing_column", "narrowed_column", "bad_credit_code", "cross_county_duplicate",
                           "region_unknown", "no_data", "not_permitted"}
    assert set(lg.PROBLEM_CODES) <= tested and set(lg.PROBLEM_CODES) <= set(CODES)


def test_operator_is_admin():
    assert OPERATOR.role == "admin"


def test_version_1_database_gains_the_ledger(tmp_path):
    import duckdb

    from jxtrack.store.interface import Store
    from jxtrack.store.migrations import MIGRATIONS, m001_initial

    db = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    m001_initial(con)
    con.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', now()::TIMESTAMP)")
    con.close()
    store = Store(db)
    assert store.migrate() == [v for v, _, _ in MIGRATIONS if v > 1]
    assert store.df("SELECT count(*) AS n FROM projects")["n"][0] == 0


def test_csv_ledger(empty_store):
    from ledger_builders import HEADER as H

    line = ["项目1", "企业1", code_for(1), "嘉善", "智能化技术改造、节能改造", "2024/3/1", "2025年6月30日",
            "3,000", "2000", "1000", "未参评", "否", "600", "", "", "是", "", "否", "否"]
    data = ("\ufeff" + ",".join(H) + "\n" + ",".join(f'"{v}"' for v in line) + "\n").encode("utf-8")
    res = projects.commit_ledger(empty_store, data, "l.csv", STAFF)
    assert res.status == "accepted" and res.format == "csv", [p.line() for p in res.problems]
    subs = projects.subsidies(empty_store, STAFF, 2025).set_index("rule")
    # 未参评 -> B 1000; 节能 600 吨: 1000 × 9 % = 90, superseded by the higher one
    assert subs.loc["smart_upgrade", ["amount", "status"]].tolist() == [1000.0, "eligible"]
    assert subs.loc["green_equipment", "status"] == "superseded"


def test_refused_ledger_files_keep_bytes_only_when_small_and_once(empty_store):
    """The store's rule for every refused file (issue 12): hash and problems always; bytes only up
    to REJECTED_BYTES_KEPT and only once per content -- a refused ledger used to keep them whole."""
    import hashlib
    import json

    from jxtrack.store.interface import REJECTED_BYTES_KEPT

    big = b"not a ledger\n" * (REJECTED_BYTES_KEPT // 13 + 1)
    small = ledger_xlsx([project(1, code="not-a-code")])
    ids = [projects.commit_ledger(empty_store, data, name, STAFF).upload_id
           for data, name in ((big, "big.csv"), (small, "a.xlsx"), (small, "b.xlsx"))]
    rows = empty_store.df("SELECT upload_id, status, file_hash, file_size, file_bytes FROM uploads ORDER BY upload_id")
    assert rows["upload_id"].tolist() == ids and set(rows["status"]) == {"rejected"}
    assert rows["file_size"].tolist() == [len(big), len(small), len(small)]
    assert rows["file_hash"].tolist()[0] == hashlib.sha256(big).hexdigest()
    kept = [b is not None and not (isinstance(b, float)) for b in rows["file_bytes"]]
    assert kept == [False, True, False]                     # too big; kept; the same bytes again
    details = [json.loads(d) for d in empty_store.df(
        "SELECT detail FROM audit_log WHERE action = 'projects.reject' ORDER BY audit_id")["detail"]]
    assert [d["bytes_kept"] for d in details] == [False, True, False]
