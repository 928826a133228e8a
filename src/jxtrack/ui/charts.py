"""Plotly chart builders with Chinese labels and hover text.  Colours always come with a word or
symbol in the cell or legend, so the charts read in grey print and by the colour-blind."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.periods import label_ytd

from .. import lights
from . import fmt

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"


def _layout(fig: go.Figure, title: str | None, height: int) -> go.Figure:
    fig.update_layout(
        title=title, height=height, font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        hoverlabel={"font_family": FONT},
    )
    return fig


def light_heatmap(heat: pd.DataFrame, short_names: dict[str, str] | None = None) -> go.Figure:
    """Indicators down (reads on a phone), regions across; each cell shows symbol and word."""
    h = heat.T  # rows = indicators, columns = regions
    order = lights.ORDER
    z = h.apply(lambda col: col.map(lambda v: order.index(v) if v in order else order.index("none")))
    text = h.apply(lambda col: col.map(lambda v: lights.get(v).symbol))
    words = h.apply(lambda col: col.map(lambda v: lights.get(v).word))
    n = len(order)
    scale = []
    for i, k in enumerate(order):
        scale += [(i / n, lights.get(k).color), ((i + 1) / n, lights.get(k).color)]
    y = [short_names.get(i, i) if short_names else i for i in h.index]
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(dtype=float), x=list(h.columns), y=y, text=text.to_numpy(),
        customdata=words.to_numpy(), texttemplate="%{text}", zmin=-0.5, zmax=n - 0.5,
        colorscale=scale,
        showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y}<br>%{x}：%{customdata}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    legend = "　".join(f"{lights.get(k).symbol}{lights.get(k).word}" for k in order if k != "n/a")
    fig.add_annotation(text=legend, showarrow=False, xref="paper", yref="paper", x=0, y=-0.02,
                       xanchor="left", yanchor="top")
    return _layout(fig, None, max(320, 26 * len(h) + 90))


def progress_line(series: pd.DataFrame, unit: str, target_label: str) -> go.Figure:
    """Year-to-date actual month by month against the 序时 line and the target."""
    s = series.sort_values("period")
    x = [label_ytd(p) for p in s["period"]]
    fig = go.Figure()
    fig.add_scatter(x=x, y=s["actual"], mode="lines+markers", name="实际（累计）",
                    line={"width": 3}, marker={"symbol": "circle"},
                    hovertemplate="%{x}<br>实际：%{y:,.1f} " + unit + "<extra></extra>")
    fig.add_scatter(x=x, y=s["expected"], mode="lines", name="序时进度", line={"dash": "dash"},
                    hovertemplate="%{x}<br>序时：%{y:,.1f} " + unit + "<extra></extra>")
    fig.add_scatter(x=x, y=s["target"], mode="lines", name=target_label, line={"dash": "dot"},
                    hovertemplate="%{x}<br>目标：%{y:,.1f} " + unit + "<extra></extra>")
    fig.update_yaxes(title_text=unit, rangemode="tozero")
    return _layout(fig, None, 340)


def county_bars(rows: pd.DataFrame, unit: str, average: float | None) -> go.Figure:
    """Each county's value with its light in the label and the county average as a line."""
    r = rows.sort_values("actual", ascending=True)
    shown = [lights.shown(lt, why) for lt, why in zip(r["light"], r["light_reason"], strict=True)]
    labels = [lights.badge(lt) for lt in shown]
    fig = go.Figure(go.Bar(
        x=r["actual"], y=r["region"], orientation="h", text=labels, textposition="auto",
        marker={"color": [lights.get(lt).color for lt in shown]},
        customdata=[[fmt.number(a, unit), fmt.number(t, unit), fmt.pct(c)]
                    for a, t, c in zip(r["actual"], r["target"], r["completion"], strict=False)],
        hovertemplate="%{y}<br>实际：%{customdata[0]}<br>目标：%{customdata[1]}<br>完成率：%{customdata[2]}<extra></extra>",
        name="区县",
    ))
    if average is not None and not pd.isna(average):
        fig.add_vline(x=average, line_dash="dash", annotation_text=f"区县平均 {fmt.number(average, unit)}",
                      annotation_position="top")
    fig.update_xaxes(title_text=unit)
    return _layout(fig, None, max(260, 34 * len(r) + 80))
