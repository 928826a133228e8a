"""Lookups every use case needs: the runtime catalog, a period or region typed by a user, and the
error a user can correct (``ServiceError``).  No streamlit."""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from jxtrack.catalog.model import Catalog, from_tables, load_catalog
from jxtrack.domain.errors import UserError
from jxtrack.store.interface import Store
from metrics import periods


class ServiceError(UserError):
    """A request to a service that the user can correct; ``str()`` is a Chinese message."""


@lru_cache(maxsize=4)
def catalog_files(directory: str | None = None) -> Catalog:
    """The catalog as the files in data/ define it: what ``jxtrack init`` copies into a database."""
    return load_catalog(directory)


_catalogs: dict[str, tuple[tuple, Catalog]] = {}


def catalog(store: Store | None = None) -> Catalog:
    """The one catalog at runtime: the database's copy (cached by its data version), so regions and
    targets that exist only in the database work everywhere.  Without a store (set-up, tests that
    build a database) the files in data/."""
    if store is None:
        return catalog_files()
    from jxtrack.store.admin import data_version

    key = store.key
    with store.connect():
        version = data_version(store)
        hit = _catalogs.get(key)
        if hit is not None and hit[0] == version:
            return hit[1]
        tables = store.catalog_tables()
    if tables["units"].empty:   # a database from before units were stored: the files' units
        tables["units"] = catalog_files().units
    cat = from_tables(tables)
    _catalogs[key] = (version, cat)
    return cat


def regions(store: Store) -> pd.DataFrame:
    """The regions in display order (city first), from the one runtime catalog: every use case reads
    them here (a copy, so a caller's change never reaches the cache)."""
    return catalog(store).regions.copy()


def region_names(store: Store) -> dict[str, str]:
    """Region code -> name, from the one runtime catalog."""
    reg = catalog(store).regions
    return dict(zip(reg["code"], reg["name"], strict=True))


def parse_period(text: str) -> str:
    """``metrics.periods.parse_period`` with its ValueError as the user's error (the service boundary)."""
    try:
        return periods.parse_period(text)
    except ValueError:
        raise ServiceError(f"报告期 “{text}” 格式不对，应为 YYYY-MM，例如 2026-10。") from None


def resolve_region(store: Store, text: str) -> str:
    """Region code from a code, name, short name or alias."""
    t = text.strip()
    regions = catalog(store).regions
    for col in ("code", "name", "short_name"):
        hit = regions.loc[regions[col] == t, "code"]
        if len(hit):
            return str(hit.iloc[0])
    hit = catalog(store).resolve_region(t)
    if hit and hit in set(regions["code"]):
        return hit
    names = "、".join(regions["name"].head(12))
    raise ServiceError(f"没有名为 “{text}” 的地区。可用的地区有：{names}。")
