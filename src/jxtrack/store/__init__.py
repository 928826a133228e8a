"""The only code that speaks SQL.

Connection design (two processes, one DuckDB file)
--------------------------------------------------
DuckDB lets exactly one process open a database file for writing, and a read-only process cannot
coexist with a writer either.  The web app and the CLI (say a nightly ``jxtrack report`` while
officials upload) must share one file, so neither may hold it open.  Every unit of work therefore:

1. takes a per-file lock inside the process (Streamlit serves sessions on threads; DuckDB refuses
   two connections with different settings to one file inside one process);
2. takes the database's turn lock (``<file>.lock``, an OS file lock every jxtrack process
   shares; the kernel drops it if its holder dies), waiting its turn: waiters poll every few
   milliseconds and a process that just finished a unit lets a waiter in before taking its next
   turn, so neither the app's readers nor a CLI's writes starve the other.  A read waits up to
   ``JXTRACK_LOCK_TIMEOUT`` seconds (default 15); a write (a transaction) is queued, waiting four
   times as long, rather than refused; a unit that still cannot get the file fails with
   ``StoreBusyError`` (a message asking to retry; logged in ``jxtrack.log`` beside the database);
   then opens the file (retrying while a process outside jxtrack holds it);
3. runs its statements (writes inside one transaction, together with their audit record);
4. closes the file, releasing it to the other process.

Opening costs ~10 ms, which is why services batch their reads into one unit of work and pages
cache results (cleared when an upload or target change lands).

The file holds password hashes and every stored upload, so it is readable by its owner only: a
folder the store creates is 0700, a database file it creates 0600, and so is the write-ahead log.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import random
import stat
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .. import clock
from ..catalog import Catalog
from .migrations import migrate

DEFAULT_DB = "var/jxtrack.duckdb"
# set_by of a binding decided by the catalog (data/bindings.csv) rather than by a person; it holds
# a space, which no user name may, so a working-group decision is never mistaken for it
CATALOG_BINDING_SETTER = "系统 目录默认"

_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


class StoreError(Exception):
    """A storage problem a user can act on; ``str()`` is a Chinese message."""


class StoreBusyError(StoreError):
    pass


class NotFoundError(StoreError):
    pass


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


def _owner_only(path: Path, mode: int = 0o600) -> None:
    """Make a file (or, with mode 0o700, a folder) we own accessible to its owner only."""
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            path.chmod(mode)
    except FileNotFoundError:
        pass


def db_path_from_env() -> Path:
    return Path(os.environ.get("JXTRACK_DB") or DEFAULT_DB)


def now() -> datetime:
    """The current instant in the configured zone (``jxtrack.clock.now``)."""
    return clock.now()


def _file_lock(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _locks_guard:
        return _locks.setdefault(key, threading.RLock())


# a process that has just ended a unit of work and finds another process waiting pauses this long
# before its next turn, so the waiter (polling at least this often) gets in between
_COURTESY = 0.005
_last_release: dict[str, float] = {}
_turns: dict[str, int] = {}   # resolved path -> descriptor holding its turn lock (under _file_lock)
_log = logging.getLogger("jxtrack.store")


def log_event(db: Path, message: str) -> None:
    """One line in ``jxtrack.log`` beside the database (owner only) and in the Python log: for
    events an operator must be able to find later (a unit of work refused as busy, an import not
    done)."""
    _log.warning(message)
    line = f"{clock.now():%Y-%m-%d %H:%M:%S} pid {os.getpid()} {message}\n"
    try:
        fd = os.open(db.parent / "jxtrack.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line)
    except OSError:
        pass


def _is_lock_conflict(exc: Exception) -> bool:
    msg = str(exc)
    return "lock" in msg.lower() and ("Could not set lock" in msg or "Conflicting lock" in msg)


class Store:
    """A DuckDB database file, opened per unit of work (see the module docstring)."""

    def __init__(self, path: Path | str | None = None, lock_timeout: float | None = None):
        self.path = Path(path) if path else db_path_from_env()
        self.lock_timeout = (
            lock_timeout
            if lock_timeout is not None
            else float(os.environ.get("JXTRACK_LOCK_TIMEOUT", "15"))
        )
        self._local = threading.local()

    # ---- connections -------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.path.exists()

    def restrict_access(self) -> None:
        """Make the database file (and its write-ahead log) readable by the owner only -- for a
        database created before the store did so (``jxtrack init`` calls it)."""
        _owner_only(self.path)
        _owner_only(self.path.with_name(self.path.name + ".wal"))

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One unit of work.  Re-entrant within a thread: nested calls share the connection.
        ``write`` units (transactions) wait longer for their turn: queued, not refused."""
        existing = getattr(self._local, "con", None)
        if existing is not None:
            yield existing
            return
        lock = _file_lock(self.path)
        with lock:
            timeout = self.lock_timeout * (4 if write else 1)
            key = str(self.path.resolve())
            outer = key not in _turns  # else: this thread's unit through another Store object
            if outer:
                _turns[key] = self._take_turn(timeout)
            try:
                con = self._open(timeout)
                self._local.con = con
                try:
                    yield con
                finally:
                    self._local.con = None
                    con.close()
                    _owner_only(self.path.with_name(self.path.name + ".wal"))
            finally:
                if outer:
                    _last_release[key] = time.monotonic()
                    os.close(_turns.pop(key))  # releases the turn lock

    def _take_turn(self, timeout: float) -> int:
        """Take the cross-process turn lock (see the module docstring); returns its descriptor.

        Waiters also hold a shared lock on ``<file>.wait`` while they wait, so a process that has
        just ended a unit can tell someone is waiting and let them in first (it pauses only then:
        a lone process never waits)."""
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)
            _owner_only(folder, 0o700)
        since = time.monotonic() - _last_release.get(str(self.path.resolve()), float("-inf"))
        if since < _COURTESY and self._others_waiting():
            time.sleep(_COURTESY - since)
        fd = os.open(self._sidecar(".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        start = time.monotonic()
        delay = 0.001
        waiting = None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    pass
                waited = time.monotonic() - start
                if waited >= timeout:
                    raise self._busy(waited)
                if waiting is None:
                    waiting = os.open(self._sidecar(".wait"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                    fcntl.flock(waiting, fcntl.LOCK_SH)
                time.sleep(delay)
                delay = min(delay * 1.5, _COURTESY)
        except BaseException:
            os.close(fd)
            raise
        finally:
            if waiting is not None:
                os.close(waiting)

    def _sidecar(self, suffix: str) -> Path:
        return self.path.with_name(self.path.name + suffix)

    def _others_waiting(self) -> bool:
        """Whether a process is waiting for its turn on this database."""
        try:
            fd = os.open(self._sidecar(".wait"), os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False
        except BlockingIOError:
            return True
        finally:
            os.close(fd)

    def _busy(self, waited: float) -> StoreBusyError:
        what = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:200]
        log_event(self.path, f"database busy: gave up after {waited:.1f} s waiting for {self.path} ({what})")
        return StoreBusyError(
            f"数据库 {self.path} 正被另一个程序占用，等待 {waited:.{0 if waited >= 10 else 1}f} 秒仍未释放，"
            "本次操作未执行（未写入任何数据）。"
            "请稍后重试；如持续出现，请检查是否有卡住的 jxtrack 进程。")

    def _open(self, timeout: float | None = None) -> duckdb.DuckDBPyConnection:
        new = not self.path.exists()
        timeout = self.lock_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.path))
                if new:
                    _owner_only(self.path)
            except duckdb.IOException as exc:
                if not _is_lock_conflict(exc):
                    raise StoreError(f"无法打开数据库文件 {self.path}：{exc}") from exc
                if time.monotonic() >= deadline:
                    raise self._busy(timeout) from exc
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)
                continue
            # TIMESTAMPTZ values read back as aware datetimes in the users' zone (Beijing time)
            con.execute(f"SET TimeZone = '{clock.zone_name()}'")
            return con

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing writes.  Nested use joins the outer transaction."""
        with self.connect(write=True) as con:
            if getattr(self._local, "in_tx", False):
                yield con
                return
            con.execute("BEGIN TRANSACTION")
            self._local.in_tx = True
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            finally:
                self._local.in_tx = False

    def df(self, sql: str, params: list | None = None, categorical: bool = False) -> pd.DataFrame:
        """Run a query and return a DataFrame (through Arrow: about twice as fast as .df()).
        ``categorical`` returns text columns dictionary-encoded, for large keyed reads."""
        with self.connect() as con:
            table = con.execute(sql, params or []).fetch_arrow_table()
        return table.to_pandas(strings_to_categorical=categorical)

    # ---- set-up ------------------------------------------------------------------------------
    def migrate(self) -> list[int]:
        with self.connect() as con:
            return migrate(con)

    def schema_version(self) -> int:
        with self.connect() as con:
            try:
                return con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] or 0
            except duckdb.CatalogException:
                return 0

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
                con.register("frame_in", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame_in")
                con.unregister("frame_in")
            con.register("src_in", src)
            con.execute("DELETE FROM target_sources WHERE origin = 'catalog'")
            con.execute(
                "INSERT INTO target_sources BY NAME SELECT * FROM src_in "
                "WHERE code NOT IN (SELECT code FROM target_sources)"
            )
            con.unregister("src_in")
            con.register("tg_in", tg)
            con.execute("DELETE FROM targets WHERE origin = 'catalog'")
            con.execute(
                "INSERT INTO targets BY NAME SELECT * FROM tg_in t WHERE NOT EXISTS ("
                "SELECT 1 FROM targets x WHERE x.indicator=t.indicator AND x.region=t.region "
                "AND x.year=t.year AND x.source=t.source)"
            )
            con.unregister("tg_in")
            changed = self._sync_default_bindings(con, catalog)
            version = con.execute("SELECT coalesce(max(TRY_CAST(value AS BIGINT)), 0) + 1 FROM meta "
                                  "WHERE key = 'catalog_version'").fetchone()[0]
            self.set_meta(con, "catalog_version", str(version))
            self.audit(con, actor, "catalog.sync", "catalog",
                       {"indicators": len(ind), "targets": len(tg), "default_bindings": changed})

    @staticmethod
    def _sync_default_bindings(con: duckdb.DuckDBPyConnection, catalog: Catalog) -> int:
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
                con.register("reg_in", counties)
                con.execute("INSERT INTO regions BY NAME SELECT * FROM reg_in")
                con.unregister("reg_in")
            upload_id = self.record_upload(con, kind="demo", username="demo", status="accepted",
                                           file_name="示例数据（系统生成）", values=obs)
            con.execute(
                "INSERT INTO target_sources (code, doc_number, title, issuer, issued, status, note, origin, "
                "created_by, created_at) VALUES (?, ?, ?, ?, ?, 'official', ?, 'user', 'demo', ?)",
                [source["code"], source["doc_number"], source["title"], source["issuer"], source["issued"],
                 source["note"], now()],
            )
            con.register("ct_in", county_targets.assign(origin="user"))
            con.execute("INSERT INTO targets BY NAME SELECT * FROM ct_in")
            con.unregister("ct_in")
            self.set_meta(con, "demo", "true")
            self.set_meta(con, "demo_shape", shape)
            self.audit(con, "system", "demo.load", f"upload:{upload_id}",
                       {"observations": len(obs), "county_targets": len(county_targets)})
        return upload_id

    # ---- meta --------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.connect() as con:
            row = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
        con.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value]
        )

    def is_demo(self) -> bool:
        return self.get_meta("demo") == "true"

    # ---- audit -------------------------------------------------------------------------------
    @staticmethod
    def audit(con: duckdb.DuckDBPyConnection, actor: str, action: str, obj: str | None,
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
                where += f" AND list_contains(?::VARCHAR[], {col})"
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
        con: duckdb.DuckDBPyConnection,
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
    ) -> int:
        """Insert an upload and (when accepted) its observations; returns upload_id.

        Must run inside a transaction that also writes the audit record.  ``values`` has columns
        region, period, measure, value and optionally raw_value, sheet, cell, note.  The file's
        hash and size are always recorded; its bytes only when ``keep_bytes``."""
        digest = hashlib.sha256(file_bytes).hexdigest() if file_bytes is not None else None
        n = 0 if values is None else len(values)
        upload_id = con.execute(
            "INSERT INTO uploads (kind, file_name, file_hash, file_size, file_bytes, region, period, "
            "username, uploaded_at, status, n_values, problems) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING upload_id",
            [kind, file_name, digest, len(file_bytes) if file_bytes is not None else None,
             file_bytes if keep_bytes else None, region, period, username, now(), status, n,
             json.dumps(problems or [], ensure_ascii=False, default=str)],
        ).fetchone()[0]
        if values is not None and len(values) and status == "accepted":
            v = values.copy()
            for col in ("raw_value", "sheet", "cell", "note"):
                if col not in v.columns:
                    v[col] = None
            v["upload_id"] = upload_id
            v = v[["upload_id", "region", "period", "measure", "value", "raw_value", "sheet", "cell", "note"]]
            con.register("obs_in", v)
            con.execute("INSERT INTO observations BY NAME SELECT * FROM obs_in")
            con.unregister("obs_in")
        return int(upload_id)

    def uploads(self, region: str | None = None, limit: int | None = None) -> pd.DataFrame:
        sql = (
            "SELECT u.upload_id, coalesce(r.name, u.region, '多个地区') AS region, u.region AS region_code, "
            "u.period, u.username AS user, u.uploaded_at, u.status, u.file_name, u.kind, u.n_values, "
            "u.file_hash, u.withdrawn_by, u.withdrawn_at, u.withdraw_reason "
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
                "UNION ALL SELECT region FROM projects WHERE upload_id = ?) ORDER BY region",
                [upload_id, upload_id]).fetchall()
        return [r[0] for r in rows]

    def upload_region_sets(self) -> dict[int, list[str]]:
        """upload_id -> the regions of its figures (uploads without figures are absent)."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT upload_id, list(DISTINCT region ORDER BY region) FROM (SELECT upload_id, region "
                "FROM observations UNION ALL SELECT upload_id, region FROM projects) GROUP BY upload_id"
            ).fetchall()
        return {int(u): list(r) for u, r in rows}

    def get_upload(self, upload_id: int) -> dict | None:
        with self.connect() as con:
            cur = con.execute(
                "SELECT upload_id, kind, file_name, file_hash, region, period, username, uploaded_at, "
                "status, n_values, problems FROM uploads WHERE upload_id = ?", [upload_id])
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

    # ---- import support (jxtrack.importing) ---------------------------------------------------
    @staticmethod
    def file_bytes_kept(con: duckdb.DuckDBPyConnection, file_hash: str) -> bool:
        """Whether some upload already keeps the bytes of the file with this SHA-256."""
        return con.execute("SELECT 1 FROM uploads WHERE file_hash = ? AND file_bytes IS NOT NULL LIMIT 1",
                           [file_hash]).fetchone() is not None

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
                out[t] = con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
        return out
