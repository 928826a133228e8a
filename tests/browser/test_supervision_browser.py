"""督办 once in a real browser: staff open a notice on 嘉善县's scorecard, the county's reporter sees it
on its first screen and answers, staff read the answer on 督办."""

from __future__ import annotations

import pytest

from .helpers import ARGS, CHROMIUM, ROOT, idle, open_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.duckdb_only]
SHOTS = ROOT / "screenshots"


def test_supervision_in_a_real_browser(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        staff = browser.new_context(viewport={"width": 1280, "height": 2400}).new_page()
        sign_in(staff, server, "zhuanban", "jxdemo-staff")
        open_page(staff, "区县")
        staff.get_by_label("地区").first.click()
        staff.get_by_role("option", name="嘉善县").click()
        idle(staff)
        staff.get_by_text("发起督办（红灯、黄灯").click()
        idle(staff)
        staff.get_by_label("要求区县做什么（督办内容）").fill("说明落后原因并提出整改措施")
        staff.get_by_role("button", name="发起督办").click()
        staff.wait_for_selector("text=已向嘉善县发起督办（编号 1）", timeout=30000)
        staff.screenshot(path=str(SHOTS / "browser_supervision_opened.png"), full_page=True)

        county = browser.new_context(viewport={"width": 390, "height": 1800}).new_page()
        sign_in(county, server, "jiashan", "jxdemo-county")
        open_page(county, "区县", phone=True)
        county.wait_for_selector("text=督办事项（1 项未办结）", timeout=30000)
        county.get_by_text("说明落后原因并提出整改措施").first.wait_for(timeout=10000)
        county.get_by_label("整改措施").fill("新增12个项目入库")
        county.get_by_role("button", name="提交回复").click()
        county.wait_for_selector("text=已回复督办 1", timeout=30000)
        county.screenshot(path=str(SHOTS / "browser_supervision_replied_390.png"), full_page=True)

        staff.bring_to_front()
        open_page(staff, "督办")
        staff.wait_for_selector("text=新增12个项目入库", timeout=30000)
        staff.screenshot(path=str(SHOTS / "browser_supervision_list.png"), full_page=True)
        body = staff.locator("[data-testid=stMain]").inner_text()
        assert "已回复" in body and "新增12个项目入库" in body, body[:800]
        browser.close()
