"""The review (审核) of each region's monthly report: list by period, approve, return with a
reason, reopen with a reason -- one code path for the 报送情况 page and ``jxtrack review``.

- States and which step may follow which: ``jxtrack.domain.review``; who may take a step: the
  access policy (``review``, ``reopen``: staff and admin; a county cannot approve, a leader
  cannot write).  Every step is stored with the upload it applied to and audited.
- An approved report is locked: the import service refuses a new upload for it, and a
  withdrawal of an upload with figures in it, until it is reopened (``locked``).
- Returning deletes nothing: the figures stay in force until a corrected upload supersedes them.
- 审核后才计入通报 (``review_required``) is a setting of the working group like the due day
  (default off: figures count, and the bulletin lists the counties not yet reviewed).

No streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from jxtrack.catalog.model import city_code
from jxtrack.domain import access
from jxtrack.domain import review as rules
from jxtrack.domain.access import User
from jxtrack.domain.reasons import require_reason
from jxtrack.domain.review import Decision, Review
from jxtrack.services import lookup
from jxtrack.store import cycle as settings_sql
from jxtrack.store import review as sql
from jxtrack.store.interface import Store
from metrics.periods import label_month, months_of_year, previous_month, same_month_last_year

REQUIRED_KEY = "review_required"
REQUIRED_CAPTION = "审核后才计入通报"


class ReviewError(lookup.ServiceError):
    """A review step that cannot be taken as asked; ``str()`` is a Chinese message."""


def _reviews(store: Store, periods: list[str], regions: pd.DataFrame) -> dict[tuple[str, str], Review]:
    in_force = sql.uploads_in_force(store, periods)
    decided = {(d["region"], d["period"]): Decision(d["decision"], d["upload_id"], d["reason"],
                                                    d["decided_by"], d["decided_at"])
               for d in sql.decisions(store, periods)}
    out = {}
    for r in regions.itertuples():
        for p in periods:
            up, dec = in_force.get((r.code, p)), decided.get((r.code, p))
            out[(r.code, p)] = Review(r.code, r.name, p, rules.state_of(up, dec), up, dec)
    return out


def reviews(store: Store, period: str, user: User) -> list[Review]:
    """The review of every county for ``period`` (and of the zones that reported it), as ``user``
    may see them (a county reporter: its own), in region order.  The city's own figures are the
    working group's: not reviewed."""
    period = lookup.parse_period(period)
    with store.connect():
        regions = lookup.regions(store)
        city = city_code(regions)
        visible = regions[[access.allowed(user, "read", c, city=city) and c != city for c in regions["code"]]]
        got = _reviews(store, [period], visible)
    return [v for v in got.values()
            if v.state != rules.NOT_REPORTED or regions.set_index("code").loc[v.region, "level"] == "county"]


def county_reviews(store: Store, period: str) -> list[Review]:
    """Every county's review for ``period`` (for reminders and the bulletin, not per user)."""
    with store.connect():
        regions = lookup.regions(store)
        return list(_reviews(store, [lookup.parse_period(period)], regions[regions["level"] == "county"]).values())


def region_year(store: Store, user: User, region: str, year: int) -> list[Review]:
    """``region``'s reported months of ``year`` with their review, oldest first."""
    code = lookup.resolve_region(store, region)
    with store.connect():
        regions = lookup.regions(store)
        access.ensure(user, "read", code, city=city_code(regions),
                      names=regions.set_index("code")["name"].to_dict())
        got = _reviews(store, months_of_year(int(year)), regions[regions["code"] == code])
    return [v for v in got.values() if v.state != rules.NOT_REPORTED]


def review_of(store: Store, region: str, period: str, user: User | None = None) -> Review:
    """One region × period's review (``region``: name, short name, alias or code)."""
    code = lookup.resolve_region(store, region)
    period = lookup.parse_period(period)
    with store.connect():
        regions = lookup.regions(store)
        if user is not None:
            access.ensure(user, "read", code, city=city_code(regions),
                          names=regions.set_index("code")["name"].to_dict())
        return _reviews(store, [period], regions[regions["code"] == code])[(code, period)]


def _step(store: Store, user: User | None, step: str, region: str, period: str,
          reason: str | None) -> Review:
    code = lookup.resolve_region(store, region)
    names = lookup.region_names(store)
    access.ensure(user, rules.ACTION_OF[step], code, names=names)
    with store.connect():
        before = review_of(store, code, period)
        try:
            text = rules.check_step(step, before, reason)
        except rules.ReviewRefused as exc:
            raise ReviewError(str(exc)) from None
        sql.record_decision(store, code, before.period, rules.DECISION_OF[step], before.upload_id, text,
                            user.username, before.state)
        return review_of(store, code, period)


def approve(store: Store, user: User | None, region: str, period: str, reason: str | None = None) -> Review:
    """Approve a reported month (staff/admin): it is locked until reopened."""
    return _step(store, user, rules.APPROVE, region, period, reason)


def return_report(store: Store, user: User | None, region: str, period: str, reason: str) -> Review:
    """Return a reported month to its county with a reason the county sees (staff/admin).  Its
    figures stay in force until a corrected upload supersedes them."""
    return _step(store, user, rules.RETURN, region, period, reason)


def reopen(store: Store, user: User | None, region: str, period: str, reason: str) -> Review:
    """Reopen an approved month (staff/admin; reason logged): uploads are taken again."""
    return _step(store, user, rules.REOPEN, region, period, reason)


def locked(store: Store, pairs: Iterable[tuple[str, str]]) -> list[Review]:
    """The approved (locked) reviews among the (region, period) pairs, in the order given."""
    pairs = list(dict.fromkeys(pairs))
    if not pairs:
        return []
    periods = sorted({p for _, p in pairs})
    with store.connect():
        regions = lookup.regions(store)
        regions = regions[regions["code"].isin({r for r, _ in pairs})]
        got = _reviews(store, periods, regions)
    return [got[k] for k in pairs if k in got and got[k].locked]


def locked_in_upload(store: Store, upload_id: int) -> list[Review]:
    """The approved (locked) months an upload holds figures for (its withdrawal is refused)."""
    return locked(store, sql.upload_pairs(store, upload_id))


def locked_message(rev: Review, action: str = "上传") -> str:
    """What the import service says when a locked month is touched."""
    return (f"{rev.region_name}{label_month(rev.period)}的报表已由市工作专班审核通过（已锁定），不能再{action}。"
            "如需更正，请联系市工作专班重新打开（需写明原因）后再上传。")


# ---- the setting 审核后才计入通报 ------------------------------------------------------------------
@dataclass(frozen=True)
class Required:
    on: bool
    set_by: str | None = None
    set_at: object = None
    reason: str | None = None

    @property
    def caption(self) -> str:
        return (f"{REQUIRED_CAPTION}：已开启（尚未审核通过的区县本月数据不计入通报）" if self.on
                else f"{REQUIRED_CAPTION}：未开启（已报送的数据即计入通报，通报列出尚未审核的区县）")


def required_setting(store: Store) -> Required:
    row = settings_sql.setting(store, REQUIRED_KEY)
    if row is None:
        return Required(False)
    return Required(row["value"] == "on", row["set_by"], row["set_at"], row["reason"])


def review_required(store: Store) -> bool:
    """Whether figures count in the bulletin only once approved (default False)."""
    return required_setting(store).on


def set_review_required(store: Store, user: User | None, on: bool, reason: str) -> Required:
    """Turn 审核后才计入通报 on or off (staff/admin, with a reason; audited)."""
    access.ensure(user, "settings")
    reason = require_reason(reason, f"修改“{REQUIRED_CAPTION}”")
    old = "on" if review_required(store) else "off"
    settings_sql.set_setting(store, REQUIRED_KEY, "on" if on else "off", user.username, reason, old=old)
    return required_setting(store)


# ---- what a reviewer sees ---------------------------------------------------------------------
def figures(store: Store, user: User, region: str, period: str) -> pd.DataFrame:
    """A region's figures for ``period`` beside last month and the same month last year, with its
    偏差说明: columns 指标项, 单位, 本期, 上月, 去年同期, 偏差说明 (in catalog order)."""
    code = lookup.resolve_region(store, region)
    period = lookup.parse_period(period)
    prev, ly = previous_month(period), same_month_last_year(period)
    with store.connect():
        regions = lookup.regions(store)
        access.ensure(user, "read", code, city=city_code(regions),
                      names=regions.set_index("code")["name"].to_dict())
        obs = store.observations(periods=[period, prev, ly], regions=[code])
        meas = lookup.catalog(store).measures
    cur = obs[obs["period"] == period].set_index("measure")
    by = {p: obs[obs["period"] == p].set_index("measure")["value"] for p in (prev, ly)}
    rows = []
    for m in meas.itertuples():
        if m.code not in cur.index:
            continue
        note = cur.loc[m.code, "note"]
        rows.append([m.name, m.unit, cur.loc[m.code, "value"], by[prev].get(m.code), by[ly].get(m.code),
                     "" if note is None or pd.isna(note) else str(note)])
    return pd.DataFrame(rows, columns=["指标项", "单位", "本期", "上月", "去年同期", "偏差说明"])


def left_out_of_bulletin(store: Store, period: str) -> list[str]:
    """The county codes whose figures of ``period`` do not count in the bulletin: reported but not
    approved, when 审核后才计入通报 is on (none when it is off)."""
    with store.connect():
        if not review_required(store):
            return []
        return [v.region for v in county_reviews(store, period) if v.state in (rules.SUBMITTED, rules.RETURNED)]


def pending_note(store: Store, period: str) -> str:
    """The bulletin's data-status line about review: the counties whose figures are not yet
    approved (待审核 / 已退回); '' when every reported county is approved."""
    with store.connect():
        got = county_reviews(store, period)
        on = review_required(store)
    waiting = [v for v in got if v.state == rules.SUBMITTED]
    back = [v for v in got if v.state == rules.RETURNED]
    if not waiting and not back:
        return ""
    bits = []
    if waiting:
        bits.append(f"待审核：{'、'.join(v.region_name for v in waiting)}")
    if back:
        bits.append(f"已退回待更正：{'、'.join(v.region_name for v in back)}")
    how = (f"按工作专班设置“{REQUIRED_CAPTION}”，以上区县本月的数据未计入本通报" if on
           else "其数据已计入本通报，审核中如有更正以更正后的数据为准")
    return f"数据审核：{'；'.join(bits)}（{how}）。"
