"""Sign-in and session glue: the password form, optional OIDC through ``st.login``, idle and
absolute session expiry, sign-out.  The signed-in ``auth.User`` lives in ``st.session_state``.

OIDC is used only when ``.streamlit/secrets.toml`` has an ``[auth]`` section; the identity's
e-mail is mapped to an account (its role and county) in the users table."""

from __future__ import annotations

import os
from datetime import timedelta

import streamlit as st

from .. import access, auth, clock, setup_db
from .. import webservices as ws
from ..auth import User
from . import cache, fmt

USER_KEY = "auth_user"
SIGNED_IN_KEY = "auth_signed_in_at"
SEEN_KEY = "auth_last_seen"
IDLE_MINUTES = int(os.environ.get("JXTRACK_SESSION_IDLE_MINUTES", "30"))
MAX_HOURS = int(os.environ.get("JXTRACK_SESSION_MAX_HOURS", "12"))


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: streamlit raises its own not-found error
        return False


def sign_in(user: User) -> None:
    t = clock.now()
    st.session_state[USER_KEY] = user
    st.session_state[SIGNED_IN_KEY] = t
    st.session_state[SEEN_KEY] = t


def sign_out(message: str | None = None) -> None:
    for k in (USER_KEY, SIGNED_IN_KEY, SEEN_KEY):
        st.session_state.pop(k, None)
    if message:
        st.session_state["auth_message"] = message
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def current_user() -> User | None:
    """The signed-in user, or None (after expiring a stale session)."""
    user = st.session_state.get(USER_KEY)
    if user is None and oidc_configured() and getattr(st.user, "is_logged_in", False):
        try:
            user = ws.user_from_email(cache.store(), str(st.user.get("email", "")))
        except auth.AuthError as exc:
            st.session_state["auth_message"] = str(exc)
            st.logout()
            return None
        sign_in(user)
    if user is None:
        return None
    t = clock.now()
    seen = st.session_state.get(SEEN_KEY) or t
    started = st.session_state.get(SIGNED_IN_KEY) or t
    if t - seen > timedelta(minutes=IDLE_MINUTES):
        sign_out(f"超过 {IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录。")
        return None
    if t - started > timedelta(hours=MAX_HOURS):
        sign_out(f"登录已超过 {MAX_HOURS} 小时，请重新登录。")
        return None
    st.session_state[SEEN_KEY] = t
    return user


def login_page() -> None:
    """The sign-in page (the only page before signing in)."""
    store = cache.store()
    st.title("嘉兴市制造业“两化”改造与两业融合目标跟踪")
    msg = st.session_state.pop("auth_message", None)
    if msg:
        st.warning(fmt.plain(msg))
    if not store.exists():
        st.error(f"数据库 {store.path} 不存在。请先运行 `make run`（或 `jxtrack init --demo`）。")
        return
    if oidc_configured():
        st.button("使用统一身份认证登录", on_click=st.login, type="primary", key="login_oidc")
        st.caption("或使用本系统账号：")
    with st.form("login_form"):
        username = st.text_input("用户名", key="login_username")
        password = st.text_input("密码", type="password", key="login_password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        try:
            user = auth.authenticate(store, username, password)
        except auth.AuthError as exc:
            st.error(fmt.plain(exc))
        else:
            sign_in(user)
            st.rerun()
    if cache.is_demo(store):
        st.info("**示例数据库** —— 以下示例账号仅用于演示，正式使用前请删除或停用。")
        st.table(
            {
                "角色": [auth.ROLES[r] for _, r, _, _, _ in setup_db.DEMO_ACCOUNTS],
                "用户名": [u for u, _, _, _, _ in setup_db.DEMO_ACCOUNTS],
                "密码": [p for _, _, _, _, p in setup_db.DEMO_ACCOUNTS],
                "说明": [d for _, _, _, d, _ in setup_db.DEMO_ACCOUNTS],
            }
        )


def sidebar(user: User, region_name: str | None) -> None:
    with st.sidebar:
        who = user.display_name or user.username
        st.markdown(f"**{fmt.plain(who)}**  \n{user.role_label}" + (f" · {region_name}" if region_name else ""))
        st.button("退出登录", key="logout", on_click=sign_out, args=("您已退出登录。",))


def require_user(action: str = "read") -> User:
    """The signed-in user for a page; stop with a message if absent or if the access policy does
    not give them the page's ``action``."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        st.warning("请先登录。")
        st.stop()
    if not access.can(user, action):
        st.error(f"无权访问：{access.refusal(user, action)}", icon=":material/block:")
        st.stop()
    return user
