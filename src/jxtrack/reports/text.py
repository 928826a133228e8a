"""Formatting shared by the bulletin's narrative and its Word and Excel writers: period labels,
numbers the way officials write them, light labels and colours, and cell-safe text."""

from __future__ import annotations

import pandas as pd

from jxtrack.catalog.model import COUNT_UNITS
from jxtrack.domain import lights
from jxtrack.present.fmt import gap_points

# the lights' words, symbols and colours are jxtrack.domain.lights' (one vocabulary on screen and paper)
LIGHT_ORDER = ["red", "yellow", "green", "done", "none"]



def light_word(light: str | None) -> str:
    """'red' -> '红灯'."""
    return lights.get(light).label


def light_text(light: str | None) -> str:
    """Symbol plus word, e.g. '▲ 红灯' — readable without colour."""
    return lights.text(light)


def is_missing(v) -> bool:
    """None, NaN or pandas' NA (a scalar); anything else is a value."""
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def decimals_for(unit: str | None, value: float | None = None) -> int:
    """Counts are whole numbers; money and rates take two decimals (officials' convention)."""
    if unit in COUNT_UNITS or unit == "是/否":
        return 0
    return 2


def num(v, unit: str | None = None, dash: str = "—") -> str:
    """A figure with thousands separators and the unit's decimals; trailing zeros trimmed."""
    if is_missing(v):
        return dash
    d = decimals_for(unit)
    if d == 0 and not float(v).is_integer():
        d = 1  # a decomposed target such as 356.3个
    s = f"{float(v):,.{d}f}"
    if d and "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def with_unit(v, unit: str | None) -> str:
    """'1,300个', '219.79万元/亩', '80.95%'."""
    if is_missing(v):
        return "—"
    return f"{num(v, unit)}{unit or ''}" if unit != "是/否" else ("是" if float(v) >= 1 else "否")


def pct(v, digits: int = 1, dash: str = "—") -> str:
    """A fraction as a percentage: 0.867 -> '86.7%'."""
    if is_missing(v):
        return dash
    return f"{float(v) * 100:.{digits}f}%"


def pp(v, digits: int = 1, dash: str = "—") -> str:
    """Signed percentage points: 3.4 -> '+3.4', -10.4 -> '-10.4'."""
    if is_missing(v):
        return dash
    x = round(float(v), digits)
    if x == 0:
        return f"{0:.{digits}f}"
    return f"{x:+.{digits}f}"


# The gap to 序时进度 as printed (86.7% − 83.3% = 3.4): one rounding rule for screen and paper,
# owned by jxtrack.present.fmt.gap_points (see its docstring).
shown_gap = gap_points


# ---- the light rule in words, from the thresholds in data/indicators.csv ---------------------------
def _pp(x: float) -> str:
    return f"{abs(float(x)):g}个百分点"


def _rule_phrases(g: float, y: float) -> dict[str, str]:
    return {
        "green": "达到或快于序时进度" if g == 0 else f"进度差不低于{g:+g}个百分点",
        "yellow": f"落后序时进度不超过{_pp(y)}" if g == 0 and y < 0 else f"进度差在{y:+g}至{g:+g}个百分点之间",
        "red": f"落后超过{_pp(y)}" if y <= 0 else f"进度差低于{y:+g}个百分点",
    }


def light_rules(indicators: pd.DataFrame) -> tuple[dict[str, str], str]:
    """The green / yellow / red rule as words, generated from the indicators' ``green_min_pp`` and
    ``yellow_min_pp`` (a gap in percentage points: green at or above the first, yellow down to
    the second): the phrases of the thresholds most indicators share, and a note naming the
    indicators with other thresholds ('' when all share them)."""
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
