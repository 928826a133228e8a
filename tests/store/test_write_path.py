"""The single write path (issue 18): ``Store.write`` is the only way to change the database, and
every use case's change lands with exactly one audit record in the same transaction, or not at all.

Run on both backends: ``pytest tests/store/test_write_path.py`` and ``... --backend postgresql``.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from jxtrack.domain import clock
from jxtrack.domain.access import OPERATOR, User
from jxtrack.domain.reasons import TEMPLATE, ReasonRequired, message
from jxtrack.services import cycle, importing, projects, status_table, targets, users
from jxtrack.store import cycle as cycle_sql
from jxtrack.store import transfer
from jxtrack.store.interface import Store, audit_origin

ROOT = Path(__file__).resolve().parents[2]
for helpers in ("ingest", "ledger"):
    sys.path.insert(0, str(ROOT / "tests" / helpers))
import make_fixtures  # noqa: E402
from ledger_builders import ledger_xlsx, project  # noqa: E402

STAFF = User("zhuanban", "staff", None, "市工作专班")
JIASHAN = User("jiashan", "county", "330421", "嘉善县填报员")


# ---- ownership: nothing outside the store writes ------------------------------------------------
# code that may not open a transaction, write an audit record or run a write statement itself
APP_CODE = [p for p in (ROOT / "src").rglob("*.py") if "jxtrack/store/" not in p.as_posix()]
APP_CODE += sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py", ROOT / "serve.py"]
FORBIDDEN = {
    "opens a transaction": re.compile(r"\.transaction\("),
    "writes an audit record": re.compile(r"\._?audit\("),
    "runs SQL": re.compile(r"\.execute(many)?\("),
    "writes with SQL": re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b", re.IGNORECASE),
}


def offences(files: list[Path], root: Path) -> list[str]:
    out = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for what, rx in FORBIDDEN.items():
                if rx.search(line):
                    out.append(f"{path.relative_to(root)}:{n} {what}: {line.strip()}")
    return out


def test_only_the_store_writes():
    """Every write goes through ``Store.write`` (which audits it); no page, service, CLI command,
    report or UI piece opens a transaction, audits by hand or runs SQL.  (Failed before the write
    path: services/targets.py, importing.py and moving.py opened transactions and audited.)"""
    assert len(APP_CODE) > 50   # the walk found the code
    assert offences(APP_CODE, ROOT) == []


def test_the_ownership_walk_sees_what_it_forbids(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("with store.transaction() as con:\n    con.execute('DELETE FROM uploads')\n"
                   "    store.audit(con, 'x', 'y', 'z')\n", encoding="utf-8")
    got = offences([bad], tmp_path)
    assert [o.split(" ", 1)[1].split(":")[0] for o in got] == [
        "opens a transaction", "runs SQL", "writes with SQL", "writes an audit record"]


# ---- Store.write itself -------------------------------------------------------------------------
def _audit_rows(store: Store) -> list[tuple]:
    a = store.df("SELECT audit_id, actor, action, object, detail FROM audit_log ORDER BY audit_id")
    return list(a.itertuples(index=False, name=None))


def test_write_returns_fn_result_and_records_who_what_which_when_and_origin(empty_store):
    at = datetime(2026, 3, 1, 1, 30, tzinfo=UTC)            # 09:30 in Beijing
    detail = {"reason": "测试"}

    def change(con):
        detail["n"] = 2                                       # read after fn ran
        return empty_store.record_upload(con, kind="upload", username="li", status="accepted")

    before = len(_audit_rows(empty_store))
    with clock.fixed(at), audit_origin(via="cli", os_user="alice"):
        uid = empty_store.write("li", "upload.accept", lambda u: f"upload:{u}", change, detail=detail)
    rows = _audit_rows(empty_store)[before:]
    assert [r[1:4] for r in rows] == [("li", "upload.accept", f"upload:{uid}")]
    assert json.loads(rows[0][4]) == {"reason": "测试", "n": 2, "origin": {"via": "cli", "os_user": "alice"}}
    logged = empty_store.df("SELECT logged_at FROM audit_log ORDER BY audit_id DESC LIMIT 1")["logged_at"].iloc[0]
    assert pd.Timestamp(logged).tz_convert("Asia/Shanghai") == pd.Timestamp("2026-03-01 09:30", tz="Asia/Shanghai")
    assert empty_store.get_upload(uid)["username"] == "li"


def test_write_without_a_change_records_only(empty_store):
    before = len(_audit_rows(empty_store))
    assert empty_store.write("admin", "database.migrate", "from:x", None, detail={"rows": 3}) is None
    assert [r[1:4] for r in _audit_rows(empty_store)[before:]] == [("admin", "database.migrate", "from:x")]


def test_a_failure_inside_fn_writes_neither_the_change_nor_the_record(empty_store):
    before = empty_store.dump_tables()

    def change(con):
        empty_store.record_upload(con, kind="upload", username="li", status="accepted", file_bytes=b"abc")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        empty_store.write("li", "upload.accept", "upload:1", change)
    assert empty_store.dump_tables() == before


def test_a_failing_record_takes_the_change_with_it(empty_store, monkeypatch):
    """The record is in the change's transaction: if writing it fails, the change is undone."""
    before = empty_store.dump_tables()

    def broken(*args, **kwargs):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(Store, "_audit", staticmethod(broken))
    with pytest.raises(RuntimeError, match="audit failed"):
        empty_store.write("li", "upload.accept", "upload:1", lambda con: empty_store.record_upload(
            con, kind="upload", username="li", status="accepted", file_bytes=b"abc"))
    assert empty_store.dump_tables() == before


# ---- every use case family: one write, one record; a failure leaves nothing ------------------------
def _monthly(tmp_path: Path) -> bytes:
    return make_fixtures.good_xlsx(tmp_path).read_bytes()   # 嘉善县, 2025-09


def _accepted_import(store: Store, tmp_path: Path) -> int:
    res = importing.commit_import(store, _monthly(tmp_path), "good.xlsx", JIASHAN)
    assert res.status == "accepted", [p.message for p in res.problems]
    return res.upload_id


def _two_sources(store: Store, _tmp: Path | None = None) -> tuple[str, str, int, str]:
    """A target with a second (draft) source beside the catalog's: (indicator, region, year, the
    source that does not bind)."""
    t = store.targets().sort_values(["indicator", "region", "year"]).iloc[0]
    code = targets.add_source(store, STAFF, doc_number="测试〔2026〕1号", title="测试文件", issuer="专班",
                              issued="2026-01-05", status="draft", reason="测试第二出处",
                              figures=pd.DataFrame([{"indicator": t["indicator"], "region": t["region"],
                                                     "year": int(t["year"]), "value": float(t["value"]) + 1,
                                                     "comparator": t["comparator"]}]))
    bt = status_table.binding_targets(store)
    key = (bt["indicator"] == t["indicator"]) & (bt["region"] == t["region"]) & (bt["year"] == int(t["year"]))
    other = bt[key & ~bt["binding"]]
    assert len(other) == 1 and code in set(bt.loc[key, "source"])
    return str(t["indicator"]), str(t["region"]), int(t["year"]), str(other["source"].iloc[0])


def _add_li(store: Store, _tmp: Path | None = None) -> None:
    users.add_user(store, OPERATOR, username="li", password="long enough 1", role="staff", region=None)


# name -> (set-up returning a context, the use case, (actor, action, object of its record))
USE_CASES = {
    "import accepted": (lambda s, d: None,
                        lambda s, d, c: importing.commit_import(s, _monthly(d), "good.xlsx", JIASHAN).upload_id,
                        lambda c, r: ("jiashan", "upload.accept", f"upload:{r}")),
    "import refused": (lambda s, d: None,
                       lambda s, d, c: importing.commit_import(s, b"not a workbook", "bad.xlsx", JIASHAN).upload_id,
                       lambda c, r: ("jiashan", "upload.reject", f"upload:{r}")),
    "withdraw": (_accepted_import,
                 lambda s, d, c: importing.withdraw(s, c, STAFF, "数据填错"),
                 lambda c, r: ("zhuanban", "upload.withdraw", f"upload:{c}")),
    "target source added": (lambda s, d: s.targets().sort_values(["indicator", "region", "year"]).iloc[0],
                            lambda s, d, t: targets.add_source(
                                s, STAFF, doc_number="测试〔2026〕2号", title="新文件", issuer=None, issued=None,
                                status="official", reason="正式印发", figures=pd.DataFrame([{
                                    "indicator": t["indicator"], "region": t["region"], "year": int(t["year"]),
                                    "value": 7.0}])),
                            lambda c, r: ("zhuanban", "target.source_add", f"source:{r}")),
    "binding switched": (_two_sources,
                         lambda s, d, c: targets.set_binding(s, STAFF, indicator=c[0], region=c[1], year=c[2],
                                                             source=c[3], reason="以正式文件为准"),
                         lambda c, r: ("zhuanban", "target.binding_switch", f"target:{c[0]}/{c[1]}/{c[2]}")),
    "due day set": (lambda s, d: None,
                    lambda s, d, c: cycle.set_due_day(s, STAFF, 12, "顺延"),
                    lambda c, r: ("zhuanban", "setting.set", f"setting:{cycle.DUE_DAY_KEY}")),
    "bulletin issued": (lambda s, d: None,
                        lambda s, d, c: cycle_sql.record_bulletin(s, "2025-09", "zhuanban", "简报.docx", []),
                        lambda c, r: ("zhuanban", "bulletin.issue", f"bulletin:{r}")),
    "user added": (lambda s, d: None,
                   lambda s, d, c: _add_li(s),
                   lambda c, r: ("operator", "user.add", "user:li")),
    "user role set": (_add_li,
                      lambda s, d, c: users.set_role(s, OPERATOR, "li", "county", "330421"),
                      lambda c, r: ("operator", "user.set_role", "user:li")),
    "user password reset": (_add_li,
                            lambda s, d, c: users.reset_password(s, OPERATOR, "li", "another long one 2"),
                            lambda c, r: ("operator", "user.reset_password", "user:li")),
    "user disabled": (_add_li,
                      lambda s, d, c: users.set_active(s, OPERATOR, "li", False),
                      lambda c, r: ("operator", "user.disable", "user:li")),
    "ledger accepted": (lambda s, d: None,
                        lambda s, d, c: projects.commit_ledger(s, ledger_xlsx([project(1), project(2)]),
                                                               "ledger.xlsx", JIASHAN).upload_id,
                        lambda c, r: ("jiashan", "projects.accept", f"upload:{r}")),
    "ledger refused": (lambda s, d: None,
                       lambda s, d, c: projects.commit_ledger(s, b"not a workbook", "ledger.xlsx", JIASHAN).upload_id,
                       lambda c, r: ("jiashan", "projects.reject", f"upload:{r}")),
    "subsidy rule switched": (lambda s, d: None,
                              lambda s, d, c: projects.switch_rule(s, STAFF, "future_factory",
                                                                   "future_factory_draft", "正式文件待印发"),
                              lambda c, r: ("zhuanban", "subsidy_rule.bind", "topic:future_factory")),
}


@pytest.fixture
def writes(monkeypatch) -> list[tuple]:
    """Every call of Store.write, as (actor, action)."""
    calls: list[tuple] = []
    real = Store.write

    def spy(self, actor, action, target, fn, **kw):
        calls.append((actor, action))
        return real(self, actor, action, target, fn, **kw)

    monkeypatch.setattr(Store, "write", spy)
    return calls


@pytest.mark.parametrize("case", list(USE_CASES))
def test_a_use_case_writes_once_with_one_record(case, empty_store, tmp_path, writes):
    setup, run, expected = USE_CASES[case]
    ctx = setup(empty_store, tmp_path)
    before = len(_audit_rows(empty_store))
    writes.clear()
    result = run(empty_store, tmp_path, ctx)
    rows = _audit_rows(empty_store)[before:]
    want = expected(ctx, result)
    assert [r[1:4] for r in rows] == [want]
    assert writes == [want[:2]]          # one write call: the data and its record in one transaction


@pytest.mark.parametrize("case", list(USE_CASES))
def test_a_use_case_that_fails_midway_leaves_nothing(case, empty_store, tmp_path, monkeypatch):
    """The use case's change runs in full, then something fails before the commit: neither its
    data nor its record remains."""
    setup, run, _ = USE_CASES[case]
    ctx = setup(empty_store, tmp_path)
    tables = tuple(transfer.tables(empty_store))
    before = empty_store.dump_tables(tables)
    real = Store.write

    def failing(self, actor, action, target, fn, **kw):
        def change_then_fail(con):
            if fn is not None:
                fn(con)
            raise RuntimeError("failed after the change")
        return real(self, actor, action, target, change_then_fail, **kw)

    monkeypatch.setattr(Store, "write", failing)
    with pytest.raises(RuntimeError, match="failed after the change"):
        run(empty_store, tmp_path, ctx)
    monkeypatch.undo()
    assert empty_store.dump_tables(tables) == before


# ---- one "reason required" rule ---------------------------------------------------------------------
# name -> (set-up, the use case with a blank reason, what the message names)
WITHOUT_REASON = {
    "withdraw": (_accepted_import, lambda s, c: importing.withdraw(s, c, STAFF, "  "), "撤回上传"),
    "binding switch": (_two_sources, lambda s, c: targets.set_binding(
        s, STAFF, indicator=c[0], region=c[1], year=c[2], source=c[3], reason=""), "切换约束性目标"),
    "target source": (lambda s, d: None, lambda s, c: targets.add_source(
        s, STAFF, doc_number="x", title="新文件", issuer=None, issued=None, status="official",
        figures=pd.DataFrame(), reason=" "), "新增目标出处"),
    "due day": (lambda s, d: None, lambda s, c: cycle.set_due_day(s, STAFF, 12, None), "修改报送截止日"),
    "subsidy rule": (lambda s, d: None, lambda s, c: projects.switch_rule(
        s, STAFF, "future_factory", "future_factory_draft", "\t"), "切换补助规则"),
}


@pytest.mark.parametrize("case", list(WITHOUT_REASON))
def test_every_change_without_a_reason_gets_the_one_message_and_writes_nothing(case, empty_store, tmp_path):
    setup, run, what = WITHOUT_REASON[case]
    ctx = setup(empty_store, tmp_path)
    tables = tuple(transfer.tables(empty_store))
    before = empty_store.dump_tables(tables)
    with pytest.raises(ReasonRequired) as exc:
        run(empty_store, ctx)
    assert str(exc.value) == TEMPLATE.format(what=what) == message(what)
    assert exc.value.what == what
    assert empty_store.dump_tables(tables) == before
