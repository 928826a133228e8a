"""督办 rules: the steps between states, overdue on the Beijing calendar, and who may take which step
(the access policy's ``supervise``/``reply``/``supervision`` actions)."""

from __future__ import annotations

from datetime import date

import pytest

from jxtrack.domain import access
from jxtrack.domain import supervision as rules
from jxtrack.domain.access import User

STAFF = User("zb", "staff")
ADMIN = User("ad", "admin")
LEADER = User("ld", "leader")
JIASHAN = User("js", "county", "330421")


def test_steps_between_states():
    assert rules.next_state("pending", "reply") == "replied"
    assert rules.next_state("replied", "press") == "pending"      # 再次督办: back to 待回复
    assert rules.next_state("replied", "close") == "closed"
    assert rules.next_state("pending", "close") == "closed"        # closing without an answer is allowed
    with pytest.raises(ValueError, match="已办结"):
        rules.next_state("closed", "reply")
    with pytest.raises(ValueError, match="尚未回复"):
        rules.next_state("pending", "press")
    with pytest.raises(ValueError, match="不能回复"):
        rules.next_state("replied", "reply")


def test_overdue_only_while_waiting_and_after_the_day():
    by = date(2026, 11, 20)
    assert not rules.is_overdue("pending", by, date(2026, 11, 20))   # the day itself is on time
    assert rules.is_overdue("pending", by, date(2026, 11, 21))
    assert not rules.is_overdue("replied", by, date(2026, 12, 31))   # answered: never overdue
    assert not rules.is_overdue("closed", by, date(2026, 12, 31))
    assert rules.shown_state("pending", by, date(2026, 11, 21)) == "待回复（逾期）"
    assert rules.shown_state("replied", by, date(2026, 11, 21)) == "已回复"


def test_reply_by_in_the_past_is_refused():
    assert rules.check_reply_by(date(2026, 11, 20), date(2026, 11, 20)) is None
    msg = rules.check_reply_by(date(2026, 11, 19), date(2026, 11, 20))
    assert "已过" in msg and "2026-11-19" in msg


def test_who_may_take_which_step():
    for who in (STAFF, ADMIN):
        assert access.allowed(who, "supervise", "330421")
        assert not access.allowed(who, "reply", "330421")   # the answer is the county's own
    assert not access.allowed(JIASHAN, "supervise", "330421")
    assert access.allowed(JIASHAN, "reply", "330421")
    assert not access.allowed(JIASHAN, "reply", "330402")   # another county's notice
    assert not access.allowed(LEADER, "supervise", "330421")
    assert not access.allowed(LEADER, "reply", "330421")
    assert access.can(LEADER, "supervision") and not access.can(JIASHAN, "supervision")
    with pytest.raises(access.PermissionDenied, match="只能回复嘉善县的督办"):
        access.ensure(JIASHAN, "reply", "330402", names={"330421": "嘉善县", "330402": "南湖区"})
    with pytest.raises(access.PermissionDenied, match="仅限市工作专班、管理员"):
        access.ensure(JIASHAN, "supervise", "330421")
