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
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # the rule's wording reads a frame; the vocabulary itself needs no pandas
    import pandas as pd


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
# the lights metrics.progress decides (``light`` column), worst first: what summaries count
DECIDED = (*JUDGED, "none")
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


def rank(key: str | None) -> int:
    """The place of a light in :data:`ORDER` (worst first); an unknown key ranks as 'none'."""
    return ORDER.index(key if key in TABLE else "none")


def colour_scale() -> list[tuple[float, str]]:
    """A discrete plotly colour scale over :data:`ORDER`: a heat map whose z is :func:`rank`
    (with zmin=-0.5, zmax=len(ORDER)-0.5) paints each cell in its light's colour."""
    n = len(ORDER)
    scale: list[tuple[float, str]] = []
    for i, k in enumerate(ORDER):
        scale += [(i / n, TABLE[k].color), ((i + 1) / n, TABLE[k].color)]
    return scale


# ---- the light rule in words, from the thresholds in data/indicators.csv ---------------------------
def _points(x: float) -> str:
    return f"{abs(float(x)):g}个百分点"


def _rule_phrases(g: float, y: float) -> dict[str, str]:
    return {
        "green": "达到或快于序时进度" if g == 0 else f"进度差不低于{g:+g}个百分点",
        "yellow": f"落后序时进度不超过{_points(y)}" if g == 0 and y < 0 else f"进度差在{y:+g}至{g:+g}个百分点之间",
        "red": f"落后超过{_points(y)}" if y <= 0 else f"进度差低于{y:+g}个百分点",
    }


def rules(indicators: pd.DataFrame) -> tuple[dict[str, str], str]:
    """The green / yellow / red rule as words, generated from the indicators' ``green_min_pp`` and
    ``yellow_min_pp`` (a gap in percentage points: green at or above the first, yellow down to
    the second): the phrases of the thresholds most indicators share, and a note naming the
    indicators with other thresholds ('' when all share them).  The one wording of the rule, on
    总览 and in the bulletin."""
    t = indicators[["short_name", "green_min_pp", "yellow_min_pp"]].dropna(subset=["green_min_pp", "yellow_min_pp"])
    if t.empty:
        return _rule_phrases(0.0, -10.0), ""
    pairs = list(zip(t["green_min_pp"].astype(float), t["yellow_min_pp"].astype(float), strict=True))
    common = max(set(pairs), key=pairs.count)
    others = []
    for pair in sorted(set(pairs) - {common}):
        names = "、".join(n for n, p in zip(t["short_name"], pairs, strict=True) if p == pair)
        ph = _rule_phrases(*pair)
        others.append(f"{names}：绿={ph['green']}，黄={ph['yellow']}")
    return _rule_phrases(*common), ("；".join(others) and "（" + "；".join(others) + "）")
