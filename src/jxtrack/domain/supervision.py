"""督办 (supervision of red and yellow items): the states, the steps between them and when a notice
is overdue — pure rules, no storage (``jxtrack.services.supervision`` applies them).

States: 待回复 ``pending`` (the county owes an answer) → 已回复 ``replied`` (measures and an expected
date given) → 已办结 ``closed``.  再次督办 (``press``) sends a replied notice back to 待回复 with a new
ask and a new reply-by date; the earlier answers are kept in its history.

A notice is **overdue** (逾期) while it waits for the county's answer (待回复) and the reply-by date
has passed on the Beijing calendar (``jxtrack.domain.clock``): the reply-by day itself is on time,
as for reports.  A replied or closed notice is never overdue.

Who may take which step is the access policy's (``supervise``: staff/admin open, close, press;
``reply``: the county of the item only).
"""

from __future__ import annotations

from datetime import date

from jxtrack.domain import clock

PENDING, REPLIED, CLOSED = "pending", "replied", "closed"
STATES = {PENDING: "待回复", REPLIED: "已回复", CLOSED: "已办结"}
OVERDUE_WORD = "逾期"

# step -> (states it may start from, state it leads to, its word)
STEPS = {
    "reply": ((PENDING,), REPLIED, "回复"),
    "close": ((PENDING, REPLIED), CLOSED, "办结"),
    "press": ((REPLIED,), PENDING, "再次督办"),
}
# which action of the access policy each step needs
STEP_ACTION = {"open": "supervise", "reply": "reply", "close": "supervise", "press": "supervise"}
LIGHTS_SUPERVISED = ("red", "yellow")   # a notice is opened from a red or yellow item


def state_word(state: str) -> str:
    return STATES.get(state, state)


def next_state(state: str, step: str) -> str:
    """The state after ``step``; ValueError with a Chinese message when the step is not possible."""
    allowed_from, to, word = STEPS[step]
    if state not in allowed_from:
        if state == CLOSED:
            raise ValueError(f"该督办已办结，不能再{word}。")
        if step == "press":
            raise ValueError("该督办尚未回复（待回复），不能再次督办；可等待区县回复，或直接办结。")
        raise ValueError(f"该督办当前为“{state_word(state)}”，不能{word}。")
    return to


def is_overdue(state: str, reply_by: date, today: date | None = None) -> bool:
    """True when the notice waits for an answer and ``reply_by`` has passed (Beijing date)."""
    if state != PENDING:
        return False
    today = clock.today() if today is None else today
    return today > reply_by


def shown_state(state: str, reply_by: date, today: date | None = None) -> str:
    """The state as people read it: 待回复, 待回复（逾期）, 已回复, 已办结."""
    word = state_word(state)
    return f"{word}（{OVERDUE_WORD}）" if is_overdue(state, reply_by, today) else word


def check_reply_by(reply_by: date, today: date | None = None) -> str | None:
    """A refusal (Chinese) when a reply-by date is already past; None when it is fine."""
    today = clock.today() if today is None else today
    if reply_by < today:
        return f"回复期限 {reply_by:%Y-%m-%d} 已过（今天是{clock.zone_label()} {today:%Y-%m-%d}）：请选今天或以后的日期。"
    return None
