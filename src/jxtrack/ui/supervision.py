"""Streamlit pieces of 督办 shared by 总览, 指标详情, 区县 and 督办清单: the small form that opens a notice
from red or yellow items, a county's open notices with the reply form, the steps staff take on a
notice, and the recovery labels (已恢复（曾红灯：3–5月）).  Every decision is the service's
(``jxtrack.services.supervision``); these only read widgets and show what it returns."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from jxtrack.domain import access, clock, lights
from jxtrack.domain import supervision as rules
from jxtrack.present import fmt
from jxtrack.services import supervision
from jxtrack.ui import common
from metrics.periods import label_ytd

DEFAULT_DAYS = 7   # the reply-by date the form proposes: a week from today (Beijing date)


def open_form(store, user, rows: pd.DataFrame, key: str) -> None:
    """Staff/admin: open a 督办 on one of the red or yellow county items in ``rows`` (status rows)."""
    if not access.can(user, "supervise") or not len(rows):
        return
    items = rows[rows["light"].isin(rules.LIGHTS_SUPERVISED) & (rows["region_level"] == "county")]
    if not len(items):
        return
    items = items.reset_index(drop=True)
    labels = [f"{lights.badge(lt)} {r} · {n}" for lt, r, n in
              zip(items["light"], items["region"], items["indicator_name"], strict=True)]
    with st.expander(f"发起督办（红灯、黄灯 {len(items)} 项）"):
        with st.form(f"{key}_supervise_form"):
            i = st.selectbox("督办事项", range(len(items)), format_func=lambda j: labels[j], key=f"{key}_sv_item")
            ask = st.text_area("要求区县做什么（督办内容）", key=f"{key}_sv_ask")
            by = st.date_input("回复期限（北京时间，当天仍算按时）", value=clock.today() + timedelta(days=DEFAULT_DAYS),
                               min_value=clock.today(), key=f"{key}_sv_by", format="YYYY-MM-DD")
            go = st.form_submit_button("发起督办")
        if go:
            r = items.iloc[int(i)]
            with common.guard():
                sid = supervision.open_notice(store, user, region=str(r["region_code"]),
                                              indicator=str(r["indicator_code"]), period=str(r["period"]),
                                              ask=ask, reply_by=by)
            common.saved(f"已向{r['region']}发起督办（编号 {sid}）：{r['indicator_name']}，回复期限 {by:%Y-%m-%d}。")


def _card(n) -> None:
    st.markdown(fmt.md("**{} · {}**（{}） · {}", n.indicator_name, n.region_name, label_ytd(n.period), n.state_label))
    st.caption(fmt.md("督办要求：{}　回复期限：{}", n.ask, f"{n.reply_by:%Y-%m-%d}"))
    if isinstance(n.measures, str) and n.measures:
        st.caption(fmt.md("整改措施：{}　预计完成：{}", n.measures,
                          "" if n.expected is None else f"{n.expected:%Y-%m-%d}"))


def county_items(store, user, region: str, key: str) -> None:
    """A county's open 督办 (on its first screen), each with the reply form for its reporter."""
    with common.guard():
        open_ = supervision.notices(store, user, which="open", region=region)
    if not len(open_):
        return
    n_over = int(open_["overdue"].sum())
    st.subheader(f"督办事项（{len(open_)} 项未办结" + (f"，{n_over} 项逾期未回复）" if n_over else "）"))
    for n in open_.itertuples():
        with st.container(border=True):
            _card(n)
            if n.state == rules.PENDING and access.allowed(user, "reply", n.region):
                with st.form(f"{key}_reply_{n.supervision_id}"):
                    measures = st.text_area("整改措施", key=f"{key}_reply_m_{n.supervision_id}")
                    when = st.date_input("预计完成日期", value=clock.today() + timedelta(days=30),
                                         key=f"{key}_reply_d_{n.supervision_id}", format="YYYY-MM-DD")
                    ok = st.form_submit_button("提交回复")
                if ok:
                    with common.guard():
                        supervision.reply(store, user, int(n.supervision_id), measures=measures, expected=when)
                    common.saved(f"已回复督办 {n.supervision_id}。")


def staff_steps(store, user, notices: pd.DataFrame, key: str) -> None:
    """Close (办结) or ask again (再次督办) one of ``notices`` (staff/admin)."""
    if not access.can(user, "supervise"):
        return
    open_ = notices[notices["state"] != rules.CLOSED].reset_index(drop=True)
    if not len(open_):
        return
    labels = {int(r.supervision_id): f"{r.supervision_id} · {r.region_name} · {r.indicator_name} · {r.state_label}"
              for r in open_.itertuples()}
    with st.expander("办结或再次督办"):
        with st.form(f"{key}_steps_form"):
            sid = st.selectbox("督办", list(labels), format_func=labels.get, key=f"{key}_steps_id")
            step = st.radio("操作", ["close", "press"], format_func={"close": "办结", "press": "再次督办"}.get,
                            horizontal=True, key=f"{key}_steps_step")
            text = st.text_area("办结说明，或再次督办的要求", key=f"{key}_steps_text")
            by = st.date_input("新的回复期限（再次督办时）", value=clock.today() + timedelta(days=DEFAULT_DAYS),
                               min_value=clock.today(), key=f"{key}_steps_by", format="YYYY-MM-DD")
            go = st.form_submit_button("确定")
        if go:
            with common.guard():
                if step == "close":
                    supervision.close(store, user, int(sid), text)
                else:
                    supervision.press(store, user, int(sid), ask=text, reply_by=by)
            common.saved(f"督办 {sid} 已{'办结' if step == 'close' else '再次督办'}。")


def recovered(rows: pd.DataFrame, region_col: bool = True) -> None:
    """The items that were red this year and are no longer behind, with their red months."""
    if "recovery" not in rows.columns:
        return
    rec = rows[rows["recovery"] != ""]
    if not len(rec):
        return
    names = rec["short_name"].where(rec["short_name"].astype(bool), rec["indicator_name"])
    lines = [fmt.md("{}{}：{}", f"{r} · " if region_col else "", n, lbl)
             for r, n, lbl in zip(rec["region"], names, rec["recovery"], strict=True)]
    st.info("**已恢复的指标**（曾亮红灯，现已不落后于序时进度）  \n" + "  \n".join(lines))
