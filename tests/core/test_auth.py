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
    """The access policy, worked by hand for each role (嘉善 330421, 平湖 330482, city 330400)."""
    from jxtrack import access

    county = auth.User("js", "county", "330421")
    staff = auth.User("zb", "staff")
    leader = auth.User("ld", "leader")
    admin = auth.User("ad", "admin")
    city = "330400"
    assert access.allowed(county, "read", "330421", city=city) and access.allowed(county, "read", city, city=city)
    assert not access.allowed(county, "read", "330482", city=city)
    assert access.allowed(county, "import", "330421") and not access.allowed(county, "import", "330482")
    assert not access.allowed(county, "import", city)            # reads the city total, never writes it
    assert access.allowed(staff, "import", "330482") and not access.allowed(leader, "import", "330421")
    assert access.allowed(leader, "read", "330482", city=city)
    # withdrawal: a county only when every region of the upload is its own
    assert access.allowed(county, "withdraw", ["330421"])
    assert not access.allowed(county, "withdraw", ["330421", "330482"]) and not access.allowed(county, "withdraw", [])
    assert access.allowed(staff, "withdraw", ["330421", "330482"]) and not access.allowed(leader, "withdraw", ["330421"])
    for act in ("switch_binding", "edit_targets", "settings"):
        assert [access.can(u, act) for u in (county, leader, staff, admin)] == [False, False, True, True]
    assert [access.can(u, "manage_users") for u in (county, leader, staff, admin)] == [False, False, False, True]
    assert not access.can(None, "read")
    with pytest.raises(auth.PermissionDenied, match="您是嘉善县的填报员，只能查看嘉善县和全市的数据，不能查看平湖市的数据"):
        access.ensure(county, "read", "330482", city=city, names={"330421": "嘉善县", "330482": "平湖市"})
    with pytest.raises(auth.PermissionDenied, match="用户管理仅限管理员"):
        access.ensure(staff, "manage_users")
