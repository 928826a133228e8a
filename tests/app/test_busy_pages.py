"""A database still busy after the wait (issue 12, item 4): the app says so in Chinese and offers
a retry -- never Streamlit's error box, never the pages/ folder run without the frame -- and works
again once the database is free.  Busy where it happens: resuming the sign-in (every page load),
the frame's reads, the page's own reads, the sign-in page."""

from __future__ import annotations

import fcntl
import os

import pytest
from streamlit.testing.v1 import AppTest

from jxtrack.services import auth
from jxtrack.store.interface import StoreBusyError
from jxtrack.ui import cache, session

from .conftest import APP, USERS, run_app, texts

# holds the DuckDB file's turn lock; PostgreSQL has none (tests/core/test_pg.py)
pytestmark = pytest.mark.duckdb_only

BUSY = "正被另一个程序占用"


@pytest.fixture
def busy(demo_store, monkeypatch):
    """The demo database held by another unit of work (reads give up after 0.2 s); call the
    fixture's value to release it."""
    monkeypatch.setenv("JXTRACK_LOCK_TIMEOUT", "0.2")
    fd = os.open(str(demo_store.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    held = []

    def hold() -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)   # another open file: conflicts with this process's turns too
        held.append(fd)

    def release() -> None:
        while held:
            fcntl.flock(held.pop(), fcntl.LOCK_UN)

    hold.release = release
    yield hold
    release()
    os.close(fd)


def _error_boxes(at) -> list[str]:
    return [e.value for e in at.exception]


# AppTest runs a page chosen with switch_page on its own (pages/ folder), not through app.py, so
# these tests open the app's default page; the real-browser test (tests/browser/test_busy_day.py)
# opens others by their address.
def test_busy_when_resuming_the_sign_in(demo_store, busy):
    """Signed in with a server-side session, checked at every page load: the database is busy,
    the app says so and offers 重试; once free, 重试 opens the page."""
    sid, _ = auth.start_session(demo_store, USERS["admin"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[session.USER_KEY] = USERS["admin"]
    at.session_state[session.SESSION_KEY] = sid
    busy()
    at.run()
    assert not _error_boxes(at), _error_boxes(at)
    assert BUSY in texts(at) and "请稍后重试" in texts(at)
    assert not at.title, "no page ran"
    busy.release()
    at.button(key="retry").click().run()
    assert not _error_boxes(at) and not at.error, [e.value for e in at.error]
    assert at.title and "总览" in at.title[0].value and BUSY not in texts(at)


def test_busy_in_the_frame(busy):
    """The frame's own read (the user's regions, for the sidebar) finds the database busy."""
    busy()
    at = run_app(USERS["admin"])
    assert not _error_boxes(at), _error_boxes(at)
    assert BUSY in texts(at) and "请稍后重试" in texts(at)
    busy.release()
    at.run()
    assert not _error_boxes(at) and not at.error and at.title


def test_busy_inside_a_page_is_a_message(demo_ro, monkeypatch):
    """The page's own read finds the database busy, after the frame's reads went through."""
    def busy_read(store):
        raise StoreBusyError(f"数据库 {store.label} 正被另一个程序占用，等待 15 秒仍未释放，请稍后重试。")

    monkeypatch.setattr(cache, "is_demo", busy_read)    # the page's first read (its demo banner)
    at = run_app(USERS["admin"])
    assert not _error_boxes(at), _error_boxes(at)
    assert BUSY in texts(at) and not at.title


def test_sign_in_page_when_busy_shows_the_form_and_the_message(busy):
    busy()
    at = run_app(None)
    assert not _error_boxes(at), _error_boxes(at)
    assert at.text_input(key="login_username") and BUSY in texts(at)
