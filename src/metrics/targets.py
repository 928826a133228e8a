"""Which target binds when several sources give one for the same indicator, region and year.

Conflicts are normal (e.g. 规上亩均税收 2026: 40 in 嘉政发〔2024〕6号, 41 in 嘉政发〔2024〕14号, 42 in
the 两业融合 draft).  All rows stay visible; exactly one per (indicator, region, year) is marked
binding, and ``binding_basis`` says which rule chose it.
"""

from __future__ import annotations

import numpy as np
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
    n = len(t)
    src = sources[["code", "status", "issued"]].drop_duplicates("code", keep="last")
    at = pd.Index(src["code"]).get_indexer(t["source"])
    src_rank = src["status"].map(_STATUS_RANK).fillna(_UNKNOWN_STATUS_RANK).to_numpy(dtype="float64")
    status_rank = np.where(at >= 0, src_rank[np.maximum(at, 0)] if len(src) else 0.0, _UNKNOWN_STATUS_RANK)
    src_issued = src["issued"].fillna("").astype(str).to_numpy(dtype=object)
    issued = np.where(at >= 0, src_issued[np.maximum(at, 0)] if len(src) else "", "")
    issued_rank = pd.factorize(issued.astype(str), sort=True)[0]  # 'YYYY-MM-DD' text sorts by date

    # keys as integers: each key column factorised together with the overrides' (one pass, no joins)
    ov = overrides if overrides is not None and len(overrides) else None
    cols = TARGET_KEY + ["source"]
    codes = []
    for c in cols:
        left = t[c].astype("int64") if c == "year" else t[c]
        right = [] if ov is None else (ov[c].astype("int64") if c == "year" else ov[c])
        both = pd.concat([left, right], ignore_index=True) if ov is not None else left
        codes.append(pd.factorize(both)[0])
    width = [int(c.max()) + 2 if len(c) else 1 for c in codes]
    key = np.zeros(len(codes[0]), dtype="int64")
    for c, w in zip(codes[:3], width[:3], strict=True):
        key = key * w + (c + 1)
    full = key * width[3] + (codes[3] + 1)
    valid = (codes[0][:n] >= 0) & (codes[1][:n] >= 0)   # a row without indicator or region never binds
    override = np.zeros(n, dtype=bool)
    if ov is not None:
        # the last decision per key counts; it names a source, which then wins its key
        ov_key, ov_full = key[n:], full[n:]
        last = ~pd.Series(ov_key).duplicated(keep="last").to_numpy()
        override = np.isin(full[:n], ov_full[last])
    group = np.unique(key[:n], return_inverse=True)[1]
    order = np.lexsort((np.arange(n), -issued_rank, status_rank, ~override, group))
    order = order[valid[order]]
    g = group[order]
    first_of = np.ones(len(order), dtype=bool)
    first_of[1:] = g[1:] != g[:-1]
    first = order[first_of]
    runner = np.full(n, -1, dtype="int64")   # per binding row: the next row of its key, if any
    second = np.flatnonzero(~first_of[1:] & first_of[:-1]) + 1
    runner[order[second - 1]] = order[second]

    basis = np.full(n, "", dtype=object)
    basis[first] = BASIS_ONLY
    r = runner[first]
    contested = r >= 0
    rs = np.maximum(r, 0)
    ov_first = override[first]
    plain = contested & ~ov_first
    same = plain & (status_rank[first] == status_rank[rs])
    basis[first[contested & ov_first]] = BASIS_OVERRIDE
    basis[first[plain & (status_rank[first] < status_rank[rs])]] = BASIS_STATUS
    basis[first[same & (issued_rank[first] > issued_rank[rs])]] = BASIS_ISSUED
    basis[first[same & (issued_rank[first] == issued_rank[rs])]] = BASIS_ORDER
    out = t.copy()
    binding = np.zeros(n, dtype=bool)
    binding[first] = True
    out["binding"] = binding
    out["binding_basis"] = pd.Series(basis, index=out.index).astype(object)
    return out
