import pandas as pd
import pytest

from metrics.periods import (
    format_period,
    last_december,
    months_between,
    needed_periods,
    parse_period,
    period_index,
    period_index_series,
    previous_month,
    same_month_last_year,
)


def test_parse_and_format_round_trip():
    assert parse_period("2024-06") == (2024, 6)
    assert format_period(2024, 6) == "2024-06"
    assert format_period(*parse_period("2025-12")) == "2025-12"


@pytest.mark.parametrize("bad", ["2024-6", "2024-13", "2024-00", "24-06", "2024/06", ""])
def test_parse_rejects_malformed_periods(bad):
    with pytest.raises(ValueError, match="报告期"):
        parse_period(bad)


def test_neighbours_cross_year_boundaries():
    assert previous_month("2024-01") == "2023-12"
    assert previous_month("2024-06") == "2024-05"
    assert same_month_last_year("2024-06") == "2023-06"
    assert last_december("2024-06") == "2023-12"
    assert last_december("2024-12") == "2023-12"


def test_months_between():
    # baseline 2023-12 to June 2024: Jan..Jun = 6 months; to Dec 2026: 3 years = 36
    assert months_between("2023-12", "2024-06") == 6
    assert months_between("2023-12", "2026-12") == 36
    assert months_between("2024-06", "2023-12") == -6
    assert period_index("2024-01") - period_index("2023-12") == 1


def test_period_index_series_matches_scalar():
    s = pd.Series(["2023-12", "2024-01", "2026-12"])
    assert period_index_series(s).tolist() == [period_index(p) for p in s]
    with pytest.raises(ValueError):
        period_index_series(pd.Series(["2024-1"]))


def test_needed_periods_june():
    # period, previous month, same month last year, last December; baseline 2023-12 = last December
    assert needed_periods("2024-06") == ["2023-06", "2023-12", "2024-05", "2024-06"]


def test_needed_periods_january_deduplicates_previous_and_december():
    # 2025-01: previous month 2024-12 is also last December; baseline 2023-12; same month 2024-01
    assert needed_periods("2025-01") == ["2023-12", "2024-01", "2024-12", "2025-01"]


def test_needed_periods_custom_baseline():
    assert needed_periods("2025-03", baseline="2022-12") == [
        "2022-12",
        "2024-03",
        "2024-12",
        "2025-02",
        "2025-03",
    ]
