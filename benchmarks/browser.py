"""Web pages in a real browser, right after an import (goal: every page within 3× the lightest).

Starts the app like ``make run`` (``streamlit run serve.py``) on a free port against a temporary demo
database, signs in as the working group (staff) in Debian's Chromium driven by Playwright, visits
every page once (the app is warm, as for someone who has been using it), then imports a county's
sheet through the CLI into the same database and times each page's first visit after it: from the
click in the menu until Streamlit reports the script run finished and no spinner is left.  Then a
second visit of each page, for reference.  Skipped, with the reason, without Chromium or Playwright.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from jxtrack.domain.access import User
from jxtrack.services import lookup, setup_db
from jxtrack.store.interface import Store
from jxtrack.ui import nav

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SAMPLE = next((p for p in (ROOT.parent / "shared" / "samples", Path("/work/shared/samples")) if p.exists()),
              ROOT.parent / "shared" / "samples") / "sample_jiashan_2025-09.xlsx"
STAFF = ("zhuanban", "jxdemo-staff")
VERSION_WAIT = 2.5  # the app re-reads the data version at most every 2 s (ui.cache.VERSION_TTL)

# records every change of Streamlit's script state with its time, so a run is timed from the page
WATCH = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  window.__runs = [];
  new MutationObserver(() => window.__runs.push(
      [performance.now(), app.getAttribute('data-test-script-state')]))
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
SETTLED = """(t0) => {
  const app = document.querySelector('[data-testid=stApp]');
  const ran = (window.__runs || []).some(r => r[0] >= t0 && r[1] === 'running');
  return ran && app.getAttribute('data-test-script-state') === 'notRunning'
         && !document.querySelector('[data-testid=stSpinner]');
}"""
LAST_DONE = """(t0) => {
  const done = (window.__runs || []).filter(r => r[0] >= t0 && r[1] === 'notRunning');
  return done.length ? done[done.length - 1][0] : performance.now();
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(db: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "JXTRACK_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not start within 60 s")


def _settle(page, t0: float) -> float:
    """Wait until the run started after ``t0`` is over and no new one follows; seconds taken."""
    page.wait_for_function(SETTLED, arg=t0, timeout=120000, polling=20)
    while True:  # a page may rerun itself (query parameters): wait for quiet
        time.sleep(0.3)
        if page.evaluate(SETTLED, t0):
            break
        page.wait_for_function(SETTLED, arg=t0, timeout=120000, polling=20)
    return (page.evaluate(LAST_DONE, t0) - t0) / 1000.0


def _visit(page, title: str) -> float:
    t0 = page.evaluate("performance.now()")
    page.locator("[data-testid=stSidebarNav] a", has_text=title).first.click()
    return _settle(page, t0)


def _import_via_cli(db: Path) -> str:
    env = {**os.environ, "JXTRACK_DB": str(db)}
    out = subprocess.run([sys.executable, "-m", "jxtrack.cli", "import", str(SAMPLE), "-y"],
                         env=env, capture_output=True, text=True, timeout=120)
    lines = out.stdout.strip().splitlines()
    said = [ln for ln in lines if ln.startswith(("已导入", "未导入"))] or lines or [out.stderr.strip()[-200:]]
    return said[-1].strip()


def run_bench() -> list[tuple[str, str]]:
    if not Path(CHROMIUM).exists():
        return [("skipped", f"{CHROMIUM} is missing (make browser-deps installs it)")]
    try:
        from playwright.sync_api import sync_playwright
    except ModuleNotFoundError:
        return [("skipped", "playwright is not installed (make install)")]
    if not SAMPLE.exists():
        return [("skipped", f"sample sheet {SAMPLE} is missing")]

    pages = nav.pages_for(User("zhuanban", "staff"))
    with tempfile.TemporaryDirectory(prefix="jxtrack-browser-") as tmp:
        db = Path(tmp) / "web.duckdb"
        setup_db.init(Store(db), lookup.catalog(), with_demo=True)
        proc, url = _start_server(db)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1280, "height": 1600})
                page.goto(url)
                page.get_by_label("用户名").fill(STAFF[0])
                page.get_by_label("密码").fill(STAFF[1])
                page.wait_for_selector("[data-testid=stApp]")
                page.evaluate(WATCH)
                t0 = page.evaluate("performance.now()")
                page.get_by_role("button", name="登录").click()
                page.wait_for_selector("[data-testid=stSidebarNav]", state="attached", timeout=60000)
                _settle(page, t0)
                for pd_ in pages:  # the app in use before the import: code loaded, caches filled
                    _visit(page, pd_.title)
                imported = _import_via_cli(db)
                time.sleep(VERSION_WAIT)
                first = {pd_.title: _visit(page, pd_.title) for pd_ in pages}
                again = {pd_.title: _visit(page, pd_.title) for pd_ in pages}
                browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()

    lightest = min(first, key=first.get)
    lines = [("import through the CLI into the app's database", imported)]
    for title, secs in first.items():
        ratio = secs / first[lightest]
        lines.append((f"demo · {title}",
                      f"first visit after the import {secs:.2f} s = {ratio:.1f}× the lightest "
                      f"({lightest}) {'✓' if ratio <= 3 else '✗'}; next visit {again[title]:.2f} s"))
    return lines


if __name__ == "__main__":
    for label, figure in run_bench():
        print(f"- {label}: {figure}")
