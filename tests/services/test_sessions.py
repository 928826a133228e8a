"""Web sessions (sign-in that survives a reload): issue, hand-off, resume, idle and absolute
expiry, revocation, forged and altered tokens; and the cookie routes' answers."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from jxtrack.domain import clock
from jxtrack.domain.access import User
from jxtrack.services import auth
from jxtrack.services.auth import SessionEnded
from jxtrack.store.interface import now

T0 = clock.local(datetime(2025, 11, 5, 9, 0))  # 09:00 Beijing time, an unambiguous instant


@pytest.fixture
def li(empty_store) -> User:
    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    # the tests run on a fixed clock (T0); the account and its password predate it
    empty_store.update_user("li", "admin", "test", audit=False, password_changed_at=T0 - timedelta(days=1))
    return User("li", "staff")


def _signed_in(store, user, at=T0) -> tuple[int, str]:
    """A session whose browser has redeemed its nonce: (session id, cookie token)."""
    sid, nonce = auth.start_session(store, user, at=at)
    token = auth.redeem_handoff(store, nonce, at=at + timedelta(seconds=1))
    assert token is not None
    return sid, token


def test_issue_redeem_and_resume(empty_store, li):
    sid, nonce = auth.start_session(empty_store, li, at=T0)
    # the signing-in tab is signed in through its id before any cookie exists
    assert auth.resume_session(empty_store, session_id=sid, at=T0).user == li
    token = auth.redeem_handoff(empty_store, nonce, at=T0 + timedelta(seconds=5))
    assert token is not None and len(token) == 43 and token != nonce
    live = auth.resume_session(empty_store, token=token, at=T0 + timedelta(minutes=1))
    assert (live.session_id, live.user) == (sid, li)
    # a nonce works once
    assert auth.redeem_handoff(empty_store, nonce, at=T0 + timedelta(seconds=6)) is None
    # only hashes are stored
    rows = empty_store.df("SELECT * FROM web_sessions").to_string()
    assert token not in rows and nonce not in rows


def test_nonce_expires(empty_store, li):
    _, nonce = auth.start_session(empty_store, li, at=T0)
    late = T0 + timedelta(seconds=auth.HANDOFF_SECONDS + 1)
    assert auth.redeem_handoff(empty_store, nonce, at=late) is None


def test_idle_expiry_is_kept_on_the_server(empty_store, li):
    _, token = _signed_in(empty_store, li)
    idle = timedelta(minutes=auth.SESSION_IDLE_MINUTES)
    # used every 20 minutes it stays alive past the idle limit counted from sign-in
    for minutes in (20, 40, 60):
        assert auth.resume_session(empty_store, token=token, at=T0 + timedelta(minutes=minutes))
    last = T0 + timedelta(minutes=60)
    with pytest.raises(SessionEnded, match=f"超过 {auth.SESSION_IDLE_MINUTES} 分钟未操作"):
        auth.resume_session(empty_store, token=token, at=last + idle + timedelta(seconds=1))
    # once ended it stays ended, even if asked at an earlier time again
    with pytest.raises(SessionEnded):
        auth.resume_session(empty_store, token=token, at=last + timedelta(minutes=1))


def test_absolute_expiry(empty_store, li):
    _, token = _signed_in(empty_store, li)
    t = T0
    end = T0 + timedelta(hours=auth.SESSION_MAX_HOURS)
    while t + timedelta(minutes=20) < end:        # busy all day: never idle
        t += timedelta(minutes=20)
        assert auth.resume_session(empty_store, token=token, at=t)
    with pytest.raises(SessionEnded, match=f"登录已超过 {auth.SESSION_MAX_HOURS} 小时"):
        auth.resume_session(empty_store, token=token, at=end)


def test_sign_out_revokes_every_tab(empty_store, li):
    sid, token = _signed_in(empty_store, li)
    # tab A (signed in with the form, knows the id) signs out; tab B (opened from the cookie) is out too
    assert auth.end_session(empty_store, session_id=sid, at=T0 + timedelta(minutes=2)) is True
    with pytest.raises(SessionEnded, match="已退出登录"):
        auth.resume_session(empty_store, token=token, at=T0 + timedelta(minutes=3))
    assert auth.end_session(empty_store, token=token, at=T0 + timedelta(minutes=4)) is False
    # and a nonce of an ended session is worthless
    sid2, nonce2 = auth.start_session(empty_store, li, at=T0)
    auth.end_session(empty_store, session_id=sid2, at=T0)
    assert auth.redeem_handoff(empty_store, nonce2, at=T0 + timedelta(seconds=1)) is None


def test_forged_and_altered_tokens_are_refused(empty_store, li):
    _, token = _signed_in(empty_store, li)
    at = T0 + timedelta(minutes=1)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    forged = "x" * 43
    for bad in (altered, forged, token + "A", token[:-1], "", f"{token}; Path=/", "../../etc/passwd"):
        assert auth.resume_session(empty_store, token=bad, at=at) is None, bad
        assert auth.end_session(empty_store, token=bad, at=at) is False
    assert auth.redeem_handoff(empty_store, forged, at=at) is None
    # the real one still works: refusing the others changed nothing
    assert auth.resume_session(empty_store, token=token, at=at).user == li


def test_account_changes_reach_live_sessions(empty_store, li):
    _, token = _signed_in(empty_store, li)
    empty_store.update_user("li", "admin", "user.set_role", role="leader")
    assert auth.resume_session(empty_store, token=token, at=T0 + timedelta(minutes=1)).user.role == "leader"
    empty_store.update_user("li", "admin", "user.disable", active=False)
    with pytest.raises(SessionEnded, match="已停用"):
        auth.resume_session(empty_store, token=token, at=T0 + timedelta(minutes=2))
    empty_store.update_user("li", "admin", "user.enable", active=True)
    _, token2 = _signed_in(empty_store, li)
    empty_store.update_user("li", "admin", "user.reset_password", password_changed_at=T0 + timedelta(hours=1))
    with pytest.raises(SessionEnded, match="密码已重置"):
        auth.resume_session(empty_store, token=token2, at=T0 + timedelta(hours=1, minutes=1))


def test_last_seen_written_at_most_every_touch_interval(empty_store, li):
    sid, token = _signed_in(empty_store, li)
    def seen():
        return empty_store.df("SELECT last_seen FROM web_sessions WHERE session_id = ?", [sid])["last_seen"][0]
    auth.resume_session(empty_store, token=token, at=T0 + timedelta(seconds=auth.TOUCH_SECONDS - 1))
    assert seen() == T0
    auth.resume_session(empty_store, token=token, at=T0 + timedelta(seconds=auth.TOUCH_SECONDS))
    assert seen() == T0 + timedelta(seconds=auth.TOUCH_SECONDS)


# ---- the cookie routes ----------------------------------------------------------------------------------
def _call(app, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, list]:
    """One HTTP request through an ASGI app (no HTTP client library needed)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "server": ("127.0.0.1", 8501), "client": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], [(k.decode(), v.decode()) for k, v in start["headers"]]


@pytest.fixture
def routes_app(monkeypatch):
    from starlette.applications import Starlette

    from jxtrack.ui import cookie_routes

    monkeypatch.setattr(cookie_routes, "_mounted", False)   # restored after the test
    app = Starlette(routes=cookie_routes.routes())
    assert cookie_routes.mounted()
    return app


SAME = {"host": "127.0.0.1:8501", "origin": "http://127.0.0.1:8501", "sec-fetch-site": "same-origin"}


def test_handoff_route_sets_an_httponly_strict_cookie_once(empty_store, li, routes_app):
    sid, nonce = auth.start_session(empty_store, li, at=now())
    status, headers = _call(routes_app, "POST", "/_jx/session", SAME, nonce.encode())
    assert status == 204
    cookie = next(v for k, v in headers if k == "set-cookie")
    assert cookie.startswith(f"{auth.SESSION_COOKIE}=")
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs and "samesite=strict" in attrs and "path=/" in attrs
    assert f"max-age={auth.SESSION_MAX_HOURS * 3600}" in attrs
    token = cookie.split(";")[0].split("=", 1)[1]
    assert auth.resume_session(empty_store, token=token).session_id == sid
    # the nonce is spent
    assert _call(routes_app, "POST", "/_jx/session", SAME, nonce.encode())[0] == 403


@pytest.mark.parametrize("headers", [
    {"host": "127.0.0.1:8501", "origin": "https://evil.example", "sec-fetch-site": "cross-site"},
    {"host": "127.0.0.1:8501", "origin": "https://evil.example"},
    {"host": "127.0.0.1:8501", "sec-fetch-site": "same-site"},
    {"host": "127.0.0.1:8501"},
])
def test_routes_refuse_other_sites(empty_store, li, routes_app, headers):
    _, nonce = auth.start_session(empty_store, li, at=now())
    assert _call(routes_app, "POST", "/_jx/session", headers, nonce.encode())[0] == 403
    assert _call(routes_app, "POST", "/_jx/signout", headers)[0] == 403
    # the refused nonce is still good for the real page
    assert _call(routes_app, "POST", "/_jx/session", SAME, nonce.encode())[0] == 204


def test_same_origin_rule():
    from jxtrack.ui.cookie_routes import same_origin

    # behind a proxy that rewrites Host the browser's own word counts
    assert same_origin({"host": "127.0.0.1:8501", "origin": "https://jx.example", "sec-fetch-site": "same-origin"})
    # an old browser without Sec-Fetch-Site: the Origin must be this host
    assert same_origin({"host": "jx.example", "origin": "https://jx.example"})
    assert not same_origin({"host": "jx.example", "origin": "https://jx.example.evil.example"})
    assert not same_origin({"host": "jx.example", "origin": "null"})


def test_signout_route_revokes_and_clears_the_cookie(empty_store, li, routes_app):
    _, token = _signed_in(empty_store, li, at=now())
    status, headers = _call(routes_app, "POST", "/_jx/signout",
                            {**SAME, "cookie": f"{auth.SESSION_COOKIE}={token}"})
    assert status == 204
    cookie = next(v for k, v in headers if k == "set-cookie").lower()
    assert cookie.startswith(f'{auth.SESSION_COOKIE}=""') and "max-age=0" in cookie
    with pytest.raises(SessionEnded):
        auth.resume_session(empty_store, token=token)


def test_a_new_sign_in_revokes_the_cookie_the_browser_had(empty_store, li, routes_app):
    _, old = _signed_in(empty_store, li, at=now())
    _, nonce = auth.start_session(empty_store, li, at=now())
    status, _ = _call(routes_app, "POST", "/_jx/session",
                      {**SAME, "cookie": f"{auth.SESSION_COOKIE}={old}"}, nonce.encode())
    assert status == 204
    with pytest.raises(SessionEnded):
        auth.resume_session(empty_store, token=old)
