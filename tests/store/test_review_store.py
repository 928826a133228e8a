"""The review's storage (migration 9, ``jxtrack.store.review``) on both backends: the last step per
region × period replaces the one before, each step is audited in the same transaction, and the
upload in force per region × period is the newest with a figure.  Run on PostgreSQL with
``pytest --backend postgresql tests/store/test_review_store.py``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

from jxtrack.domain import clock
from jxtrack.store import review as sql
from jxtrack.store.migrations import MIGRATIONS

AT = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)


def _record(store, region, period, value, measure="digital_projects"):
    values = pd.DataFrame({"region": [region], "period": [period], "measure": [measure], "value": [value]})
    with store.transaction() as con:
        return store.record_upload(con, kind="upload", username="t", status="accepted", region=region,
                                   period=period, values=values)


def test_migration_10_is_the_review_table(empty_store):
    assert (10, "review of each region's monthly report") == MIGRATIONS[9][:2]
    with empty_store.connect() as con:
        versions = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    assert 9 in versions
    assert sql.decisions(empty_store, ["2026-10"]) == []


def test_a_step_replaces_the_last_and_is_audited(empty_store):
    s = empty_store
    up = _record(s, "330421", "2026-10", 12.0)
    with clock.fixed(AT):
        sql.record_decision(s, "330421", "2026-10", "returned", up, "口径不符", "zhuanban", "submitted")
    sql.record_decision(s, "330421", "2026-10", "approved", up, None, "admin", "submitted")
    [d] = sql.decisions(s, ["2026-10"])
    assert (d["region"], d["period"], d["decision"], d["upload_id"], d["reason"], d["decided_by"]) == (
        "330421", "2026-10", "approved", up, None, "admin")
    assert sql.decisions(s, ["2026-10"], regions=["330402"]) == []
    log = s.audit_log()
    steps = log[log["action"].str.startswith("review.")].sort_values("audit_id")
    assert list(steps["action"]) == ["review.returned", "review.approved"]
    assert clock.show(steps.iloc[0]["logged_at"]) == "2026-11-12 09:00"
    assert json.loads(steps.iloc[0]["detail"])["reason"] == "口径不符"


def test_the_upload_in_force_and_an_uploads_months(empty_store):
    s = empty_store
    a = _record(s, "330421", "2026-10", 12.0)
    b = _record(s, "330421", "2026-10", 14.0)
    c = _record(s, "330402", "2026-10", 9.0)
    _record(s, "330402", "2026-09", 8.0)
    assert sql.uploads_in_force(s, ["2026-10"]) == {("330421", "2026-10"): b, ("330402", "2026-10"): c}
    assert sql.upload_pairs(s, a) == [("330421", "2026-10")]
    s.withdraw_upload(b, "zhuanban", "填错")
    assert sql.uploads_in_force(s, ["2026-10"])[("330421", "2026-10")] == a
