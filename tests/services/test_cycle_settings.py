"""The due day is data: shown, changed by staff/admin with a reason (audited), validated 1–28,
and used by every judgement of 迟报."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from jxtrack.cli import run as cli
from jxtrack.domain import clock
from jxtrack.domain.access import PermissionDenied, User
from jxtrack.services import cycle, quality, submissions

STAFF = User("zhuanban", "staff", None, "专班")
ADMIN = User("admin", "admin", None, "管理员")
LEADER = User("lingdao", "leader", None, "领导")
COUNTY = User("jiashan", "county", "330421", "嘉善")
NANHU = "330402"


def test_default_is_the_tenth(empty_store):
    d = cycle.due_day_setting(empty_store)
    assert (d.day, d.set_by) == (10, None)
    assert d.caption == "每月数据须在次月 10 日前报送"


def test_staff_changes_it_with_a_reason_and_it_is_audited(empty_store):
    with clock.fixed(datetime(2026, 11, 5, 1, 0, tzinfo=UTC)):  # 09:00 Beijing
        d = cycle.set_due_day(empty_store, STAFF, "12", "  国庆假期顺延 ")
    assert (d.day, d.set_by, d.reason) == (12, "zhuanban", "国庆假期顺延")
    assert clock.show(d.set_at) == "2026-11-05 09:00"
    assert cycle.due_day(empty_store) == 12
    log = empty_store.audit_log()
    row = log[log["action"] == "setting.set"].iloc[0]
    assert (row["actor"], row["object"]) == ("zhuanban", "setting:due_day")
    assert json.loads(row["detail"]) == {"old": "10", "new": "12", "reason": "国庆假期顺延"}
    cycle.set_due_day(empty_store, ADMIN, 15, "再调整")
    assert cycle.due_day(empty_store) == 15


@pytest.mark.parametrize("user", [LEADER, COUNTY, None])
def test_only_staff_and_admin_may_change_it(empty_store, user):
    with pytest.raises(PermissionDenied):
        cycle.set_due_day(empty_store, user, 12, "想改")
    assert cycle.due_day(empty_store) == 10


@pytest.mark.parametrize("bad", ["0", "29", "31", "-1", "abc", "10.5", ""])
def test_bad_days_are_refused_in_chinese(empty_store, bad):
    with pytest.raises(cycle.CycleError, match="截止日"):
        cycle.set_due_day(empty_store, STAFF, bad, "试试")
    assert cycle.due_day(empty_store) == 10


def test_a_reason_is_required(empty_store):
    with pytest.raises(cycle.CycleError, match="原因"):
        cycle.set_due_day(empty_store, STAFF, 12, "   ")
    assert cycle.due_day(empty_store) == 10


def test_the_setting_moves_every_late_judgement(empty_store):
    """Nanhu first uploads October on 2026-11-11 at 10:00 Beijing: late with day 10, on time with 12."""
    values = pd.DataFrame({"region": [NANHU], "period": ["2026-10"], "measure": ["digital_projects"],
                           "value": [10.0]})
    with clock.fixed(datetime(2026, 11, 11, 2, 0, tzinfo=UTC)), empty_store.transaction() as con:
        empty_store.record_upload(con, kind="upload", username="t", status="accepted", region=NANHU,
                                  period="2026-10", values=values)
    later = datetime(2026, 11, 20, tzinfo=UTC)
    assert submissions.submission_matrix(empty_store, 2026, STAFF, today=later).loc["南湖区", "10月"] == "late"
    assert "late_report" in set(quality.check(empty_store, "2026-10", today=date(2026, 11, 20))["check"])
    cycle.set_due_day(empty_store, STAFF, 12, "顺延")
    assert submissions.submission_matrix(empty_store, 2026, STAFF, today=later).loc["南湖区", "10月"] == "reported"
    assert "late_report" not in set(quality.check(empty_store, "2026-10", today=date(2026, 11, 20))["check"])


def test_cli_shows_and_sets(empty_store, capsys):
    assert cli.main(["settings", "due-day"]) == 0
    assert "次月 10 日（默认值" in capsys.readouterr().out
    assert cli.main(["settings", "due-day", "12", "--reason", "顺延", "--as", "nobody"]) == 2
    assert "没有用户" in capsys.readouterr().err
    assert cli.main(["settings", "due-day", "12"]) == 2
    assert "原因" in capsys.readouterr().err
    assert cli.main(["settings", "due-day", "40", "--reason", "x"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "1–28" in err
    assert cli.main(["settings", "due-day", "12", "--reason", "顺延"]) == 0
    assert "改为次月 12 日" in capsys.readouterr().out
    assert cli.main(["settings", "due-day"]) == 0
    out = capsys.readouterr().out
    assert "次月 12 日" in out and "operator" in out and "顺延" in out


def test_cli_refuses_a_leader(demo_store, capsys):
    assert cli.main(["settings", "due-day", "12", "--reason", "x", "--as", "lingdao"]) == 2
    assert "修改系统设置仅限市工作专班、管理员" in capsys.readouterr().err
    assert cycle.due_day(demo_store) == 10
