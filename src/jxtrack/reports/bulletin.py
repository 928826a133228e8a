"""The monthly bulletin (月度通报) as a content model, built from ``status_table.status``.

``build(store, period, user)`` gathers everything the Word and Excel writers print: the headline
paragraphs per indicator group, the summary table, county rankings of the key indicators, the red
list with each county's 偏差说明, the submission status and the data-quality warnings.  Tables hold
raw values and a column kind; each writer formats them its own way (text in Word, typed cells with
number formats in Excel), so both files say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from jxtrack.catalog.model import city_code
from jxtrack.domain import access, clock, lights
from jxtrack.domain.reasons import require_reason
from jxtrack.present import fmt
from jxtrack.present.fmt import GAP, GAP_UNIT, PROGRESS, PROGRESS_RULE
from jxtrack.reports import masthead as mast
from jxtrack.reports import narrative
from jxtrack.services import cycle, lookup, quality, review, status_table
from jxtrack.services.submissions import people_names, shown_person
from jxtrack.store import cycle as cycle_sql
from jxtrack.store import quality as store_quality
from jxtrack.store.interface import Store
from metrics.periods import label_ytd, label_ytd_short, period_month, period_year, previous_month

TITLE = "嘉兴市制造业“两化”改造和两业融合工作月度通报"


class ReportError(lookup.ServiceError):
    """A bulletin that cannot be produced as asked (no data, bad file name); Chinese message."""


@dataclass
class Column:
    """kind: text | int | num (decimals by the row's unit) | pct (a fraction) | pp (signed
    percentage points) | light (a light code) | rank_change (signed int: + is up)."""

    title: str
    kind: str = "text"
    width: float = 2.0  # cm in Word; Excel widths are derived from it


@dataclass
class Table:
    key: str  # stable English name, used for sheet names in tests
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    units: list[str | None] = field(default_factory=list)  # per row, for num columns
    lights: list[str | None] = field(default_factory=list)  # per row: the row's light
    section_rows: dict[int, str] = field(default_factory=dict)  # row index -> heading row before it
    note: str = ""


@dataclass
class Bulletin:
    period: str
    title: str
    subtitle: str
    generated_at: datetime
    is_demo: bool
    overview: list[str]
    groups: list[tuple[str, list[str]]]
    attention: list[str]
    summary: Table
    rankings: list[Table]
    red_list: Table
    submissions: Table
    quality: Table
    notes: list[str]
    status: pd.DataFrame  # the rows behind the bulletin (for charts and tests)
    fund: Table | None = None  # the city fund against its target (项目库), when the ledger has projects
    issuer: str = mast.ISSUER                  # 发文机关 of the masthead (版头)
    office: str = mast.ISSUING_OFFICE          # who prints it (版记: …办公室 2026年12月3日印发)
    doc_number: str = ""                       # 嘉两化专班通报〔2026〕10号
    supervision: Table | None = None  # 督办: notices about the period and every one overdue


ISSUER_KEY, PREFIX_KEY = "bulletin_issuer", "bulletin_doc_prefix"


def masthead(store: Store, period: str) -> tuple[str, str, str]:
    """(issuer, issuing office, document number) for ``period``'s bulletin: the working group's
    settings, else the defaults of ``reports.masthead``.  The office is the issuer's 办公室."""
    issuer = (cycle_sql.setting(store, ISSUER_KEY) or {}).get("value") or mast.ISSUER
    prefix = (cycle_sql.setting(store, PREFIX_KEY) or {}).get("value") or mast.DOC_PREFIX
    office = mast.ISSUING_OFFICE if issuer == mast.ISSUER else f"{issuer}办公室"
    return issuer, office, mast.doc_number(prefix, period)


def set_masthead(store: Store, user: access.User | None, issuer: str | None = None, prefix: str | None = None,
                 reason: str = "") -> None:
    """Set the bulletin's 发文机关 and 文号 prefix (工作专班 and 管理员; the reason is audited)."""
    access.ensure(user, "settings")
    require_reason(reason, "修改发文机关和文号")
    actor = user.username if user is not None else access.OPERATOR.username
    for key, value in ((ISSUER_KEY, issuer), (PREFIX_KEY, prefix)):
        if value is not None:
            value = str(value).strip()
            if not value:
                raise ReportError("发文机关和文号前缀不能为空。")
            old = (cycle_sql.setting(store, key) or {}).get("value")
            cycle_sql.set_setting(store, key, value, actor, str(reason).strip(), old=old)


def _kind_col(st: pd.DataFrame) -> pd.Series:
    return st["kind"]


def build(store: Store, period: str | None = None, user: access.User | None = None,
          today: date | None = None) -> Bulletin:
    """The bulletin for ``period`` (default: ``cycle.default_period``, the newest month complete
    enough to judge), as ``user`` may see it."""
    with store.connect():
        if period is None:
            period = cycle.default_period(store, today)
            if period is None:
                raise ReportError("数据库里还没有任何数据，无法生成月度通报。请先导入报表。")
        period = lookup.parse_period(period)
        if not store_quality.has_period(store, period):
            latest = store.latest_period()
            hint = f"最新有数据的报告期是 {latest}。" if latest else "数据库里还没有任何数据。"
            raise ReportError(f"报告期 {period} 没有任何区县报送数据，无法生成月度通报。{hint}")
        # 审核后才计入通报: the counties not yet approved do not count (none when the setting is off)
        st = status_table.status(store, period, user=user, leave_out=review.left_out_of_bulletin(store, period))
        prev = previous_month(period)
        prev_st = status_table.status(store, prev, user=user) if store_quality.has_period(store, prev) else None
        regions = lookup.regions(store)
        subs = store_quality.submissions(store, period)
        firsts = store_quality.first_accepted_upload(store, period)
        warnings = quality.check(store, period, user=user, today=today)
        sources = store.sources()
        is_demo = store.is_demo()
        due_day = cycle.due_day(store)
        people = people_names(store)
        issuer, office, number = masthead(store, period)
        state = cycle.period_state(store, period, today, due_day)
        review_note = review.pending_note(store, period)   # counties not yet approved (审核)
    st = st.assign(kind=_kind_col(st))
    names = regions.set_index("code")["name"].to_dict()
    city_rows = st[st["region_level"] == "city"]
    city_recs = city_rows.to_dict("records")

    overview = [narrative.overview_sentence(city_recs, period)] if city_recs else []
    groups = []
    for g in ("两化", "两业"):
        paras = narrative.group_paragraphs(city_recs, period, g, names)
        if paras:
            groups.append((narrative.GROUP_TITLES[g], paras))

    red = st[(st["region_level"] != "city") & (st["light"] == "red")]
    attention = _attention(red, st, period)
    notes = _notes(st, city_rows, sources, is_demo, prev_st is not None, period, names,
                   lights.rules(lookup.catalog(store).indicators))
    if review_note:
        notes.append(review_note)
    return Bulletin(
        period=period,
        title=TITLE,
        subtitle=f"（{label_ytd(period)}" + (f" · {state.label}" if state.label else "") + "）",
        generated_at=clock.now(),
        is_demo=is_demo,
        overview=overview,
        groups=groups,
        attention=attention,
        summary=_summary(city_rows, period),
        rankings=_rankings(st, prev_st, period),
        red_list=_red_list(red),
        submissions=_submissions(regions, subs, firsts, period, user, due_day, state.overdue, people),
        quality=_quality(warnings),
        notes=notes,
        status=st,
        fund=_fund(store, period, user),
        issuer=issuer,
        office=office,
        doc_number=number,
        supervision=_supervision(store, period, user, today),
    )


def _supervision(store: Store, period: str, user: access.User | None, today: date | None) -> Table:
    """督办: how many notices were opened about this period and how many of them the counties
    answered, how many (of any period) are overdue at ``today`` — counts in the note, the notices
    in the rows (those of regions ``user`` may read)."""
    from jxtrack.services import supervision

    s = supervision.summary(store, period, today)
    rows = s.rows
    if user is not None:
        regions = lookup.regions(store)
        city = city_code(regions)
        rows = rows[rows["region"].isin(access.readable(user, rows["region"], city=city))]
    t = Table(
        key="supervision",
        title="督办情况",
        columns=[
            Column("编号", "int", 1.2), Column("区县", "text", 1.8), Column("指标", "text", 3.2),
            Column("报告期", "text", 1.6), Column("状态", "text", 1.9), Column("督办要求", "text", 3.5),
            Column("回复期限", "text", 2.0), Column("整改措施", "text", 3.5), Column("预计完成", "text", 2.0),
        ],
        note=(f"{label_ytd(period)}数据发起督办 {s.opened} 项，区县已回复 {s.answered} 项；"
              f"逾期未回复 {s.overdue} 项（全部督办，按{clock.zone_label()}判断）。"),
    )
    for r in rows.itertuples():
        t.rows.append([int(r.supervision_id), r.region_name, r.indicator_name, r.period, r.state_label, r.ask,
                       f"{r.reply_by:%Y-%m-%d}", r.measures if isinstance(r.measures, str) else "",
                       "" if r.expected is None else f"{r.expected:%Y-%m-%d}"])
        t.lights.append("red" if r.overdue else ("green" if r.state == "closed" else "yellow"))
        t.units.append(None)
    return t


def _fund(store: Store, period: str, user: access.User | None) -> Table | None:
    """市本级资金使用 for the period's year (jxtrack.services.projects owns the figures); None without a ledger
    or for a user whose fund figures are not the whole city's (a county sees its own sums on 项目库
    only: the city's committed total would reveal the other counties')."""
    from jxtrack.services import projects

    if user is not None and projects.fund_scope(store, user) is not None:
        return None
    year = period_year(period)
    if projects.list_projects(store, None).empty:
        return None
    f = projects.fund(store, None, year).iloc[0]
    t = Table(
        key="fund",
        title=f"{year}年市本级“两化”改造资金使用（项目库测算）",
        columns=[Column("年度", "int", 1.5), Column("预算", "num", 2.4), Column("已承诺", "num", 2.4),
                 Column("其中预拨付", "num", 2.4), Column("余额", "num", 2.4), Column("使用进度", "pct", 2.0)],
        note="按项目库和奖补规则（嘉政发〔2024〕6号 三、支持政策，就高不重复）测算，单位万元；预算为四（二）"
             "“市本级财政每年统筹安排1亿元以上”。已承诺含当年验收项目的奖补（扣除此前预拨付）和当年开工项目的预拨付。",
    )
    t.rows.append([year, f["budget"], f["committed"], f["prepaid"], f["remaining"], f["committed_share"]])
    t.units.append("万元")
    t.lights.append(None)
    return t


def _attention(red: pd.DataFrame, st: pd.DataFrame, period: str) -> list[str]:
    """Who must explain: counties with red lights, and those that have not explained them."""
    out = []
    if not len(red):
        counties = st[st["region_level"] == "county"]
        if len(counties):
            out.append("各区县均无红灯指标。")
        return out
    by = red.groupby("region", sort=False).agg(n=("indicator_code", "size"), s=("region_sort", "first"))
    by = by.sort_values(["n", "s"], ascending=[False, True])
    out.append("红灯指标分布：" + "、".join(f"{r}{int(n)}项" for r, n in by["n"].items()) + "。")
    unexplained = red[red["explanation"].isna() | (red["explanation"].astype(str).str.strip() == "")]
    if len(unexplained):
        per = unexplained.groupby("region", sort=False)["indicator_name"].agg(list)
        per = per.reindex([r for r in by.index if r in per.index])
        items = [f"{r}（{'、'.join(v[:4])}{'等' + str(len(v)) + '项' if len(v) > 4 else ''}）"
                 for r, v in per.items()]
        out.append(f"以下区县共{len(unexplained)}项红灯指标尚未提交偏差说明，请于下次报送时书面说明原因和整改措施："
                   + "；".join(items) + "。")
    else:
        out.append("所有红灯指标均已提交偏差说明（见“红灯指标及偏差说明”）。")
    return out


def _notes(st, city_rows, sources, is_demo, has_prev, period, names, rules) -> list[str]:
    notes = []
    if is_demo:
        notes.append("【示例数据】本通报由系统生成的示例数据编制，不是真实统计数字。")
    used = set(city_rows["target_source"].dropna()) - {""}
    src = sources.set_index("code")
    bits = []
    for code in sorted(used):
        if code in src.index:
            s = src.loc[code]
            status = ("正式文件" if s["status"] == "official" else
                      "目标以正式文件为准" if "征求意见稿" in str(s["title"]) else "征求意见稿，目标以正式文件为准")
            doc = s["doc_number"] if isinstance(s["doc_number"], str) and s["doc_number"] else ""
            bits.append(f"{doc}《{s['title']}》（{status}）" if doc and "无文号" not in doc else f"《{s['title']}》（{status}）")
    if bits:
        notes.append("全市目标来源：" + "；".join(bits) + "。")
    notes.append(PROGRESS_RULE)   # the one definition, as the screens' help says it
    rule, other = rules   # the thresholds of data/indicators.csv in words
    notes.append(f"亮灯规则：已完成=已达到目标；绿灯={rule['green']}；黄灯={rule['yellow']}；"
                 f"红灯={rule['red']}{other}；无数据=未报送或未设目标。")
    notes.append("全市比率指标按各区县分子、分母分别汇总后计算（Σ分子/Σ分母），不取区县比率的平均数；"
                 "功能区与区县范围重叠，不计入全市合计。")
    partial = city_rows[city_rows["partial"].astype(bool)]
    if 0 < len(partial) <= 5:
        notes.append("以下全市数据仅由部分区县汇总，亮灯仅供参考：" + "；".join(
            f"{r.indicator_name}（{int(r.reporting)}/{int(r.expected_reporting)}）" for r in partial.itertuples()) + "。")
    elif len(partial):
        notes.append(f"本期有{len(partial)}项指标的全市数据仅由部分区县汇总（见“报送情况”），亮灯仅供参考。")
    if not has_prev:
        if period_month(period) == 2:
            notes.append("1-2月数据合并报送，没有单独的1月数据，区县排名变化不作比较。")
        else:
            notes.append(f"上月（{previous_month(period)}）无数据，区县排名变化不作比较。")
    return notes


def _summary(city_rows: pd.DataFrame, period: str) -> Table:
    t = Table(
        key="summary",
        title="指标完成情况汇总表（全市）",
        columns=[
            Column("序号", "int", 0.8), Column("指标", "text", 4.1), Column("单位", "text", 1.3),
            Column("目标", "num", 1.4), Column(label_ytd_short(period), "num", 1.6),
            Column("完成率", "pct", 1.45), Column(PROGRESS, "pct", 1.45),
            Column(GAP, "pp", 1.4), Column("同比", "pct", 1.45), Column("亮灯", "light", 1.85),
        ],
        note=f"{GAP}=完成率−{PROGRESS}，单位为{GAP_UNIT}，正数为超进度、负数为落后；{PROGRESS}的算法见文末说明。",
    )
    n = 0
    last_group = None
    for r in city_rows.itertuples():
        if r.group != last_group:
            t.section_rows[len(t.rows)] = narrative.GROUP_TITLES.get(r.group, r.group)
            last_group = r.group
        n += 1
        is_ms = r.kind == "milestone"
        t.rows.append([
            n, r.indicator_name, r.unit, r.target, r.actual,
            None if is_ms else r.completion, None if is_ms else r.time_progress,
            None if is_ms else fmt.gap_points(r.completion, r.time_progress, r.gap_pp), r.yoy if r.kind in ("annual_flow", "ytd_ratio") else None,
            lights.shown(r.light, r.light_reason),
        ])
        t.units.append(r.unit)
        t.lights.append(lights.shown(r.light, r.light_reason))
    return t


def _rank_change(now, before) -> object:
    if fmt.missing(now) or before is None or fmt.missing(before):
        return None
    return int(before) - int(now)  # + means moved up


def _rankings(st: pd.DataFrame, prev_st: pd.DataFrame | None, period: str) -> list[Table]:
    counties = st[st["region_level"] == "county"]
    key_codes = list(dict.fromkeys(st.loc[st["key"].astype(bool), "indicator_code"]))
    prev_rank = {}
    if prev_st is not None:
        pc = prev_st[prev_st["region_level"] == "county"]
        prev_rank = {(r.indicator_code, r.region_code): r.rank for r in pc.itertuples()}
    out = []
    for code in key_codes:
        c = counties[counties["indicator_code"] == code].copy()
        if not len(c) or c["actual"].notna().sum() == 0:
            continue
        with_value = c[c["actual"].notna()]
        by_completion = with_value["completion"].notna().all()
        c["_rk"] = c["rank"].astype("float64")
        c = c.sort_values(["_rk", "region_sort"], na_position="last")
        first = c.iloc[0]
        basis = "按完成率排名" if by_completion else "按实际值排名（目标未分解到区县）"
        t = Table(
            key=f"rank_{code}",
            title=f"{first['indicator_name']}（{first['unit']}，{basis}）",
            columns=[
                Column("排名", "int", 1.1), Column("区县", "text", 1.9), Column(label_ytd_short(period), "num", 2.0),
                Column("目标", "num", 1.8), Column("完成率", "pct", 1.6), Column(GAP, "pp", 1.5),
                Column("同比", "pct", 1.6), Column("排名较上月", "rank_change", 1.9), Column("亮灯", "light", 1.9),
            ],
        )
        for r in c.itertuples():
            t.rows.append([
                None if fmt.missing(r.rank) else int(r.rank), r.region, r.actual, r.target, r.completion,
                fmt.gap_points(r.completion, r.time_progress, r.gap_pp), r.yoy, _rank_change(r.rank, prev_rank.get((code, r.region_code))), lights.shown(r.light, r.light_reason),
            ])
            t.units.append(r.unit)
            t.lights.append(lights.shown(r.light, r.light_reason))
        out.append(t)
    return out


def _red_list(red: pd.DataFrame) -> Table:
    t = Table(
        key="red_list",
        title="红灯指标及偏差说明（区县）",
        columns=[
            Column("区县", "text", 1.5), Column("指标", "text", 3.4), Column("完成值", "num", 1.6),
            Column("目标", "num", 1.4), Column("完成率", "pct", 1.4), Column(GAP, "pp", 1.5),
            Column("偏差说明", "text", 5.4),
        ],
        note=f"{GAP}单位为{GAP_UNIT}。偏差说明由区县在报表中填写；“未提交”的须在下次报送时补充说明原因和整改措施。",
    )
    red = red.sort_values(["region_sort", "sort"]) if len(red) else red
    for r in red.itertuples():
        expl = r.explanation if isinstance(r.explanation, str) and r.explanation.strip() else "【未提交偏差说明】"
        t.rows.append([r.region, r.indicator_name, r.actual, r.target, r.completion,
                       fmt.gap_points(r.completion, r.time_progress, r.gap_pp), expl])
        t.units.append(r.unit)
        t.lights.append("red")
    return t


def _submissions(regions: pd.DataFrame, subs: pd.DataFrame, firsts: pd.DataFrame, period: str,
                 user: access.User | None, due_day: int, overdue: bool = True,
                 people: dict[str, str] | None = None) -> Table:
    due = cycle.due_date(period, due_day)
    t = Table(
        key="submissions",
        title="报送情况",
        columns=[
            Column("地区", "text", 2.9), Column("报送情况", "text", 2.0), Column("数据项", "int", 1.4),
            Column("上传编号", "text", 1.9), Column("首次上传时间", "text", 3.0), Column("上传人", "text", 1.7),
            Column("说明", "text", 3.5),
        ],
        note=f"报送期限：{due:%Y年%m月%d日}（报告期次月{due.day}日）。上传编号可在“报送情况”页查到原始文件。",
    )
    s = subs.set_index("region")
    f = firsts.set_index("region")
    city = city_code(regions)
    for r in regions.itertuples():
        if user is not None and not access.allowed(user, "read", r.code, city=city):
            continue
        reported = r.code in s.index
        if r.level == "zone" and not reported:
            continue  # zones report only when the city asks them to
        name = r.name + ("（市本级）" if r.level == "city" else "")
        if not reported and not overdue:   # not missing before its due date: 待报
            t.rows.append([name, "待报", None, "", "", "", f"报送截止{due.month}月{due.day}日"])
            t.lights.append("none")
            t.units.append(None)
            continue
        if not reported:
            t.rows.append([name, "未报送", None, "", "", "", "请尽快报送"])
            t.lights.append("red" if r.level == "county" else "none")
            t.units.append(None)
            continue
        row = s.loc[r.code]
        demo = "demo" in str(row["kinds"])
        first_at = clock.local(pd.Timestamp(f.loc[r.code, "uploaded_at"]))   # every region reported has one
        late = (not demo) and cycle.is_late(first_at, period, due_day)
        status = "逾期报送" if late else "已报送"
        remark = "示例数据（系统生成）" if demo else ("晚于报送期限" if late else "按时报送")
        t.rows.append([name, status, int(row["n_values"]), "#" + str(row["upload_ids"]).replace(",", ", #"),
                       fmt.moment(first_at), shown_person(people or {}, row["usernames"]), remark])
        t.lights.append("yellow" if late else "green")
        t.units.append(None)
    return t


def _quality(w: pd.DataFrame) -> Table:
    t = Table(
        key="quality",
        title="数据质量提示",
        columns=[
            Column("级别", "text", 1.1), Column("类型", "text", 2.2), Column("地区", "text", 1.5),
            Column("指标", "text", 2.8), Column("上传", "text", 1.1), Column("说明", "text", 7.7),
        ],
        note="数据质量提示由系统自动检查生成，不影响亮灯结果；请相关区县核实后在下次报送时更正或说明。",
    )
    sev_light = {"error": "red", "warning": "yellow", "info": "none"}
    for r in w.itertuples():
        ind = r.indicator if isinstance(r.indicator, str) else (r.measure_name if isinstance(r.measure_name, str) else "—")
        up = "—" if r.upload_id is None or pd.isna(r.upload_id) else f"#{int(r.upload_id)}"
        t.rows.append([r.severity_label, r.check_label, r.region, ind, up, r.message])
        t.lights.append(sev_light.get(r.severity))
        t.units.append(None)
    return t
