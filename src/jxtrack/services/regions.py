"""Which regions exist for a user and the checks every service shares: the access policy asked
for a region, the regions a user may see, the periods with data."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

from jxtrack.catalog.model import city_code
from jxtrack.domain import access
from jxtrack.domain.access import User
from jxtrack.services import lookup
from jxtrack.store.interface import Store
from metrics.periods import (
    BASELINE,
)

T = TypeVar("T")


class WebError(lookup.ServiceError):
    """A request the user can correct; ``str()`` is a Chinese message."""


def one_connection(fn: Callable[..., T]) -> Callable[..., T]:
    """Run a view (first argument: the store) on one connection: it reads several tables and
    opening a DuckDB connection costs tens of milliseconds each time."""
    @functools.wraps(fn)
    def wrapper(store: Store, *args, **kwargs) -> T:
        with store.connect():
            return fn(store, *args, **kwargs)
    return wrapper


# ---- roles: every decision is the access policy's -------------------------------------------------
def require(user: User | None, action: str) -> User:
    """The user, when the access policy lets them do ``action`` (a role-level action)."""
    return access.ensure(user, action)


def check_read(user: User | None, region: str, regions: pd.DataFrame) -> None:
    """Refuse a county reporter reading another county (city total and own county are fine)."""
    access.ensure(user, "read", region, city=city_code(regions),
                  names=regions.set_index("code")["name"].to_dict())


def visible_regions(store: Store, user: User) -> pd.DataFrame:
    """Regions this user may read, in display order (city first)."""
    regions = lookup.regions(store)
    keep = set(access.readable(user, regions["code"], city=city_code(regions)))
    return regions[regions["code"].isin(keep)].reset_index(drop=True)


def periods(store: Store) -> list[str]:
    """Report periods with data, newest first, without the plan baseline (2023-12)."""
    return [p for p in reversed(store.periods()) if p > str(BASELINE)]


