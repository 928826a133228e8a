"""Accounts: hashes only, lock-out, roles."""

from __future__ import annotations

import pytest

from jxtrack.domain.access import AuthError
from jxtrack.services import auth
from jxtrack.services.auth import MAX_FAILURES


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
    from jxtrack.store.interface import StoreError
    with pytest.raises(StoreError, match="已存在"):
        auth.add_user(empty_store, "x", "long enough", "leader", None, actor="admin")


def test_region_permissions():
    """The access policy, worked by hand for each role (嘉善 330421, 平湖 330482, city 330400)."""
    from jxtrack.domain import access

    county = access.User("js", "county", "330421")
    staff = access.User("zb", "staff")
    leader = access.User("ld", "leader")
    admin = access.User("ad", "admin")
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
    with pytest.raises(access.PermissionDenied, match="您是嘉善县的填报员，只能查看嘉善县和全市的数据，不能查看平湖市的数据"):
        access.ensure(county, "read", "330482", city=city, names={"330421": "嘉善县", "330482": "平湖市"})
    with pytest.raises(access.PermissionDenied, match="用户管理仅限管理员"):
        access.ensure(staff, "manage_users")


# ---- no user enumeration: a name with no account answers exactly like a real one --------------------
def _attempts(store, name: str, passwords: list[str], at) -> list[str]:
    out = []
    for pw in passwords:
        with pytest.raises(AuthError) as exc:
            auth.authenticate(store, name, pw, at=at)
        out.append(str(exc.value))
    return out


def test_unknown_name_locks_out_exactly_like_a_real_one(empty_store):
    from datetime import datetime

    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    t = datetime(2025, 11, 5, 9, 30)
    wrong = ["wrong"] * MAX_FAILURES + ["wrong", "correct horse"]
    real = _attempts(empty_store, "li", wrong, t)
    ghost = _attempts(empty_store, "nobody", wrong, t)
    assert real == ghost
    # 4 plain refusals (with the rule said up front), the lock on the 5th, then "locked until 09:45"
    assert real[:MAX_FAILURES - 1] == [auth.WRONG_PASSWORD] * (MAX_FAILURES - 1)
    assert "锁定 15 分钟" in auth.WRONG_PASSWORD
    assert real[MAX_FAILURES - 1] == f"密码连续输错 {MAX_FAILURES} 次，账号已锁定 15 分钟。"
    assert real[MAX_FAILURES] == real[MAX_FAILURES + 1]
    assert "锁定至 09:45" in real[MAX_FAILURES]


def test_unknown_name_lock_passes_like_a_real_one(empty_store):
    from datetime import datetime, timedelta

    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    t = datetime(2025, 11, 5, 9, 30)
    for name in ("li", "nobody"):
        _attempts(empty_store, name, ["wrong"] * MAX_FAILURES, t)
    later = t + timedelta(minutes=auth.LOCK_MINUTES, seconds=1)
    # after the lock the count starts again: four more plain refusals, then the lock again
    for name in ("li", "nobody"):
        msgs = _attempts(empty_store, name, ["wrong"] * MAX_FAILURES, later)
        assert msgs[:-1] == [auth.WRONG_PASSWORD] * (MAX_FAILURES - 1) and "已锁定 15 分钟" in msgs[-1]
    # the right password works once the lock is over
    assert auth.authenticate(empty_store, "li", "correct horse", at=later + timedelta(minutes=16)).username == "li"


def test_unknown_names_do_the_same_work(empty_store, monkeypatch):
    """Same work for both: one read, one argon2 check and one database write per wrong guess, only
    the read while locked (so the time taken does not tell them apart either)."""
    from datetime import datetime

    from jxtrack.store import signin

    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    calls: list[str] = []
    real_check, real_update, real_set = auth._password_matches, empty_store.update_user, \
        signin.set_unknown_name_failures
    monkeypatch.setattr(auth, "_password_matches", lambda *a: calls.append("argon2") or real_check(*a))
    monkeypatch.setattr(empty_store, "update_user", lambda *a, **k: calls.append("write") or real_update(*a, **k))
    monkeypatch.setattr(signin, "set_unknown_name_failures",
                        lambda *a, **k: calls.append("write") or real_set(*a, **k))
    real_open = empty_store._open
    monkeypatch.setattr(empty_store, "_open", lambda *a: calls.append("open") or real_open(*a))
    t = datetime(2025, 11, 5, 9, 30)
    traces = {}
    for name in ("li", "nobody"):
        calls.clear()
        _attempts(empty_store, name, ["wrong"] * (MAX_FAILURES + 2), t)
        traces[name] = list(calls)
    # per guess: open the file once to read, check the password, write (opening it again)
    per_guess = ["open", "argon2", "write", "open"]
    assert traces["li"] == traces["nobody"] == per_guess * MAX_FAILURES + ["open"] * 2


def test_unknown_names_are_kept_hashed_and_do_not_pile_up(empty_store):
    from datetime import datetime, timedelta

    t = datetime(2025, 11, 5, 9, 30)
    _attempts(empty_store, "ghost-one", ["wrong"] * MAX_FAILURES, t)   # locked
    _attempts(empty_store, "ghost-two", ["wrong"], t)                  # one failure counted
    rows = empty_store.df("SELECT * FROM login_failures ORDER BY failed_attempts")
    assert len(rows) == 2 and "ghost" not in rows.to_string()
    # once ghost-one's lock is over its row says nothing and goes at the next write
    _attempts(empty_store, "ghost-three", ["wrong"], t + timedelta(minutes=16))
    rows = empty_store.df("SELECT failed_attempts FROM login_failures")
    assert sorted(rows["failed_attempts"]) == [1, 1]


def test_disabled_account_is_named_only_to_the_right_password(empty_store):
    auth.add_user(empty_store, "li", "correct horse", "leader", None, actor="admin")
    empty_store.update_user("li", "admin", "user.disable", active=False)
    with pytest.raises(AuthError) as exc:
        auth.authenticate(empty_store, "li", "wrong")
    assert str(exc.value) == auth.WRONG_PASSWORD        # what an unknown name gets
    with pytest.raises(AuthError, match="已停用"):
        auth.authenticate(empty_store, "li", "correct horse")
