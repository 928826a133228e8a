"""Which target binds when several sources give one for the same indicator, region and year.

Conflicts are normal (e.g. 规上亩均税收 2026: 40 in the official plan, 42 in the draft).  All rows
stay visible; exactly one per (indicator, region, year) is marked binding.
"""

from __future__ import annotations

import pandas as pd

TARGET_KEY = ["indicator", "region", "year"]

# lower binds first; a source missing from the sources table ranks after a draft
_STATUS_RANK = {"official": 0, "draft": 1}
_UNKNOWN_STATUS_RANK = 2


def select_binding(
    targets: pd.DataFrame, sources: pd.DataFrame, overrides: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return ``targets`` (same rows, same order) with a bool ``binding`` column.

    Per (indicator, region, year): a row named by ``overrides`` (indicator, region, year, source)
    wins; otherwise an official source beats a draft; a tie goes to the most recently issued
    source ('YYYY-MM-DD' strings compare correctly as text).  If ``overrides`` holds several rows
    for one key, the last one counts (it is the latest decision); an override naming a source
    with no target row for that key has no effect, so a stale decision cannot hide a target.
    """
    t = targets.reset_index(drop=True)
    src = sources[["code", "status", "issued"]].rename(columns={"code": "source"})
    src = src.drop_duplicates("source", keep="last")
    work = t[TARGET_KEY + ["source"]].astype({"year": "int64"}).merge(src, on="source", how="left")
    work.index = t.index  # left merge on a unique right keeps row order
    work["status_rank"] = work["status"].map(_STATUS_RANK).fillna(_UNKNOWN_STATUS_RANK)
    work["issued"] = work["issued"].fillna("").astype(str)
    work["override"] = False
    if overrides is not None and len(overrides):
        ov = overrides[TARGET_KEY + ["source"]].astype({"year": "int64"})
        ov = ov.drop_duplicates(TARGET_KEY, keep="last").assign(override=True)
        hit = work[TARGET_KEY + ["source"]].merge(ov, on=TARGET_KEY + ["source"], how="left")
        work["override"] = hit["override"].fillna(False).astype(bool).to_numpy()
    ordered = work.sort_values(
        ["override", "status_rank", "issued"], ascending=[False, True, False], kind="stable"
    )
    winners = ordered.index[~ordered.duplicated(TARGET_KEY, keep="first")]
    out = t.copy()
    out["binding"] = out.index.isin(winners)
    return out
