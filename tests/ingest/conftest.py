"""Fixtures for the ingest tests: every fixture file built once per session by make_fixtures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import make_fixtures  # noqa: E402

from jxtrack.domain.access import OPERATOR, User  # noqa: E402

STAFF = User("zhuanban", "staff", None, "示例市工作专班")
JIASHAN = User("jiashan", "county", "330421", "嘉善县填报员")
PINGHU = User("pinghu", "county", "330482", "平湖市填报员")
LEADER = User("lingdao", "leader", None, "领导")
ADMIN = OPERATOR


@pytest.fixture(scope="session")
def fx(tmp_path_factory) -> dict[str, Path]:
    return make_fixtures.build_all(tmp_path_factory.mktemp("ingest-fixtures"))
