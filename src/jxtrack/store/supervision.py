"""SQL of 督办 (supervision notices): each write is one transaction with its step row and its audit
record.  The rules (which step is possible, who may take it, overdue) live in
``jxtrack.domain.supervision`` and ``jxtrack.services.supervision``."""

from __future__ import annotations

from datetime import date

import pandas as pd

from jxtrack.store.interface import NotFoundError, Store, now

COLUMNS = ("supervision_id, region, indicator, period, light, state, ask, reply_by, measures, expected, "
           "opened_by, opened_at, updated_by, updated_at")


def open_notice(store: Store, *, region: str, indicator: str, period: str, light: str | None,
                ask: str, reply_by: date, actor: str) -> int:
    """A new notice in state pending; returns its id."""
    at = now()

    def insert(con) -> int:
        sid = con.execute(
            "INSERT INTO supervisions (region, indicator, period, light, state, ask, reply_by, "
            "opened_by, opened_at, updated_by, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) "
            "RETURNING supervision_id",
            [region, indicator, period, light, ask, reply_by, actor, at, actor, at],
        ).fetchone()[0]
        con.execute(
            "INSERT INTO supervision_steps (supervision_id, step, actor, step_at, ask, reply_by) "
            "VALUES (?, 'open', ?, ?, ?, ?)", [sid, actor, at, ask, reply_by])
        return int(sid)

    return store.write(actor, "supervision.open", lambda sid: f"supervision:{sid}", insert,
                       detail={"region": region, "indicator": indicator, "period": period, "light": light,
                               "ask": ask, "reply_by": reply_by.isoformat()})


def take_step(store: Store, sid: int, *, step: str, new_state: str, old_state: str, actor: str,
              ask: str | None = None, reply_by: date | None = None, measures: str | None = None,
              expected: date | None = None, note: str | None = None) -> None:
    """Record ``step`` on notice ``sid`` and move it to ``new_state``, only if it is still in
    ``old_state`` (two people acting at once: the second gets NotFoundError, nothing written)."""
    at = now()
    sets = ["state = ?", "updated_by = ?", "updated_at = ?"]
    params: list = [new_state, actor, at]
    if ask is not None:
        sets += ["ask = ?", "reply_by = ?"]
        params += [ask, reply_by]
    if measures is not None:
        sets += ["measures = ?", "expected = ?"]
        params += [measures, expected]
    def step_row(con) -> None:
        row = con.execute("SELECT state FROM supervisions WHERE supervision_id = ?", [sid]).fetchone()
        if row is None or row[0] != old_state:
            raise NotFoundError(f"督办 {sid} 已被他人处理（当前状态已变），请刷新后再试。")
        con.execute(f"UPDATE supervisions SET {', '.join(sets)} WHERE supervision_id = ?", params + [sid])
        con.execute(
            "INSERT INTO supervision_steps (supervision_id, step, actor, step_at, ask, reply_by, measures, "
            "expected, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sid, step, actor, at, ask, reply_by, measures, expected, note])

    store.write(actor, f"supervision.{step}", f"supervision:{sid}", step_row,
                detail={"old": old_state, "new": new_state, "ask": ask,
                        "reply_by": reply_by.isoformat() if reply_by else None, "measures": measures,
                        "expected": expected.isoformat() if expected else None, "note": note})


def notices(store: Store, region: str | None = None) -> pd.DataFrame:
    """Every notice (of one region if given), newest first."""
    sql = f"SELECT {COLUMNS} FROM supervisions"
    params: list = []
    if region is not None:
        sql += " WHERE region = ?"
        params.append(region)
    return store.df(sql + " ORDER BY supervision_id DESC", params)


def notice(store: Store, sid: int) -> dict | None:
    with store.connect() as con:
        cur = con.execute(f"SELECT {COLUMNS} FROM supervisions WHERE supervision_id = ?", [sid])
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=True))


def steps(store: Store, sid: int) -> pd.DataFrame:
    """The history of notice ``sid``, oldest first."""
    return store.df(
        "SELECT step_id, step, actor, step_at, ask, reply_by, measures, expected, note FROM supervision_steps "
        "WHERE supervision_id = ? ORDER BY step_id", [sid])
