"""用户管理 — admins add users, set role and county, reset passwords, disable accounts."""

import streamlit as st

from jxtrack.domain import access
from jxtrack.present import fmt
from jxtrack.services import auth
from jxtrack.services import users as users_svc
from jxtrack.ui import cache, common, session


def render() -> None:
    """The page, run by Streamlit on every rerun (see the module docstring)."""
    user = session.require_user("manage_users")
    store = cache.store()
    st.title("用户管理")
    with common.guard():
        users = users_svc.list_users(store, user)
    regions = cache.regions(store, user)
    counties = regions[regions["level"] == "county"]
    cnames = counties.set_index("code")["name"]
    view = users.assign(
        role=users["role"].map(access.ROLES), region=users["region"].map(cnames).fillna(""),
        active=users["active"].map({True: "✔ 启用", False: "✖ 停用"}),
    )[["username", "display_name", "role", "region", "email", "active", "failed_attempts", "locked_until", "created_at"]]
    view.columns = ["用户名", "姓名", "角色", "区县", "邮箱", "状态", "连续输错", "锁定至", "创建时间"]
    st.dataframe(view, hide_index=True, width="stretch", placeholder="—")

    tab_add, tab_edit = st.tabs(["新增用户", "修改用户"])
    ADD_KEYS = ("ua_username", "ua_display", "ua_role", "ua_region", "ua_email", "ua_password")
    # a refused form keeps what was typed (the message says what to fix); only a saved one is emptied
    with tab_add, st.form("user_add", clear_on_submit=False):
        c1, c2 = st.columns(2)
        username = c1.text_input("用户名", key="ua_username")
        display = c2.text_input("姓名", key="ua_display")
        # least privilege by default: most new accounts are county reporters; 管理员 is a deliberate choice
        role = c1.selectbox("角色", list(access.ROLES), index=list(access.ROLES).index("county"),
                            format_func=access.ROLES.get, key="ua_role")
        region = c2.selectbox("所属区县（仅区县填报员）", [""] + list(counties["code"]),
                              format_func=lambda c: cnames.get(c, "—"), key="ua_region")
        email = c1.text_input("邮箱（统一身份认证登录用，可不填）", key="ua_email")
        password = c2.text_input(f"初始密码（至少 {auth.MIN_PASSWORD} 位）", type="password", key="ua_password")
        if st.form_submit_button("新增", type="primary"):
            with common.guard():
                users_svc.add_user(store, user, username=username, password=password, role=role,
                            region=region or None, display_name=display, email=email)
            for k in ADD_KEYS:
                st.session_state.pop(k, None)
            common.saved(f"已新增用户 {fmt.plain(username)}。")

    with tab_edit:
        target = st.selectbox("选择用户", list(users["username"]), key="ue_user")
        row = users.set_index("username").loc[target]
        with st.form("user_role"):
            c1, c2 = st.columns(2)
            roles = list(access.ROLES)
            new_role = c1.selectbox("角色", roles, index=roles.index(row["role"]), format_func=access.ROLES.get,
                                    key="ue_role")
            opts = [""] + list(counties["code"])
            new_region = c2.selectbox("所属区县", opts, index=opts.index(row["region"]) if row["region"] in opts else 0,
                                      format_func=lambda c: cnames.get(c, "—"), key="ue_region")
            if st.form_submit_button("保存角色"):
                with common.guard():
                    users_svc.set_role(store, user, target, new_role, new_region or None)
                common.saved("已保存。")
        with st.form("user_pw", clear_on_submit=True):
            pw = st.text_input("新密码", type="password", key="ue_password")
            if st.form_submit_button("重置密码（同时解除锁定）"):
                with common.guard():
                    users_svc.reset_password(store, user, target, pw)
                common.saved(f"已重置 {fmt.plain(target)} 的密码，并解除锁定。")
        if row["active"]:
            if st.button("停用该账号", key="ue_disable"):
                with common.guard():
                    users_svc.set_active(store, user, target, False)
                common.saved(f"已停用 {fmt.plain(target)}。")
        elif st.button("启用该账号", key="ue_enable"):
            with common.guard():
                users_svc.set_active(store, user, target, True)
            common.saved(f"已启用 {fmt.plain(target)}。")


if __name__ == "__main__":
    render()
