"""SQL for the project ledger (项目库) and the subsidy rule bindings.

A ledger upload is a row of ``uploads`` (kind 'projects') with its projects; per region the newest
accepted upload that has projects of that region is in force.  Withdrawing an upload
(``Store.withdraw_upload``) brings the previous one back; nothing is deleted.  Rules that the
documents give differently (one topic, several rules) bind by default as ``data/subsidy_rules.csv``
says; a working-group switch is stored here with who, when and why, in one transaction with its
audit record (``Store.write``).
"""

from __future__ import annotations

import pandas as pd

from jxtrack.store.interface import Con, Store, now

KIND = "projects"
PROJECT_COLUMNS = [
    "upload_id", "sheet", "row_no", "region", "project_name", "enterprise", "credit_code",
    "project_type", "start_date", "acceptance_date", "total_investment", "productive_investment",
    "equipment_investment", "grade", "strategic", "energy_saving", "co2_reduction", "water_saving",
    "third_party", "honours", "provincial_list", "commitment", "note",
]

_CURRENT = (
    "WITH latest AS (SELECT p.region, max(p.upload_id) AS upload_id FROM projects p "
    "JOIN uploads u USING (upload_id) WHERE u.status = 'accepted' AND u.kind = 'projects' "
    "GROUP BY p.region) "
    "SELECT p.*, u.uploaded_at, u.username FROM projects p JOIN latest l USING (region, upload_id) "
    "JOIN uploads u USING (upload_id)"
)


def current_projects(store: Store, regions: list[str] | None = None) -> pd.DataFrame:
    """The ledger in force: PROJECT_COLUMNS plus uploaded_at, username; only ``regions`` if given."""
    sql = f"SELECT * FROM ({_CURRENT}) AS c"
    params: list = []
    if regions is not None:
        sql += f" WHERE {store.in_list('region')}"
        params.append(list(regions))
    return store.df(sql + " ORDER BY region, upload_id, sheet, row_no", params)


def project_keys(store: Store) -> pd.DataFrame:
    """region, enterprise, project_name of the ledger in force (for the cross-county check)."""
    return store.df(f"SELECT region, enterprise, project_name FROM ({_CURRENT}) AS c")


def in_force_upload_ids(store: Store) -> dict[str, int]:
    """region -> the ledger upload in force for it."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT p.region, max(p.upload_id) FROM projects p JOIN uploads u USING (upload_id) "
            "WHERE u.status = 'accepted' AND u.kind = 'projects' GROUP BY p.region").fetchall()
    return {r: int(u) for r, u in rows}


def record_rejected(store: Store, *, username: str, file_name: str | None, data: bytes,
                    region: str | None, problems: list[dict], audit: dict, reading: str | None = None) -> int:
    """Record a refused ledger file (hash, problems; its bytes only when small and new, as for a
    refused monthly sheet) with its audit record; no project is written."""
    detail = audit | {"file_size": len(data)}

    def refuse(con: Con) -> int:
        detail["bytes_kept"] = keep = store.keeps_rejected_bytes(con, data)
        return store.record_upload(con, kind=KIND, username=username, status="rejected",
                                   file_name=file_name, file_bytes=data, region=region, problems=problems,
                                   keep_bytes=keep, reading=reading)

    return store.write(username, "projects.reject", lambda uid: f"upload:{uid}", refuse, detail=detail)


def record_accepted(store: Store, *, username: str, file_name: str | None, data: bytes,
                    region: str | None, projects: pd.DataFrame, problems: list[dict], audit: dict,
                    reading: str | None = None) -> int:
    """Write a ledger upload and all its projects in ONE transaction with the audit record."""
    rows = projects.rename(columns={"row": "row_no"})

    def accept(con: Con) -> int:
        uid = store.record_upload(con, kind=KIND, username=username, status="accepted",
                                  file_name=file_name, file_bytes=data, region=region, problems=problems,
                                  reading=reading)
        frame = rows.assign(upload_id=uid)[PROJECT_COLUMNS]
        store.insert_frame(con, "projects", frame)
        con.execute("UPDATE uploads SET n_values = ? WHERE upload_id = ?", [len(frame), uid])
        return uid

    return store.write(username, "projects.accept", lambda uid: f"upload:{uid}", accept,
                       detail=audit | {"n_projects": len(rows)})


def ledger_uploads(store: Store, regions: list[str] | None = None) -> pd.DataFrame:
    """Ledger uploads, newest first: upload_id, region (name or 多个地区), user, uploaded_at, status,
    file_name, n_projects, withdrawn_by, withdraw_reason, reading (how it was read); only those touching ``regions`` if given."""
    sql = (
        "SELECT u.upload_id, coalesce(r.name, u.region, '多个地区') AS region, u.region AS region_code, "
        "u.username AS user, u.uploaded_at, u.status, u.file_name, u.n_values AS n_projects, "
        "u.withdrawn_by, u.withdraw_reason, u.reading FROM uploads u LEFT JOIN regions r ON r.code = u.region "
        "WHERE u.kind = 'projects'"
    )
    params: list = []
    if regions is not None:
        sql += (f" AND ({store.in_list('u.region')} OR u.upload_id IN "
                f"(SELECT upload_id FROM projects WHERE {store.in_list('region')}))")
        params += [list(regions), list(regions)]
    return store.df(sql + " ORDER BY u.upload_id DESC", params)


def rule_bindings(store: Store) -> dict[str, str]:
    """topic -> rule code chosen by the working group (topics not switched are absent)."""
    with store.connect() as con:
        rows = con.execute("SELECT topic, rule FROM subsidy_rule_bindings").fetchall()
    return {t: r for t, r in rows}


def set_rule_binding(store: Store, topic: str, rule: str, actor: str, reason: str) -> str | None:
    """Make ``rule`` the binding rule of ``topic``; log the change and audit it; return the old rule
    (None when the default applied)."""
    detail = {"old": None, "new": rule, "reason": reason}

    def bind(con: Con) -> str | None:
        row = con.execute("SELECT rule FROM subsidy_rule_bindings WHERE topic = ?", [topic]).fetchone()
        detail["old"] = old = row[0] if row else None
        con.execute("INSERT INTO subsidy_rule_bindings (topic, rule, set_by, set_at, reason) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (topic) DO UPDATE SET rule = excluded.rule, "
                    "set_by = excluded.set_by, set_at = excluded.set_at, reason = excluded.reason",
                    [topic, rule, actor, now(), reason])
        con.execute(
            "INSERT INTO subsidy_rule_changes (changed_at, changed_by, topic, old_rule, new_rule, reason) "
            "VALUES (?, ?, ?, ?, ?, ?)", [now(), actor, topic, old, rule, reason])
        return old

    return store.write(actor, "subsidy_rule.bind", f"topic:{topic}", bind, detail=detail)
