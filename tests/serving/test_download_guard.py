"""Downloads only for a signed-in browser (issue 20, item 6): Streamlit serves a download button's
file at /media/<id>.<ext> to whoever names the id; serve.py's DownloadGuard answers only a request
with a live sign-in cookie."""

from __future__ import annotations

import asyncio
import shutil
import urllib.error
import urllib.request

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from streamlit.runtime.media_file_storage import MediaFileKind
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.web.server.starlette.starlette_routes import create_media_routes

from jxtrack.domain import access
from jxtrack.services import auth
from jxtrack.ui import cookie_routes


class _Client:
    """Requests straight into an ASGI app (no server, no extra package)."""

    def __init__(self, app):
        self.app, self.cookies = app, {}

    def get(self, path: str):
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "query_string": b"",
                 "headers": [(b"host", b"testserver")] + ([(b"cookie", cookie.encode())] if cookie else []),
                 "scheme": "http", "server": ("testserver", 80), "client": ("203.0.113.9", 5000),
                 "http_version": "1.1", "root_path": ""}
        sent = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return _Response(start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body)


class _Response:
    def __init__(self, status_code, headers, content):
        self.status_code, self.headers, self.content = status_code, headers, content
        self.text = content.decode("utf-8", errors="replace")


@pytest.fixture
def media_app(demo_store):
    """Streamlit's own /media route, behind the guard, with one download stored."""
    storage = MemoryMediaFileStorage("/media")
    file_id = storage.load_and_get_id(b"region,value\n330421,136\n", "text/csv", MediaFileKind.DOWNLOADABLE,
                                      "总览.csv")
    ext = storage.get_file(file_id).filename
    app = Starlette(routes=create_media_routes(storage, None), middleware=[Middleware(cookie_routes.DownloadGuard)])
    return _Client(app), f"/media/{file_id}.csv", ext


def _cookie(store, username="lingdao") -> str:
    user = access.User(username, "leader")
    _sid, nonce = auth.start_session(store, user)
    return auth.redeem_handoff(store, nonce)


def test_media_needs_a_live_sign_in_cookie(media_app, demo_store):
    client, path, _ = media_app
    r = client.get(path)                                   # no cookie: was 200 with the file
    assert r.status_code == 403 and b"330421" not in r.content
    assert "请先登录" in r.text
    client.cookies[auth.SESSION_COOKIE] = "A" * 43      # a forged token
    assert client.get(path).status_code == 403
    token = _cookie(demo_store)
    client.cookies[auth.SESSION_COOKIE] = token
    r = client.get(path)
    assert r.status_code == 200 and r.content == b"region,value\n330421,136\n"
    assert r.headers["content-disposition"].startswith("attachment")
    auth.end_session(demo_store, token=token)               # signed out: the same link is refused
    assert client.get(path).status_code == 403


def test_only_media_is_guarded(media_app):
    client, _, _ = media_app
    assert client.get("/media").status_code != 403            # not a file: passed to the route as is
    assert cookie_routes._MEDIA.search("/base/media/abc.csv")  # under a server.baseUrlPath too
    assert not cookie_routes._MEDIA.search("/_stcore/health")


def test_the_apps_own_fonts_are_not_guarded(media_app):
    """The menu's and messages' icons are a font under /static/media/: refused without a cookie,
    the sign-in page (and any page before its cookie is read) showed icon names as text."""
    client, _, _ = media_app
    for path in ("/static/media/MaterialSymbols-Rounded.nEdyypZU.woff2", "/base/static/media/KaTeX_Main.woff2"):
        assert not cookie_routes._MEDIA.search(path), path
        assert client.get(path).status_code != 403, path


@pytest.mark.browser
@pytest.mark.duckdb_only
def test_real_server_download_link_without_cookie_is_refused(demo_db_template, tmp_path):
    """A real `streamlit run serve.py`: a signed-in browser downloads the 总览 CSV; the same
    /media link fetched without the cookie answers 403 (it answered 200 before)."""
    from playwright.sync_api import sync_playwright
    from tests.browser.helpers import ARGS, CHROMIUM, require_browser, serve, sign_in

    require_browser()
    db = tmp_path / "web.duckdb"
    shutil.copy(demo_db_template, db)
    with serve(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 2400})
        page = context.new_page()
        sign_in(page, url, "lingdao", "jxdemo-leader")
        page.wait_for_function("document.cookie !== undefined")
        with page.expect_download(timeout=30000) as info:
            page.get_by_role("button", name="下载 CSV").first.click()
        link = info.value.url
        assert "/media/" in link
        assert page.request.get(link).status == 200           # the signed-in browser (its cookie)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(link, timeout=10)          # no cookie
        assert refused.value.code == 403
        browser.close()
