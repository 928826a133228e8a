"""数据上传's result line names the region (never its code) and claims nothing for an unreadable file."""

from __future__ import annotations

from .conftest import USERS, run_app


def test_refused_other_county_file_is_named_and_unreadable_file_claims_no_scope(demo_store):
    at = run_app(USERS["county"], "pages/upload.py")          # 嘉善县's reporter
    sheet = "地区,报告期,指标,数值\n平湖市,2026-02,数字化改造项目数,3\n".encode()
    at.get("file_uploader")[0].set_value(("pinghu.csv", sheet, "text/csv")).run()
    head = at.error[0].value
    assert "平湖市 · 2026年1–2月" in head and "330482" not in head, head
    at.get("file_uploader")[0].set_value(("junk.xlsx", b"not a workbook", "application/octet-stream")).run()
    head = at.error[0].value
    assert "多个地区" not in head and "多个报告期" not in head, head


def test_the_upload_steps_are_numbered_once(demo_store):
    """The county and month are chosen above both tabs; the file tab numbers its own steps ①②③
    (the first heading read “① 下载本月模板” twice, above the selectors and in the tab)."""
    at = run_app(USERS["county"], "pages/upload.py")
    heads = [h.value for h in at.subheader]
    assert heads.count("① 下载本月模板") == 1 and heads[0] == "填报单位和报告期", heads
