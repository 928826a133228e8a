"""The one "reason required" rule: a change the working group must be able to account for later
(withdrawing an upload, switching a binding target or subsidy rule, a new target source, a
setting such as the due day) is made only with a written reason, which goes into the record.

Every surface (the pages, the CLI, the services behind them) asks :func:`require_reason`, so the
rule and its Chinese message are the same everywhere.  Pure: no I/O.
"""

from __future__ import annotations

from jxtrack.domain.errors import UserError

# {what}: the change, as a verb phrase ("撤回上传", "切换约束性目标")
TEMPLATE = "请写明{what}的原因：原因为必填项，将与操作人、时间一起记入操作日志。"


class ReasonRequired(UserError, ValueError):
    """A change was asked for without a reason; ``str()`` is the Chinese message."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(message(what))


def message(what: str) -> str:
    """The refusal for a change ``what`` made without a reason."""
    return TEMPLATE.format(what=what)


def require_reason(text: object, what: str) -> str:
    """``text`` stripped; ReasonRequired when it is missing or blank (None, '', spaces only)."""
    reason = "" if text is None else str(text).strip()
    if not reason:
        raise ReasonRequired(what)
    return reason
