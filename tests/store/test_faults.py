"""Faults of the machine are told as such, not as internal bugs (issue 20, item 3): a PostgreSQL
connection lost inside a COPY, a full disk under a DuckDB file, a database folder that cannot be
written.  Each is a Chinese message with its own exit code, the cause is logged, and nothing is
half-written."""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from jxtrack.cli import run as cli
from jxtrack.domain.access import OPERATOR
from jxtrack.services import lookup, setup_db
from jxtrack.services.importing import commit_import
from jxtrack.store.interface import Store, StoreUnavailableError, fallback_log_folder

SAMPLE = next(p for p in (Path(__file__).resolve().parents[3] / "shared" / "samples",
                          Path("/work/shared/samples")) if p.exists()) / "sample_jiashan_2025-09.xlsx"
pytestmark = pytest.mark.duckdb_only   # each test makes its own database of the backend it is about
_n = itertools.count(1)


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@pytest.fixture
def small_disk(tmp_path):
    """A folder on an 8 MiB tmpfs of its own (root only; skipped where mounting is not allowed)."""
    where = tmp_path / "disk"
    where.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(where))
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here: {exc}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> Path:
    """Use up every free byte of the file system under ``folder``."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def test_full_disk_is_a_message_and_nothing_is_written(small_disk, monkeypatch, capsys):
    db = small_disk / "jx.duckdb"
    monkeypatch.setenv("JXTRACK_DB", str(db))
    monkeypatch.delenv("JXTRACK_DEBUG")       # as a user runs it
    store = Store(db)
    setup_db.init(store, lookup.catalog())
    before = store.dump_tables()
    filler = _fill(small_disk)
    rc = cli.main(["import", str(SAMPLE), "--accept-warnings"])
    err = capsys.readouterr().err
    assert rc == cli.EXIT_DISK_FULL == 74, err
    assert "磁盘空间不足" in err and "请清理磁盘" in err and "未写入任何数据" in err
    assert "程序内部出错" not in err and "Traceback" not in err
    filler.unlink()                              # space again: nothing of the attempt is there
    assert store.dump_tables() == before
    # the log beside the database could not be written (the disk was full): the fallback holds it
    log = fallback_log_folder() / "jxtrack.log"
    assert f"原因已记入 {log}" in err
    assert "No space left on device" in log.read_text(encoding="utf-8").splitlines()[-1]
    # and the same import now goes through
    assert cli.main(["import", str(SAMPLE), "--accept-warnings"]) == 0
    assert len(store.observations()) == 6


@pytest.fixture
def read_only_folder(tmp_path):
    """A database folder (with a demo-free database in it) that jxtrack cannot write: a read-only
    bind mount (as root, to whom permissions do not apply), else permissions 0500/0400."""
    src = tmp_path / "src"
    src.mkdir(mode=0o700)
    store = Store(src / "jx.duckdb")
    setup_db.init(store, lookup.catalog())
    assert commit_import(store, SAMPLE.read_bytes(), SAMPLE.name, OPERATOR, accept_warnings=True).ok
    if os.getuid() == 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        try:
            _mount("--bind", str(src), str(ro))
            _mount("-o", "remount,bind,ro", str(ro))
        except (OSError, subprocess.CalledProcessError) as exc:
            subprocess.run(["umount", str(ro)], check=False)
            pytest.skip(f"cannot make a read-only bind mount here: {exc}")
        yield ro
        subprocess.run(["umount", "-l", str(ro)], check=False)
    else:
        for f in src.iterdir():
            f.chmod(0o400)
        src.chmod(0o500)
        yield src
        src.chmod(0o700)


def test_read_only_folder_reads_work_and_writes_say_why(read_only_folder, monkeypatch, capsys, tmp_path):
    db = read_only_folder / "jx.duckdb"
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"not a report")             # refused: its refusal would be recorded
    monkeypatch.setenv("JXTRACK_DB", str(db))
    monkeypatch.delenv("JXTRACK_DEBUG")
    before = Store(db).dump_tables()             # reads work
    assert cli.main(["status", "--region", "嘉善县", "--period", "2025-09", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert "digital_projects,数字化改造项目,嘉善县,2025-09,136.0," in out   # the sample's 1-9月 figure
    for argv in (["import", str(junk)], ["init"]):
        rc = cli.main(argv)
        err = capsys.readouterr().err
        assert rc == cli.EXIT_READ_ONLY == 77, (argv, err)
        assert "数据库文件夹" in err and "只读" in err and "未写入任何数据" in err and "查看数据不受影响" in err
        assert "程序内部出错" not in err
        assert "database folder read-only" in (fallback_log_folder() / "jxtrack.log").read_text(
            encoding="utf-8").splitlines()[-1]
    assert Store(db).dump_tables() == before


def test_pg_connection_lost_inside_the_copy_says_retry(pg_cluster, monkeypatch, capsys, tmp_path):
    """The server ends the backend while the COPY of an import is running (AdminShutdown): the
    message asks to retry (exit 75), the log says why, nothing is written."""
    import psycopg

    from jxtrack.store.pg import PgStore

    url = pg_cluster.create_database(f"faults{next(_n)}")
    monkeypatch.setenv("JXTRACK_DB", url)
    monkeypatch.setenv("JXTRACK_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("JXTRACK_DEBUG")
    store = Store(url)
    setup_db.init(store, lookup.catalog())
    before = store.dump_tables()
    real = PgStore.insert_frame
    copies = []

    def end_backend_first(self, con, table, frame):
        if table == "observations":
            copies.append(table)
            pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
            with psycopg.connect(url, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
        return real(self, con, table, frame)

    monkeypatch.setattr(PgStore, "insert_frame", end_backend_first)
    rc = cli.main(["import", str(SAMPLE), "--accept-warnings"])
    err = capsys.readouterr().err
    assert copies == ["observations"]
    assert rc == cli.EXIT_BUSY == 75, err
    assert "连接中断" in err and "请稍后重试" in err and "未写入任何数据" in err
    assert "程序内部出错" not in err
    log = (tmp_path / "logs" / "jxtrack.log").read_text(encoding="utf-8")
    assert "database connection lost" in log and ("AdminShutdown" in log or "terminat" in log)
    monkeypatch.setattr(PgStore, "insert_frame", real)
    assert store.dump_tables() == before


def test_pg_copy_lost_is_the_retry_error(pg_cluster):
    """insert_frame itself (the COPY) turns the lost connection into the retry error."""
    import psycopg

    url = pg_cluster.create_database(f"faults{next(_n)}")
    store = Store(url)
    setup_db.init(store, lookup.catalog())
    frame = pd.DataFrame({"key": ["a"], "value": ["b"]})
    with pytest.raises(StoreUnavailableError, match="连接中断.*请稍后重试"):
        with store.transaction() as con:
            pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
            with psycopg.connect(url, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
            store.insert_frame(con, "meta", frame)
