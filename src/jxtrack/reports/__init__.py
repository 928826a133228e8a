"""The monthly bulletin (月度通报): content built from the status table, written as Word or Excel.

    from jxtrack.reports import render
    render(store, "2026-10", "通报.docx")      # or .xlsx

``bulletin.build`` makes the content model; ``word.write_docx`` and ``excel.write_xlsx`` print it;
``charts`` adds pictures to the Word file when a headless Chromium can render them.
"""

from __future__ import annotations

from jxtrack.reports.api import FORMATS, ReportError, build, render, render_bytes

__all__ = ["FORMATS", "ReportError", "build", "render", "render_bytes"]
