"""The review (审核) on 报送情况 through AppTest: staff see a county's figures beside last month and
last year and approve or return it; the county sees a return's reason on 报送情况, the upload page
and its county page; an approved month refuses the web upload as the CLI's."""

from __future__ import annotations

from jxtrack.domain import review as rules
from jxtrack.services import review

from .conftest import JIASHAN, USERS, run_app, texts

PERIOD = "2026-10"   # the demo's newest month


def _pick(at, region: str = JIASHAN):
    at.selectbox(key="reporting_review_period").set_value(PERIOD).run()
    at.selectbox(key="reporting_review_region").set_value(region).run()
    return at


def _click(at, label: str):
    [b] = [b for b in at.button if b.label == label]
    b.click().run()
    return at


def test_staff_approve_on_the_reporting_page_and_the_web_upload_is_refused(demo_store):
    at = _pick(run_app(USERS["staff"], "pages/reporting.py"))
    assert not at.exception, [e.value for e in at.exception]
    # every county's demo figures are reported and wait for review
    assert "… 待审核 **7**" in texts(at)
    [figs] = [d.value for d in at.dataframe if "去年同期" in d.value.columns]
    assert list(figs.columns) == ["指标项", "单位", "本期", "上月", "去年同期", "偏差说明"]
    obs = demo_store.observations(periods=[PERIOD, "2026-09", "2025-10"], regions=[JIASHAN],
                                  measures=["digital_projects"]).set_index("period")["value"]
    row = figs[figs["指标项"] == "数字化改造项目数"].iloc[0]
    assert (row["本期"], row["上月"], row["去年同期"]) == (obs[PERIOD], obs["2026-09"], obs["2025-10"])

    at = _click(at, "审核通过")
    assert not at.exception
    assert review.review_of(demo_store, JIASHAN, PERIOD).state == rules.APPROVED
    assert any("嘉善县2026年10月：已审核" in s.value for s in at.success)

    up = run_app(USERS["county"], "pages/upload.py")
    up.selectbox(key=f"upload_period_{JIASHAN}").set_value(PERIOD).run()
    assert any("已审核通过（已锁定）" in w.value for w in up.warning)
    sheet = f"地区,报告期,指标,数值\n嘉善县,{PERIOD},数字化改造项目数,99\n".encode()
    up.get("file_uploader")[0].set_value(("jiashan.csv", sheet, "text/csv")).run()
    assert not up.exception
    assert any("不能导入" in e.value for e in up.error)
    assert "已锁定" in texts(up)
    assert not [b for b in up.button if b.key == "upload_commit"]
    assert demo_store.uploads().iloc[0]["status"] == "rejected"


def test_a_return_and_its_reason_reach_the_county(demo_store):
    at = _pick(run_app(USERS["staff"], "pages/reporting.py"))
    at = _click(at, "退回区县更正")                   # no reason: refused, nothing stored
    assert any("请写明退回这份报表的原因" in e.value for e in at.error)
    assert review.review_of(demo_store, JIASHAN, PERIOD).state == rules.SUBMITTED
    at = _pick(run_app(USERS["staff"], "pages/reporting.py"))
    at.text_input(key="review_reason").set_value("规上工业增加值与统计局快报不符，请核实")
    at = _click(at, "退回区县更正")
    assert not at.exception
    assert review.review_of(demo_store, JIASHAN, PERIOD).state == rules.RETURNED

    reason = "规上工业增加值与统计局快报不符，请核实"
    mine = run_app(USERS["county"], "pages/reporting.py")
    assert not mine.exception
    assert any(reason in e.value and "已被市工作专班退回" in e.value for e in mine.error)
    assert "↩ 已退回" in texts(mine)
    up = run_app(USERS["county"], "pages/upload.py")
    up.selectbox(key=f"upload_period_{JIASHAN}").set_value(PERIOD).run()
    assert any(reason in e.value for e in up.error)
    page = run_app(USERS["county"], "pages/county.py")
    assert not page.exception
    assert any(reason in e.value for e in page.error)


def test_a_leader_sees_the_states_and_no_review_buttons(demo_ro):
    at = run_app(USERS["leader"], "pages/reporting.py")
    assert not at.exception
    assert "待审核" in texts(at)
    assert not [b for b in at.button if b.label in ("审核通过", "退回区县更正", "重新打开")]
