"""The bulletin's Chinese text, generated from the status figures.

Each function takes status rows (mappings with the columns of ``services.status``) and returns
sentences such as “1-10月，全市完成数字化改造项目1300个，完成年度目标的86.7%，超序时进度3.4个百分点”.
The wording follows the figures: ahead of or behind 序时进度 (or the planned path), already done,
missing figures, a target not set, January (“1月”) versus 1-N月.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from jxtrack.catalog.model import COUNT_UNITS as COUNTS
from jxtrack.domain import lights as lights_vocab
from jxtrack.reports.text import LIGHT_ORDER, is_missing, light_word, shown_gap
from metrics.periods import label_ytd_short

GROUP_TITLES = {"两化": "“两化”改造", "两业": "两业融合"}
# verb before an indicator's name in a sentence, by catalog section (data labels stay in the
# catalog; this is grammar)
SECTION_VERBS = {"实施项目": "完成", "每年培育": "培育"}

Row = Mapping[str, object]


def _get(row: Row, key: str, default=None):
    v = row.get(key, default) if hasattr(row, "get") else getattr(row, key, default)
    return default if v is None else v


def _kind(row: Row) -> str:
    return str(_get(row, "kind", "") or "")


def plain(v, unit: str | None) -> str:
    """A figure in running text: no thousands separator, counts whole, others to two decimals."""
    if is_missing(v):
        return "—"
    x = float(v)
    if unit in ("个", "家", "是/否") or x.is_integer():
        return f"{x:.0f}"
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return s


def _pct(v) -> str:
    return f"{float(v) * 100:.1f}%"


def _yoy(row: Row) -> str:
    y = _get(row, "yoy")
    if is_missing(y):
        return ""
    y = float(y)
    if round(y * 100, 1) == 0:
        return "与上年同期持平"
    return f"同比{'增长' if y > 0 else '下降'}{abs(y) * 100:.1f}%"


def _progress_phrase(gap_pp, path: str) -> str:
    """'超序时进度3.4个百分点' / '落后序时进度10.4个百分点' / '与序时进度持平'."""
    if is_missing(gap_pp):
        return ""
    g = round(float(gap_pp), 1)
    if g == 0:
        return f"与{path}持平"
    return f"{'超' if g > 0 else '落后'}{path}{abs(g):.1f}个百分点"


def _forecast_phrase(row: Row) -> str:
    will = _get(row, "will_meet")
    remaining = _get(row, "remaining_months")
    unit = str(_get(row, "unit", ""))
    if is_missing(_get(row, "forecast")) or will is None or _is_na(will):
        return ""
    if bool(will):
        return "预计能完成年度目标"
    pace = _get(row, "required_pace")
    if is_missing(remaining) or int(remaining) <= 0 or is_missing(pace):
        return f"预计全年{plain(_get(row, 'forecast'), unit)}{unit}，难以完成目标"
    if unit in COUNTS:
        pace_text, verb = f"{math.ceil(float(pace) - 1e-9)}", "完成"
    else:
        pace_text, verb = plain(pace, None), "增加"
    return (f"按目前进度预计全年{plain(_get(row, 'forecast'), unit)}{unit}，难以完成目标，"
            f"后{int(remaining)}个月需月均{verb}{pace_text}{unit}")


def _is_na(v) -> bool:
    try:
        return bool(v != v) or str(v) == "<NA>"
    except (TypeError, ValueError):
        return False


def indicator_clause(row: Row, subject: str = "全市", region_names: Mapping[str, str] | None = None,
                     forecast: bool = True) -> str:
    """One indicator's clause, without the period prefix and without final punctuation."""
    name = str(_get(row, "indicator_name", ""))
    unit = str(_get(row, "unit", "") or "")
    kind = _kind(row)
    actual, target = _get(row, "actual"), _get(row, "target")
    light = str(_get(row, "light", "none"))
    # a verb only before counted things: “完成数字化改造项目1300个”, but “直接拉动技改投资366亿元”
    verb = SECTION_VERBS.get(str(_get(row, "section", "")), "") if kind == "annual_flow" and unit in COUNTS else ""
    value = f"{plain(actual, unit)}{'' if unit == '是/否' else unit}"

    if kind == "milestone":
        if is_missing(actual):
            return f"{name}：本期未报送进展"
        return f"{name}：{'已获批' if float(actual) >= 1 else '尚未获批'}" + (
            "" if float(actual) >= 1 or is_missing(_get(row, "target_year"))
            else f"（目标期限{int(_get(row, 'target_year'))}年底）")
    if is_missing(actual):
        who = "" if subject and name.startswith(subject) else subject
        return f"{who}{name}本期暂无数据（未报送）"

    # “全市绿色贷款占比” already names its subject
    who = "" if subject and name.startswith(subject) else subject
    parts = [f"{who}{verb}{name}{value}"]
    if bool(_get(row, "partial", False)):
        # a city total from some counties only: its progress, 同比 and forecast would mislead
        rep, exp = _get(row, "reporting"), _get(row, "expected_reporting")
        if not is_missing(rep) and not is_missing(exp):
            return parts[0] + f"（仅{int(rep)}/{int(exp)}个区县报送，全市合计不完整，进度暂不评价）"
    if kind in ("annual_flow", "ytd_ratio"):
        y = _yoy(row)
        if y:
            parts.append(y)
    if is_missing(target):
        parts.append("年度目标尚未设定" if kind != "cumulative" else "目标尚未设定")
        return "，".join(parts) + _coverage_note(row, region_names)

    t_text = f"{plain(target, unit)}{unit}"
    ty = _get(row, "target_year")
    goal = "年度目标" if kind in ("annual_flow", "ytd_ratio", "level") else f"{int(ty)}年目标" if not is_missing(ty) else "目标"
    completion = _get(row, "completion")
    gap = shown_gap(completion, _get(row, "time_progress"), _get(row, "gap_pp"))
    if light == "done":
        if kind == "level":
            parts.append(f"已达到{goal}（{t_text}）")
        elif not is_missing(completion) and round(float(completion) * 100, 1) > 100:
            parts.append(f"已超额完成{goal}（{t_text}），完成率{_pct(completion)}")
        else:
            parts.append(f"已完成{goal}（{t_text}）")
        return "，".join(parts) + _coverage_note(row, region_names)

    remaining = _get(row, "remaining_months")
    if kind in ("annual_flow", "ytd_ratio", "cumulative") and not is_missing(remaining) and int(remaining) <= 0:
        # the target's last month (December, or the plan's deadline): no 序时 left, only the result
        short = abs(float(target) - float(actual))
        done_word = "完成" if kind != "ytd_ratio" else "为"
        parts.append(f"{done_word}{goal}（{t_text}）的{_pct(completion)}，未完成目标，尚差{plain(short, unit)}{unit}")
        return "，".join(parts) + _coverage_note(row, region_names)
    if kind == "annual_flow":
        parts.append(f"完成{goal}的{_pct(completion)}")
        parts.append(_progress_phrase(gap, "序时进度"))
    elif kind == "ytd_ratio":
        parts.append(f"为{goal}（{t_text}）的{_pct(completion)}")
        parts.append(_progress_phrase(gap, "序时进度"))
    elif kind == "level":
        expected = _get(row, "expected")
        parts.append(f"{goal}{t_text}")
        if not is_missing(expected):
            diff = float(actual) - float(expected)
            if round(diff, 2) == 0:
                parts.append(f"与按进度应达到的{plain(expected, unit)}{unit}持平")
            else:
                step = "个百分点" if unit == "%" else unit
                parts.append(f"比按进度应达到的{plain(expected, unit)}{unit}{'高' if diff > 0 else '低'}"
                             f"{abs(diff):.2f}{step}")
    elif kind == "cumulative":
        parts.append(f"完成{goal}（{t_text}）的{_pct(completion)}")
        parts.append(_progress_phrase(gap, "计划进度"))
    if forecast and kind in ("annual_flow", "ytd_ratio") and light in ("red", "yellow"):
        f = _forecast_phrase(row)
        if f:
            parts.append(f)
    return "，".join(p for p in parts if p) + _coverage_note(row, region_names)


def _coverage_note(row: Row, region_names: Mapping[str, str] | None) -> str:
    """Say when the city figure is built from fewer counties than expected, or leaves some out."""
    notes = []
    if bool(_get(row, "partial", False)):
        rep, exp = _get(row, "reporting"), _get(row, "expected_reporting")
        if not is_missing(rep) and not is_missing(exp):
            notes.append(f"仅{int(rep)}/{int(exp)}个区县报送")
    nr = str(_get(row, "not_rolled_up", "") or "")
    if nr:
        names = [(region_names or {}).get(c, c) for c in nr.split(",") if c]
        notes.append(f"{'、'.join(names)}只报比率，未计入全市")
    return f"（{'；'.join(notes)}）" if notes else ""


def headline(rows: Iterable[Row], period: str, subject: str = "全市",
             region_names: Mapping[str, str] | None = None) -> str:
    """The period prefix and the clauses of ``rows`` in one sentence:
    “1-10月，全市完成数字化改造项目1300个，完成年度目标的86.7%，超序时进度3.4个百分点；…。”"""
    clauses = [indicator_clause(r, subject, region_names) for r in rows]
    if not clauses:
        return ""
    # after the first clause the subject is understood
    rest = [c[len(subject):] if c.startswith(subject) else c for c in clauses[1:]]
    return f"{label_ytd_short(period)}，" + "；".join([clauses[0], *rest]) + "。"


def light_counts_sentence(lights: Iterable[str], what: str) -> str:
    """'“两化”改造20项指标中，已完成5项，绿灯4项（进度正常），…' — zero counts omitted."""
    lights = list(lights)
    counts = {k: lights.count(k) for k in LIGHT_ORDER}
    order = ["done", "green", "yellow", "red", "none"]
    bits = []
    for k in order:
        if counts[k]:
            label = "已完成" if k == "done" else light_word(k)
            meaning = "" if k in ("done", "none") else f"（{lights_vocab.get(k).meaning}）"
            bits.append(f"{label}{counts[k]}项{meaning}")
    return f"{what}{len(lights)}项指标中，" + "，".join(bits) + "。"


def group_paragraphs(city_rows: list[Row], period: str, group: str,
                     region_names: Mapping[str, str] | None = None) -> list[str]:
    """Paragraphs for one indicator group at city level: the light count, the key indicators'
    headline, then the red and yellow indicators not already named."""
    title = GROUP_TITLES.get(group, group)
    rows = [r for r in city_rows if _get(r, "group") == group]
    if not rows:
        return []
    out = [light_counts_sentence([str(_get(r, "light", "none")) for r in rows], f"{title}")]
    # key indicators one paragraph each (a leader scans them); the first carries the period
    key = [r for r in rows if bool(_get(r, "key", False))]
    for i, r in enumerate(key):
        text = headline([r], period, "全市", region_names)
        out.append(text if i == 0 else text.split("，", 1)[1])
    others = [r for r in rows if not bool(_get(r, "key", False))]
    for light, lead in (("red", "红灯指标（明显滞后）"), ("yellow", "黄灯指标（略为滞后）")):
        sel = [r for r in others if _get(r, "light") == light]
        if sel:
            out.append(f"{lead}：" + "；".join(indicator_clause(r, "", region_names, forecast=False)
                                             for r in sel) + "。")
    done = [str(_get(r, "indicator_name")) for r in others if _get(r, "light") == "done"]
    if done:
        out.append("已完成目标的指标：" + "；".join(done) + "。")
    missing = [str(_get(r, "indicator_name")) for r in rows if _get(r, "light") == "none"]
    if missing:
        out.append("暂无数据或未设目标的指标：" + "；".join(missing) + "。")
    return out


def overview_sentence(city_rows: list[Row], period: str) -> str:
    lights = [str(_get(r, "light", "none")) for r in city_rows]
    text = f"{label_ytd_short(period)}，" + light_counts_sentence(lights, "全市")
    partial = [r for r in city_rows if bool(_get(r, "partial", False))]
    if partial:
        rep = max(int(_get(r, "reporting", 0) or 0) for r in partial)
        exp = max(int(_get(r, "expected_reporting", 0) or 0) for r in partial)
        text += (f"本期仍有区县未报送（{len(partial)}项指标的全市数据只汇总了最多{rep}/{exp}个区县），"
                 "相关亮灯偏低，仅供参考，待报送齐全后以更新的通报为准。")
    return text
