"""Two app servers on one PostgreSQL database (issue 11): an upload through one server is shown by
the other at its next run, although that server's caches were warm with the old figure.

One throwaway database (`jxtrack init --demo` with JXTRACK_DB=<url>), two `streamlit run serve.py`
processes on it (as `make run` starts one), Debian's Chromium through Playwright.  Both servers
stop when the test ends, the database is dropped, and the session's cluster is removed after."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys

import openpyxl
import pytest

from jxtrack.services.importing import make_template
from jxtrack.store.interface import Store

from .helpers import ARGS, CHROMIUM, idle, open_page, require_browser, serve, sign_in, signed_in, upload

pytestmark = [pytest.mark.browser, pytest.mark.postgresql, pytest.mark.slow]

JIASHAN = "330421"
MEASURE = "digital_projects"      # 数字化改造项目数 (个), year to date; its indicator has the same code
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def shared_db(pg_cluster):
    """A PostgreSQL database with the demo, set up by the CLI as a person would."""
    require_browser()
    name = "two_servers"
    url = pg_cluster.create_database(name)
    r = subprocess.run([sys.executable, "-m", "jxtrack.cli", "init", "--demo"],
                       env={**os.environ, "JXTRACK_DB": url}, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    yield url
    pg_cluster.drop_database(name)


def _figure(store: Store, period: str) -> float:
    """嘉善县's figure in force for ``period``, straight from the database."""
    obs = store.observations(periods=[period], regions=[JIASHAN], measures=[MEASURE])
    assert len(obs) == 1, obs
    return float(obs["value"].iloc[0])


def _sheet(store: Store, period: str, value: float) -> tuple[bytes, str]:
    """The month's template for 嘉善县 (the project's builder) with only ``MEASURE`` filled in."""
    data, name = make_template(store, JIASHAN, period)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["填报表"]
    row = next(r for r in range(6, ws.max_row + 1) if ws.cell(r, 2).value == MEASURE)
    ws.cell(row, 6, value)            # 本期累计数（请填写）
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), name


def _figure_on_page(page, region_name: str) -> str:
    """Choose ``region_name`` as 走势地区 on 指标详情 and return its big figure (e.g. '129 个').

    Waits for content, not for time: the figure labelled with the region appears only in the
    run the choice starts (the page showed another region's before), then for that run to end."""
    box = page.locator("[data-testid=stSelectbox]").filter(has_text="走势地区")
    box.locator("input").first.click()
    page.locator("[role=option]").filter(has_text=region_name).first.click()
    metric = page.locator("[data-testid=stMetric]").filter(has_text=region_name).first
    metric.wait_for(state="visible", timeout=60000)
    page.wait_for_function("document.querySelector('[data-testid=stApp]')"
                           "?.getAttribute('data-test-script-state') === 'notRunning'", timeout=60000)
    idle(page)
    return metric.locator("[data-testid=stMetricValue]").inner_text().strip()


def _no_error(page) -> None:
    body = page.locator("[data-testid=stMain]").inner_text()
    assert "Traceback" not in body and "Error" not in body, body[:800]


def test_an_upload_through_one_server_is_shown_by_the_other_at_its_next_run(shared_db):
    from playwright.sync_api import sync_playwright

    store = Store(shared_db)
    period = store.latest_period()
    before = _figure(store, period)
    new = before + 29                 # a figure the demo does not hold for 嘉善县 this month
    sheet, file_name = _sheet(store, period, new)
    indicator_url = f"/indicator?indicator={MEASURE}"

    with serve(shared_db) as server_a, serve(shared_db) as server_b, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            # B: the county reporter signs in and looks at 嘉善县's figure: B's caches hold it
            county = browser.new_context(viewport={"width": 1280, "height": 1600})
            b = county.new_page()
            sign_in(b, server_b, "jiashan", "jxdemo-county")
            assert any(c["name"] == "jx_session" for c in county.cookies()), "the cookie route answered"
            b.goto(server_b + indicator_url)          # a new page load: signed in by the cookie alone
            assert signed_in(b), "sign-in survives a reload on PostgreSQL"
            assert _figure_on_page(b, "嘉善县") == f"{before:.0f} 个"
            _no_error(b)

            # the same browser on server A: the session lives in the shared database
            other_tab = county.new_page()
            other_tab.goto(server_a)
            assert signed_in(other_tab), "a sign-in on B holds on A (one session table)"
            other_tab.close()

            # A: the city's working group uploads a sheet that changes 嘉善县's figure
            staff = browser.new_context(viewport={"width": 1280, "height": 2000})
            a = staff.new_page()
            sign_in(a, server_a, "zhuanban", "jxdemo-staff")
            open_page(a, "数据上传")
            upload(a, [{"name": file_name, "mimeType": XLSX, "buffer": sheet}])
            _no_error(a)
            done = re.search(r"已导入（上传编号 (\d+)）", a.locator("[data-testid=stMain]").inner_text())
            assert done, a.locator("[data-testid=stMain]").inner_text()[:800]
            upload_id = int(done.group(1))

            # B, same session, its next run (another region, then 嘉善县 again): the new figure
            _figure_on_page(b, "嘉兴市")
            assert _figure_on_page(b, "嘉善县") == f"{new:.0f} 个"
            _no_error(b)
            # and a fresh page load on B
            b.reload()
            assert signed_in(b)
            assert _figure_on_page(b, "嘉善县") == f"{new:.0f} 个"
        finally:
            browser.close()

    # the database holds the upload once, with its figure and its audit entry
    ups = store.uploads()
    assert ups["upload_id"].tolist() == [upload_id], ups
    up = store.get_upload(upload_id)
    assert (up["status"], up["username"], up["region"], up["period"], up["n_values"], up["file_name"]) == (
        "accepted", "zhuanban", JIASHAN, period, 1, file_name)
    assert store.df("SELECT region, period, measure, value FROM observations WHERE upload_id = ?",
                    [upload_id]).values.tolist() == [[JIASHAN, period, MEASURE, new]]
    assert _figure(store, period) == new
    audit = store.df("SELECT actor, object FROM audit_log WHERE action = 'upload.accept'")
    assert audit.values.tolist() == [["zhuanban", f"upload:{upload_id}"]]
