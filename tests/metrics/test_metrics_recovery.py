"""已恢复: an item red earlier in the year and no longer behind shows its red months."""

from __future__ import annotations

import pandas as pd

from metrics.recovery import month_ranges, recoveries


def _series(rows):
    return pd.DataFrame(rows, columns=["region", "indicator", "period", "light"])


def test_month_ranges():
    assert month_ranges([3, 4, 5]) == "3–5月"
    assert month_ranges([5, 2, 6]) == "2月、5–6月"
    assert month_ranges([7]) == "7月"


def test_recovered_items_from_a_known_series():
    s = _series(
        # A: red March–May, green since June -> recovered, 3–5月 (January reported on its own, so a
        # red February below is 2月, not 1–2月)
        [("A", "x", f"2026-{m:02d}", lt) for m, lt in
         [(1, "green"), (2, "green"), (3, "red"), (4, "red"), (5, "red"), (6, "green"), (7, "green")]]
        # B: red in March, yellow now: still behind, not a recovery
        + [("B", "x", "2026-03", "red"), ("B", "x", "2026-07", "yellow")]
        # C: red in February and May, target met now (已完成) -> 2月、5月
        + [("C", "x", "2026-02", "red"), ("C", "x", "2026-05", "red"), ("C", "x", "2026-07", "done")]
        # D: red last year only: a new year starts afresh
        + [("D", "x", "2025-11", "red"), ("D", "x", "2026-07", "green")]
        # E: red now
        + [("E", "x", "2026-03", "green"), ("E", "x", "2026-07", "red")]
        # F: red after the period asked about does not count
        + [("F", "x", "2026-07", "green"), ("F", "x", "2026-08", "red")]
    )
    out = recoveries(s, "2026-07")
    assert out[["region", "recovery"]].values.tolist() == [
        ["A", "已恢复（曾红灯：3–5月）"],
        ["C", "已恢复（曾红灯：2月、5月）"],
    ]
    assert out["red_months"].tolist() == [[3, 4, 5], [2, 5]]


def test_february_is_1_2_months_when_january_was_not_reported_alone():
    s = _series([("A", "x", "2026-02", "red"), ("A", "x", "2026-05", "red"), ("A", "x", "2026-07", "green")])
    assert recoveries(s, "2026-07")["recovery"].tolist() == ["已恢复（曾红灯：1–2月、5月）"]
    with_jan = pd.concat([s, _series([("A", "x", "2026-01", "green")])])
    assert recoveries(with_jan, "2026-07")["recovery"].tolist() == ["已恢复（曾红灯：2月、5月）"]


def test_no_series_no_recoveries():
    assert recoveries(pd.DataFrame(), "2026-07").empty
