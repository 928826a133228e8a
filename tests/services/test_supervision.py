"""督办 use cases on the demo database: who may take which step, the whole flow with its history
and audit, overdue judged on the Beijing date with the server in UTC, the bulletin's 督办 section,
reminders of overdue notices, and the CLI with the web's rules."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from jxtrack.cli import run as cli
from jxtrack.domain import clock
from jxtrack.domain.access import OPERATOR, PermissionDenied, User
from jxtrack.reports import bulletin
from jxtrack.services import remind, status_table, supervision
from jxtrack.store.interface import NotFoundError

STAFF = User("zhuanban", "staff", None)
LEADER = User("lingdao", "leader", None)
JIASHAN_USER = User("jiashan", "county", "330421")
NANHU_USER = User("nanhu", "county", "330402")
JIASHAN, NANHU = "330421", "330402"
# 2026-11-12 10:00 Beijing: October's figures are in, a notice is opened with reply-by 11-20
OPENED = datetime(2026, 11, 12, 2, 0, tzinfo=UTC)
BY = date(2026, 11, 20)
LAST_MINUTE = datetime(2026, 11, 20, 15, 59, tzinfo=UTC)   # 23:59 Beijing on the reply-by day
NEXT_DAY = datetime(2026, 11, 20, 16, 1, tzinfo=UTC)       # 00:01 Beijing on 11-21, still 11-20 in UTC


@pytest.fixture
def utc_server(monkeypatch):
    """The server's own zone is UTC (where a naive date.today() would be a day behind Beijing)."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("JXTRACK_TZ", raising=False)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _light(store, region, indicator, period="2026-10"):
    st = status_table.status(store, period, region)
    return st.loc[st["indicator_code"] == indicator, "light"].iloc[0]


def _open(store, region=JIASHAN, indicator="green_projects", who=STAFF, by=BY):
    return supervision.open_notice(store, who, region=region, indicator=indicator, period="2026-10",
                                   ask="说明落后原因并提出整改措施", reply_by=by)


def test_demo_items_used_here_are_behind(demo_store):
    # the items these tests supervise are red or yellow in the demo data (else open is refused)
    with clock.fixed(OPENED):
        assert _light(demo_store, JIASHAN, "green_projects") == "red"
        assert _light(demo_store, JIASHAN, "lh_projects") == "yellow"
        assert _light(demo_store, NANHU, "lh_projects") == "red"


def test_role_rules(demo_store):
    with clock.fixed(OPENED):
        for who in (JIASHAN_USER, LEADER):
            with pytest.raises(PermissionDenied):
                _open(demo_store, who=who)
        sid = _open(demo_store)
        for who in (STAFF, LEADER, NANHU_USER, OPERATOR):   # only 嘉善县's own reporter answers
            with pytest.raises(PermissionDenied):
                supervision.reply(demo_store, who, sid, measures="x", expected="2026-12-31")
        for who in (JIASHAN_USER, LEADER):
            with pytest.raises(PermissionDenied):
                supervision.close(demo_store, who, sid)
        with pytest.raises(PermissionDenied):   # another county does not even see it
            supervision.notices(demo_store, NANHU_USER, region=JIASHAN)
        assert supervision.notices(demo_store, NANHU_USER).empty
        assert supervision.notices(demo_store, JIASHAN_USER)["supervision_id"].tolist() == [sid]
        assert supervision.notices(demo_store, LEADER)["supervision_id"].tolist() == [sid]


def test_refusals_in_chinese(demo_store):
    with clock.fixed(OPENED):
        with pytest.raises(supervision.SupervisionError, match="不是红灯或黄灯"):
            green = status_table.status(demo_store, "2026-10", JIASHAN)
            code = green.loc[green["light"] == "green", "indicator_code"].iloc[0]
            _open(demo_store, indicator=code)
        with pytest.raises(supervision.SupervisionError, match="不是区县"):
            _open(demo_store, region="330400")
        with pytest.raises(supervision.SupervisionError, match="已过"):
            _open(demo_store, by=date(2026, 11, 11))
        with pytest.raises(supervision.SupervisionError, match="不是日期"):
            _open(demo_store, by="11月20日")
        sid = _open(demo_store)
        with pytest.raises(supervision.SupervisionError, match=f"已有未办结的督办（编号 {sid}）"):
            _open(demo_store)
        with pytest.raises(supervision.SupervisionError, match="请填写整改措施"):
            supervision.reply(demo_store, JIASHAN_USER, sid, measures="  ", expected="2026-12-31")
        with pytest.raises(supervision.SupervisionError, match="尚未回复"):
            supervision.press(demo_store, STAFF, sid, ask="再说", reply_by="2026-11-30")


def test_flow_with_history_and_audit(demo_store):
    with clock.fixed(OPENED):
        sid = _open(demo_store)
        supervision.reply(demo_store, JIASHAN_USER, sid, measures="加快绿色化改造项目入库", expected="2026-12-31")
        n = supervision.notices(demo_store, STAFF).iloc[0]
        assert (n["state"], n["state_label"], n["measures"], n["expected"]) == (
            "replied", "已回复", "加快绿色化改造项目入库", date(2026, 12, 31))
        supervision.press(demo_store, STAFF, sid, ask="请细化到项目", reply_by="2026-11-25")
        n = supervision.notices(demo_store, STAFF).iloc[0]
        assert (n["state"], n["ask"], n["reply_by"]) == ("pending", "请细化到项目", date(2026, 11, 25))
        supervision.reply(demo_store, JIASHAN_USER, sid, measures="12个项目已开工", expected="2026-12-20")
        supervision.close(demo_store, STAFF, sid, "整改到位")
        with pytest.raises(supervision.SupervisionError, match="已办结"):
            supervision.close(demo_store, STAFF, sid)
    assert supervision.notices(demo_store, STAFF, which="open").empty
    assert supervision.notices(demo_store, STAFF, which="closed")["supervision_id"].tolist() == [sid]
    h = supervision.history(demo_store, JIASHAN_USER, sid)
    assert h["step"].tolist() == ["open", "reply", "press", "reply", "close"]
    assert h["actor"].tolist() == ["zhuanban", "jiashan", "zhuanban", "jiashan", "zhuanban"]
    assert h["measures"].iloc[1] == "加快绿色化改造项目入库"   # the first answer is kept
    log = demo_store.audit_log()
    mine = log[log["object"] == f"supervision:{sid}"]
    assert sorted(mine["action"]) == sorted(["supervision.open", "supervision.reply", "supervision.press",
                                             "supervision.reply", "supervision.close"])


def test_second_step_on_a_stale_state_writes_nothing(demo_store):
    from jxtrack.store import supervision as sql

    with clock.fixed(OPENED):
        sid = _open(demo_store)
        with pytest.raises(NotFoundError, match="已被他人处理"):
            sql.take_step(demo_store, sid, step="close", new_state="closed", old_state="replied", actor="x")
    assert supervision.notices(demo_store, STAFF).iloc[0]["state"] == "pending"


def test_overdue_at_the_beijing_day_boundary(demo_store, utc_server):
    with clock.fixed(OPENED):
        sid = _open(demo_store)
    with clock.fixed(LAST_MINUTE):
        assert supervision.notices(demo_store, STAFF, which="overdue").empty
        assert supervision.notices(demo_store, STAFF).iloc[0]["state_label"] == "待回复"
    with clock.fixed(NEXT_DAY):
        assert NEXT_DAY.date() == BY   # the server's own (UTC) date is still the reply-by day
        over = supervision.notices(demo_store, STAFF, which="overdue")
        assert over["supervision_id"].tolist() == [sid]
        assert over.iloc[0]["state_label"] == "待回复（逾期）"
        supervision.reply(demo_store, JIASHAN_USER, sid, measures="已部署", expected="2026-12-31")
        assert supervision.notices(demo_store, STAFF, which="overdue").empty   # answered late: not overdue


def test_bulletin_section_counts(demo_store):
    with clock.fixed(OPENED):
        a = _open(demo_store)                                        # answered
        b = _open(demo_store, indicator="lh_projects")               # left waiting: overdue later
        c = _open(demo_store, region=NANHU, indicator="lh_projects")  # closed without an answer
        supervision.reply(demo_store, JIASHAN_USER, a, measures="已部署", expected="2026-12-31")
        supervision.close(demo_store, STAFF, c, "并入年度考核")
    with clock.fixed(NEXT_DAY):
        s = supervision.summary(demo_store, "2026-10")
        assert (s.opened, s.answered, s.overdue) == (3, 1, 1)
        b_ = bulletin.build(demo_store, "2026-10")
    t = b_.supervision
    assert "发起督办 3 项，区县已回复 1 项；逾期未回复 1 项" in t.note
    assert [r[0] for r in t.rows] == [c, b, a]
    assert [r[4] for r in t.rows] == ["已办结", "待回复（逾期）", "已回复"]
    # a county's bulletin lists only its own county's notices
    with clock.fixed(NEXT_DAY):
        own = bulletin.build(demo_store, "2026-10", JIASHAN_USER).supervision
    assert sorted(r[0] for r in own.rows) == [a, b]


def test_remind_names_overdue_notices(demo_store):
    with clock.fixed(OPENED):
        _open(demo_store)
    assert remind.build(demo_store, "2026-10", at=LAST_MINUTE).supervision_overdue == []
    rem = remind.build(demo_store, "2026-10", at=NEXT_DAY)
    assert rem.supervision_overdue == [("嘉善县", "绿色化改造项目", BY)]
    assert rem.has_news
    text = rem.message().text
    assert "督办逾期未回复（1项）" in text and "嘉善县：绿色化改造项目（回复期限 11月20日）" in text


def test_cli_with_the_web_rules(demo_store, capsys, monkeypatch):
    monkeypatch.setenv("JXTRACK_DB", str(demo_store.key))
    with clock.fixed(OPENED):
        args = ["supervise", "open", "--region", "嘉善县", "--indicator", "green_projects", "--period", "2026-10",
                "--ask", "说明原因", "--reply-by", "2026-11-20"]
        assert cli.main(args + ["--as", "jiashan"]) == 2
        assert "仅限市工作专班、管理员" in capsys.readouterr().err
        assert cli.main(args + ["--as", "zhuanban"]) == 0
        assert "已发起督办（编号 1）" in capsys.readouterr().out
        assert cli.main(["supervise", "reply", "1", "--measures", "加快", "--expected", "2026-12-31"]) == 2
        assert "回复督办仅限区县填报员" in capsys.readouterr().err   # the operator (admin) cannot answer
        assert cli.main(["supervise", "reply", "1", "--measures", "加快", "--expected", "2026-12-31",
                         "--as", "jiashan"]) == 0
        capsys.readouterr()
        assert cli.main(["supervise", "list", "--format", "csv"]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("supervision_id,region,indicator,period,light,state")
        assert out[1].startswith("1,嘉善县,绿色化改造项目,2026-10,▲ 红,已回复,说明原因,2026-11-20,加快,2026-12-31")
        assert cli.main(["supervise", "close", "1", "--as", "zhuanban"]) == 0
        assert cli.main(["supervise", "close", "9"]) == 2
        assert "没有编号为 9 的督办" in capsys.readouterr().err
