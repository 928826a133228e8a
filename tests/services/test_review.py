"""The review (审核) of each county's month, end to end through the services and the CLI: states by
role, an approved month refuses uploads (CLI and service alike) and withdrawals until reopened, a
return's reason reaches the county's reminder, the bulletin's data-status note names the counties
not yet approved, and the setting 审核后才计入通报."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from jxtrack.cli import run as cli
from jxtrack.domain import clock
from jxtrack.domain import review as rules
from jxtrack.domain.access import PermissionDenied, User
from jxtrack.domain.reasons import ReasonRequired
from jxtrack.services import auth, importing, remind, review

STAFF = User("zhuanban", "staff", None, "专班")
ADMIN = User("admin", "admin", None, "管理员")
LEADER = User("lingdao", "leader", None, "领导")
COUNTY = User("jiashan", "county", "330421", "嘉善")
JIASHAN = "330421"
NOV_12 = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)   # 09:00 Beijing, after October's due date


def _csv(value: int, period: str = "2026-10", region: str = "嘉善县") -> bytes:
    return f"地区,报告期,指标,数值\n{region},{period},数字化改造项目数,{value}\n".encode()


def _upload(store, value: int, user: User = COUNTY, **kw) -> importing.ImportResult:
    return importing.commit_import(store, _csv(value, **kw), "jiashan.csv", user, accept_warnings=True)


def _figure(store) -> float:
    obs = store.observations(periods=["2026-10"], regions=[JIASHAN], measures=["digital_projects"])
    return float(obs["value"].iloc[0])


def test_states_through_a_month(empty_store):
    s = empty_store
    assert review.review_of(s, "嘉善县", "2026-10").state == rules.NOT_REPORTED
    first = _upload(s, 12)
    assert first.status == "accepted"
    rev = review.review_of(s, "嘉善县", "2026-10")
    assert (rev.state, rev.upload_id) == (rules.SUBMITTED, first.upload_id)

    back = review.return_report(s, STAFF, "嘉善县", "2026-10", "项目数与经信局台账不符，请核实")
    assert (back.state, back.return_reason) == (rules.RETURNED, "项目数与经信局台账不符，请核实")
    assert _figure(s) == 12.0            # returning deletes nothing: the figures stay in force

    second = _upload(s, 14)              # the correction supersedes them and waits for review again
    assert second.status == "accepted" and _figure(s) == 14.0
    assert review.review_of(s, "嘉善县", "2026-10").state == rules.SUBMITTED

    ok = review.approve(s, ADMIN, "嘉善县", "2026-10")
    assert ok.state == rules.APPROVED and ok.decision.upload_id == second.upload_id
    again = review.reopen(s, STAFF, "嘉善县", "2026-10", "统计局更正了口径")
    assert again.state == rules.SUBMITTED

    log = s.audit_log()
    steps = log[log["action"].str.startswith("review.")].sort_values("audit_id")
    assert list(steps["action"]) == ["review.returned", "review.approved", "review.reopened"]
    assert set(steps["object"]) == {"review:330421:2026-10"}
    detail = json.loads(steps.iloc[0]["detail"])
    assert (detail["from"], detail["reason"], detail["upload_id"]) == (
        "submitted", "项目数与经信局台账不符，请核实", first.upload_id)
    assert json.loads(steps.iloc[2]["detail"])["from"] == "approved"


@pytest.mark.parametrize("user", [COUNTY, LEADER, None])
def test_a_county_cannot_approve_and_a_leader_cannot_write(empty_store, user):
    _upload(empty_store, 12)
    for step in (lambda: review.approve(empty_store, user, "嘉善县", "2026-10"),
                 lambda: review.return_report(empty_store, user, "嘉善县", "2026-10", "不对"),
                 lambda: review.reopen(empty_store, user, "嘉善县", "2026-10", "再开")):
        with pytest.raises(PermissionDenied):
            step()
    assert review.review_of(empty_store, "嘉善县", "2026-10").state == rules.SUBMITTED
    assert not (empty_store.audit_log()["action"].str.startswith("review.")).any()


def test_steps_that_do_not_follow_are_refused_in_chinese(empty_store):
    with pytest.raises(review.ReviewError, match="尚未报送，不能审核通过"):
        review.approve(empty_store, STAFF, "嘉善县", "2026-10")
    _upload(empty_store, 12)
    with pytest.raises(ReasonRequired, match="请写明退回这份报表的原因"):
        review.return_report(empty_store, STAFF, "嘉善县", "2026-10", "  ")
    with pytest.raises(review.ReviewError, match="无需重新打开"):
        review.reopen(empty_store, STAFF, "嘉善县", "2026-10", "x")


def test_an_approved_month_refuses_uploads_and_withdrawals_until_reopened(empty_store):
    s = empty_store
    first = _upload(s, 12)
    review.approve(s, STAFF, "嘉善县", "2026-10")
    for user in (COUNTY, STAFF):          # the working group's own upload too
        res = _upload(s, 15, user)
        assert res.status == "rejected"
        [p] = res.errors
        assert p.code == "period_locked"
        assert "嘉善县2026年10月的报表已由市工作专班审核通过（已锁定），不能再上传" in p.message
        assert "重新打开" in p.message
    assert _figure(s) == 12.0
    with pytest.raises(importing.lookup.ServiceError, match="不能再撤回这次上传"):
        importing.withdraw(s, first.upload_id, STAFF, "重新上传")
    # another month of the same county is not locked
    assert _upload(s, 3, period="2026-11").status == "accepted"
    review.reopen(s, STAFF, "嘉善县", "2026-10", "区县申请更正")
    assert _upload(s, 15).status == "accepted" and _figure(s) == 15.0


def test_the_cli_refuses_a_locked_month_and_reviews_with_the_same_policy(empty_store, tmp_path, capsys):
    s = empty_store
    path = tmp_path / "jiashan.csv"
    path.write_bytes(_csv(12))
    auth.add_user(s, "jiashan", "jiashan-pw-2026", "county", JIASHAN, "admin")
    assert cli.main(["import", str(path), "--as", "jiashan"]) == 0
    capsys.readouterr()
    assert cli.main(["review", "list", "--period", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "嘉善县\t待审核" in out and "南湖区\t未报" in out

    assert cli.main(["review", "approve", "--period", "2026-10", "--region", "嘉善县", "--as", "jiashan"]) == 2
    assert "审核报表仅限市工作专班、管理员" in capsys.readouterr().err

    assert cli.main(["review", "return", "--period", "2026-10", "--region", "嘉善县"]) == 2
    assert "请写明退回这份报表的原因" in capsys.readouterr().err
    assert cli.main(["review", "approve", "--period", "2026-10", "--region", "嘉善县"]) == 0
    assert "嘉善县 2026-10：已报送（待审核） → 已审核。" in capsys.readouterr().out

    path.write_bytes(_csv(20))
    assert cli.main(["import", str(path), "--accept-warnings"]) != 0
    err = capsys.readouterr()
    assert "已锁定" in err.out + err.err
    assert _figure(s) == 12.0
    assert cli.main(["review", "reopen", "--period", "2026-10", "--region", "嘉善县", "--reason", "更正"]) == 0
    capsys.readouterr()
    assert cli.main(["import", str(path), "--accept-warnings"]) == 0
    assert _figure(s) == 20.0


def test_a_returned_reason_reaches_the_countys_reminder(empty_store):
    _upload(empty_store, 12)
    review.return_report(empty_store, STAFF, "嘉善县", "2026-10", "项目数与台账不符")
    rem = remind.build(empty_store, "2026-10", at=NOV_12)
    assert rem.returned == [("嘉善县", "项目数与台账不符")]
    text = remind.render(rem, markdown=False)
    assert "已退回待更正（1个区县）：嘉善县（退回原因：项目数与台账不符）。请按原因更正后重新上传。" in text
    _upload(empty_store, 13)                # corrected: no longer reminded
    assert remind.build(empty_store, "2026-10", at=NOV_12).returned == []


def test_the_bulletin_note_names_the_counties_not_yet_approved(empty_store):
    from jxtrack.reports import bulletin

    _upload(empty_store, 12)
    _upload(empty_store, 7, STAFF, region="平湖市")
    _upload(empty_store, 9, STAFF, region="南湖区")
    review.approve(empty_store, STAFF, "南湖区", "2026-10")
    review.return_report(empty_store, STAFF, "平湖市", "2026-10", "请补充偏差说明")
    with clock.fixed(NOV_12):
        b = bulletin.build(empty_store, "2026-10", today=NOV_12.date())
    [note] = [n for n in b.notes if n.startswith("数据审核")]
    assert note == ("数据审核：待审核：嘉善县；已退回待更正：平湖市"
                    "（其数据已计入本通报，审核中如有更正以更正后的数据为准）。")
    review.approve(empty_store, STAFF, "嘉善县", "2026-10")
    review.approve(empty_store, STAFF, "平湖市", "2026-10")
    assert review.pending_note(empty_store, "2026-10") == ""


def test_the_setting_review_required(empty_store):
    assert review.required_setting(empty_store).on is False        # default: figures count
    with pytest.raises(PermissionDenied):
        review.set_review_required(empty_store, COUNTY, True, "试试")
    with pytest.raises(ReasonRequired, match="原因"):
        review.set_review_required(empty_store, STAFF, True, " ")
    r = review.set_review_required(empty_store, STAFF, True, "专班会议决定")
    assert (r.on, r.set_by, r.reason) == (True, "zhuanban", "专班会议决定")
    _upload(empty_store, 12)
    assert "审核后才计入通报" in review.pending_note(empty_store, "2026-10")
    log = empty_store.audit_log()
    row = log[log["object"] == "setting:review_required"].iloc[0]
    assert json.loads(row["detail"]) == {"old": "off", "new": "on", "reason": "专班会议决定"}


def test_a_county_sees_only_its_own_reviews(empty_store):
    _upload(empty_store, 12)
    _upload(empty_store, 9, STAFF, region="南湖区")
    assert [v.region_name for v in review.reviews(empty_store, "2026-10", COUNTY)] == ["嘉善县"]
    with pytest.raises(PermissionDenied):
        review.review_of(empty_store, "南湖区", "2026-10", COUNTY)
    assert len(review.reviews(empty_store, "2026-10", LEADER)) == 7    # every county, 未报 too


def _actual(b, region_name: str) -> float | None:
    row = b.status[(b.status["indicator_code"] == "digital_projects") & (b.status["region"] == region_name)]
    v = row["actual"].iloc[0]
    return None if v != v or v is None else float(v)


def test_review_required_leaves_unapproved_counties_out_of_the_bulletin(empty_store):
    from jxtrack.reports import bulletin

    _upload(empty_store, 12)
    _upload(empty_store, 9, STAFF, region="南湖区")
    review.approve(empty_store, STAFF, "南湖区", "2026-10")
    with clock.fixed(NOV_12):
        off = bulletin.build(empty_store, "2026-10", today=NOV_12.date())
    # default: both count; the city's total is 12 + 9
    assert (_actual(off, "嘉善县"), _actual(off, "南湖区"), _actual(off, "嘉兴市")) == (12.0, 9.0, 21.0)
    review.set_review_required(empty_store, STAFF, True, "专班会议决定")
    with clock.fixed(NOV_12):
        on = bulletin.build(empty_store, "2026-10", today=NOV_12.date())
    assert (_actual(on, "嘉善县"), _actual(on, "南湖区"), _actual(on, "嘉兴市")) == (None, 9.0, 9.0)
    [note] = [n for n in on.notes if n.startswith("数据审核")]
    assert note == "数据审核：待审核：嘉善县（按工作专班设置“审核后才计入通报”，以上区县本月的数据未计入本通报）。"
    review.approve(empty_store, STAFF, "嘉善县", "2026-10")
    with clock.fixed(NOV_12):
        done = bulletin.build(empty_store, "2026-10", today=NOV_12.date())
    assert _actual(done, "嘉善县") == 12.0 and not [n for n in done.notes if n.startswith("数据审核")]
