"""The DuckDB backend: one database file, opened per unit of work (the embedded default).

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
folder the store creates is 0700 (every missing one, not just the last), a database file it creates
0600, and so is the write-ahead log -- from the moment DuckDB creates it, mid-write, because the
store adds 077 to the process's umask (``store.private_umask``).
"""

from __future__ import annotations

import errno
import fcntl
import os
import random
import stat
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from jxtrack.domain import clock
from jxtrack.store.interface import (
    Store,
    StoreBusyError,
    StoreDiskFullError,
    StoreError,
    StoreReadOnlyError,
    log_event,
    private_folder,
    target_from_env,
)

_locks: dict[str, threading.RLock] = {}
_locks_guard = threading.Lock()


def _owner_only(path: Path, mode: int = 0o600) -> None:
    """Make a file (or, with mode 0o700, a folder) we own accessible to its owner only."""
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
            path.chmod(mode)
    except FileNotFoundError:
        pass


def _file_lock(path: Path) -> threading.RLock:
    key = str(path.resolve())
    with _locks_guard:
        return _locks.setdefault(key, threading.RLock())


# a process that has just ended a unit of work and finds another process waiting pauses this long
# before its next turn, so the waiter (polling at least this often) gets in between
_COURTESY = 0.005
_last_release: dict[str, float] = {}
_turns: dict[str, int] = {}   # resolved path -> descriptor holding its turn lock (under _file_lock)


_READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)


def _is_disk_full(exc: BaseException) -> bool:
    return (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        isinstance(exc, duckdb.Error) and ("No space left on device" in str(exc) or "Disk quota exceeded" in str(exc)))


def _is_read_only(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in _READ_ONLY_ERRNOS
    msg = str(exc)
    return isinstance(exc, duckdb.Error) and (
        "Read-only file system" in msg or "Permission denied" in msg or "attached in read-only mode" in msg)


def _logged(log: Path | None) -> str:
    return f"（原因已记入 {log}）" if log is not None else ""


def _is_lock_conflict(exc: Exception) -> bool:
    msg = str(exc)
    return "lock" in msg.lower() and ("Could not set lock" in msg or "Conflicting lock" in msg)


class DuckStore(Store):
    """A DuckDB database file, opened per unit of work (see the module docstring)."""

    backend = "duckdb"

    def __init__(self, path: Path | str | None = None, lock_timeout: float | None = None):
        self.path = Path(path or target_from_env())
        self.key = str(self.path.resolve())
        self.label = str(self.path)
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
        ``write`` units (transactions) wait longer for their turn: queued, not refused.

        Faults of the disk are said as such (see :meth:`_fault`): a full disk, or a folder that
        cannot be written -- where reads still work (the file is opened read-only) and a write is
        refused before it starts."""
        existing = getattr(self._local, "con", None)
        if existing is not None:
            yield existing
            return
        lock = _file_lock(self.path)
        with lock:
            try:
                with self._unit(write) as con:
                    yield con
            except (duckdb.Error, OSError) as exc:
                fault = self._fault(exc, write)
                if fault is None:
                    raise
                raise fault from exc

    @contextmanager
    def _unit(self, write: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        timeout = self.lock_timeout * (4 if write else 1)
        key = str(self.path.resolve())
        outer = key not in _turns  # else: this thread's unit through another Store object
        if outer:
            _turns[key] = self._take_turn(timeout, write)
        try:
            con = self._open(timeout, write)
            self._local.con = con
            done = False
            try:
                yield con
                done = True
            finally:
                self._local.con = None
                self._local.read_only = False
                try:
                    con.close()
                except duckdb.Error as exc:
                    # the unit's work is committed (in the write-ahead log, replayed at the next
                    # opening); only the checkpoint at close found the disk full: not a failure of it
                    if not (done and _is_disk_full(exc)):
                        raise
                    log_event(self.log_folder, f"disk full at checkpoint after a committed unit: {exc} "
                              f"({self.path}; the work is kept in the write-ahead log)")
                _owner_only(self.path.with_name(self.path.name + ".wal"))
        finally:
            if outer:
                _last_release[key] = time.monotonic()
                fd = _turns.pop(key)
                if fd >= 0:
                    os.close(fd)  # releases the turn lock

    def _fault(self, exc: BaseException, write: bool) -> StoreError | None:
        """A full disk or a folder that cannot be written, as the message (logged with its cause);
        None for anything else (a bug: left to propagate).  A commit that fails is rolled back by
        DuckDB, so nothing was written."""
        cause = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        folder = self.path.parent
        if isinstance(exc, OSError) and (exc.filename is None or Path(exc.filename).parent != folder):
            return None     # not one of the database's own files: not ours to explain
        if _is_disk_full(exc):
            log = log_event(self.log_folder, f"disk full: {type(exc).__name__}: {cause} ({self.path})")
            return StoreDiskFullError(
                f"磁盘空间不足：数据库 {self.path} 所在的磁盘已满，本次操作未完成，未写入任何数据。"
                "请清理磁盘（或请管理员扩容）后重试。" + _logged(log))
        if _is_read_only(exc):
            log = log_event(self.log_folder, f"database folder read-only: {type(exc).__name__}: {cause} ({self.path})")
            why = ("所在文件系统为只读挂载" if "Read-only file system" in cause or getattr(exc, "errno", None) == errno.EROFS
                   else "运行 jxtrack 的账号对它没有写权限")
            return StoreReadOnlyError(
                f"数据库文件夹 {folder} 只读（{why}）：本次操作需要写入，未执行，未写入任何数据；查看数据不受影响。"
                "请让管理员把该文件夹及其中的数据库文件改为运行 jxtrack 的账号可写后重试。" + _logged(log))
        return None

    def _take_turn(self, timeout: float, write: bool = False) -> int:
        """Take the cross-process turn lock (see the module docstring); returns its descriptor
        (-1: none, for a read in a folder that cannot be written and has no lock file).

        Waiters also hold a shared lock on ``<file>.wait`` while they wait, so a process that has
        just ended a unit can tell someone is waiting and let them in first (it pauses only then:
        a lone process never waits)."""
        private_folder(self.path.parent)
        since = time.monotonic() - _last_release.get(str(self.path.resolve()), float("-inf"))
        if since < _COURTESY and self._others_waiting():
            time.sleep(_COURTESY - since)
        try:
            fd = os.open(self._sidecar(".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            if write or exc.errno not in _READ_ONLY_ERRNOS:
                raise
            # a folder we cannot write: a read still takes its turn (flock needs no write access)
            try:
                fd = os.open(self._sidecar(".lock"), os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                return -1   # no lock file and none can be made: nobody writes here through jxtrack
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
                    try:
                        waiting = os.open(self._sidecar(".wait"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                    except OSError as exc:
                        if exc.errno not in _READ_ONLY_ERRNOS:
                            raise
                        waiting = -1   # cannot say we wait; we only lose the courtesy pause
                    if waiting >= 0:
                        fcntl.flock(waiting, fcntl.LOCK_SH)
                time.sleep(delay)
                delay = min(delay * 1.5, _COURTESY)
        except BaseException:
            os.close(fd)
            raise
        finally:
            if waiting is not None and waiting >= 0:
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
        log_event(self.log_folder, f"database busy: gave up after {waited:.1f} s waiting for {self.path} ({what})")
        return StoreBusyError(
            f"数据库 {self.path} 正被另一个程序占用，等待 {waited:.{0 if waited >= 10 else 1}f} 秒仍未释放，"
            "本次操作未执行（未写入任何数据）。"
            "请稍后重试；如持续出现，请检查是否有卡住的 jxtrack 进程。")

    def _open(self, timeout: float | None = None, write: bool = False) -> duckdb.DuckDBPyConnection:
        new = not self.path.exists()
        timeout = self.lock_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        delay = 0.01
        read_only = False
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                if new:
                    _owner_only(self.path)
            except duckdb.IOException as exc:
                if _is_read_only(exc) and not write and not new and not read_only:
                    read_only = True    # a folder we cannot write: reads still work
                    continue
                if _is_read_only(exc) or _is_disk_full(exc):
                    raise       # said by connect (_fault)
                if not _is_lock_conflict(exc):
                    raise StoreError(f"无法打开数据库文件 {self.path}：{exc}") from exc
                if time.monotonic() >= deadline:
                    raise self._busy(timeout) from exc
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.25)
                continue
            # TIMESTAMPTZ values read back as aware datetimes in the users' zone (Beijing time)
            con.execute(f"SET TimeZone = '{clock.zone_name()}'")
            self._local.read_only = read_only
            return con

    def _rollback(self, con: duckdb.DuckDBPyConnection) -> None:
        try:
            con.execute("ROLLBACK")
        except duckdb.TransactionException:
            # a COMMIT that failed (a full disk) has rolled the transaction back already; the
            # error that matters is the commit's, which propagates
            pass

    def migrate(self) -> list[int]:
        """Upgrade the schema; in a folder that cannot be written, only check it is current."""
        with self.connect():
            if not getattr(self._local, "read_only", False):
                return super().migrate()
            from jxtrack.store.migrations import MIGRATIONS

            if self.schema_version() >= max(v for v, _, _ in MIGRATIONS):
                return []
            raise StoreReadOnlyError(
                f"数据库 {self.path} 需要升级到新版本，但所在文件夹只读，无法升级，未做任何改动。"
                "请让管理员把该文件夹改为可写后再运行 jxtrack init。") from None

    def df(self, sql: str, params: list | None = None, categorical: bool = False) -> pd.DataFrame:
        """Run a query and return a DataFrame (through Arrow: about twice as fast as .df()).
        ``categorical`` returns text columns dictionary-encoded, for large keyed reads."""
        with self.connect() as con:
            table = con.execute(sql, params or []).fetch_arrow_table()
        return table.to_pandas(strings_to_categorical=categorical)

    def insert_frame(self, con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
        name = f"frame_in_{id(frame)}"
        con.register(name, frame)
        try:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {name}")
        finally:
            con.unregister(name)

    def in_list(self, column: str) -> str:
        # list_contains lets DuckDB push the filter below current_observations' aggregate
        return f"list_contains(?::VARCHAR[], {column})"
