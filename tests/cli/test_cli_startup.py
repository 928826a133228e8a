"""The command starts light (issue 18): `jxtrack --help` imports no pandas, numpy, DuckDB, Streamlit
or openpyxl, and `jxtrack status` none of what only the web app, the bulletin or sign-in need.
Checked deterministically from `python -X importtime` (the modules a process imported), not timed;
`make bench` prints the times."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY_FOR_HELP = {"pandas", "numpy", "duckdb", "streamlit", "openpyxl", "pyarrow", "psycopg", "argon2"}
NOT_FOR_STATUS = {"streamlit", "plotly", "docx", "openpyxl", "kaleido", "argon2", "xlrd"}


def _imported(args: list[str], env: dict | None = None) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``python -X importtime -m jxtrack.cli ARGS``; the result and the top-level packages it imported."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "jxtrack.cli", *args], capture_output=True,
                       text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}, timeout=120)
    names = {line.rsplit("|", 1)[1].strip().split(".")[0]
             for line in r.stderr.splitlines() if line.startswith("import time:") and "|" in line}
    assert "jxtrack" in names, r.stderr[-2000:]   # the report is there: the check below is not vacuous
    return r, names


@pytest.mark.parametrize("argv", [["--help"], ["status", "--help"], ["projects", "import", "-h"],
                                  ["settings", "due-day", "--help"], ["report", "-h"]])
def test_help_imports_nothing_heavy(argv):
    r, names = _imported(argv)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("用法：jxtrack") and "显示本帮助并退出" in r.stdout
    assert names & HEAVY_FOR_HELP == set()


def test_a_bad_argument_is_refused_before_anything_heavy_loads():
    """argparse refuses (exit 2, Chinese) with only the printing of the message to load."""
    r, names = _imported(["status", "--format", "xml"])
    assert r.returncode == 2 and "无效的选项“xml”" in r.stderr
    assert names & {"duckdb", "streamlit", "openpyxl", "argon2"} == set()


def test_status_imports_only_what_it_uses(demo_store, backend):
    r, names = _imported(["status", "--format", "csv"], {"JXTRACK_DB": demo_store.key})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("indicator_code,") and len(r.stdout.splitlines()) > 200
    driver, other = ("psycopg", "duckdb") if backend == "postgresql" else ("duckdb", "psycopg")
    assert "pandas" in names and driver in names   # what it does need: its own database's driver
    assert other not in names                      # and not the other backend's
    assert names & NOT_FOR_STATUS == set()
