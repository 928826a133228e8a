"""The ledger in the data-quality monitor: reported project counts and investment against the ledger,
and projects two counties list."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from ledger_builders import ledger_xlsx, project  # noqa: E402

from jxtrack.domain.access import User  # noqa: E402
from jxtrack.services import (
    projects,  # noqa: E402
    quality,  # noqa: E402
)

STAFF = User("zhuanban", "staff", None, "市工作专班")
PINGHU = User("pinghu", "county", "330482", "平湖市填报员")


def _report(store, region, period, **values):
    v = pd.DataFrame([{"region": region, "period": period, "measure": m, "value": float(x)}
                      for m, x in values.items()])
    with store.transaction() as con:
        uid = store.record_upload(con, kind="upload", username="t", status="accepted", file_name="m.xlsx",
                                  file_bytes=repr(values).encode(), values=v)
        store.audit(con, "t", "upload.accept", f"upload:{uid}")


def test_reported_counts_against_ledger(empty_store):
    rows = [project(1, start=date(2025, 1, 5), total=3000),                       # digital
            project(2, start=date(2025, 6, 30), total=1000, type="数字化改造"),     # digital
            project(3, start=date(2025, 7, 1), total=9000, accept=None),                     # after June: not counted
            project(4, start=date(2025, 3, 1), total=1000, type="节能改造"),        # green
            project(5, start=date(2024, 3, 1), total=7000)]                       # last year
    assert projects.commit_ledger(empty_store, ledger_xlsx(rows), "l.xlsx", STAFF).status == "accepted"
    # ledger to June: digital 2, green 1, investment (3000 + 1000 + 1000) 万元 = 0.5 亿元
    _report(empty_store, "330421", "2025-06", digital_projects=3, green_projects=1, tech_investment=0.5)
    _report(empty_store, "330482", "2025-06", digital_projects=40)             # 平湖 has no ledger
    w = quality.check(empty_store, "2025-06", today=date(2025, 7, 1))
    hit = w[w["check"] == "ledger_mismatch"]
    assert hit[["region", "measure", "value", "reference"]].values.tolist() == [
        ["嘉善县", "digital_projects", 3.0, "项目库：2个"]]
    assert "项目库中当年开工的数字化改造类项目为2个" in hit["message"].iloc[0]
    assert hit["severity"].iloc[0] == "warning"


def test_investment_difference_and_duplicates(empty_store):
    rows = [project(1, start=date(2025, 2, 1), total=3000), project(2, region="平湖市", start=date(2025, 2, 1))]
    projects.commit_ledger(empty_store, ledger_xlsx(rows), "l.xlsx", STAFF)
    projects.commit_ledger(empty_store, ledger_xlsx([project(1, region="平湖市", start=date(2025, 2, 1))]),
                           "p.xlsx", STAFF, accept_warnings=True, confirm_remove=True)
    _report(empty_store, "330421", "2025-03", digital_projects=1, tech_investment=0.31)   # 0.30 in the ledger
    w = quality.check(empty_store, "2025-03", today=date(2025, 4, 1))
    inv = w[(w["check"] == "ledger_mismatch")]
    assert inv[["measure", "reference"]].values.tolist() == [["tech_investment", "项目库：0.30亿元"]]
    dup = w[w["check"] == "ledger_duplicate"]
    assert dup[["region", "reference"]].values.tolist() == [["嘉善县", "嘉善县、平湖市"]]
    # 平湖's ledger was replaced: 项目2 is no longer in force, 项目1 is now in both counties
    assert "企业1的“项目1”" in dup["message"].iloc[0]
    # a county sees findings about itself only
    assert set(quality.check(empty_store, "2025-03", PINGHU, today=date(2025, 4, 1))["region"]) <= {"平湖市", "嘉兴市"}


def test_bulletin_fund_section(demo_store):
    import io

    import openpyxl
    from docx import Document

    from jxtrack.reports import bulletin, excel, word

    b = bulletin.build(demo_store, "2026-10")
    assert b.fund is None                                   # no ledger: no section
    rows = [project(1, grade="A", start=date(2026, 1, 5), accept=date(2026, 9, 30)),        # 1500
            project(2, grade="C", start=date(2026, 2, 1), accept=None, plist="是")]          # 600 × 60 % = 360
    projects.commit_ledger(demo_store, ledger_xlsx(rows), "l.xlsx", STAFF)
    b = bulletin.build(demo_store, "2026-10", today=date(2026, 11, 5))
    assert b.fund.rows == [[2026, 10000.0, 1860.0, 360.0, 8140.0, 0.186]]
    buf = io.BytesIO()
    excel.write_xlsx(b, buf)
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["资金使用"]
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert 1860 in values and 8140 in values
    buf = io.BytesIO()
    word.write_docx(b, buf)
    doc = Document(io.BytesIO(buf.getvalue()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "资金使用" in text
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "1,860" in cells and "18.6%" in cells
    # a county user's bulletin has no city fund: its committed total would reveal the other counties'
    county = User("jiashan", "county", "330421", "嘉善县填报员")
    assert bulletin.build(demo_store, "2026-10", county, today=date(2026, 11, 5)).fund is None
