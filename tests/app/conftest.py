"""AppTest fixtures: the demo database and one signed-in user per role."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from jxtrack.domain.access import User
from jxtrack.store.interface import Store
from jxtrack.ui import session

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
USERS = {
    "admin": User("admin", "admin", None, "示例管理员"),
    "staff": User("zhuanban", "staff", None, "示例市工作专班"),
    "county": User("jiashan", "county", "330421", "示例嘉善县填报员"),
    "leader": User("lingdao", "leader", None, "示例领导"),
}
JIASHAN, NANHU, PINGHU, CITY = "330421", "330402", "330482", "330400"


@pytest.fixture
def demo_ro(demo_db_template, monkeypatch) -> Store:
    """The shared demo database, read only (tests that write use ``demo_store``)."""
    monkeypatch.setenv("JXTRACK_DB", str(demo_db_template))
    return Store(demo_db_template)


def run_app(user: User | None, page: str | None = None, timeout: float = 60) -> AppTest:
    """The app signed in as ``user`` and switched to ``page`` (a path like 'pages/overview.py')."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if user is not None:
        at.session_state[session.USER_KEY] = user
    at.run()
    if page and page != "pages/overview.py":
        at.switch_page(page)
        at.run()
    return at


def run_page(user: User, page: str, timeout: float = 60) -> AppTest:
    """One page file on its own (as if reached without the menu), signed in as ``user``."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
    at.session_state[session.USER_KEY] = user
    at.run()
    return at


def open_expanders(at: AppTest, *keys: str) -> AppTest:
    """Open the folded sections ``keys`` as a click would (they are built only once open) and rerun."""
    for k in keys:
        at.session_state[k] = True
    at.run()
    return at


OVERVIEW_FOLDS = ("overview_open_两化", "overview_open_两业", "overview_open_heat")


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescaped(text):
    """Markdown text as its reader sees it: backslash escapes of punctuation removed (CommonMark),
    and the invisible word joiner that ``fmt.plain`` puts in ``://`` (no autolink)."""
    return _MD_ESCAPE.sub(r"\1", text).replace("\u2060", "") if isinstance(text, str) else text


def table_shown(el) -> pd.DataFrame:
    """An ``st.table`` as its reader sees it: Streamlit renders every cell and header as Markdown, so
    the app escapes them (``common.table``); here the escapes are removed again."""
    df = el.value
    out = df.map(unescaped)
    out.columns = [unescaped(c) for c in df.columns]
    return out


def texts(at: AppTest) -> str:
    """Everything readable on the page (markdown, titles, captions, messages, tables)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info",
                 "success", "metric"):
        for el in at.get(kind):
            parts.append(str(getattr(el, "value", "")) + " " + str(getattr(el, "label", "")))
    for df in at.dataframe:
        v = df.value
        parts.append(v.to_string() if hasattr(v, "to_string") else str(v))
    for t in at.table:
        parts.append(table_shown(t).to_string())
    return "\n".join(parts)
