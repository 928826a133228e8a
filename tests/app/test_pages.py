"""Every page under every role: renders without exception, hides what should be hidden, refuses
what should be refused."""

from __future__ import annotations

import pytest

from jxtrack.ui import nav

from .conftest import OVERVIEW_FOLDS, USERS, open_expanders, run_app, run_page, texts

CASES = [(role, p.path) for role in USERS for p in nav.pages_for(USERS[role])]


@pytest.mark.parametrize("role,page", CASES, ids=[f"{r}-{p.split('/')[-1][:-3]}" for r, p in CASES])
def test_page_renders_for_role(demo_ro, role, page):
    at = run_app(USERS[role], page)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title, "every page has a title"
    # the demo database is always labelled as such (the users page is about accounts, not figures)
    if page != "pages/users.py":
        assert "示例数据" in texts(at)


def test_menu_per_role():
    titles = {r: [p.title for p in nav.pages_for(USERS[r])] for r in USERS}
    assert "用户管理" in titles["admin"]
    for r in ("staff", "county", "leader"):
        assert "用户管理" not in titles[r]
    assert "数据上传" not in titles["leader"]
    assert "数据上传" in titles["county"]
    for r in USERS:
        assert titles[r][0] == "总览"


@pytest.mark.parametrize("role", ["staff", "county", "leader"])
def test_users_page_refused_without_admin(demo_ro, role):
    at = run_page(USERS[role], "pages/users.py")
    assert not at.exception
    assert any("无权访问" in e.value for e in at.error)
    assert not at.dataframe  # no list of accounts leaks


def test_upload_page_refused_for_leader(demo_ro):
    at = run_page(USERS["leader"], "pages/upload.py")
    assert any("无权访问" in e.value for e in at.error)
    assert not at.get("file_uploader")


def test_pages_need_sign_in(demo_ro):
    at = run_app(None)
    assert not at.exception
    assert at.text_input(key="login_username") is not None
    # demo accounts are shown on a demo database
    assert "jxdemo-leader" in texts(at)


def test_write_controls_hidden_from_leader_and_county(demo_ro):
    for role in ("leader", "county"):
        at = run_app(USERS[role], "pages/targets.py")
        assert not at.exception
        assert not at.tabs, f"{role} must not see target editing tabs"
        at = run_app(USERS[role], "pages/reporting.py")
        assert not any("撤回" in (e.label or "") for e in at.expander)
    at = run_app(USERS["staff"], "pages/targets.py")
    assert [t.label for t in at.tabs] == ["切换约束性目标", "新增目标出处", "上传任务分解表"]
    # the table says why each target binds
    shown = texts(at)
    assert "约束性依据" in shown and "正式文件优先于征求意见稿" in shown and "目录默认：" in shown


def test_overview_board(demo_ro):
    at = run_app(USERS["leader"])
    t = texts(at)
    assert "总览" in at.title[0].value
    counts = [m.value for m in at.markdown if m.value.startswith("**全市指标")][0]
    for word in (":red[▲ 红]", ":orange[◆ 黄]", ":green[● 绿]", ":blue[✔ 已完成]"):
        assert word in counts
    labels = " ".join(e.label for e in at.expander)
    assert "“两化”改造" in labels and "两业融合" in labels and "红灯清单" in t
    assert "偏差说明" in t
    # the folded tables and the heat map are built when opened, not before
    assert not at.get("plotly_chart") and len(at.dataframe) == 0
    open_expanders(at, *OVERVIEW_FOLDS)
    assert not at.exception
    assert at.get("plotly_chart"), "heat map"
    assert len(at.dataframe) == 2, "the two groups' full tables"


def test_indicator_page_shows_conflicting_sources(demo_ro):
    at = run_app(USERS["leader"], "pages/indicator.py")
    at.selectbox(key="indicator_code").set_value("tax_per_mu").run()
    assert not at.exception
    t = texts(at)
    assert "嘉政发〔2024〕6号" in t and "征求意见稿" in t
    assert "另一出处的数字" in t and "42" in t
    assert "约束性目标" in t
    # 2026: 嘉政发〔2024〕14号's 41 beside 6号's binding 40, and why 6号 binds
    assert "嘉政发〔2024〕14号" in t and "41" in t
    assert "依据：目录默认：两份正式文件不一致" in t


def test_county_user_confined_to_own_county_in_pages(demo_ro):
    user = USERS["county"]
    at = run_app(user, "pages/county.py")
    opts = at.selectbox(key="county_region").options
    assert set(opts) == {"嘉兴市", "嘉善县"}
    at = run_app(user, "pages/indicator.py")
    assert set(at.selectbox(key="indicator_region").options) == {"嘉兴市", "嘉善县"}
    table = at.dataframe[-1].value
    assert set(table["地区"]) <= {"嘉兴市", "嘉善县"}
    at = run_app(user)
    t = texts(at)
    for other in ("南湖区", "平湖市", "桐乡市"):
        assert other not in t
    at = run_app(user, "pages/reporting.py")
    assert list(at.dataframe[0].value.index) == ["嘉善县"]
    at = run_app(user, "pages/upload.py")
    assert at.text_input(key="upload_region_fixed").value == "嘉善县"
