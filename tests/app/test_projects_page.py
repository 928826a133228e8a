"""The 项目库 page: ledger, subsidy explanation, fund, rules; county users see only their county."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ledger"))

from ledger_builders import ledger_xlsx, project  # noqa: E402

from jxtrack.services import projects  # noqa: E402

from .conftest import USERS, run_app, texts  # noqa: E402


def _ledger(store):
    rows = [project(1, grade="A", strategic="是"), project(2, region="平湖市", name="平湖项目", enterprise="平湖企业")]
    res = projects.commit_ledger(store, ledger_xlsx(rows), "l.xlsx", USERS["staff"])
    assert res.status == "accepted"


def test_page_for_staff_shows_ledger_subsidy_and_rules(demo_store):
    _ledger(demo_store)
    at = run_app(USERS["staff"], "pages/projects.py")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [t.label for t in at.tabs] == ["项目清单", "奖补测算", "资金使用", "奖补规则", "导入项目库"]
    at.selectbox(key="projects_subsidy_year").set_value(2025).run()
    t = texts(at)
    assert "项目1" in t and "平湖项目" in t
    assert "A档1500万元，战新上浮5%为1575万元，封顶1500万元" in t
    assert "嘉政发〔2024〕6号 三（一）1（1）" in t
    assert "两业融合实施方案（征求意见稿）" in t      # the draft rule is shown beside the binding one
    by_rule = next(d.value for d in at.dataframe if list(d.value.columns)[:2] == ["规则", "条款"])
    assert "智能化技术改造项目补助" in set(by_rule["规则"]) and "smart_upgrade" not in t


def test_county_sees_only_its_county_and_no_switch(demo_store):
    _ledger(demo_store)
    at = run_app(USERS["county"], "pages/projects.py")
    assert not at.exception and not at.error
    at.selectbox(key="projects_subsidy_year").set_value(2025).run()
    t = texts(at)
    assert "项目1" in t and "平湖项目" not in t and "平湖企业" not in t
    assert "以下只合计嘉善县的项目" in t     # the fund tab: its own county's sums, no city total
    assert not at.get("form") or all("projects_bind" not in str(f.id) for f in at.get("form"))
    assert "导入项目库" in [tab.label for tab in at.tabs]


def test_leader_reads_without_import(demo_store):
    _ledger(demo_store)
    at = run_app(USERS["leader"], "pages/projects.py")
    assert not at.exception and not at.error
    assert "导入项目库" not in [tab.label for tab in at.tabs]
    assert not at.get("file_uploader")


def test_page_follows_ledger_imports_and_rule_switches_made_elsewhere(demo_store, monkeypatch):
    """The page's tables are cached by the database's data version: a ledger imported or a rule
    switched by another process (the CLI) shows at the next run, without clearing any cache."""
    from jxtrack.ui import cache

    monkeypatch.setattr(cache, "VERSION_TTL", 0.0)   # re-read the version at every run (else ≤ 2 s later)
    staff = USERS["staff"]
    at = run_app(staff, "pages/projects.py")
    assert not at.exception
    assert "项目库还没有项目" in texts(at)

    _ledger(demo_store)   # 项目1 (嘉善县) and 平湖项目: two projects
    at.run()
    assert "共 2 个项目。" in texts(at) and "平湖项目" in texts(at)

    more = [project(3, name="项目3", enterprise="企业3"), project(4, name="项目4", enterprise="企业4")]
    # a new 嘉善县 ledger of two projects replaces its one: 2 (嘉善县) + 1 (平湖市) = 3
    assert projects.commit_ledger(demo_store, ledger_xlsx(more), "m.xlsx", staff,
                                  confirm_remove=True).status == "accepted"
    at.run()
    t = texts(at)
    assert "共 3 个项目。" in t and "项目4" in t and "项目1" not in t

    rules = projects.rules_table(demo_store)
    shared = rules.groupby("topic")["code"].count()
    topic = shared[shared > 1].index[0]
    other = rules[(rules["topic"] == topic) & ~rules["binding"]].iloc[0]
    projects.switch_rule(demo_store, staff, topic, other["code"], "测试：文件已正式印发")
    at.run()
    shown = next(d.value for d in at.dataframe if "适用" in d.value.columns)
    row = shown[(shown["规则"] == other["name"]) & (shown["文件"] == other["document"])]
    assert row["适用"].tolist() == ["✔ 适用"]


def test_ledger_upload_shows_changes_and_asks_before_removing_money(demo_store, monkeypatch):
    """A county's one-row ledger that drops a project with money committed: the page says whose
    ledger it replaces, lists the removal and the fund change, and imports only after the checkbox."""
    from datetime import date

    monkeypatch.setattr(projects, "today", lambda: date(2026, 12, 3))
    p1 = project(1, grade="A", accept=date(2026, 6, 30))
    p2 = project(2, grade="B", start=date(2026, 1, 10), accept=None, plist="是")   # 600 prepaid in 2026
    assert projects.commit_ledger(demo_store, ledger_xlsx([p1, p2]), "l.xlsx", USERS["staff"]).status == "accepted"
    at = run_app(USERS["county"], "pages/projects.py")
    at.get("file_uploader")[0].set_value(("嘉善.xlsx", ledger_xlsx([p1]), "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    t = texts(at)
    assert "与现行项目库相比：删除 1 个项目。" in t and "整体替代" in t
    # how the file was read, before anything is written, as on the monthly upload page
    assert [e.label for e in at.expander] == ["文件是怎样读取的（读取说明）"]
    assert "每行一个项目" in t and "行为表头" in t
    assert "已承诺 2,100.0 万元 → 1,500.0 万元，其中预拨付 600.0 万元 → 0.0 万元" in t
    assert at.button(key="projects_commit").disabled
    at.checkbox(key="projects_confirm_remove").check().run()
    at.button(key="projects_commit").click().run()
    assert not at.exception and not at.error
    ledger = projects.list_projects(demo_store)
    assert list(ledger.loc[ledger["region"] == "嘉善县", "project_name"]) == ["项目1"]
