"""The CLI's trust model (issue 12, item 5): the database and its folder are the owner's only, and
every change the CLI makes records the operating-system user next to the user it acted as."""

from __future__ import annotations

import getpass
import json
import os
import stat

from jxtrack.cli import run as cli
from jxtrack.domain.access import OPERATOR
from jxtrack.services import lookup, setup_db
from jxtrack.services.importing import commit_import
from jxtrack.store.interface import Store


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_database_and_folder_are_owner_only(tmp_path):
    old = os.umask(0o022)                        # the usual umask: new files would be 0644
    try:
        db = tmp_path / "new" / "deeper" / "jx.duckdb"
        store = Store(db)
        setup_db.init(store, lookup.catalog())
        commit_import(store, b"junk bytes, refused", "x.csv", OPERATOR)  # a write after creation
    finally:
        os.umask(old)
    assert _mode(db.parent) == 0o700
    assert _mode(db) == 0o600
    wal = db.with_name(db.name + ".wal")
    assert not wal.exists() or _mode(wal) == 0o600
    assert len(store.uploads()) == 1                # still usable by its owner


def test_init_tightens_an_existing_world_readable_database(tmp_path, monkeypatch, capsys):
    db = tmp_path / "old.duckdb"
    setup_db.init(Store(db), lookup.catalog())
    os.chmod(db, 0o644)
    monkeypatch.setenv("JXTRACK_DB", str(db))
    assert cli.main(["init"]) == 0
    assert _mode(db) == 0o600


def test_cli_writes_record_the_os_user_next_to_as(demo_store, tmp_path, capsys):
    f = tmp_path / "junk.csv"
    f.write_bytes(b"not a report")
    assert cli.main(["import", str(f), "--as", "zhuanban"]) == cli.EXIT_USER   # refused, on record
    log = demo_store.audit_log(5)
    entry = log[log["action"] == "upload.reject"].iloc[0]
    assert entry["actor"] == "zhuanban"
    origin = json.loads(entry["detail"])["origin"]
    assert origin == {"via": "cli", "os_user": getpass.getuser(), "os_uid": os.getuid(), "as_user": "zhuanban"}


def test_cli_write_without_as_records_the_os_user(demo_store, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-long-password-1\n"))
    assert cli.main(["user", "add", "newstaff", "--role", "staff", "--password-stdin"]) == 0
    entry = demo_store.audit_log(1).iloc[0]
    assert entry["action"] == "user.add"
    assert json.loads(entry["detail"])["origin"]["os_user"] == getpass.getuser()
    assert json.loads(entry["detail"])["origin"]["as_user"] is None


def test_writes_outside_the_cli_carry_no_origin(empty_store):
    commit_import(empty_store, b"junk", "x.csv", OPERATOR)
    assert "origin" not in json.loads(empty_store.audit_log(1).iloc[0]["detail"])
