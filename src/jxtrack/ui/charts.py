"""Plotly chart builders with Chinese labels and hover text.  Colours always come with a word or
symbol in the cell or legend, so the charts read in grey print and by the colour-blind."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from jxtrack.domain import lights
from jxtrack.present import fmt
from metrics.periods import label_month_short

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"
# st.plotly_chart(config=CONFIG): no toolbar (on a 390 px phone it covers county names and the
# legend; nobody here zooms or exports from it), no scroll-zoom hijacking the page's scrolling
CONFIG = {"displayModeBar": False, "scrollZoom": False, "locale": "zh-CN"}


def _layout(fig: go.Figure, title: str | None, height: int, top: int = 10) -> go.Figure:
    """Chinese font, small margins, the legend below the plot (above it, it collides with the
    title and with labels at the top of a phone-width chart)."""
    fig.update_layout(
        title=title, height=height, font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": (40 if title else 10) + top, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "xanchor": "left"},
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
    # the months of one year: '10月' fits a phone's axis where '2026年1–10月' would be turned sideways
    x = [label_month_short(p) for p in s["period"]]
    fig = go.Figure()
    fig.add_scatter(x=x, y=s["actual"], mode="lines+markers", name=f"实际（累计，{unit}）",
                    line={"width": 3}, marker={"symbol": "circle"},
                    hovertemplate="%{x}<br>实际：%{y:,.1f} " + unit + "<extra></extra>")
    fig.add_scatter(x=x, y=s["expected"], mode="lines", name="序时进度", line={"dash": "dash"},
                    hovertemplate="%{x}<br>序时：%{y:,.1f} " + unit + "<extra></extra>")
    fig.add_scatter(x=x, y=s["target"], mode="lines", name=target_label, line={"dash": "dot"},
                    hovertemplate="%{x}<br>目标：%{y:,.1f} " + unit + "<extra></extra>")
    # the unit is in the legend: a rotated axis title in CJK reads as an arrow on a phone
    fig.update_yaxes(rangemode="tozero")
    return _layout(fig, None, 360)


def county_bars(rows: pd.DataFrame, unit: str, average: float | None) -> go.Figure:
    """Each county's value (bar, light in the label) with its own target as a marker and the county
    average as a dashed line.  Ordered by how far along each county is (completion; for an indicator
    where less is better, the other way round), best at the top; by value where there is no target."""
    down = bool((rows["direction"] == "down").any()) if "direction" in rows else False
    by = "completion" if rows["completion"].notna().any() else "actual"
    # plotly draws the first category at the bottom: worst first
    r = rows.sort_values(by, ascending=not down, na_position="first")
    shown = [lights.shown(lt, why) for lt, why in zip(r["light"], r["light_reason"], strict=True)]
    labels = [lights.badge(lt) for lt in shown]
    fig = go.Figure(go.Bar(
        x=r["actual"], y=r["region"], orientation="h", text=labels, textposition="auto",
        marker={"color": [lights.get(lt).color for lt in shown]},
        customdata=[[fmt.number(a, unit), fmt.target(t, unit, c), fmt.pct(p)]
                    for a, t, c, p in zip(r["actual"], r["target"], r["comparator"], r["completion"], strict=False)],
        hovertemplate="%{y}<br>实际：%{customdata[0]}<br>目标：%{customdata[1]}<br>完成率：%{customdata[2]}<extra></extra>",
        name="实际", showlegend=False,   # the light word is on each bar; the legend explains the marker
    ))
    if r["target"].notna().any():
        fig.add_scatter(
            x=r["target"], y=r["region"], mode="markers", name=f"本区县目标（{unit}）",
            marker={"symbol": "line-ns-open", "size": 22, "line": {"width": 3, "color": "#333333"},
                    "color": "#333333"},
            hovertemplate="%{y}<br>目标：%{x:,.1f} " + unit + "<extra></extra>",
        )
    if average is not None and not pd.isna(average):
        # the label sits in the top margin (paper coordinates), so it is never clipped by the plot
        fig.add_vline(x=average, line_dash="dash", line_color="#666666")
        fig.add_annotation(x=average, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                           text=f"区县平均 {fmt.number(average, unit)}", font={"size": 12, "color": "#444444"})
    fig.update_xaxes(rangemode="tozero")
    fig.update_yaxes(automargin=True)
    fig.update_layout(bargap=0.35, showlegend=bool(r["target"].notna().any()))
    return _layout(fig, None, max(300, 36 * len(r) + 120), top=24)
