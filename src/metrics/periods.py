"""Reporting periods: 'YYYY-MM' naming a month whose figures are year-to-date (1–N月累计).

The one owner of the concept: ``Period`` (parse, arithmetic, due date), the plans' ``BASELINE``
and every way a period is written for people, each style a named function:

- ``label_ytd``         '2026年1–10月'  a period's figures on screen and on paper (YTD wording)
- ``label_ytd_short``   '1–10月'        the same without the year, where the year is already said
- ``label_month``       '2026年10月'    the calendar month itself (a report *for* October)
- ``label_month_short`` '10月'          a month column in a year's grid

Plain arithmetic on (year, month); no clocks, no time zones (those are ``jxtrack.domain.clock``'s).
The string functions below (``parse_period``, ``period_index``…) are the same arithmetic for code
that keeps periods as 'YYYY-MM' text in DataFrames.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")
_YTD_DASH = "–"  # one dash for month ranges everywhere (screen, Word, Excel, messages)


@dataclass(frozen=True, order=True)
class Period:
    """A report month.  ``Period.parse('2026-10')``; ``str(p)`` gives back '2026-10'."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"月份 {self.month} 应在 1–12 之间")
        if not 1000 <= self.year <= 9999:
            raise ValueError(f"年份 {self.year} 应为四位数")

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """'2026-10' -> Period(2026, 10); ValueError (Chinese message) for anything else."""
        if isinstance(text, Period):
            return text
        m = _PERIOD_RE.match(str(text).strip())
        if not m:
            raise ValueError(f"报告期 “{text}” 格式应为 YYYY-MM，例如 2024-06")
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"报告期 “{text}” 的月份应在 01–12 之间")
        return cls(year, month)

    @classmethod
    def from_index(cls, index: int) -> Period:
        """Inverse of ``index``."""
        return cls(index // 12, index % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def index(self) -> int:
        """Months since year 0: periods subtract and compare as integers."""
        return self.year * 12 + self.month - 1

    def __add__(self, months: int) -> Period:
        if not isinstance(months, int):
            return NotImplemented
        return Period.from_index(self.index + months)

    def __sub__(self, other):
        """``p - 3`` is three months earlier; ``p - q`` is the number of months from q to p."""
        if isinstance(other, Period):
            return self.index - other.index
        if isinstance(other, int):
            return Period.from_index(self.index - other)
        return NotImplemented

    def previous(self) -> Period:
        """The month before (环比), crossing years."""
        return self + -1

    def next(self) -> Period:
        return self + 1

    def same_month_last_year(self) -> Period:
        """The comparison base for 同比."""
        return self + -12

    def last_december(self) -> Period:
        """Last year's full-year figure (seasonality, level paths)."""
        return Period(self.year - 1, 12)

    def months_of_year_to_date(self) -> list[Period]:
        """January to this month of the same year: the months a YTD figure covers."""
        return [Period(self.year, m) for m in range(1, self.month + 1)]

    @classmethod
    def months_of_year(cls, year: int) -> list[Period]:
        """January to December of ``year``."""
        return [cls(year, m) for m in range(1, 13)]

    def due_date(self, due_day: int) -> date:
        """The last day this month's report is on time: ``due_day`` of the following month."""
        n = self.next()
        return date(n.year, n.month, due_day)


# the plans' baseline: end of 2023 (the 2024–2026 plans count cumulative targets from here)
BASELINE = Period(2023, 12)


# ---- labels: one named function per style ----------------------------------------------------
def label_ytd(period: str | Period) -> str:
    """'2026-10' -> '2026年1–10月'; January alone -> '2026年1月'."""
    p = Period.parse(period)
    return f"{p.year}年{label_ytd_short(p)}"


def label_ytd_short(period: str | Period) -> str:
    """'2026-10' -> '1–10月'; '2026-01' -> '1月' (year-to-date wording of Chinese statistics)."""
    p = Period.parse(period)
    return "1月" if p.month == 1 else f"1{_YTD_DASH}{p.month}月"


def label_month(period: str | Period) -> str:
    """'2026-10' -> '2026年10月': the calendar month a report is for."""
    p = Period.parse(period)
    return f"{p.year}年{p.month}月"


def label_month_short(period: str | Period) -> str:
    """'2026-10' -> '10月': a month column in a year's grid."""
    return f"{Period.parse(period).month}月"


# ---- the same arithmetic on 'YYYY-MM' text ---------------------------------------------------
def parse_period(period: str | Period) -> tuple[int, int]:
    """'2024-06' -> (2024, 6); raise ValueError for anything that is not a valid 'YYYY-MM'."""
    p = Period.parse(period)
    return p.year, p.month


def format_period(year: int, month: int) -> str:
    """(2024, 6) -> '2024-06'."""
    return str(Period(year, month))


def period_year(period: str) -> int:
    return Period.parse(period).year


def period_month(period: str) -> int:
    return Period.parse(period).month


def period_index(period: str | Period) -> int:
    """Months since year 0: lets periods be subtracted and compared as integers."""
    return Period.parse(period).index


def period_from_index(index: int) -> str:
    """Inverse of ``period_index``."""
    return str(Period.from_index(index))


def shift_period(period: str | Period, months: int) -> str:
    """The period ``months`` later (negative: earlier)."""
    return str(Period.parse(period) + months)


def previous_month(period: str | Period) -> str:
    """'2024-01' -> '2023-12' (the month before, crossing years)."""
    return str(Period.parse(period).previous())


def same_month_last_year(period: str | Period) -> str:
    """'2024-06' -> '2023-06': the comparison base for 同比."""
    return str(Period.parse(period).same_month_last_year())


def last_december(period: str | Period) -> str:
    """'2024-06' -> '2023-12': last year's full-year figure (seasonality, level paths)."""
    return str(Period.parse(period).last_december())


def december_of(year: int) -> str:
    """The last period of ``year``: deadlines of annual and multi-year targets."""
    return format_period(year, 12)


def months_between(start: str | Period, end: str | Period) -> int:
    """Whole months from ``start`` to ``end`` ('2023-12' -> '2024-06' is 6); negative if reversed."""
    return Period.parse(end) - Period.parse(start)


def year_to_date(period: str | Period) -> list[str]:
    """'2026-03' -> ['2026-01', '2026-02', '2026-03']."""
    return [str(p) for p in Period.parse(period).months_of_year_to_date()]


def periods_between(start: str | Period, end: str | Period) -> list[str]:
    """Every period from ``start`` to ``end``, both included, ascending (empty if reversed)."""
    a, b = Period.parse(start), Period.parse(end)
    return [str(Period.from_index(i)) for i in range(a.index, b.index + 1)]


def months_of_year(year: int) -> list[str]:
    """'YYYY-01' … 'YYYY-12'."""
    return [str(p) for p in Period.months_of_year(year)]


def period_index_series(periods: pd.Series) -> pd.Series:
    """Vectorised ``period_index`` for a Series of 'YYYY-MM' strings (invalid -> ValueError)."""
    s = periods.astype(str)
    parts = s.str.extract(_PERIOD_RE)
    if parts.isna().any().any():
        bad = s[parts[0].isna()].unique().tolist()
        raise ValueError(f"报告期格式应为 YYYY-MM：{bad[:5]}")
    year = parts[0].astype(int)
    month = parts[1].astype(int)
    if not month.between(1, 12).all():
        raise ValueError(f"报告期的月份应在 01–12 之间：{s[~month.between(1, 12)].unique().tolist()[:5]}")
    return year * 12 + month - 1


def needed_periods(period: str, baseline: str | Period = BASELINE) -> list[str]:
    """Every period the status for ``period`` reads, ascending and without repeats.

    The period itself, the previous month (环比), the same month last year (同比, seasonality),
    last year's December (level path start, seasonality) and the plan baseline (cumulative path),
    so the storage layer fetches only these.
    """
    wanted = {
        period,
        previous_month(period),
        same_month_last_year(period),
        last_december(period),
        str(Period.parse(baseline)),
    }
    return sorted(wanted, key=period_index)
