"""A command that only reads never upgrades the database behind the user's back: on a database at
an older migration it refuses, saying to run `jxtrack init`, and leaves the file as it was.  A
command that writes (and init) upgrades it first, as before."""

from __future__ import annotations

import duckdb
import pytest

from jxtrack.cli import run as cli
from jxtrack.store.interface import Store
from jxtrack.store.migrations import MIGRATIONS

pytestmark = pytest.mark.duckdb_only   # the old database is made by undoing a migration in the file

LATEST = max(v for v, _, _ in MIGRATIONS)


# how to undo each migration after 7 on a DuckDB file (a new migration needs its undo here)
UNDO = {
    10: ["DROP TABLE report_reviews"],
    9: ["DROP TABLE supervision_steps", "DROP TABLE supervisions", "DROP SEQUENCE supervision_step_seq",
        "DROP SEQUENCE supervision_seq"],
    8: ["ALTER TABLE uploads DROP COLUMN reading"],
}


@pytest.fixture
def old_db(demo_store) -> Store:
    """The demo database as a program of an earlier version left it: every migration after 7 undone
    (the last of them, 8, added uploads.reading)."""
    assert set(UNDO) == set(range(8, LATEST + 1)), "a new migration needs its undo in UNDO"
    con = duckdb.connect(demo_store.key)
    for version in sorted(UNDO, reverse=True):
        for sql in UNDO[version]:
            con.execute(sql)
        con.execute("DELETE FROM schema_migrations WHERE version = ?", [version])
    con.close()
    assert demo_store.schema_version() == 7
    return demo_store


def _columns(store: Store) -> set[str]:
    con = duckdb.connect(store.key, read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name = 'uploads'").fetchall()}
    finally:
        con.close()


@pytest.mark.parametrize("argv", [
    ["status"], ["status", "--period", "2026-10", "--format", "csv"], ["targets"], ["uploads"], ["quality"],
    ["user", "list"], ["projects", "list"], ["projects", "uploads"], ["projects", "rules"],
    ["subsidy", "--year", "2026"], ["fund", "--year", "2026"], ["settings", "due-day"], ["remind", "--dry-run"],
])
def test_a_reading_command_refuses_an_old_database_and_leaves_it_alone(old_db, capsys, argv):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert code == cli.EXIT_USER and out == ""
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith(f"错误：数据库 {old_db.label} 是旧版本（架构版本 7，本程序需要 {LATEST}）") and "jxtrack init" in err
    assert old_db.schema_version() == 7 and "reading" not in _columns(old_db)


def test_a_template_is_refused_too(old_db, capsys, tmp_path):
    out = tmp_path / "t.xlsx"
    assert cli.main(["template", "--region", "嘉善县", "--period", "2026-10", "-o", str(out)]) == cli.EXIT_USER
    assert "jxtrack init" in capsys.readouterr().err and not out.exists()
    assert old_db.schema_version() == 7


def test_init_upgrades_it_and_then_readers_work(old_db, capsys):
    assert cli.main(["init"]) == 0
    assert f"执行迁移 {list(range(8, LATEST + 1))}" in capsys.readouterr().out
    assert old_db.schema_version() == LATEST and "reading" in _columns(old_db)
    assert cli.main(["status", "--region", "嘉善县", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("indicator_code,")


def test_a_writing_command_upgrades_it_first(old_db, capsys):
    assert cli.main(["settings", "due-day", "12", "--reason", "春节顺延"]) == 0
    assert "次月 12 日" in capsys.readouterr().out
    assert old_db.schema_version() == LATEST and "reading" in _columns(old_db)
