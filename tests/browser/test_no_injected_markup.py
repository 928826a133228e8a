"""Real browser (issue 20 item 1): with a hostile text in every field users can write (see
``tests/app/test_markdown_safety.py``, whose ``poison`` this reuses), every page as each role has
no link, image or formula that the app did not put there, and shows the text as typed."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from jxtrack.domain.access import User
from jxtrack.store.interface import Store
from jxtrack.ui import nav

from .helpers import ARGS, CHROMIUM, idle, require_browser, serve, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.duckdb_only]

# what the browser must never have: a link or image to the attacker, a formula, a coloured directive
INJECTED = 'a[href*="evil.invalid"], img[src*="evil.invalid"], [data-testid=stMain] .katex'


@pytest.fixture(scope="module")
def hostile_server(demo_db_template, tmp_path_factory):
    require_browser()
    from app.test_markdown_safety import poison

    db = tmp_path_factory.mktemp("hostile_browser") / "web.duckdb"
    shutil.copy(demo_db_template, db)
    mp = pytest.MonkeyPatch()
    mp.setenv("JXTRACK_DB", str(db))
    poison(Store(db))
    mp.undo()
    with serve(db) as url:
        yield url, Store(db).latest_period()


def _injected(page) -> list[str]:
    return page.locator(INJECTED).evaluate_all("els => els.map(e => e.outerHTML.slice(0, 200))")


def _wait_for_cookie(page) -> None:
    """The sign-in cookie is set by a request the page makes after signing in; pages are then
    opened by address (a new page load resumes the session from the cookie)."""
    deadline = time.time() + 30
    while not any(c["name"] == "jx_session" for c in page.context.cookies()):
        assert time.time() < deadline, "no sign-in cookie"
        time.sleep(0.2)


def _open_folded(page) -> None:
    """Open every expander of the page (folded content may be built only once opened), until every
    visible one is open: a click made while the page was still running can be lost, so the state
    is read back from the page and the click repeated, not assumed."""
    deadline = time.time() + 60
    while True:
        closed = [d for d in page.locator("[data-testid=stExpander] details").all()
                  if d.is_visible() and d.get_attribute("open") is None]
        if not closed:
            return
        assert time.time() < deadline, "an expander does not open"
        closed[0].locator("summary").first.click(timeout=10000)
        idle(page)


def _choose(page, label: str, option: str) -> None:
    """Pick ``option`` of the selectbox labelled ``label`` (unless already chosen), as a person would:
    open it, type, click the option."""
    box = page.locator("[data-testid=stSelectbox]", has_text=label).first
    if option in box.locator("input").input_value():
        return
    box.locator("input").click()
    page.keyboard.type(option)
    page.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    idle(page)


@pytest.mark.parametrize("who", ["staff", "county", "leader", "admin"])
def test_no_page_has_markup_the_app_did_not_put_there(hostile_server, who):
    from playwright.sync_api import sync_playwright

    from app.test_markdown_safety import EVIL, FILE_NAME, PAYLOAD, USER_PASSWORD, USERNAME

    url, period = hostile_server
    accounts = {"staff": (USERNAME, USER_PASSWORD, EVIL), "county": ("jiashan", "jxdemo-county", None),
                "leader": ("lingdao", "jxdemo-leader", None), "admin": ("admin", "jxdemo-admin", None)}
    username, password, user = accounts[who]
    user = user or User(username, who, "330421" if who == "county" else None)
    seen: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 2400})
        sign_in(page, url, username, password)
        assert not _injected(page)
        _wait_for_cookie(page)
        for i, pdef in enumerate(nav.pages_for(user)):
            # the first page is the default one, at the root address
            page.goto(f"{url}/{'' if i == 0 else pdef.url}" + ("?indicator=tax_per_mu" if pdef.url == "indicator" else ""))
            page.wait_for_selector("[data-testid=stSidebarNav]", state="attached", timeout=30000)
            idle(page)
            if pdef.url == "indicator":
                _choose(page, "走势地区", "嘉兴市")
            if pdef.url == "targets" and page.get_by_label("目标", exact=True).count():
                _choose(page, "目标", "规上亩均税收 · 嘉兴市 · 2026")
                page.wait_for_selector("[data-testid=stRadio] >> text=45 ——", timeout=30000)
            _open_folded(page)
            assert not _injected(page), (pdef.url, _injected(page))
            # as a reader sees it (the word joiner that keeps '://' from being a link is invisible)
            seen[pdef.url] = page.locator("[data-testid=stMain]").inner_text().replace("\u2060", "")
            if pdef.url == "overview":
                seen["sidebar"] = page.locator("[data-testid=stSidebar]").inner_text().replace("\u2060", "")
        if who == "county":   # a hostile file on the upload page: its name, cells and notes
            page.goto(f"{url}/upload")
            idle(page)
            sheet = (f"地区,报告期,指标,数值,偏差说明\n嘉善县,{period},数字化改造项目数,{PAYLOAD},{PAYLOAD}\n"
                     f"{PAYLOAD},{period},{PAYLOAD},2,{PAYLOAD}\n").encode()
            page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
                {"name": FILE_NAME, "mimeType": "text/csv", "buffer": sheet})
            page.wait_for_selector("text=检查结果", timeout=60000)
            idle(page)
            assert not _injected(page), _injected(page)
        browser.close()
    # the hostile text is shown, as typed (not dropped, not shown with backslashes)
    assert PAYLOAD in seen["overview"], "区县红灯清单: the county's 偏差说明"
    assert f"依据：工作专班（{USERNAME}）切换：{PAYLOAD}" in seen["indicator"]
    if who in ("staff", "admin"):
        assert f"原因：{PAYLOAD}" in seen["reporting"] and USERNAME in seen["reporting"], seen["reporting"][-1500:]
        assert f"45 —— {PAYLOAD}" in seen["targets"], "the source to bind, its number and title"
    if who == "staff":
        assert PAYLOAD in seen["sidebar"], "the signed-in name"
