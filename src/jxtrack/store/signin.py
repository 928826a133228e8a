"""SQL for signing in: failed sign-ins under names with no account, and server-side web sessions.

The policy (what counts as a failure, when a session ends) lives in ``jxtrack.services.auth``; these
functions only read and write rows.  Tokens and nonces arrive here already hashed.
"""

from __future__ import annotations

from datetime import datetime

from jxtrack.store.interface import Store


# ---- failed sign-ins under unknown names ---------------------------------------------------------
def unknown_name_failures(store: Store, name_hash: str) -> tuple[int, datetime | None]:
    """(consecutive failures, locked until) for a name with no account; (0, None) if none yet."""
    with store.connect() as con:
        row = con.execute(
            "SELECT failed_attempts, locked_until FROM login_failures WHERE name_hash = ?", [name_hash]
        ).fetchone()
    return (0, None) if row is None else (int(row[0]), row[1])


def set_unknown_name_failures(store: Store, name_hash: str, failed_attempts: int,
                              locked_until: datetime | None, at: datetime) -> None:
    """Record the new state for a name with no account; drop rows that no longer say anything
    (no failures counted and the lock over), so guessed names do not pile up."""
    with store.transaction() as con:
        con.execute(
            "INSERT INTO login_failures (name_hash, failed_attempts, locked_until) VALUES (?, ?, ?) "
            "ON CONFLICT (name_hash) DO UPDATE SET failed_attempts = excluded.failed_attempts, "
            "locked_until = excluded.locked_until",
            [name_hash, int(failed_attempts), locked_until],
        )
        con.execute(
            "DELETE FROM login_failures WHERE failed_attempts = 0 AND (locked_until IS NULL OR locked_until <= ?)",
            [at],
        )


# ---- failed sign-ins per client address ---------------------------------------------------------
# kept in login_failures too, under "client:" + the address's SHA-256: never a name's key (a bare
# 64-digit hex digest), so no typed name can touch an address's budget.  ``locked_until`` holds the
# end of the address's current window.
def client_key(address_hash: str) -> str:
    return f"client:{address_hash}"


def client_failures(store: Store, address_hash: str) -> tuple[int, datetime | None]:
    """(failed sign-ins in the current window, the window's end) for a client address."""
    return unknown_name_failures(store, client_key(address_hash))


def add_client_failure(store: Store, address_hash: str, window_ends: datetime, at: datetime) -> None:
    """Count one more failed sign-in from a client address; a window that ended starts again at 1
    with ``window_ends``.  Ended windows of other addresses are dropped."""
    key = client_key(address_hash)
    with store.transaction() as con:
        con.execute(
            "INSERT INTO login_failures (name_hash, failed_attempts, locked_until) VALUES (?, 1, ?) "
            "ON CONFLICT (name_hash) DO UPDATE SET "
            "failed_attempts = CASE WHEN login_failures.locked_until > ? THEN login_failures.failed_attempts + 1 "
            "ELSE 1 END, "
            "locked_until = CASE WHEN login_failures.locked_until > ? THEN login_failures.locked_until "
            "ELSE excluded.locked_until END",
            [key, window_ends, at, at],
        )
        con.execute("DELETE FROM login_failures WHERE name_hash LIKE 'client:%' AND locked_until <= ?", [at])


# ---- web sessions ----------------------------------------------------------------------------------
def create_web_session(store: Store, *, username: str, handoff_hash: str, handoff_expires_at: datetime,
                       at: datetime, expires_at: datetime) -> int:
    """A new session waiting for its browser to redeem the hand-off nonce; returns its id."""
    with store.transaction() as con:
        return int(con.execute(
            "INSERT INTO web_sessions (username, handoff_hash, handoff_expires_at, created_at, last_seen, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING session_id",
            [username, handoff_hash, handoff_expires_at, at, at, expires_at],
        ).fetchone()[0])


def redeem_handoff(store: Store, handoff_hash: str, token_hash: str, at: datetime) -> int | None:
    """Swap an unexpired, unused nonce of a live session for a cookie token (once); the session id,
    or None when the nonce is unknown, used, expired or its session has ended."""
    with store.transaction() as con:
        row = con.execute(
            "SELECT session_id FROM web_sessions WHERE handoff_hash = ? AND token_hash IS NULL "
            "AND handoff_expires_at > ? AND revoked_at IS NULL AND expires_at > ?",
            [handoff_hash, at, at],
        ).fetchone()
        if row is None:
            return None
        con.execute(
            "UPDATE web_sessions SET token_hash = ?, handoff_hash = NULL, handoff_expires_at = NULL "
            "WHERE session_id = ?", [token_hash, row[0]])
        return int(row[0])


def web_session(store: Store, *, session_id: int | None = None, token_hash: str | None = None) -> dict | None:
    """One session with its account (role, region, active, password change), by id or token hash."""
    if (session_id is None) == (token_hash is None):
        raise ValueError("give exactly one of session_id and token_hash")
    where, key = ("s.session_id = ?", session_id) if session_id is not None else ("s.token_hash = ?", token_hash)
    with store.connect() as con:
        cur = con.execute(
            "SELECT s.session_id, s.username, s.created_at, s.last_seen, s.expires_at, s.revoked_at, "
            "s.revoke_reason, u.role, u.region, u.display_name, u.active, u.password_changed_at "
            f"FROM web_sessions s LEFT JOIN users u USING (username) WHERE {where}", [key])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))


def touch_web_session(store: Store, session_id: int, at: datetime) -> None:
    with store.transaction() as con:
        con.execute("UPDATE web_sessions SET last_seen = ? WHERE session_id = ? AND revoked_at IS NULL",
                    [at, session_id])


def revoke_web_session(store: Store, *, at: datetime, reason: str, session_id: int | None = None,
                       token_hash: str | None = None) -> bool:
    """End a session (kept, marked revoked); False when there was no live session to end."""
    if (session_id is None) == (token_hash is None):
        raise ValueError("give exactly one of session_id and token_hash")
    col, key = ("session_id", session_id) if session_id is not None else ("token_hash", token_hash)
    with store.transaction() as con:
        row = con.execute(
            f"UPDATE web_sessions SET revoked_at = ?, revoke_reason = ?, handoff_hash = NULL "
            f"WHERE {col} = ? AND revoked_at IS NULL RETURNING session_id", [at, reason, key]).fetchone()
    return row is not None
