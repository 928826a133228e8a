"""总览 — the leaders' page, answering "which targets are behind" first: what each count counts (city
indicators vs county items), the city indicators that are behind (red, then yellow, furthest behind
first), the plans' headline targets as big figures with their light and trend, the counties' red
list with their 偏差说明; then the full tables and the county × indicator map, folded (built only
when opened, so the first screen after an upload does not wait for them)."""

from collections import Counter

import pandas as pd
import streamlit as st

from jxtrack.domain import lights
from jxtrack.present import fmt
from jxtrack.ui import cache, charts, common, session
from jxtrack.ui import supervision as sv
from metrics.periods import label_ytd


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user()
    store = cache.store()
    common.demo_banner(store)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    with c2:
        period = common.period_select(store, "overview_period")
    with common.guard():
        ov = cache.overview(store, period, user)
    c1.title(f"总览 · {label_ytd(ov.period)}" + (f" · {ov.period_label}" if ov.period_label else ""))
    if ov.period_note:   # a month being collected, or past its due date with counties missing
        (st.info if ov.period_label else st.warning)(ov.period_note)

    # ---- what each count counts ----------------------------------------------------------------------
    n_city = len(ov.city)
    st.markdown(f"**全市指标 {n_city} 项**中：" + common.counts_text(ov.counts))
    one_county = ov.counties[0] if ov.n_counties == 1 else None   # a county reporter sees their own
    if ov.n_counties:
        n_items = sum(ov.county_counts.values())
        what = (f"**{one_county}指标 {n_items} 项**中：" if one_county else
                f"**区县指标 {n_items} 项**（{ov.n_counties} 个区县 × {ov.n_county_indicators} 项）中：")
        st.markdown(what + common.counts_text(ov.county_counts))
    rule, other = lights.rules(cache.catalog(store).indicators)   # the thresholds of data/indicators.csv
    st.caption(f"●绿={rule['green']}；◆黄={rule['yellow']}；▲红={rule['red']}{other}；✔已完成=年度（累计）目标已完成；"
               "–未分解=区县目标未分解，只看排名。")

    # ---- what is behind -------------------------------------------------------------------------------
    n_red, n_yellow = ov.counts.get("red", 0), ov.counts.get("yellow", 0)
    st.subheader(f"落后的全市指标（{lights.badge('red')} {n_red} 项，{lights.badge('yellow')} {n_yellow} 项）")
    if len(ov.behind):
        b = ov.behind
        behind = pd.DataFrame({
            "灯": [lights.badge(k) for k in common.shown_lights(b)],
            "指标": b["short_name"].where(b["short_name"].astype(bool), b["indicator_name"]),
            f"{fmt.GAP}（{fmt.GAP_UNIT}）": [fmt.pp(g, with_unit=False) for g in common.gaps(b)],
            "完成率": b["completion"].map(fmt.pct),
            "实际 / 目标": [f"{fmt.number(a, u)} / {fmt.target(t, u, c)}" for a, t, c, u in
                        zip(b["actual"], b["target"], b["comparator"], b["unit"], strict=True)],
        })
        if not one_county:
            behind["区县红灯"] = [f"{n} 个" if n else "—" for n in b["red_counties"]]
        common.table(behind, common.shown_lights(b))
        st.caption(f"{fmt.GAP} = 完成率 − {fmt.PROGRESS}（{fmt.GAP_UNIT}），落后最多的在前"
                   + ("。" if one_county else "；“区县红灯”为该指标亮红灯的区县数。"))
    elif ov.period_label:   # a month being collected: no all-clear from the counties reported so far
        st.caption(f"{ov.period_label}：全市指标暂不评价亮灯。")
    else:
        st.success(f"全市指标没有落后于{fmt.PROGRESS}的。")

    # ---- the plans' headline targets ------------------------------------------------------------------
    if len(ov.key):
        st.subheader("主要目标")
        for i, r in enumerate(ov.key.itertuples()):
            if i % 3 == 0:   # a new row of three each time: on a phone the cards then stack in order
                cols = st.columns(3)
            shown = lights.shown(r.light, r.light_reason)
            if r.kind == "level":   # a stock: the change over the month says where it is heading
                since, delta = "较上月", (None if pd.isna(r.mom) else f"{r.mom:+.1f} 个百分点" if r.unit == "%"
                                          else ("+" if r.mom > 0 else "") + fmt.number(r.mom, r.unit))
            else:                   # a year-to-date flow or ratio: against the same months last year
                since, delta = "同比", None if pd.isna(r.yoy) else fmt.pct(r.yoy, signed=True)
            with cols[i % 3].container(border=True):
                st.metric(f"{r.short_name or r.indicator_name} · {lights.md(shown)}", fmt.number(r.actual, r.unit),
                          delta=delta, delta_description=since if delta else None,
                          delta_color="inverse" if r.direction == "down" else "normal",
                          help=f"{r.indicator_name}，年初至本月")
                st.caption(f"目标 {fmt.target(r.target, r.unit, r.comparator)} · 完成 {fmt.pct(r.completion)}"
                           f" · {fmt.PROGRESS} {fmt.progress(r.time_progress)}"
                           f" · {fmt.GAP} {fmt.pp(fmt.gap_points(r.completion, r.time_progress, r.gap_pp))}")

    # ---- the counties' reds ----------------------------------------------------------------------------
    st.subheader(f"{one_county or '区县'}红灯清单（{len(ov.red_list)} 项）")
    if len(ov.red_list):
        red = ov.red_list
        common.table(pd.DataFrame({
            "指标": red["short_name"].where(red["short_name"].astype(bool), red["indicator_name"]),
            "地区": red["region"],
            f"{fmt.GAP}（{fmt.GAP_UNIT}）": [fmt.pp(g, with_unit=False) for g in common.gaps(red)],
            "实际 / 目标": [f"{fmt.number(a, u)} / {fmt.target(t, u, c)}"
                         for a, t, c, u in zip(red["actual"], red["target"], red["comparator"], red["unit"], strict=True)],
            "偏差说明": [e if isinstance(e, str) and e else "（未填写）" for e in red["explanation"]],
        }))
    else:
        st.success("本期区县没有红灯指标。")
    sv.recovered(ov.recovered)   # red earlier this year, no longer behind: shown, not a silent green
    sv.open_form(store, user, ov.status, "overview")
    st.page_link("pages/indicator.py", label="查看指标详情 →", icon=":material/monitoring:")

    # ---- everything, folded ----------------------------------------------------------------------------
    st.subheader("全部指标")
    for g in ("两化", "两业"):
        rows = ov.city[ov.city["group"] == g]
        if not len(rows):
            continue
        counts = Counter(common.shown_lights(rows))
        name = "“两化”改造" if g == "两化" else "两业融合"
        label = f"{name} {len(rows)} 项：" + "　".join(
            f"{lights.badge(k)} {counts[k]}" for k in lights.ORDER if counts.get(k))
        # folded content is built only once opened (a rerun): the first screen does not pay for it
        board = st.expander(label, key=f"overview_open_{g}", on_change="rerun")
        if board.open:
            with board:
                common.show_status(rows, key=f"overview_board_{g}")

    if len(ov.heat.columns) and len(ov.heat.index):
        heat = st.expander("区县 × 指标 亮灯图", key="overview_open_heat", on_change="rerun")
        if heat.open:
            with heat:
                short = cache.catalog(store).indicators.set_index("name")["short_name"].to_dict()
                common.chart(charts.light_heatmap(ov.heat, short), "overview_heat")
                st.caption("　".join(f"{lights.badge(k)}：{lights.get(k).meaning}"
                                    for k in ("untargeted", "unjudged", "none")))

    st.caption("下载全市各指标（数字为数值格式，可直接求和；单位见表头或“单位”列）：")
    common.downloads(common.download_frame(ov.city), f"总览_{ov.period}", "overview_dl")


if __name__ == "__main__":
    render()
