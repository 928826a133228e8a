"""SQL the web app needs beyond ``Store``'s own methods: cache versioning, target-source
maintenance and user lookups (the reporting matrix reads ``store.quality.first_uploads``, the one
definition of a first upload).

Functions take a ``Store`` (reads, one unit of work each) or an open connection ``con`` (writes,
to be called inside the caller's ``store.transaction()`` together with the audit record).
"""

from __future__ import annotations

from datetime import datetime

from jxtrack.store.interface import Con, Store, now


def data_version(store: Store) -> tuple[int, int, int, int, int]:
    """A cheap fingerprint that changes whenever figures, targets, subsidy rules or the catalog change.

    Every accepted/withdrawn upload (monthly figures and project ledgers), every target change and
    every switch of a subsidy rule is written with its audit record, and every catalog sync bumps
    ``meta.catalog_version``, so (last upload id, withdrawn uploads, last target change, catalog
    version, last subsidy rule switch) identifies the state the status table and the subsidies were
    computed from.  Used as part of cache keys; the web process and the CLI both move it."""
    with store.connect() as con:
        row = con.execute(
            "SELECT (SELECT coalesce(max(upload_id), 0) FROM uploads), "
            "(SELECT count(*) FROM uploads WHERE status = 'withdrawn'), "
            "(SELECT coalesce(max(change_id), 0) FROM target_changes), "
            "(SELECT coalesce(max(CAST(value AS BIGINT)), 0) FROM meta WHERE key = 'catalog_version'), "
            "(SELECT coalesce(max(change_id), 0) FROM subsidy_rule_changes)"
        ).fetchone()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3]), int(row[4])


def source_exists(store: Store, code: str) -> bool:
    with store.connect() as con:
        return con.execute("SELECT 1 FROM target_sources WHERE code = ?", [code]).fetchone() is not None


def insert_source(con: Con, *, code: str, doc_number: str, title: str,
                  issuer: str | None, issued: str | None, status: str, note: str | None,
                  actor: str) -> None:
    con.execute(
        "INSERT INTO target_sources (code, doc_number, title, issuer, issued, status, note, origin, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'user', ?, ?)",
        [code, doc_number, title, issuer, issued, status, note, actor, now()],
    )


def upsert_target(con: Con, *, indicator: str, region: str, year: int,
                  source: str, value: float, comparator: str, clause: str | None,
                  note: str | None) -> None:
    """Insert a target row of a user-made source, or replace its value (old figures of other
    sources are never touched)."""
    con.execute(
        "DELETE FROM targets WHERE indicator = ? AND region = ? AND year = ? AND source = ?",
        [indicator, region, int(year), source],
    )
    con.execute(
        "INSERT INTO targets (indicator, region, year, source, value, comparator, clause, note, origin) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'user')",
        [indicator, region, int(year), source, float(value), comparator, clause, note],
    )


def set_binding(con: Con, *, indicator: str, region: str, year: int,
                source: str, actor: str, reason: str) -> None:
    con.execute(
        "INSERT INTO target_bindings (indicator, region, year, source, set_by, set_at, reason) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (indicator, region, year) DO UPDATE SET "
        "source = excluded.source, set_by = excluded.set_by, set_at = excluded.set_at, reason = excluded.reason",
        [indicator, region, int(year), source, actor, now(), reason],
    )


def record_target_change(con: Con, *, actor: str, action: str,
                         indicator: str | None, region: str | None, year: int | None,
                         source: str | None, old_value: float | None, new_value: float | None,
                         reason: str, at: datetime | None = None) -> None:
    con.execute(
        "INSERT INTO target_changes (changed_at, changed_by, action, indicator, region, year, source, "
        "old_value, new_value, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [at or now(), actor, action, indicator, region, None if year is None else int(year), source,
         old_value, new_value, reason],
    )


def user_by_email(store: Store, email: str) -> dict | None:
    """The active account whose e-mail matches (case-insensitive), for OIDC sign-in."""
    with store.connect() as con:
        cur = con.execute(
            "SELECT username, role, region, display_name, active FROM users "
            "WHERE lower(email) = lower(?) ORDER BY username LIMIT 1",
            [email.strip()],
        )
        row = cur.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cur.description], row, strict=False))
