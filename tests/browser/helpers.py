"""What the real-browser tests share: Debian's Chromium (never downloaded), an app server started
the way `make run` starts it (`streamlit run serve.py`), and the few moves a person makes in it
(wait for the run to end, sign in, open a page from the menu)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
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


def require_browser() -> None:
    """Skip when Debian's Chromium or Playwright is missing (make test installs them)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} 不存在：请运行 scripts/install-browser-deps.sh（make test 会自动安装）")
    pytest.importorskip("playwright")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: str | Path, **settings: str) -> Iterator[str]:
    """`streamlit run serve.py` (as `make run` starts it) on a free port of 127.0.0.1 with
    ``JXTRACK_DB=db`` (``settings``: more environment, e.g. JXTRACK_LOCK_TIMEOUT="0.3"); yields its
    URL once healthy, and stops the process after.  The server's output goes to a temporary file (a
    pipe nobody reads would stall it), shown if it fails."""
    port = free_port()
    env = {**os.environ, "JXTRACK_DB": str(db), **settings}
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.time() + 60
            while time.time() < deadline and proc.poll() is None:
                try:
                    if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.3)
            else:
                out.seek(0)
                pytest.fail("streamlit did not start: " + out.read().decode(errors="replace")[-2000:])
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def idle(page) -> None:
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


def open_page(page, title: str, phone: bool = False) -> None:
    """Open ``title`` from the menu and wait for it (on a phone, open the folded menu first)."""
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


def upload(page, files) -> None:
    """On 数据上传: choose ``files`` (a path, or Playwright's name/mimeType/buffer dicts), accept
    the warnings if any are shown, confirm, and wait for 已导入."""
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(files)
    page.wait_for_selector("text=检查结果", timeout=60000)
    idle(page)
    confirm = page.get_by_role("button", name="确认导入")
    confirm.wait_for(timeout=60000)   # the whole preview has been drawn (the warnings come before it)
    box = page.get_by_text("我已核对以上提醒")
    if box.count():
        box.first.click()
        idle(page)
    page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                           "b => b.innerText.includes('确认导入') && !b.disabled)", timeout=60000)
    idle(page)
    confirm.click()
    page.wait_for_selector("text=已导入", timeout=60000)
    idle(page)


def signed_in(page) -> bool:
    """The board (menu) is shown, not the sign-in form."""
    page.wait_for_selector("[data-testid=stSidebarNav], input[aria-label=用户名]", state="attached",
                           timeout=30000)
    idle(page)
    return page.locator("[data-testid=stSidebarNav]").count() > 0 and page.get_by_label("用户名").count() == 0
