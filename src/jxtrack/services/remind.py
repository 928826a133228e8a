"""Reminders of the monthly cycle (``jxtrack remind``): who still has to report, who reported
late, and which indicators turned red since the last bulletin — as one Chinese message for a
DingTalk group robot and/or e-mail (``jxtrack.services.notify``).

- **Period**: by default ``cycle.collecting_period``, the month before today's Beijing month (the report being collected now:
  on 2026-11-05 it is 2026-10, due 2026-11-10).
- **Up to the due date** (the due day itself included): the counties that have not reported.
  **After it**: the counties still missing (未报) and those that reported late (迟报).  Due day and
  lateness are ``jxtrack.services.cycle``'s, judged on Beijing dates, on the first upload still accepted
  (``store.quality.first_uploads``, the same as 报送情况 and 数据质量).
- **Turned red**: (indicator, region) items red in the period's status now and not red in the
  last bulletin issued for this period or an earlier one (``jxtrack report`` records each bulletin
  with its red items).  If no bulletin was ever issued, the comparison is with the previous
  period's lights.  A period without any figures yet has no lights: the section is left out; in a
  month still being collected the city's totals are not judged (``status_table.status``), so only the
  reported counties' own items can turn red.
- **督办 overdue**: every supervision notice still waiting for the county's answer after its
  reply-by date (Beijing date, ``jxtrack.domain.supervision``), whatever period it is about.
- **Returned** (已退回): the counties whose report the working group returned, with its reason
  (``jxtrack.services.review``), until a corrected upload is in.
- Nothing to say (everyone reported on time, nothing newly red, no 督办 overdue, none returned): no message
  is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from jxtrack.domain import clock
from jxtrack.domain import review as review_rules
from jxtrack.services import cycle, lookup, review, status_table
from jxtrack.services.notify import Message
from jxtrack.store import cycle as cycle_sql
from jxtrack.store import quality as store_quality
from jxtrack.store.interface import Store
from metrics.periods import Period, label_month, label_ytd

MAX_LISTED = 30  # items listed per section; the rest are counted


@dataclass
class Reminder:
    period: str
    due: date
    due_day: int
    overdue: bool                                  # the due date has passed (Beijing date)
    generated_at: datetime
    not_reported: list[str] = field(default_factory=list)       # county names
    late: list[tuple[str, datetime]] = field(default_factory=list)  # (county, first upload)
    turned_red: list[tuple[str, str]] = field(default_factory=list)  # (region, indicator)
    returned: list[tuple[str, str]] = field(default_factory=list)    # (county, the return's reason)
    compared_with: str = ""                        # what "turned red" compares with
    is_demo: bool = False
    # 督办 past their reply-by date without an answer: (county, indicator, reply-by date)
    supervision_overdue: list[tuple[str, str, date]] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        return bool(self.not_reported or self.late or self.turned_red or self.supervision_overdue or self.returned)

    def message(self) -> Message:
        return Message(self.title, render(self, markdown=True), render(self, markdown=False))

    @property
    def title(self) -> str:
        return f"报送提醒：{label_month(self.period)}数据" + ("（示例数据）" if self.is_demo else "")


def build(store: Store, period: str | None = None, at: datetime | None = None) -> Reminder:
    """What to remind about for ``period`` (default ``default_period``) at ``at`` (default now)."""
    at = clock.local(at) if at is not None else clock.now()
    period = lookup.parse_period(period) if period else cycle.collecting_period(at)
    with store.connect():
        day = cycle.due_day(store)
        regions = lookup.regions(store)
        subs = store_quality.submissions(store, period)
        firsts = store_quality.first_accepted_upload(store, period)
        has_data = store_quality.has_period(store, period)
        status = status_table.status(store, period) if has_data else None
        bulletin = cycle_sql.last_bulletin(store, before_or_at=period)
        prev = str(Period.parse(period).previous())
        prev_status = (status_table.status(store, prev) if bulletin is None and has_data
                       and store_quality.has_period(store, prev) else None)
        is_demo = store.is_demo()
        returned = [(v.region_name, v.return_reason or "") for v in review.county_reviews(store, period)
                    if v.state == review_rules.RETURNED]
    rem = Reminder(period=period, due=cycle.due_date(period, day), due_day=day,
                   overdue=cycle.is_overdue(period, day, at), generated_at=at, is_demo=is_demo,
                   returned=returned)
    counties = regions[regions["level"] == "county"]
    reported = set(subs["region"].astype(str))
    first = firsts.set_index("region") if len(firsts) else firsts
    for r in counties.itertuples():
        if r.code not in reported:
            rem.not_reported.append(r.name)
        elif rem.overdue and r.code in first.index and first.loc[r.code, "kind"] != "demo":
            t = clock.local(first.loc[r.code, "uploaded_at"])
            if cycle.is_late(t, period, day):
                rem.late.append((r.name, t))
    if status is not None:
        before, rem.compared_with = _reds_before(bulletin, prev_status, prev)
        if before is not None:
            red = status[status["light"] == "red"].sort_values(["region_sort", "sort"])
            rem.turned_red = [(str(x.region), str(x.indicator_name))
                              for x in red.itertuples()
                              if (str(x.indicator_code), str(x.region_code)) not in before]
    from jxtrack.domain.access import OPERATOR
    from jxtrack.services import supervision

    over = supervision.notices(store, OPERATOR, which="overdue", today=clock.local_date(at))
    rem.supervision_overdue = [(str(n.region_name), str(n.indicator_name), n.reply_by)
                               for n in over.sort_values(["reply_by", "supervision_id"]).itertuples()]
    return rem


def _reds_before(bulletin: dict | None, prev_status: pd.DataFrame | None,
                 prev: str) -> tuple[set[tuple[str, str]] | None, str]:
    """The red (indicator, region) items to compare with, and a phrase saying what they are."""
    if bulletin is not None:
        items = {(d["indicator"], d["region"]) for d in bulletin["red"]}
        when = clock.show(bulletin["issued_at"])
        return items, f"与{label_ytd(bulletin['period'])}月度通报（{when} 生成）相比"
    if prev_status is not None:
        red = prev_status[prev_status["light"] == "red"]
        return ({(str(i), str(r)) for i, r in zip(red["indicator_code"], red["region_code"], strict=True)},
                f"尚未发布过月度通报，与上期（{label_ytd(prev)}）亮灯相比")
    return None, ""


def _names(items: list[str]) -> str:
    shown = "、".join(items[:MAX_LISTED])
    return shown + (f"等{len(items)}个" if len(items) > MAX_LISTED else "")


def render(rem: Reminder, markdown: bool = True) -> str:
    """The reminder as DingTalk markdown or plain text (e-mail, DingTalk text, --dry-run)."""
    b = (lambda s: f"**{s}**") if markdown else (lambda s: s)
    lines = [f"### {rem.title}" if markdown else rem.title, ""]
    due = f"{rem.due.year}年{rem.due.month}月{rem.due.day}日"
    if rem.overdue:
        lines.append(f"报送期限 {due} 已过（{cycle.due_caption(rem.due_day)}）。")
        if rem.not_reported:
            lines.append(f"{b(f'未报送（{len(rem.not_reported)}个区县）')}：{_names(rem.not_reported)}。请尽快报送。")
        if rem.late:
            shown = [f"{n}（{t.month}月{t.day}日 {t:%H:%M}）" for n, t in rem.late]
            lines.append(f"{b(f'迟报（{len(rem.late)}个区县）')}：{_names(shown)}。")
        if not rem.not_reported and not rem.late:
            lines.append("各区县均已按时报送。")
    else:
        left = (rem.due - clock.local_date(rem.generated_at)).days
        when = "今天截止" if left == 0 else f"还有 {left} 天"
        lines.append(f"报送期限：{due}（{when}；{cycle.due_caption(rem.due_day)}）。")
        if rem.not_reported:
            lines.append(f"{b(f'尚未报送（{len(rem.not_reported)}个区县）')}：{_names(rem.not_reported)}。")
        else:
            lines.append("各区县均已报送。")
    if rem.returned:
        shown = [f"{n}（退回原因：{why}）" for n, why in rem.returned]
        lines.append(f"{b(f'已退回待更正（{len(rem.returned)}个区县）')}：{_names(shown)}。请按原因更正后重新上传。")
    if rem.turned_red:
        lines.append("")
        lines.append(f"{b(f'新出现的红灯（{len(rem.turned_red)}项）')}，{rem.compared_with}：")
        for region, indicator in rem.turned_red[:MAX_LISTED]:
            lines.append(f"- {region}：{indicator}")
        if len(rem.turned_red) > MAX_LISTED:
            lines.append(f"- ……共{len(rem.turned_red)}项")
    if rem.supervision_overdue:
        lines.append("")
        lines.append(f"{b(f'督办逾期未回复（{len(rem.supervision_overdue)}项）')}，请相关区县尽快回复整改措施：")
        for region, indicator, by in rem.supervision_overdue[:MAX_LISTED]:
            lines.append(f"- {region}：{indicator}（回复期限 {by.month}月{by.day}日）")
        if len(rem.supervision_overdue) > MAX_LISTED:
            lines.append(f"- ……共{len(rem.supervision_overdue)}项")
    lines.append("")
    lines.append(f"（{clock.zone_label()} {clock.show(rem.generated_at)} 由 jxtrack 生成）")
    sep = "\n\n" if markdown else "\n"  # DingTalk markdown needs blank lines between paragraphs
    return sep.join(x for x in lines if x != "" or not markdown).strip() + "\n"
