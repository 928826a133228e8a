"""Reporting periods: strings 'YYYY-MM' naming a month whose figures are year-to-date (1–N月累计).

Everything here is plain arithmetic on (year, month); no dates, no time zones.  ``period_index``
maps a period to a month count so that differences and comparisons are integer arithmetic.
"""

from __future__ import annotations

import re

import pandas as pd

_PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")

DEFAULT_BASELINE = "2023-12"  # the plans' baseline: end of 2023 (2024–2026 plans)


def parse_period(period: str) -> tuple[int, int]:
    """'2024-06' -> (2024, 6); raise ValueError for anything that is not a valid 'YYYY-MM'."""
    m = _PERIOD_RE.match(str(period))
    if not m:
        raise ValueError(f"报告期 “{period}” 格式应为 YYYY-MM，例如 2024-06")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"报告期 “{period}” 的月份应在 01–12 之间")
    return year, month


def format_period(year: int, month: int) -> str:
    """(2024, 6) -> '2024-06'."""
    if not 1 <= month <= 12:
        raise ValueError(f"月份 {month} 应在 1–12 之间")
    return f"{year:04d}-{month:02d}"


def period_year(period: str) -> int:
    return parse_period(period)[0]


def period_month(period: str) -> int:
    return parse_period(period)[1]


def period_index(period: str) -> int:
    """Months since year 0: lets periods be subtracted and compared as integers."""
    year, month = parse_period(period)
    return year * 12 + month - 1


def period_from_index(index: int) -> str:
    """Inverse of ``period_index``."""
    return format_period(index // 12, index % 12 + 1)


def shift_period(period: str, months: int) -> str:
    """The period ``months`` later (negative: earlier)."""
    return period_from_index(period_index(period) + months)


def previous_month(period: str) -> str:
    """'2024-01' -> '2023-12' (the month before, crossing years)."""
    return shift_period(period, -1)


def same_month_last_year(period: str) -> str:
    """'2024-06' -> '2023-06': the comparison base for 同比."""
    return shift_period(period, -12)


def last_december(period: str) -> str:
    """'2024-06' -> '2023-12': last year's full-year figure (seasonality, level paths)."""
    return format_period(period_year(period) - 1, 12)


def december_of(year: int) -> str:
    """The last period of ``year``: deadlines of annual and multi-year targets."""
    return format_period(year, 12)


def months_between(start: str, end: str) -> int:
    """Whole months from ``start`` to ``end`` ('2023-12' -> '2024-06' is 6); negative if reversed."""
    return period_index(end) - period_index(start)


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


def needed_periods(period: str, baseline: str = DEFAULT_BASELINE) -> list[str]:
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
        baseline,
    }
    parse_period(baseline)
    return sorted(wanted, key=period_index)
