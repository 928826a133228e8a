"""在线填报 on a phone (390 px, Debian's Chromium): the form is one column, no label is cut, the
figure typed is checked and stored as an upload.  Screenshot: screenshots/online_entry_390*.png."""

from __future__ import annotations

import pytest

from .helpers import ARGS, CHROMIUM, ROOT, idle, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.duckdb_only]
SHOTS = ROOT / "screenshots"
PHONE = 390


def test_online_entry_on_a_phone(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(viewport={"width": PHONE, "height": 2400}).new_page()
        sign_in(page, server, "jiashan", "jxdemo-county")
        open_page(page, "数据上传", phone=True)
        page.get_by_role("tab", name="在线填报").click()
        idle(page)
        inputs = page.locator("[data-testid=stNumberInput]")
        inputs.first.wait_for(timeout=30000)
        n = inputs.count()
        assert n >= 10, n
        page.screenshot(path=str(SHOTS / "online_entry_390.png"), full_page=True)
        # one column: every input starts at the same left edge and fits the screen
        boxes = [inputs.nth(i).bounding_box() for i in range(n)]
        assert len({round(b["x"]) for b in boxes}) == 1, boxes
        assert all(b["x"] >= 0 and b["x"] + b["width"] <= PHONE + 1 for b in boxes), boxes
        # no label cut: each is inside the screen and shows its whole text (wrapped, not clipped)
        labels = page.locator("[data-testid=stNumberInput] [data-testid=stWidgetLabel]")
        assert labels.count() == n
        for i in range(n):
            lab = labels.nth(i)
            box = lab.bounding_box()
            assert box["x"] + box["width"] <= PHONE + 1, (lab.inner_text(), box)
            assert lab.evaluate("e => [e, ...e.querySelectorAll('*')].every("
                                "x => x.scrollWidth <= x.clientWidth + 1)"), lab.inner_text()
        assert "累计创建省级未来工厂等（含国家智能制造示范工厂、灯塔工厂）（家）" in labels.all_inner_texts()
        # type one figure, check, confirm
        field = page.get_by_role("spinbutton", name="数字化改造项目数（个）")
        field.fill("4321")
        field.press("Tab")
        page.get_by_role("button", name="检查填写内容").click()
        page.wait_for_selector("text=将要变化的数据", timeout=60000)
        idle(page)
        box = page.get_by_text("我已核对以上提醒")
        if box.count():
            box.first.click()
            idle(page)
        page.get_by_role("button", name="确认提交").click()
        page.wait_for_selector("text=已导入", timeout=60000)
        idle(page)
        page.screenshot(path=str(SHOTS / "online_entry_390_done.png"), full_page=True)
        browser.close()
