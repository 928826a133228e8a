"""Refused files (issue 12, item 6): the hash, size and problems of every refused upload are kept,
its bytes only when small and only once per distinct file; refusals in the app are recorded as the
CLI's are, once however often the page reruns."""

from __future__ import annotations

import hashlib
import json

from conftest import ADMIN, JIASHAN, STAFF
from jxtrack.services import importing
from jxtrack.services.importing import commit_import, preview_import
from jxtrack.store.interface import REJECTED_BYTES_KEPT


def _row(store, upload_id):
    return store.df("SELECT status, file_hash, file_size, file_bytes, problems, username FROM uploads "
                    "WHERE upload_id = ?", [upload_id]).iloc[0]


def _junk(n: int, seed: bytes = b"x") -> bytes:
    """``n`` bytes of text that is no report (refused as having no recognisable data)."""
    line = b"this is not a report " + seed + b"\n"
    return (line * (n // len(line) + 1))[:n]


def test_large_refused_file_keeps_hash_and_problems_but_not_bytes(empty_store):
    data = _junk(REJECTED_BYTES_KEPT + 1)
    res = commit_import(empty_store, data, "big.csv", ADMIN)
    assert res.status == "rejected"
    row = _row(empty_store, res.upload_id)
    assert row["file_hash"] == hashlib.sha256(data).hexdigest() and row["file_size"] == len(data)
    assert row["file_bytes"] is None
    assert [p["code"] for p in json.loads(row["problems"])] == [p.code for p in res.problems] and res.problems
    detail = json.loads(empty_store.audit_log(1).iloc[0]["detail"])
    assert detail["bytes_kept"] is False and detail["file_size"] == len(data)


def test_small_refused_file_bytes_are_kept_once(empty_store):
    data = _junk(2000)
    first = commit_import(empty_store, data, "a.csv", ADMIN)
    second = commit_import(empty_store, data, "a (1).csv", STAFF)     # the same bytes again
    other = commit_import(empty_store, _junk(2000, b"y"), "b.csv", ADMIN)
    rows = [_row(empty_store, r.upload_id) for r in (first, second, other)]
    assert [r["status"] for r in rows] == ["rejected"] * 3               # every attempt is on record
    assert rows[0]["file_hash"] == rows[1]["file_hash"] != rows[2]["file_hash"]
    assert bytes(rows[0]["file_bytes"]) == data                          # the first copy is kept whole
    assert rows[1]["file_bytes"] is None                                 # ... and not stored again
    assert bytes(rows[2]["file_bytes"]) == _junk(2000, b"y")


def test_app_refusal_is_recorded_once_per_rerun(empty_store):
    data = _junk(500)
    res = preview_import(empty_store, data, "bad.csv", JIASHAN)
    assert res.errors and not len(empty_store.uploads())                # preview alone writes nothing
    uid = importing.record_rejection(empty_store, data, res, JIASHAN)
    for _ in range(3):                                                   # Streamlit reruns the page
        again = preview_import(empty_store, data, "bad.csv", JIASHAN)
        assert importing.record_rejection(empty_store, data, again, JIASHAN) == uid
    ups = empty_store.uploads()
    assert ups["upload_id"].tolist() == [uid] and ups["user"].tolist() == ["jiashan"]
    # another user refused the same file: their own record; a new attempt after another file: too
    other = importing.record_rejection(empty_store, data, preview_import(empty_store, data, "x.csv", STAFF), STAFF)
    assert other != uid
    importing.record_rejection(empty_store, _junk(500, b"z"),
                               preview_import(empty_store, _junk(500, b"z"), "z.csv", JIASHAN), JIASHAN)
    third = importing.record_rejection(empty_store, data, preview_import(empty_store, data, "bad.csv", JIASHAN),
                                       JIASHAN)
    assert len(empty_store.uploads()) == 4 and third not in (uid, other)


def test_a_file_without_errors_is_not_recorded_as_refused(fx, empty_store):
    data = fx["good_xlsx"].read_bytes()
    res = preview_import(empty_store, data, "good.xlsx", STAFF)
    assert not res.errors
    assert importing.record_rejection(empty_store, data, res, STAFF) is None
    assert not len(empty_store.uploads())
