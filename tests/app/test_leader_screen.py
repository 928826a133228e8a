"""The leader's first screen and the rough edges (issue 9): 总览 leads with what is behind and says
what each count counts; 区县 draws its trend; 指标详情's bars are ordered by completion with each
county's target; charts have no toolbar; downloads carry numbers; screen and bulletin print the
same gap."""

from __future__ import annotations

import re
from collections import Counter

import pandas as pd
import pytest

from jxtrack.domain import lights
from jxtrack.present import fmt
from jxtrack.services import lookup, status_table
from jxtrack.ui import charts, common

from .conftest import OVERVIEW_FOLDS, USERS, open_expanders, run_app, table_shown, texts


def _status(store, user=USERS["leader"]) -> pd.DataFrame:
    return status_table.status(store, None, None, user)


def _shown(rows: pd.DataFrame) -> list[str]:
    return [lights.shown(lt, r) for lt, r in zip(rows["light"], rows["light_reason"], strict=True)]


def _md_counts(line: str) -> dict[str, int]:
    """':red[▲ 红] **4**' … -> {'红': 4, …} (grey ones are '– 未分解 91')."""
    found = re.findall(r"(红|黄|绿|已完成)\] \*\*(\d+)\*\*", line)
    found += re.findall(r"(未分解|暂不评价|无数据) (\d+)", line)
    return {w: int(n) for w, n in found}


# ---- 总览 ----------------------------------------------------------------------------------------
def test_overview_counts_say_what_they_count_and_agree_with_the_red_list(demo_ro):
    st_rows = _status(demo_ro)
    city = st_rows[st_rows["region_level"] == "city"]
    county = st_rows[st_rows["region_level"] == "county"]
    at = run_app(USERS["leader"])
    assert not at.exception
    lines = [m.value for m in at.markdown]
    city_line = next(v for v in lines if v.startswith(f"**全市指标 {len(city)} 项**"))
    want = Counter(lights.get(k).word for k in _shown(city))
    got = _md_counts(city_line)
    for word in ("红", "黄", "绿", "已完成"):
        assert got[word] == want.get(word, 0), (word, city_line)
    n_counties, n_ind = county["region_code"].nunique(), county["indicator_code"].nunique()
    assert (n_counties, n_ind) == (7, 33)
    county_line = next(v for v in lines if v.startswith("**区县指标 "))
    assert county_line.startswith(f"**区县指标 {len(county)} 项**（7 个区县 × 33 项）中：")
    got = _md_counts(county_line)
    assert sum(got.values()) == len(county) == 7 * 33, "the parts add up to the total said"
    n_red = int((county["light"] == "red").sum())
    assert got["红"] == n_red
    # the red list below counts the same county items
    assert f"区县红灯清单（{n_red} 项）" in texts(at)
    red_table = table_shown(at.table[1])
    assert len(red_table) == n_red


def test_overview_leads_with_what_is_behind(demo_ro):
    st_rows = _status(demo_ro)
    city = st_rows[st_rows["region_level"] == "city"]
    behind_want = city[city["light"].isin(["red", "yellow"])]
    at = run_app(USERS["leader"])
    heads = [h.value for h in at.subheader]
    assert heads[0].startswith("落后的全市指标"), heads   # the first thing under the counts
    t = table_shown(at.table[0])
    assert len(t) == len(behind_want)
    words = [c.split()[-1] for c in t["灯"]]
    n_red = int((behind_want["light"] == "red").sum())
    assert words == ["红"] * n_red + ["黄"] * (len(t) - n_red), "red first, then yellow"
    for light_word in ("红", "黄"):
        gaps = [float(g) for g, w in zip(t["差距（百分点）"], words, strict=True) if w == light_word and g != "—"]
        assert gaps == sorted(gaps), "furthest behind first"
    # 新兴行业标杆: 2 of 3 = 66.7% against 序时 94.4% -> 66.7 − 94.4 = −27.7, the second red
    row = t[t["指标"] == "新兴行业标杆"].iloc[0]
    assert row["差距（百分点）"] == "-27.7" and row["完成率"] == "66.7%" and row["实际 / 目标"] == "2 个 / ≥3 个"
    # how many counties are red on it: 两化项目 is red in 南湖区 and 平湖市
    lh = t[t["指标"] == "两化项目"].iloc[0]
    red_lh = st_rows[(st_rows["indicator_code"] == "lh_projects") & (st_rows["region_level"] == "county")
                     & (st_rows["light"] == "red")]
    assert lh["区县红灯"] == f"{len(red_lh)} 个" and set(red_lh["region"]) == {"南湖区", "平湖市"}


def test_overview_headline_targets_are_big_figures_with_light_and_trend(demo_ro):
    cat = lookup.catalog(demo_ro).indicators
    key = cat[cat["key"]].sort_values("sort")
    at = run_app(USERS["leader"])
    metrics = {m.label.split(" · ")[0]: m for m in at.metric}
    assert list(metrics) == list(key["short_name"]), "every headline target of the plans, in plan order"
    city = _status(demo_ro)
    city = city[city["region_level"] == "city"].set_index("indicator_code")
    lh = metrics["两化项目"]
    assert lh.value == "1,531 个" and ":orange[◆ 黄]" in lh.label
    assert lh.proto.delta == "-4.2%" and city.loc["lh_projects", "yoy"] == pytest.approx(-0.0419, abs=1e-4)
    # a stock (2.0 覆盖率, a level) is compared with last month in points
    cov = metrics["2.0覆盖率"]
    assert cov.proto.delta == f"{city.loc['digital2_coverage', 'mom']:+.1f} 个百分点"
    caps = [c.value for c in at.caption]
    assert any(c.startswith("目标 ≥2,000 个 · 完成 76.5% · 差距 -6.8 个百分点") for c in caps)


def test_group_headline_has_its_counts_beside_it(demo_ro):
    city = _status(demo_ro)
    city = city[city["region_level"] == "city"]
    at = run_app(USERS["leader"])
    labels = [e.label for e in at.expander]
    lh = next(lb for lb in labels if lb.startswith("“两化”改造"))
    n = int((city["group"] == "两化").sum())
    assert lh.startswith(f"“两化”改造 {n} 项：")
    parts = dict((w, int(k)) for w, k in re.findall(r"[▲◆●✔–…○] (\S+) (\d+)", lh))
    assert sum(parts.values()) == n and parts["红"] == 1
    heads = [h.value for h in at.subheader] + labels
    assert not any("总体" in h for h in heads), "no one-word verdict for a group of twenty"


def test_county_user_overview_stays_in_own_county(demo_ro):
    at = run_app(USERS["county"])
    assert not at.exception
    line = next(m.value for m in at.markdown if m.value.startswith("**嘉善县指标 33 项**中："))
    assert sum(_md_counts(line).values()) == 33
    assert "嘉善县红灯清单" in texts(at)
    assert "区县红灯" not in table_shown(at.table[0]).columns   # one county: nothing to count across counties
    for tbl in map(table_shown, at.table):
        if "地区" in tbl.columns:
            assert set(tbl["地区"]) <= {"嘉善县"}


# ---- 区县: the trend is a chart ------------------------------------------------------------------
def test_county_counts_say_what_they_count(demo_ro):
    rows = status_table.status(demo_ro, None, "330402", USERS["leader"])
    at = run_app(USERS["leader"], "pages/county.py")
    at.selectbox(key="county_region").set_value("330402").run()
    line = next(m.value for m in at.markdown if m.value.startswith("**南湖区指标 "))
    got = _md_counts(line)
    assert line.startswith(f"**南湖区指标 {len(rows)} 项**中：")
    assert sum(got.values()) == len(rows)
    assert got["红"] == int((rows["light"] == "red").sum())


def test_county_trend_is_a_line_chart_with_chinese_help(demo_ro):
    at = run_app(USERS["leader"], "pages/county.py")
    assert not at.exception
    df = at.dataframe[0]
    import json

    config = json.loads(df.proto.columns)
    trend = config["近12个月"]
    assert trend["type_config"]["type"] == "line_chart"
    assert "走势" in trend["help"] and re.search(r"[A-Za-z]", trend["help"]) is None
    values = df.value["近12个月"]
    assert all(all(v == v for v in lst) for lst in values), "no gap: the grid shows a gap as text"
    assert len(values.iloc[0]) >= 10


# ---- 指标详情: bars ordered by completion, each county's target ---------------------------------
def test_county_bars_ordered_by_completion_with_target_markers():
    rows = pd.DataFrame({
        "region": ["甲区", "乙县", "丙市"], "actual": [300.0, 100.0, 200.0], "target": [600.0, 100.0, 250.0],
        "completion": [0.5, 1.0, 0.8], "comparator": [">="] * 3, "light": ["red", "done", "green"],
        "light_reason": ["", "", ""], "direction": ["up"] * 3,
    })
    fig = charts.county_bars(rows, "个", 200.0)
    bars, marks = fig.data[0], fig.data[1]
    # plotly draws the first category at the bottom: 甲区 (50%) bottom, 乙县 (100%) top,
    # although 甲区 has the largest value
    assert list(bars.y) == ["甲区", "丙市", "乙县"]
    assert list(marks.y) == ["甲区", "丙市", "乙县"] and list(marks.x) == [600.0, 250.0, 100.0]
    assert marks.name == "本区县目标（个）"
    avg = [a for a in fig.layout.annotations if a.text.startswith("区县平均")][0]
    assert avg.text == "区县平均 200 个" and avg.yref == "paper" and avg.yanchor == "bottom"
    assert fig.layout.margin.t >= 30, "room above the plot for the average's label"
    # less is better: the lowest completion is the best, at the top
    down = charts.county_bars(rows.assign(direction="down"), "个", None)
    assert list(down.data[0].y) == ["乙县", "丙市", "甲区"]


def test_charts_have_no_toolbar_and_legend_below(demo_ro):
    at = run_app(USERS["leader"], "pages/indicator.py")
    assert not at.exception
    charts_ = at.get("plotly_chart")
    assert len(charts_) == 2
    import json

    for c in charts_:
        assert json.loads(c.proto.config)["displayModeBar"] is False
        fig = json.loads(c.proto.spec)
        assert fig["layout"]["legend"]["y"] < 0, "legend below the plot"


# ---- raw codes and English -----------------------------------------------------------------------
def test_no_raw_codes_or_english_on_the_pages(demo_ro):
    for role, page in (("leader", "pages/overview.py"), ("leader", "pages/indicator.py"),
                       ("staff", "pages/quality.py"), ("staff", "pages/targets.py")):
        at = run_app(USERS[role], page)
        if page == "pages/overview.py":
            open_expanders(at, *OVERVIEW_FOLDS)   # the folded tables too
        shown = texts(at)
        for raw in ("None", "330482", "330400", "JZF-2024-6", "1=获批", "jxtrack report", "not_permitted"):
            assert raw not in shown, (page, raw)
    at = run_app(USERS["staff"], "pages/quality.py")
    for ms in at.multiselect:
        assert ms.placeholder.startswith("请选择…")


def test_yes_no_target_reads_in_words(demo_ro):
    at = run_app(USERS["leader"], "pages/indicator.py")
    at.selectbox(key="indicator_code").set_value("smart_mfg_zone").run()
    assert not at.exception
    t = texts(at)
    assert "获批" in t and "1=获批" not in t
    target = next(m for m in at.metric if m.label == "目标")
    assert target.value == "获批"


# ---- downloads: numbers in number cells ----------------------------------------------------------
def _rows(**over) -> pd.DataFrame:
    """Two county rows of 数字化改造项目, 1-10月: 1150 of 1500 and 90 of 120; 序时 10/12."""
    base = dict(indicator_name=["数字化改造项目"] * 2, short_name=["数字化项目"] * 2, region=["南湖区", "嘉善县"],
                unit=["个", "个"], actual=[1150.0, 90.0], target=[1500.0, 120.0], comparator=[">=", ">="],
                completion=[1150 / 1500, 90 / 120], time_progress=[10 / 12, 10 / 12],
                expected=[1250.0, 100.0], gap_pp=[(1150 / 1500 - 10 / 12) * 100, (90 / 120 - 10 / 12) * 100],
                forecast=[1380.0, 108.0], will_meet=[False, False], light=["yellow", "yellow"],
                light_reason=["", ""], kind=["annual_flow"] * 2, yoy=[-0.0328, 0.1], rank=[3, 5],
                rank_of=[7, 7], explanation=["", "订单下滑"])
    base.update(over)
    return pd.DataFrame(base)


def test_download_frame_gives_numbers_with_the_unit_in_the_header():
    out = common.download_frame(_rows(), region_col=True)
    assert list(out["实际（个）"]) == [1150.0, 90.0] and out["实际（个）"].sum() == 1240.0
    assert list(out["目标（个）"]) == [1500.0, 120.0]
    assert list(out["完成率（%）"]) == [76.7, 75.0]          # 1150/1500 = 76.67 -> 76.7
    assert list(out["序时进度（%）"]) == [83.3, 83.3]
    assert list(out["差距（个百分点）"]) == [-6.6, -8.3]     # 76.7 − 83.3, 75.0 − 83.3 (as printed)
    assert list(out["同比（%）"]) == [-3.3, 10.0]
    assert list(out["能否完成"]) == ["否", "否"] and list(out["灯"]) == ["黄灯", "黄灯"]
    assert list(out["排名"]) == [3, 5] and "单位" not in out.columns
    assert out["说明"].iloc[1] == "偏差说明：订单下滑"
    # the workbook holds numbers, not text
    import io

    from openpyxl import load_workbook

    from jxtrack.present import outputs

    ws = load_workbook(io.BytesIO(outputs.xlsx_bytes(out, "t"))).active
    head = [c.value for c in ws[1]]
    cell = ws.cell(2, head.index("实际（个）") + 1)
    assert cell.value == 1150 and cell.data_type == "n"


def test_download_frame_mixed_units_and_yes_no():
    rows = pd.concat([_rows().iloc[:1], _rows(
        indicator_name=["争创国家智能制造先行区"] * 2, unit=["是/否"] * 2, actual=[0.0, 1.0], target=[1.0, 1.0],
        completion=[0.0, 1.0], time_progress=[None, None], gap_pp=[None, None], expected=[None, None],
        forecast=[None, None], kind=["milestone"] * 2).iloc[:1]], ignore_index=True)
    out = common.download_frame(rows)
    assert list(out["单位"]) == ["个", "是/否"]
    assert list(out["实际"]) == [1150.0, "否"] and list(out["目标"]) == [1500.0, "是"]
    assert pd.isna(out["差距（个百分点）"].iloc[1])   # an empty cell, not text


# ---- one rounding rule: screen = bulletin --------------------------------------------------------
def test_gap_points_is_the_difference_of_the_printed_percentages():
    # 1150/1500 = 76.667% -> 76.7; 10/12 = 83.333% -> 83.3; printed gap 76.7 − 83.3 = −6.6,
    # although the unrounded gap −6.667 would print as −6.7
    assert fmt.gap_points(1150 / 1500, 10 / 12, -6.6667) == -6.6
    assert fmt.pp(fmt.gap_points(1150 / 1500, 10 / 12, -6.6667)) == "-6.6 个百分点"
    # less is better: 90% of a ceiling against a path at 83.3% is 6.7 points *behind*
    assert fmt.gap_points(0.9, 10 / 12, -6.6667) == -6.7
    # a missing percentage: the computed gap, rounded
    assert fmt.gap_points(None, 10 / 12, -44.4444) == -44.4
    assert fmt.gap_points(None, None, None) is None
    assert fmt.pp(fmt.gap_points(0.8333, 0.8333, 0.0)) == "0.0 个百分点"


def test_screen_and_bulletin_print_the_same_gap_for_the_same_row(demo_ro):
    from jxtrack.reports import narrative
    from jxtrack.reports.text import shown_gap

    assert shown_gap is fmt.gap_points, "one owner"
    st_rows = _status(demo_ro)
    row = st_rows[(st_rows["indicator_code"] == "digital_projects") & (st_rows["region_level"] == "city")]
    r = row.iloc[0]
    # 1,150 of 1,500 = 76.7%, 序时 83.3%: the bulletin's 落后序时进度6.6个百分点 is the screen's −6.6
    assert r["actual"] == 1150 and round(r["gap_pp"], 1) == -6.7
    screen = common.status_table(row)["差距"].iloc[0]
    paper = narrative.indicator_clause(r.to_dict())
    assert screen == "-6.6 个百分点"
    assert "落后序时进度6.6个百分点" in paper
    # and the 总览 behind list shows the same figure
    at = run_app(USERS["leader"])
    t = table_shown(at.table[0])
    assert t.loc[t["指标"] == "数字化项目", "差距（百分点）"].iloc[0] == "-6.6"
