"""数据上传 — download the month's template, upload, read the validation report, preview the
changes and confirm.  County reporters are fixed to their own county."""

import streamlit as st

from jxtrack.ui import session

user = session.require_user("admin", "staff", "county")
st.title("数据上传")
st.info("上传功能正在接入导入模块，稍后可用。")
