"""SQL of the monthly cycle: the working group's settings (the due day…) and the bulletins issued.

Each function takes a ``Store`` and runs one unit of work; writes go in one transaction together
with their audit record.  The rules (what a valid due day is, who may change it, what a reminder
says) live in ``jxtrack.services.cycle`` and ``jxtrack.services.remind``.
"""

from __future__ import annotations

import json

from jxtrack.store.interface import Store, now


def setting(store: Store, key: str) -> dict | None:
    """A setting with who set it, when and why; None if never set (the code's default applies)."""
    with store.connect() as con:
        cur = con.execute("SELECT key, value, set_by, set_at, reason FROM settings WHERE key = ?", [key])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))


def set_setting(store: Store, key: str, value: str, actor: str, reason: str,
                old: str | None = None) -> None:
    """Set ``key`` and record the change (old value, new value, reason) in the audit log."""
    with store.transaction() as con:
        con.execute(
            "INSERT INTO settings (key, value, set_by, set_at, reason) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, "
            "set_at = excluded.set_at, reason = excluded.reason",
            [key, value, actor, now(), reason],
        )
        store.audit(con, actor, "setting.set", f"setting:{key}", {"old": old, "new": value, "reason": reason})


def record_bulletin(store: Store, period: str, actor: str, file_name: str | None,
                    red: list[dict]) -> int:
    """Record that the bulletin for ``period`` was issued, with the red items it listed."""
    with store.transaction() as con:
        bid = con.execute(
            "INSERT INTO bulletins (period, issued_at, issued_by, file_name, red) VALUES (?, ?, ?, ?, ?) "
            "RETURNING bulletin_id",
            [period, now(), actor, file_name, json.dumps(red, ensure_ascii=False)],
        ).fetchone()[0]
        store.audit(con, actor, "bulletin.issue", f"bulletin:{bid}",
                    {"period": period, "file": file_name, "red": len(red)})
    return int(bid)


def last_bulletin(store: Store, before_or_at: str | None = None) -> dict | None:
    """The most recently issued bulletin (for a period up to ``before_or_at`` if given); its
    ``red`` is the decoded list.  None if no bulletin was issued."""
    sql = "SELECT bulletin_id, period, issued_at, issued_by, file_name, red FROM bulletins"
    params: list = []
    if before_or_at is not None:
        sql += " WHERE period <= ?"
        params.append(before_or_at)
    sql += " ORDER BY bulletin_id DESC LIMIT 1"
    with store.connect() as con:
        cur = con.execute(sql, params)
        row = cur.fetchone()
        if row is None:
            return None
        out = dict(zip([d[0] for d in cur.description], row, strict=True))
    out["red"] = json.loads(out["red"])
    return out


def reported_regions(store: Store, period: str) -> list[str]:
    """Regions with any figure in force for ``period`` (whoever uploaded it, demo figures too)."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT DISTINCT region FROM current_observations WHERE period = ? AND value IS NOT NULL",
            [period],
        ).fetchall()
    return [str(r[0]) for r in rows]


def newest_accepted_period(store: Store, region: str) -> str | None:
    """The newest period ``region`` has figures for in an accepted upload (None: it never reported)."""
    with store.connect() as con:
        row = con.execute(
            "SELECT max(o.period) FROM observations o JOIN uploads u USING (upload_id) "
            "WHERE u.status = 'accepted' AND o.region = ?",
            [region],
        ).fetchone()
    return row[0] if row and row[0] else None
