"""The cycle's rule for "which month a screen shows", on hand-built states (no database)."""

from __future__ import annotations

from datetime import date

from jxtrack.services import cycle

SEVEN = ("南湖区", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市")


def state(reported, overdue=False):
    return cycle.PeriodState("2026-11", date(2026, 12, 10), overdue, SEVEN, frozenset(reported))


def test_one_county_before_the_due_date_is_being_collected():
    s = state({"嘉善县"})
    assert (s.n_reported, s.n_counties) == (1, 7)
    assert s.collecting and not s.judged and not s.complete
    assert s.label == "报送中（已报 1/7 个区县）"
    assert s.missing == ["南湖区", "秀洲区", "平湖市", "海宁市", "海盐县", "桐乡市"]
    assert s.note().startswith("2026年1–11月报送中（已报 1/7 个区县），报送截止12月10日")


def test_every_county_reported_is_judged_at_once():
    s = state(set(SEVEN))
    assert s.complete and s.judged and s.label == "" and s.note() == ""


def test_past_the_due_date_the_month_is_judged_and_the_missing_named():
    s = state({"嘉善县", "南湖区"}, overdue=True)
    assert s.judged and not s.collecting and s.label == ""
    assert "5 个区县未报送：秀洲区、平湖市、海宁市、海盐县、桐乡市" in s.note()
    assert "秀洲区" not in s.note(name_missing=False)


def test_due_label_and_the_month_being_collected():
    assert cycle.due_label("2026-11", 10) == "待报（截止12月10日）"
    assert cycle.due_label("2026-12", 15) == "待报（截止1月15日）"
    menu = cycle.PeriodMenu(["2026-11", "2026-10"], "2026-10", {"2026-11": "报送中（已报 1/7 个区县）"})
    assert [menu.label(p) for p in menu.periods] == ["2026年1–11月 · 报送中（已报 1/7 个区县）", "2026年1–10月"]
