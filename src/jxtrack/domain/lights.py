"""The lights' one vocabulary: code, symbol, Chinese words, colours and meaning, read by the screen,
the CLI and the bulletin alike (after frictionless' errors: code, title and description together).

The light itself is decided once, in ``metrics.progress`` (``light`` ∈ red, yellow, green, done,
none) together with the reason a light is grey (``light_reason``: untargeted 目标未分解, unjudged
部分区县未汇总, no_data 未报送/无数据, no_target 无目标; and ``collecting`` 报送中, set by
``services.status`` on the city's totals of a month still being collected).  :func:`shown` turns the pair into
the key of this table; nobody else relabels a light.

A light is never colour alone: each has its own shape and word (▲红 ◆黄 ●绿 ✔已完成 …), readable
in grey print and by the colour-blind.  Geometric symbols rather than colour emoji, because an
office PC without an emoji font shows emoji as empty boxes, while these glyphs are in every CJK font.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Light:
    key: str
    symbol: str
    word: str          # short, for tables and badges: 红
    label: str         # full, for prose and paper: 红灯
    meaning: str       # what it says about progress (narrative)
    color: str         # strong colour (charts, symbols)
    bg: str            # pale cell background on screen
    print_fill: str    # cell fill in Word/Excel (RRGGBB)
    print_font: str    # text colour in Word/Excel (RRGGBB)
    md: str            # Streamlit markdown colour name


TABLE: dict[str, Light] = {lt.key: lt for lt in (
    Light("red", "▲", "红", "红灯", "明显滞后", "#d62728", "#f8d0d0", "FFC7CE", "9C0006", "red"),
    Light("yellow", "◆", "黄", "黄灯", "略为滞后", "#f2b701", "#fbecb5", "FFEB9C", "7F6000", "orange"),
    Light("green", "●", "绿", "绿灯", "进度正常", "#2ca02c", "#cfeccf", "C6EFCE", "006100", "green"),
    Light("done", "✔", "已完成", "已完成", "已完成目标", "#1f77b4", "#cfe0f3", "BDD7EE", "1F4E78", "blue"),
    Light("untargeted", "–", "未分解", "目标未分解", "区县目标未分解，只看排名和占比", "#c7c7c7", "#eeeeee",
          "E7E6E6", "595959", "gray"),
    Light("unjudged", "…", "暂不评价", "暂不评价", "部分区县未汇总，暂不评价", "#c7c7c7", "#eeeeee",
          "E7E6E6", "595959", "gray"),
    Light("collecting", "…", "报送中", "报送中", "本月报送尚未结束，全市暂不评价", "#c7c7c7", "#eeeeee",
          "E7E6E6", "595959", "gray"),
    Light("none", "○", "无数据", "无数据", "未报送或无目标", "#e5e5e5", "#f5f5f5", "E7E6E6", "595959", "gray"),
    Light("n/a", "", "不适用", "不适用（仅全市）", "只考核全市", "#ffffff", "#ffffff", "FFFFFF", "595959", "gray"),
)}
# worst first: how lists of lights are ordered and counted
ORDER = ["red", "yellow", "green", "done", "untargeted", "unjudged", "collecting", "none", "n/a"]
# the lights that judge progress (the others are shades of grey with a reason)
JUDGED = ("red", "yellow", "green", "done")
# metrics.progress' reasons for a grey light -> the key shown
_GREY = {"untargeted": "untargeted", "unjudged": "unjudged", "collecting": "collecting", "no_data": "none",
         "no_target": "none", "": "none"}


def shown(light: str | None, reason: str | None = None) -> str:
    """The key to show for a light decided by the metrics and its reason (grey says why)."""
    if light in JUDGED:
        return light
    if light == "n/a":
        return "n/a"
    return _GREY.get(reason or "", "none")


def get(key: str | None) -> Light:
    return TABLE.get(key or "none", TABLE["none"])


def badge(key: str | None) -> str:
    """'red' -> '▲ 红' (tables, badges)."""
    lt = get(key)
    return f"{lt.symbol} {lt.word}".strip()


def text(key: str | None) -> str:
    """'red' -> '▲ 红灯' (prose and paper)."""
    lt = get(key)
    return f"{lt.symbol} {lt.label}".strip()


def md(key: str | None) -> str:
    """'red' -> ':red[▲ 红]' for Streamlit markdown, headings and metric labels."""
    return f":{get(key).md}[{badge(key)}]"
