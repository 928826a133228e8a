"""Shared fixtures: one canonical builder for databases (after datasette's fixtures)."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import pytest

from jxtrack.services import lookup, setup_db
from jxtrack.store.interface import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = next((p for p in (ROOT.parent / "shared" / "samples", Path("/work/shared/samples")) if p.exists()),
               ROOT.parent / "shared" / "samples")

# tests see unexpected errors as tracebacks, never as the friendly one-liner
os.environ["JXTRACK_DEBUG"] = "1"
# operator logs of PostgreSQL stores (which have no folder of their own) go to a temporary folder
os.environ["JXTRACK_LOG_DIR"] = tempfile.mkdtemp(prefix="jxtrack-test-logs-")
# st.cache_data used outside a Streamlit runtime (service tests) logs a warning per call: noise
logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)


@pytest.fixture(autouse=True)
def _fresh_parses():
    """Every test parses its files anew: the import service keeps parses by file hash, and a test
    that lowers a reader limit (monkeypatch) must not leave its refusal to the next test."""
    from jxtrack.services import importing

    importing.forget_parses()
    yield
    importing.forget_parses()


# ---- the backend under test -------------------------------------------------------------------
# `pytest` runs everything on DuckDB (the embedded default).  `pytest --backend postgresql` runs the
# shared suite -- every test built on the database fixtures below, except those marked
# duckdb_only -- against a throwaway PostgreSQL cluster (initdb/pg_ctl; see jxtrack.store.pgcluster).
DB_FIXTURES = {"empty_store", "demo_store", "demo_db_template", "demo_ro", "demo_readonly"}


def pytest_addoption(parser):
    parser.addoption("--backend", choices=["duckdb", "postgresql"],
                     default=os.environ.get("JXTRACK_TEST_BACKEND", "duckdb"),
                     help="database backend of the store fixtures (default duckdb)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--backend") != "postgresql":
        return
    keep, drop = [], []
    for item in items:
        shared = DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        (keep if shared and not item.get_closest_marker("duckdb_only") else drop).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.config.getoption("--backend")


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory, request):
    """A throwaway PostgreSQL cluster for the session (removed after).  Skipped when PostgreSQL
    is not installed -- unless the run asked for --backend postgresql, which then fails."""
    from jxtrack.store.pgcluster import Cluster, ClusterUnavailable

    try:
        cluster = Cluster.start()
    except ClusterUnavailable as exc:
        if request.config.getoption("--backend") == "postgresql":
            raise
        pytest.skip(f"PostgreSQL not available: {exc}")
    yield cluster
    cluster.stop()


_pg_count = iter(range(1, 10**9))


def new_pg_database(cluster, template: str | None = None) -> str:
    return cluster.create_database(f"t{next(_pg_count)}", template)


@pytest.fixture(scope="session")
def _pg_templates(backend, request):
    """Template databases on PostgreSQL: an empty (migrated, catalog) one and the demo one."""
    if backend != "postgresql":
        return None
    cluster = request.getfixturevalue("pg_cluster")
    empty = cluster.create_database("tpl_empty")
    setup_db.init(Store(empty), lookup.catalog())
    demo = cluster.create_database("tpl_demo")
    setup_db.init(Store(demo), lookup.catalog(), with_demo=True)
    shared = cluster.create_database("demo_shared", "tpl_demo")
    return {"cluster": cluster, "shared": shared}


@pytest.fixture
def empty_store(tmp_path, monkeypatch, backend, _pg_templates) -> Store:
    """A migrated database with the catalog and no figures."""
    if backend == "postgresql":
        db = new_pg_database(_pg_templates["cluster"], "tpl_empty")
        monkeypatch.setenv("JXTRACK_DB", db)
        return Store(db)
    db = tmp_path / "t.duckdb"
    monkeypatch.setenv("JXTRACK_DB", str(db))
    store = Store(db)
    setup_db.init(store, lookup.catalog())
    return store


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory, backend, _pg_templates):
    """The demo database shared read-only by a session's tests: a DuckDB file (Path), or on
    PostgreSQL the URL of a database copied from the demo template."""
    if backend == "postgresql":
        return _pg_templates["shared"]
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    setup_db.init(Store(db), lookup.catalog(), with_demo=True)
    return db


@pytest.fixture
def demo_store(demo_db_template, tmp_path, monkeypatch, backend, _pg_templates) -> Store:
    """A private copy of the demo database (示例数据)."""
    if backend == "postgresql":
        db = new_pg_database(_pg_templates["cluster"], "tpl_demo")
        monkeypatch.setenv("JXTRACK_DB", db)
        return Store(db)
    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_db_template.read_bytes())
    monkeypatch.setenv("JXTRACK_DB", str(db))
    return Store(db)
