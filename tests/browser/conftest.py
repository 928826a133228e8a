"""Shared by the real-browser tests: Debian's Chromium through Playwright (never downloaded), and
the app started as `make run` starts it -- `streamlit run serve.py` (app.py plus the sign-in
cookie routes) -- on a free port against a database of the test's own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_browser() -> None:
    """Skip the test when Chromium or Playwright is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} 不存在：请运行 scripts/install-browser-deps.sh（make test 会自动安装）")
    pytest.importorskip("playwright")


@contextmanager
def app_server(db: Path, **settings: str) -> Iterator[str]:
    """The app serving database ``db`` (``settings``: more environment, e.g.
    JXTRACK_LOCK_TIMEOUT="0.3"); yields its URL and stops it afterwards."""
    port = _free_port()
    env = {**os.environ, "JXTRACK_DB": str(db), **settings}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(demo_db_template, tmp_path_factory):
    """The app serving a private copy of the demo database, for one test module."""
    need_browser()
    db = tmp_path_factory.mktemp("browser") / "web.duckdb"
    shutil.copy(demo_db_template, db)
    with app_server(db) as url:
        yield url


def idle(page) -> None:
    """Wait until the page's script run is over."""
    time.sleep(0.4)
    # the run is over when Streamlit's status widget and every spinner are gone
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')"
                           " && !document.querySelector('[data-testid=stSpinner]')", timeout=60000)
    time.sleep(0.8)


def sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=stSidebarNav]", state="attached", timeout=30000)
    idle(page)


def click_page(page, title: str) -> None:
    """Click a page in the menu (without waiting for it to load)."""
    page.locator("[data-testid=stSidebarNav] a", has_text=title).first.click()


def open_page(page, title: str, phone: bool) -> None:
    """Open a page from the menu and wait for it (on a phone the menu is folded away)."""
    if phone:
        btn = page.locator("[data-testid=stExpandSidebarButton]")
        if btn.count():
            btn.first.click()
            time.sleep(0.4)
    click_page(page, title)
    idle(page)
    if phone:
        close = page.locator("[data-testid=stSidebarCollapseButton] button")
        if close.count() and close.first.is_visible():
            close.first.click()
            time.sleep(0.3)
