"""区县 — one county's scorecard: every indicator with light, rank among counties and a trend."""

from collections import Counter

import pandas as pd
import streamlit as st

from jxtrack.present import fmt
from jxtrack.ui import cache, common, session
from jxtrack.ui import review as review_ui
from jxtrack.ui import supervision as sv
from metrics.periods import label_ytd


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user()
    store = cache.store()
    common.demo_banner(store)
    regions = cache.regions(store, user)
    choices = regions[regions["level"].isin(["county", "zone", "city"])]
    codes = list(choices["code"])
    names = choices.set_index("code")["name"]
    default = user.region if user.region in codes else (codes[1] if len(codes) > 1 else codes[0])
    c1, c2 = st.columns([2, 1])
    # county and period are kept in the address, so F5 (or a shared link) opens the same scorecard
    region = c1.selectbox("地区", codes, index=codes.index(default), format_func=lambda c: names[c],
                          key="county_region", bind="query-params")
    with c2:
        period = common.period_select(store, "county_period", in_url=True)
    with common.guard():
        sc = cache.county_scorecard(store, region, period, user)

    st.title(f"{sc.region_name} · {label_ytd(sc.period)}" + (f" · {sc.period_label}" if sc.period_label else ""))
    if region in set(regions.loc[regions["level"] == "county", "code"]):
        review_ui.banner(store, region, sc.period, user)   # 审核: 待审核 / 已退回 / 已审核
    if sc.period_note:
        (st.info if sc.period_label else st.warning)(sc.period_note)
    rows = sc.rows
    sv.county_items(store, user, sc.region, "county")   # open 督办 first, with the reply form
    sv.recovered(rows, region_col=False)
    sv.open_form(store, user, rows, "county")
    # what the count counts, and every light in it (grey ones too), so the parts add up to the total
    st.markdown(f"**{sc.region_name}指标 {len(rows)} 项**中：" + common.counts_text(Counter(common.shown_lights(rows))))
    extra = pd.DataFrame({
        "排名": [f"第{int(a)}/{int(b)}" if pd.notna(a) and pd.notna(b) else "—"
               for a, b in zip(rows["rank"], rows["rank_of"], strict=True)],
        "与区县平均差": [fmt.change(v, u) for v, u in zip(rows["gap_to_avg"], rows["unit"], strict=True)],
    })
    for g, slug in (("两化", "lianghua"), ("两业", "liangye")):   # (keys become CSS classes: ASCII)
        mask = (rows["group"] == g).to_numpy()
        if mask.any():
            st.subheader("“两化”改造" if g == "两化" else "两业融合")
            part = rows[mask].reset_index(drop=True)
            ex = extra[mask].reset_index(drop=True)
            # the grid's sparkline refuses a list with a gap (it shows the list as text with an English
            # error): months without a figure (1月 merged into 1–2月, not yet reported) are left out
            ex["近12个月"] = [[v for v in t if v is not None and v == v] for t in part["trend"]]
            # a wide screen: the table (年末预测 and 能否完成 before the ranks); a phone: one card each
            common.status_views(
                part, extra=ex, key=f"county_table_{slug}", first=["完成率", fmt.PROGRESS, fmt.GAP, "年末预测", "能否完成"],
                column_config={"近12个月": st.column_config.LineChartColumn(
                    "近12个月", width="small",
                    help="近12个月每月末的数值走势：年内为累计数，每年1月重新累计；没有数字的月份（如并入1–2月报送的1月）略去")})
    if len(rows):
        common.downloads(common.download_frame(rows, extra=pd.DataFrame({"与区县平均差": rows["gap_to_avg"].round(2)})),
                         f"{sc.region_name}_{sc.period}", "county_dl")


if __name__ == "__main__":
    render()
