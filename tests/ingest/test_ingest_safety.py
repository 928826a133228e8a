"""Safety: random damage to valid files ends in a clear refusal (never a crash or a partial write),
and an import killed at any moment leaves the database exactly as before (or fully imported)."""

from __future__ import annotations

import functools
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ADMIN
from jxtrack.ingest import CODES
from jxtrack.services import lookup, setup_db
from jxtrack.services.importing import commit_import, preview_import
from jxtrack.store.interface import Store

SAMPLES = next((p for p in (Path(__file__).resolve().parents[3] / "shared" / "samples",
                             Path("/work/shared/samples")) if p.exists()), Path("/work/shared/samples"))
ROOT = Path(__file__).resolve().parents[2]


@functools.lru_cache(maxsize=1)
def _inputs() -> tuple[bytes, ...]:
    """Valid files of every kind (built once; not a pytest fixture so hypothesis reports stay short)."""
    import make_fixtures as mf

    d = Path(tempfile.mkdtemp(prefix="jxtrack-fuzz-"))
    try:
        files = [mf.good_xlsx(d), mf.good_xls(d), mf.good_csv(d), mf.summary_right_total(d)]
        files += sorted(p for p in SAMPLES.glob("sample_*") if p.is_file())
        return tuple(p.read_bytes() for p in files)
    finally:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory) -> Store:
    store = Store(tmp_path_factory.mktemp("fuzzdb") / "f.duckdb")
    setup_db.init(store, lookup.catalog())
    return store


damage = st.lists(
    st.tuples(st.sampled_from(["flip", "truncate", "insert", "delete", "zero"]),
              st.floats(0, 1, exclude_max=True), st.integers(1, 64), st.binary(min_size=1, max_size=16)),
    min_size=1, max_size=4)


def _damage(data: bytes, ops) -> bytes:
    b = bytearray(data)
    for op, where, n, junk in ops:
        if not b:
            break
        i = int(where * len(b))
        if op == "flip":
            for k in range(i, min(i + n, len(b))):
                b[k] ^= 0xFF
        elif op == "truncate":
            del b[i:]
        elif op == "insert":
            b[i:i] = junk
        elif op == "delete":
            del b[i:i + n]
        else:
            b[i:i + n] = bytes(min(n, len(b) - i))
    return bytes(b)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 100), ops=damage)
def test_damaged_files_are_refused_clearly(fuzz_store, which, ops):
    data = _damage(_inputs()[which % len(_inputs())], ops)
    res = preview_import(fuzz_store, data, "damaged.xlsx", ADMIN)   # must not raise
    for p in res.problems:
        assert p.code in CODES and p.message
    if res.errors:
        assert res.status == "rejected"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, 100), ops=damage)
def test_damaged_files_never_write_partially(fuzz_store, which, ops):
    data = _damage(_inputs()[which % len(_inputs())], ops)
    before = fuzz_store.dump_tables(("observations",))
    res = commit_import(fuzz_store, data, "damaged.xlsx", ADMIN, accept_warnings=True)
    after = fuzz_store.dump_tables(("observations",))
    if res.status == "accepted":
        new = [r for r in after["observations"] if r[0] == res.upload_id]
        assert len(new) == len(res.values) and len(after["observations"]) == len(before["observations"]) + len(new)
    else:
        assert after == before


# ---- killing the import process ------------------------------------------------------------------
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from jxtrack.domain.access import OPERATOR
    from jxtrack.services.importing import commit_import
    from jxtrack.store.interface import Store
    db, path, pause = sys.argv[1], sys.argv[2], float(sys.argv[3])
    if pause:
        original = Store.record_upload
        def slow(self, con, **kw):
            upload_id = original(self, con, **kw)     # rows inserted, transaction not committed
            print("IN_TX", flush=True)
            time.sleep(pause)
            return upload_id
        Store.record_upload = slow
    print("START", flush=True)
    res = commit_import(Store(db), Path(path).read_bytes(), Path(path).name, OPERATOR)
    print("DONE", res.status, flush=True)
""")


def _run_child(db: Path, file: Path, pause: float):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(file), str(pause)],
                            stdout=subprocess.PIPE, env=env, text=True)


def _assert_before_or_fully_after(store: Store, before: dict, n_values: int) -> str:
    after = store.dump_tables()
    if after == before:
        return "before"
    # committed: exactly one more accepted upload, its figures and its audit record, nothing else
    new_up = [u for u in after["uploads"] if u not in before["uploads"]]
    assert len(new_up) == 1 and len(after["uploads"]) == len(before["uploads"]) + 1
    upload_id = new_up[0][0]
    assert new_up[0][10] == "accepted"
    new_obs = [o for o in after["observations"] if o not in before["observations"]]
    assert len(new_obs) == n_values and all(o[0] == upload_id for o in new_obs)
    new_log = [a for a in after["audit_log"] if a not in before["audit_log"]]
    assert len(new_log) == 1 and new_log[0][4] == f"upload:{upload_id}"
    for t in ("users", "targets", "target_sources"):
        assert after[t] == before[t]
    return "after"


@pytest.mark.slow
def test_import_killed_at_random_points_leaves_db_as_before(tmp_path):
    import make_fixtures as mf

    db = tmp_path / "k.duckdb"
    store = Store(db)
    setup_db.init(store, lookup.catalog())
    commit_import(store, mf.good_xlsx(tmp_path).read_bytes(), "base.xlsx", ADMIN)
    big = mf.history_xlsx(tmp_path / "history.xlsx", n_rows=3000)
    before = store.dump_tables()

    # 1. killed inside the transaction (rows inserted, not committed): exactly as before
    proc = _run_child(db, big, pause=30)
    for line in proc.stdout:
        if line.startswith("IN_TX"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _assert_before_or_fully_after(store, before, 3000) == "before"

    # 2. killed at random moments of an ordinary run
    rng = random.Random(20250930)
    seen = set()
    for _ in range(5):
        proc = _run_child(db, big, pause=0)
        assert proc.stdout.readline().startswith("START")
        time.sleep(rng.uniform(0.0, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        seen.add(_assert_before_or_fully_after(store, before, 3000))
        before = store.dump_tables()
    assert "before" in seen, seen
    print("kill outcomes", seen)
