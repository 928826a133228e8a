"""总览 — the leaders' page: counts of lights, the 两化/两业 board, county × indicator heat map and
the red list with each county's 偏差说明."""

import streamlit as st

from jxtrack import lights
from jxtrack.ui import cache, charts, common, fmt, session
from metrics.periods import label_ytd

user = session.require_user()
store = cache.store()
common.demo_banner(store)
c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
with c2:
    period = common.period_select(store, "overview_period")
with common.guard():
    ov = cache.overview(store, period, user)
c1.title(f"总览 · {label_ytd(ov.period)}")

common.light_counts(ov.counts)
st.caption("全市各指标亮灯：绿=达到或快于序时进度；黄=落后不超过10个百分点；红=落后更多；已完成=年度（累计）目标已完成。")

for g in ("两化", "两业"):
    rows = ov.city[ov.city["group"] == g]
    if not len(rows):
        continue
    gl = ov.groups.set_index("group").loc[g] if len(ov.groups) else None
    head = f"{'“两化”改造' if g == '两化' else '两业融合'}　总体 {lights.md(gl['light'])}" if gl is not None else g
    st.subheader(head)
    if gl is not None:
        st.caption("　".join(f"{lights.badge(k)} {int(gl['n_' + k])} 项" for k in ("red", "yellow", "green", "done")))
    common.show_status(rows, key=f"overview_board_{g}")

st.subheader("区县 × 指标 亮灯")
if len(ov.heat.columns) and len(ov.heat.index):
    short = cache.catalog(store).indicators.set_index("name")["short_name"].to_dict()
    st.plotly_chart(charts.light_heatmap(ov.heat, short), width="stretch", key="overview_heat")
    st.caption("　".join(f"{lights.badge(k)}：{lights.get(k).meaning}" for k in ("untargeted", "unjudged", "none")))

st.subheader(f":red[▲] 红灯清单（{len(ov.red_list)} 项）")
if len(ov.red_list):
    red = ov.red_list
    st.dataframe(
        {
            "指标": red["indicator_name"],
            "地区": red["region"],
            "实际 / 目标": [f"{fmt.number(a, u)} / {fmt.number(t, u)}"
                         for a, t, u in zip(red["actual"], red["target"], red["unit"], strict=False)],
            "完成率": red["completion"].map(fmt.pct),
            "差距": red["gap_pp"].map(fmt.pp),
            "偏差说明": [e if isinstance(e, str) and e else "（未填写）" for e in red["explanation"]],
        },
        hide_index=True, width="stretch", height=common.table_height(len(red), 15),
    )
else:
    st.success("本期区县没有红灯指标。")
st.page_link("pages/indicator.py", label="查看指标详情 →", icon="📈")
common.downloads(common.status_table(ov.city), f"总览_{ov.period}", "overview_dl")
