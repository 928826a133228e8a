"""The monthly reporting cycle: the due day (data the working group sets), a period's due date,
and whether a report is late (迟报) or overdue — the one owner of these decisions.

- A month's report is due by the **due day** of the following month (default the 10th, a setting
  in the database that staff/admin change with a reason; audited).  The due day itself is on time.
- Late and overdue are judged on **Beijing dates** (``jxtrack.clock``), whatever zone the server
  runs in: an upload at 2026-11-10 23:30 Beijing time (15:30 UTC) is on time for October with due
  day 10; one at 2026-11-11 00:10 Beijing time (2026-11-10 16:10 UTC) is late.
- System-generated demo figures (示例数据) are never late: nobody uploaded them.

No streamlit; pages and the CLI call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from metrics.periods import Period

from . import access, clock, services
from .auth import User
from .store import Store
from .store import cycle as sql

DUE_DAY_KEY = "due_day"
DEFAULT_DUE_DAY = 10
DUE_DAY_MIN, DUE_DAY_MAX = 1, 28  # every month has a 28th


class CycleError(services.ServiceError):
    """A setting the user can correct; ``str()`` is a Chinese message."""


@dataclass(frozen=True)
class DueDay:
    day: int
    set_by: str | None = None      # None: never set, the default applies
    set_at: datetime | None = None
    reason: str | None = None

    @property
    def caption(self) -> str:
        return due_caption(self.day)


def due_caption(day: int) -> str:
    """The rule in one line, as pages and messages state it."""
    return f"每月数据须在次月 {day} 日前报送"


def due_day_setting(store: Store) -> DueDay:
    """The due day in force, with who set it, when and why."""
    row = sql.setting(store, DUE_DAY_KEY)
    if row is None:
        return DueDay(DEFAULT_DUE_DAY)
    return DueDay(int(row["value"]), row["set_by"], row["set_at"], row["reason"])


def due_day(store: Store) -> int:
    """The due day in force (default 10)."""
    return due_day_setting(store).day


def parse_due_day(value: int | str) -> int:
    """A due day from user input; CycleError (Chinese) unless a whole number 1–28."""
    try:
        day = int(str(value).strip())
    except ValueError:
        raise CycleError(f"报送截止日 “{value}” 不是整数：请填写 {DUE_DAY_MIN}–{DUE_DAY_MAX} 之间的日期，例如 10。") from None
    if not DUE_DAY_MIN <= day <= DUE_DAY_MAX:
        raise CycleError(
            f"报送截止日 {day} 不在 {DUE_DAY_MIN}–{DUE_DAY_MAX} 之间：每个月都有的日子才能作为截止日（2 月只有 28 天）。"
        )
    return day


def set_due_day(store: Store, user: User | None, value: int | str, reason: str) -> DueDay:
    """Change the due day (市工作专班 and 管理员 only); the reason is required and audited."""
    access.ensure(user, "settings")
    day = parse_due_day(value)
    reason = (reason or "").strip()
    if not reason:
        raise CycleError("请写明修改报送截止日的原因（将记入操作日志）。")
    old = due_day_setting(store)
    sql.set_setting(store, DUE_DAY_KEY, str(day), user.username, reason, old=str(old.day))
    return due_day_setting(store)


def due_date(period: str | Period, day: int) -> date:
    """The last on-time day for ``period``'s report: ``day`` of the following month."""
    return Period.parse(period).due_date(day)


def is_late(first_at: datetime, period: str | Period, day: int) -> bool:
    """True when figures first accepted at ``first_at`` came after the due date (Beijing date)."""
    return clock.local_date(first_at) > due_date(period, day)


def is_overdue(period: str | Period, day: int, at: datetime | date | None = None) -> bool:
    """True when the due date has passed at ``at`` (default now), on the Beijing calendar."""
    if at is None:
        today = clock.today()
    elif isinstance(at, datetime):
        today = clock.local_date(at)
    else:
        today = at
    return today > due_date(period, day)


def collecting_period(at: datetime | None = None) -> str:
    """The month whose report is being collected at ``at`` (default now): the month before the
    Beijing date's month (on 2026-11-05 it is 2026-10)."""
    today = clock.local_date(at) if at is not None else clock.today()
    return str(Period(today.year, today.month).previous())

