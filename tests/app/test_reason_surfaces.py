"""One "reason required" message on every surface: the pages and the CLI say the same sentence
(jxtrack.domain.reasons), and nothing is written."""

from __future__ import annotations

from pathlib import Path

from jxtrack.cli import run as cli
from jxtrack.domain.reasons import message
from jxtrack.services import cycle, importing

from .conftest import USERS, run_app

SAMPLES = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "samples",
                             Path("/work/shared/samples")) if p.exists()), Path("/work/shared/samples"))


def _accepted(store) -> int:
    data = (SAMPLES / "sample_jiashan_2025-09.xlsx").read_bytes()
    res = importing.commit_import(store, data, "s.xlsx", USERS["county"], accept_warnings=True)
    assert res.status == "accepted"
    return res.upload_id


def test_pages_refuse_a_change_without_a_reason_with_the_one_message(demo_store):
    uid = _accepted(demo_store)
    at = run_app(USERS["staff"], "pages/reporting.py")
    at.selectbox(key="withdraw_id").set_value(uid)
    at.text_input(key="withdraw_reason").set_value("   ")
    next(b for b in at.button if b.label == "确认撤回").click().run()
    assert [e.value for e in at.error] == [message("撤回上传")]
    assert demo_store.get_upload(uid)["status"] == "accepted"

    at = run_app(USERS["staff"], "pages/reporting.py")
    at.number_input(key="due_day_value").set_value(12)
    next(b for b in at.button if b.label == "保存截止日").click().run()
    assert [e.value for e in at.error] == [message("修改报送截止日")]
    assert cycle.due_day(demo_store) == 10

    at = run_app(USERS["staff"], "pages/targets.py")
    labels = at.selectbox(key="bind_key").options
    i = next(k for k, lab in enumerate(labels) if "规上亩均税收 · 嘉兴市 · 2026" in lab)
    at.selectbox(key="bind_key").set_value(i).run()
    at.radio(key="bind_source").set_value("LYRH-2024-ZQYJ")
    next(b for b in at.button if b.label == "确认切换").click().run()
    assert [e.value for e in at.error] == [message("切换约束性目标")]


def test_the_cli_says_the_same(demo_store, capsys):
    uid = _accepted(demo_store)
    capsys.readouterr()
    for args, what in ((["rollback", str(uid)], "撤回上传"),
                       (["settings", "due-day", "12"], "修改报送截止日"),
                       (["projects", "bind", "future_factory", "future_factory_draft"], "切换补助规则")):
        assert cli.main(args) == 2
        assert capsys.readouterr().err == f"错误：{message(what)}\n"
    assert demo_store.get_upload(uid)["status"] == "accepted" and cycle.due_day(demo_store) == 10
