"""Submissions (报送情况): who reported which month, on time or late, the upload history a user may
see, and withdrawing an upload (the one rule of ``importing.withdraw``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from jxtrack.catalog.model import city_code
from jxtrack.domain import access
from jxtrack.domain.access import User
from jxtrack.present import fmt
from jxtrack.services import cycle, lookup
from jxtrack.services.regions import visible_regions
from jxtrack.store import quality as store_quality
from jxtrack.store.interface import Store, now
from metrics.periods import (
    label_month_short,
    label_ytd,
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
    """The uploads ``user`` may see (``access.sees_upload``), newest first, with their ``source``."""
    from jxtrack.services import entry

    up = store.uploads(limit=limit)
    regions = lookup.regions(store)
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
    # a boolean mask of the rows (an empty list would select no *columns*)
    out = up[pd.Series(keep, index=up.index, dtype=bool)].reset_index(drop=True)
    # where the figures came from: a file, or the web form (在线填报, services.entry)
    names = out["file_name"] if "file_name" in out.columns else [None] * len(out)
    out["source"] = ["在线填报" if entry.is_online(f) else "文件上传" for f in names]
    return out


# who did it, as people are named on screen and paper (not their sign-in names); the demo data's
# account is not a user
SYSTEM_NAMES = {"demo": "示例数据"}
LEDGER_WORD = "项目库"
HISTORY_STATUS = {"accepted": "✔ 已接收", "rejected": "✖ 被退回", "withdrawn": "↩ 已撤回"}


def people_names(store: Store) -> dict[str, str]:
    """username -> the name shown for it: the user's display name (else the username), as
    ``projects.uploaders`` (the one table of who uploaded) has it, with the command line's
    operator; the demo data's account as 示例数据."""
    from jxtrack.services.projects import uploaders

    names = dict(SYSTEM_NAMES)
    for u, (d, _role) in uploaders(store).items():
        names[u] = d if isinstance(d, str) and d.strip() else u
    return names


def shown_person(names: dict[str, str], username) -> str:
    """One username as shown ('' when missing; an unknown account as its username)."""
    if username is None or (not isinstance(username, str) and pd.isna(username)) or not str(username):
        return ""
    return ", ".join(names.get(u, u) for u in str(username).split(","))


def covered(kind, period) -> str:
    """What an upload is for, in people's words: 2026年1–11月, 项目库 (a ledger), 多个报告期."""
    if kind == "projects":
        return LEDGER_WORD
    if period is None or (not isinstance(period, str) and pd.isna(period)) or not str(period):
        return "多个报告期"
    return label_ytd(str(period))


@dataclass
class HistoryView:
    table: pd.DataFrame           # the 上传记录 as people read it (Beijing time, 2026年1–11月, names)
    withdrawable: dict[int, str]  # accepted uploads -> their label in the withdrawal menu


def history_view(store: Store, user: User, limit: int = 200) -> HistoryView:
    """``upload_history`` for the screen: times through ``fmt.moment`` (Beijing time), periods as
    2026年1–11月 (a ledger upload as 项目库), people by their display names; and the accepted uploads
    that can be withdrawn, each labelled '#12 · 嘉善县 · 2026年1–11月 · file.xlsx' or, for a ledger,
    '#13 · 嘉善县 · 项目库 · 12月3日 19:34 · file.xlsx' (withdrawing it puts the earlier ledger back
    in force)."""
    hist = upload_history(store, user, limit)
    names = people_names(store)
    what = [covered(k, p) for k, p in zip(hist["kind"], hist["period"], strict=True)]
    table = pd.DataFrame({
        "编号": hist["upload_id"].astype(int),
        "地区": hist["region"],
        "报告期": what,
        "上传人": [shown_person(names, u) for u in hist["user"]],
        "上传时间": [fmt.moment(t) for t in hist["uploaded_at"]],
        "状态": hist["status"].map(HISTORY_STATUS).fillna(hist["status"]),
        "来源": hist["source"],
        "文件名": hist["file_name"],
        "数据项": hist["n_values"],
        "撤回人": [shown_person(names, u) for u in hist["withdrawn_by"]],
        "撤回原因": hist["withdraw_reason"],
        "读取说明": hist["reading"],
    })
    withdrawable = {}
    for i, r in enumerate(hist.itertuples()):
        if r.status != "accepted":
            continue
        parts = [f"#{int(r.upload_id)}", str(r.region), what[i]]
        if r.kind == "projects":   # a ledger has no period: when it came tells two apart
            parts.append(fmt.moment(r.uploaded_at))
        if isinstance(r.file_name, str) and r.file_name:
            parts.append(r.file_name)
        withdrawable[int(r.upload_id)] = " · ".join(parts)
    return HistoryView(table, withdrawable)


def withdraw_upload(store: Store, user: User, upload_id: int, reason: str) -> None:
    """Rollback of an accepted upload: the one withdrawal rule of ``importing.withdraw``."""
    from jxtrack.services.importing import withdraw

    withdraw(store, int(upload_id), user, reason)


