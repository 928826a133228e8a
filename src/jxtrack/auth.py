"""Accounts and roles: argon2 password hashes, lock-out after repeated failures, role checks.

Roles (see DOMAIN.md): ``leader``, ``county``, ``staff`` (市工作专班), ``admin``.  What each role
may do is decided in one place, the access policy ``jxtrack.access``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from . import clock
from .store import Store, now

ROLES = {
    "admin": "管理员",
    "staff": "市工作专班",
    "county": "区县填报员",
    "leader": "领导",
}
MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 8

_hasher = PasswordHasher()


class AuthError(Exception):
    """Sign-in or permission problem; ``str()`` is a Chinese message."""


class PermissionDenied(AuthError):
    pass


@dataclass(frozen=True)
class User:
    username: str
    role: str
    region: str | None = None
    display_name: str | None = None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


OPERATOR = User("operator", "admin", None, "命令行操作员")


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


def authenticate(store: Store, username: str, password: str) -> User:
    """Check a password; count failures and lock the account after MAX_FAILURES."""
    row = store.get_user(username.strip())
    generic = AuthError("用户名或密码不正确。")
    if row is None:
        # spend the same time as a real check so names can't be probed by timing
        try:
            _hasher.verify(_DUMMY, password)
        except VerificationError:
            pass
        raise generic
    if not row["active"]:
        raise AuthError("该账号已停用，请联系管理员。")
    if row["locked_until"] is not None and row["locked_until"] > now():
        raise AuthError(
            f"密码连续输错 {MAX_FAILURES} 次，账号已锁定至 {clock.show(row['locked_until'], '%H:%M')}，请稍后再试或联系管理员。"
        )
    try:
        _hasher.verify(row["password_hash"], password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        failures = int(row["failed_attempts"] or 0) + 1
        fields = {"failed_attempts": failures}
        if failures >= MAX_FAILURES:
            fields = {"failed_attempts": 0, "locked_until": now() + timedelta(minutes=LOCK_MINUTES)}
            store.update_user(row["username"], row["username"], "user.locked", **fields)
            raise AuthError(
                f"密码连续输错 {MAX_FAILURES} 次，账号已锁定 {LOCK_MINUTES} 分钟。"
            ) from None
        store.update_user(row["username"], row["username"], "user.login_failed", audit=True, **fields)
        raise generic from None
    if row["failed_attempts"] or row["locked_until"] is not None:
        store.update_user(row["username"], row["username"], "user.login", audit=False,
                          failed_attempts=0, locked_until=None)
    return User(row["username"], row["role"], row["region"], row["display_name"])


_DUMMY = _hasher.hash("dummy-password-for-timing")
