"""指标详情 — one indicator: year-to-date line against 序时 and the target, each county's bar with
the county average, forecast and required pace, 同比/环比, the table behind it, and the target's
source (with the other figure where sources conflict)."""

import pandas as pd
import streamlit as st

from jxtrack.domain import lights
from jxtrack.present import fmt
from jxtrack.ui import cache, charts, common, session
from jxtrack.ui import supervision as sv
from metrics.periods import label_ytd, period_year


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user()
    store = cache.store()
    common.demo_banner(store)
    ind = cache.catalog(store).indicators.sort_values("sort")
    codes = list(ind["code"])
    names = ind.set_index("code")["name"]
    default = st.query_params.get("indicator", codes[0])
    regions = cache.regions(store, user)
    region_names = regions.set_index("code")["name"]

    c1, c2, c3 = st.columns([2, 1, 1])
    code = c1.selectbox("指标", codes, index=codes.index(default) if default in codes else 0,
                        format_func=lambda c: names[c], key="indicator_code")
    with c2:
        period = common.period_select(store, "indicator_period")
    region = c3.selectbox("走势地区", list(regions["code"]), format_func=lambda c: region_names[c],
                          key="indicator_region")
    st.query_params["indicator"] = code
    with common.guard():
        d = cache.indicator_detail(store, code, period, region, user)

    unit = str(d.indicator["unit"])
    st.title(names[code])
    st.caption(f"{d.indicator['group']} · {d.indicator['section']} · 责任单位：{d.indicator['responsible']} · "
               f"{label_ytd(d.period)}累计" + (f" · {d.period_label}" if d.period_label else ""))
    if d.period_note:
        (st.info if d.period_label else st.warning)(d.period_note)
    row = d.rows[d.rows["region_code"] == region]
    if len(row):
        r = row.iloc[0]
        m = st.columns(4)
        m[0].metric(f"{region_names[region]} · {lights.md(lights.shown(r['light'], r['light_reason']))}", fmt.number(r["actual"], unit),
                    help="年初至本月累计")
        m[1].metric("目标", fmt.target(r["target"], unit, r["comparator"]))
        gap = fmt.gap_points(r["completion"], r["time_progress"], r["gap_pp"])
        m[2].metric("完成率", fmt.pct(r["completion"]),
                    delta=None if gap is None else f"{fmt.pp(gap)}（{fmt.GAP}）")   # the sign first: it sets the arrow
        m[3].metric("年末预测", fmt.number(r["forecast"], unit), help=fmt.will_meet(r["will_meet"]))
        n = st.columns(4)
        # one definition (fmt.PROGRESS_RULE): a share of the target, as in the bulletin; the expected
        # figure itself beside it, so 完成率 − 序时进度 = 进度差 can be checked on screen
        n[0].metric(fmt.PROGRESS, fmt.progress(r["time_progress"]), help=fmt.PROGRESS_RULE)
        n[1].metric("今后每月需完成", fmt.number(r["required_pace"], unit),
                    help=f"剩余 {r['remaining_months']} 个月")
        n[2].metric("同比", fmt.pct(r["yoy"], signed=True))
        n[3].metric("环比（较上月）", fmt.change(r["mom"], unit))   # a rate's change in 个百分点
        if gap is not None:
            st.caption(f"{fmt.EXPECTED} {fmt.number(r['expected'], unit)}（实际 {fmt.number(r['actual'], unit)}）· "
                       f"{fmt.GAP} = 完成率 {fmt.pct(r['completion'])} − {fmt.PROGRESS} "
                       f"{fmt.progress(r['time_progress'])} = {fmt.pp(gap)}")
        note = common._note(r)
        if note:
            st.info(fmt.plain(note))
    sv.recovered(d.rows)

    st.subheader("目标出处")
    src = d.sources
    if len(src):
        year = period_year(d.period)
        here = src[src["region"] == region_names[region]]
        this_year = here[here["year"] == year]
        for s in (this_year if len(this_year) else here).itertuples():
            mark = "**约束性目标**" if s.binding else "参考（非约束）"
            if s.binding and isinstance(getattr(s, "binding_reason", ""), str) and s.binding_reason:
                mark += fmt.md("（依据：{}）", s.binding_reason)
            status = "正式文件" if s.status == "official" else "征求意见稿/草案"
            st.markdown(f"- {s.year}年 {fmt.comparator(s.comparator)}{fmt.number(s.target_value, unit)} —— "
                        f"{fmt.plain(s.source)}（{status}）{('，' + fmt.plain(s.clause)) if isinstance(s.clause, str) and s.clause else ''} · {mark}"
                        + (f"  \n  ⚠ 另一出处的数字：{fmt.plain(s.other_figures)}" if getattr(s, "other_figures", "") else ""))
        if len(this_year) and len(here) > len(this_year):
            st.caption("其他年份：" + "；".join(f"{r.year}年 {fmt.comparator(r.comparator)}{fmt.number(r.target_value, unit)}"
                                             + ("" if r.binding else "（参考）")
                                             for r in here[here["year"] != year].itertuples()))
        if not len(here):
            st.caption("该地区没有单独的目标（区县目标未分解时：比率类指标参照全市目标，总量类只看排名和占比）。")
    else:
        st.caption("该指标没有目标。")

    st.subheader("逐月走势（年初至今累计）")
    if len(d.series) and d.series["actual"].notna().any():
        common.chart(charts.progress_line(d.series, unit, "年度目标"), "indicator_line")
    else:
        st.caption("本年还没有该地区的数据。")

    counties = d.rows[d.rows["region_level"] == "county"]
    if len(counties) > 1:
        st.subheader("各区县对比")
        avg = counties["county_avg"].dropna()
        common.chart(charts.county_bars(counties, unit, avg.iloc[0] if len(avg) else None), "indicator_bars")
        st.caption("条形为年初至今实际，竖线标记为各区县自己的目标，虚线为区县平均；按完成率排序，完成得好的在上。")

    st.subheader("数据表")
    extra = pd.DataFrame({
        "排名": [f"{int(a)}/{int(b)}" if pd.notna(a) and pd.notna(b) else "—"
               for a, b in zip(d.rows["rank"], d.rows["rank_of"], strict=True)],
        "同比": d.rows["yoy"].map(lambda v: fmt.pct(v, signed=True)).to_numpy(),
    })
    common.show_status(d.rows, region_col=True, extra=extra, key="indicator_table")
    sv.open_form(store, user, d.rows, "indicator")
    common.downloads(common.download_frame(d.rows, region_col=True, indicator_col=False),
                     f"{names[code]}_{d.period}", "indicator_dl")


if __name__ == "__main__":
    render()
