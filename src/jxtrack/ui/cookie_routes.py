"""Two HTTP routes on Streamlit's own server that set and clear the sign-in cookie.

Streamlit talks to the page over a WebSocket and cannot send ``Set-Cookie``, least of all an
HttpOnly one.  Since 1.5x Streamlit serves the app through Starlette and ``st.App`` (see
``serve.py``) accepts extra routes, so the cookie is set by a plain HTTP response from the same
server, same origin:

- ``POST /_jx/session`` with the one-time hand-off nonce as body (issued by
  ``auth.start_session`` to the tab that just signed in): answers 204 with
  ``Set-Cookie: jx_session=<token>; HttpOnly; SameSite=Strict; Path=/`` (``Secure`` over HTTPS),
  or 403 for an unknown, used or expired nonce.  A cookie the browser already had is revoked.
- ``POST /_jx/signout``: revokes the cookie's session and clears the cookie.

Both refuse requests from another site (``Sec-Fetch-Site`` / ``Origin``), so no other page can
sign a browser into someone else's account or out of its own.  The token never reaches
JavaScript.  See ``jxtrack.services.auth`` ("Web sessions") for the whole design.

When the app is started as ``streamlit run app.py`` (without ``serve.py``) the routes are absent;
``mounted()`` is then False and sign-in still works, only it does not survive a reload.

Downloads.  ``st.download_button`` files are served by Streamlit at ``/media/<id>.<ext>`` to any
request that names the id, while the Streamlit session that made them lives.  ``DownloadGuard``
(middleware mounted by ``serve.py``) answers such a request only when it carries the sign-in cookie
of a live session (the same check a reload makes); otherwise 403, the file not sent.  The cookie
is HttpOnly and SameSite=Strict, so only the app's own page, in a signed-in browser, can fetch a
download.  Started as ``streamlit run app.py`` there is no cookie and no guard: that mode is for
development only (README).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from jxtrack.services import auth
from jxtrack.store.interface import Store, StoreBusyError, StoreError

HANDOFF_PATH = "/_jx/session"
SIGNOUT_PATH = "/_jx/signout"
_mounted = False


def routes() -> list[Route]:
    """The routes to pass to ``st.App(..., routes=...)``; marks them as mounted."""
    global _mounted
    _mounted = True
    return [Route(HANDOFF_PATH, handoff, methods=["POST"]),
            Route(SIGNOUT_PATH, signout, methods=["POST"])]


# Streamlit's media route, under any server.baseUrlPath -- not the app's own static files, whose
# fonts (the Material Symbols icons of the menu and messages) live under /static/media/
_MEDIA = re.compile(r"(?:^|/)(?<!static/)media/[^/]+$")


class DownloadGuard:
    """ASGI middleware: a ``/media/`` file (a download) only for a request with a live sign-in
    cookie (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _MEDIA.search(scope.get("path", "")) and scope.get("method") != "OPTIONS":
            status = await run_in_threadpool(_download_status, Request(scope).cookies.get(auth.SESSION_COOKIE))
            if status != 200:
                words = "请先登录后再下载。" if status == 403 else "数据库正忙，请稍后重试。"
                await Response(words, status_code=status, media_type="text/plain; charset=utf-8",
                               headers={"Cache-Control": "no-store"})(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _download_status(token: str | None) -> int:
    """200 when ``token`` is the cookie of a live web session, 403 when not, 503 when the database
    cannot tell now."""
    if not token:
        return 403
    try:
        return 200 if auth.resume_session(Store(), token=token) is not None else 403
    except auth.SessionEnded:
        return 403
    except StoreError:
        return 503


def mounted() -> bool:
    """True when this process serves the routes (started through ``serve.py``)."""
    return _mounted


def same_origin(headers: Mapping[str, str]) -> bool:
    """A request the app's own page made.  Browsers say so in ``Sec-Fetch-Site`` (which no page
    can forge); without it (old browsers) the ``Origin`` must name this host."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = headers.get("origin")
    return origin is not None and urlsplit(origin).netloc == headers.get("host")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or os.environ.get("JXTRACK_COOKIE_SECURE") == "1"


async def handoff(request: Request) -> Response:
    if not same_origin(request.headers):
        return Response(status_code=403)
    nonce = (await request.body())[:100].decode("ascii", errors="replace").strip()
    store = Store()
    old = request.cookies.get(auth.SESSION_COOKIE)
    try:
        token = await run_in_threadpool(auth.redeem_handoff, store, nonce)
        if token is not None and old:
            await run_in_threadpool(lambda: auth.end_session(store, token=old))
    except StoreBusyError:
        return Response(status_code=503)
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=auth.SESSION_MAX_HOURS * 3600, path="/",
                        httponly=True, samesite="strict", secure=_secure(request))
    return response


async def signout(request: Request) -> Response:
    if not same_origin(request.headers):
        return Response(status_code=403)
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        try:
            await run_in_threadpool(lambda: auth.end_session(Store(), token=token))
        except StoreBusyError:
            pass  # the tab revoked the session already; clearing the cookie is what is left
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))
    return response
