"""Keys as integer positions: the metrics' joins without pandas joins.

A region, indicator, period or measure is replaced by its position in the catalog table it comes
from, and a row's key folds those positions into one int64; finding rows is then a binary search
(``Lookup``) and grouping a ``np.unique``.  Pandas joins cost a fixed millisecond or more each,
which dominated the status table at small sizes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def positions(keys: pd.Series, index: pd.Index) -> np.ndarray:
    """Position of each key in ``index`` (-1 where it is not there); a categorical column is looked
    up once per category (the store hands over dictionary-encoded keys)."""
    if isinstance(keys.dtype, pd.CategoricalDtype):
        per_category = np.append(index.get_indexer(keys.cat.categories), -1)
        return per_category[keys.cat.codes.to_numpy()]  # code -1 (missing) -> the appended -1
    return index.get_indexer(keys)


class Lookup:
    """Row numbers by an int64 key: sorted once, found by binary search (-1 where absent)."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.keys, self.rows = keys[order], rows[order]

    def has_duplicates(self) -> bool:
        return bool(len(self.keys) > 1 and (self.keys[1:] == self.keys[:-1]).any())

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        if not len(self.keys):
            return np.full(len(keys), -1, dtype="int64")
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, self.rows[pos], -1)


def take(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """``column``'s values at ``rows``, keeping its dtype (an Arrow take: far cheaper than building
    a text column from Python objects)."""
    return column.take(rows).reset_index(drop=True)


def text(labels: list[str] | np.ndarray, codes: np.ndarray) -> pd.Series:
    """A text column from a few distinct ``labels`` and each row's label number."""
    return take(pd.Series(labels, dtype="str"), codes)
