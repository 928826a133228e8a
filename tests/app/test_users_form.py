"""用户管理: a refused new user answers in the page's words and keeps what was typed."""

from __future__ import annotations

from .conftest import USERS, run_app


def test_county_user_without_county_is_refused_in_web_words_and_keeps_the_form(demo_store):
    at = run_app(USERS["admin"], "pages/users.py")
    at.text_input(key="ua_username").set_value("xiuzhou")
    at.text_input(key="ua_display").set_value("秀洲区填报员")
    at.text_input(key="ua_password").set_value("long enough 1")
    next(b for b in at.button if b.label == "新增").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("所属区县" in e for e in errors) and not any("--" in e for e in errors), errors
    assert at.text_input(key="ua_username").value == "xiuzhou"
    assert at.text_input(key="ua_display").value == "秀洲区填报员"
    assert demo_store.get_user("xiuzhou") is None
    at.selectbox(key="ua_region").set_value("330411")
    next(b for b in at.button if b.label == "新增").click().run()
    assert any("已新增用户 xiuzhou" in s.value for s in at.success)
    assert at.text_input(key="ua_username").value == ""          # a saved form starts empty again
