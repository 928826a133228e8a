"""Light display: a grey light always says why it is grey."""



def test_grey_light_says_why():
    from jxtrack import lights
    assert lights.badge(lights.shown("none", "untargeted")) == "– 未分解"
    assert lights.badge(lights.shown("none", "unjudged")) == "… 暂不评价"
    assert lights.badge(lights.shown("none", "no_data")) == "○ 无数据"
    assert lights.text(lights.shown("none", "no_target")) == "○ 无数据"
    assert lights.shown("red", "") == "red" and lights.text("red") == "▲ 红灯"


def _unescape(md: str) -> str:
    import re

    # the word joiner (U+2060) that keeps an address from being autolinked is invisible
    return re.sub(r"\\(.)", r"\1", md.replace("  \n", "\n")).replace("\u2060", "")


def test_user_text_is_shown_as_text():
    """Markdown, links, images, HTML and Streamlit directives in user text are escaped, and the
    escapes are exactly what the reader would have typed."""
    import re

    from jxtrack.ui import fmt
    evil = "[点此查看整改说明](http://evil.example/phish)\n![t](http://127.0.0.1:9/track.png) :red[假] <b>x</b> **粗** $x$"
    md = fmt.plain(evil)
    assert _unescape(md) == evil
    # no markdown construct survives: every special character is preceded by a backslash
    for m in re.finditer(r"[\[\]()!<>*:$]", md):
        assert md[m.start() - 1] == "\\", md[max(0, m.start() - 5): m.start() + 1]
    assert "http://" not in md                     # no autolink either
    assert fmt.plain(None) == "" and fmt.plain("嘉善县 12 个") == "嘉善县 12 个"
