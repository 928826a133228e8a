"""Bytes for the app's download buttons (no streamlit import here: the page owns the widgets)."""

from __future__ import annotations

from jxtrack.domain import access
from jxtrack.reports.api import render_bytes
from jxtrack.reports.bulletin import build
from jxtrack.store.interface import Store

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_buttons(store: Store, period: str | None, user: access.User | None,
                     charts: bool = False) -> dict[str, tuple[str, bytes, str]]:
    """The month's bulletin as Word and Excel: {'docx': (file name, bytes, mime), 'xlsx': …}.

    Built once for both files, as ``user`` may see it.  Charts are off by default (rendering them
    starts a browser, too slow for a click); the CLI's Word file has them."""
    b = build(store, period, user)
    name = f"月度通报-{b.period}" + ("-示例数据" if b.is_demo else "")
    return {
        "docx": (f"{name}.docx", render_bytes(b, ".docx", charts=charts), DOCX_MIME),
        "xlsx": (f"{name}.xlsx", render_bytes(b, ".xlsx"), XLSX_MIME),
    }
