"""数据上传: a file the page refuses is on record (as the CLI's refusals are), once however often
the page reruns; nothing else is written (issue 12, item 6)."""

from __future__ import annotations

import json

from .conftest import USERS, run_app


def test_refused_upload_in_the_app_is_recorded_once(demo_store):
    before = demo_store.dump_tables(("observations",))
    n = len(demo_store.uploads())
    at = run_app(USERS["county"], "pages/upload.py")
    bad = "地区,报告期,指标,数值\n嘉善县,2026-10,数字化改造项目数,abc\n".encode()
    at.get("file_uploader")[0].set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception and any("不能导入" in e.value for e in at.error)
    at.run()                                            # reruns (any widget touched)
    at.run()
    ups = demo_store.uploads()
    assert len(ups) == n + 1
    top = ups.iloc[0]
    assert (top["status"], top["user"], top["file_name"]) == ("rejected", "jiashan", "bad.csv")
    audit = demo_store.audit_log(5)
    rejects = audit[audit["action"] == "upload.reject"]
    assert len(rejects) == 1 and json.loads(rejects.iloc[0]["detail"])["bytes_kept"] is True
    assert demo_store.dump_tables(("observations",)) == before
