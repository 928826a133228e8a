"""Accounts and roles: argon2 password hashes, lock-out after repeated failures, role checks.

Roles (see DOMAIN.md): ``leader``, ``county``, ``staff`` (市工作专班), ``admin``.  What each role
may do is decided in one place, the access policy ``jxtrack.domain.access``.

Web sessions: sign-in that survives a reload (F5), a new tab and a phone browser dropping the page.

Design.  Streamlit forgets everything on reload (a new WebSocket, a new ``st.session_state``), and
Python cannot set an HttpOnly cookie through the WebSocket.  So:

1. ``start_session`` (called when the password checked out) writes a session row and returns a
   one-time hand-off nonce; the tab that signed in is signed in at once through its session id.
2. The page posts the nonce, same-origin, to a small HTTP route on Streamlit's own server
   (``jxtrack.ui.cookie_routes``, mounted through ``st.App`` in ``serve.py``); the route calls
   ``redeem_handoff``, which swaps the nonce (once, within HANDOFF_SECONDS) for a fresh random
   token and answers ``Set-Cookie: jx_session=<token>; HttpOnly; SameSite=Strict; Path=/``.
   JavaScript never sees the token.
3. Every later page load (F5, a new tab) reads the cookie with ``st.context.cookies`` and calls
   ``resume_session``, which checks the row: not revoked, the account still active and its
   password not reset since, younger than SESSION_MAX_HOURS (absolute) and used within
   SESSION_IDLE_MINUTES (idle; ``last_seen`` is written at most every TOUCH_SECONDS).
4. 退出登录 calls ``end_session`` (the row is revoked, in every tab at its next click) and the page
   posts to the route's sign-out address, which clears the cookie.

The token is 256 random bits (``secrets.token_urlsafe(32)``) and the database keeps only its
SHA-256, so neither a copy of the database nor a guess yields a usable cookie.  Such a token is not
"signed" (an HMAC would add a secret to keep and nothing else: a forged or altered token is simply
not in the table, and revocation needs the table anyway).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from jxtrack.domain import clock
from jxtrack.domain.access import ROLES, AuthError, User
from jxtrack.store import signin
from jxtrack.store.interface import Store, now

MAX_FAILURES = 5
LOCK_MINUTES = 15
# failed sign-ins one client address may make per window, whatever the names: checked before any
# password hash is computed, so one address can neither lock many accounts nor make the server
# compute many 64 MiB argon2 hashes (an office behind one address shares the budget)
CLIENT_MAX_FAILURES = int(os.environ.get("JXTRACK_CLIENT_MAX_FAILURES", "20"))
CLIENT_WINDOW_MINUTES = 15
MIN_PASSWORD = 8

_hasher = PasswordHasher()


def _when(at: datetime | None) -> datetime:
    """``at`` in the users' zone (naive means local time, as tests and callers write it), else now."""
    return clock.local(at) if at is not None else now()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"密码至少 {MIN_PASSWORD} 位。")
    return _hasher.hash(password)


def add_user(store: Store, username: str, password: str, role: str, region: str | None,
             actor: str, display_name: str | None = None, email: str | None = None,
             region_codes: set[str] | None = None) -> None:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise AuthError("用户名不能为空、不能含空格，最长 64 个字符。")
    if role not in ROLES:
        raise AuthError(f"角色 “{role}” 无效，可选：{', '.join(ROLES)}。")
    if role == "county" and not region:
        raise AuthError("区县填报员（county）必须用 --region 指定所属区县。")
    if role != "county" and region:
        raise AuthError("只有区县填报员（county）需要指定区县；其他角色请不要加 --region。")
    if region_codes is not None and region and region not in region_codes:
        raise AuthError(f"区县 “{region}” 不存在。")
    store.create_user(username=username, password_hash=hash_password(password), role=role,
                      region=region, display_name=display_name, email=email, actor=actor)


def authenticate(store: Store, username: str, password: str, at: datetime | None = None,
                 client: str | None = None) -> User:
    """Check a password; count failures and lock the name for LOCK_MINUTES after MAX_FAILURES.

    ``client`` is the address the attempt comes from (the web page gives it).  An address that
    made CLIENT_MAX_FAILURES failed sign-ins within CLIENT_WINDOW_MINUTES is refused before
    anything else is done: no password is hashed and no name's failures are counted, so one client
    cannot lock every known account nor keep the server hashing.

    Nothing a caller sees may tell whether a name has an account: a name with no account gets the
    same message, the same lock-out (its failures are counted too, in ``login_failures``) and the
    same work (the same reads, one argon2 verification and one write per wrong guess, none while
    locked).  That a correct password belongs to a disabled account is said only after the
    password checked out."""
    t = _when(at)
    name = username.strip()
    client_hash = _digest(client) if client is not None else None
    with store.connect():   # one opening of the file and the same reads for every name
        if client_hash is not None:
            client_fails, window_ends = signin.client_failures(store, client_hash)
            if window_ends is not None and window_ends > t and client_fails >= CLIENT_MAX_FAILURES:
                raise AuthError(f"本机登录失败次数过多，请于 {clock.show(window_ends, '%H:%M')} 后再试；"
                                "如忘记密码，请联系管理员。")
        row = store.get_user(name) if name else None
        unknown_state = signin.unknown_name_failures(store, _digest(name))
    if row is not None:
        failures, locked_until = int(row["failed_attempts"] or 0), row["locked_until"]
    else:
        failures, locked_until = unknown_state
    if locked_until is not None and locked_until > t:
        raise AuthError(f"密码连续输错 {MAX_FAILURES} 次，账号已锁定至 {clock.show(locked_until, '%H:%M')}，"
                        "请稍后再试或联系管理员。")
    # an unknown name is checked against a dummy hash so both take the same time
    if not _password_matches(row["password_hash"] if row is not None else _DUMMY, password) or row is None:
        if client_hash is not None:
            signin.add_client_failure(store, client_hash, t + timedelta(minutes=CLIENT_WINDOW_MINUTES), t)
        failures += 1
        lock = failures >= MAX_FAILURES
        new_failures, new_lock = (0, t + timedelta(minutes=LOCK_MINUTES)) if lock else (failures, locked_until)
        if row is None:
            signin.set_unknown_name_failures(store, _digest(name), new_failures, new_lock, t)
        elif lock:
            store.update_user(row["username"], row["username"], "user.locked",
                              failed_attempts=new_failures, locked_until=new_lock)
        else:
            store.update_user(row["username"], row["username"], "user.login_failed",
                              failed_attempts=new_failures)
        if lock:
            raise AuthError(f"密码连续输错 {MAX_FAILURES} 次，账号已锁定 {LOCK_MINUTES} 分钟。")
        raise AuthError(WRONG_PASSWORD)
    if not row["active"]:
        raise AuthError("该账号已停用，请联系管理员。")
    if row["failed_attempts"] or row["locked_until"] is not None:
        store.update_user(row["username"], row["username"], "user.login", audit=False,
                          failed_attempts=0, locked_until=None)
    return User(row["username"], row["role"], row["region"], row["display_name"])


WRONG_PASSWORD = f"用户名或密码不正确；连续输错 {MAX_FAILURES} 次将锁定 {LOCK_MINUTES} 分钟。"


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_DUMMY = _hasher.hash("dummy-password-for-timing")


# ---- Web sessions ----------------------------------------------------------------------------------

SESSION_COOKIE = "jx_session"
SESSION_IDLE_MINUTES = int(os.environ.get("JXTRACK_SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_HOURS = int(os.environ.get("JXTRACK_SESSION_MAX_HOURS", "12"))
HANDOFF_SECONDS = 120
TOUCH_SECONDS = 30
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")

_ENDED = {
    "signed_out": "您已退出登录，请重新登录。",
    "idle": f"超过 {SESSION_IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录。",
    "expired": f"登录已超过 {SESSION_MAX_HOURS} 小时，请重新登录。",
    "disabled": "该账号已停用，请联系管理员。",
    "password_reset": "密码已重置，请用新密码重新登录。",
}


class SessionEnded(AuthError):
    """A known session that is over; ``str()`` says why, in Chinese."""


@dataclass(frozen=True)
class WebSession:
    session_id: int
    user: User


def start_session(store: Store, user: User, at: datetime | None = None) -> tuple[int, str]:
    """Open a web session for a user who just signed in: (session id, one-time hand-off nonce)."""
    t = _when(at)
    nonce = secrets.token_urlsafe(32)
    sid = signin.create_web_session(
        store, username=user.username, handoff_hash=_digest(nonce),
        handoff_expires_at=t + timedelta(seconds=HANDOFF_SECONDS), at=t,
        expires_at=t + timedelta(hours=SESSION_MAX_HOURS))
    return sid, nonce


def redeem_handoff(store: Store, nonce: str, at: datetime | None = None) -> str | None:
    """The cookie token for a valid hand-off nonce (usable once), or None."""
    if not isinstance(nonce, str) or not _TOKEN_RE.fullmatch(nonce):
        return None
    token = secrets.token_urlsafe(32)
    sid = signin.redeem_handoff(store, _digest(nonce), _digest(token), _when(at))
    return None if sid is None else token


def resume_session(store: Store, *, token: str | None = None, session_id: int | None = None,
                   at: datetime | None = None) -> WebSession | None:
    """The live session for a cookie token or a session id; None when there is no such session
    (a forged, altered or unknown token).  A session that is over is revoked (if it was not
    already) and raises ``SessionEnded`` with the reason."""
    t = _when(at)
    if token is not None:
        if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
            return None
        row = signin.web_session(store, token_hash=_digest(token))
    else:
        row = signin.web_session(store, session_id=int(session_id))
    if row is None:
        return None
    reason = row["revoke_reason"] if row["revoked_at"] is not None else None
    if reason is None:
        if row["active"] is None or not row["active"]:
            reason = "disabled"
        elif row["password_changed_at"] is not None and row["password_changed_at"] > row["created_at"]:
            reason = "password_reset"
        elif t >= row["expires_at"]:
            reason = "expired"
        elif t - row["last_seen"] > timedelta(minutes=SESSION_IDLE_MINUTES):
            reason = "idle"
        if reason is not None:
            signin.revoke_web_session(store, session_id=row["session_id"], at=t, reason=reason)
    if reason is not None:
        raise SessionEnded(_ENDED.get(reason, _ENDED["signed_out"]))
    if (t - row["last_seen"]).total_seconds() >= TOUCH_SECONDS:
        signin.touch_web_session(store, row["session_id"], t)
    return WebSession(int(row["session_id"]),
                      User(row["username"], row["role"], row["region"], row["display_name"]))


def end_session(store: Store, *, token: str | None = None, session_id: int | None = None,
                at: datetime | None = None, reason: str = "signed_out") -> bool:
    """Revoke a session (by cookie token or id); False if there was no live session to revoke."""
    t = _when(at)
    if token is not None:
        if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
            return False
        return signin.revoke_web_session(store, token_hash=_digest(token), at=t, reason=reason)
    return signin.revoke_web_session(store, session_id=int(session_id), at=t, reason=reason)
