"""The review's pure rules: states from the figures in force and the last decision, which step may
follow which, and who may take it (the access policy)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jxtrack.domain import access
from jxtrack.domain import review as rules
from jxtrack.domain.access import User
from jxtrack.domain.reasons import ReasonRequired, message
from jxtrack.domain.review import Decision, Review

AT = datetime(2026, 11, 12, 2, 0, tzinfo=UTC)


def _dec(kind, upload_id=5, reason=None):
    return Decision(kind, upload_id, reason, "zhuanban", AT)


@pytest.mark.parametrize(("upload", "decision", "state"), [
    (None, None, rules.NOT_REPORTED),
    (5, None, rules.SUBMITTED),
    (5, _dec("approved"), rules.APPROVED),
    (5, _dec("returned", reason="口径不符"), rules.RETURNED),
    (6, _dec("returned", reason="口径不符"), rules.SUBMITTED),   # a corrected upload after a return
    (5, _dec("reopened", reason="统计局更正"), rules.SUBMITTED),
    (None, _dec("approved"), rules.NOT_REPORTED),                 # nothing in force any more
])
def test_state_of(upload, decision, state):
    assert rules.state_of(upload, decision) == state


def _rev(state, decision=None):
    return Review("330421", "嘉善县", "2026-10", state, 5, decision)


def test_steps_follow_the_states():
    assert rules.check_step(rules.APPROVE, _rev(rules.SUBMITTED)) is None
    assert rules.check_step(rules.APPROVE, _rev(rules.RETURNED)) is None
    assert rules.check_step(rules.RETURN, _rev(rules.SUBMITTED), "  口径不符 ") == "口径不符"
    assert rules.check_step(rules.REOPEN, _rev(rules.APPROVED), "统计局更正") == "统计局更正"
    with pytest.raises(rules.ReviewRefused, match="嘉善县2026年10月的报表尚未报送，不能审核通过"):
        rules.check_step(rules.APPROVE, _rev(rules.NOT_REPORTED))
    with pytest.raises(rules.ReviewRefused, match="已锁定"):
        rules.check_step(rules.RETURN, _rev(rules.APPROVED), "再看看")
    with pytest.raises(rules.ReviewRefused, match="无需重新打开"):
        rules.check_step(rules.REOPEN, _rev(rules.SUBMITTED), "x")
    with pytest.raises(rules.ReviewRefused, match="请等区县更正"):
        rules.check_step(rules.RETURN, _rev(rules.RETURNED), "再退")


@pytest.mark.parametrize("step", [rules.RETURN, rules.REOPEN])
def test_return_and_reopen_need_a_reason(step):
    state = rules.SUBMITTED if step == rules.RETURN else rules.APPROVED
    what = "退回这份报表" if step == rules.RETURN else "重新打开这份报表"
    with pytest.raises(ReasonRequired) as refused:   # the one reason rule and its one message
        rules.check_step(step, _rev(state), "   ")
    assert str(refused.value) == message(what)


def test_the_return_reason_is_shown_only_while_returned():
    assert _rev(rules.RETURNED, _dec("returned", reason="口径不符")).return_reason == "口径不符"
    assert _rev(rules.SUBMITTED, _dec("returned", reason="口径不符")).return_reason is None
    assert _rev(rules.APPROVED, _dec("approved")).locked


@pytest.mark.parametrize(("role", "region", "may"), [
    ("admin", None, True), ("staff", None, True), ("county", "330421", False), ("leader", None, False),
])
def test_who_may_review_and_reopen(role, region, may):
    u = User("u", role, region)
    for action in ("review", "reopen"):
        assert access.can(u, action) is may
        assert access.allowed(u, action, "330421") is may   # a county not even its own
    if not may:
        with pytest.raises(access.PermissionDenied, match="仅限市工作专班、管理员"):
            access.ensure(u, "review", "330421")
