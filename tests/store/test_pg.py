"""PostgreSQL as the shared store (issue 11): selected by JXTRACK_DB, same results as DuckDB for
the same inputs, concurrency left to the database, and `jxtrack migrate` from a DuckDB file.

These start their own throwaway cluster (the ``pg_cluster`` fixture; skipped only when
PostgreSQL is not installed -- `make test` installs it when running as root).  The rest of the
suite also runs on PostgreSQL: `pytest --backend postgresql` (see tests/conftest.py)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import threading
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from jxtrack.cli import run as cli
from jxtrack.domain import clock
from jxtrack.domain.access import OPERATOR
from jxtrack.reports import api as reports_api
from jxtrack.reports import bulletin
from jxtrack.services import lookup, setup_db, status_table
from jxtrack.services.importing import commit_import, withdraw
from jxtrack.store.duck import DuckStore
from jxtrack.store.interface import Store, StoreError
from jxtrack.store.pg import PgStore, without_password

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = next((p for p in (ROOT.parent / "shared" / "samples", Path("/work/shared/samples")) if p.exists()),
               ROOT.parent / "shared" / "samples")
AT = datetime(2026, 11, 10, 9, 30)
_n = iter(range(10**6))


@pytest.fixture
def pg_url(pg_cluster) -> str:
    return pg_cluster.create_database(f"p{next(_n)}")


def _env(db: str) -> dict[str, str]:
    return {**os.environ, "JXTRACK_DB": db, "PYTHONPATH": str(ROOT / "src"), "JXTRACK_DEBUG": "0"}


def _cli(db: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jxtrack.cli", *args], env=_env(db), input=stdin,
                          capture_output=True, text=True, timeout=180)


def test_the_url_in_jxtrack_db_selects_postgresql_for_every_command(pg_url, tmp_path):
    assert isinstance(Store(pg_url), PgStore) and isinstance(Store(pg_url.replace("postgresql", "postgres")), PgStore)
    assert isinstance(Store(tmp_path / "x.duckdb"), DuckStore)
    r = _cli(pg_url, "init", "--demo")
    assert r.returncode == 0, r.stderr
    assert "postgresql://postgres@127.0.0.1" in r.stdout and "示例数据" in r.stdout
    assert not list(tmp_path.iterdir())   # no database file, lock or log written anywhere here
    st = _cli(pg_url, "status", "--region", "嘉善县", "--format", "csv")
    assert st.returncode == 0, st.stderr
    # the same demo on a DuckDB file answers the same
    db = tmp_path / "demo.duckdb"
    assert _cli(str(db), "init", "--demo").returncode == 0
    assert _cli(str(db), "status", "--region", "嘉善县", "--format", "csv").stdout == st.stdout
    assert st.stdout.count("\n") > 30


def test_a_password_never_appears_in_messages():
    assert without_password("postgresql://jx:s3cret@db.example:5432/jx") == "postgresql://jx:***@db.example:5432/jx"
    assert "s3cret" not in Store("postgresql://jx:s3cret@db.example:5432/jx").label


def test_an_unreachable_server_is_a_clear_message_not_a_traceback(pg_cluster):
    url = f"postgresql://postgres@127.0.0.1:{pg_cluster.port}/no_such_database"
    r = _cli(url, "status")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "无法连接数据库" in r.stderr and "no_such_database" in r.stderr


def _same_inputs(store: Store) -> None:
    """The same imports, withdrawal and bulletin record on either backend, at the same instants."""
    setup_db.init(store, lookup.catalog())
    with clock.fixed(AT):
        for name in ("sample_jiashan_2025-09.xlsx", "sample_city_by_county_2025-06.xlsx",
                     "sample_pinghu_2026-02.xls"):
            res = commit_import(store, (SAMPLES / name).read_bytes(), name, OPERATOR, accept_warnings=True)
            assert res.status == "accepted", [p.line() for p in res.problems]
        withdraw(store, 2, OPERATOR, reason="重复报送，以区县报表为准")
        res = commit_import(store, (SAMPLES / "sample_city_by_county_2025-06.xlsx").read_bytes(),
                            "again.xlsx", OPERATOR, accept_warnings=True)
        assert res.status == "accepted"


def _cells(data: bytes) -> list:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [[c.value for c in row] for ws in wb for row in ws.iter_rows()]


def test_same_inputs_give_the_same_status_bulletin_and_uploads_on_both(pg_url, tmp_path, monkeypatch):
    duck, pg = Store(tmp_path / "same.duckdb"), Store(pg_url)
    for s in (duck, pg):
        _same_inputs(s)
    assert duck.periods() == pg.periods() and len(pg.periods()) >= 3
    for period in pg.periods():
        a, b = status_table.status(duck, period), status_table.status(pg, period)
        assert a.shape == b.shape and a.shape[0] > 100
        assert a.astype(str).equals(b.astype(str)), period
    cols = ["upload_id", "region", "period", "user", "uploaded_at", "status", "file_name", "n_values",
            "file_hash", "withdrawn_by", "withdraw_reason"]
    ua, ub = duck.uploads()[cols], pg.uploads()[cols]
    assert ua.astype(str).equals(ub.astype(str)) and set(ub["status"]) == {"accepted", "withdrawn"}
    with clock.fixed(AT):
        ba = reports_api.render_bytes(bulletin.build(duck, "2025-09", today=AT.date()), ".xlsx")
        bb = reports_api.render_bytes(bulletin.build(pg, "2025-09", today=AT.date()), ".xlsx")
    assert _cells(ba) == _cells(bb) and len(_cells(bb)) > 20


def test_readers_never_hold_up_a_write(pg_url):
    """No file lock on PostgreSQL: an import commits while another unit of work is open."""
    store = Store(pg_url)
    setup_db.init(store, lookup.catalog())
    opened, release = threading.Event(), threading.Event()

    def reader():
        with store.connect():
            store.regions()
            opened.set()
            release.wait(30)

    t = threading.Thread(target=reader)
    t.start()
    try:
        assert opened.wait(30)
        res = commit_import(Store(pg_url, lock_timeout=1), (SAMPLES / "sample_jiashan_2025-09.xlsx").read_bytes(),
                            "j.xlsx", OPERATOR, accept_warnings=True)
        assert res.status == "accepted"     # committed while the reader's unit is still open
    finally:
        release.set()
        t.join()


WORKER = textwrap.dedent("""
    import sys, pandas as pd
    from jxtrack.store.interface import Store
    url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = Store(url)
    for i in range(n):
        vals = pd.DataFrame([{"region": "330402", "period": "2025-%02d" % (i % 12 + 1),
                              "measure": "digital_projects", "value": float(i)}])
        with s.transaction() as con:
            uid = s.record_upload(con, kind="upload", username=name, status="accepted", values=vals)
            s.audit(con, name, "upload.accept", "upload:%d" % uid)
        s.observations(periods=["2025-01"])
    print("ok")
""")


def test_several_processes_writing_at_once_lose_nothing(pg_url):
    store = Store(pg_url)
    setup_db.init(store, lookup.catalog())
    n, names = 15, [f"p{i}" for i in range(6)]
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, pg_url, name, str(n)], env=_env(pg_url),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in names]
    # a working-group target change and CLI imports at the same time
    cli_runs = [_cli(pg_url, "import", str(SAMPLES / "sample_jiashan_2025-09.xlsx"), "-y") for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0 and out.strip() == "ok", err[-2000:]
    assert [r.returncode for r in cli_runs] == [0, 0], [r.stderr for r in cli_runs]
    per_user = store.df("SELECT username, count(*) AS n FROM uploads GROUP BY username")
    counts = dict(zip(per_user["username"], per_user["n"], strict=True))
    assert all(counts[u] == n for u in names)
    audits = store.df("SELECT count(*) AS n FROM audit_log WHERE action = 'upload.accept'")["n"][0]
    assert audits == n * len(names) + 1   # the second CLI import was the identical file: not written again
    ids = store.df("SELECT upload_id FROM uploads ORDER BY upload_id")["upload_id"].tolist()
    assert ids == list(range(1, len(ids) + 1))   # one sequence, no id handed out twice


def test_migrate_copies_everything_and_verifies(tmp_path, pg_url, capsys):
    db = tmp_path / "old.duckdb"
    src = Store(db)
    setup_db.init(src, lookup.catalog(), with_demo=True)
    with clock.fixed(AT):
        commit_import(src, (SAMPLES / "sample_jiashan_2025-09.xlsx").read_bytes(), "j.xlsx", OPERATOR,
                      accept_warnings=True)
    rejected = commit_import(src, b"not a spreadsheet", "junk.xlsx", OPERATOR)
    assert rejected.status == "rejected"
    before = src.dump_tables()

    assert cli.main(["migrate", "--from", str(db), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    assert "核对一致" in out and "个月份的状态表逐行相同" in out
    dst = Store(pg_url)
    after = dst.dump_tables()
    for table in ("uploads", "observations", "users", "targets", "target_sources"):
        assert len(after[table]) == len(before[table]), table
    assert [r[:3] for r in after["uploads"]] == [r[:3] for r in before["uploads"]]
    kept = dst.df("SELECT file_bytes FROM uploads WHERE upload_id = ?", [rejected.upload_id])["file_bytes"][0]
    assert bytes(kept) == b"not a spreadsheet"
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1   # + the migration's own entry
    assert dst.audit_log(1)["action"][0] == "database.migrate"
    assert src.dump_tables() == before                               # nothing written to the source
    for period in ("2025-09", "2026-10"):
        assert status_table.status(dst, period).astype(str).equals(status_table.status(src, period).astype(str))
    # new rows continue the numbering
    with clock.fixed(AT):
        res = commit_import(dst, (SAMPLES / "sample_pinghu_2026-02.xls").read_bytes(), "p.xls", OPERATOR,
                            accept_warnings=True)
    assert res.upload_id == max(r[0] for r in before["uploads"]) + 1

    # a second run refuses: the target has data now
    assert cli.main(["migrate", "--from", str(db), "--to", pg_url]) == 2
    err = capsys.readouterr().err
    assert "目标数据库已有数据" in err and "uploads" in err


def test_migrate_refuses_a_duckdb_target(tmp_path, capsys):
    db = tmp_path / "a.duckdb"
    setup_db.init(Store(db), lookup.catalog())
    assert cli.main(["migrate", "--from", str(db), "--to", str(tmp_path / "b.duckdb")]) == 2
    assert "不是 PostgreSQL 地址" in capsys.readouterr().err


def test_a_failed_write_leaves_nothing_on_postgresql(pg_url):
    store = Store(pg_url)
    setup_db.init(store, lookup.catalog())
    before = store.dump_tables()
    with pytest.raises(RuntimeError), store.transaction() as con:
        store.record_upload(con, kind="upload", username="x", status="accepted", file_name="a.xlsx",
                            file_bytes=b"abc")
        raise RuntimeError("boom")
    assert store.dump_tables() == before
    with pytest.raises(StoreError, match="只有已接收"):
        with store.transaction() as con:
            uid = store.record_upload(con, kind="upload", username="x", status="rejected")
        store.withdraw_upload(uid, "admin", "试")


def test_bulk_loads_leave_fresh_statistics(pg_url):
    """Demo data (and a migrated database) arrive in bulk; PostgreSQL plans the view of figures in
    force badly until the tables are analysed, so the store analyses them at once."""
    store = Store(pg_url)
    setup_db.init(store, lookup.catalog(), with_demo=True)
    row = store.df("SELECT last_analyze, n_live_tup FROM pg_stat_user_tables WHERE relname = 'observations'")
    assert row["last_analyze"].notna().all() and len(row) == 1


def test_a_connection_lost_mid_write_is_a_message_and_nothing_is_written(pg_url):
    """Failover or a server restart between statements: the user is told to retry (a StoreError,
    not an internal error) and the transaction leaves nothing behind."""
    import psycopg

    store = Store(pg_url)
    setup_db.init(store, lookup.catalog())
    before = store.dump_tables()
    with pytest.raises(StoreError, match="连接中断.*未写入任何数据.*请稍后重试"):
        with store.transaction() as con:
            store.record_upload(con, kind="upload", username="x", status="accepted", file_name="a.xlsx")
            pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
            with psycopg.connect(pg_url, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
            store.audit(con, "x", "upload.accept", "upload:1")
    assert store.dump_tables() == before


def test_two_store_objects_of_one_database_share_the_unit_of_work(pg_url):
    """A write through a second Store object inside a transaction joins it (one connection, one
    transaction), instead of waiting for the write lock its own thread holds."""
    store = Store(pg_url)
    setup_db.init(store, lookup.catalog())
    with store.transaction() as con:
        uid = store.record_upload(con, kind="upload", username="a", status="accepted")
        other = Store(pg_url, lock_timeout=0.5)
        assert other.get_upload(uid)["username"] == "a"           # sees the uncommitted row
        other.withdraw_upload(uid, "a", "同一事务内撤回")            # joins; no lock wait, no early commit
        pid = con.execute("SELECT pg_backend_pid()").fetchone()[0]
        with other.connect() as c2:
            assert c2.execute("SELECT pg_backend_pid()").fetchone()[0] == pid
    assert Store(pg_url).get_upload(uid)["status"] == "withdrawn"
