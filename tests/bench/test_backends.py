"""The DuckDB-vs-PostgreSQL benchmark says "identical" only when the two status tables are: its
comparison must see through row order and category order, and catch any one differing cell.
No timing here."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ is not installed
from benchmarks.backends import table_difference  # noqa: E402


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator_code": ["a", "a", "b", "b"],
        "region_code": pd.Categorical(["330400", "330402", "330400", "330402"],
                                      categories=["330402", "330400"]),
        "actual": [1.5, np.nan, 3.0, 0.1 + 0.2],
        "light": ["green", None, "red", "grey"],
    })


def test_same_rows_in_another_order_and_with_other_dtypes_are_identical():
    a = _table()
    b = a.iloc[[3, 1, 0, 2]].copy()
    b["region_code"] = b["region_code"].astype(str)      # text in one, categorical in the other
    assert table_difference(a, b) == (0, [])


def test_one_differing_cell_is_found_and_named():
    a = _table()
    b = a.iloc[::-1].copy()
    b.loc[3, "actual"] = 0.3                              # 0.1 + 0.2 is 0.30000000000000004
    b.loc[1, "light"] = "grey"                            # missing in a, a value in b
    n, examples = table_difference(a, b)
    assert n == 2
    assert examples == ["a/330402 light: nan vs grey", "b/330402 actual: 0.30000000000000004 vs 0.3"]


def test_a_missing_row_or_column_counts_as_a_difference():
    a = _table()
    assert table_difference(a, a.iloc[:3])[0] == 4
    n, examples = table_difference(a, a.drop(columns="light"))
    assert n == 4 and "light" in examples[0]
