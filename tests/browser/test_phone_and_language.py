"""Real browser (Debian's Chromium), at a phone's 390 px and a desktop's 1440 px, as each role:
no English words of Streamlit's own on screen (the hint under the sign-in fields, a table's column
menu and toolbar, "No results" in a select box), no request to any host but the app's, 区县 and
报送情况 laid out for a phone (年末预测 / 能否完成 and every month on screen), long 问题 text
wrapped instead of cut, and F5 on 区县 keeping the county and the period (they are in the URL).
Screenshots go to screenshots/ (git-ignored)."""

from __future__ import annotations

import io
import time
from urllib.parse import urlsplit

import openpyxl
import pytest

from jxtrack.domain.access import User
from jxtrack.ui import frame, nav

from .helpers import ARGS, CHROMIUM, ROOT, idle, open_page, sign_in
from .test_browser import SAMPLE

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.duckdb_only]
SHOTS = ROOT / "screenshots"
ROLES = [("zhuanban", "jxdemo-staff", "staff"), ("lingdao", "jxdemo-leader", "leader"),
         ("jiashan", "jxdemo-county", "county"), ("admin", "jxdemo-admin", "admin")]
PHONE, DESKTOP = 390, 1440
# the words of the issue (and the rest of frame.UI_WORDS): none may be left on screen
ENGLISH = sorted(frame.UI_WORDS)


def english_on_screen(page) -> list[str]:
    """Streamlit's English words in the visible text, or in a tooltip / label / placeholder."""
    text = page.evaluate("""() => {
        const bits = [document.body.innerText];
        for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
            for (const a of ['title', 'aria-label', 'placeholder']) {
                const v = el.getAttribute(a); if (v) bits.push(v);
            }
        }
        return bits.join('\\n');
    }""")
    return [w for w in ENGLISH if w in text]


def outside(requests: list[str], url: str) -> list[str]:
    own = urlsplit(url).netloc
    return [r for r in requests if urlsplit(r).scheme in ("http", "https", "ws", "wss") and urlsplit(r).netloc != own]


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone_language_{name}.png"), full_page=True)


def new_page(browser, width: int, requests: list[str]):
    # a phone's page is tall so that a full-page screenshot shows the stacked layout
    context = browser.new_context(viewport={"width": width, "height": 2400 if width < 600 else 1400})
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    return context, page


def title_once(page, ok, timeout: float = 60) -> str:
    """The page title (h1) once ``ok(title)`` holds (a loaded machine may take a while to rerun)."""
    deadline = time.time() + timeout
    title = ""
    while time.time() < deadline:
        h1 = page.locator("h1")
        title = h1.first.inner_text() if h1.count() else ""
        if ok(title):
            idle(page)
            return title
        time.sleep(0.5)
    raise AssertionError(f"title still {title!r}")


def open_column_menu(page) -> str:
    """Hover the first table's first header and click its ⋮ (the column menu); the menu's text."""
    grid = page.locator("[data-testid=stDataFrame]").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 17)
    time.sleep(0.4)
    # the 灯 column is "small" (75 px); its ⋮ sits at the right end of the header cell
    page.mouse.click(box["x"] + 75 - 12, box["y"] + 17)
    menu = page.locator("[data-testid=stDataFrameColumnMenu]")
    menu.wait_for(timeout=10000)
    time.sleep(0.3)
    return menu.inner_text()


@pytest.mark.parametrize("username,password,role", ROLES)
def test_every_page_in_chinese_and_served_locally(server, username, password, role):
    """Each role, at 390 and 1440 px, on every page it has: no English words of Streamlit's,
    no request to another host (favicon, fonts, icons all from the app's own address)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in (PHONE, DESKTOP):
            requests: list[str] = []
            context, page = new_page(browser, width, requests)
            page.goto(server)
            page.wait_for_selector("text=用户名", timeout=30000)
            idle(page)
            # the hint under a focused field of the sign-in form ("Press Enter to submit form")
            page.get_by_label("用户名").fill(username)
            hint = page.locator("[data-testid=InputInstructions]")
            hint.first.wait_for(timeout=10000)
            assert hint.first.inner_text() == "按回车键提交"
            assert english_on_screen(page) == []
            sign_in(page, server, username, password)
            for pdef in nav.pages_for(User(username, role, "330421" if role == "county" else None)):
                open_page(page, pdef.title, width < 600)
                idle(page)   # a page's second run (a cached read, a fold) has ended too
                found = english_on_screen(page)
                assert found == [], f"{pdef.title} at {width}px shows {found}"
                shot(page, f"{role}_{pdef.url}_{width}")
            assert outside(requests, server) == [], outside(requests, server)
            context.close()
        browser.close()


def test_menus_and_select_boxes_in_chinese(server):
    """A table's column menu, its toolbar and a select box with no match speak Chinese; the
    grid's own CSV button is gone (our 下载 CSV / 下载 Excel stay)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        requests: list[str] = []
        context, page = new_page(browser, DESKTOP, requests)
        sign_in(page, server, "zhuanban", "jxdemo-staff")
        open_page(page, "区县")
        menu = open_column_menu(page)
        shot(page, "column_menu_1440")
        for word in ("升序排列", "降序排列", "自动列宽", "固定此列", "隐藏此列"):
            assert word in menu, menu
        assert "Statistics" not in menu and "统计" not in menu, "the English statistics sub-menu is hidden"
        assert english_on_screen(page) == []
        page.keyboard.press("Escape")
        idle(page)
        # the table's toolbar (shown on hover) and its tooltips
        grid = page.locator("[data-testid=stDataFrame]").first
        grid.hover()
        toolbar = page.locator("[data-testid=stElementToolbar]").first
        toolbar.wait_for(timeout=10000)
        labels = toolbar.locator("button").evaluate_all("bs => bs.map(b => b.getAttribute('aria-label'))")
        assert "搜索" in labels and "全屏" in labels, labels
        assert "下载 CSV" not in labels and "Download as CSV" not in labels, "client.disableDataExport"
        toolbar.locator("button[aria-label=搜索]").hover()
        time.sleep(0.8)
        assert english_on_screen(page) == []
        assert page.get_by_role("button", name="下载 CSV").count() >= 1, "our own download button stays"
        # a select box filtered to nothing
        page.locator("[data-testid=stSelectbox]").first.click()
        page.keyboard.type("zzzz")
        page.get_by_text("无匹配项").first.wait_for(timeout=10000)
        shot(page, "no_results_1440")
        assert english_on_screen(page) == []
        page.keyboard.press("Escape")
        assert outside(requests, server) == []
        browser.close()


def test_county_and_reporting_on_a_phone(server):
    """390 px: 区县 shows every indicator as a card with 年末预测 and 能否完成 on screen (not a
    table cut after 排名); 报送情况 says, for every county, the months up to 12月; titles keep
    "2026年1–10月" on one line."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        requests: list[str] = []
        context, page = new_page(browser, PHONE, requests)
        sign_in(page, server, "lingdao", "jxdemo-leader")
        open_page(page, "区县", phone=True)
        page.wait_for_selector(".st-key-phone_county_table_liangye [data-testid=stMarkdownContainer]",
                               state="attached", timeout=60000)
        idle(page)
        shot(page, "county_390")
        cards = page.locator(".st-key-phone_county_table_lianghua [data-testid=stVerticalBlock] [data-testid=stMarkdownContainer]")
        assert cards.count() >= 10
        assert page.locator(".st-key-wide_county_table_lianghua").is_hidden()
        first = cards.first
        assert first.is_visible()
        text = first.inner_text()
        for word in ("完成率", "序时进度", "差距", "年末预测", "能否完成", "排名"):
            assert word in text, text
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE, box
        # the title breaks at " · ", never before the last 月
        title = page.locator("h1").first
        lines = title.evaluate("""h => { const r = document.createRange(); r.selectNodeContents(h);
            return Array.from(r.getClientRects()).map(x => Math.round(x.top)); }""")
        assert len(set(lines)) <= 2
        assert title.evaluate("h => getComputedStyle(h).wordBreak") == "keep-all"

        open_page(page, "报送情况", phone=True)
        page.wait_for_selector(".st-key-phone_report_matrix [data-testid=stMarkdownContainer]",
                               state="attached", timeout=60000)
        idle(page)
        shot(page, "reporting_390")
        county_cards = page.locator(".st-key-phone_report_matrix [data-testid=stMarkdownContainer]")
        names = ["南湖区", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市"]
        texts = county_cards.all_inner_texts()
        for name in names:
            card = next((t for t in texts if t.startswith(name)), None)
            assert card is not None and "12月" in card, (name, texts)
        assert page.locator(".st-key-wide_report_matrix").is_hidden()
        assert outside(requests, server) == []
        browser.close()


def _broken_sheet() -> bytes:
    """The 嘉善 sample with a number written in words: one error with a sentence to read."""
    wb = openpyxl.load_workbook(SAMPLE)
    wb.worksheets[0]["C8"] = "三十一个"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_problem_messages_wrap_on_a_phone(server):
    """A county's upload with an error, on a phone: the 问题 sentence is on screen in full,
    wrapped inside the screen (the grid used to cut it after about six characters)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        requests: list[str] = []
        context, page = new_page(browser, PHONE, requests)
        sign_in(page, server, "jiashan", "jxdemo-county")
        open_page(page, "数据上传", phone=True)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(
            {"name": "jiashan_broken.xlsx", "mimeType": "application/octet-stream", "buffer": _broken_sheet()})
        page.wait_for_selector("text=检查结果", timeout=60000)
        idle(page)
        shot(page, "upload_problems_390")
        table = page.locator("[data-testid=stTable]").first
        header = table.locator("th").all_inner_texts()
        assert "问题" in header, header
        col = header.index("问题")
        cell = table.locator("tbody tr").first.locator("td, th").nth(col)
        said = cell.inner_text()
        assert "三十一个" in said or len(said) > 12, said
        assert not said.endswith("…")
        box = cell.bounding_box()
        assert box["x"] + box["width"] <= PHONE + 1, box
        assert cell.evaluate("c => c.scrollWidth <= c.clientWidth + 1")
        assert english_on_screen(page) == []
        browser.close()


def test_reload_keeps_county_and_period(server):
    """F5 on 区县 opens the county and period chosen before it (they are in the address)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        requests: list[str] = []
        context, page = new_page(browser, DESKTOP, requests)
        sign_in(page, server, "lingdao", "jxdemo-leader")
        open_page(page, "区县")
        before = title_once(page, lambda t: " · " in t)
        page.locator(".st-key-county_region [data-testid=stSelectbox]").click()
        page.get_by_role("option", name="海宁市").click()
        title_once(page, lambda t: t.startswith("海宁市 · "))
        page.locator(".st-key-county_period [data-testid=stSelectbox]").click()
        page.get_by_role("option").nth(2).click()
        chosen = title_once(page, lambda t: t.startswith("海宁市 · ") and t.split(" · ")[1] != before.split(" · ")[1])
        assert "county_region=" in page.url and "county_period=" in page.url, page.url
        page.reload()
        assert title_once(page, lambda t: t == chosen) == chosen
        shot(page, "county_after_reload_1440")
        browser.close()
