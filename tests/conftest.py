"""Shared fixtures: one canonical builder for databases (after datasette's fixtures)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from jxtrack import services, setup_db
from jxtrack.store import Store

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = next((p for p in (ROOT.parent / "shared" / "samples", Path("/work/shared/samples")) if p.exists()),
               ROOT.parent / "shared" / "samples")

# tests see unexpected errors as tracebacks, never as the friendly one-liner
os.environ["JXTRACK_DEBUG"] = "1"
# st.cache_data used outside a Streamlit runtime (service tests) logs a warning per call: noise
logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)


@pytest.fixture
def empty_store(tmp_path, monkeypatch) -> Store:
    """A migrated database with the catalog and no figures."""
    db = tmp_path / "t.duckdb"
    monkeypatch.setenv("JXTRACK_DB", str(db))
    store = Store(db)
    setup_db.init(store, services.catalog())
    return store


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    setup_db.init(Store(db), services.catalog(), with_demo=True)
    return db


@pytest.fixture
def demo_store(demo_db_template, tmp_path, monkeypatch) -> Store:
    """A private copy of the demo database (示例数据)."""
    db = tmp_path / "demo.duckdb"
    db.write_bytes(demo_db_template.read_bytes())
    monkeypatch.setenv("JXTRACK_DB", str(db))
    return Store(db)
