"""Copying a whole database from one store to another (``jxtrack migrate --from … --to …``).

Both stores are migrated to the same schema first; the destination must hold no data of its own
(no upload, user, audit entry, target change or web session beyond what ``init`` writes).  Every
table is copied row for row in one transaction on the destination (catalog, sources, targets,
bindings, uploads with their bytes, observations, projects, users, sessions, settings, bulletins,
audit, change logs), and the id sequences are moved past the copied ids so new rows continue the
numbering.  Nothing is written to the source.
"""

from __future__ import annotations

import pandas as pd

from jxtrack.store.interface import Store, StoreError

# tables whose rows a freshly initialised database already has (the catalog, its meta and
# migrations) -- anything else in the destination is data that a copy would mix with
_SETUP_TABLES = {"regions", "measures", "indicators", "aliases", "units", "target_sources", "targets",
                 "target_bindings", "target_changes", "meta", "schema_migrations", "audit_log"}
# id columns filled from a sequence: (table, column, sequence)
SEQUENCES = [
    ("uploads", "upload_id", "upload_seq"),
    ("audit_log", "audit_id", "audit_seq"),
    ("target_changes", "change_id", "target_change_seq"),
    ("web_sessions", "session_id", "web_session_seq"),
    ("subsidy_rule_changes", "change_id", "subsidy_rule_change_seq"),
    ("bulletins", "bulletin_id", "bulletin_seq"),
]
_UPLOADS_CHUNK = 200  # uploads read at a time (they carry the files' bytes)


def tables(store: Store) -> list[str]:
    """The base tables of the database (schema_migrations excluded), sorted."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY table_name").fetchall()
    return [r[0] for r in rows]


def row_counts(store: Store, names: list[str] | None = None) -> dict[str, int]:
    names = tables(store) if names is None else names
    with store.connect() as con:
        return {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in names}


def _columns(store: Store, table: str) -> list[tuple[str, str]]:
    with store.connect() as con:
        return [(r[0], str(r[1]).lower()) for r in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]


def _user_rows(store: Store) -> dict[str, int]:
    """Rows in tables an initialised database leaves empty, plus audit entries beyond the
    catalog's own: what would be lost or mixed if the destination were overwritten."""
    counts = row_counts(store)
    out = {t: n for t, n in counts.items() if t not in _SETUP_TABLES and n}
    with store.connect() as con:
        n = int(con.execute("SELECT count(*) FROM audit_log WHERE action NOT IN ('catalog.sync', 'demo.load')")
                .fetchone()[0])
        if n:
            out["audit_log"] = n
        n = int(con.execute("SELECT count(*) FROM target_changes WHERE action <> 'binding.default'").fetchone()[0])
        if n:
            out["target_changes"] = n
    return out


def _typed(frame: pd.DataFrame, cols: list[tuple[str, str]]) -> pd.DataFrame:
    """Whole numbers that came back as floats (a nullable integer column) as ints again."""
    out = frame.astype(object).where(frame.notna(), None)
    for name, dtype in cols:
        if dtype in ("integer", "bigint", "smallint", "hugeint") and name in out:
            out[name] = pd.Series([None if v is None else int(v) for v in out[name]], index=out.index,
                                  dtype=object)
    return out


def copy_all(src: Store, dst: Store) -> dict[str, int]:
    """Copy every table of ``src`` into ``dst`` (see the module docstring); returns rows copied
    per table.  Raises StoreError (nothing written) when the schemas differ or ``dst`` has data."""
    if src.key == dst.key:
        raise StoreError("来源和目标是同一个数据库，无需迁移。")
    if dst.backend != "postgresql":
        raise StoreError("目标必须是 PostgreSQL 数据库（postgresql://用户@主机:端口/库名）；"
                         "迁移回 DuckDB 文件暂不支持。")
    src_tables, dst_tables = tables(src), tables(dst)
    if src_tables != dst_tables:
        raise StoreError(f"两边的数据表不一致（来源 {len(src_tables)} 张，目标 {len(dst_tables)} 张），"
                         "请先对两边都运行 jxtrack init 升级到同一版本。")
    busy = _user_rows(dst)
    if busy:
        listing = "、".join(f"{t} {n} 行" for t, n in sorted(busy.items()))
        raise StoreError(f"目标数据库已有数据（{listing}），迁移不会覆盖已有数据。"
                         "请迁移到一个新建的空数据库（createdb 后 jxtrack init）。")
    copied: dict[str, int] = {}
    with dst.transaction() as dcon, src.connect():
        for t in dst_tables:
            dcon.execute(f"DELETE FROM {t}")
        for t in src_tables:
            cols = _columns(src, t)
            names = ", ".join(c for c, _ in cols)
            if t == "uploads":  # with the files' bytes: a few hundred at a time
                n, last = 0, -1
                while True:
                    part = src.df(f"SELECT {names} FROM uploads WHERE upload_id > ? ORDER BY upload_id "
                                  f"LIMIT {_UPLOADS_CHUNK}", [last])
                    if part.empty:
                        break
                    dst.insert_frame(dcon, t, _typed(part, cols))
                    n, last = n + len(part), int(part["upload_id"].max())
            else:
                part = src.df(f"SELECT {names} FROM {t}")
                dst.insert_frame(dcon, t, _typed(part, cols))
                n = len(part)
            copied[t] = n
        for table, col, seq in SEQUENCES:
            top = int(dcon.execute(f"SELECT coalesce(max({col}), 0) FROM {table}").fetchone()[0])
            dst.restart_sequence(dcon, seq, top + 1)
    dst.after_bulk_load()
    return copied
