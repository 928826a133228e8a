"""数据上传 — download the month's template; upload; read the validation report (sheet, cell,
value, problem); preview what will change (old → new, warnings); confirm to commit.
County reporters are fixed to their own county (the import service checks it again)."""

import pandas as pd
import streamlit as st

from jxtrack.domain import access
from jxtrack.present import fmt
from jxtrack.services import cycle, importing
from jxtrack.ui import cache, common, session
from jxtrack.ui import review as review_ui
from metrics.periods import label_ytd

user = session.require_user("import")
store = cache.store()
common.demo_banner(store)
st.title("数据上传")

regions = cache.regions(store, user)
writable = regions[regions["code"].isin(access.writable(user, regions["code"]))]
names = writable.set_index("code")["name"]
st.subheader("① 下载本月模板")
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
    data, fname = importing.make_template(store, region, period, user)
st.download_button("下载模板（Excel）", data, fname, key="upload_template",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

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
# region names are the catalog's (public), so a refused county's file is named, not coded; a file
# nothing could be read from covers no region or period at all
where = "" if res.values.empty and not (res.region or res.period) else fmt.plain(
    f"（{cache.catalog(store).regions.set_index('code')['name'].get(res.region, res.region) if res.region else '多个地区'}"
    f" · {importing.periods_covered(res.period)}）")
if res.errors:
    st.error(f"发现 {len(res.errors)} 处错误，文件不能导入。请按下表逐项修改后重新上传。{where}")
elif res.warnings:
    st.warning(f"没有错误，有 {len(res.warnings)} 条提醒，请核对后确认。{where}")
else:
    st.success(f"检查通过：{len(res.values)} 个数据项。{where}")
if res.explanation:
    with st.expander("文件是怎样读取的（读取说明）", expanded=bool(res.errors) or not res.problems):
        st.markdown("\n".join(f"- {fmt.plain(line)}" for line in res.explanation))
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
    common.downloads(table, "检查结果", "upload_problems_dl")

if len(res.diff):
    st.subheader("④ 将要变化的数据")
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
    st.caption(f"修改 {n_changed} 项，新增 {n_new} 项，不变 {len(d) - n_changed - n_new} 项。旧数据不会删除，撤回本次上传即可恢复。")
    st.dataframe(view, hide_index=True, width="stretch", placeholder="—", height=common.table_height(len(view), 15))

if res.ok:
    accept = True
    if res.warnings:
        accept = st.checkbox("我已核对以上提醒，数据无误，确认导入", key="upload_accept")
    if st.button("确认导入", type="primary", disabled=not accept, key="upload_commit"):
        with st.spinner("正在写入…"), common.guard():
            done = importing.commit_import(store, raw, up.name, user, accept_warnings=accept)
        cache.invalidate()
        if done.status == "accepted":
            st.success(f"已导入（上传编号 {done.upload_id}）。总览和各页面已按新数据更新。")
            st.page_link("pages/overview.py", label="查看总览 →")
        elif done.status == "identical":
            st.info(f"同一文件已导入过（上传编号 {done.upload_id}），数据未变化，未重复写入。")
        else:
            st.error("导入未完成：" + fmt.plain("；".join(p.message for p in done.errors[:5])))
