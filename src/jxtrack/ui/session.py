"""Sign-in and session glue: the password form, optional OIDC through ``st.login``, the session
that survives a reload (cookie + server-side row, see ``jxtrack.services.auth`` "Web sessions"), idle and
absolute expiry, sign-out.  The signed-in ``access.User`` lives in ``st.session_state``.

A tab signs in with the form; ``auth.start_session`` writes the session row, and the tab posts the
one-time nonce to ``/_jx/session`` (``cookie_routes``), which sets the HttpOnly cookie.  A reload
or a new tab starts a fresh Streamlit session: ``current_user`` finds no user in its state, reads
the cookie through ``st.context.cookies`` and resumes the row.  Each run re-checks the row, so a
sign-out, an expiry or a disabled account takes effect in every tab at its next click.

OIDC is used only when ``.streamlit/secrets.toml`` has an ``[auth]`` section; the identity's
e-mail is mapped to an account (its role and county) in the users table."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pandas as pd
import streamlit as st

from jxtrack.domain import access, clock
from jxtrack.domain.access import User
from jxtrack.present import fmt
from jxtrack.services import auth, setup_db
from jxtrack.services import users as users_svc
from jxtrack.store.interface import StoreError
from jxtrack.ui import cache, cookie_routes

USER_KEY = "auth_user"
SESSION_KEY = "auth_session_id"
SIGNED_IN_KEY = "auth_signed_in_at"
SEEN_KEY = "auth_last_seen"
HANDOFF_KEY = "auth_handoff"
CLEAR_COOKIE_KEY = "auth_clear_cookie"
COOKIE_TRIED_KEY = "auth_cookie_tried"
IDLE_MINUTES = auth.SESSION_IDLE_MINUTES
MAX_HOURS = auth.SESSION_MAX_HOURS


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: streamlit raises its own not-found error
        return False


def sign_in(user: User, session_id: int | None = None) -> None:
    """Put ``user`` in this tab's state; with ``session_id`` the server-side row governs expiry."""
    t = clock.now()
    st.session_state[USER_KEY] = user
    st.session_state[SIGNED_IN_KEY] = t
    st.session_state[SEEN_KEY] = t
    if session_id is None:
        st.session_state.pop(SESSION_KEY, None)
    else:
        st.session_state[SESSION_KEY] = session_id


def sign_out(message: str | None = None) -> None:
    """退出登录: revoke the server-side session (every tab) and have the page clear the cookie."""
    sid = st.session_state.get(SESSION_KEY)
    if sid is not None:
        try:
            auth.end_session(cache.store(), session_id=sid)
        except StoreError:
            pass  # database busy: the cookie route revokes the session by its token as well
    _forget(message)
    if cookie_routes.mounted():
        st.session_state[CLEAR_COOKIE_KEY] = True
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def _forget(message: str | None) -> None:
    for k in (USER_KEY, SESSION_KEY, SIGNED_IN_KEY, SEEN_KEY, HANDOFF_KEY):
        st.session_state.pop(k, None)
    # the cookie this tab was opened with is spent: never resume from it again in this tab
    st.session_state[COOKIE_TRIED_KEY] = True
    if message:
        st.session_state["auth_message"] = message


def _from_cookie() -> User | None:
    """Resume the session named by the browser's cookie (once per tab)."""
    if st.session_state.get(COOKIE_TRIED_KEY):
        return None
    st.session_state[COOKIE_TRIED_KEY] = True
    token = st.context.cookies.get(auth.SESSION_COOKIE)
    if not isinstance(token, str) or not token:   # (AppTest has no real cookies)
        return None
    try:
        live = auth.resume_session(cache.store(), token=token)
    except auth.SessionEnded as exc:
        st.session_state["auth_message"] = str(exc)
        return None
    except StoreError:
        st.session_state[COOKIE_TRIED_KEY] = False   # the database busy: tried again at the retry
        raise
    if live is None:
        return None
    sign_in(live.user, live.session_id)
    return live.user


def current_user() -> User | None:
    """The signed-in user, or None (after expiring a stale session)."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        user = _from_cookie()
        if user is not None:
            return user
    if user is None and oidc_configured() and getattr(st.user, "is_logged_in", False):
        try:
            user = users_svc.user_from_email(cache.store(), str(st.user.get("email", "")))
        except access.AuthError as exc:
            st.session_state["auth_message"] = str(exc)
            st.logout()
            return None
        # a server-side session and its cookie, as for a password sign-in: downloads are served only
        # to a browser with that cookie (cookie_routes.DownloadGuard)
        session_id, nonce = auth.start_session(cache.store(), user)
        sign_in(user, session_id)
        if cookie_routes.mounted():
            st.session_state[HANDOFF_KEY] = nonce
    if user is None:
        return None
    sid = st.session_state.get(SESSION_KEY)
    if sid is not None:
        # the server-side row decides: revoked (另一标签页退出), idle, too old, account disabled
        try:
            live = auth.resume_session(cache.store(), session_id=sid)
        except auth.SessionEnded as exc:
            _forget(str(exc))
            return None
        if live is None:
            _forget(None)
            return None
        st.session_state[USER_KEY] = live.user   # a role changed by the admin applies at once
        return live.user
    # a tab without a server-side row (signed in through OIDC): expiry kept in the tab
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


def _post_from_page(path: str, body: str = "") -> None:
    """Have the page POST to one of our cookie routes (same origin; the answer sets the cookie)."""
    js = (f"fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
          f"cache: 'no-store', body: {json.dumps(body)}}});")
    st.html(f"<script>{js}</script>", unsafe_allow_javascript=True)


def client_address() -> str:
    """The address a sign-in comes from, for the per-client budget of ``auth.authenticate``: the
    WebSocket's peer (Streamlit gives None for localhost), or -- behind a reverse proxy, which
    would make every client one address -- the header named by ``JXTRACK_CLIENT_IP_HEADER`` (e.g.
    ``X-Real-IP``; set it only when the proxy overwrites that header, else a client could choose
    its own)."""
    header = os.environ.get("JXTRACK_CLIENT_IP_HEADER")
    if header:
        value = str(st.context.headers.get(header) or "").split(",")[-1].strip()
        if value:
            return value[:100]
    ip = st.context.ip_address
    return ip if isinstance(ip, str) and ip else "local"   # (not a str in AppTest)


def login_page() -> None:
    """The sign-in page (the only page before signing in)."""
    store = cache.store()
    st.title("嘉兴市制造业“两化”改造与两业融合目标跟踪")
    msg = st.session_state.pop("auth_message", None)
    if msg:
        st.warning(fmt.plain(msg))
    if st.session_state.pop(CLEAR_COOKIE_KEY, False):
        _post_from_page(cookie_routes.SIGNOUT_PATH)
    if not store.exists():
        st.error(f"数据库 {store.label} 不存在。请先运行 `make run`（或 `jxtrack init --demo`）。")
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
            user = auth.authenticate(store, username, password, client=client_address())
            session_id, nonce = auth.start_session(store, user)
        except (access.AuthError, StoreError) as exc:
            st.error(fmt.plain(exc))
        else:
            sign_in(user, session_id)
            if cookie_routes.mounted():
                st.session_state[HANDOFF_KEY] = nonce
            st.rerun()
    from jxtrack.ui.common import guard, table

    with guard():  # a database still busy after its wait: the message asking to retry, no error box
        demo = cache.is_demo(store)
    if demo:
        st.info("**示例数据库** —— 以下示例账号仅用于演示，正式使用前请删除或停用。")
        table(pd.DataFrame({
            "角色": [access.ROLES[r] for _, r, _, _, _ in setup_db.DEMO_ACCOUNTS],
            "用户名": [u for u, _, _, _, _ in setup_db.DEMO_ACCOUNTS],
            "密码": [p for _, _, _, _, p in setup_db.DEMO_ACCOUNTS],
            "说明": [d for _, _, _, d, _ in setup_db.DEMO_ACCOUNTS],
        }))


def sidebar(user: User, region_name: str | None) -> None:
    with st.sidebar:
        who = user.display_name or user.username
        st.markdown(fmt.md("**{}**  \n{}", who, user.role_label) + (fmt.md(" · {}", region_name) if region_name else ""))
        st.button("退出登录", key="logout", on_click=sign_out, args=("您已退出登录。",))
        nonce = st.session_state.pop(HANDOFF_KEY, None)
        if nonce:
            _post_from_page(cookie_routes.HANDOFF_PATH, nonce)


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
    from jxtrack.ui.common import show_saved

    show_saved()
    return user
