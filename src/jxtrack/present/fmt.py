"""Numbers and lights the way officials read them.

- money in 亿元/万元 with one decimal ("366.0 亿元"), counts as whole numbers with their measure
  word ("1,457 个", "83 家"), rates and completion as percent with one decimal ("72.9%");
- lights are not here: their one vocabulary is ``jxtrack.domain.lights``;
- text that users wrote, made safe for the places where Streamlit reads Markdown (``plain``,
  ``md`` for a template with user values, ``plain_frame`` for a table).
No streamlit here, so these are unit-tested directly."""

from __future__ import annotations

import math

import pandas as pd

from jxtrack.catalog.model import COUNT_UNITS

# headcounts and land areas are not counts (averages, fractions of 亩 occur) but read better
# without ".0" when they are whole
_WHOLE_WHEN_INTEGRAL = ("人", "亩")
# 报送情况's cell colours (the words of each state are ``services.submissions.STATE_WORDS``)
REPORT_BG = {"reported": "#cfeccf", "late": "#fbecb5", "missing": "#f8d0d0", "merged": "#e3eef9",
             "pending": "#eef3fb", "open": "#ffffff", "n/a": "#f5f5f5"}


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def number(v, unit: str | None = None, with_unit: bool = True) -> str:
    """A figure with its unit: counts whole, everything else one decimal; '—' when missing."""
    if _missing(v):
        return "—"
    v = float(v)
    u = unit or ""
    if u == "是/否":
        return "已获批" if v >= 1 else "未获批"
    if (u in COUNT_UNITS or u in _WHOLE_WHEN_INTEGRAL) and abs(v - round(v)) < 1e-9:
        s = f"{v:,.0f}"
    elif u == "%":
        s = f"{v:.1f}"
        return f"{s}%" if with_unit else s
    elif u == "元" and abs(v) >= 1e8:
        return f"{v / 1e8:,.1f} 亿元"
    elif u == "元" and abs(v) >= 1e4:
        return f"{v / 1e4:,.1f} 万元"
    else:
        s = f"{v:,.1f}"
    return f"{s} {u}".strip() if with_unit else s


def pct(v, signed: bool = False) -> str:
    """A share (0.729) as '72.9%'."""
    if _missing(v):
        return "—"
    x = round(float(v) * 100, 1) + 0.0   # never '-0.0%'
    if signed:
        return "0.0%" if x == 0 else f"{x:+.1f}%"
    return f"{x:.1f}%"


def pp(v, with_unit: bool = True) -> str:
    """Percentage points: '+4.6 个百分点' (or '+4.6' under a header that says 个百分点); pass a gap
    through :func:`gap_points` first."""
    if _missing(v):
        return "—"
    x = round(float(v), 1)
    s = "0.0" if x == 0 else f"{x:+.1f}"
    return f"{s} 个百分点" if with_unit else s


def gap_points(completion, time_progress, gap_pp) -> float | None:
    """The gap to 序时进度 in percentage points: THE rounding rule for the screen and the bulletin
    (``reports.text.shown_gap`` is this function).

    The rule: the difference of the two percentages *as printed* (one decimal each), so a reader can
    check it against the two figures beside it: 完成率 76.7% and 序时进度 83.3% give −6.6, although
    the unrounded gap is −6.67 (which would print as −6.7 and look like a subtraction error).
    The sign is ``gap_pp``'s (metrics.progress: positive = ahead), so for an indicator where less is
    better the difference is turned round.  Where either percentage is missing (a milestone, no
    target) the computed ``gap_pp`` rounded to one decimal is used; nothing at all gives None."""
    g = None if _missing(gap_pp) else float(gap_pp)
    if not _missing(completion) and not _missing(time_progress):
        d = round(round(float(completion) * 100, 1) - round(float(time_progress) * 100, 1), 1)
        if g is not None and d * g < 0:
            d = -d
        return d + 0.0  # no '-0.0'
    return None if g is None else round(g, 1) + 0.0


def will_meet(v) -> str:
    if _missing(v):
        return "—"
    return "✔ 可完成" if bool(v) else "✖ 难完成"


WORD_JOINER = "\u2060"
_MD_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:&=\"'")


def plain(text) -> str:
    """Text that users control (偏差说明, file names, source titles, names, messages quoting them)
    made safe for Streamlit's Markdown: every punctuation character that Markdown, HTML or
    Streamlit's directives (``:red[…]``, ``:material/…:``, ``$…$``) could read is backslash-escaped,
    so it shows exactly as typed — no link, no image fetched, no formatting.  Line breaks stay.

    Escapes alone do not stop the GFM autolink, which finds ``http://…`` in the text *after* the
    escapes are read (a real browser shows ``http\\://x`` as a link): an invisible word joiner
    (U+2060) goes between ``:`` and ``//``, so an address shows as typed but is not a link."""
    if _missing(text):
        return ""
    s = str(text)
    out = []
    for i, ch in enumerate(s):
        if ch == ":" and s.startswith("//", i + 1):
            out.append("\\:" + WORD_JOINER)
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("  \n")
        elif ch == "\r" or (ord(ch) < 32 and ch != "\t"):
            continue
        else:
            out.append(ch)
    return "".join(out)


def md(template: str, *args, **kwargs) -> str:
    """Markdown written by the code with values that users wrote: every value goes through
    :func:`plain`, the template's own Markdown stays.  ``md("上次由 {} 修改，原因：{}", who, why)``.
    The way to put user text into st.markdown, st.caption, messages and widget labels."""
    return template.format(*map(plain, args), **{k: plain(v) for k, v in kwargs.items()})


def plain_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` for a table that renders Markdown in every cell and header (``st.table``):
    every text cell, column label and index label goes through :func:`plain`; numbers, dates and
    missing values are left as they are.  (``st.dataframe`` shows text as text: it needs none.)"""
    def esc(v):
        return plain(v) if isinstance(v, str) else v

    out = df.copy()
    out.columns = [esc(c) for c in out.columns]
    if not isinstance(out.index, pd.MultiIndex) and not pd.api.types.is_numeric_dtype(out.index):
        out.index = out.index.map(esc)
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_datetime64_any_dtype(col)):
            out.isetitem(i, col.map(esc).astype(object))
    return out


def comparator(c: str | None) -> str:
    return {">=": "≥", "<=": "≤", "=": "="}.get(c or "", c or "")


def target(v, unit: str | None, comp: str | None = ">=") -> str:
    """A target with its comparator: '≥2,000 个'; a yes/no target (争创) reads '获批'."""
    if _missing(v):
        return "—"
    if unit == "是/否":
        return "获批" if float(v) >= 1 else "未获批"
    return comparator(comp) + number(v, unit)


def yes_no(v) -> str:
    """A yes/no figure (unit 是/否, stored 1/0) as 是/否 for tables and downloads."""
    if _missing(v):
        return ""
    return "是" if float(v) >= 1 else "否"


# ---- instants and money: one formatter each (screen, CLI and paper) ------------------------------
def moment(at, with_year: bool | None = None) -> str:
    """An instant as officials read it, in the project's zone: '12月3日 19:34' (this year) or
    '2025年12月3日 19:34' (another year, or ``with_year``); '—' when missing."""
    from jxtrack.domain import clock

    if _missing(at):
        return "—"
    t = clock.local(pd.Timestamp(at))
    if with_year is None:
        with_year = t.year != clock.now().year
    return (f"{t.year}年" if with_year else "") + f"{t.month}月{t.day}日 {t:%H:%M}"


def wan(v) -> str:
    """An amount in 万元 as '1,500.0 万元'; '—' when missing."""
    if _missing(v):
        return "—"
    return f"{round(float(v), 1) + 0.0:,.1f} 万元"


def with_status(name: str, status_label: str) -> str:
    """A source's name followed by its status in brackets, unless the name already says it:
    '方案（征求意见稿）' stays as is rather than '方案（征求意见稿）（征求意见稿/草案）'."""
    name = str(name or "").strip()
    words = [w for w in str(status_label or "").split("/") if w]
    if not words or any(w in name for w in words):
        return name
    return f"{name}（{status_label}）"


def change(v, unit: str | None = None) -> str:
    """A difference between two figures, always signed: '+16 个', '-3.2 亿元'; between two rates
    (unit '%') in percentage points, '+1.2 个百分点', never '%'; no change reads '0'."""
    if _missing(v):
        return "—"
    if unit == "%":
        return pp(v)
    text = number(abs(float(v)), unit)
    if text.split(" ")[0].strip("0.,") == "":
        return "0" + text[len(text.split(" ")[0]):]
    return ("+" if float(v) > 0 else "-") + text


def exact(v, unit: str | None = None) -> str:
    """A figure as it was typed, for previews and checks: every decimal kept (48.69 stays 48.69,
    not 48.7), thousands separated, with its unit; '—' when missing."""
    if _missing(v):
        return "—"
    x = float(v)
    s = f"{x:,.6f}".rstrip("0").rstrip(".")
    return f"{s} {unit or ''}".strip()
