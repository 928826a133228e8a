import numpy as np
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
    year_month,
)


def test_parse_and_format_round_trip():
    assert year_month("2024-06") == (2024, 6)
    assert parse_period(" 2024-06") == "2024-06"
    assert format_period(2024, 6) == "2024-06"
    assert format_period(*year_month("2025-12")) == "2025-12"


@pytest.mark.parametrize("bad", ["2024-6", "2024-13", "2024-00", "24-06", "2024/06", ""])
def test_parse_rejects_malformed_periods(bad):
    with pytest.raises(ValueError, match="报告期"):
        parse_period(bad)
    with pytest.raises(ValueError, match="报告期"):
        year_month(bad)


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


# ---- the Period type (one owner of period arithmetic and labels) -------------------------------
from datetime import date  # noqa: E402

from metrics.periods import (  # noqa: E402
    BASELINE,
    Period,
    label_month,
    label_month_short,
    label_ytd,
    label_ytd_short,
    months_of_year,
    periods_between,
    year_to_date,
)


def test_period_parse_and_text():
    p = Period.parse("2026-10")
    assert (p.year, p.month) == (2026, 10)
    assert str(p) == "2026-10"
    assert Period.parse(p) is p
    assert str(Period(2026, 3)) == "2026-03"


@pytest.mark.parametrize("bad", ["2026-13", "2026-00", "2026-1", "2026/10", "202610", "abc", ""])
def test_period_parse_refuses_with_a_chinese_message(bad):
    with pytest.raises(ValueError, match="报告期"):
        Period.parse(bad)


def test_period_rejects_impossible_months_on_construction():
    with pytest.raises(ValueError, match="月份"):
        Period(2026, 13)


def test_period_arithmetic_crosses_years():
    p = Period(2026, 1)
    assert p + 1 == Period(2026, 2)
    assert p - 1 == Period(2025, 12)            # January minus one month: last December
    assert p + 11 == Period(2026, 12)
    assert p + 12 == Period(2027, 1)
    assert Period(2026, 10) - 22 == Period(2024, 12)  # 10 + 12 = 22 months back
    assert Period(2026, 10) - Period(2023, 12) == 34  # 2024–2025: 24 months, + 10 of 2026
    assert p.previous() == Period(2025, 12)
    assert Period(2025, 12).next() == Period(2026, 1)
    assert Period(2026, 10).same_month_last_year() == Period(2025, 10)
    assert Period(2026, 10).last_december() == Period(2025, 12)
    assert Period(2026, 12).last_december() == Period(2025, 12)
    assert Period(2026, 10).index == 2026 * 12 + 9
    assert Period.from_index(2026 * 12 + 9) == Period(2026, 10)
    assert Period(2025, 12) < Period(2026, 1) < Period(2026, 2)


def test_months_of_year_to_date():
    assert Period(2026, 3).months_of_year_to_date() == [Period(2026, 1), Period(2026, 2), Period(2026, 3)]
    assert Period(2026, 1).months_of_year_to_date() == [Period(2026, 1)]
    assert len(Period(2026, 12).months_of_year_to_date()) == 12
    assert year_to_date("2026-03") == ["2026-01", "2026-02", "2026-03"]
    assert months_of_year(2025)[0] == "2025-01" and months_of_year(2025)[-1] == "2025-12"
    assert len(months_of_year(2025)) == 12
    assert periods_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert periods_between("2026-02", "2025-11") == []


def test_due_date_is_the_day_of_the_following_month():
    assert Period(2026, 10).due_date(10) == date(2026, 11, 10)
    assert Period(2026, 12).due_date(10) == date(2027, 1, 10)   # December's report is due in January
    assert Period(2026, 1).due_date(28) == date(2026, 2, 28)


def test_baseline_is_the_plans_end_of_2023():
    assert BASELINE == Period(2023, 12)
    assert needed_periods("2024-06", BASELINE) == needed_periods("2024-06", "2023-12")


def test_label_styles():
    assert label_ytd("2026-10") == "2026年1–10月"
    assert label_ytd("2026-02") == "2026年1–2月"
    assert label_ytd("2026-01") == "2026年1月"
    assert label_ytd_short("2026-10") == "1–10月"
    assert label_ytd_short("2026-01") == "1月"
    assert label_month("2026-10") == "2026年10月"
    assert label_month("2026-02") == "2026年2月"
    assert label_month_short(Period(2026, 3)) == "3月"


def test_index_helpers_match_the_scalar_period():
    """The array helpers progress uses are Period's rules element-wise (2022-01 … 2027-12)."""
    from metrics.periods import (
        Period,
        index_december_of,
        index_last_december,
        index_month,
        index_previous,
        index_same_month_last_year,
        index_year,
    )

    ps = [Period(y, m) for y in range(2022, 2028) for m in range(1, 13)]
    idx = np.asarray([p.index for p in ps], dtype="int64")
    assert index_year(idx).tolist() == [p.year for p in ps]
    assert index_month(idx).tolist() == [p.month for p in ps]
    assert index_previous(idx).tolist() == [p.previous().index for p in ps]
    assert index_same_month_last_year(idx).tolist() == [p.same_month_last_year().index for p in ps]
    assert index_last_december(idx).tolist() == [p.last_december().index for p in ps]
    assert index_december_of(np.asarray([2024, 2026])).tolist() == [Period(2024, 12).index, Period(2026, 12).index]
    # worked by hand: 2024-01 is 2024*12 = 24288; its last December 2023-12 is 24287, a year back 24276
    assert idx[24] == 24288 and index_last_december(idx[24]) == 24287 and index_same_month_last_year(idx[24]) == 24276
    # a float year array carries NaN through (no target year)
    assert np.isnan(index_december_of(np.asarray([np.nan, 2025.0]))[0])
    assert index_december_of(np.asarray([np.nan, 2025.0]))[1] == Period(2025, 12).index


def test_period_indexes_marks_invalid_and_missing():
    from metrics.periods import period_indexes

    s = pd.Series(["2024-06", "2024-13", None, "2024-06", "x", "2023-12"])
    assert period_indexes(s).tolist() == [period_index("2024-06"), -1, -1, period_index("2024-06"), -1,
                                          period_index("2023-12")]
    assert period_indexes(s, invalid=-9).tolist()[1:3] == [-9, -9]


def test_month_index_arithmetic_lives_only_in_periods():
    """Folding a period into a month index (×12, //12, %12) is metrics.periods' job; a grep of src
    and pages finds it nowhere else (the run-rate forecast's 12/N months is not index arithmetic)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    rule = re.compile(r"//\s*12\b|%\s*12\b|\*\s*12\s*\+\s*(11|\w+\s*-\s*1)\b")
    owner = root / "src/metrics/periods.py"
    found = []
    for path in [*(root / "src").rglob("*.py"), *(root / "pages").rglob("*.py")]:
        if path == owner:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if rule.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(root)}:{n}")
    assert found == []
    assert rule.search("(pis // 12 - 1) * 12 + 11") and rule.search("p_idx % 12 + 1")
