"""A busy day (issue 12, item 4) with real browsers: three signed-in browser sessions go from page
to page while four counties import their monthly sheets with the CLI (``jxtrack import --as``) and
two ``jxtrack status`` run, all against the one embedded database.  Nothing is refused, no page
shows an error, and every import is in the database afterwards with its audit entry.  And when
the database does stay busy past the wait, a page says so and offers a retry."""

from __future__ import annotations

import fcntl
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from jxtrack.domain.access import User
from jxtrack.services import auth
from jxtrack.services.importing import make_template
from jxtrack.store.interface import Store
from jxtrack.ui import nav
from metrics.periods import shift_period

from .helpers import ARGS, CHROMIUM, ROOT, click_page, idle, require_browser, serve, sign_in

# the DuckDB turn lock under load (PostgreSQL has none)
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.duckdb_only]

SESSIONS = [User("zhuanban", "staff", None), User("lingdao", "leader", None), User("jiashan", "county", "330421")]
PASSWORDS = {"zhuanban": "jxdemo-staff", "lingdao": "jxdemo-leader", "jiashan": "jxdemo-county"}
# the importing counties: 嘉善's demo account, and three county users made for the test
COUNTIES = {"jiashan": ("330421", "嘉善县"), "pinghu": ("330482", "平湖市"),
            "haining": ("330481", "海宁市"), "tongxiang": ("330483", "桐乡市")}
TROUBLE = ("正被另一个程序占用", "数据库正忙", "Traceback")


def _filled_sheet(store: Store, region_name: str, period: str, bump: int) -> tuple[bytes, str, dict]:
    """The county's template for ``period`` filled in: whole numbers one more than last period
    plus ``bump``, decimals as last period.  Returns the file, its name and the figures written."""
    data, name = make_template(store, region_name, period)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["填报表"]
    written = {}
    for r in range(6, ws.max_row + 1):
        code, last = ws.cell(r, 2).value, ws.cell(r, 5).value
        if code and isinstance(last, int | float):
            value = int(last) + 1 + bump if float(last).is_integer() else last
            ws.cell(r, 6, value)
            written[code] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), name, written


def _start_cli(args: list[str], env: dict, out: Path, err: Path) -> subprocess.Popen:
    """``jxtrack *args`` in a process of its own, its output to files (a pipe nobody reads yet
    would fill up and stop it)."""
    with out.open("w") as o, err.open("w") as e:
        return subprocess.Popen([sys.executable, "-m", "jxtrack.cli", *args], env=env, cwd=ROOT, stdout=o, stderr=e)


def _page_trouble(page) -> str | None:
    """What is wrong on the page just loaded, if anything: an exception box, an error message,
    the busy message."""
    if page.locator("[data-testid=stException]").count():
        return "exception: " + page.locator("[data-testid=stException]").first.inner_text()[:300]
    if page.locator("[data-testid=stAlertContentError]").count():
        return "error: " + page.locator("[data-testid=stAlertContentError]").first.inner_text()[:300]
    body = page.locator("[data-testid=stMain]").inner_text()
    hit = next((t for t in TROUBLE if t in body), None)
    return f"{hit}: {body[:300]}" if hit else None


def test_browser_sessions_and_cli_commands_at_once(demo_db_template, tmp_path):
    require_browser()
    from playwright.sync_api import sync_playwright

    db = tmp_path / "busy.duckdb"
    shutil.copy(demo_db_template, db)
    store = Store(db)
    codes = set(store.regions()["code"])
    for username, (code, _) in COUNTIES.items():
        if username != "jiashan":
            auth.add_user(store, username, "busy-day-pw-1", "county", code, actor="admin", region_codes=codes)
    period = shift_period(store.periods()[-1], 1)     # the month after the demo's last: nobody has it
    files = {}
    for i, (username, (code, name)) in enumerate(COUNTIES.items()):
        data, file_name, written = _filled_sheet(store, name, period, i)
        assert len(written) >= 20
        path = tmp_path / file_name
        path.write_bytes(data)
        files[username] = (path, code, written)
    uploads_before = len(store.uploads())
    commands = [["import", str(path), "--as", username, "-y"] for username, (path, _, _) in files.items()]
    commands += [["status"], ["status", "--period", period]]
    env = {**os.environ, "JXTRACK_DB": str(db)}

    loads, troubles = 0, []
    with serve(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages, menus = [], []
        for user in SESSIONS:
            page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
            sign_in(page, url, user.username, PASSWORDS[user.username])
            pages.append(page)
            menus.append([d.title for d in nav.pages_for(user)])
        # the commands start in two waves, at the first and the second round of page loads, so
        # the CLI is at work across two rounds at least; the sessions go on until it is done
        waves = [range(0, len(commands), 2), range(1, len(commands), 2)]
        procs: dict[int, subprocess.Popen] = {}
        step = 0
        while step <= len(waves) or any(pr.poll() is None for pr in procs.values()):
            for page, menu in zip(pages, menus, strict=True):    # every session asks at once ...
                click_page(page, menu[step % len(menu)])
            for i in waves[step] if step < len(waves) else ():  # ... while the CLI starts
                procs[i] = _start_cli(commands[i], env, tmp_path / f"out{i}", tmp_path / f"err{i}")
            for page, menu in zip(pages, menus, strict=True):
                idle(page)
                loads += 1
                trouble = _page_trouble(page)
                if trouble:
                    troubles.append((menu[step % len(menu)], trouble))
            step += 1
        results = [(c, (tmp_path / f"out{i}").read_text(encoding="utf-8"),
                    (tmp_path / f"err{i}").read_text(encoding="utf-8"), procs[i].wait(120))
                   for i, c in enumerate(commands)]
        browser.close()

    assert not troubles, f"{len(troubles)} of {loads} page loads: {troubles}"
    log = db.parent / "jxtrack.log"
    log_text = log.read_text(encoding="utf-8") if log.exists() else ""
    for c, _out, err, rc in results:
        if rc == 75:    # refused as busy: it must say so, ask to retry and be in the log
            assert "请稍后" in err and "database busy" in log_text, (c, err)
            if c[0] == "import":
                assert f"import not done, database busy: file '{os.path.basename(c[1])}'" in log_text
        assert rc == 0, (c, rc, err[-2000:])     # ... but on this busy day nothing was refused
    assert "database busy" not in log_text

    # every import is in force: its upload accepted, its audit entry, every figure it brought
    audit = store.df("SELECT actor, object FROM audit_log WHERE action = 'upload.accept'")
    accepted = set(zip(audit["actor"], audit["object"], strict=True))
    for (c, out, _err, _rc), (username, (_path, code, written)) in zip(results[:len(COUNTIES)], files.items(), strict=True):
        assert c[3] == username
        upload_id = int(re.search(r"已导入：上传编号 (\d+)", out).group(1))
        up = store.get_upload(upload_id)
        assert (up["status"], up["username"], up["region"], up["period"]) == ("accepted", username, code, period)
        assert (username, f"upload:{upload_id}") in accepted
        now = store.observations(periods=[period], regions=[code]).set_index("measure")
        assert set(now["upload_id"]) == {upload_id}
        assert now["value"].to_dict() == pytest.approx(written), username
    assert len(store.uploads()) == uploads_before + len(COUNTIES)
    for c, out, _err, _rc in results[len(COUNTIES):]:
        assert "嘉兴市" in out and "indicator_code" in out, c


def test_a_page_when_the_database_stays_busy_says_so_and_retries(demo_db_template, tmp_path):
    """Another process holds the database past the app's wait (0.3 s here): a click in a signed-in
    tab, and a new tab opened at a page's address, show the busy message and 重试 (no error box);
    once it is free, 重试 opens the page asked for."""
    require_browser()
    from playwright.sync_api import sync_playwright

    db = tmp_path / "held.duckdb"
    shutil.copy(demo_db_template, db)
    with serve(db, JXTRACK_LOCK_TIMEOUT="0.3") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        sign_in(page, url, "zhuanban", "jxdemo-staff")
        for _ in range(100):                          # the sign-in cookie, for the new tab
            if any(c["name"] == auth.SESSION_COOKIE for c in context.cookies()):
                break
            page.wait_for_timeout(100)
        fd = os.open(str(db) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)            # another process's unit of work, not ending
            click_page(page, "区县")
            idle(page)
            tab = context.new_page()
            tab.goto(url + "/county")
            idle(tab)
            for shown in (page, tab):
                assert shown.locator("[data-testid=stException]").count() == 0
                assert "正被另一个程序占用" in shown.locator("[data-testid=stAlertContentError]").inner_text()
                assert shown.get_by_role("button", name="重试").count() == 1
        finally:
            os.close(fd)                              # ... now it ends
        for shown in (page, tab):
            shown.get_by_role("button", name="重试").click()
            idle(shown)
            assert _page_trouble(shown) is None, _page_trouble(shown)
            assert "/county" in shown.url
            title = shown.locator("h1").first.inner_text()
            assert " · " in title and "月" in title, title     # 区县: “<region> · <year>年1–<m>月”, not 登录
        browser.close()
