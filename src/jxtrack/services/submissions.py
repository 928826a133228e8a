"""Submissions (报送情况): who reported which month, on time or late, the upload history a user may
see, and withdrawing an upload (the one rule of ``importing.withdraw``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from jxtrack.domain import access
from jxtrack.domain.access import User
from jxtrack.services import cycle
from jxtrack.services.regions import city_code, visible_regions
from jxtrack.store import quality as store_quality
from jxtrack.store.interface import Store, now
from metrics.periods import (
    label_month_short,
    months_of_year,
    period_month,
    shift_period,
)

# ---- reporting (报送情况) -------------------------------------------------------------------------
# the words of each state; a pending month is shown with its due date (cycle.due_label)
STATE_WORDS = {
    "reported": "✔ 已报",
    "late": "◆ 迟报",
    "missing": "✖ 未报",
    "pending": "… 待报",
    "merged": "＋ 并入1–2月",
    "open": "· 未到期",
    "n/a": "—",
}


def submission_matrix(store: Store, year: int, user: User, today: datetime | None = None) -> pd.DataFrame:
    """Region × month: reported 已报 / late 迟报 / missing 未报 / pending 待报 / open 未到期.

    A month is missing (未报) only once its due date has passed: a month that has ended but is not
    yet due is pending (待报, see ``reporting_view`` for its due date), one not yet over is open.
    Due dates and 迟报 are ``jxtrack.services.cycle``'s (the due day is a setting, judged on Beijing dates;
    the first upload is ``store.quality.first_uploads``'); system-generated demo figures count as
    on time.  County reporters see only their county."""
    today = today or now()
    day = cycle.due_day(store)
    regions = visible_regions(store, user)
    regions = regions[regions["level"].isin(["county", "zone"])]
    months = months_of_year(year)
    ended = cycle.collecting_period(today)   # the newest month that is over
    log = store_quality.first_uploads(store, months)
    log = log.set_index(["region", "period"]) if len(log) else log
    out = pd.DataFrame(index=regions["name"].to_list(), columns=[label_month_short(m) for m in months], dtype=object)
    for r in regions.itertuples():
        for m, col in zip(months, out.columns, strict=False):
            key = (r.code, m)
            if period_month(m) == 1 and len(log) and key not in log.index and (r.code, shift_period(m, 1)) in log.index:
                out.loc[r.name, col] = "merged"  # 1–2月合并报送
            elif len(log) and key in log.index:
                row = log.loc[key]
                late = row["kind"] != "demo" and cycle.is_late(row["uploaded_at"], m, day)
                out.loc[r.name, col] = "late" if late else "reported"
            elif cycle.is_overdue(m, day, today):
                out.loc[r.name, col] = "missing" if r.level == "county" else "n/a"
            elif m <= ended and r.level == "county":
                out.loc[r.name, col] = "pending"
            else:
                out.loc[r.name, col] = "open"
    out.index.name = "地区"
    return out


@dataclass
class ReportingView:
    """报送情况's matrix: the states, the words shown for them (a pending month with its due date:
    待报（截止12月10日）) and the year's counts (months not yet due are never counted as missing)."""

    states: pd.DataFrame
    shown: pd.DataFrame
    missing: int
    late: int
    pending: int


def reporting_view(store: Store, year: int, user: User, today: datetime | None = None) -> ReportingView:
    states = submission_matrix(store, year, user, today)
    day = cycle.due_day(store)
    pending = {label_month_short(m): cycle.due_label(m, day) for m in months_of_year(year)}
    shown = states.copy()
    for col in states.columns:
        shown[col] = [pending[col] if v == "pending" else STATE_WORDS.get(v, v) for v in states[col]]
    return ReportingView(states, shown, int((states == "missing").sum().sum()),
                         int((states == "late").sum().sum()), int((states == "pending").sum().sum()))


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
    from jxtrack.services.importing import withdraw

    withdraw(store, int(upload_id), user, reason)


