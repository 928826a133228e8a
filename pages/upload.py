"""数据上传 — download the month's template; upload; read the validation report (sheet, cell,
value, problem); preview what will change (old → new, warnings); confirm to commit.  Or 在线填报:
type the month's figures in a form (services.entry), checked and stored by the same import service.
County reporters are fixed to their own county (the import service checks it again)."""

import pandas as pd
import streamlit as st

from jxtrack.domain import access
from jxtrack.present import fmt
from jxtrack.services import cycle, entry, importing
from jxtrack.ui import cache, common, session
from jxtrack.ui import review as review_ui
from metrics.periods import label_ytd


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user("import")
    store = cache.store()
    common.demo_banner(store)
    st.title("数据上传")

    regions = cache.regions(store, user)
    writable = regions[regions["code"].isin(access.writable(user, regions["code"]))]
    names = writable.set_index("code")["name"]
    st.subheader("填报单位和报告期")
    c1, c2 = st.columns(2)
    if len(writable) == 1:
        region = str(writable["code"].iloc[0])
        c1.text_input("填报单位", names.get(region, region), disabled=True, key="upload_region_fixed")
    else:
        region = c1.selectbox("填报单位", list(names.index), format_func=lambda c: names[c], key="upload_region")
    # each county is offered its own collecting month (the cycle decides which); the key follows the
    # county so that choosing another county offers that county's month
    default, choices = cycle.upload_periods(store, region)
    period = c2.selectbox("报告期", choices, index=choices.index(default), format_func=label_ytd,
                          key=f"upload_period_{region}")
    review_ui.banner(store, region, period, user)   # 审核: locked, returned (with the reason) or waiting
    with common.guard():
        form = entry.entry_form(store, region, period, user)
    fixed = [r for r in form.rows if r.carry_forward and r.previous is not None]

    def _report(res, key: str, noun: str) -> None:
        """The check's verdict, its problems and what would change: the same for a file and the form."""
        where = "" if res.values.empty and not (res.region or res.period) else fmt.plain(
            f"（{cache.catalog(store).regions.set_index('code')['name'].get(res.region, res.region) if res.region else '多个地区'}"
            f" · {importing.periods_covered(res.period)}）")
        common.check_verdict(res, noun, f"{len(res.values)} 个数据项", where)
        if res.problems:
            pf = res.problems_frame()
            table = pd.DataFrame({
                "级别": pf["severity"].map(lambda s: "✖ 错误" if s == "error" else "◆ 提醒"),
                "工作表": pf["sheet"].fillna(""), "单元格": pf["cell"].fillna(""),
                "读到的值": pf["value"].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)),
                "问题": pf["message"], "错误代码": pf["code"],
            })
            # the stable code is for support and the download, not for the reader of the screen
            common.text_table(table, columns=[c for c in table.columns if c != "错误代码"])   # 问题 wraps, never cut
            common.downloads(table, "检查结果", f"{key}_problems_dl")
        if len(res.diff):
            st.subheader("④ 将要变化的数据" if noun == "文件" else "将要变化的数据")
            d = res.diff
            change_words = {"new": "＋ 新增", "changed": "✎ 修改", "same": "= 不变"}
            order = d["change"].map({"changed": 0, "new": 1, "same": 2})
            d = d.assign(_o=order).sort_values(["_o", "region", "period"]).drop(columns="_o")
            view = pd.DataFrame({
                "变化": d["change"].map(change_words), "地区": d["region_name"], "报告期": d["period"].map(label_ytd),
                "指标项": d["measure_name"], "原值": [fmt.exact(v, u) for v, u in zip(d["old"], d["unit"], strict=True)],
                "新值": [fmt.exact(v, u) for v, u in zip(d["new"], d["unit"], strict=True)],   # as typed, not rounded
            })
            n_changed, n_new = int((d["change"] == "changed").sum()), int((d["change"] == "new").sum())
            st.caption(f"修改 {n_changed} 项，新增 {n_new} 项，不变 {len(d) - n_changed - n_new} 项。"
                       "旧数据不会删除，撤回本次上传即可恢复。")
            st.dataframe(view, hide_index=True, width="stretch", placeholder="—", height=common.table_height(len(view), 15))


    def _done(done, same: str) -> None:
        cache.invalidate()
        if done.status == "accepted":
            st.success(f"已导入（上传编号 {done.upload_id}）。总览和各页面已按新数据更新。")
            st.page_link("pages/overview.py", label="查看总览 →")
        elif done.status == "identical":
            st.info(f"{same}（上传编号 {done.upload_id}），数据未变化，未重复写入。")
        else:
            st.error("导入未完成：" + fmt.plain("；".join(p.message for p in done.errors[:5])))

    def _confirm(res, key: str, verb: str, commit, same: str) -> None:
        """A check that passed: its warnings accepted if any, then the write (a file and the form alike).
        ``commit(accepted)`` writes and returns what happened."""
        if not res.ok:
            return
        sure = True
        if res.warnings:
            sure = st.checkbox(f"我已核对以上提醒，数据无误，确认{verb}", key=f"{key}_accept")
        if st.button(f"确认{verb}", type="primary", disabled=not sure, key=f"{key}_commit"):
            with st.spinner("正在写入…"), common.guard():
                done = commit(sure)
            _done(done, same)

    tab_file, tab_form = st.tabs(["上传报表文件", "在线填报"])
    with tab_form:
        # 在线填报: one number per measure with its unit, last period and last year beside it; blank = not
        # reported; a fixed figure is carried forward only where 沿用上期数 is ticked
        ref = "、".join(w for w in (f"上期（{label_ytd(form.previous_period)}）" if form.previous_period else "",
                                    f"去年同期（{label_ytd(form.last_year_period)}）" if form.last_year_period else "") if w)
        st.caption(fmt.plain(f"{form.region_name} · {form.label}：填写当年 1 月至本月的累计数（存量指标填月末数），"
                             "不填的指标本期不报送。" + (f"每项下方是系统中已有的{ref}数字，仅供对照。" if ref else "")))
        with st.form(f"entry_form_{region}_{period}"):
            typed: dict[str, object] = {}
            carry: list[str] = []
            # keys follow the county and month: another county's form never shows what was typed for this one
            for r in form.rows:
                unit = "" if r.unit == "是/否" else f"（{r.unit}）"
                start = r.current if r.current is not None else None
                if r.whole:
                    typed[r.code] = st.number_input(
                        f"{r.name}{unit}", value=None if start is None else int(round(start)), step=1,
                        format="%d", placeholder="未填", key=f"entry_{region}_{period}_{r.code}", help=r.description or None)
                else:
                    typed[r.code] = st.number_input(
                        f"{r.name}{unit}", value=start, step=0.01, format="%.4f", placeholder="未填",
                        key=f"entry_{region}_{period}_{r.code}", help=r.description or None)
                beside = "；".join(w for w in (
                    f"上期 {fmt.exact(r.previous, r.unit)}" if r.previous is not None else "上期 无",
                    f"去年同期 {fmt.exact(r.last_year, r.unit)}" if r.last_year is not None else "") if w)
                st.caption(fmt.plain(beside))
                if r.carry_forward and r.previous is not None:
                    if st.checkbox(f"沿用上期数（{fmt.exact(r.previous, r.unit)}）", key=f"entry_carry_{region}_{period}_{r.code}",
                                   help="全年基本不变的存量指标：本格不填时取上期数。"):
                        carry.append(r.code)
            checked = st.form_submit_button("检查填写内容", type="primary")
        pending_key = f"upload_entry_pending_{region}_{period}"
        if checked:
            st.session_state[pending_key] = (typed, carry)
        pending = st.session_state.get(pending_key)
        if pending is not None:
            with st.spinner("正在检查…"), common.guard():
                res_form = entry.check_entry(store, user, region, period, pending[0], carry_forward=pending[1])
            _report(res_form, "entry", "表单")
            def submit(sure: bool):
                done = entry.submit_entry(store, user, region, period, pending[0], carry_forward=pending[1],
                                          accept_warnings=sure)
                st.session_state.pop(pending_key, None)   # written: the form starts afresh
                return done

            _confirm(res_form, "entry", "提交", submit, "同样的数据已提交过")

    with tab_file:
        st.subheader("① 下载本月模板")
        carry_t = []
        if fixed:
            carry_t = st.multiselect(
                "沿用上期数的指标（可选：全年基本不变的存量指标，模板中预先填入上期数，可再改写）", [r.code for r in fixed],
                format_func={r.code: f"{r.name}（{fmt.exact(r.previous, r.unit)}）" for r in fixed}.get,
                key=f"upload_carry_{region}", placeholder="不沿用")
        with common.guard():
            data, fname = importing.make_template(store, region, period, user, carry_forward=carry_t)
        st.download_button("下载模板（Excel）", data, fname, key="upload_template",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        st.caption("模板中灰色的“参考：上期数”“参考：去年同期”两列是系统已有的本单位数字，仅供对照，导入时不读取。")

        st.subheader("② 上传填好的报表")
        # any file type and a little more than the limit: the importer judges the format by its bytes and
        # the size by its one limit, and says what is wrong in Chinese (the widget's own refusals are English)
        limit = f"每个文件不超过 {importing.UPLOAD_LIMIT_MB} MB"
        up = st.file_uploader(f"选择填好的报表（Excel 或 CSV：.xlsx、.xls、.csv；{limit}）", key="upload_file",
                              help="点“选择文件”从电脑或手机里选，或把文件拖到框内。")
        common.chinese_uploader("upload_file", limit=f"可拖入文件 · {limit}")
        if up is None:
            st.caption("上传后先检查、预览，确认后才写入数据库。")
            st.stop()
        raw = up.getvalue()
        with st.spinner("正在检查文件…"), common.guard():
            res = importing.preview_import(store, raw, up.name, user)
            importing.record_rejection(store, raw, res, user)  # a refused file is on record (once per rerun)

        st.subheader("③ 检查结果")
        _report(res, "upload", "文件")

        _confirm(res, "upload", "导入",
                 lambda sure: importing.commit_import(store, raw, up.name, user, accept_warnings=sure),
                 "同一文件已导入过")


if __name__ == "__main__":
    render()
