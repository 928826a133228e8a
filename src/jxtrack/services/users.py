"""Accounts for administrators: list, add, change role or county, reset passwords, disable; and
the OIDC identity's account.  Every change is audited by the store."""

from __future__ import annotations

import pandas as pd

from jxtrack.domain import access
from jxtrack.domain.access import User
from jxtrack.services import auth, lookup
from jxtrack.services.regions import WebError, require
from jxtrack.store import admin as sql
from jxtrack.store.interface import Store, now


# ---- users ---------------------------------------------------------------------------------------
def list_users(store: Store, user: User) -> pd.DataFrame:
    require(user, "manage_users")
    return store.users()


def add_user(store: Store, user: User, *, username: str, password: str, role: str, region: str | None,
             display_name: str | None = None, email: str | None = None) -> None:
    require(user, "manage_users")
    if role == "county" and not region:
        raise WebError("区县填报员须在“所属区县”中选择一个区县；其他角色不用选。")
    auth.add_user(store, username, password, role, region if role == "county" else None, actor=user.username,
                  display_name=display_name or None, email=email or None,
                  region_codes=set(lookup.regions(store)["code"]))


def set_role(store: Store, user: User, username: str, role: str, region: str | None) -> None:
    require(user, "manage_users")
    if role not in access.ROLES:
        raise WebError(f"角色 “{role}” 无效。")
    if role == "county" and not region:
        raise WebError("区县填报员必须指定所属区县。")
    if role == "county" and region not in set(lookup.regions(store)["code"]):
        raise WebError(f"区县 “{region}” 不存在。")
    if username == user.username and role != "admin":
        raise WebError("不能取消自己的管理员角色（以免系统没有管理员）。请让另一位管理员操作。")
    store.update_user(username, user.username, "user.set_role", role=role,
                      region=region if role == "county" else None)


def reset_password(store: Store, user: User, username: str, new_password: str) -> None:
    require(user, "manage_users")
    store.update_user(username, user.username, "user.reset_password",
                      password_hash=auth.hash_password(new_password), password_changed_at=now(),
                      failed_attempts=0, locked_until=None)


def set_active(store: Store, user: User, username: str, active: bool) -> None:
    require(user, "manage_users")
    if username == user.username and not active:
        raise WebError("不能停用自己的账号。")
    store.update_user(username, user.username, "user.enable" if active else "user.disable", active=bool(active))


def user_from_email(store: Store, email: str) -> User:
    """Map an OIDC identity's e-mail to an account (sign-in through st.login)."""
    row = sql.user_by_email(store, email)
    if row is None:
        raise access.AuthError(f"邮箱 {email} 没有对应的账号。请联系管理员在用户管理中为您登记邮箱。")
    if not row["active"]:
        raise access.AuthError("该账号已停用，请联系管理员。")
    return User(row["username"], row["role"], row["region"], row["display_name"])


