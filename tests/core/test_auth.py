"""Accounts: hashes only, lock-out, roles."""

from __future__ import annotations

import pytest

from jxtrack import auth
from jxtrack.auth import MAX_FAILURES, AuthError


def test_password_is_stored_as_argon2_hash_only(empty_store):
    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    row = empty_store.get_user("li")
    assert row["password_hash"].startswith("$argon2")
    assert "correct horse" not in row["password_hash"]
    user = auth.authenticate(empty_store, "li", "correct horse")
    assert (user.username, user.role) == ("li", "staff")
    log = empty_store.audit_log()
    assert "correct horse" not in " ".join(log["detail"].astype(str))


def test_wrong_password_and_unknown_user_get_the_same_message(empty_store):
    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    with pytest.raises(AuthError, match="用户名或密码不正确"):
        auth.authenticate(empty_store, "li", "wrong")
    with pytest.raises(AuthError, match="用户名或密码不正确"):
        auth.authenticate(empty_store, "nobody", "wrong")


def test_lock_out_after_repeated_failures(empty_store):
    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(AuthError, match="不正确"):
            auth.authenticate(empty_store, "li", "wrong")
    with pytest.raises(AuthError, match="已锁定"):
        auth.authenticate(empty_store, "li", "wrong")
    # even the right password is refused while locked
    with pytest.raises(AuthError, match="已锁定"):
        auth.authenticate(empty_store, "li", "correct horse")
    assert (empty_store.audit_log()["action"] == "user.locked").sum() == 1


def test_disabled_account_cannot_sign_in(empty_store):
    auth.add_user(empty_store, "li", "correct horse", "leader", None, actor="admin")
    empty_store.update_user("li", "admin", "user.disable", active=False)
    with pytest.raises(AuthError, match="已停用"):
        auth.authenticate(empty_store, "li", "correct horse")


@pytest.mark.parametrize("role, region, message", [
    ("county", None, "必须用 --region"),
    ("leader", "330421", "只有区县填报员"),
    ("boss", None, "角色 “boss” 无效"),
])
def test_role_and_region_rules(empty_store, role, region, message):
    with pytest.raises(AuthError, match=message):
        auth.add_user(empty_store, "x", "long enough", role, region, actor="admin")


def test_short_password_and_duplicate_user(empty_store):
    with pytest.raises(AuthError, match="至少 8 位"):
        auth.add_user(empty_store, "x", "short", "leader", None, actor="admin")
    auth.add_user(empty_store, "x", "long enough", "leader", None, actor="admin")
    from jxtrack.store import StoreError
    with pytest.raises(StoreError, match="已存在"):
        auth.add_user(empty_store, "x", "long enough", "leader", None, actor="admin")


def test_region_permissions():
    county = auth.User("js", "county", "330421")
    staff = auth.User("zb", "staff")
    leader = auth.User("ld", "leader")
    assert county.can_read_region("330421", "330400") and county.can_read_region("330400", "330400")
    assert not county.can_read_region("330482", "330400")
    assert county.can_write_region("330421") and not county.can_write_region("330482")
    assert staff.can_write_region("330482") and not leader.can_write_region("330421")
