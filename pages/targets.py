"""目标管理 — every target with its source (document, clause, official/draft) and, where sources
conflict, the other figure.  The working group adds a source document with its figures, switches
which one binds, and uploads county decompositions (任务分解表); every change is logged."""

import pandas as pd
import streamlit as st

from jxtrack.domain import access
from jxtrack.present import fmt
from jxtrack.services import targets as targets_svc
from jxtrack.ui import cache, common, session


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user()
    store = cache.store()
    common.demo_banner(store)
    st.title("目标管理")
    with common.guard():
        t = cache.targets_view(store, user)
    ind = cache.catalog(store).indicators.sort_values("sort")
    names = ind.set_index("code")["name"]
    units = ind.set_index("code")["unit"]

    c1, c2, c3 = st.columns([2, 1, 1])
    pick = c1.selectbox("指标", ["（全部）"] + list(ind["code"]), format_func=lambda c: names.get(c, c),
                        key="targets_indicator")
    region_opts = ["（全部）"] + list(dict.fromkeys(t["region"]))
    city_name = cache.catalog(store).region_name(cache.catalog(store).city_code)
    region_pick = c2.selectbox("地区", region_opts, index=region_opts.index(city_name) if city_name in region_opts else 0,
                               key="targets_region")
    only_conflicts = c3.checkbox("只看出处不一致的", key="targets_conflicts")
    view = t
    if pick != "（全部）":
        view = view[view["indicator_code"] == pick]
    if region_pick != "（全部）":
        view = view[view["region"] == region_pick]
    if only_conflicts:
        view = view[view["conflict"]]
    table = pd.DataFrame({
        "指标": view["indicator_name"],
        "地区": view["region"],
        "年份": view["year"],
        "目标值": [fmt.target(v, units.get(i), c) for c, v, i in
                zip(view["comparator"], view["target_value"], view["indicator_code"], strict=False)],
        "约束性": view["binding"].map({True: "✔ 约束性", False: "参考"}),
        "约束性依据": view["binding_reason"].fillna(""),
        "出处": view["source"].str.strip(),
        "文件状态": view["status_label"],
        "条款": view["clause"].fillna(""),
        "另一出处的数字": view["other_figures"],
    })
    st.dataframe(table, hide_index=True, width="stretch", placeholder="—",
                 column_config={"出处": st.column_config.TextColumn(width="large"),
                                "约束性依据": st.column_config.TextColumn(width="medium")})
    st.caption(f"共 {len(table)} 条。多个出处给出同一指标同一年的目标时，默认以正式文件为约束性目标（两份正式文件不一致时，"
               "按目录记录的默认决定，见“约束性依据”），其他数字并列显示。")
    common.downloads(common.targets_download_frame(view, units.to_dict()), "目标及出处", "targets_dl")

    if access.can(user, "edit_targets"):
        st.divider()
        tab_bind, tab_src, tab_dec = st.tabs(["切换约束性目标", "新增目标出处", "上传任务分解表"])
        with tab_bind:
            conflicts = t[t["conflict"]]
            keys = conflicts[["indicator_code", "indicator_name", "region", "year"]].drop_duplicates()
            if not len(keys):
                st.caption("目前没有出处不一致的目标。")
            else:
                labels = [f"{r.indicator_name} · {r.region} · {r.year}年" for r in keys.itertuples()]
                k = st.selectbox("目标", range(len(keys)), format_func=lambda i: labels[i], key="bind_key")
                kr = keys.iloc[k]
                cands = conflicts[(conflicts["indicator_code"] == kr["indicator_code"]) &
                                  (conflicts["region"] == kr["region"]) & (conflicts["year"] == kr["year"])]
                by_source = cands.set_index("source_code")
                with st.form("bind_form"):
                    choice = st.radio(
                        "约束性目标采用", list(by_source.index),
                        # radio options render Markdown: the source's title is the working group's text
                        format_func=lambda s: fmt.md("{} —— {}{}",
                            f"{by_source.loc[s, 'target_value']:g}",
                            fmt.with_status(by_source.loc[s, "source"], by_source.loc[s, "status_label"]),
                            " ✔当前约束性" if bool(by_source.loc[s, "binding"]) else ""),
                        key="bind_source")
                    reason = st.text_input("切换原因（必填，记入变更记录）", key="bind_reason")
                    if st.form_submit_button("确认切换", type="primary"):
                        with common.guard():
                            targets_svc.set_binding(store, user, indicator=kr["indicator_code"],
                                           region=str(cands["region_code"].iloc[0]), year=int(kr["year"]),
                                           source=choice, reason=reason)
                        cache.invalidate()
                        st.session_state.pop("bind_reason", None)   # the next switch needs its own reason
                        common.saved("已切换，全部页面按新目标重新计算。")
        with tab_src:
            st.caption("例如两业融合方案正式印发后，录入正式文件及其数字；原有数字保留，可再切换约束性目标。")
            with st.form("source_form"):
                a, b = st.columns(2)
                doc = a.text_input("文号（例如 嘉政办发〔2024〕12号）", key="src_doc")
                status = b.selectbox("文件状态", list(targets_svc.SOURCE_STATUSES), format_func=targets_svc.SOURCE_STATUSES.get,
                                     key="src_status")
                title = st.text_input("文件标题", key="src_title")
                issuer = a.text_input("印发单位", key="src_issuer")
                issued = b.text_input("印发日期（YYYY-MM-DD）", key="src_issued")
                blank = pd.DataFrame({"indicator": pd.Series(dtype=str), "region": pd.Series(dtype=str),
                                      "year": pd.Series(dtype="Int64"), "value": pd.Series(dtype=float),
                                      "comparator": pd.Series(dtype=str), "clause": pd.Series(dtype=str)})
                figures = st.data_editor(
                    blank, num_rows="dynamic", key="src_figures", width="stretch",
                    column_config={
                        "indicator": st.column_config.SelectboxColumn("指标", options=list(ind["name"]), required=True),
                        "region": st.column_config.TextColumn("地区（空=全市）"),
                        "year": st.column_config.NumberColumn("年份", min_value=2024, max_value=2035, step=1),
                        "value": st.column_config.NumberColumn("目标值"),
                        "comparator": st.column_config.SelectboxColumn("比较", options=[">=", "<=", "="], default=">="),
                        "clause": st.column_config.TextColumn("条款"),
                    })
                reason = st.text_input("原因（必填，记入变更记录）", key="src_reason")
                if st.form_submit_button("保存新出处", type="primary"):
                    with common.guard():
                        code = targets_svc.add_source(store, user, doc_number=doc, title=title, issuer=issuer,
                                             issued=issued, status=status, figures=figures, reason=reason)
                    cache.invalidate()
                    st.success(f"已新增出处 {code}（{len(figures)} 个目标值）。")
        with tab_dec:
            year = st.number_input("年度", 2024, 2035, 2026, key="dec_year")
            st.download_button("下载任务分解表模板", targets_svc.decomposition_template(store, int(year)),
                               f"任务分解表模板_{int(year)}.xlsx", key="dec_template")
            up = st.file_uploader("上传填好的任务分解表（xlsx 或 csv，不超过 20 MB）", type=["xlsx", "csv"], key="dec_file")
            common.chinese_uploader("dec_file")
            if up is not None:
                with common.guard():
                    dec = targets_svc.read_decomposition(up.getvalue(), up.name)
                st.write(f"读到 {len(dec)} 个区县目标：")
                st.dataframe(dec.rename(columns={"indicator": "指标", "region": "地区", "year": "年份", "value": "目标值",
                                                 "comparator": "比较", "clause": "条款", "note": "备注"}),
                             hide_index=True, width="stretch")
                with st.form("dec_form"):
                    a, b = st.columns(2)
                    doc = a.text_input("分解表文号", value="", key="dec_doc")
                    title = b.text_input("分解表名称", value=f"嘉兴市{int(year)}年目标任务分解表", key="dec_title")
                    reason = st.text_input("原因（必填）", key="dec_reason")
                    if st.form_submit_button("确认导入分解目标", type="primary"):
                        with common.guard():
                            code = targets_svc.add_source(store, user, doc_number=doc, title=title, issuer="嘉兴市工作专班",
                                                 issued=None, status="official", figures=dec, reason=reason)
                        cache.invalidate()
                        st.success(f"已导入 {len(dec)} 个区县目标（出处 {code}）。")

    st.subheader("变更记录")
    with common.guard():
        ch = targets_svc.target_changes(store, user)
    if len(ch):
        actions = {"source.add": "新增出处", "target.add": "新增目标值", "binding.switch": "切换约束性目标",
                   "binding.default": "目录默认约束性目标"}
        common.text_table(pd.DataFrame({   # 原因 wraps, never cut
            "时间": ch["changed_at"], "操作人": ch["changed_by"], "操作": ch["action"].map(actions).fillna(ch["action"]),
            "指标": ch["indicator"].map(names).fillna(""), "地区": ch["region_name"].fillna(""),
            "年份": ch["year"].map(lambda y: "" if pd.isna(y) else f"{int(y)}"),
            "出处": ch["source_name"].fillna(""), "原值": ch["old_value"], "新值": ch["new_value"], "原因": ch["reason"],
        }))
    else:
        st.caption("还没有变更记录。")


if __name__ == "__main__":
    render()
