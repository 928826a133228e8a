"""The store: migrations, versioned observations, audit in the same transaction, two processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pandas as pd
import pytest

from jxtrack.services import lookup, setup_db
from jxtrack.store.interface import NotFoundError, Store, StoreBusyError, StoreError
from jxtrack.store.migrations import MIGRATIONS


def _vals(region, period, **measures):
    return pd.DataFrame(
        [{"region": region, "period": period, "measure": m, "value": v} for m, v in measures.items()]
    )


def _upload(store, values, user="u1", status="accepted"):
    with store.transaction() as con:
        uid = store.record_upload(con, kind="upload", username=user, status=status, file_name="f.xlsx",
                                  file_bytes=b"x" + str(len(values)).encode(), values=values)
        store.audit(con, user, "upload.accept", f"upload:{uid}")
    return uid


def test_migrations_recorded_and_idempotent(empty_store):
    assert empty_store.schema_version() == max(v for v, _, _ in MIGRATIONS)
    assert empty_store.migrate() == []  # nothing left to apply
    rows = empty_store.df("SELECT version, name FROM schema_migrations")
    assert rows["version"].tolist() == [v for v, _, _ in MIGRATIONS]


def test_old_database_upgrades_on_open(tmp_path):
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    con.close()
    store = Store(db)
    assert store.migrate() == [v for v, _, _ in MIGRATIONS]
    assert store.df("SELECT count(*) AS n FROM users")["n"][0] == 0


def test_a_version_1_database_gains_the_session_tables(tmp_path):
    from jxtrack.store.migrations import m001_initial

    db = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    m001_initial(con)
    con.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', current_timestamp::TIMESTAMP)")
    con.close()
    store = Store(db)
    assert store.migrate() == [v for v, _, _ in MIGRATIONS if v > 1]
    assert store.df("SELECT count(*) AS n FROM web_sessions")["n"][0] == 0
    assert store.df("SELECT count(*) AS n FROM login_failures")["n"][0] == 0
    assert store.migrate() == []


def test_catalog_sync_keeps_user_targets(empty_store):
    with empty_store.transaction() as con:
        con.execute("INSERT INTO target_sources (code, title, status, origin) VALUES ('X', '分解表', 'official', 'user')")
        con.execute("INSERT INTO targets VALUES ('lh_projects', '330421', 2026, 'X', 300, '>=', '表1', '', 'user')")
    empty_store.sync_catalog(lookup.catalog())
    t = empty_store.targets()
    assert len(t[t.source == "X"]) == 1
    assert len(t[t.origin == "catalog"]) == len(lookup.catalog().targets)


def test_newer_upload_supersedes_per_measure_and_rollback_restores(empty_store):
    s = empty_store
    first = _upload(s, _vals("330421", "2025-09", digital_projects=136, green_projects=31))
    second = _upload(s, _vals("330421", "2025-09", digital_projects=140))
    cur = s.observations(periods=["2025-09"]).set_index("measure")["value"]
    # 140 replaces 136; green_projects still comes from the first upload
    assert cur.to_dict() == {"digital_projects": 140, "green_projects": 31}
    s.withdraw_upload(second, actor="zhuanban", reason="填错")
    cur = s.observations(periods=["2025-09"]).set_index("measure")["value"]
    assert cur["digital_projects"] == 136
    # nothing deleted: both uploads and all three figures are still stored
    assert s.df("SELECT count(*) n FROM observations")["n"][0] == 3
    u = s.uploads().set_index("upload_id")
    assert u.loc[second, "status"] == "withdrawn" and u.loc[second, "withdrawn_by"] == "zhuanban"
    assert u.loc[first, "status"] == "accepted"
    log = s.audit_log()
    assert ((log.action == "upload.withdraw") & (log.actor == "zhuanban")).sum() == 1


def test_withdraw_errors_are_clear(empty_store):
    with pytest.raises(NotFoundError, match="没有编号为 999"):
        empty_store.withdraw_upload(999, actor="a")
    uid = _upload(empty_store, _vals("330421", "2025-09", digital_projects=1))
    empty_store.withdraw_upload(uid, actor="a")
    with pytest.raises(StoreError, match="只有已接收"):
        empty_store.withdraw_upload(uid, actor="a")


def test_failed_transaction_writes_neither_change_nor_audit(empty_store):
    s = empty_store
    before = s.df("SELECT count(*) n FROM audit_log")["n"][0]
    with pytest.raises(RuntimeError):
        with s.transaction() as con:
            s.record_upload(con, kind="upload", username="u", status="accepted",
                            values=_vals("330421", "2025-09", digital_projects=5))
            s.audit(con, "u", "upload.accept", "x")
            raise RuntimeError("boom")
    assert s.df("SELECT count(*) n FROM uploads")["n"][0] == 0
    assert s.df("SELECT count(*) n FROM observations")["n"][0] == 0
    assert s.df("SELECT count(*) n FROM audit_log")["n"][0] == before


@pytest.mark.duckdb_only
def test_busy_database_gives_a_clear_message(empty_store):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(empty_store.path)!r})
            print('locked', flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        busy = Store(empty_store.path, lock_timeout=0.3)
        with pytest.raises(StoreBusyError, match="正被另一个程序占用"):
            busy.periods()
    finally:
        holder.communicate("\n", timeout=10)


WORKER = textwrap.dedent("""
    import sys, pandas as pd
    from jxtrack.store.interface import Store
    from jxtrack.services import status_table
    db, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = Store(db, lock_timeout=60)
    for i in range(n):
        vals = pd.DataFrame([{"region": "330421", "period": "2025-%02d" % (i % 12 + 1),
                              "measure": "digital_projects", "value": float(i)}])
        with s.transaction() as con:
            uid = s.record_upload(con, kind="upload", username=name, status="accepted", values=vals)
            s.audit(con, name, "upload.accept", "upload:%d" % uid)
        s.observations()          # a read between writes, like the app
        if i % 5 == 0:
            status_table.targets_table(s)  # a heavier read, like a report
    print("ok", name)
""")


def test_two_processes_share_one_database(empty_store):
    """The CLI and the app each open the file per unit of work, so both can work at once."""
    n = 25
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, empty_store.key, name, str(n)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("app", "cli")
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err[-2000:]
        assert out.startswith("ok")
    up = empty_store.df("SELECT username, count(*) n FROM uploads GROUP BY username ORDER BY username")
    assert up.set_index("username")["n"].to_dict() == {"app": n, "cli": n}
    audits = empty_store.df("SELECT count(*) n FROM audit_log WHERE action = 'upload.accept'")["n"][0]
    assert audits == 2 * n


def test_demo_data_is_labelled_and_refused_over_real_data(demo_store):
    assert demo_store.is_demo()
    _upload(demo_store, _vals("330421", "2026-10", digital_projects=1))
    with pytest.raises(StoreError, match="已有正式上传的数据"):
        setup_db.load_demo(demo_store, lookup.catalog())
