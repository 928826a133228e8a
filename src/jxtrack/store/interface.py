"""The only code that speaks SQL: one interface, two backends.

``Store(target)`` opens the database ``target`` names (default: ``JXTRACK_DB``):

- a ``postgresql://`` (or ``postgres://``) URL: PostgreSQL (``store/pg.py``), the shared store of
  several app servers; concurrency is the database's (transactions, no file lock);
- anything else: a DuckDB file (``store/duck.py``), the embedded default, shared by the app and the
  CLI one unit of work at a time through a turn lock.

Every query below is written once for both: portable SQL, with the few places the dialects differ
(how a frame is inserted, how a list parameter is matched, the view of figures in force, column
types) answered by the backend class.  Units of work are ``connect()`` (reads, re-entrant) and
``transaction()`` (all-or-nothing writes, with their audit record).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from jxtrack.catalog.model import Catalog
from jxtrack.domain import clock
from jxtrack.store.migrations import migrate

DEFAULT_DB = "var/jxtrack.duckdb"
# set_by of a binding decided by the catalog (data/bindings.csv) rather than by a person; it holds
# a space, which no user name may, so a working-group decision is never mistaken for it
CATALOG_BINDING_SETTER = "系统 目录默认"
# a refused file's bytes are kept only up to this size, and only once per content (its hash and
# problems always): refused junk cannot grow the database without limit (issue 12)
REJECTED_BYTES_KEPT = 1024 * 1024
_log = logging.getLogger("jxtrack.store")
# an open connection of either backend: execute(sql, params) returns a cursor with fetchone(),
# fetchall() and description; parameters are written ``?`` in both
Con = Any


class StoreError(Exception):
    """A storage problem a user can act on; ``str()`` is a Chinese message."""


class StoreBusyError(StoreError):
    pass


class NotFoundError(StoreError):
    pass


class StoreUnavailableError(StoreError):
    """The connection to the database was lost mid-way (server restart, failover, network):
    nothing was written (the server rolls the transaction back); retrying is the remedy."""


class StoreDiskFullError(StoreError):
    """The disk holding the database is full: the write was rolled back; free space, then retry."""


class StoreReadOnlyError(StoreError):
    """The database (its folder) cannot be written: reads work, a write is refused before it starts."""


# who is acting, beyond the user the change is made as: the CLI sets it (OS user, --as) for the
# duration of one command; the app never does.  Recorded in every audit entry written meanwhile.
_audit_origin: ContextVar[dict[str, Any] | None] = ContextVar("jxtrack_audit_origin", default=None)


@contextmanager
def audit_origin(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (e.g. via='cli', os_user='alice', as_user='jiashan') as ``origin`` to the
    detail of every audit entry written in this context."""
    token = _audit_origin.set(fields)
    try:
        yield
    finally:
        _audit_origin.reset(token)


def target_from_env() -> str:
    """What ``JXTRACK_DB`` names: a PostgreSQL URL or a DuckDB file path (default var/jxtrack.duckdb)."""
    return os.environ.get("JXTRACK_DB") or DEFAULT_DB


def is_postgres(target: str | Path) -> bool:
    """Whether ``target`` is a PostgreSQL URL (postgresql:// or postgres://)."""
    return str(target).startswith(("postgresql://", "postgres://"))


def log_folder(target: str | Path | None = None) -> Path:
    """Where jxtrack writes its operator logs (jxtrack.log, jxtrack-errors.log): beside a DuckDB
    file; for PostgreSQL ``JXTRACK_LOG_DIR`` (default var/)."""
    target = target_from_env() if target is None else target
    if is_postgres(target):
        return Path(os.environ.get("JXTRACK_LOG_DIR") or "var")
    return Path(target).parent


def now() -> datetime:
    """The current instant in the configured zone (``jxtrack.domain.clock.now``)."""
    return clock.now()


def private_umask() -> None:
    """Make every file and folder this process creates from now on owner-only (umask 077 added to
    the current one).  The store calls it whenever a Store is made: the database, its write-ahead
    log (which DuckDB creates itself, mid-write, with the umask's mode), turn locks, logs and their
    folders then never exist, not even for an instant, readable by others.  Only tightens, so two
    threads calling it at once cannot loosen it."""
    current = os.umask(0o077)
    os.umask(current | 0o077)


def private_folder(folder: Path) -> None:
    """Create ``folder`` and every missing folder above it owner-only (0700)."""
    missing = []
    p = Path(folder)
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for p in reversed(missing):
        try:
            p.mkdir(mode=0o700)
        except FileExistsError:
            continue
        p.chmod(0o700)   # mkdir's mode is masked by the umask; make it exactly 0700


def fallback_log_folder() -> Path:
    """Where operator logs go when the usual folder cannot be written (a full disk, a read-only
    folder): ``JXTRACK_LOG_DIR`` if set, else ``jxtrack-<uid>`` in the system's temporary folder."""
    import tempfile

    return Path(os.environ.get("JXTRACK_LOG_DIR") or Path(tempfile.gettempdir()) / f"jxtrack-{os.getuid()}")


def log_event(folder: Path, message: str) -> Path | None:
    """One line in ``jxtrack.log`` in ``folder`` (``Store.log_folder``; owner only) and in the
    Python log: for events an operator must be able to find later (a unit of work refused as busy,
    an import not done).  When ``folder`` cannot be written -- the very fault being logged may be
    a full disk or a read-only folder -- the line goes to ``fallback_log_folder()``.  Returns the
    log file written, or None."""
    _log.warning(message)
    line = f"{clock.now():%Y-%m-%d %H:%M:%S} pid {os.getpid()} {message}\n"
    for where in dict.fromkeys([Path(folder), fallback_log_folder()]):
        try:
            private_folder(where)
            fd = os.open(where / "jxtrack.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(line)
            return where / "jxtrack.log"
        except OSError:
            if where != Path(folder):
                return None
            line = line.rstrip("\n") + f" (could not write {Path(folder) / 'jxtrack.log'})\n"
    return None


class Store:
    """The database: ``Store(target)`` is a ``DuckStore`` or a ``PgStore`` (see the module
    docstring); both answer every method below the same way for the same data."""

    backend = "abstract"

    def __new__(cls, target: str | Path | None = None, *args: Any, **kwargs: Any) -> Store:
        private_umask()
        if cls is Store:
            target = target_from_env() if target is None or str(target) == "" else target
            if is_postgres(target):
                from jxtrack.store.pg import PgStore
                cls = PgStore
            else:
                from jxtrack.store.duck import DuckStore
                cls = DuckStore
        return super().__new__(cls)

    # what a backend provides -------------------------------------------------------------------
    key: str      # identity of the database (resolved path or URL): cache keys
    label: str    # how messages name it (a path, or the URL without its password)

    @property
    def log_folder(self) -> Path:
        return log_folder(self.key)

    def exists(self) -> bool:
        raise NotImplementedError

    def restrict_access(self) -> None:
        """Make the stored data readable by its owner only, where the backend is a local file."""

    def connect(self, write: bool = False) -> Any:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[Con]:
        """All-or-nothing writes (with their audit record).  Nested use joins the outer one."""
        with self.connect(write=True) as con:
            if getattr(self._local, "in_tx", False):
                yield con
                return
            con.execute("BEGIN TRANSACTION")
            self._local.in_tx = True
            try:
                self._write_turn(con)
                yield con
                con.execute("COMMIT")
            except BaseException:
                self._rollback(con)
                raise
            finally:
                self._local.in_tx = False

    def _write_turn(self, con: Con) -> None:
        """Wait, inside a new transaction, until this write may go ahead (PostgreSQL: the write lock)."""

    def _rollback(self, con: Con) -> None:
        con.execute("ROLLBACK")

    def df(self, sql: str, params: list | None = None, categorical: bool = False) -> pd.DataFrame:
        raise NotImplementedError

    def insert_frame(self, con: Any, table: str, frame: pd.DataFrame) -> None:
        """Insert the rows of ``frame`` into ``table``, columns matched by name."""
        raise NotImplementedError

    def after_bulk_load(self) -> None:
        """After many rows arrived at once (demo data, a database copied in): let the database plan
        with fresh statistics.  PostgreSQL: ANALYZE (until autovacuum gets to it, a bulk-loaded
        database answers the status table ~3× slower); DuckDB keeps its own."""

    def in_list(self, column: str) -> str:
        """A condition true when ``column`` is one of a list given as one ``?`` parameter."""
        return f"{column} IN (SELECT unnest(?::VARCHAR[]))"

    # ---- set-up ------------------------------------------------------------------------------
    def migrate(self) -> list[int]:
        with self.connect() as con:
            return migrate(con, self.backend)

    def schema_version(self) -> int:
        with self.connect() as con:
            if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_migrations' "
                               "AND table_schema = current_schema()").fetchone():
                return 0
            return con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0

    def sync_catalog(self, catalog: Catalog, actor: str = "system") -> None:
        """Copy the catalog files into the database; user-made targets and sources are kept."""
        ind = catalog.indicators.copy()
        ind["numerator"] = ind["numerator"].astype(str)
        ind = ind.rename(columns={"group": "grp"})
        cols = [
            "code", "name", "short_name", "grp", "section", "kind", "formula", "numerator",
            "denominator", "reported_rate", "unit", "direction", "green_min_pp", "yellow_min_pp",
            "scope", "responsible", "key", "sort", "scale",
        ]
        ind = ind[cols]
        src = catalog.sources.rename(columns={"url_note": "note"}).assign(
            origin="catalog", created_by=actor, created_at=now()
        )
        tg = catalog.targets.assign(origin="catalog")
        with self.transaction() as con:
            for table, frame in (
                ("regions", catalog.regions[["code", "name", "short_name", "level", "parent", "summable", "sort"]]),
                ("measures", catalog.measures),
                ("indicators", ind),
                ("aliases", catalog.aliases),
                ("units", catalog.units[["unit", "dimension", "factor"]]),
            ):
                con.execute(f"DELETE FROM {table}")
                self.insert_frame(con, table, frame)
            # user-made sources and targets are kept; a catalog row never replaces one of them
            con.execute("DELETE FROM target_sources WHERE origin = 'catalog'")
            kept = {r[0] for r in con.execute("SELECT code FROM target_sources").fetchall()}
            self.insert_frame(con, "target_sources", src[~src["code"].isin(kept)])
            con.execute("DELETE FROM targets WHERE origin = 'catalog'")
            kept_t = {(i, r, int(y), s) for i, r, y, s in con.execute(
                "SELECT indicator, region, year, source FROM targets").fetchall()}
            new = [(i, r, int(y), s) not in kept_t
                   for i, r, y, s in tg[["indicator", "region", "year", "source"]].itertuples(index=False)]
            self.insert_frame(con, "targets", tg[new])
            changed = self._sync_default_bindings(con, catalog)
            version = con.execute("SELECT coalesce(max(CAST(value AS BIGINT)), 0) + 1 FROM meta "
                                  "WHERE key = 'catalog_version'").fetchone()[0]
            self.set_meta(con, "catalog_version", str(version))
            self.audit(con, actor, "catalog.sync", "catalog",
                       {"indicators": len(ind), "targets": len(tg), "default_bindings": changed})

    @staticmethod
    def _sync_default_bindings(con: Con, catalog: Catalog) -> int:
        """Refresh the catalog's default binding decisions; a working-group decision on the same
        target stands.  A default that is new or now names another source is logged in
        target_changes with its reason.  Returns how many were logged."""
        setter = CATALOG_BINDING_SETTER
        before = {(i, r, int(y)): s for i, r, y, s in con.execute(
            "SELECT indicator, region, year, source FROM target_bindings WHERE set_by = ?", [setter]
        ).fetchall()}
        con.execute("DELETE FROM target_bindings WHERE set_by = ?", [setter])
        values = catalog.targets.set_index(["indicator", "region", "year", "source"])["value"]
        logged = 0
        for b in catalog.bindings.itertuples(index=False):
            key = (b.indicator, b.region, int(b.year))
            if con.execute("SELECT 1 FROM target_bindings WHERE indicator = ? AND region = ? AND year = ?",
                           list(key)).fetchone():
                continue  # the working group has decided this one
            at = now()
            con.execute(
                "INSERT INTO target_bindings (indicator, region, year, source, set_by, set_at, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", [*key, b.source, setter, at, b.reason])
            if before.get(key) != b.source:
                con.execute(
                    "INSERT INTO target_changes (changed_at, changed_by, action, indicator, region, year, "
                    "source, old_value, new_value, reason) VALUES (?, ?, 'binding.default', ?, ?, ?, ?, NULL, ?, ?)",
                    [at, setter, *key, b.source, float(values.loc[(*key, b.source)]), b.reason])
                logged += 1
        return logged

    def catalog_tables(self) -> dict[str, pd.DataFrame]:
        """The catalog as the database holds it, one frame per table (see ``catalog.from_tables``)."""
        with self.connect():
            return {
                "regions": self.df("SELECT code, name, short_name, level, parent, summable, sort FROM regions"),
                "units": self.df("SELECT unit, dimension, factor FROM units"),
                "measures": self.df("SELECT code, name, unit, behaviour, scope, description FROM measures"),
                "indicators": self.df("SELECT * FROM indicators"),
                "sources": self.df("SELECT code, doc_number, title, issuer, issued, status, note AS url_note "
                                   "FROM target_sources ORDER BY issued, code"),
                "targets": self.df("SELECT indicator, region, year, value, comparator, source, clause, note "
                                   "FROM targets"),
                "aliases": self.df("SELECT kind, alias, code FROM aliases"),
                "bindings": self.df("SELECT indicator, region, year, source FROM target_bindings"),
            }

    def count_uploads(self, demo: bool) -> int:
        """How many uploads there are of demo data (``demo``) or of real files."""
        with self.connect() as con:
            op = "=" if demo else "<>"
            return int(con.execute(f"SELECT count(*) FROM uploads WHERE kind {op} 'demo'").fetchone()[0])

    def replace_demo(self, obs: pd.DataFrame, county_targets: pd.DataFrame, counties: pd.DataFrame | None,
                     source: dict, shape: str) -> int:
        """Replace the demo data (示例数据) in one transaction: its figures, its decomposed county
        targets and their source, and — for synthetic databases — the counties themselves."""
        with self.transaction() as con:
            con.execute("DELETE FROM observations WHERE upload_id IN (SELECT upload_id FROM uploads WHERE kind='demo')")
            con.execute("DELETE FROM uploads WHERE kind = 'demo'")
            con.execute("DELETE FROM targets WHERE source = ?", [source["code"]])
            con.execute("DELETE FROM target_sources WHERE code = ?", [source["code"]])
            if counties is not None:
                con.execute("DELETE FROM regions WHERE level = 'county'")
                self.insert_frame(con, "regions", counties)
            upload_id = self.record_upload(con, kind="demo", username="demo", status="accepted",
                                           file_name="示例数据（系统生成）", values=obs)
            con.execute(
                "INSERT INTO target_sources (code, doc_number, title, issuer, issued, status, note, origin, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, 'official', ?, 'user', 'demo', ?)",
                [source["code"], source["doc_number"], source["title"], source["issuer"], source["issued"],
                 source["note"], now()],
            )
            self.insert_frame(con, "targets", county_targets.assign(origin="user"))
            self.set_meta(con, "demo", "true")
            self.set_meta(con, "demo_shape", shape)
            self.audit(con, "system", "demo.load", f"upload:{upload_id}",
                       {"observations": len(obs), "county_targets": len(county_targets)})
        self.after_bulk_load()
        return upload_id

    # ---- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, con: Con, key: str, value: str) -> None:
        con.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

    def is_demo(self) -> bool:
        return self.get_meta("demo") == "true"

    # ---- audit -------------------------------------------------------------------------------
    @staticmethod
    def audit(con: Con, actor: str, action: str, obj: str | None,
              detail: dict[str, Any] | None = None) -> None:
        """Append to the audit log.  Call inside the transaction of the change it records.  Inside
        ``audit_origin(...)`` (a CLI command) the origin is added to the detail."""
        origin = _audit_origin.get()
        if origin:
            detail = {**(detail or {}), "origin": origin}
        con.execute(
            "INSERT INTO audit_log (logged_at, actor, action, object, detail) VALUES (?, ?, ?, ?, ?)",
            [now(), actor, action, obj, json.dumps(detail or {}, ensure_ascii=False, default=str)],
        )

    def audit_log(self, limit: int = 500) -> pd.DataFrame:
        return self.df("SELECT * FROM audit_log ORDER BY audit_id DESC LIMIT ?", [limit])

    # ---- catalog reads -----------------------------------------------------------------------
    def regions(self) -> pd.DataFrame:
        return self.df("SELECT * FROM regions ORDER BY sort, code")

    # ---- observations ------------------------------------------------------------------------
    def observations(self, periods: list[str] | None = None, regions: list[str] | None = None,
                     measures: list[str] | None = None, categorical: bool = False) -> pd.DataFrame:
        """Figures in force (newest accepted upload per region/period/measure): the
        ``current_observations`` view, filtered (the filters reach below its aggregate)."""
        where, params = "TRUE", []
        for col, vals in (("period", periods), ("region", regions), ("measure", measures)):
            if vals is not None:
                where += f" AND {self.in_list(col)}"
                params.append(list(vals))
        sql = f"SELECT region, period, measure, value, note, upload_id FROM current_observations WHERE {where}"
        return self.df(sql, params, categorical=categorical)

    def periods(self) -> list[str]:
        with self.connect() as con:
            rows = con.execute(
                "SELECT DISTINCT o.period FROM observations o JOIN uploads u USING (upload_id) "
                "WHERE u.status = 'accepted' ORDER BY 1"
            ).fetchall()
        return [r[0] for r in rows]

    def latest_period(self) -> str | None:
        with self.connect() as con:
            row = con.execute(
                "SELECT max(o.period) FROM observations o JOIN uploads u USING (upload_id) "
                "WHERE u.status = 'accepted'"
            ).fetchone()
        return row[0] if row else None

    def record_upload(
        self,
        con: Con,
        *,
        kind: str,
        username: str,
        status: str,
        file_name: str | None = None,
        file_bytes: bytes | None = None,
        region: str | None = None,
        period: str | None = None,
        values: pd.DataFrame | None = None,
        problems: list[dict] | None = None,
        keep_bytes: bool = True,
        reading: str | None = None,
    ) -> int:
        """Insert an upload and (when accepted) its observations; returns upload_id.

        Must run inside a transaction that also writes the audit record.  ``values`` has columns
        region, period, measure, value and optionally raw_value, sheet, cell, note.  The file's
        hash and size are always recorded; its bytes only when ``keep_bytes``."""
        digest = hashlib.sha256(file_bytes).hexdigest() if file_bytes is not None else None
        n = 0 if values is None else len(values)
        upload_id = con.execute(
            "INSERT INTO uploads (kind, file_name, file_hash, file_size, file_bytes, region, period, "
            "username, uploaded_at, status, n_values, problems, reading) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING upload_id",
            [kind, file_name, digest, len(file_bytes) if file_bytes is not None else None,
             file_bytes if keep_bytes else None, region, period, username, now(), status, n,
             json.dumps(problems or [], ensure_ascii=False, default=str), reading],
        ).fetchone()[0]
        if values is not None and len(values) and status == "accepted":
            v = values.copy()
            for col in ("raw_value", "sheet", "cell", "note"):
                if col not in v.columns:
                    v[col] = None
            v["upload_id"] = upload_id
            v = v[["upload_id", "region", "period", "measure", "value", "raw_value", "sheet", "cell", "note"]]
            self.insert_frame(con, "observations", v)
        return int(upload_id)

    def uploads(self, region: str | None = None, limit: int | None = None) -> pd.DataFrame:
        sql = (
            "SELECT u.upload_id, coalesce(r.name, u.region, '多个地区') AS region, u.region AS region_code, "
            "u.period, u.username AS user, u.uploaded_at, u.status, u.file_name, u.kind, u.n_values, "
            "u.file_hash, u.withdrawn_by, u.withdrawn_at, u.withdraw_reason, u.reading "
            "FROM uploads u LEFT JOIN regions r ON r.code = u.region WHERE u.kind <> 'demo'"
        )
        params: list = []
        if region:
            sql += (" AND (u.region = ? OR u.upload_id IN (SELECT upload_id FROM observations WHERE region = ?)"
                    " OR u.upload_id IN (SELECT upload_id FROM projects WHERE region = ?))")
            params += [region, region, region]
        sql += " ORDER BY u.upload_id DESC"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return self.df(sql, params)

    def upload_regions(self, upload_id: int) -> list[str]:
        with self.connect() as con:
            rows = con.execute(
                "SELECT DISTINCT region FROM (SELECT region FROM observations WHERE upload_id = ? "
                "UNION ALL SELECT region FROM projects WHERE upload_id = ?) AS r ORDER BY region",
                [upload_id, upload_id]).fetchall()
        return [r[0] for r in rows]

    def upload_region_sets(self) -> dict[int, list[str]]:
        """upload_id -> the regions of its figures (uploads without figures are absent)."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT upload_id, array_agg(DISTINCT region ORDER BY region) FROM (SELECT upload_id, region "
                "FROM observations UNION ALL SELECT upload_id, region FROM projects) AS r GROUP BY upload_id"
            ).fetchall()
        return {int(u): list(r) for u, r in rows}

    def get_upload(self, upload_id: int) -> dict | None:
        with self.connect() as con:
            cur = con.execute(
                "SELECT upload_id, kind, file_name, file_hash, region, period, username, uploaded_at, "
                "status, n_values, problems, reading FROM uploads WHERE upload_id = ?", [upload_id])
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([d[0] for d in cur.description], row, strict=True))

    def withdraw_upload(self, upload_id: int, actor: str, reason: str = "") -> None:
        """Rollback: the upload stops counting; earlier figures apply again. Nothing is deleted."""
        with self.transaction() as con:
            row = con.execute("SELECT status FROM uploads WHERE upload_id = ?", [upload_id]).fetchone()
            if row is None:
                raise NotFoundError(f"没有编号为 {upload_id} 的上传记录。请用 jxtrack uploads 查看编号。")
            if row[0] != "accepted":
                raise StoreError(f"上传 {upload_id} 的状态是 {row[0]}，只有已接收（accepted）的上传可以撤回。")
            con.execute(
                "UPDATE uploads SET status = 'withdrawn', withdrawn_by = ?, withdrawn_at = ?, "
                "withdraw_reason = ? WHERE upload_id = ?",
                [actor, now(), reason, upload_id],
            )
            self.audit(con, actor, "upload.withdraw", f"upload:{upload_id}", {"reason": reason})

    # ---- targets -----------------------------------------------------------------------------
    def targets(self) -> pd.DataFrame:
        """All targets with their source document (not only binding ones)."""
        return self.df(
            "SELECT t.indicator, t.region, t.year, t.value, t.comparator, t.source, t.clause, t.note, "
            "t.origin, s.doc_number, s.title AS source_title, s.status AS source_status, s.issued "
            "FROM targets t JOIN target_sources s ON s.code = t.source"
        )

    def sources(self) -> pd.DataFrame:
        return self.df("SELECT * FROM target_sources ORDER BY issued, code")

    def binding_overrides(self) -> pd.DataFrame:
        """Binding decisions (the working group's and the catalog's defaults), with who and why."""
        return self.df("SELECT indicator, region, year, source, set_by, set_at, reason FROM target_bindings")

    def target_changes(self) -> pd.DataFrame:
        return self.df("SELECT * FROM target_changes ORDER BY change_id DESC")

    # ---- users -------------------------------------------------------------------------------
    def get_user(self, username: str) -> dict | None:
        with self.connect() as con:
            cur = con.execute("SELECT * FROM users WHERE username = ?", [username])
            row = cur.fetchone()
            if row is None:
                return None
            return dict(zip([d[0] for d in cur.description], row, strict=True))

    def users(self) -> pd.DataFrame:
        return self.df(
            "SELECT username, role, region, display_name, email, active, failed_attempts, locked_until, "
            "created_at, password_changed_at FROM users ORDER BY username"
        )

    def create_user(self, *, username: str, password_hash: str, role: str, region: str | None,
                    display_name: str | None, email: str | None, actor: str) -> None:
        with self.transaction() as con:
            if con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise StoreError(f"用户名 “{username}” 已存在，请换一个用户名，或在用户管理中修改该用户。")
            con.execute(
                "INSERT INTO users (username, password_hash, role, region, display_name, email, active, "
                "failed_attempts, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?, ?, TRUE, 0, ?, ?)",
                [username, password_hash, role, region, display_name, email, now(), now()],
            )
            self.audit(con, actor, "user.add", f"user:{username}",
                       {"role": role, "region": region})

    def update_user(self, username: str, actor: str, action: str, audit: bool = True,
                    **fields: Any) -> None:
        """Set columns of one user; ``action`` names the change in the audit log."""
        allowed = {"password_hash", "role", "region", "display_name", "email", "active",
                   "failed_attempts", "locked_until", "password_changed_at"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown user fields {bad}")
        with self.transaction() as con:
            if not con.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
                raise NotFoundError(f"没有用户 “{username}”。")
            sets = ", ".join(f"{k} = ?" for k in fields)
            con.execute(f"UPDATE users SET {sets} WHERE username = ?", [*fields.values(), username])
            if audit:
                detail = {k: v for k, v in fields.items() if k != "password_hash"}
                self.audit(con, actor, action, f"user:{username}", detail)

    # ---- import support (jxtrack.services.importing) ---------------------------------------------------
    @staticmethod
    def file_bytes_kept(con: Con, file_hash: str) -> bool:
        """Whether some upload already keeps the bytes of the file with this SHA-256."""
        return con.execute("SELECT 1 FROM uploads WHERE file_hash = ? AND file_bytes IS NOT NULL LIMIT 1",
                           [file_hash]).fetchone() is not None

    def keeps_rejected_bytes(self, con: Con, data: bytes) -> bool:
        """Whether a refused file's bytes are to be kept: small (REJECTED_BYTES_KEPT) and not
        already kept by another upload.  Every path that records a refused file asks this."""
        return len(data) <= REJECTED_BYTES_KEPT and not self.file_bytes_kept(
            con, hashlib.sha256(data).hexdigest())

    def last_upload_of(self, username: str) -> dict | None:
        """The user's most recent upload record (id, status, file hash), if any."""
        with self.connect() as con:
            row = con.execute("SELECT upload_id, status, file_hash FROM uploads WHERE username = ? AND kind <> 'demo' "
                              "ORDER BY upload_id DESC LIMIT 1", [username]).fetchone()
        return None if row is None else {"upload_id": int(row[0]), "status": row[1], "file_hash": row[2]}

    def accepted_uploads_with_hash(self, file_hash: str) -> list[int]:
        """Accepted (not withdrawn) uploads of a file with this SHA-256, newest first."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT upload_id FROM uploads WHERE file_hash = ? AND status = 'accepted' "
                "ORDER BY upload_id DESC", [file_hash]).fetchall()
        return [int(r[0]) for r in rows]

    def dump_tables(self, tables: tuple[str, ...] = ("uploads", "observations", "audit_log", "users",
                                                      "targets", "target_sources")) -> dict[str, list]:
        """Every row of the given tables in a stable order: to compare a database before and after
        (the import crash tests)."""
        out = {}
        with self.connect() as con:
            for t in tables:
                n = len(con.execute(f"SELECT * FROM {t} LIMIT 0").description)
                order = ", ".join(str(i) for i in range(1, n + 1))
                out[t] = con.execute(f"SELECT * FROM {t} ORDER BY {order}").fetchall()
        return out
