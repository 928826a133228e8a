"""Numbers and lights the way officials read them.

- money in 亿元/万元 with one decimal ("366.0 亿元"), counts as whole numbers with their measure
  word ("1,457 个", "83 家"), rates and completion as percent with one decimal ("72.9%");
- a light is never colour alone: each has its own shape and word — ▲红 / ◆黄 / ●绿 / ✔已完成 /
  ○无数据 — readable in grey print and by the colour-blind.  Geometric symbols rather than colour
  emoji, because a server or office PC without an emoji font shows emoji as empty boxes, while
  these glyphs are in every CJK font.
No streamlit here, so these are unit-tested directly."""

from __future__ import annotations

import math

import pandas as pd

from ..catalog import COUNT_UNITS

LIGHTS = {
    "red": ("▲", "红", "#d62728"),
    "yellow": ("◆", "黄", "#f2b701"),
    "green": ("●", "绿", "#2ca02c"),
    "done": ("✔", "已完成", "#1f77b4"),
    "untargeted": ("–", "未分解", "#c7c7c7"),
    "unjudged": ("…", "暂不评价", "#c7c7c7"),
    "none": ("○", "无数据", "#e5e5e5"),
    "n/a": ("", "不适用（仅全市）", "#ffffff"),
}
# pale backgrounds for table cells (text stays dark and readable)
LIGHT_BG = {"red": "#f8d0d0", "yellow": "#fbecb5", "green": "#cfeccf", "done": "#cfe0f3",
            "untargeted": "#eeeeee", "unjudged": "#eeeeee", "none": "#f5f5f5"}
# streamlit markdown colour names for headings and metric labels
LIGHT_MD = {"red": "red", "yellow": "orange", "green": "green", "done": "blue", "untargeted": "gray",
            "unjudged": "gray",
            "none": "gray"}
LIGHT_ORDER = ["red", "yellow", "green", "done", "untargeted", "unjudged", "none", "n/a"]
# headcounts and land areas are not counts (averages, fractions of 亩 occur) but read better
# without ".0" when they are whole
_WHOLE_WHEN_INTEGRAL = ("人", "亩")
REPORT_STATES = {
    "reported": "✔ 已报",
    "late": "◆ 迟报",
    "missing": "✖ 未报",
    "merged": "＋ 并入1–2月",
    "open": "· 未到期",
    "n/a": "—",
}
REPORT_BG = {"reported": "#cfeccf", "late": "#fbecb5", "missing": "#f8d0d0", "merged": "#e3eef9",
             "open": "#ffffff", "n/a": "#f5f5f5"}


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT


def shown_light(light: str | None, target_note: str | None = None) -> str:
    """The grey light says why it is grey: 未分解 (a county with figures but no target of its own),
    暂不评价 (a city total from some counties only), else 无数据."""
    if light == "none" and isinstance(target_note, str):
        if target_note == "目标未分解":
            return "untargeted"
        if target_note.startswith("部分区县未汇总"):
            return "unjudged"
    return light or "none"


def light_badge(light: str | None) -> str:
    """'red' -> '▲ 红'."""
    sym, word, _ = LIGHTS.get(light or "none", LIGHTS["none"])
    return f"{sym} {word}"


def light_md(light: str | None) -> str:
    """'red' -> ':red[▲ 红]' for st.markdown, headings and metric labels."""
    return f":{LIGHT_MD.get(light or 'none', 'gray')}[{light_badge(light)}]"


def light_color(light: str | None) -> str:
    return LIGHTS.get(light or "none", LIGHTS["none"])[2]


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
    return f"{float(v) * 100:+.1f}%" if signed else f"{float(v) * 100:.1f}%"


def pp(v) -> str:
    """Percentage points: '+4.6 个百分点'."""
    if _missing(v):
        return "—"
    return f"{float(v):+.1f} 个百分点"


def will_meet(v) -> str:
    if _missing(v):
        return "—"
    return "✔ 可完成" if bool(v) else "✖ 难完成"


def comparator(c: str | None) -> str:
    return {">=": "≥", "<=": "≤", "=": "="}.get(c or "", c or "")
