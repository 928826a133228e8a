"""The app serving a private copy of the demo database, for the real-browser tests (what they
share otherwise is in helpers.py)."""

from __future__ import annotations

import shutil

import pytest

from .helpers import require_browser, serve


@pytest.fixture(scope="module")
def server(demo_db_template, tmp_path_factory):
    """The app serving a private copy of the demo database, for one test module."""
    require_browser()
    db = tmp_path_factory.mktemp("browser") / "web.duckdb"
    shutil.copy(demo_db_template, db)
    with serve(db) as url:
        yield url
