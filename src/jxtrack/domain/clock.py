"""The clock: what time it is, and every instant shown or judged in the users' zone.

Users are in China, so times are shown and judged (迟报) in Beijing time whatever zone the server
runs in.  The zone is ``JXTRACK_TZ`` (an IANA name, default ``Asia/Shanghai``).

Instants are stored unambiguously as ``TIMESTAMPTZ`` (see ``store.migrations.m006``); the store
sets each connection's ``TimeZone`` to this zone, so what it reads back are aware datetimes in
it.  ``local`` converts anything else (an aware datetime in another zone, a pandas Timestamp)
the same way; a naive datetime is taken to be local time already.

Every "now" in the code comes from ``now()`` here; tests fake it with ``fixed``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

ENV_ZONE = "JXTRACK_TZ"
DEFAULT_ZONE = "Asia/Shanghai"
SHOWN = "%Y-%m-%d %H:%M"  # how an instant is written for people

_fixed: datetime | None = None


class ClockError(Exception):
    """A bad time-zone setting; ``str()`` is a Chinese message."""


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClockError(
            f"时区设置 {ENV_ZONE}=“{name}” 无效：应为 IANA 时区名，例如 Asia/Shanghai（北京时间）。"
        ) from None


def zone_name() -> str:
    """The configured zone's IANA name (validated)."""
    name = os.environ.get(ENV_ZONE, "").strip() or DEFAULT_ZONE
    _zone(name)
    return name


def zone() -> ZoneInfo:
    return _zone(zone_name())


def zone_label() -> str:
    """How messages name the zone: 北京时间 for China's zone, else its IANA name."""
    name = zone_name()
    return "北京时间" if name in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC") else name


def now() -> datetime:
    """The current instant, aware, in the configured zone, to the second."""
    if _fixed is not None:
        return local(_fixed)
    return datetime.now(UTC).replace(microsecond=0).astimezone(zone())


def today() -> date:
    """Today's date in the configured zone (not the server's)."""
    return now().date()


@contextmanager
def fixed(at: datetime) -> Iterator[datetime]:
    """Tests: make ``now()`` return ``at`` (aware; naive means local time) inside the block."""
    global _fixed
    old, _fixed = _fixed, at
    try:
        yield local(at)
    finally:
        _fixed = old


def local(at: datetime | pd.Timestamp) -> datetime:
    """``at`` as an aware datetime in the configured zone; naive values are taken as local time."""
    if isinstance(at, pd.Timestamp):
        at = at.to_pydatetime()
    if at.tzinfo is None:
        return at.replace(tzinfo=zone())
    return at.astimezone(zone())


def local_date(at: datetime | pd.Timestamp) -> date:
    """The calendar day ``at`` falls on in the configured zone (what 迟报 is judged on)."""
    return local(at).date()


def is_missing(at) -> bool:
    return at is None or at is pd.NaT or (isinstance(at, float) and at != at)


def show(at, pattern: str = SHOWN) -> str:
    """An instant as people read it, in the configured zone ('' when missing)."""
    if is_missing(at):
        return ""
    return local(at).strftime(pattern)


def local_series(s: pd.Series) -> pd.Series:
    """A datetime column in the configured zone (aware columns converted, naive ones localised)."""
    s = pd.to_datetime(s)
    if s.dt.tz is None:
        return s.dt.tz_localize(zone())
    return s.dt.tz_convert(zone())


def show_series(s: pd.Series, pattern: str = SHOWN) -> pd.Series:
    """A datetime column as text in the configured zone ('' where missing): for tables and CSV."""
    out = local_series(s).dt.strftime(pattern)
    return out.where(s.notna(), "").astype(object)


def wall_clock(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every zone-aware datetime column as local wall-clock time without a zone: what
    a spreadsheet can hold (Excel has no time zones) and what people read."""
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert(zone()).dt.tz_localize(None)
    return out
