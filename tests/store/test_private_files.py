"""Owner-only from the start (issue 20, item 4): the DuckDB write-ahead log while a write is in
progress, every folder the store creates, and the log folder of a PostgreSQL store."""

from __future__ import annotations

import os
import stat

import pytest

from jxtrack.services import lookup, setup_db
from jxtrack.store.interface import Store, log_event


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    old = os.umask(0o022)                 # the usual umask: new files 0644, folders 0755
    yield
    os.umask(old)


@pytest.mark.duckdb_only
def test_wal_is_owner_only_while_the_write_is_in_progress(tmp_path, loose_umask):
    db = tmp_path / "a" / "b" / "c" / "jx.duckdb"
    store = Store(db)
    setup_db.init(store, lookup.catalog())
    wal = db.with_name(db.name + ".wal")
    seen = {}
    with store.connect(write=True) as con:    # the unit is open: nothing has tidied up yet
        con.execute("CREATE TABLE big AS SELECT range AS i, repeat('x', 50) AS pad FROM range(20000)")
        seen["wal"] = _mode(wal) if wal.exists() else None
        seen["lock"] = _mode(db.with_name(db.name + ".lock"))
    assert seen["wal"] == 0o600               # was 0644 (the umask's) until the unit closed
    assert seen["lock"] == 0o600
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert _mode(folder) == 0o700, folder   # intermediate folders followed the umask (0755)
    assert _mode(db) == 0o600


def test_log_folder_and_log_are_owner_only(tmp_path, loose_umask):
    Store(tmp_path / "x.duckdb")               # any store made in the process tightens the umask
    folder = tmp_path / "logs" / "jxtrack"     # e.g. JXTRACK_LOG_DIR of a PostgreSQL store
    log_event(folder, "database busy: test")
    assert _mode(tmp_path / "logs") == 0o700 and _mode(folder) == 0o700
    assert _mode(folder / "jxtrack.log") == 0o600
