"""督办 — the working group's list of supervision notices (open, overdue, closed, by county) with
their steps; leaders read it.  Opening a notice is done from a red or yellow item (总览, 指标详情, 区县)."""

import streamlit as st

from jxtrack.domain import access
from jxtrack.services import submissions, supervision
from jxtrack.ui import cache, common, session
from jxtrack.ui import supervision as sv
from metrics.periods import label_ytd


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user("supervision")
    store = cache.store()
    common.demo_banner(store)
    st.title("督办")
    st.caption("对红灯、黄灯指标发起督办，区县回复整改措施和预计完成日期，工作专班办结或再次督办；"
               "过了回复期限（北京时间）仍未回复的为“逾期”。")
    c1, c2 = st.columns(2)
    which = c1.segmented_control("范围", list(supervision.FILTERS), format_func=supervision.FILTERS.get,
                                 default="open", key="supervision_which") or "open"
    regions = cache.regions(store, user)
    counties = regions[regions["level"] == "county"]
    county = c2.selectbox("区县", [None, *counties["code"]], key="supervision_region",
                          format_func=lambda c: "全部区县" if c is None else counties.set_index("code").loc[c, "name"])
    with common.guard():
        notices = supervision.notices(store, user, which=which, region=county)
        everything = supervision.notices(store, user, which="all", region=county)
    n_open = int((everything["state"] != "closed").sum())
    st.markdown(f"未办结 **{n_open}** 项，其中逾期未回复 **{int(everything['overdue'].sum())}** 项；"
                f"已办结 **{int((everything['state'] == 'closed').sum())}** 项。")
    if not len(notices):
        st.caption("没有符合条件的督办。")
    else:
        names = submissions.people_names(store)   # people by their names, periods as 2026年1–10月
        view = notices[["supervision_id", "region_name", "indicator_name", "period", "state_label", "ask", "reply_by",
                        "measures", "expected", "opened_by", "opened_at"]].assign(
            period=notices["period"].map(label_ytd),
            opened_by=[submissions.shown_person(names, u) for u in notices["opened_by"]])
        view.columns = ["编号", "区县", "指标", "报告期", "状态", "督办要求", "回复期限", "整改措施", "预计完成", "发起人",
                        "发起时间"]
        common.text_table(view)
        common.downloads(view, f"督办_{which}", "supervision_dl")
        with st.expander("一项督办的全过程（发起、回复、再次督办、办结）"):
            sid = st.selectbox("督办编号", list(notices["supervision_id"]), key="supervision_history_id")
            with common.guard():
                steps = supervision.history(store, user, int(sid))
            steps = steps[["step_label", "actor", "step_at", "ask", "reply_by", "measures", "expected", "note"]].assign(
                actor=[submissions.shown_person(names, u) for u in steps["actor"]])
            steps.columns = ["步骤", "操作人", "时间", "督办要求", "回复期限", "整改措施", "预计完成", "说明"]
            common.text_table(steps)
    if access.can(user, "supervise"):
        sv.staff_steps(store, user, everything, "supervision")


if __name__ == "__main__":
    render()
