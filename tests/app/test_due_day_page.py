"""报送情况: everyone reads the due day; staff/admin change it through a small form."""

from __future__ import annotations

from jxtrack.services import cycle

from .conftest import USERS, run_app, texts


def test_staff_changes_the_due_day_on_the_page(demo_store):
    at = run_app(USERS["staff"], "pages/reporting.py")
    assert "每月数据须在次月 10 日前报送" in texts(at)
    at.number_input(key="due_day_value").set_value(15)
    at.text_input(key="due_day_reason").set_value("春节顺延")
    next(b for b in at.button if b.label == "保存截止日").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert cycle.due_day_setting(demo_store).reason == "春节顺延"
    assert cycle.due_day(demo_store) == 15
    assert "报送截止日已改为次月 15 日" in texts(at)
    assert "每月数据须在次月 15 日前报送" in texts(at)


def test_missing_reason_is_refused_on_the_page(demo_store):
    at = run_app(USERS["admin"], "pages/reporting.py")
    at.number_input(key="due_day_value").set_value(12)
    next(b for b in at.button if b.label == "保存截止日").click().run()
    assert any("原因" in e.value for e in at.error)
    assert cycle.due_day(demo_store) == 10


def test_leader_and_county_only_read_it(demo_store):
    cycle.set_due_day(demo_store, USERS["staff"], 12, "顺延")
    for role in ("leader", "county"):
        at = run_app(USERS[role], "pages/reporting.py")
        assert "每月数据须在次月 12 日前报送" in texts(at)
        assert not [n for n in at.number_input if n.key == "due_day_value"]
