"""End-to-end flows through the pages: sign-in, lock-out, expiry, sign-out, upload, rollback,
switching a target — and that the caches show the change at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from jxtrack.domain import clock
from jxtrack.ui import session

from .conftest import USERS, run_app, texts

SAMPLES = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "samples",
                             Path("/work/shared/samples")) if p.exists()), Path("/work/shared/samples"))


def test_sign_in_and_out(demo_store):
    at = run_app(None)
    at.text_input(key="login_username").set_value("lingdao")
    at.text_input(key="login_password").set_value("wrong-password")
    at.button[0].click().run()
    assert any("不正确" in e.value for e in at.error)
    at.text_input(key="login_password").set_value("jxdemo-leader")
    at.button[0].click().run()
    assert not at.exception
    assert at.session_state[session.USER_KEY].role == "leader"
    assert "总览" in at.title[0].value
    at.button(key="logout").click().run()
    assert session.USER_KEY not in at.session_state
    assert "总览" not in "".join(t.value for t in at.title)   # nothing of the board is left


def test_lock_out_after_repeated_failures(demo_store):
    at = run_app(None)
    for _ in range(5):
        at.text_input(key="login_username").set_value("jiashan")
        at.text_input(key="login_password").set_value("nope-nope")
        at.button[0].click().run()
    assert any("锁定" in e.value for e in at.error)
    at.text_input(key="login_password").set_value("jxdemo-county")
    at.button[0].click().run()
    assert any("锁定" in e.value for e in at.error)
    assert session.USER_KEY not in at.session_state


def test_lock_out_answers_an_unknown_name_the_same_way(demo_store):
    """No user enumeration: an unknown name sees the same messages, lock-out included."""
    def errors(name):
        at = run_app(None)
        seen = []
        for _ in range(6):
            at.text_input(key="login_username").set_value(name)
            at.text_input(key="login_password").set_value("nope-nope")
            at.button[0].click().run()
            seen.append([e.value for e in at.error])
        return seen

    real, ghost = errors("jiashan"), errors("no-such-user")
    assert real[:5] == ghost[:5]
    assert "锁定 15 分钟" in real[4][0] and "锁定至" in real[5][0] and "锁定至" in ghost[5][0]


def _form_sign_in(name: str, password: str):
    at = run_app(None)
    at.text_input(key="login_username").set_value(name)
    at.text_input(key="login_password").set_value(password)
    at.button[0].click().run()
    return at


def test_sign_in_opens_a_server_session_and_sign_out_revokes_it(demo_store):
    from jxtrack.services import auth

    at = _form_sign_in("lingdao", "jxdemo-leader")
    sid = at.session_state[session.SESSION_KEY]
    assert auth.resume_session(demo_store, session_id=sid).user.username == "lingdao"
    at.button(key="logout").click().run()
    rows = demo_store.df("SELECT revoke_reason FROM web_sessions WHERE session_id = ?", [sid])
    assert list(rows["revoke_reason"]) == ["signed_out"]
    assert session.USER_KEY not in at.session_state


def test_signing_out_in_another_tab_ends_this_one(demo_store):
    """Two tabs share one session row; 退出登录 in one ends the other at its next run.  (A fresh
    AppTest stands for the next run: AppTest reruns of a multipage app skip app.py.)"""
    from streamlit.testing.v1 import AppTest

    from jxtrack.services import auth

    from .conftest import APP

    first = _form_sign_in("lingdao", "jxdemo-leader")
    sid = first.session_state[session.SESSION_KEY]
    auth.end_session(demo_store, session_id=sid)          # the other tab's 退出登录
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[session.USER_KEY] = first.session_state[session.USER_KEY]
    at.session_state[session.SESSION_KEY] = sid
    at.run()
    assert session.USER_KEY not in at.session_state
    assert any("已退出登录" in w.value for w in at.warning)
    assert "总览" not in "".join(t.value for t in at.title)


def test_session_expires_when_idle(demo_ro):
    from streamlit.testing.v1 import AppTest

    from .conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[session.USER_KEY] = USERS["leader"]
    at.session_state[session.SEEN_KEY] = clock.now() - timedelta(minutes=session.IDLE_MINUTES + 1)
    at.run()
    assert any("自动退出" in w.value for w in at.warning)
    assert "总览" not in "".join(t.value for t in at.title)


def test_no_demo_accounts_on_a_real_database(empty_store):
    at = run_app(None)
    assert "jxdemo" not in texts(at)


def test_upload_end_to_end_county(demo_store):
    """County reporter: template, upload the sample sheet, validation and preview, confirm, and
    the history and board show it at once."""
    user = USERS["county"]
    at = run_app(user)   # warm the overview cache first
    before = at.session_state  # noqa: F841
    at = run_app(user, "pages/upload.py")
    assert not at.exception
    assert at.get("download_button"), "template download"
    data = (SAMPLES / "sample_jiashan_2025-09.xlsx").read_bytes()
    at.get("file_uploader")[0].set_value(("sample_jiashan_2025-09.xlsx", data,
                                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error
    assert any("检查通过" in s.value for s in at.success) or any("没有错误" in w.value for w in at.warning)
    assert any("将要变化" in h.value for h in at.subheader)
    boxes = [c for c in at.checkbox if c.key == "upload_accept"]
    if boxes:
        boxes[0].check().run()
    at.button(key="upload_commit").click().run()
    assert not at.exception
    assert any("已导入" in s.value for s in at.success)
    ups = demo_store.uploads()
    assert ups.iloc[0]["user"] == "jiashan" and ups.iloc[0]["status"] == "accepted"
    at = run_app(user, "pages/reporting.py")
    assert "sample_jiashan_2025-09.xlsx" in texts(at)


def test_upload_with_errors_shows_cells(demo_store):
    at = run_app(USERS["staff"], "pages/upload.py")
    bad = "地区,报告期,指标,数值\n嘉善县,2026-10,数字化改造项目数,abc\n".encode()
    at.get("file_uploader")[0].set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert any("不能导入" in e.value for e in at.error)
    table = at.table[0].value   # a static table: the 问题 sentence wraps (common.text_table)
    assert {"工作表", "单元格", "读到的值", "问题"} <= set(table.columns)
    assert not [b for b in at.button if b.key == "upload_commit"]


def test_rollback_by_working_group(demo_store):
    from jxtrack.services import importing

    data = (SAMPLES / "sample_jiashan_2025-09.xlsx").read_bytes()
    res = importing.commit_import(demo_store, data, "s.xlsx", USERS["county"], accept_warnings=True)
    assert res.status == "accepted"
    at = run_app(USERS["staff"], "pages/reporting.py")
    at.selectbox(key="withdraw_id").set_value(res.upload_id)
    at.text_input(key="withdraw_reason").set_value("数据有误")
    at.button[-1].click().run()
    assert not at.exception
    assert demo_store.get_upload(res.upload_id)["status"] == "withdrawn"


def test_binding_switch_through_page_updates_board(demo_store):
    at = run_app(USERS["staff"])
    at = run_app(USERS["staff"], "pages/targets.py")
    labels = at.selectbox(key="bind_key").options
    i = next(k for k, lab in enumerate(labels) if "规上亩均税收 · 嘉兴市 · 2026" in lab)
    at.selectbox(key="bind_key").set_value(i).run()
    at.radio(key="bind_source").set_value("LYRH-2024-ZQYJ")
    at.text_input(key="bind_reason").set_value("两业融合方案已印发")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    # the save is confirmed on the page after its rerun (it used to vanish with the rerun)
    assert any("已切换" in s.value for s in at.success), [s.value for s in at.success]
    at = run_app(USERS["leader"])
    assert "≥42.0 万元/亩" in texts(at)


def test_adding_a_user_is_confirmed_and_defaults_to_least_privilege(demo_store):
    at = run_app(USERS["admin"], "pages/users.py")
    assert at.selectbox(key="ua_role").value == "county"          # not 管理员
    at.text_input(key="ua_username").set_value("xiuzhou")
    at.selectbox(key="ua_region").set_value("330411")
    at.text_input(key="ua_password").set_value("long enough 1")
    next(b for b in at.button if b.label == "新增").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("已新增用户 xiuzhou" in s.value for s in at.success), [s.value for s in at.success]
    row = demo_store.get_user("xiuzhou")
    assert row["role"] == "county" and row["region"] == "330411"


def test_refused_upload_reveals_nothing_of_other_counties(demo_store):
    """The leak of issue 9: 嘉善县's reporter uploads 海宁市's sheet.  Only the refusal reaches the
    page — no ④ preview, none of 海宁's stored figures (old values) in any table or message."""
    haining = "330481"
    stored = demo_store.observations(regions=[haining], periods=["2026-09", "2026-10"])
    old = stored.set_index(["period", "measure"])["value"]
    sheet = ("地区,报告期,指标,数值\n"
             "海宁市,2026-10,数字化改造项目数,3\n"          # far below the stored YTD: would warn
             "海宁市,2026-10,规上工业企业数,9999\n").encode()
    at = run_app(USERS["county"], "pages/upload.py")
    at.get("file_uploader")[0].set_value(("haining.csv", sheet, "text/csv")).run()
    assert not at.exception
    assert any("不能导入" in e.value for e in at.error)
    assert not any("将要变化" in h.value for h in at.subheader)
    assert not [b for b in at.button if b.key == "upload_commit"]
    table = at.table[0].value
    assert "错误代码" not in table.columns   # the stable code is for support and the download
    assert len(table) == 1   # the one refusal (its code is checked through the service below)
    shown = texts(at)
    from jxtrack.present import fmt
    for (_period, measure), v in old.items():
        if measure in ("digital_projects", "industrial_firms"):
            for text in (fmt.number(v, "个"), fmt.number(v, "家"), f"{v:g}"):
                assert text not in shown, f"stored {measure}={v} of 海宁市 shown as {text!r}"
    # the same through the service every surface uses
    from jxtrack.services.importing import preview_import

    res = preview_import(demo_store, sheet, "haining.csv", USERS["county"])
    assert res.status == "rejected" and res.diff.empty and res.values.empty
    assert [p.code for p in res.problems] == ["not_permitted"]


def test_explanation_with_links_and_images_is_plain_text(demo_store):
    """Issue 12 item 3: a 偏差说明 with a link and a tracking image shows as text on 指标详情."""
    import pandas as pd

    evil = "[点此查看整改说明](http://evil.example/phish) ![t](http://127.0.0.1:9/track.png)"
    period = demo_store.latest_period()
    with demo_store.transaction() as con:
        demo_store.record_upload(con, kind="upload", username="jiashan", status="accepted", file_name="n.csv",
                                 file_bytes=b"x", region="330421", period=period,
                                 values=pd.DataFrame([{"region": "330421", "period": period,
                                                       "measure": "digital_projects", "value": 150.0, "note": evil}]))
    at = run_app(USERS["county"], "pages/indicator.py")
    at.selectbox(key="indicator_code").set_value("digital_projects").run()
    at.selectbox(key="indicator_region").set_value("330421").run()
    assert not at.exception
    notes = [i.value for i in at.info if "点此查看整改说明" in i.value]
    assert notes, [i.value for i in at.info]
    for v in notes:
        assert "](http" not in v and "![" not in v and "http://" not in v
