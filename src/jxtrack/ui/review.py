"""Streamlit pieces of the review (审核): a county's banner (its state and a return's reason) on
the upload page and the county page, and the working group's review on 报送情况.  Every decision
is the review service's (``jxtrack.services.review``); these only draw it."""

from __future__ import annotations

import streamlit as st

from jxtrack.domain import access, clock
from jxtrack.domain import review as rules
from jxtrack.present import fmt
from jxtrack.services import quality, review
from jxtrack.ui import cache, common
from metrics.periods import label_month


def banner(store, region: str, period: str, user) -> None:
    """The month's review state for ``region``: a warning when it is approved (locked), the
    working group's reason when returned, a note while it waits for review."""
    with common.guard():
        rev = review.review_of(store, region, period, user)
    when = f"{rev.region_name}{label_month(rev.period)}"
    if rev.state == rules.APPROVED:
        st.warning(fmt.md("{}的报表已审核通过（已锁定）：不能再上传或撤回；如需更正，请联系市工作专班重新打开。", when),
                   icon=":material/lock:")
    elif rev.state == rules.RETURNED:
        d = rev.decision
        st.error(fmt.md("{}的报表已被市工作专班退回（{} {}），退回原因：{}。请按原因更正后重新上传；"
                        "更正前原数据仍然有效。", when, d.decided_by, clock.show(d.decided_at), d.reason),
                 icon=":material/undo:")
    elif rev.state == rules.SUBMITTED:
        st.info(fmt.md("{}的报表已报送，待市工作专班审核。", when))


def own_states(store, user, year: int) -> None:
    """A county reporter's months of ``year`` on 报送情况: each reported month's review state, and
    every returned month's reason (as a banner)."""
    if not user.region:
        return
    with common.guard():
        revs = review.region_year(store, user, user.region, year)
    if not revs:
        return
    st.subheader("审核")
    for v in revs:
        if v.state == rules.RETURNED:
            banner(store, v.region, v.period, user)
    common.text_table(_table(revs, month=True))


def section(store, user) -> None:
    """报送情况's review (staff/admin): the month's counties with their state; one county's figures
    beside last month and last year, its quality findings and 偏差说明; approve or return it."""
    st.subheader("审核")
    menu = cache.period_menu(store)
    if not menu.periods:
        st.caption("还没有可审核的报表。")
        return
    period = st.selectbox("审核报告期", menu.periods, index=menu.periods.index(menu.default),
                          format_func=menu.label, key="reporting_review_period")
    with common.guard():
        revs = review.reviews(store, period, user)
    counts = {s: sum(1 for v in revs if v.state == s) for s in rules.STATES}
    st.markdown("　".join(f"{rules.SYMBOLS[s]} {rules.SHORT[s]} **{counts[s]}**" for s in rules.STATES))
    common.text_table(_table(revs))
    if access.can(user, "settings"):
        _required_setting(store, user)
    if not access.can(user, "review"):
        return
    shown = [v for v in revs if v.state != rules.NOT_REPORTED]
    if not shown:
        st.caption("本月还没有区县报送。")
        return
    pick = st.selectbox("审核哪个地区", [v.region for v in shown], key="reporting_review_region",
                        format_func=lambda c: next(f"{v.region_name} · {v.short}" for v in shown if v.region == c))
    rev = next(v for v in shown if v.region == pick)
    with common.guard():
        figs = review.figures(store, user, rev.region, period)
        warn = quality.check(store, period, user=user)
    st.markdown(fmt.md("**{}** {}：{}（上传 #{}）", rev.region_name, label_month(period), rev.word, rev.upload_id))
    st.dataframe(figs, hide_index=True, width="stretch", placeholder="—")
    own = warn[warn["region_code"] == rev.region] if len(warn) else warn
    if len(own):
        st.markdown("**数据质量提示**")
        common.text_table(own.rename(columns={"indicator": "指标", "message": "提示"}), ["指标", "提示"])
    else:
        st.caption("数据质量检查没有发现问题。")
    if rev.state in (rules.SUBMITTED, rules.RETURNED):
        with st.form("review_form"):
            why = st.text_input("退回原因（退回时必填，区县可见）", key="review_reason")
            c1, c2 = st.columns(2)
            ok = c1.form_submit_button("审核通过", type="primary")
            back = c2.form_submit_button("退回区县更正") if rev.state == rules.SUBMITTED else False
        if ok or back:
            with common.guard():
                if ok:
                    after = review.approve(store, user, rev.region, period)
                else:
                    after = review.return_report(store, user, rev.region, period, why)
            cache.invalidate()
            common.saved(f"{after.region_name}{label_month(period)}：{after.word}。")
    elif rev.state == rules.APPROVED and access.can(user, "reopen"):
        with st.form("reopen_form"):
            why = st.text_input("重新打开的原因（必填，记入操作日志）", key="reopen_reason")
            again = st.form_submit_button("重新打开")
        if again:
            with common.guard():
                after = review.reopen(store, user, rev.region, period, why)
            cache.invalidate()
            common.saved(f"{after.region_name}{label_month(period)}已重新打开：{after.word}。")


def _required_setting(store, user) -> None:
    """The working group's setting 审核后才计入通报 (with a reason, audited)."""
    with common.guard():
        req = review.required_setting(store)
    with st.expander(req.caption):
        if req.set_by:
            st.caption(fmt.md("上次由 {} 于 {} 修改，原因：{}", req.set_by, clock.show(req.set_at), req.reason))
        with st.form("review_required_form"):
            on = st.toggle(review.REQUIRED_CAPTION, value=req.on, key="review_required_on")
            why = st.text_input("修改原因（必填，记入操作日志）", key="review_required_reason")
            save = st.form_submit_button("保存设置")
        if save:
            with common.guard():
                after = review.set_review_required(store, user, on, why)
            common.saved(after.caption + "。")


def _table(revs, month: bool = False):
    import pandas as pd

    rows = []
    for v in revs:
        d = v.decision if v.state in (rules.APPROVED, rules.RETURNED) else None
        rows.append({("报告期" if month else "地区"): label_month(v.period) if month else v.region_name, "审核状态": f"{rules.SYMBOLS[v.state]} {v.short}",
                     "上传编号": f"#{v.upload_id}" if v.upload_id else None,
                     "审核人": d.decided_by if d else None,
                     "审核时间": clock.show(d.decided_at) if d else None,
                     "退回原因": v.return_reason})
    return pd.DataFrame(rows)
