"""项目库 — the project ledger with filters, per-project subsidy with its explanation (rule, clause,
arithmetic), totals by county and rule, the city fund against its 1亿元 target, ledger import, and
the subsidy rules with their sources.  County users see only their county: the service filters."""

import pandas as pd
import streamlit as st

from jxtrack.domain import access
from jxtrack.present import fmt
from jxtrack.services import projects
from jxtrack.ui import cache, common, session


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user()
    store = cache.store()
    common.demo_banner(store)
    st.title("项目库")
    st.caption("项目清单与奖补测算（嘉政发〔2024〕6号 三、支持政策；就高不重复）。金额单位：万元。")

    today = projects.today()
    years = list(range(2024, max(2026, today.year) + 1))
    tab_names = ["项目清单", "奖补测算", "资金使用", "奖补规则"]
    if access.can(user, "import"):
        tab_names.append("导入项目库")
    tabs = dict(zip(tab_names, st.tabs(tab_names), strict=True))

    with common.guard():
        page_view = cache.projects_view(store, user)
    ledger, subs = page_view.ledger, page_view.subsidies

    # ---- 项目清单 ---------------------------------------------------------------------------------------
    with tabs["项目清单"]:
        if ledger.empty:
            st.info("项目库还没有项目。" + ("请在“导入项目库”中下载模板、填好后上传。" if access.can(user, "import") else ""))
        else:
            c1, c2, c3 = st.columns(3)
            regions = ["（全部）"] + sorted(ledger["region"].unique())
            region = c1.selectbox("地区", regions, key="projects_region")
            year = c2.selectbox("开工或验收年份", ["（全部）"] + years, key="projects_year")
            text = c3.text_input("项目或企业名称包含", key="projects_text")
            view = ledger
            if region != "（全部）":
                view = view[view["region"] == region]
            if year != "（全部）":
                view = view[view["start_date"].str.startswith(str(year)) | view["acceptance_date"].str.startswith(str(year))]
            if text.strip():
                t = text.strip()
                view = view[view["project_name"].str.contains(t, regex=False) | view["enterprise"].str.contains(t, regex=False)]
            table = pd.DataFrame({
                "项目名称": view["project_name"], "企业名称": view["enterprise"], "统一社会信用代码": view["credit_code"],
                "地区": view["region"], "项目类型": view["project_type"], "开工日期": view["start_date"],
                "验收日期": view["acceptance_date"], "总投资（万元）": view["total_investment"],
                "生产性投入（万元）": view["productive_investment"], "设备投资额（万元）": view["equipment_investment"],
                "绩效评价": view["grade"], "认定": view["honours"], "也在其他区县项目库": view["duplicate_in"],
            })
            st.caption(f"共 {len(table)} 个项目。")
            st.dataframe(table, hide_index=True, width="stretch", placeholder="—", height=common.table_height(len(table), 15))
            dups = (view["duplicate_in"] != "").sum()
            if dups:
                st.warning(f"有 {dups} 个项目（同一企业、同名项目）也出现在其他区县的项目库中，可能重复统计，请核实。")
            common.downloads(table, "项目库", "projects_dl")

    # ---- 奖补测算 ---------------------------------------------------------------------------------------
    with tabs["奖补测算"]:
        year = st.selectbox("奖补年度（按验收日期）", years, index=years.index(min(today.year, years[-1])),
                            key="projects_subsidy_year")
        ys = subs[subs["year"] == year]
        if ys.empty:
            st.info(f"{year}年没有验收的项目可测算。")
        else:
            e = ys[ys["status"] == "eligible"]
            c1, c2, c3 = st.columns(3)
            c1.metric("符合条件的项目", f"{e['project_id'].nunique()} 个")
            c2.metric("测算奖补合计", fmt.wan(e["amount"].sum()))
            c3.metric("就高不重复未计", f"{(ys['status'] == 'superseded').sum()} 项")
            table = pd.DataFrame({
                "项目名称": ys["project_name"], "企业名称": ys["enterprise"], "地区": ys["region"],
                "规则": ys["rule_name"], "条款": ys["clause"], "依据": ys["basis"], "金额（万元）": ys["amount"],
                "结果": ys["status"].map(projects.STATUS_LABELS), "说明": ys["reason"],
            })
            st.dataframe(table, hide_index=True, width="stretch", placeholder="—", height=common.table_height(len(table), 15))
            common.downloads(table, f"奖补测算_{year}", "projects_subsidy_dl")
            tot = projects.totals(ys)
            c1, c2 = st.columns(2)
            c1.markdown("**按地区**")
            c1.dataframe(tot["region"].rename(columns={"region": "地区", "projects": "项目数", "amount": "金额（万元）"}),
                         hide_index=True, width="stretch")
            c2.markdown("**按规则**")
            c2.dataframe(tot["rule"].rename(columns={"rule_name": "规则", "clause": "条款", "projects": "项目数",
                                                     "amount": "金额（万元）"}), hide_index=True, width="stretch")
            st.markdown("**单个项目的测算过程**")
            labels = (ys["project_name"] + "（" + ys["enterprise"] + "）").drop_duplicates()
            pick = st.selectbox("选择项目", list(labels), key="projects_explain")
            for r in ys[(ys["project_name"] + "（" + ys["enterprise"] + "）") == pick].itertuples():
                st.markdown(
                    f"- **{fmt.plain(r.rule_name)}**（{fmt.plain(r.clause)}）：{projects.STATUS_LABELS[r.status]}，"
                    f"{r.amount:g} 万元  \n  依据：{fmt.plain(r.basis) or '—'}  \n  说明：{fmt.plain(r.reason)}"
                    + (f"  \n  预拨付：{r.prepay_share:.0%}，{r.prepay:g} 万元" if r.prepay else ""))

    # ---- 资金使用 ---------------------------------------------------------------------------------------
    with tabs["资金使用"]:
        year = st.selectbox("年度", years, index=years.index(min(today.year, years[-1])), key="projects_fund_year")
        with common.guard():
            f, fc = cache.project_fund(store, user, year)
        if fc["scope"] is not None:
            st.info(f"以下只合计{fc['scope']}的项目；市本级资金的预算、余额按全市合计，由市工作专班掌握。")
        elif pd.isna(f["budget"]):
            st.info(f"{year}年没有市本级资金目标（嘉政发〔2024〕6号 四（二）），只显示已承诺金额。")
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("预算（万元）", "—" if pd.isna(f["budget"]) else f"{f['budget']:,.0f}")
        c2.metric("已承诺（万元）", fmt.number(f["committed"]),
                  help="当年验收项目的奖补（扣除此前预拨付）加当年开工项目的预拨付")
        c3.metric("其中预拨付（万元）", fmt.number(f["prepaid"]))
        c4.metric("余额（万元）", fmt.number(f["remaining"]),
                  delta=None if pd.isna(f["committed_share"]) else f"已用 {fmt.pct(f['committed_share'])}", delta_color="off")
        if fc["forecast"] is not None and fc["months"] < 12:
            st.caption(f"截至 {today:%Y-%m-%d} 已到期 {fmt.wan(fc['committed_to_date'])}；按进度推算全年约 "
                       f"{fmt.wan(fc['forecast'])}；按项目计划验收日期全年 {fmt.wan(fc['committed_planned'])}。")

    # ---- 奖补规则 ---------------------------------------------------------------------------------------
    with tabs["奖补规则"]:
        rules = page_view.rules
        table = pd.DataFrame({
            "规则": rules["name"], "文件": rules["document"], "条款": rules["clause"],
            "状态": rules["status"].map({"official": "正式文件", "draft": "征求意见稿"}),
            "适用": rules["binding"].map({True: "✔ 适用", False: "仅供参考"}),
        })
        st.dataframe(table, hide_index=True, width="stretch", height=common.table_height(len(table), 25),
                     placeholder="—")
        st.caption("文件之间不一致时（如省级未来工厂：6号 200万元，两业融合征求意见稿 300万元），两条都保留，其中一条适用。")
        if access.can(user, "switch_binding"):
            topics = rules.groupby("topic")["code"].count()
            topics = list(topics[topics > 1].index)
            with st.form("projects_bind"):
                topic = st.selectbox("事项", topics, key="projects_bind_topic",
                                     format_func=lambda t: " / ".join(dict.fromkeys(rules.loc[rules["topic"] == t, "name"])))
                options = list(rules.loc[rules["topic"] == topic, "code"])
                rule = st.selectbox("改为适用的规则", options, key="projects_bind_rule",
                                    format_func=lambda c: rules.set_index("code").loc[c, "name"] + "（"
                                    + rules.set_index("code").loc[c, "document"] + "）")
                reason = st.text_input("切换原因（必填）", key="projects_bind_reason")
                if st.form_submit_button("切换适用规则"):
                    with common.guard():
                        projects.switch_rule(store, user, topic, rule, reason)
                    cache.invalidate()
                    st.session_state.pop("projects_bind_reason", None)   # the next switch needs its own reason
                    common.saved("已切换并记录（操作人、时间、原因）。")

    # ---- 导入项目库 -------------------------------------------------------------------------------------
    if "导入项目库" in tabs:
        with tabs["导入项目库"]:
            with common.guard():
                data, fname = cache.ledger_template(store, user)
            st.download_button("下载项目库模板（Excel）", data, fname, key="projects_template",
                               mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            up = st.file_uploader("选择项目库文件（xlsx / xls / csv，不超过 20 MB）", type=["xlsx", "xls", "csv"],
                                  key="projects_file")
            common.chinese_uploader("projects_file")
            if up is not None:
                raw = up.getvalue()
                with st.spinner("正在检查文件…"), common.guard():
                    res = projects.preview_ledger(store, raw, up.name, user)
                common.check_verdict(res, "文件", f"{len(res.projects)} 个项目")
                if res.changes is not None and res.status != "rejected":
                    ch = res.changes
                    for line in ch.owner_lines():
                        st.markdown(fmt.plain(line))
                    st.markdown("**" + ch.summary() + "**")
                    if not ch.table.empty:
                        st.dataframe(pd.DataFrame({
                            "变化": ch.table["change"].map(projects.CHANGE_LABELS), "地区": ch.table["region"],
                            "项目名称": ch.table["project_name"], "企业名称": ch.table["enterprise"],
                            "变更内容": ch.table["fields"], "奖补（导入前，万元）": ch.table["amount_before"],
                            "奖补（导入后，万元）": ch.table["amount_after"],
                        }), hide_index=True, width="stretch", placeholder="—")
                    c1, c2 = st.columns(2)
                    f = ch.fund
                    c1.metric(f"{ch.year}年已承诺（所涉区县）", fmt.wan(f["committed_after"]),
                              delta=fmt.wan(f["committed_after"] - f["committed_before"]), delta_color="off")
                    c2.metric(f"{ch.year}年其中预拨付（所涉区县）", fmt.wan(f["prepaid_after"]),
                              delta=fmt.wan(f["prepaid_after"] - f["prepaid_before"]), delta_color="off")
                    st.caption(ch.fund_line())
                if res.problems:
                    pf = res.problems_frame()
                    common.text_table(pd.DataFrame({   # 问题 wraps, never cut
                        "级别": pf["severity"].map(lambda s: "✖ 错误" if s == "error" else "◆ 提醒"),
                        "工作表": pf["sheet"].fillna(""), "单元格": pf["cell"].fillna(""),
                        "读到的值": pf["value"].fillna(""), "问题": pf["message"],
                    }))
                if res.ok:
                    accept = True
                    if res.warnings:
                        accept = st.checkbox("我已核对以上提醒，确认导入", key="projects_accept")
                    gone = res.removes_committed
                    remove = True
                    if len(gone):
                        st.warning(f"本文件不再列出 {len(gone)} 个已有奖补承诺的项目（"
                                   + fmt.plain("、".join(gone["project_name"])) + "），导入后它们将从项目库删除。")
                        remove = st.checkbox(f"我确认删除这 {len(gone)} 个项目", key="projects_confirm_remove")
                    if st.button("确认导入", type="primary", disabled=not (accept and remove), key="projects_commit"):
                        with st.spinner("正在写入…"), common.guard():
                            done = projects.commit_ledger(store, raw, up.name, user, accept_warnings=accept,
                                                          confirm_remove=remove)
                        cache.invalidate()
                        if done.status == "accepted":
                            st.success(f"已导入（上传编号 {done.upload_id}）。")
                        elif done.status == "identical":
                            st.info(f"同一文件已导入过（上传编号 {done.upload_id}），未重复写入。")
                        else:
                            st.error("导入未完成：" + fmt.plain("；".join(p.message for p in done.errors[:5])))


if __name__ == "__main__":
    render()
