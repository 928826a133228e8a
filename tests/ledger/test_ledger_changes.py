"""Before a ledger is confirmed: what it adds, changes and removes, the fund change, whose ledger
it replaces; removing a project with money committed needs an explicit confirmation."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ledger_builders import ledger_xlsx, project  # noqa: E402

from jxtrack.cli import run as cli  # noqa: E402
from jxtrack.domain import access  # noqa: E402
from jxtrack.services import (
    auth,  # noqa: E402
    projects,  # noqa: E402
)

# 项目1: 智能化技术改造, grade A, accepted 2026-06-30 -> 1500万元 due in 2026.
# 项目2: grade B (1000万元), on the provincial list, started 2026-01-10, not accepted yet -> 60 %
# prepaid in 2026 = 600万元 (嘉政发〔2024〕6号 预拨付).
P1 = project(1, grade="A", accept=date(2026, 6, 30))
P2 = project(2, grade="B", start=date(2026, 1, 10), accept=None, plist="是")


@pytest.fixture
def two_projects(empty_store, monkeypatch):
    monkeypatch.setattr(projects, "today", lambda: date(2026, 12, 3))
    auth.add_user(empty_store, "zb", "pw-zhuanban-1", "staff", None, actor="test", display_name="专班李四")
    auth.add_user(empty_store, "jiashan", "pw-jiashan-1", "county", "330421", actor="test",
                  display_name="嘉善王五")
    staff = access.User("zb", "staff", None, "专班李四")
    res = projects.commit_ledger(empty_store, ledger_xlsx([P1, P2]), "专班.xlsx", staff)
    assert res.status == "accepted"
    return empty_store


def test_preview_lists_removed_project_and_fund_change(two_projects):
    county = access.User("jiashan", "county", "330421", "嘉善王五")
    one_row = ledger_xlsx([project(1, grade="B", accept=date(2026, 6, 30)), project(3, accept=None)])
    res = projects.preview_ledger(two_projects, one_row, "嘉善.xlsx", county)
    t = res.changes.table.set_index("project_name")
    assert t.loc["项目1", "change"] == "changed" and t.loc["项目1", "fields"] == "绩效综合评价"
    assert (t.loc["项目1", "amount_before"], t.loc["项目1", "amount_after"]) == (1500.0, 1000.0)
    assert t.loc["项目3", "change"] == "added"
    assert t.loc["项目2", "change"] == "removed" and t.loc["项目2", "amount_before"] == 1000.0
    # 2026: before 1500 (项目1) + 600 prepaid (项目2); after 1000 (项目1, B), nothing prepaid
    assert res.changes.fund == {"committed_before": 2100.0, "committed_after": 1000.0,
                                "prepaid_before": 600.0, "prepaid_after": 0.0}
    assert list(res.removes_committed["project_name"]) == ["项目2"]
    [owner] = res.changes.owner_lines()
    assert owner.startswith("嘉善县的项目库现为专班李四（市工作专班）于") and "2 个项目" in owner
    assert "整体替代" in owner


def test_removal_with_money_needs_confirm_remove(two_projects):
    county = access.User("jiashan", "county", "330421", "嘉善王五")
    one_row = ledger_xlsx([P1])
    res = projects.commit_ledger(two_projects, one_row, "嘉善.xlsx", county)
    assert res.status == "needs_remove_confirmation" and res.upload_id is None
    assert sorted(projects.list_projects(two_projects)["project_name"]) == ["项目1", "项目2"]
    res = projects.commit_ledger(two_projects, one_row, "嘉善.xlsx", county, confirm_remove=True)
    assert res.status == "accepted"
    assert list(projects.list_projects(two_projects)["project_name"]) == ["项目1"]


def test_unchanged_and_moneyless_removal_need_no_confirmation(two_projects):
    county = access.User("jiashan", "county", "330421", "嘉善王五")
    same = projects.preview_ledger(two_projects, ledger_xlsx([P1, P2]), "x.xlsx", county)
    assert same.changes.table.empty and same.changes.summary() == "与现行项目库相比没有变化。"
    # 项目4 earns nothing (生产性投入 under 2000万元): removing it asks for no confirmation
    staff = access.User("zb", "staff", None, "专班李四")
    projects.commit_ledger(two_projects, ledger_xlsx([P1, P2, project(4, productive=1500)]), "y.xlsx", staff)
    res = projects.commit_ledger(two_projects, ledger_xlsx([P1, P2]), "z.xlsx", county)
    assert res.status == "accepted"


def test_cli_import_shows_changes_and_needs_flag(two_projects, tmp_path, capsys):
    f = tmp_path / "嘉善.xlsx"
    f.write_bytes(ledger_xlsx([P1, project(3, accept=None)]))
    code = cli.main(["projects", "import", str(f), "--as", "jiashan", "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0 and "新增 1 个，删除 1 个项目" in out
    assert "  − 删除 嘉善县 项目2（企业2）；奖补 1,000.0 万元 → 0.0 万元" in out
    assert "2026年资金（本文件所涉区县）：已承诺 2,100.0 万元 → 1,500.0 万元，其中预拨付 600.0 万元 → 0.0 万元。" in out
    code = cli.main(["projects", "import", str(f), "--as", "jiashan"])
    out, err = capsys.readouterr()
    assert code == 3 and "--confirm-remove" in err and "项目2" in err
    assert cli.main(["projects", "import", str(f), "--as", "jiashan", "--confirm-remove"]) == 0
    out, _ = capsys.readouterr()
    assert "已导入" in out


def test_county_fund_sums_its_own_county_only(two_projects):
    """嘉善 2100 committed (1500 due + 600 prepaid), 平湖 1000 (项目5, grade B accepted 2026): the
    working group sees 3100 against the budget; 嘉善's user sees 2100 and no budget or remaining."""
    staff = access.User("zb", "staff", None, "专班李四")
    pinghu = [project(5, region="平湖市", grade="B", accept=date(2026, 3, 1))]
    assert projects.commit_ledger(two_projects, ledger_xlsx(pinghu), "p.xlsx", staff).status == "accepted"
    city = projects.fund(two_projects, staff, 2026).iloc[0]
    assert (city["budget"], city["committed"], city["prepaid"], city["remaining"]) == (10000.0, 3100.0, 600.0, 6900.0)
    county = access.User("jiashan", "county", "330421", "嘉善王五")
    own = projects.fund(two_projects, county, 2026).iloc[0]
    assert (own["committed"], own["prepaid"]) == (2100.0, 600.0)
    assert own[["budget", "remaining", "committed_share"]].isna().all()
    whole, fc = projects.fund_view(two_projects, county, 2026, as_of=date(2026, 12, 3))
    assert whole["committed"] == 2100.0 and fc["scope"] == "嘉善县"
    assert projects.fund_view(two_projects, staff, 2026, as_of=date(2026, 12, 3))[1]["scope"] is None


def test_project_name_kept_as_typed(empty_store):
    staff = access.User("zb", "staff", None, "专班李四")
    data = ledger_xlsx([project(1, name="智能工厂（在建）", enterprise="企业Ａ")])
    assert projects.commit_ledger(empty_store, data, "a.xlsx", staff).status == "accepted"
    got = projects.list_projects(empty_store)
    assert got[["project_name", "enterprise"]].values.tolist() == [["智能工厂（在建）", "企业Ａ"]]
    # the same project written with half-width brackets is the same project, not a new one
    again = projects.preview_ledger(empty_store, ledger_xlsx([project(1, name="智能工厂(在建)", enterprise="企业A")]),
                                    "b.xlsx", staff)
    assert again.changes.table.empty
