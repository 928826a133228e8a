"""Recovery (已恢复): a light that was red earlier in the year and is no longer behind the path is
shown with the months it was red — "已恢复（曾红灯：3–5月）" — so a leader sees a recovery, not a
silent flip to green (Zhejiang practice: 瓯海's 亮灯 keeps the red months visible).

Months are the report months: where January was not reported alone (1–2月 together), a red
February shows as 1–2月.

Pure: takes the month series of lights, returns one row per recovered item.  Within one year only
(year-to-date figures restart each January).  Not behind the path = green or done (已完成); a yellow
after red is still behind and not a recovery.
"""

from __future__ import annotations

import pandas as pd

NOT_BEHIND = ("green", "done")
RECOVERY_COLUMNS = ["region", "indicator", "red_months", "recovery"]


def month_ranges(months: list[int]) -> str:
    """[3, 4, 5] -> '3–5月'; [2, 5, 6] -> '2月、5–6月'; [7] -> '7月'."""
    months = sorted(set(months))
    runs: list[list[int]] = []
    for m in months:
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    return "、".join(f"{r[0]}月" if len(r) == 1 else f"{r[0]}–{r[-1]}" + "月" for r in runs)


def recovery_label(red_months: list[int], january_alone: bool = True) -> str:
    """The label; without a January report of its own (1–2月 reported together) a red February
    is the red 1–2月 figure and is written so."""
    shown = list(red_months) + ([1] if not january_alone and 2 in red_months else [])
    return f"已恢复（曾红灯：{month_ranges(shown)}）"


def recoveries(series: pd.DataFrame, period: str) -> pd.DataFrame:
    """From ``series`` (region, indicator, period 'YYYY-MM', light), the items whose light at
    ``period`` is not behind (green/done) and that were red in an earlier month of the same year.
    Columns RECOVERY_COLUMNS: red_months is the list of month numbers, recovery the label."""
    if series.empty:
        return pd.DataFrame(columns=RECOVERY_COLUMNS)
    s = series[["region", "indicator", "period", "light"]].copy()
    s["period"] = s["period"].astype(str)
    year = period[:4]
    s = s[(s["period"].str[:4] == year) & (s["period"] <= period)]
    now = s[(s["period"] == period) & s["light"].isin(NOT_BEHIND)][["region", "indicator"]]
    red = s[(s["period"] < period) & (s["light"] == "red")]
    red = red.merge(now, on=["region", "indicator"])
    if red.empty:
        return pd.DataFrame(columns=RECOVERY_COLUMNS)
    red = red.assign(month=red["period"].str[5:7].astype(int))
    out = red.groupby(["region", "indicator"], as_index=False, sort=True)["month"].agg(lambda m: sorted(m))
    out = out.rename(columns={"month": "red_months"})
    january = bool((s["period"] == f"{year}-01").any())
    out["recovery"] = [recovery_label(m, january) for m in out["red_months"]]
    return out[RECOVERY_COLUMNS].reset_index(drop=True)
