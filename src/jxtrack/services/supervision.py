"""督办 use cases: open a notice for a red or yellow item, the county's reply (整改措施, 预计完成), close
it or ask again (再次督办), and the lists (open, overdue, closed, by county) that pages, the CLI, the
bulletin and reminders show.

The rules are ``jxtrack.domain.supervision`` (states, overdue in Beijing time) and the access policy
(``supervise``: staff/admin; ``reply``: the county of the item only; ``supervision``: the list, for
leaders read-only).  Every change is one transaction with its audit record (``store.supervision``).
No streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from jxtrack.catalog.model import city_code
from jxtrack.domain import access, clock
from jxtrack.domain import supervision as rules
from jxtrack.domain.access import User
from jxtrack.services import lookup, status_table
from jxtrack.store import supervision as sql
from jxtrack.store.interface import Store

# what a list may be filtered to
FILTERS = {"open": "未办结", "overdue": "逾期未回复", "closed": "已办结", "all": "全部"}
LIST_COLUMNS = ["supervision_id", "region", "region_name", "indicator", "indicator_name", "period", "light",
                "state", "state_label", "overdue", "ask", "reply_by", "measures", "expected", "opened_by",
                "opened_at", "updated_by", "updated_at"]


class SupervisionError(lookup.ServiceError):
    """A 督办 request the user can correct; ``str()`` is a Chinese message."""


def parse_date(value: date | str | None, what: str) -> date:
    """A date from user input (a date, or text YYYY-MM-DD)."""
    if isinstance(value, datetime):
        return clock.local_date(value)
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SupervisionError(f"{what} “{text}” 不是日期：请写成 YYYY-MM-DD，例如 2026-11-20。") from None


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise SupervisionError(f"请填写{what}。")
    return text


def _names(store: Store) -> dict[str, str]:
    return lookup.region_names(store)


def _notice(store: Store, sid: int | str) -> dict:
    try:
        sid = int(sid)
    except (TypeError, ValueError):
        raise SupervisionError(f"督办编号 “{sid}” 不是整数。") from None
    row = sql.notice(store, sid)
    if row is None:
        raise SupervisionError(f"没有编号为 {sid} 的督办。请用 jxtrack supervise list 查看。")
    return row


def _step(notice: dict, step: str) -> str:
    try:
        return rules.next_state(notice["state"], step)
    except ValueError as exc:
        raise SupervisionError(f"督办 {notice['supervision_id']}：{exc}") from None


# ---- steps ---------------------------------------------------------------------------------------
def open_notice(store: Store, user: User | None, *, region: str, indicator: str, period: str,
                ask: str, reply_by: date | str) -> int:
    """Open a 督办 for ``region``'s ``indicator`` in ``period`` (staff/admin), on a red or yellow
    item only, one open notice per county and indicator.  Returns its id."""
    regions = lookup.regions(store)
    code = region if region in set(regions["code"]) else lookup.resolve_region(store, region)
    access.ensure(user, "supervise", code, names=_names(store))
    level = regions.set_index("code").loc[code, "level"]
    name = _names(store)[code]
    if level != "county":
        raise SupervisionError(f"督办发给区县：{name}不是区县。")
    cat = lookup.catalog(store)
    ind = cat.indicators.set_index("code")
    if indicator not in ind.index:
        by_name = cat.indicators.loc[cat.indicators["name"] == indicator.strip(), "code"]
        if not len(by_name):
            raise SupervisionError(f"没有指标 “{indicator}”。请用 jxtrack targets 查看指标代码。")
        indicator = str(by_name.iloc[0])
    period = lookup.parse_period(period)
    ask = _text(ask, "督办事项（要求区县做什么）")
    due = parse_date(reply_by, "回复期限")
    problem = rules.check_reply_by(due)
    if problem:
        raise SupervisionError(problem)
    st = status_table.status(store, period, code)
    row = st[st["indicator_code"] == indicator]
    light = str(row["light"].iloc[0]) if len(row) else None
    if light not in rules.LIGHTS_SUPERVISED:
        raise SupervisionError(
            f"{name}“{ind.loc[indicator, 'name']}”{period} 不是红灯或黄灯，不需督办（督办针对落后于序时进度的指标）。")
    same = sql.notices(store, code)
    same = same[(same["indicator"] == indicator) & (same["state"] != rules.CLOSED)]
    if len(same):
        raise SupervisionError(
            f"{name}“{ind.loc[indicator, 'name']}”已有未办结的督办（编号 {int(same['supervision_id'].iloc[0])}）："
            "请在该督办上再次督办，或先办结它。")
    return sql.open_notice(store, region=code, indicator=indicator, period=period, light=light, ask=ask,
                           reply_by=due, actor=user.username)


def reply(store: Store, user: User | None, sid: int | str, *, measures: str,
          expected: date | str) -> None:
    """The county's answer: measures taken (整改措施) and when it expects to catch up (预计完成)."""
    n = _notice(store, sid)
    access.ensure(user, "reply", n["region"], names=_names(store))
    new = _step(n, "reply")
    measures = _text(measures, "整改措施")
    when = parse_date(expected, "预计完成日期")
    sql.take_step(store, n["supervision_id"], step="reply", new_state=new, old_state=n["state"],
                  actor=user.username, measures=measures, expected=when)


def close(store: Store, user: User | None, sid: int | str, note: str = "") -> None:
    """Close a notice (办结), staff/admin; the note is kept in its history."""
    n = _notice(store, sid)
    access.ensure(user, "supervise", n["region"], names=_names(store))
    new = _step(n, "close")
    sql.take_step(store, n["supervision_id"], step="close", new_state=new, old_state=n["state"],
                  actor=user.username, note=(note or "").strip() or None)


def press(store: Store, user: User | None, sid: int | str, *, ask: str, reply_by: date | str) -> None:
    """Ask again (再次督办): back to 待回复 with the new ask and reply-by date."""
    n = _notice(store, sid)
    access.ensure(user, "supervise", n["region"], names=_names(store))
    new = _step(n, "press")
    ask = _text(ask, "再次督办的要求")
    due = parse_date(reply_by, "回复期限")
    problem = rules.check_reply_by(due)
    if problem:
        raise SupervisionError(problem)
    sql.take_step(store, n["supervision_id"], step="press", new_state=new, old_state=n["state"],
                  actor=user.username, ask=ask, reply_by=due)


# ---- lists ---------------------------------------------------------------------------------------
def notices(store: Store, user: User | None, *, which: str = "all", region: str | None = None,
            today: date | None = None) -> pd.DataFrame:
    """Notices the user may see (LIST_COLUMNS), newest first: ``which`` is open | overdue |
    closed | all; ``region`` one county.  A county reporter sees its own county's only; leaders,
    staff and admin see all."""
    if which not in FILTERS:
        raise SupervisionError(f"无效的筛选 “{which}”：可选 {'、'.join(FILTERS)}。")
    if user is None:
        raise access.PermissionDenied("请先登录。")
    regions = lookup.regions(store)
    names = regions.set_index("code")["name"]
    if region is not None:
        region = region if region in set(regions["code"]) else lookup.resolve_region(store, region)
        access.ensure(user, "read", region, city=city_code(regions), names=names.to_dict())
    elif not access.can(user, "supervision"):
        if not access.can(user, "reply"):
            access.ensure(user, "supervision")
        region = user.region   # a county reporter: its own county
    df = sql.notices(store, region)
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "overdue" else object) for c in LIST_COLUMNS})
    today = clock.today() if today is None else today
    df["reply_by"] = [parse_date(v, "回复期限") for v in df["reply_by"]]
    df["expected"] = [None if clock.is_missing(v) else parse_date(v, "预计完成") for v in df["expected"]]
    df["overdue"] = [rules.is_overdue(s, d, today) for s, d in zip(df["state"], df["reply_by"], strict=True)]
    df["state_label"] = [rules.shown_state(s, d, today) for s, d in zip(df["state"], df["reply_by"], strict=True)]
    df["region_name"] = df["region"].map(names)
    df["indicator_name"] = df["indicator"].map(lookup.catalog(store).indicators.set_index("code")["name"])
    if which == "open":
        df = df[df["state"] != rules.CLOSED]
    elif which == "overdue":
        df = df[df["overdue"]]
    elif which == "closed":
        df = df[df["state"] == rules.CLOSED]
    return df[LIST_COLUMNS].reset_index(drop=True)


def history(store: Store, user: User | None, sid: int | str) -> pd.DataFrame:
    """Every step of one notice, oldest first (who, when, what was asked or answered)."""
    n = _notice(store, sid)
    regions = lookup.regions(store)
    access.ensure(user, "read", n["region"], city=city_code(regions), names=_names(store))
    out = sql.steps(store, n["supervision_id"])
    out["step_label"] = out["step"].map({"open": "发起督办", "reply": "区县回复", "press": "再次督办",
                                         "close": "办结"})
    return out


@dataclass(frozen=True)
class Summary:
    """The bulletin's 督办 section: notices about ``period`` (opened, of them answered) and every
    notice overdue at ``today`` (whatever period it is about)."""
    period: str
    opened: int
    answered: int
    overdue: int
    rows: pd.DataFrame   # the notices about the period and the overdue ones, LIST_COLUMNS


def summary(store: Store, period: str, today: date | None = None) -> Summary:
    """Counts for the bulletin (everyone's notices: the bulletin is the city's)."""
    df = notices(store, access.OPERATOR, today=today)
    of_period = df[df["period"] == period]
    answered = of_period["measures"].notna()   # the county replied at least once
    rows = df[(df["period"] == period) | df["overdue"]].reset_index(drop=True)
    return Summary(period, len(of_period), int(answered.sum()), int(df["overdue"].sum()), rows)
