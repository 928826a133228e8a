"""Charts in the Word bulletin when a headless Chromium can render them; tables only otherwise."""

from __future__ import annotations

import io

import pytest
from docx import Document

from jxtrack.reports import bulletin, charts, render_bytes


@pytest.fixture(scope="module")
def b(demo_readonly):
    return bulletin.build(demo_readonly, "2026-10")


def _n_pictures(data: bytes) -> int:
    return len(Document(io.BytesIO(data)).inline_shapes)


def test_figures_are_built_without_a_browser(b):
    figs = charts.figures(b)
    assert [cap[:3] for cap, _ in figs] == ["图：“", "图：两", "图：各"]
    heat = figs[-1][1]
    assert len(heat.data[0].y) == 7  # one row per county


def test_without_kaleido_or_browser_the_bulletin_has_tables_only(b, monkeypatch):
    monkeypatch.setattr(charts, "chromium_path", lambda: None)
    assert charts.render(b) == []
    data = render_bytes(b, ".docx", charts=True)
    assert _n_pictures(data) == 0 and len(Document(io.BytesIO(data)).tables) > 5


def test_a_failing_export_falls_back_to_tables(b, monkeypatch):
    async def boom(figs):
        raise RuntimeError("browser crashed")

    monkeypatch.setattr(charts, "available", lambda: True)
    monkeypatch.setattr(charts, "_export", boom)
    assert charts.render(b) == []


@pytest.mark.slow
@pytest.mark.skipif(not charts.available(), reason="needs kaleido and a headless Chromium")
def test_charts_are_embedded_when_chromium_is_available(b):
    data = render_bytes(b, ".docx", charts=True)
    assert _n_pictures(data) == 3
    captions = [p.text for p in Document(io.BytesIO(data)).paragraphs if p.text.startswith("图：")]
    assert len(captions) == 3
