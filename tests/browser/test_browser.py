"""Real browser: Debian's Chromium through Playwright (never downloaded).  Starts `streamlit run
serve.py` (app.py plus the sign-in cookie routes) on a free port against a temporary demo database,
signs in, opens every page, uploads a sample sheet and saves screenshots to screenshots/
(git-ignored); and checks that a sign-in survives a reload and a new tab until 退出登录."""

from __future__ import annotations

from pathlib import Path

import pytest

from jxtrack.domain.access import User
from jxtrack.ui import nav

from .helpers import ARGS, CHROMIUM, ROOT, upload
from .helpers import idle as _idle
from .helpers import open_page as _open
from .helpers import sign_in as _sign_in
from .helpers import signed_in as _signed_in

# a copy of the demo DuckDB file per module (on PostgreSQL the app is driven by test_two_servers.py)
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.duckdb_only]
SHOTS = ROOT / "screenshots"
SAMPLE = next((p for p in (ROOT.parent / "shared" / "samples", Path("/work/shared/samples")) if p.exists()),
              ROOT.parent / "shared" / "samples") / "sample_jiashan_2025-09.xlsx"


@pytest.mark.parametrize("username,password,role,width", [
    ("zhuanban", "jxdemo-staff", "staff", 1280),
    ("lingdao", "jxdemo-leader", "leader", 390),
    ("jiashan", "jxdemo-county", "county", 1280),
    ("admin", "jxdemo-admin", "admin", 1280),
])
def test_every_page_in_a_real_browser(server, username, password, role, width):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": width, "height": 2400 if width > 600 else 1800})
        page.goto(server)
        page.wait_for_selector("text=用户名", timeout=30000)
        _idle(page)
        page.screenshot(path=str(SHOTS / f"browser_login_{width}.png"), full_page=True)
        assert page.get_by_text("jxdemo-leader").count() >= 1, "demo accounts shown on a demo database"
        _sign_in(page, server, username, password)
        for pdef in nav.pages_for(User(username, role, "330421" if role == "county" else None)):
            _open(page, pdef.title, width < 600)
            body = page.locator("[data-testid=stMain]").inner_text()
            assert "Traceback" not in body and "Error" not in body, body[:500]
            page.screenshot(path=str(SHOTS / f"browser_{role}_{pdef.url}_{width}.png"), full_page=True)
        nav_text = page.locator("[data-testid=stSidebarNav]").inner_text()
        if role != "admin":
            assert "用户管理" not in nav_text
        if role == "leader":
            assert "数据上传" not in nav_text
        if role == "county":
            _open(page, "数据上传", False)
            upload(page, str(SAMPLE))
            page.screenshot(path=str(SHOTS / f"browser_county_upload_done_{width}.png"), full_page=True)
        browser.close()


def test_sign_in_survives_reload_and_new_tab_until_sign_out(server):
    """F5 and a new tab keep the user signed in (HttpOnly cookie, server-side session);
    退出登录 in one tab revokes it: the other tab is out at its next click, a reload shows the form."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        page = context.new_page()
        _sign_in(page, server, "lingdao", "jxdemo-leader")
        cookie = next(c for c in context.cookies() if c["name"] == "jx_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert page.evaluate("document.cookie").find("jx_session") == -1   # JavaScript cannot read it
        _open(page, "区县", False)
        page.reload()                                                        # F5
        assert _signed_in(page)
        assert "/county" in page.url, "the reload stays on the page it was on"
        second = context.new_page()                                          # a new tab
        second.goto(server)
        assert _signed_in(second)
        second.get_by_role("button", name="退出登录").click()
        _idle(second)
        assert not _signed_in(second)
        assert not any(c["name"] == "jx_session" for c in context.cookies()), "cookie cleared"
        # the first tab is signed out at its next click, and a reload shows the sign-in form
        page.locator("[data-testid=stSidebarNav] a", has_text="总览").first.click()
        assert not _signed_in(page)
        assert page.get_by_text("已退出登录").count() >= 1
        page.reload()
        assert not _signed_in(page)
        browser.close()
