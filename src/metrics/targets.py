"""Which target binds when several sources give one for the same indicator, region and year.

Conflicts are normal (e.g. 规上亩均税收 2026: 40 in 嘉政发〔2024〕6号, 41 in 嘉政发〔2024〕14号, 42 in
the 两业融合 draft).  All rows stay visible; exactly one per (indicator, region, year) is marked
binding, and ``binding_basis`` says which rule chose it.
"""

from __future__ import annotations

import pandas as pd

TARGET_KEY = ["indicator", "region", "year"]

# lower binds first; a source missing from the sources table ranks after a draft
_STATUS_RANK = {"official": 0, "draft": 1}
_UNKNOWN_STATUS_RANK = 2

# why the binding row won: the closed set of ``binding_basis`` values
BASIS_ONLY = "only"          # the only figure for its key
BASIS_OVERRIDE = "override"  # a recorded decision (the working group's, or the catalog's default)
BASIS_STATUS = "status"      # an official document before a draft
BASIS_ISSUED = "issued"      # same standing: the most recently issued document
BASIS_ORDER = "order"        # same standing and date: the first row (add a decision to settle it)


def select_binding(
    targets: pd.DataFrame, sources: pd.DataFrame, overrides: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return ``targets`` (same rows, same order) with a bool ``binding`` column and, on binding
    rows, ``binding_basis`` (one of the BASIS_* values; '' on the others).

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
    pos = ordered.groupby(TARGET_KEY, sort=False).cumcount()
    first = ordered[pos == 0]
    second = ordered[pos == 1].set_index(TARGET_KEY)
    basis = pd.Series(BASIS_ONLY, index=first.index, dtype=object)
    if len(second):
        runner = first[TARGET_KEY].merge(second[["status_rank", "issued"]], left_on=TARGET_KEY,
                                         right_index=True, how="left")
        runner.index = first.index
        contested = runner["status_rank"].notna()
        basis[contested & first["override"]] = BASIS_OVERRIDE
        plain = contested & ~first["override"]
        basis[plain & (first["status_rank"] < runner["status_rank"])] = BASIS_STATUS
        same = plain & (first["status_rank"] == runner["status_rank"])
        basis[same & (first["issued"] > runner["issued"])] = BASIS_ISSUED
        basis[same & (first["issued"] == runner["issued"])] = BASIS_ORDER
    out = t.copy()
    out["binding"] = out.index.isin(first.index)
    out["binding_basis"] = basis.reindex(out.index).fillna("")
    return out
