"""A per-client budget of failed sign-ins, checked before any password hash (issue 20, item 8):
one address can no longer lock every known account, nor make the server hash without end."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jxtrack.domain.access import AuthError
from jxtrack.services import auth
from jxtrack.store import signin

T = datetime(2025, 11, 5, 9, 30)
ATTACKER, OFFICE = "203.0.113.9", "198.51.100.7"


def _fail(store, name, client, at=T):
    with pytest.raises(AuthError) as exc:
        auth.authenticate(store, name, "wrong guess", at=at, client=client)
    return str(exc.value)


def test_an_address_out_of_budget_is_refused_before_the_hash(empty_store, monkeypatch):
    monkeypatch.setattr(auth, "CLIENT_MAX_FAILURES", 6)
    for name in ("li", "wang"):
        auth.add_user(empty_store, name, "correct horse", "staff", None, actor="admin")
    hashes = []
    real = auth._password_matches
    monkeypatch.setattr(auth, "_password_matches", lambda *a: hashes.append(1) or real(*a))
    # 6 failures spread over names (4 on li, 2 on unknown names): li is not yet locked (5 locks)
    for name in ("li", "li", "li", "li", "x1", "x2"):
        assert _fail(empty_store, name, ATTACKER) == auth.WRONG_PASSWORD
    assert len(hashes) == 6
    # the 7th try from that address: refused, no hash computed, no account's count moved
    msg = _fail(empty_store, "wang", ATTACKER)
    assert msg.startswith("本机登录失败次数过多") and "09:45" in msg
    msg = _fail(empty_store, "li", ATTACKER)
    assert msg.startswith("本机登录失败次数过多")
    assert len(hashes) == 6
    assert empty_store.get_user("wang")["failed_attempts"] == 0
    assert empty_store.get_user("li")["failed_attempts"] == 4 and empty_store.get_user("li")["locked_until"] is None
    # even the right password is not checked from there until the window ends
    msg = _fail_right(empty_store, "li", ATTACKER, T + timedelta(minutes=5))
    assert msg.startswith("本机登录失败次数过多") and len(hashes) == 6
    # the account's owner, from another address, signs in at once
    assert auth.authenticate(empty_store, "li", "correct horse", at=T, client=OFFICE).username == "li"
    # the window is over (15 minutes after its first failure): the address may try again
    later = T + timedelta(minutes=auth.CLIENT_WINDOW_MINUTES, seconds=1)
    assert _fail(empty_store, "wang", ATTACKER, later) == auth.WRONG_PASSWORD
    assert signin.client_failures(empty_store, auth._digest(ATTACKER))[0] == 1


def _fail_right(store, name, client, at):
    with pytest.raises(AuthError) as exc:
        auth.authenticate(store, name, "correct horse", at=at, client=client)
    return str(exc.value)


def test_budget_key_cannot_be_reached_by_a_typed_name(empty_store, monkeypatch):
    """An address's budget lives under a key no name's digest can be, so typing a crafted name
    cannot use up another address's budget."""
    monkeypatch.setattr(auth, "CLIENT_MAX_FAILURES", 2)
    for typed in (f"client:{auth._digest(OFFICE)}", auth._digest(OFFICE), OFFICE):
        _fail(empty_store, typed, ATTACKER, T)
    assert signin.client_failures(empty_store, auth._digest(OFFICE)) == (0, None)
    auth.add_user(empty_store, "li", "correct horse", "staff", None, actor="admin")
    assert auth.authenticate(empty_store, "li", "correct horse", at=T, client=OFFICE).username == "li"


def test_default_budget_allows_an_office_some_mistakes():
    assert auth.CLIENT_MAX_FAILURES == 20 and auth.CLIENT_WINDOW_MINUTES == 15
