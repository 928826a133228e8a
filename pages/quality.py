"""数据质量 — the data-quality monitor: warnings for a period with filters, and the month's
bulletin (月度通报) as Word and Excel."""

import pandas as pd
import streamlit as st

from jxtrack.reports.streamlit_bits import download_buttons
from jxtrack.services import quality
from jxtrack.ui import cache, common, session
from metrics.periods import label_ytd


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user()
    store = cache.store()
    common.demo_banner(store)
    st.title("数据质量")
    st.caption("系统自动检查：年内累计数下降、市报数与区县合计不符、与上年同期差异过大、只报比率未报分子分母、未报送或逾期报送。"
               "每条提示注明地区、指标、报告期和上传编号。")
    period = common.period_select(store, "quality_period")
    with common.guard():
        w = quality.check(store, period, user=user)

    if w.empty:
        st.success("本期未发现数据质量问题。", icon=":material/check_circle:")
    else:
        c1, c2, c3 = st.columns(3)
        sev = c1.multiselect("级别", list(quality.SEVERITY_LABELS.values()), key="quality_severity",
                             placeholder="请选择…（不选即全部）")
        kinds = c2.multiselect("类型", sorted(w["check_label"].unique()), key="quality_check",
                               placeholder="请选择…（不选即全部）")
        places = c3.multiselect("地区", list(dict.fromkeys(w["region"])), key="quality_region",
                                placeholder="请选择…（不选即全部）")
        shown = w
        if sev:
            shown = shown[shown["severity_label"].isin(sev)]
        if kinds:
            shown = shown[shown["check_label"].isin(kinds)]
        if places:
            shown = shown[shown["region"].isin(places)]
        counts = w["severity_label"].value_counts()
        st.markdown("　".join(f"**{k}** {int(counts.get(k, 0))} 条" for k in quality.SEVERITY_LABELS.values()))
        table = pd.DataFrame({
            "级别": shown["severity_label"], "类型": shown["check_label"], "地区": shown["region"],
            "指标": shown["indicator"].fillna("—"), "报告期": shown["period"].map(label_ytd),
            "上传编号": shown["upload_id"].map(lambda v: "—" if pd.isna(v) else f"#{int(v)}"),
            "说明": shown["message"],
        })
        common.text_table(table, cap=30)   # 说明 wraps, never cut
        common.downloads(table, f"数据质量-{period}", "quality_dl")

    st.subheader("月度通报")
    st.caption("本期的月度通报（Word 和 Excel）：总体情况、汇总表、区县排名、红灯清单及偏差说明、报送情况、数据质量附件。")
    if st.button("生成本期月度通报", key="quality_build_bulletin"):
        with st.spinner("正在生成 Word 和 Excel 通报…"), common.guard():
            st.session_state["quality_bulletin"] = (period, download_buttons(store, period, user))
    built = st.session_state.get("quality_bulletin")
    if built and built[0] == period:
        files = built[1]
        d1, d2 = st.columns(2)
        name, data, mime = files["docx"]
        d1.download_button("下载 Word 通报", data, name, mime, key="quality_bulletin_docx")
        name, data, mime = files["xlsx"]
        d2.download_button("下载 Excel 通报", data, name, mime, key="quality_bulletin_xlsx")


if __name__ == "__main__":
    render()
