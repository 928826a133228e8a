"""Numbered schema migrations, recorded in ``schema_migrations`` so an old database upgrades
itself on open (after sqlite-utils' migrations).  Never edit a released migration: add a new one.

The same migrations build a DuckDB file and a PostgreSQL database.  They are written in DuckDB's
SQL; ``_ddl`` maps the two type names PostgreSQL spells otherwise (DOUBLE, BLOB), and the one
statement whose dialects truly differ (the view of figures in force, m005) is written for each."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jxtrack.domain import clock

# (connection, backend name: 'duckdb' | 'postgresql')
Migration = Callable[[Any, str], None]


def _ddl(con: Any, backend: str, sql: str) -> None:
    """Run DDL written in DuckDB's SQL on either backend."""
    if backend == "postgresql":
        sql = re.sub(r"\bDOUBLE\b", "DOUBLE PRECISION", sql)
        sql = re.sub(r"\bBLOB\b", "BYTEA", sql)
    con.execute(sql)


def m001_initial(con: Any, backend: str = "duckdb") -> None:
    _ddl(con, backend, """
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

        -- the catalog, copied from data/*.csv on every `jxtrack init`
        CREATE TABLE regions (
            code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, short_name VARCHAR, level VARCHAR NOT NULL,
            parent VARCHAR, summable BOOLEAN NOT NULL, sort INTEGER);
        CREATE TABLE measures (
            code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, unit VARCHAR NOT NULL,
            behaviour VARCHAR NOT NULL, scope VARCHAR NOT NULL, description VARCHAR);
        CREATE TABLE indicators (
            code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, short_name VARCHAR, grp VARCHAR, section VARCHAR,
            kind VARCHAR NOT NULL, formula VARCHAR NOT NULL, numerator VARCHAR, denominator VARCHAR,
            reported_rate VARCHAR, unit VARCHAR, direction VARCHAR, green_min_pp DOUBLE, yellow_min_pp DOUBLE,
            scope VARCHAR, responsible VARCHAR, key BOOLEAN, sort INTEGER, scale DOUBLE);
        CREATE TABLE aliases (kind VARCHAR, alias VARCHAR, code VARCHAR, PRIMARY KEY (kind, alias));

        -- targets and where they come from; origin 'catalog' rows are refreshed from data/,
        -- origin 'user' rows are the working group's (new documents, 任务分解表)
        CREATE TABLE target_sources (
            code VARCHAR PRIMARY KEY, doc_number VARCHAR, title VARCHAR NOT NULL, issuer VARCHAR,
            issued VARCHAR, status VARCHAR NOT NULL, note VARCHAR, origin VARCHAR NOT NULL,
            created_by VARCHAR, created_at TIMESTAMP);
        CREATE TABLE targets (
            indicator VARCHAR NOT NULL, region VARCHAR NOT NULL, year INTEGER NOT NULL,
            source VARCHAR NOT NULL, value DOUBLE NOT NULL, comparator VARCHAR NOT NULL,
            clause VARCHAR, note VARCHAR, origin VARCHAR NOT NULL,
            PRIMARY KEY (indicator, region, year, source));
        CREATE TABLE target_bindings (
            indicator VARCHAR NOT NULL, region VARCHAR NOT NULL, year INTEGER NOT NULL,
            source VARCHAR NOT NULL, set_by VARCHAR, set_at TIMESTAMP, reason VARCHAR,
            PRIMARY KEY (indicator, region, year));
        CREATE SEQUENCE target_change_seq START 1;
        CREATE TABLE target_changes (
            change_id BIGINT PRIMARY KEY DEFAULT nextval('target_change_seq'),
            changed_at TIMESTAMP NOT NULL, changed_by VARCHAR NOT NULL, action VARCHAR NOT NULL,
            indicator VARCHAR, region VARCHAR, year INTEGER, source VARCHAR,
            old_value DOUBLE, new_value DOUBLE, reason VARCHAR);

        -- every upload is kept with its bytes; observations are versioned by upload
        CREATE SEQUENCE upload_seq START 1;
        CREATE TABLE uploads (
            upload_id BIGINT PRIMARY KEY DEFAULT nextval('upload_seq'),
            kind VARCHAR NOT NULL,            -- upload | demo
            file_name VARCHAR, file_hash VARCHAR, file_size BIGINT, file_bytes BLOB,
            region VARCHAR, period VARCHAR,   -- NULL when one file covers several
            username VARCHAR NOT NULL, uploaded_at TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL,          -- accepted | rejected | withdrawn
            n_values INTEGER, problems VARCHAR,
            withdrawn_by VARCHAR, withdrawn_at TIMESTAMP, withdraw_reason VARCHAR);
        CREATE TABLE observations (
            upload_id BIGINT NOT NULL, region VARCHAR NOT NULL, period VARCHAR NOT NULL,
            measure VARCHAR NOT NULL, value DOUBLE, raw_value VARCHAR, sheet VARCHAR, cell VARCHAR,
            note VARCHAR,
            PRIMARY KEY (upload_id, region, period, measure));

        -- the figures in force: per (region, period, measure) the newest accepted upload wins
        CREATE VIEW current_observations AS
        SELECT region, period, measure, value, note, upload_id FROM (
            SELECT o.region, o.period, o.measure, o.value, o.note, o.upload_id,
                   row_number() OVER (PARTITION BY o.region, o.period, o.measure
                                      ORDER BY o.upload_id DESC) AS rn
            FROM observations o JOIN uploads u USING (upload_id)
            WHERE u.status = 'accepted') AS ranked WHERE rn = 1;

        CREATE TABLE users (
            username VARCHAR PRIMARY KEY, password_hash VARCHAR NOT NULL, role VARCHAR NOT NULL,
            region VARCHAR, display_name VARCHAR, email VARCHAR, active BOOLEAN NOT NULL DEFAULT TRUE,
            failed_attempts INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP,
            created_at TIMESTAMP, password_changed_at TIMESTAMP);

        -- append-only; written in the same transaction as the change it records
        CREATE SEQUENCE audit_seq START 1;
        CREATE TABLE audit_log (
            audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
            logged_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL,
            object VARCHAR, detail VARCHAR);
        """
    )


def m002_units(con: Any, backend: str = "duckdb") -> None:
    """Units in the database too, so the runtime catalog is the database's alone."""
    _ddl(con, backend, "CREATE TABLE units (unit VARCHAR PRIMARY KEY, dimension VARCHAR NOT NULL, factor DOUBLE NOT NULL)")


def m003_web_sessions(con: Any, backend: str = "duckdb") -> None:
    """Sign-in that survives a reload: server-side web sessions, and failed sign-ins for names that
    have no account (so they lock out exactly like real ones; see ``auth.authenticate``)."""
    _ddl(con, backend, """
        -- one row per signed-in browser; the cookie token and the one-time hand-off nonce are kept
        -- only as SHA-256 hashes (see jxtrack.services.auth, "Web sessions").  No index on the hashes:
        -- DuckDB rewrites updates of indexed columns as delete + insert, and the table is small
        CREATE SEQUENCE web_session_seq START 1;
        CREATE TABLE web_sessions (
            session_id BIGINT PRIMARY KEY DEFAULT nextval('web_session_seq'),
            username VARCHAR NOT NULL,
            token_hash VARCHAR,            -- NULL until the browser has redeemed the nonce
            handoff_hash VARCHAR, handoff_expires_at TIMESTAMP,
            created_at TIMESTAMP NOT NULL, last_seen TIMESTAMP NOT NULL, expires_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP, revoke_reason VARCHAR);

        -- failed sign-ins under names with no account, keyed by the name's SHA-256
        CREATE TABLE login_failures (
            name_hash VARCHAR PRIMARY KEY, failed_attempts INTEGER NOT NULL DEFAULT 0,
            locked_until TIMESTAMP);
        """
    )


def m004_project_ledger(con: Any, backend: str = "duckdb") -> None:
    """The project ledger (项目库): rows of accepted ``uploads`` of kind 'projects' (per region the
    newest accepted upload is in force, like monthly figures), and which subsidy rule binds per
    topic when documents disagree, with the log of switches."""
    _ddl(con, backend, """
        CREATE TABLE projects (
            upload_id BIGINT NOT NULL, sheet VARCHAR NOT NULL, row_no INTEGER NOT NULL,
            region VARCHAR NOT NULL, project_name VARCHAR NOT NULL, enterprise VARCHAR NOT NULL,
            credit_code VARCHAR NOT NULL, project_type VARCHAR, start_date DATE, acceptance_date DATE,
            total_investment DOUBLE, productive_investment DOUBLE, equipment_investment DOUBLE,
            grade VARCHAR, strategic BOOLEAN, energy_saving DOUBLE, co2_reduction DOUBLE,
            water_saving DOUBLE, third_party BOOLEAN, honours VARCHAR, provincial_list BOOLEAN,
            commitment BOOLEAN, note VARCHAR,
            PRIMARY KEY (upload_id, sheet, row_no));
        CREATE TABLE subsidy_rule_bindings (
            topic VARCHAR PRIMARY KEY, rule VARCHAR NOT NULL, set_by VARCHAR, set_at TIMESTAMP,
            reason VARCHAR);
        CREATE SEQUENCE subsidy_rule_change_seq START 1;
        CREATE TABLE subsidy_rule_changes (
            change_id BIGINT PRIMARY KEY DEFAULT nextval('subsidy_rule_change_seq'),
            changed_at TIMESTAMP NOT NULL, changed_by VARCHAR NOT NULL, topic VARCHAR NOT NULL,
            old_rule VARCHAR, new_rule VARCHAR NOT NULL, reason VARCHAR NOT NULL);
        """
    )


def m005_current_observations(con: Any, backend: str = "duckdb") -> None:
    """The figures in force, as a grouped arg_max (NULLs kept: a blank newest figure still replaces
    an older one) — the one definition every read uses (``Store.observations`` filters it; DuckDB
    pushes filters on the grouping keys below the aggregate).  ~1.6× faster than the window.
    PostgreSQL has no arg_max: there the same rows come from DISTINCT ON, newest upload first."""
    if backend == "postgresql":
        con.execute(
            """
            CREATE OR REPLACE VIEW current_observations AS
            SELECT DISTINCT ON (o.region, o.period, o.measure)
                   o.region, o.period, o.measure, o.value, o.note, o.upload_id
            FROM observations o JOIN uploads u USING (upload_id)
            WHERE u.status = 'accepted'
            ORDER BY o.region, o.period, o.measure, o.upload_id DESC;
            """
        )
        return
    _ddl(con, backend, """
        CREATE OR REPLACE VIEW current_observations AS
        SELECT o.region, o.period, o.measure, arg_max_null(o.value, o.upload_id) AS value,
               arg_max_null(o.note, o.upload_id) AS note, max(o.upload_id) AS upload_id
        FROM observations o JOIN uploads u USING (upload_id)
        WHERE u.status = 'accepted'
        GROUP BY o.region, o.period, o.measure;
        """
    )


LEGACY_ZONE_ENV = "JXTRACK_LEGACY_TZ"


def _legacy_zone(con: Any) -> str | None:
    """The zone naive times were written in before m006: the server's own zone (they came from
    ``datetime.now()``), unless ``JXTRACK_LEGACY_TZ`` names another.  None if it cannot be named."""
    name = os.environ.get(LEGACY_ZONE_ENV, "").strip()
    if not name:
        con.execute("RESET TimeZone")  # DuckDB's default is the system zone
        name = con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
        con.execute(f"SET TimeZone = '{clock.zone_name()}'")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def m006_instants_with_zone(con: Any, backend: str = "duckdb") -> None:
    """Every TIMESTAMP column becomes TIMESTAMPTZ, so an instant means the same whatever zone the
    server or the reader is in.  Existing naive values were the server's local time: they are
    read in that zone (see ``_legacy_zone``); an unnamed zone falls back to its current offset."""
    cols = con.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE t.table_type = 'BASE TABLE' AND c.table_schema = current_schema() "
        "AND c.data_type IN ('TIMESTAMP', 'timestamp without time zone') "
        "ORDER BY 1, 2"
    ).fetchall()
    legacy = _legacy_zone(con)
    if legacy is not None:
        using = "timezone('{zone}', {col})"
    else:
        offset = int(datetime.now().astimezone().utcoffset().total_seconds())
        using = "timezone('UTC', {col} - INTERVAL '" + str(offset) + " seconds')"
    for table, col in cols:
        expr = using.format(zone=legacy, col=f'"{col}"')
        con.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{col}" TYPE TIMESTAMPTZ USING {expr}')


def m007_settings_and_bulletins(con: Any, backend: str = "duckdb") -> None:
    """Settings the working group changes (the due day…), and the bulletins issued (what
    "since the last bulletin" means for reminders)."""
    _ddl(con, backend, """
        CREATE TABLE settings (
            key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL,
            set_by VARCHAR NOT NULL, set_at TIMESTAMPTZ NOT NULL, reason VARCHAR);
        CREATE SEQUENCE bulletin_seq START 1;
        CREATE TABLE bulletins (
            bulletin_id BIGINT PRIMARY KEY DEFAULT nextval('bulletin_seq'),
            period VARCHAR NOT NULL, issued_at TIMESTAMPTZ NOT NULL, issued_by VARCHAR NOT NULL,
            file_name VARCHAR,
            red VARCHAR NOT NULL);  -- JSON list of {"indicator", "region"} shown red in it
        """
    )


def m008_upload_reading(con: Any, backend: str = "duckdb") -> None:
    """How a file was read (which sheet, header row and column each figure came from and why, the
    region and period and where they were found, unit conversions), stored with its upload and
    shown in the history.  NULL for uploads from before, and for demo data."""
    _ddl(con, backend, "ALTER TABLE uploads ADD COLUMN reading VARCHAR")


def m009_supervision(con: Any, backend: str = "duckdb") -> None:
    """督办: a notice to a county about one indicator and period (what is asked, by when), its
    state, and every step taken on it (open, reply, press, close) in ``supervision_steps``."""
    _ddl(con, backend, """
        CREATE SEQUENCE supervision_seq START 1;
        CREATE TABLE supervisions (
            supervision_id BIGINT PRIMARY KEY DEFAULT nextval('supervision_seq'),
            region VARCHAR NOT NULL, indicator VARCHAR NOT NULL, period VARCHAR NOT NULL,
            light VARCHAR,                    -- the item's light when the notice was opened
            state VARCHAR NOT NULL,           -- pending | replied | closed
            ask VARCHAR NOT NULL, reply_by DATE NOT NULL,   -- the latest ask and its reply-by date
            measures VARCHAR, expected DATE,  -- the latest answer (整改措施, 预计完成)
            opened_by VARCHAR NOT NULL, opened_at TIMESTAMPTZ NOT NULL,
            updated_by VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
        CREATE SEQUENCE supervision_step_seq START 1;
        CREATE TABLE supervision_steps (
            step_id BIGINT PRIMARY KEY DEFAULT nextval('supervision_step_seq'),
            supervision_id BIGINT NOT NULL, step VARCHAR NOT NULL,   -- open | reply | press | close
            actor VARCHAR NOT NULL, step_at TIMESTAMPTZ NOT NULL,
            ask VARCHAR, reply_by DATE, measures VARCHAR, expected DATE, note VARCHAR);
        """
    )


def m010_report_reviews(con: Any, backend: str = "duckdb") -> None:
    """The working group's review (审核) of each region × period: the last step taken (approved,
    returned, reopened), the upload in force when it was taken, by whom, when and why.  The state
    shown (未报 / 待审核 / 已审核 / 已退回) is derived from it and the figures in force
    (``jxtrack.domain.review``); every step is also in the audit log."""
    _ddl(con, backend, """
        CREATE TABLE report_reviews (
            region VARCHAR NOT NULL, period VARCHAR NOT NULL,
            decision VARCHAR NOT NULL,       -- approved | returned | reopened
            upload_id BIGINT, reason VARCHAR,
            decided_by VARCHAR NOT NULL, decided_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (region, period));
        """
    )


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "initial schema", m001_initial),
    (2, "units in the database", m002_units),
    (3, "web sessions and failed sign-ins for unknown names", m003_web_sessions),
    (4, "project ledger and subsidy rule bindings", m004_project_ledger),
    (5, "current_observations as the one definition of figures in force", m005_current_observations),
    (6, "instants as TIMESTAMPTZ", m006_instants_with_zone),
    (7, "settings and issued bulletins", m007_settings_and_bulletins),
    (8, "how each upload was read", m008_upload_reading),
    (9, "supervision notices (督办) and their steps", m009_supervision),
    (10, "review of each region's monthly report", m010_report_reviews),
]


def migrate(con: Any, backend: str = "duckdb") -> list[int]:
    """Apply every migration not yet recorded, each in its own transaction; return those applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMPTZ)"
    )
    done = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, fn in MIGRATIONS:
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            fn(con, backend)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, current_timestamp)",
                [version, name],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
