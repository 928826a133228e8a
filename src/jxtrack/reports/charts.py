"""Optional pictures for the Word bulletin, drawn with plotly and exported by kaleido.

kaleido renders through a headless Chromium (Debian's ``chromium`` here; ``BROWSER_PATH`` may
name another).  When kaleido is not installed, no Chromium is found, charts are switched off
(``JXTRACK_REPORT_CHARTS=0``) or the export fails or times out, ``render`` returns no pictures and
the bulletin is built with tables only — a chart is never a reason for the bulletin to fail.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import shutil
import threading

import pandas as pd

from jxtrack.reports.bulletin import Bulletin
from jxtrack.reports.narrative import GROUP_TITLES
from jxtrack.reports.text import light_word
from metrics.periods import label_ytd

log = logging.getLogger(__name__)
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FONT = "Noto Sans CJK SC, Microsoft YaHei, SimHei, PingFang SC, sans-serif"
TIMEOUT = 90.0  # seconds for all pictures together
WIDTH = 900  # px at scale 1; placed 16 cm wide in Word

# saturated versions of the light fills, for bars and heat-map cells
BAR_COLOURS = {"green": "#3A9A4A", "yellow": "#E0A800", "red": "#C8102E", "done": "#2F6EBA", "none": "#A6A6A6"}


def chromium_path() -> str | None:
    """A Chromium this machine can run headless (``BROWSER_PATH`` first), else None."""
    env = os.environ.get("BROWSER_PATH")
    if env and os.path.exists(env):
        return env
    for name in CHROMIUM_CANDIDATES:
        p = shutil.which(name)
        if p:
            return p
    return None


def available() -> bool:
    """True when charts can be attempted: switched on, kaleido importable, a browser present."""
    return (os.environ.get("JXTRACK_REPORT_CHARTS", "1") != "0"
            and importlib.util.find_spec("kaleido") is not None and chromium_path() is not None)


def figures(b: Bulletin) -> list[tuple[str, object]]:
    """(caption, plotly figure) pairs: per group, city completion against 序时进度; then the
    counties' lights on the key indicators."""
    import plotly.graph_objects as go

    st = b.status
    short = st.drop_duplicates("indicator_code").set_index("indicator_code")["short_name"]
    out = []
    city = st[(st["region_level"] == "city") & st["completion"].notna() & (st["kind"] != "milestone")]
    for g, title in GROUP_TITLES.items():
        rows = city[city["group"] == g]
        if not len(rows):
            continue
        rows = rows.iloc[::-1]  # first indicator at the top
        names = [short.get(c, n) for c, n in zip(rows["indicator_code"], rows["indicator_name"], strict=True)]
        comp = (rows["completion"] * 100).clip(upper=130)
        fig = go.Figure()
        fig.add_bar(y=names, x=comp, orientation="h", name="完成率",
                    marker_color=[BAR_COLOURS.get(v, "#A6A6A6") for v in rows["light"]],
                    text=[f"{v * 100:.1f}% {light_word(k)}" for v, k in zip(rows["completion"], rows["light"], strict=True)],
                    textposition="outside", cliponaxis=False)
        fig.add_scatter(y=names, x=rows["time_progress"] * 100, mode="markers", name="序时进度",
                        marker=dict(symbol="line-ns", size=18, line=dict(width=3, color="#222222")))
        fig.update_layout(
            title=f"{title}：全市各指标完成率与序时进度（{label_ytd(b.period)}）",
            font=dict(family=FONT, size=15), width=WIDTH, height=120 + 30 * len(rows),
            margin=dict(l=10, r=90, t=60, b=40), plot_bgcolor="white",
            legend=dict(orientation="h", y=-0.08 if len(rows) > 8 else -0.2, x=0),
            xaxis=dict(title="完成率 %（竖线为序时进度）", gridcolor="#E5E5E5", range=[0, 135]),
        )
        out.append((f"图：{title}全市指标完成率与序时进度（柱色为亮灯，竖线为序时进度）", fig))

    counties = st[(st["region_level"] == "county") & st["key"].astype(bool)]
    if len(counties):
        order = list(dict.fromkeys(counties["indicator_code"]))
        regions = list(dict.fromkeys(counties.sort_values("region_sort")["region"]))
        sev = {"red": 0, "yellow": 1, "none": 2, "green": 3, "done": 4}
        z, text = [], []
        piv = counties.set_index(["region", "indicator_code"])
        for r in regions:
            zr, tr = [], []
            for c in order:
                row = piv.loc[(r, c)] if (r, c) in piv.index else None
                light = row["light"] if row is not None else "none"
                zr.append(sev.get(light, 2))
                comp = row["completion"] if row is not None else None
                tr.append(f"{light_word(light)}<br>{comp * 100:.0f}%" if comp is not None and pd.notna(comp)
                          else light_word(light))
            z.append(zr)
            text.append(tr)
        scale = [[0.0, BAR_COLOURS["red"]], [0.25, BAR_COLOURS["yellow"]], [0.5, BAR_COLOURS["none"]],
                 [0.75, BAR_COLOURS["green"]], [1.0, BAR_COLOURS["done"]]]
        fig = go.Figure(go.Heatmap(z=z, x=[short.get(c, c) for c in order], y=regions, text=text,
                                   texttemplate="%{text}", zmin=0, zmax=4, colorscale=scale, showscale=False,
                                   xgap=2, ygap=2, textfont=dict(color="white", size=12)))
        fig.update_layout(title=f"各区县重点指标亮灯（{label_ytd(b.period)}，格内为完成率）",
                          font=dict(family=FONT, size=15), width=WIDTH, height=120 + 44 * len(regions),
                          margin=dict(l=10, r=10, t=60, b=40), plot_bgcolor="white",
                          yaxis=dict(autorange="reversed"), xaxis=dict(side="top"))
        out.append(("图：各区县重点指标亮灯（红、黄、绿、蓝分别为红灯、黄灯、绿灯、已完成，灰为无数据）", fig))
    return out


async def _export(figs: list) -> list[bytes]:
    import kaleido

    async with kaleido.Kaleido(n=1) as k:
        return [await k.calc_fig(f, opts={"format": "png", "scale": 2}) for f in figs]


def render(b: Bulletin) -> list[tuple[str, bytes]]:
    """(caption, PNG bytes) for the bulletin's charts, or [] when they cannot be made here."""
    if not available():
        return []
    pairs = figures(b)
    if not pairs:
        return []
    os.environ.setdefault("BROWSER_PATH", chromium_path() or "")
    result: dict[str, object] = {}

    def work() -> None:  # own thread and event loop: the caller (Streamlit) may have one running
        try:
            result["png"] = asyncio.run(_export([f for _, f in pairs]))
        except Exception as exc:  # noqa: BLE001 — any browser failure means "tables only", logged
            result["error"] = exc

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(TIMEOUT)
    if t.is_alive() or "error" in result:
        log.warning("charts skipped, bulletin has tables only: %s", result.get("error", "timeout"))
        return []
    return [(cap, png) for (cap, _), png in zip(pairs, result["png"], strict=True)]


__all__ = ["available", "chromium_path", "figures", "render"]
