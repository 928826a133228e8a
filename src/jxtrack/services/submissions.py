"""Submissions (报送情况): who reported which month, on time or late, the upload history a user may
see, and withdrawing an upload (the one rule of ``importing.withdraw``)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from metrics.periods import (
    label_month_short,
    months_of_year,
    period_month,
    shift_period,
)

from .. import access, cycle
from ..auth import User
from ..store import Store, now
from ..store import admin as sql
from .regions import city_code, visible_regions


# ---- reporting (报送情况) -------------------------------------------------------------------------
def submission_matrix(store: Store, year: int, user: User, today: datetime | None = None) -> pd.DataFrame:
    """Region × month: 已报 / 迟报 / 未报 (or blank for months not yet due).

    Due dates and 迟报 are ``jxtrack.cycle``'s (the due day is a setting, judged on Beijing dates);
    system-generated demo figures count as on time.  County reporters see only their county."""
    today = today or now()
    day = cycle.due_day(store)
    regions = visible_regions(store, user)
    regions = regions[regions["level"].isin(["county", "zone"])]
    months = months_of_year(year)
    latest = store.latest_period()
    log = sql.reporting_log(store, months)
    log = log.set_index(["region", "period"]) if len(log) else log
    out = pd.DataFrame(index=regions["name"].to_list(), columns=[label_month_short(m) for m in months], dtype=object)
    for r in regions.itertuples():
        for m, col in zip(months, out.columns, strict=False):
            key = (r.code, m)
            if period_month(m) == 1 and len(log) and key not in log.index and (r.code, shift_period(m, 1)) in log.index:
                out.loc[r.name, col] = "merged"  # 1–2月合并报送
            elif len(log) and key in log.index:
                row = log.loc[key]
                late = (not bool(row["demo_only"])) and cycle.is_late(row["first_at"], m, day)
                out.loc[r.name, col] = "late" if late else "reported"
            elif cycle.is_overdue(m, day, today) or (latest is not None and m <= latest):
                out.loc[r.name, col] = "missing" if r.level == "county" else "n/a"
            else:
                out.loc[r.name, col] = "open"
    out.index.name = "地区"
    return out


def upload_history(store: Store, user: User, limit: int = 200) -> pd.DataFrame:
    """The uploads ``user`` may see (``access.sees_upload``), newest first."""
    up = store.uploads(limit=limit)
    regions = store.regions()
    city = city_code(regions)
    per = store.upload_region_sets()
    users = store.users()
    region_of = dict(zip(users["username"], users["region"], strict=True))
    keep = []
    for i, rc, who, status in zip(up["upload_id"], up["region_code"], up["user"], up["status"], strict=True):
        touched = per.get(int(i)) or ([rc] if isinstance(rc, str) and rc else [])
        ur = region_of.get(who)
        keep.append(access.sees_upload(user, uploader=who, uploader_region=ur if isinstance(ur, str) else None,
                                       status=status, regions=touched, city=city))
    return up[keep].reset_index(drop=True)


def withdraw_upload(store: Store, user: User, upload_id: int, reason: str) -> None:
    """Rollback of an accepted upload: the one withdrawal rule of ``importing.withdraw``."""
    from ..importing import withdraw

    withdraw(store, int(upload_id), user, reason)


