"""The 数据质量 page, run on its own with AppTest as each role."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from jxtrack.domain.access import User
from jxtrack.ui import session

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "quality.py")
STAFF = User("zhuanban", "staff", None, "示例市工作专班")
COUNTY = User("jiashan", "county", "330421", "示例嘉善县填报员")


def run(user: User) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state[session.USER_KEY] = user
    at.run()
    return at


@pytest.fixture
def demo_env(demo_db_template, monkeypatch):
    monkeypatch.setenv("JXTRACK_DB", str(demo_db_template))


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def warnings_table(at: AppTest):
    """The warnings as the reader sees them: a static table whose 说明 wraps (common.text_table),
    its Markdown escapes (fmt.plain) removed again."""
    df = at.table[0].value.map(lambda v: _MD_ESCAPE.sub(r"\1", v) if isinstance(v, str) else v)
    df.columns = [_MD_ESCAPE.sub(r"\1", c) for c in df.columns]
    return df


def test_staff_sees_warnings_and_can_build_the_bulletin(demo_env):
    at = run(STAFF)
    assert not at.exception
    assert at.title[0].value == "数据质量"
    table = warnings_table(at)
    assert {"级别", "类型", "地区", "指标", "报告期", "上传编号", "说明"} <= set(table.columns)
    assert len(table) >= 1
    at.button(key="quality_build_bulletin").click().run()
    assert not at.exception
    assert at.session_state["quality_bulletin"][0] == "2026-10"
    files = at.session_state["quality_bulletin"][1]
    assert files["docx"][0].endswith(".docx") and files["docx"][1][:2] == b"PK"
    assert files["xlsx"][0].endswith(".xlsx") and files["xlsx"][1][:2] == b"PK"


def test_filters_narrow_the_table(demo_env):
    at = run(STAFF)
    n = len(warnings_table(at))
    region = warnings_table(at)["地区"].iloc[0]
    at.multiselect(key="quality_region").set_value([region]).run()
    shown = warnings_table(at)
    assert len(shown) <= n and set(shown["地区"]) == {region}


def test_county_user_sees_own_county_only(demo_env):
    at = run(COUNTY)
    assert not at.exception
    if at.table:
        regions = set(warnings_table(at)["地区"])
        assert regions <= {"嘉善县", "嘉兴市"}, regions
    else:   # nothing to show for 嘉善 in the demo: the page says so, and names no other county
        assert "未发现数据质量问题" in at.success[0].value
    others = {"南湖区", "秀洲区", "平湖市", "海宁市", "海盐县", "桐乡市"}
    shown = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.warning, *at.info))
    assert not any(name in shown for name in others), shown


def test_sign_in_required(demo_env):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.table and not at.dataframe and "请先登录" in at.warning[0].value
