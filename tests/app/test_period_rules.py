"""Which month a screen shows, as the working group lives the cycle (issue 19's blocker).

The demo database ends with 2026-10, reported by all seven counties.  On 2026-12-03 (Beijing),
one week before November's due date (12-10, due day 10), 嘉善 uploads November.  November is then
a month being collected: 1 of 7 counties.  Screens, the CLI, the bulletin and the quality check
open on October (complete, with its reds); November is shown only when chosen, labelled
报送中（已报 1/7 个区县）, with no city light judged from 嘉善 alone.  报送情况 says 待报 until 12-10 and
未报 after it.
"""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pytest

from jxtrack.domain import clock, lights
from jxtrack.services import cycle, importing, lookup, remind, status_table, submissions
from jxtrack.services import views as ws

from .conftest import JIASHAN, NANHU, USERS, run_app, texts

BEFORE_DUE = datetime(2026, 12, 3, 10, 0)    # Beijing wall-clock (naive = local time)
AFTER_DUE = datetime(2026, 12, 11, 9, 0)     # November's due date 12-10 has passed
SIX_OTHERS = ["南湖区", "秀洲区", "平湖市", "海宁市", "海盐县", "桐乡市"]


def _november_sheet(store, region: str = JIASHAN, scale: float = 1.08) -> bytes:
    """A CSV of ``region``'s November: its October figures, flows grown by ``scale``."""
    cat = lookup.catalog(store)
    names = cat.measures.set_index("code")["name"]
    obs = store.observations(periods=["2026-10"], regions=[region])
    obs = obs[obs["value"].notna()]
    region_name = store.regions().set_index("code").loc[region, "name"]
    lines = ["地区,报告期,指标,数值"]
    for m, v in zip(obs["measure"].astype(str), obs["value"], strict=True):
        new = float(v) * scale
        new = round(new) if float(v).is_integer() else round(new, 4)   # counts stay whole
        lines.append(f"{region_name},2026-11,{names[m]},{new}")
    return ("\n".join(lines) + "\n").encode()


def _upload(store, at: datetime, region: str = JIASHAN, scale: float = 1.08) -> int:
    user = USERS["county"] if region == JIASHAN else USERS["staff"]
    with clock.fixed(at):
        res = importing.commit_import(store, _november_sheet(store, region, scale), f"{region}-11.csv", user,
                                      accept_warnings=True)
    assert res.status == "accepted", [p.message for p in res.errors]
    return res.upload_id


@pytest.fixture
def jiashan_early(demo_store):
    """The demo database after 嘉善 uploaded November on 12-03, before its due date."""
    _upload(demo_store, datetime(2026, 12, 3, 9, 30))
    return demo_store


# ---- the one owner: cycle ------------------------------------------------------------------------
def test_the_collecting_month_is_not_the_default(jiashan_early):
    state = cycle.period_state(jiashan_early, "2026-11", BEFORE_DUE)
    assert (state.n_reported, state.n_counties, state.overdue) == (1, 7, False)
    assert state.collecting and state.label == "报送中（已报 1/7 个区县）"
    assert state.missing == SIX_OTHERS
    menu = cycle.period_menu(jiashan_early, BEFORE_DUE)
    assert menu.periods[:2] == ["2026-11", "2026-10"]
    assert menu.default == "2026-10"
    assert menu.label("2026-11") == "2026年1–11月 · 报送中（已报 1/7 个区县）"
    assert menu.label("2026-10") == "2026年1–10月"
    # after the due date November may be judged: the default moves, the missing are named
    assert cycle.default_period(jiashan_early, AFTER_DUE) == "2026-11"
    late = cycle.period_state(jiashan_early, "2026-11", AFTER_DUE)
    assert late.judged and not late.label
    assert "6 个区县未报送：南湖区、秀洲区、平湖市、海宁市、海盐县、桐乡市" in late.note()
    assert "南湖区" not in late.note(name_missing=False)


def test_a_month_every_county_reported_is_judged_before_its_due_date(jiashan_early):
    for code in ("330402", "330411", "330482", "330481", "330424", "330483"):
        _upload(jiashan_early, datetime(2026, 12, 4, 9, 0), code)
    assert cycle.period_state(jiashan_early, "2026-11", BEFORE_DUE).complete
    assert cycle.default_period(jiashan_early, BEFORE_DUE) == "2026-11"


def test_status_of_the_collecting_month_judges_no_city_light(jiashan_early):
    with clock.fixed(BEFORE_DUE):
        default = status_table.status(jiashan_early)
        nov = status_table.status(jiashan_early, "2026-11")
    assert set(default["period"]) == {"2026-10"}
    city = nov[nov["region_level"] == "city"]
    judged = city[city["light"].isin(lights.JUDGED)]
    # the city's only judged rows are its own city-scope figures, never a total of 嘉善 alone
    scope = lookup.catalog(jiashan_early).indicators.set_index("code")["scope"]
    assert (judged["indicator_code"].map(scope) == "city").all()
    rolled = city[city["indicator_code"].map(scope) == "county"]
    with_figure = rolled[rolled["actual"].notna()]
    assert len(with_figure) and set(with_figure["light_reason"]) == {"collecting"}
    assert {lights.shown(a, b) for a, b in zip(with_figure["light"], with_figure["light_reason"], strict=True)} \
        == {"collecting"}
    # 嘉善's own rows are judged from its own complete figures
    js = nov[nov["region_code"] == JIASHAN]
    assert js["light"].isin(lights.JUDGED).any()
    # once the due date has passed the month is judged as the metrics judge it (partial: 暂不评价)
    with clock.fixed(AFTER_DUE):
        after = status_table.status(jiashan_early, "2026-11")
    assert "collecting" not in set(after["light_reason"])


# ---- 总览 -----------------------------------------------------------------------------------------
def test_overview_opens_on_the_last_complete_month_with_its_reds(jiashan_early):
    with clock.fixed(BEFORE_DUE):
        october = ws.overview(jiashan_early, "2026-10", USERS["leader"])
        at = run_app(USERS["leader"])
    assert not at.exception
    assert october.counts["red"] > 0          # what the leader must not lose on 12-03
    title = at.title[0].value
    assert title == "总览 · 2026年1–10月"
    page = texts(at)
    assert f"落后的全市指标（{lights.badge('red')} {october.counts['red']} 项" in page
    assert "报送中" not in title


def test_choosing_the_collecting_month_says_so_and_judges_no_city_light(jiashan_early):
    with clock.fixed(BEFORE_DUE):
        at = run_app(USERS["leader"])
        at.selectbox(key="overview_period").set_value("2026-11").run()
    assert not at.exception
    assert at.title[0].value == "总览 · 2026年1–11月 · 报送中（已报 1/7 个区县）"
    note = " ".join(i.value for i in at.info)
    assert "报送中（已报 1/7 个区县）" in note and "暂不评价全市亮灯" in note
    assert "南湖区" in note                    # the leader may read every county: named
    page = texts(at)
    assert "落后的全市指标（▲ 红 0 项，◆ 黄 0 项）" in page
    assert "全市指标没有落后于序时进度的" not in page   # not a green all-clear from one county
    # the counts of city lights: no judged light at all among the county totals
    with clock.fixed(BEFORE_DUE):
        ov = ws.overview(jiashan_early, "2026-11", USERS["leader"])
    assert ov.period_label == "报送中（已报 1/7 个区县）"
    key_lights = {lights.shown(a, b) for a, b in zip(ov.key["light"], ov.key["light_reason"], strict=True)}
    assert key_lights <= {"collecting", "none"}


def test_a_county_reporter_is_not_told_which_other_counties_are_missing(jiashan_early):
    with clock.fixed(BEFORE_DUE):
        ov = ws.overview(jiashan_early, "2026-11", USERS["county"])
    assert "1/7" in ov.period_note and "南湖区" not in ov.period_note


# ---- 报送情况 -------------------------------------------------------------------------------------
def test_reporting_says_pending_before_the_due_date_and_missing_after(jiashan_early):
    before = submissions.reporting_view(jiashan_early, 2026, USERS["staff"], clock.local(BEFORE_DUE))
    assert before.states.loc["嘉善县", "11月"] == "reported"
    assert before.states.loc["南湖区", "11月"] == "pending"
    assert before.shown.loc["南湖区", "11月"] == "待报（截止12月10日）"
    assert before.states.loc["南湖区", "12月"] == "open"       # December is not over
    assert before.missing == 0 and before.pending == 6
    after = submissions.reporting_view(jiashan_early, 2026, USERS["staff"], clock.local(AFTER_DUE))
    assert after.states.loc["南湖区", "11月"] == "missing"
    assert after.shown.loc["南湖区", "11月"] == "✖ 未报"
    assert after.missing == 6 and after.pending == 0


def test_reporting_page_before_and_after_the_due_date(jiashan_early):
    with clock.fixed(BEFORE_DUE):
        at = run_app(USERS["staff"], "pages/reporting.py")
    assert not at.exception
    grid = at.dataframe[0].value
    grid = grid.data if hasattr(grid, "data") else grid
    assert grid.loc["南湖区", "11月"] == "待报（截止12月10日）"
    assert "本年度：✖ 未报 **0** 次" in texts(at)
    with clock.fixed(AFTER_DUE):
        at = run_app(USERS["staff"], "pages/reporting.py")
    grid = at.dataframe[0].value
    grid = grid.data if hasattr(grid, "data") else grid
    assert grid.loc["南湖区", "11月"] == "✖ 未报"
    assert "本年度：✖ 未报 **6** 次" in texts(at)


# ---- 数据上传 -------------------------------------------------------------------------------------
def test_upload_offers_each_county_its_own_collecting_month(jiashan_early):
    with clock.fixed(BEFORE_DUE):
        assert cycle.upload_periods(jiashan_early, NANHU)[0] == "2026-11"
        assert cycle.upload_periods(jiashan_early, JIASHAN)[0] == "2026-11"  # not December, not over
        at = run_app(USERS["staff"], "pages/upload.py")
        assert not at.exception
        at.selectbox(key="upload_region").set_value(NANHU).run()
    assert at.selectbox(key=f"upload_period_{NANHU}").value == "2026-11"
    assert "2026-12" not in at.selectbox(key=f"upload_period_{NANHU}").options


def test_upload_offers_a_county_behind_the_month_it_owes(demo_store):
    # on 2027-01-05 the month being collected is December; a county whose newest report is
    # October is offered November, the month after its own newest report
    at = datetime(2027, 1, 5, 9, 0)
    assert cycle.upload_periods(demo_store, NANHU, clock.local(at))[0] == "2026-11"
    with clock.fixed(datetime(2026, 11, 5, 9, 0)):
        assert cycle.upload_periods(demo_store, NANHU)[0] == "2026-10"   # already reported: no later


# ---- the CLI, the bulletin, the quality check, reminders ----------------------------------------
def test_cli_status_defaults_to_the_last_complete_month(jiashan_early, capsys):
    from jxtrack.cli import run as cli

    with clock.fixed(BEFORE_DUE):
        assert cli.main(["status", "--format", "csv"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(out["period"]) == {"2026-10"}
    with clock.fixed(AFTER_DUE):
        assert cli.main(["status", "--format", "csv"]) == 0
    out = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(out["period"]) == {"2026-11"}


def test_bulletin_and_quality_default_to_the_last_complete_month(jiashan_early):
    from jxtrack.reports import bulletin
    from jxtrack.services import quality

    with clock.fixed(BEFORE_DUE):
        assert bulletin.build(jiashan_early).period == "2026-10"
        w = quality.check(jiashan_early)
        nov = bulletin.build(jiashan_early, "2026-11")
    assert w.empty or set(w["period"].dropna()) <= {"2026-10", "2025-10"}
    # November chosen before its due date: labelled, and the counties not yet due are 待报
    assert nov.subtitle == "（2026年1–11月 · 报送中（已报 1/7 个区县））"
    rows = {r[0]: r for r in nov.submissions.rows}
    assert rows["南湖区"][1] == "待报" and rows["南湖区"][-1] == "报送截止12月10日"
    assert rows["嘉善县"][1] == "已报送"
    city = nov.status[nov.status["region_level"] == "city"]
    assert "collecting" in set(city["light_reason"]) and not city["light"].isin(["red", "yellow"]).any()


def test_remind_before_and_after_the_due_date(jiashan_early):
    rem = remind.build(jiashan_early, at=clock.local(BEFORE_DUE))
    assert rem.period == "2026-11" and not rem.overdue
    assert rem.not_reported == SIX_OTHERS and rem.late == []
    text = rem.message().text
    assert "尚未报送（6个区县）" in text and "未报送（6个区县）" not in text.replace("尚未报送", "")
    # no city item turns red from 嘉善's figures alone
    assert all(region != "嘉兴市" for region, _ in rem.turned_red)
    rem = remind.build(jiashan_early, at=clock.local(AFTER_DUE))
    assert rem.overdue and rem.not_reported == SIX_OTHERS
    assert "未报送（6个区县）" in rem.message().text


# ---- 迟报: one first-upload definition --------------------------------------------------------------
def test_late_is_the_same_on_every_surface_after_a_withdrawal(demo_store):
    """嘉善 uploads November on time (12-03), the upload is withdrawn, 嘉善 uploads again on 12-12:
    the first upload still in force is after the due date, so November is 迟报 on 报送情况, in
    数据质量 and in ``jxtrack remind`` alike."""
    from jxtrack.services import quality

    first = _upload(demo_store, datetime(2026, 12, 3, 9, 30))
    with clock.fixed(datetime(2026, 12, 4, 9, 0)):
        importing.withdraw(demo_store, first, USERS["staff"], "数据有误，退回重报")
    _upload(demo_store, datetime(2026, 12, 12, 15, 0), scale=1.09)
    at = clock.local(datetime(2026, 12, 13, 9, 0))
    matrix = submissions.submission_matrix(demo_store, 2026, USERS["staff"], at)
    assert matrix.loc["嘉善县", "11月"] == "late"
    w = quality.check(demo_store, "2026-11", today=at.date())
    late = w[(w["check"] == "late_report") & (w["region"] == "嘉善县")] if len(w) else w
    assert len(late) == 1
    rem = remind.build(demo_store, "2026-11", at=at)
    assert [name for name, _ in rem.late] == ["嘉善县"]
    assert rem.late[0][1] == clock.local(datetime(2026, 12, 12, 15, 0))


# ---- one clock ------------------------------------------------------------------------------------
def test_projects_today_is_the_clock(monkeypatch):
    from datetime import UTC, date

    from jxtrack.services import projects

    with clock.fixed(datetime(2025, 12, 31, 16, 30, tzinfo=UTC)):   # 2026-01-01 00:30 in Beijing
        assert projects.today() == date(2026, 1, 1)
        monkeypatch.setenv("JXTRACK_TZ", "America/New_York")         # 2025-12-31 11:30 there
        assert projects.today() == date(2025, 12, 31)


def test_indicator_and_county_pages_default_to_the_last_complete_month(jiashan_early):
    with clock.fixed(BEFORE_DUE):
        county = run_app(USERS["leader"], "pages/county.py")
        indicator = run_app(USERS["leader"], "pages/indicator.py")
        assert county.selectbox(key="county_period").value == "2026-10"
        assert indicator.selectbox(key="indicator_period").value == "2026-10"
        county.selectbox(key="county_period").set_value("2026-11").run()
    assert not county.exception and not indicator.exception
    assert county.title[0].value.endswith("2026年1–11月 · 报送中（已报 1/7 个区县）")
