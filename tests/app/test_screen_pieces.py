"""The shared screen pieces of jxtrack.ui.common / jxtrack.ui.frame that need no browser: month
runs on a phone's 报送情况 card, the wrapped text table's escaping, the frame's words."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from jxtrack.ui import common, frame


def test_month_runs():
    assert common.month_runs([2, 3, 4, 7, 9, 10]) == "2–4月、7月、9–10月"
    assert common.month_runs([12]) == "12月"
    assert common.month_runs([11, 1, 12, 2]) == "1–2月、11–12月"
    assert common.month_runs([]) == ""


def _text_table_app():
    import pandas as pd

    from jxtrack.ui import common

    common.text_table(pd.DataFrame({
        "问题": ["见[附件](http://evil.example/x.png) *加粗* :red[红]", None],
        "时间": [pd.Timestamp("2026-12-03 11:34:34", tz="UTC"), pd.NaT],
    }))


def test_text_table_escapes_what_users_wrote_and_shows_beijing_time(monkeypatch):
    """st.table reads Markdown: a message quoting a cell must show as written (no link, no
    formatting), a missing value as —, an instant in Beijing time without its offset."""
    monkeypatch.setenv("JXTRACK_TZ", "Asia/Shanghai")
    at = AppTest.from_function(_text_table_app).run()
    assert not at.exception
    cells = at.table[0].value
    said = cells.iloc[0, 0]
    assert said.startswith("见\\[附件\\]\\(http\\:") and "\\*加粗\\*" in said and "\\:red\\[红\\]" in said
    assert cells.iloc[1, 0] == "—" and cells.iloc[1, 1] == "—"
    assert cells.iloc[0, 1].startswith("2026\\-12\\-03 19\\:34"), cells.iloc[0, 1]
    assert "+08" not in cells.iloc[0, 1]


def test_the_frame_script_carries_every_word():
    """Every English phrase of frame.UI_WORDS reaches the page with its Chinese."""
    js = frame._SCRIPT % {"words": json.dumps(frame.UI_WORDS, ensure_ascii=False), "attrs": "[]"}
    for en, zh in frame.UI_WORDS.items():
        assert json.dumps(en, ensure_ascii=False) + ": " + json.dumps(zh, ensure_ascii=False) in js
    assert frame.UI_WORDS["Press Enter to submit form"] == "按回车键提交"
    assert frame.FAVICON.is_file() and frame.FAVICON.suffix == ".png"
