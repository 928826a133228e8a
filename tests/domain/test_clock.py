"""Beijing time whatever the server's zone: the clock, stored instants, uploads listed, 迟报 judged."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from jxtrack.domain import clock
from jxtrack.domain.access import User
from jxtrack.services import cycle, quality, submissions
from jxtrack.store import migrations as mig
from jxtrack.store.interface import Store

ROOT = Path(__file__).resolve().parents[2]
STAFF = User("zhuanban", "staff", None, "专班")
JIASHAN, NANHU = "330421", "330402"


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=UTC)


def _py(code: str, env: dict[str, str]) -> str:
    full = {k: v for k, v in os.environ.items() if k != "JXTRACK_TZ"}
    full.update({"PYTHONPATH": str(ROOT / "src"), **env})
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _record(store: Store, region: str, period: str, at: datetime, kind: str = "upload") -> int:
    values = pd.DataFrame({"region": [region], "period": [period], "measure": ["digital_projects"],
                           "value": [10.0]})
    with clock.fixed(at), store.transaction() as con:
        uid = store.record_upload(con, kind=kind, username="tester", status="accepted",
                                  file_name=f"{region}.xlsx", file_bytes=b"x", region=region, period=period,
                                  values=values)
        store.audit(con, "tester", "upload.accept", f"upload:{uid}")
    return uid


# ---- the clock -----------------------------------------------------------------------------------
def test_now_is_beijing_time_whatever_the_process_zone():
    # New York is 12 or 13 hours behind Beijing; the clock must not care
    for tz in ("UTC", "America/New_York", "Asia/Shanghai"):
        out = _py("from jxtrack.domain import clock; n = clock.now(); print(n.utcoffset(), n.tzinfo)", {"TZ": tz})
        assert out == "8:00:00 Asia/Shanghai", tz


def test_zone_is_configurable_and_a_bad_zone_is_one_chinese_line(monkeypatch):
    monkeypatch.setenv("JXTRACK_TZ", "Europe/Berlin")
    assert clock.show(utc(2026, 1, 15, 10, 45)) == "2026-01-15 11:45"  # CET = UTC+1 in January
    monkeypatch.setenv("JXTRACK_TZ", "Mars/Olympus")
    with pytest.raises(clock.ClockError, match="JXTRACK_TZ"):
        clock.now()


def test_local_show_and_dates():
    assert clock.show(utc(2026, 11, 10, 10, 45)) == "2026-11-10 18:45"
    assert clock.local_date(utc(2026, 11, 10, 16, 10)) == date(2026, 11, 11)  # past midnight in Beijing
    assert clock.local_date(utc(2026, 11, 10, 15, 30)) == date(2026, 11, 10)
    naive = datetime(2026, 11, 10, 18, 45)  # naive means local time already
    assert clock.show(naive) == "2026-11-10 18:45"
    assert clock.show(None) == "" and clock.show(pd.NaT) == ""
    with clock.fixed(utc(2026, 11, 10, 16, 10)):
        assert clock.now() == utc(2026, 11, 10, 16, 10)
        assert clock.today() == date(2026, 11, 11)
    s = pd.Series([pd.Timestamp("2026-11-10 10:45", tz="UTC"), pd.NaT])
    assert clock.show_series(s).tolist() == ["2026-11-10 18:45", ""]


# ---- stored instants -----------------------------------------------------------------------------
def test_instants_are_stored_with_their_zone(empty_store):
    uid = _record(empty_store, JIASHAN, "2026-10", utc(2026, 11, 10, 10, 45))
    types = empty_store.df("SELECT data_type FROM information_schema.columns WHERE table_name = 'uploads' "
                           "AND column_name = 'uploaded_at'")
    assert [t.upper() for t in types["data_type"]] == ["TIMESTAMP WITH TIME ZONE"]
    got = empty_store.get_upload(uid)["uploaded_at"]
    assert got == utc(2026, 11, 10, 10, 45)          # the same instant…
    assert got.utcoffset() == timedelta(hours=8)      # …read back in Beijing time
    assert f"{got:%H:%M}" == "18:45"


def test_uploads_list_beijing_time_on_a_utc_server(empty_store):
    _record(empty_store, JIASHAN, "2026-10", utc(2026, 11, 10, 10, 45))  # 18:45 Beijing
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "TZ": "UTC", "JXTRACK_DB": empty_store.key}
    env.pop("JXTRACK_TZ", None)
    out = subprocess.run([sys.executable, "-m", "jxtrack.cli", "uploads", "--format", "csv"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "2026-11-10 18:45:00" in out.stdout and "10:45" not in out.stdout


def test_migration_reads_old_naive_times_in_the_servers_zone(tmp_path, monkeypatch):
    """A database from before migration 2 holds naive local times; after it, the same instants."""
    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    mig.m001_initial(con)
    con.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', TIMESTAMP '2026-11-01 00:00:00')")
    con.execute("INSERT INTO audit_log (logged_at, actor, action) VALUES (TIMESTAMP '2026-11-10 18:45:00', 'a', 'x')")
    con.close()
    monkeypatch.setenv("JXTRACK_LEGACY_TZ", "Asia/Shanghai")  # the old server ran on Beijing time
    store = Store(db)
    assert store.migrate() == [v for v, _, _ in mig.MIGRATIONS if v > 1]
    at = store.df("SELECT logged_at FROM audit_log")["logged_at"].iloc[0]
    assert at == pd.Timestamp("2026-11-10 10:45", tz="UTC")

    db2 = tmp_path / "old_utc.duckdb"
    con = duckdb.connect(str(db2))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)")
    mig.m001_initial(con)
    con.execute("INSERT INTO schema_migrations VALUES (1, 'initial schema', TIMESTAMP '2026-11-01 00:00:00')")
    con.execute("INSERT INTO audit_log (logged_at, actor, action) VALUES (TIMESTAMP '2026-11-10 18:45:00', 'a', 'x')")
    con.close()
    monkeypatch.setenv("JXTRACK_LEGACY_TZ", "UTC")  # the old server ran on UTC: 18:45 UTC = 02:45 Beijing
    store = Store(db2)
    store.migrate()
    at = store.df("SELECT logged_at FROM audit_log")["logged_at"].iloc[0]
    assert clock.show(at) == "2026-11-11 02:45"


# ---- late (迟报) on Beijing dates ------------------------------------------------------------------
def test_late_is_judged_on_the_beijing_date():
    # due day 10: October's report is due by 2026-11-10 (Beijing)
    assert cycle.due_date("2026-10", 10) == date(2026, 11, 10)
    assert not cycle.is_late(utc(2026, 11, 10, 15, 30), "2026-10", 10)  # 23:30 Beijing: on time
    assert cycle.is_late(utc(2026, 11, 10, 16, 10), "2026-10", 10)      # 00:10 on the 11th: late
    assert not cycle.is_overdue("2026-10", 10, utc(2026, 11, 10, 15, 59))
    assert cycle.is_overdue("2026-10", 10, utc(2026, 11, 10, 16, 0))
    # the same instants seen from another zone's aware datetime give the same answer
    est = timezone(timedelta(hours=-5))
    assert cycle.is_late(utc(2026, 11, 10, 16, 10).astimezone(est), "2026-10", 10)


def test_submission_matrix_and_quality_judge_late_in_beijing_time(empty_store):
    _record(empty_store, JIASHAN, "2026-10", utc(2026, 11, 10, 15, 30))  # 23:30 Beijing on the 10th
    _record(empty_store, NANHU, "2026-10", utc(2026, 11, 10, 16, 10))    # 00:10 Beijing on the 11th
    m = submissions.submission_matrix(empty_store, 2026, STAFF, today=utc(2026, 11, 20, 1, 0))
    assert m.loc["嘉善县", "10月"] == "reported"
    assert m.loc["南湖区", "10月"] == "late"
    assert m.loc["平湖市", "10月"] == "missing"
    w = quality.check(empty_store, "2026-10", today=date(2026, 11, 20))
    late = w[w["check"] == "late_report"]
    assert late["region"].tolist() == ["南湖区"]
    assert "2026-11-11 00:10" in late["message"].iloc[0]


def test_wall_clock_makes_tables_spreadsheet_safe():
    df = pd.DataFrame({"at": pd.Series([pd.Timestamp("2026-11-10 10:45", tz="UTC")]), "n": [1]})
    out = clock.wall_clock(df)
    assert out["at"].iloc[0] == pd.Timestamp("2026-11-10 18:45") and out["at"].dt.tz is None
    assert out["n"].tolist() == [1] and df["at"].dt.tz is not None  # the input is left alone
