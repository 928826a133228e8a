"""The monthly reporting cycle: the due day (data the working group sets), a period's due date,
and whether a report is late (迟报) or overdue — the one owner of these decisions.

- A month's report is due by the **due day** of the following month (default the 10th, a setting
  in the database that staff/admin change with a reason; audited).  The due day itself is on time.
- Late and overdue are judged on **Beijing dates** (``jxtrack.domain.clock``), whatever zone the server
  runs in: an upload at 2026-11-10 23:30 Beijing time (15:30 UTC) is on time for October with due
  day 10; one at 2026-11-11 00:10 Beijing time (2026-11-10 16:10 UTC) is late.
- System-generated demo figures (示例数据) are never late: nobody uploaded them.
- **Which month a screen shows** (``default_period``, ``period_menu``): the newest month that is
  complete enough to judge — every county reported, or its due date has passed (the missing
  counties are then named).  A month still being collected (``PeriodState.collecting``) is shown
  only when chosen, labelled 报送中（已报 1/7 个区县）, and the city's totals of it are not judged
  (``status_table.status`` greys them).  The same rule gives the CLI's default ``--period``, the
  bulletin's and the data-quality check's; reminders and the upload page use the month being
  collected (``collecting_period``, ``upload_periods``).

No streamlit; pages and the CLI call these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from jxtrack.domain import access, clock
from jxtrack.domain.access import User
from jxtrack.domain.reasons import require_reason
from jxtrack.services import lookup
from jxtrack.store import cycle as sql
from jxtrack.store.interface import Store
from metrics.periods import Period, label_ytd

DUE_DAY_KEY = "due_day"
DEFAULT_DUE_DAY = 10
DUE_DAY_MIN, DUE_DAY_MAX = 1, 28  # every month has a 28th


class CycleError(lookup.ServiceError):
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
    reason = require_reason(reason, "修改报送截止日")
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



def due_label(period: str | Period, day: int) -> str:
    """A month not yet due, as 报送情况 shows it: 待报（截止12月10日）."""
    due = due_date(period, day)
    return f"待报（截止{due.month}月{due.day}日）"


# ---- which month a screen shows ------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodState:
    """How far a month's reporting has got at a moment: which counties reported it and whether its
    due date has passed.  Counties only: zones report when asked and the city's own figures are
    not part of a county round."""

    period: str
    due: date
    overdue: bool
    counties: tuple[str, ...]                       # every county's name, in region order
    reported: frozenset[str] = field(default_factory=frozenset)  # names of those that reported

    @property
    def n_counties(self) -> int:
        return len(self.counties)

    @property
    def n_reported(self) -> int:
        return sum(1 for c in self.counties if c in self.reported)

    @property
    def missing(self) -> list[str]:
        return [c for c in self.counties if c not in self.reported]

    @property
    def complete(self) -> bool:
        return self.n_counties > 0 and not self.missing

    @property
    def judged(self) -> bool:
        """Complete enough to judge: every county reported, or the due date has passed."""
        return self.complete or self.overdue

    @property
    def collecting(self) -> bool:
        """Still being collected: some counties have not reported and may still do so on time."""
        return not self.judged

    @property
    def label(self) -> str:
        """报送中（已报 1/7 个区县） for a month being collected, else ''."""
        return f"报送中（已报 {self.n_reported}/{self.n_counties} 个区县）" if self.collecting else ""

    def note(self, name_missing: bool = True) -> str:
        """What a screen says about the month's reporting ('' when every county reported).
        ``name_missing``: name the counties not reported (not to a county reporter)."""
        if self.complete:
            return ""
        due = f"{self.due.month}月{self.due.day}日"
        missing = f"：{'、'.join(self.missing)}" if name_missing and self.missing else ""
        if self.collecting:
            return (f"{label_ytd(self.period)}{self.label}，报送截止{due}；全市合计只含已报区县，"
                    f"暂不评价全市亮灯。尚未报送{missing}。")
        return (f"{label_ytd(self.period)}报送截止{due}已过，{len(self.missing)} 个区县未报送{missing}；"
                "全市合计只含已报区县，暂不评价。")


def period_state(store: Store, period: str, at: datetime | date | None = None,
                 day: int | None = None) -> PeriodState:
    """Who reported ``period`` and whether it is due, at ``at`` (default now, Beijing date)."""
    period = str(Period.parse(period))
    with store.connect():
        day = due_day(store) if day is None else day
        regions = lookup.regions(store)
        reported = set(sql.reported_regions(store, period))
    counties = regions.loc[regions["level"] == "county"].sort_values("sort")
    names = tuple(str(n) for n in counties["name"])
    done = frozenset(str(n) for c, n in zip(counties["code"], counties["name"], strict=True) if c in reported)
    return PeriodState(period, due_date(period, day), is_overdue(period, day, at), names, done)


@dataclass(frozen=True)
class PeriodMenu:
    """The report periods a screen offers, newest first, the one it opens on, and the label of
    each month still being collected."""

    periods: list[str]
    default: str | None
    collecting: dict[str, str] = field(default_factory=dict)   # period -> 报送中（已报 1/7 个区县）

    def label(self, period: str) -> str:
        extra = self.collecting.get(period)
        return f"{label_ytd(period)} · {extra}" if extra else label_ytd(period)


def period_menu(store: Store, at: datetime | date | None = None) -> PeriodMenu:
    """Periods with data (newest first) and the default: the newest month complete enough to judge
    (see the module's docstring); if none is yet, the newest month with data."""
    from jxtrack.services.regions import periods as periods_with_data

    with store.connect():
        periods = periods_with_data(store)
        day = due_day(store)
        collecting: dict[str, str] = {}
        default = None
        for p in periods:
            if is_overdue(p, day, at):   # due dates only grow with the month: older ones are due too
                default = default or p
                break
            state = period_state(store, p, at, day)
            if state.collecting:
                collecting[p] = state.label
            elif default is None:
                default = p
    if default is None and periods:
        default = periods[0]
    return PeriodMenu(periods, default, collecting)


def default_period(store: Store, at: datetime | date | None = None) -> str | None:
    """The month screens, the CLI, the bulletin and the quality check show unless told otherwise."""
    return period_menu(store, at).default


def is_collecting(store: Store, period: str, at: datetime | date | None = None) -> PeriodState | None:
    """``period``'s state when it is still being collected (None when it may be judged): a month
    past its due date needs no query."""
    with store.connect():
        day = due_day(store)
        if is_overdue(period, day, at):
            return None
        state = period_state(store, period, at, day)
    return state if state.collecting else None


def upload_periods(store: Store, region: str, at: datetime | None = None) -> tuple[str, list[str]]:
    """The upload page's report periods for ``region``: its own collecting month first (the month
    after its newest accepted report, but not past the month now being collected; the month being
    collected if it never reported), and the choices, newest first: that month, the month being
    collected and the last 12 months with data (for corrections).  Not "the month after the newest data anywhere": a county that has not
    reported November is offered November even after another county did."""
    from jxtrack.services.regions import periods as periods_with_data

    now_collecting = collecting_period(at)
    with store.connect():
        own = sql.newest_accepted_period(store, region)
        periods = periods_with_data(store)
    own_next = str(Period.parse(own).next()) if own else now_collecting
    default = min(own_next, now_collecting)
    choices = sorted({default, now_collecting, *periods[:12]}, reverse=True)
    return default, choices
