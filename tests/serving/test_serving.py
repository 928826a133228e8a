"""Serving (issue 12, item 8): `make run` binds to a configured address (this machine by default)
and the Streamlit settings that protect the app are pinned in .streamlit/config.toml."""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_streamlit_protections_are_pinned():
    from streamlit import config

    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert server["enableXsrfProtection"] is True
    # Streamlit's CORS *protection* on: with False it would answer Access-Control-Allow-Origin: *
    assert server["enableCORS"] is True
    assert server["fileWatcherType"] == "none" and server["runOnSave"] is False
    # a little over the importer's one limit (20 MB): see tests/app/test_upload_rejections.py
    assert server["maxUploadSize"] == 21
    known = config._config_options_template  # every option this Streamlit version knows
    assert all(f"server.{k}" in known for k in server), set(server) - {k[7:] for k in known}


def _make_run(*extra: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "run", *extra], capture_output=True, text=True,
                         check=True)
    return out.stdout


def test_make_run_serves_this_machine_only_by_default():
    out = _make_run()
    assert "--server.address 127.0.0.1 --server.port 8501" in out


def test_make_run_binds_to_the_configured_address():
    assert "--server.address 10.1.2.3 --server.port 8600" in _make_run("JXTRACK_ADDRESS=10.1.2.3",
                                                                         "JXTRACK_PORT=8600")
