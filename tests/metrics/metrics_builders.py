"""Small hand-made catalogs for the metrics tests.

Regions: city C with summable counties A, B, D and the zone Z (overlaps counties, never summed).
Indicator rows carry only the columns metrics reads.
"""

from __future__ import annotations

import pandas as pd


def region_rows(counties=("A", "B", "D"), zones=("Z",)) -> pd.DataFrame:
    rows = [{"code": "C", "name": "市", "level": "city", "parent": "", "summable": False}]
    rows += [{"code": c, "name": c, "level": "county", "parent": "C", "summable": True} for c in counties]
    rows += [{"code": z, "name": z, "level": "zone", "parent": "C", "summable": False} for z in zones]
    return pd.DataFrame(rows)


def indicator(
    code: str,
    kind: str = "annual_flow",
    formula: str = "measure",
    num: list[str] | None = None,
    den: str = "",
    rate: str = "",
    scale: float = 1.0,
    direction: str = "up",
    green: float = 0.0,
    yellow: float = -10.0,
    scope: str = "county",
    unit: str = "个",
    group: str = "g",
) -> dict:
    return {
        "code": code,
        "kind": kind,
        "formula": formula,
        "numerator_measures": num if num is not None else [code],
        "denominator": den,
        "reported_rate": rate,
        "scale": scale,
        "unit": unit,
        "direction": direction,
        "green_min_pp": green,
        "yellow_min_pp": yellow,
        "scope": scope,
        "group": group,
    }


def indicators(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def obs(*rows: tuple) -> pd.DataFrame:
    """(region, period, measure, value) tuples."""
    return pd.DataFrame(list(rows), columns=["region", "period", "measure", "value"])


def vals(*rows: tuple) -> pd.DataFrame:
    """(region, period, indicator, value) tuples: a bare derive output."""
    return pd.DataFrame(list(rows), columns=["region", "period", "indicator", "value"])


def tgts(*rows: tuple) -> pd.DataFrame:
    """(indicator, region, year, value) tuples, comparator '>=' and source 'S'."""
    df = pd.DataFrame(list(rows), columns=["indicator", "region", "year", "value"])
    return df.assign(comparator=">=", source="S")
