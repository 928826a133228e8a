"""Light display: a grey light always says why it is grey."""



def test_grey_light_says_why():
    from jxtrack.domain import lights
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

    from jxtrack.present import fmt
    evil = "[点此查看整改说明](http://evil.example/phish)\n![t](http://127.0.0.1:9/track.png) :red[假] <b>x</b> **粗** $x$"
    md = fmt.plain(evil)
    assert _unescape(md) == evil
    # no markdown construct survives: every special character is preceded by a backslash
    for m in re.finditer(r"[\[\]()!<>*:$]", md):
        assert md[m.start() - 1] == "\\", md[max(0, m.start() - 5): m.start() + 1]
    assert "http://" not in md                     # no autolink either
    assert fmt.plain(None) == "" and fmt.plain("嘉善县 12 个") == "嘉善县 12 个"


def test_signed_share_never_prints_minus_zero():
    from jxtrack.present import fmt

    assert fmt.pct(-0.0004, signed=True) == "0.0%"
    assert fmt.pct(-0.0004) == "0.0%"
    assert fmt.pct(0.0123, signed=True) == "+1.2%" and fmt.pct(-0.0123, signed=True) == "-1.2%"


def test_change_is_signed_and_rates_differ_in_points():
    from jxtrack.present import fmt

    assert fmt.change(16.3, "个") == "+16.3 个"          # an average need not be whole
    assert fmt.change(-16, "家") == "-16 家"
    assert fmt.change(2.04, "%") == "+2.0 个百分点"
    assert fmt.change(-0.02, "亿元") == "0 亿元"


def test_moment_and_wan():
    from datetime import UTC, datetime

    from jxtrack.domain import clock
    from jxtrack.present import fmt

    with clock.fixed(datetime(2026, 12, 4, 9, 0, tzinfo=UTC)):
        assert fmt.moment(datetime(2026, 12, 3, 11, 34, 34, tzinfo=UTC)) == "12月3日 19:34"
        assert fmt.moment(datetime(2025, 1, 2, 0, 5, tzinfo=UTC)) == "2025年1月2日 08:05"
    assert fmt.wan(-0.04) == "0.0 万元" and fmt.wan(4040) == "4,040.0 万元"


def test_status_is_not_repeated_after_a_title_that_says_it():
    from jxtrack.present import fmt

    assert fmt.with_status("两业融合实施方案（征求意见稿）", "征求意见稿/草案") == "两业融合实施方案（征求意见稿）"
    assert fmt.with_status("嘉政发〔2024〕6号", "正式文件") == "嘉政发〔2024〕6号（正式文件）"


def test_county_gap_to_average_is_signed_and_rates_in_points(demo_ro):
    from .conftest import USERS, run_app

    at = run_app(USERS["staff"], "pages/county.py")
    assert not at.exception
    cells = [str(v) for d in at.dataframe if "与区县平均差" in d.value.columns for v in d.value["与区县平均差"]]
    assert cells, "no 与区县平均差 column"
    assert all(c == "—" or c[0] in "+-0" for c in cells), [c for c in cells if c != "—" and c[0] not in "+−0"]
    assert not any(c.endswith("%") for c in cells), cells
    assert any(c.endswith("个百分点") for c in cells), cells


def test_exact_keeps_what_was_typed():
    from jxtrack.present import fmt

    assert fmt.exact(48.69, "%") == "48.69 %" and fmt.exact(1457.0, "个") == "1,457 个"
    assert fmt.exact(0.125, "亿元") == "0.125 亿元" and fmt.exact(None) == "—"


def test_upload_preview_shows_the_typed_figure_and_period_in_words(demo_store):
    from .conftest import USERS, run_app

    at = run_app(USERS["county"], "pages/upload.py")
    sheet = "地区,报告期,指标,数值\n嘉善县,2026-11,数字化改造项目数,3\n嘉善县,2026-11,数字化改造2.0覆盖率（仅报比率）,48.69\n".encode()
    at.get("file_uploader")[0].set_value(("jiashan.csv", sheet, "text/csv")).run()
    assert not at.exception
    preview = next(d.value for d in at.dataframe if "新值" in d.value.columns)
    assert "48.69 %" in set(preview["新值"]), preview.to_string()
    assert set(preview["报告期"]) == {"2026年1–11月"}
