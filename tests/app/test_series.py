"""The month series of the 指标详情 page: one pass over the months, the same figures the status
table gives month by month."""

from __future__ import annotations

import pytest

from jxtrack.services import status_table
from jxtrack.services import views as ws

from .conftest import CITY, JIASHAN, USERS

STAFF = USERS["staff"]


def test_series_equals_the_status_table_of_each_month(demo_ro):
    series = ws.indicator_series(demo_ro, "lh_projects", "2026-10", STAFF, [CITY, JIASHAN])
    # the demo reports January and February together (1–2月): months without figures are left out
    assert series["period"].drop_duplicates().tolist() == [f"2026-{m:02d}" for m in range(2, 11)]
    for month in ("2026-02", "2026-06", "2026-10"):
        st = status_table.status(demo_ro, month, None, STAFF)
        for region in (CITY, JIASHAN):
            want = st[(st["region_code"] == region) & (st["indicator_code"] == "lh_projects")].iloc[0]
            got = series[(series["region"] == region) & (series["period"] == month)].iloc[0]
            for col in ("actual", "expected", "target", "completion", "time_progress", "forecast", "yoy"):
                assert got[col] == pytest.approx(want[col], rel=1e-12, nan_ok=True), (month, region, col)
            assert got["light"] == want["light"]


def test_series_city_actual_is_the_sum_of_the_counties_projects(demo_ro):
    # “两化”改造项目 = 数字化 + 绿色化, summed over the seven counties (zones are never summed)
    obs = demo_ro.observations(periods=["2026-06"])
    regions = demo_ro.regions()
    counties = set(regions.loc[regions["level"] == "county", "code"])
    parts = obs[obs["region"].isin(counties) & obs["measure"].isin(["digital_projects", "green_projects"])]
    series = ws.indicator_series(demo_ro, "lh_projects", "2026-06", STAFF, [CITY])
    june = series[series["period"] == "2026-06"].iloc[0]
    assert len(parts) == 14 and june["actual"] == pytest.approx(parts["value"].sum())
    # 环比: June minus May
    may = series[series["period"] == "2026-05"].iloc[0]
    assert june["mom"] == pytest.approx(june["actual"] - may["actual"])


def test_the_month_series_and_the_recovery_label_are_one_pipeline(demo_ro, monkeypatch):
    """指标详情 shows the month series and the recovery label: both come from status_table.series,
    computed once per data version and period (issue 18: views ran a second pipeline of its own)."""
    import metrics.progress

    calls = []
    real = metrics.progress.compute_status_periods
    # the status table of one month calls it too, with one period: count the month series (several)
    def counted(*a, **k):
        if len(a[4]) > 1:
            calls.append(len(a[4]))
        return real(*a, **k)

    monkeypatch.setattr(metrics.progress, "compute_status_periods", counted)
    for module in (ws, status_table):   # wherever a service holds its own reference to it
        if hasattr(module, "compute_status_periods"):
            monkeypatch.setattr(module, "compute_status_periods", counted)
    status_table.clear_status_cache()
    detail = ws.indicator_detail(demo_ro, "lh_projects", "2026-10", CITY, STAFF)
    assert calls == [9] and not detail.series.empty and (detail.series["region"] == CITY).all()
    again = ws.indicator_series(demo_ro, "digital2_coverage", "2026-10", STAFF, [CITY, JIASHAN])
    assert calls == [9] and set(again["region"]) == {CITY, JIASHAN}
