"""报送情况 — county × month matrix of 已报 / 迟报 / 未报, upload history with who and when, and
rollback (撤回) for the working group."""

import streamlit as st

from jxtrack.domain import access, clock
from jxtrack.present import fmt
from jxtrack.services import cycle, submissions
from jxtrack.ui import cache, common, session
from jxtrack.ui import review as review_ui
from metrics.periods import period_year


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user()
    store = cache.store()
    common.demo_banner(store)
    st.title("报送情况")
    periods = cache.periods(store)
    years = sorted({period_year(p) for p in periods}, reverse=True) or [2026]
    year = st.selectbox("年度", years, key="reporting_year")
    with common.guard():
        rep = submissions.reporting_view(store, year, user)
    with common.guard():
        due = cycle.due_day_setting(store)
    st.caption(f"{due.caption}；截止日前为“待报”，过了截止日仍未报送才算“未报”。"
               + "　".join(submissions.STATE_WORDS.values()))
    common.report_views(rep)   # the grid on a wide screen, one card per county on a phone
    if user.region and not access.can(user, "review"):   # 审核: a county sees its months and a return's reason
        review_ui.own_states(store, user, year)
    else:
        review_ui.section(store, user)
    if access.can(user, "settings"):
        with st.expander(f"修改报送截止日（工作专班；当前：次月 {due.day} 日）"):
            if due.set_by:
                st.caption(fmt.md("上次由 {} 于 {} 修改，原因：{}", due.set_by, clock.show(due.set_at), due.reason))
            with st.form("due_day_form"):
                new_day = st.number_input("每月报送截止日（次月第几日）", min_value=cycle.DUE_DAY_MIN,
                                          max_value=cycle.DUE_DAY_MAX, value=due.day, step=1, key="due_day_value")
                why = st.text_input("修改原因（必填，记入操作日志）", key="due_day_reason")
                save = st.form_submit_button("保存截止日")
            if save:
                with common.guard():
                    after = cycle.set_due_day(store, user, int(new_day), why)
                common.saved(f"报送截止日已改为次月 {after.day} 日。")
    st.markdown(f"本年度：✖ 未报 **{rep.missing}** 次，◆ 迟报 **{rep.late}** 次"
                + (f"（另有 {rep.pending} 个区县月份待报，未到截止日）。" if rep.pending else "。"))

    st.subheader("上传记录")
    with common.guard():
        hist = submissions.history_view(store, user)
    if not len(hist.table):
        st.caption("还没有上传记录（示例数据不计入）。")
    else:
        st.dataframe(hist.table, hide_index=True, width="stretch", placeholder="—")
        common.downloads(hist.table, f"上传记录_{year}", "reporting_dl")
        if access.can(user, "withdraw"):
            with st.expander("撤回一次上传"):
                if not hist.withdrawable:
                    st.caption("没有可撤回的上传。")
                else:
                    with st.form("withdraw_form"):
                        uid = st.selectbox("上传编号", list(hist.withdrawable), key="withdraw_id",
                                           format_func=hist.withdrawable.get)
                        reason = st.text_input("撤回原因（必填）", key="withdraw_reason")
                        ok = st.form_submit_button("确认撤回")
                    if ok:
                        with common.guard():
                            submissions.withdraw_upload(store, user, int(uid), reason)
                        cache.invalidate()
                        common.saved(f"已撤回上传 {uid}；之前的数据重新生效。")


if __name__ == "__main__":
    render()
