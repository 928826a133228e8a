"""Review of a county's monthly report (审核): its states and which step may follow which.

Pure rules, no storage (after DHIS2's data approval and the 送审 → 审核 → 退回 flow of Chinese
reporting platforms).  Every region × period has one state:

============ ==================== ===============================================================
state        word                 meaning
============ ==================== ===============================================================
not_reported 未报                 no figure in force for the month
submitted    已报送（待审核）     figures in force, not yet decided -- or corrected after a return,
                                  or reopened after an approval
approved     已审核               the working group approved it: locked, a new upload (or a
                                  withdrawal) is refused until it is reopened
returned     已退回               sent back with the working group's reason; the figures stay in
                                  force until a corrected upload supersedes them
============ ==================== ===============================================================

The decision stored is the last step taken (``approved``, ``returned``, ``reopened``) with the
upload that was in force when it was taken; a return is answered by any newer upload (then the
report is 待审核 again).  Who may take a step is the access policy's (``review``, ``reopen``:
staff and admin); whether a step may follow the current state, and that a return or a reopening
needs a reason, is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from jxtrack.domain.errors import UserError
from jxtrack.domain.reasons import require_reason

NOT_REPORTED, SUBMITTED, APPROVED, RETURNED = "not_reported", "submitted", "approved", "returned"
STATES = (NOT_REPORTED, SUBMITTED, APPROVED, RETURNED)
WORDS = {NOT_REPORTED: "未报", SUBMITTED: "已报送（待审核）", APPROVED: "已审核", RETURNED: "已退回"}
SHORT = {NOT_REPORTED: "未报", SUBMITTED: "待审核", APPROVED: "已审核", RETURNED: "已退回"}
SYMBOLS = {NOT_REPORTED: "✖", SUBMITTED: "…", APPROVED: "✔", RETURNED: "↩"}

# the steps and the decision each one stores
APPROVE, RETURN, REOPEN = "approve", "return", "reopen"
STEP_WORDS = {APPROVE: "审核通过", RETURN: "退回", REOPEN: "重新打开"}
DECISION_OF = {APPROVE: "approved", RETURN: "returned", REOPEN: "reopened"}
# the access-policy action each step needs
ACTION_OF = {APPROVE: "review", RETURN: "review", REOPEN: "reopen"}
# from which states a step may be taken
_FROM = {APPROVE: (SUBMITTED, RETURNED), RETURN: (SUBMITTED,), REOPEN: (APPROVED,)}


class ReviewRefused(UserError):
    """A step that may not follow the report's state (or lacks its reason); ``str()`` is Chinese."""


@dataclass(frozen=True)
class Decision:
    """The last step taken on a region × period."""

    decision: str                  # approved | returned | reopened
    upload_id: int | None          # the newest upload in force when it was taken
    reason: str | None
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class Review:
    """A region × period's review: its state, the decision behind it, the newest upload in force."""

    region: str
    region_name: str
    period: str
    state: str
    upload_id: int | None = None
    decision: Decision | None = None

    @property
    def word(self) -> str:
        return WORDS[self.state]

    @property
    def short(self) -> str:
        return SHORT[self.state]

    @property
    def locked(self) -> bool:
        return self.state == APPROVED

    @property
    def return_reason(self) -> str | None:
        """The working group's reason when the report stands returned."""
        return self.decision.reason if self.state == RETURNED and self.decision else None


def state_of(upload_id: int | None, decision: Decision | None) -> str:
    """The state from the newest upload in force (None: nothing reported) and the last decision."""
    if upload_id is None:
        return NOT_REPORTED
    if decision is None or decision.decision == "reopened":
        return SUBMITTED
    if decision.decision == "approved":
        return APPROVED
    # returned: a newer upload is the county's correction, to be reviewed again
    if decision.upload_id is not None and upload_id > decision.upload_id:
        return SUBMITTED
    return RETURNED


def check_step(step: str, review: Review, reason: str | None = None) -> str | None:
    """Whether ``step`` may be taken on ``review`` now; returns the cleaned reason (None for an
    approval without one) or raises :class:`ReviewRefused` saying why not and what to do."""
    if step not in _FROM:
        raise ValueError(f"unknown step {step!r}")
    what = f"{review.region_name}{_month(review.period)}的报表"
    if review.state not in _FROM[step]:
        if review.state == NOT_REPORTED:
            raise ReviewRefused(f"{what}尚未报送，不能{STEP_WORDS[step]}。")
        if step == REOPEN:
            raise ReviewRefused(f"{what}当前为“{review.word}”，尚未审核通过，无需重新打开。")
        if review.state == APPROVED:
            raise ReviewRefused(f"{what}已审核通过（已锁定），不能{STEP_WORDS[step]}；如需更正，请先重新打开并写明原因。")
        raise ReviewRefused(f"{what}当前为“{review.word}”，不能{STEP_WORDS[step]}；请等区县更正后重新上传。")
    text = (reason or "").strip()
    if step in (RETURN, REOPEN):
        text = require_reason(text, "退回这份报表" if step == RETURN else "重新打开这份报表")
    return text or None


def _month(period: str) -> str:
    year, month = period.split("-")
    return f"{year}年{int(month)}月"
