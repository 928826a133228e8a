"""The PostgreSQL backend: the shared store of several app servers (``JXTRACK_DB=postgresql://…``).

Concurrency is the database's here: there is no file lock and no retry loop.

- A unit of work (``connect``) is one connection (psycopg 3, autocommit), opened for the unit and
  closed after it, like the DuckDB file; nested units in a thread share it.  Reads see committed
  data only (READ COMMITTED) and never wait for writers (MVCC).
- A write (``transaction``) is one transaction that first takes a transaction-level advisory lock,
  so writes to one database are applied one at a time across every app server and CLI process
  (queued, as on DuckDB), and a check-then-write inside a transaction (an upload still accepted
  before it is withdrawn, a user name still free) cannot be raced.  The lock is released by
  COMMIT/ROLLBACK, or by the server if the client dies.  A write waits at most
  4 × ``JXTRACK_LOCK_TIMEOUT`` seconds for it (``lock_timeout``), then fails with
  ``StoreBusyError``, nothing written.
- Migrations run under a session-level advisory lock, so two servers starting at once do not
  both apply one.
- The caches of the app are keyed by ``data_version``, read from the database: every server sees
  an upload made through any other on its next run.

Queries are written once for both backends with ``?`` parameters; ``_PgCon`` turns them into
psycopg's ``%s``.  ``df`` returns the same column types as the DuckDB backend's Arrow read.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import psycopg

from jxtrack.domain import clock
from jxtrack.store.interface import (
    Store,
    StoreBusyError,
    StoreError,
    StoreUnavailableError,
    log_event,
    log_folder,
    target_from_env,
)

# advisory lock keys (any two constants of this application)
_WRITE_LOCK = 0x6A78_7472  # "jxtr"
_MIGRATE_LOCK = 0x6A78_6D67

# type OIDs (pg_type) whose values need a dtype
_FLOATS = {700, 701, 1700}
_INTS = {20, 21, 23}
_TIMESTAMPTZ, _TIMESTAMP, _BOOL = 1184, 1114, 16
_TEXT = {25, 1043, 1042, 19}

_QUOTED = re.compile(r"('(?:[^']|'')*')")


def _placeholders(sql: str) -> str:
    """``?`` parameters (outside quoted literals) as psycopg's ``%s``; a literal ``%`` doubled."""
    parts = _QUOTED.split(sql)
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("%", "%%").replace("?", "%s")
    for i in range(1, len(parts), 2):
        parts[i] = parts[i].replace("%", "%%")
    return "".join(parts)


def without_password(url: str) -> str:
    """The URL as messages may show it: no password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def connection_lost(exc: psycopg.Error, label: str, folder: Path | None = None) -> StoreUnavailableError:
    """The error for a connection lost mid-way (logged in ``jxtrack.log`` with its cause)."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    log = log_event(folder if folder is not None else log_folder(label),
                    f"database connection lost ({type(exc).__name__}: {first}) on {label}; nothing written")
    return StoreUnavailableError(
        f"与数据库 {label} 的连接中断（{first}），本次操作未完成，未写入任何数据。"
        "请稍后重试；如持续出现，请联系管理员检查数据库服务。" + (f"（已记入 {log}）" if log else ""))


class _PgCon:
    """A psycopg connection that speaks like the DuckDB one the store code is written against.
    A connection lost mid-way (server restarted, failover, network) is a StoreError the user can
    act on -- retry -- not an internal error; the transaction it was in is rolled back by the server."""

    def __init__(self, raw: psycopg.Connection, label: str):
        self.raw = raw
        self.label = label

    def execute(self, sql: str, params: list | tuple | None = None) -> psycopg.Cursor:
        cur = self.raw.cursor()
        try:
            if params:
                cur.execute(_placeholders(sql), list(params))
            else:
                cur.execute(sql)
        except psycopg.errors.LockNotAvailable:
            raise   # the write turn's timeout: StoreBusyError (PgStore._write_turn)
        except psycopg.OperationalError as exc:
            raise connection_lost(exc, self.label) from exc
        return cur


# per database URL, per thread: the open unit of work and whether it is in a transaction.  Shared by
# every PgStore object of that URL, so a unit opened through one (a service) is joined, not doubled,
# by another (a second object made meanwhile): a second connection would not see the first one's
# uncommitted rows, and its write would wait for the first one's write lock in the same thread.
_units: dict[str, threading.local] = {}
_units_guard = threading.Lock()


def _unit_state(url: str) -> threading.local:
    with _units_guard:
        return _units.setdefault(url, threading.local())


class PgStore(Store):
    """A PostgreSQL database named by a URL (see the module docstring)."""

    backend = "postgresql"

    def __init__(self, url: str | None = None, lock_timeout: float | None = None):
        self.url = str(url or target_from_env())
        self.key = self.url
        self.label = without_password(self.url)
        self.lock_timeout = (
            lock_timeout if lock_timeout is not None else float(os.environ.get("JXTRACK_LOCK_TIMEOUT", "15"))
        )
        self._local = _unit_state(self.url)

    # ---- connections -------------------------------------------------------------------------
    def _open(self) -> psycopg.Connection:
        try:
            raw = psycopg.connect(self.url, autocommit=True, connect_timeout=max(1, int(self.lock_timeout)))
        except psycopg.OperationalError as exc:
            raise StoreError(
                f"无法连接数据库 {self.label}：{str(exc).strip().splitlines()[0] if str(exc).strip() else exc}。"
                "请检查 JXTRACK_DB 中的地址、端口、用户名和数据库名，以及数据库服务是否在运行。") from exc
        raw.execute(f"SET TIME ZONE '{clock.zone_name()}'")
        return raw

    @contextmanager
    def connect(self, write: bool = False) -> Iterator[_PgCon]:
        """One unit of work (one connection); nested calls in a thread share it."""
        existing = getattr(self._local, "con", None)
        if existing is not None:
            yield existing
            return
        raw = self._open()
        con = _PgCon(raw, self.label)
        self._local.con = con
        try:
            yield con
        finally:
            self._local.con = None
            raw.close()

    def _write_turn(self, con: _PgCon) -> None:
        """Writes one at a time per database (see the module docstring)."""
        con.execute(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 4 * 1000)}ms'")
        try:
            con.execute(f"SELECT pg_advisory_xact_lock({_WRITE_LOCK})")
        except psycopg.errors.LockNotAvailable as exc:
            raise self._busy() from exc

    def _rollback(self, con: _PgCon) -> None:
        if con.raw.closed or con.raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            return  # nothing open here; a lost connection's transaction is rolled back by the server
        try:
            con.raw.execute("ROLLBACK")
        except psycopg.OperationalError:
            pass    # the connection broke meanwhile: the server rolls the transaction back

    def _busy(self) -> StoreBusyError:
        waited = self.lock_timeout * 4
        log_event(self.log_folder, f"database busy: gave up after {waited:.0f} s waiting to write to {self.label}")
        return StoreBusyError(
            f"数据库 {self.label} 正忙，等待 {waited:.0f} 秒仍未轮到本次写入，本次操作未执行（未写入任何数据）。"
            "请稍后重试；如持续出现，请检查是否有长时间未结束的数据库事务。")

    def exists(self) -> bool:
        """Whether the database has been set up (``jxtrack init`` has run)."""
        return self.schema_version() > 0

    def migrate(self) -> list[int]:
        with self.connect() as con:
            con.execute(f"SELECT pg_advisory_lock({_MIGRATE_LOCK})")
            try:
                from jxtrack.store.migrations import migrate

                return migrate(con, self.backend)
            finally:
                con.execute(f"SELECT pg_advisory_unlock({_MIGRATE_LOCK})")

    # ---- reads and bulk writes ---------------------------------------------------------------
    def df(self, sql: str, params: list | None = None, categorical: bool = False) -> pd.DataFrame:
        """Run a query and return a DataFrame with the dtypes the DuckDB backend gives."""
        with self.connect() as con:
            cur = con.execute(sql, params)
            rows = cur.fetchall()
            desc = cur.description or []
        names = [d.name for d in desc]
        frame = pd.DataFrame.from_records(rows, columns=names) if rows else pd.DataFrame(
            {n: pd.Series([], dtype=object) for n in names})
        for i, d in enumerate(desc):
            col = frame.iloc[:, i]
            oid = d.type_code
            if oid in _FLOATS:
                out = pd.to_numeric(col, errors="raise").astype("float64")
            elif oid in _INTS:
                out = col.astype("int64") if not col.isna().any() else col.astype("float64")
            elif oid == _TIMESTAMPTZ:
                out = pd.to_datetime(col, utc=True).dt.tz_convert(clock.zone_name()).astype(
                    f"datetime64[us, {clock.zone_name()}]")
            elif oid == _TIMESTAMP:
                out = pd.to_datetime(col).astype("datetime64[us]")
            elif oid == _BOOL:
                out = col.astype(bool) if not col.isna().any() and len(col) else col
            elif oid in _TEXT:
                out = col.astype("category") if categorical else col.astype("str")
            else:
                continue
            frame.isetitem(i, out)
        return frame

    def insert_frame(self, con: _PgCon, table: str, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        cols = list(frame.columns)
        values = frame.astype(object).where(frame.notna(), None)
        try:
            with con.raw.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in values.itertuples(index=False, name=None):
                    copy.write_row(row)
        except psycopg.OperationalError as exc:   # e.g. AdminShutdown: the server ended the COPY
            raise connection_lost(exc, self.label, self.log_folder) from exc

    def in_list(self, column: str) -> str:
        return f"{column} = ANY(?::VARCHAR[])"

    def after_bulk_load(self) -> None:
        with self.connect() as con:
            con.execute("ANALYZE")

    def restart_sequence(self, con: _PgCon, sequence: str, next_value: int) -> None:
        """Make ``sequence`` hand out ``next_value`` next (after a copy of rows with their ids)."""
        con.execute("SELECT setval(?, ?, false)", [sequence, int(next_value)])
