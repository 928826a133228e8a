"""Fixtures for the bulletin and data-quality tests.

Golden files (``golden/*.txt``) are regenerated only on request: ``JXTRACK_UPDATE_GOLDEN=1
pytest tests/reports`` or ``pytest tests/reports --update-golden``; review the diff before
committing."""

from __future__ import annotations

import os

import pytest

from jxtrack.store.interface import Store


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/reports/golden/* from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    try:
        flag = bool(request.config.getoption("--update-golden"))
    except ValueError:  # option not registered (conftest not loaded at start-up)
        flag = False
    return flag or os.environ.get("JXTRACK_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def demo_readonly(demo_db_template) -> Store:
    """The shared demo database, read only (tests that write take ``demo_store``)."""
    return Store(demo_db_template)
