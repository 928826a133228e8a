"""SQL of the review (审核) of each region's monthly report: the last step taken per region ×
period and the newest upload in force.  The rules (states, who may do what) live in
``jxtrack.domain.review`` and ``jxtrack.services.review``; every write goes in one transaction with
its audit record."""

from __future__ import annotations

from jxtrack.store.interface import Store, now

_COLS = "region, period, decision, upload_id, reason, decided_by, decided_at"


def decisions(store: Store, periods: list[str], regions: list[str] | None = None) -> list[dict]:
    """The last review step of each region × period asked for (those never reviewed are absent)."""
    if not periods:
        return []
    sql = f"SELECT {_COLS} FROM report_reviews WHERE period IN ({', '.join('?' * len(periods))})"
    params: list = list(periods)
    if regions is not None:
        if not regions:
            return []
        sql += f" AND region IN ({', '.join('?' * len(regions))})"
        params += list(regions)
    with store.connect() as con:
        cur = con.execute(sql + " ORDER BY period, region", params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def uploads_in_force(store: Store, periods: list[str]) -> dict[tuple[str, str], int]:
    """(region, period) -> the newest upload with a figure in force there (the report to review)."""
    if not periods:
        return {}
    with store.connect() as con:
        rows = con.execute(
            "SELECT region, period, max(upload_id) FROM current_observations "
            f"WHERE value IS NOT NULL AND period IN ({', '.join('?' * len(periods))}) GROUP BY region, period",
            list(periods),
        ).fetchall()
    return {(str(r), str(p)): int(u) for r, p, u in rows}


def record_decision(store: Store, region: str, period: str, decision: str, upload_id: int | None,
                    reason: str | None, actor: str, old_state: str) -> None:
    """Store the step taken on ``region`` × ``period`` and its audit record, in one transaction."""
    store.write(actor, f"review.{decision}", f"review:{region}:{period}", lambda con: con.execute(
        f"INSERT INTO report_reviews ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (region, period) DO UPDATE SET decision = excluded.decision, "
        "upload_id = excluded.upload_id, reason = excluded.reason, decided_by = excluded.decided_by, "
        "decided_at = excluded.decided_at",
        [region, period, decision, upload_id, reason, actor, now()],
    ), detail={"region": region, "period": period, "from": old_state, "upload_id": upload_id, "reason": reason})


def upload_pairs(store: Store, upload_id: int) -> list[tuple[str, str]]:
    """The (region, period) pairs an upload holds figures for."""
    with store.connect() as con:
        rows = con.execute("SELECT DISTINCT region, period FROM observations WHERE upload_id = ? ORDER BY 2, 1",
                           [upload_id]).fetchall()
    return [(str(r), str(p)) for r, p in rows]
