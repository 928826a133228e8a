"""The subsidy rules engine (奖补测算): which support-policy rules a ledger project meets, for how much.

Pure computation on a DataFrame of projects and a list of :class:`Rule` (the rules are data, in
``data/subsidy_rules.csv``; loaded and validated by ``jxtrack.catalog.subsidy_rules``).  No streamlit, no
duckdb.  Amounts are in 万元.

Rule kinds (the closed set; each rule row chooses one):

* ``grade_grant``    — 智能化技术改造 (嘉政发〔2024〕6号 三（一）1（1）): 生产性投入（不含土建） at least
  ``min_basis`` (inclusive, "不低于"); amount by 绩效综合评价 grade (``grades``), a project not rated
  (未参评) as ``unrated_grade``; 战略性新兴产业 × (1 + ``uplift_strategic``); at most ``cap``;
  prepayment (预拨付) ``prepay_min`` for projects on the provincial lists once started, ``prepay_max``
  with a commitment (承诺说明).
* ``equipment_rate`` — 新能源替代利用/节能改造/节水改造 (三（一）2（1）): one of the ``thresholds``
  met (年节能量 ≥ 200 吨标煤, CO₂ 减排 ≥ 400 吨, 节水 ≥ 10 万吨; "达到…以上（含）"), certified by a
  third party, 设备投资额 ≥ ``min_basis``: ``base_rate`` % of 设备投资额, + ``step_rate`` point per
  full further ``steps`` of the best of the three, at most ``max_rate`` %, at most ``cap``.
* ``honour_award``   — a fixed ``amount`` for an honour (认定) named in the project's row.
* ``highest_only``   — 就高不重复 (五、其他): not an award; its row gives the clause cited when,
  within one project, several eligible rules of the same ``matter`` compete: the highest amount is
  paid once, the others are ``superseded`` with the winner named.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

RULE_KINDS = ("grade_grant", "equipment_rate", "honour_award", "highest_only")
GRADES = ("A", "B", "C", "D")
UNRATED = "未参评"
ELIGIBLE, INELIGIBLE, SUPERSEDED = "eligible", "ineligible", "superseded"
# the quantities an equipment_rate rule may test: field in the ledger, label, unit
METRICS: dict[str, tuple[str, str, str]] = {
    "energy": ("energy_saving", "年节能量（替代利用量）", "吨标准煤"),
    "co2": ("co2_reduction", "二氧化碳年减排量", "吨"),
    "water": ("water_saving", "年节水量", "万吨"),
}
SUBSIDY_COLUMNS = [
    "project_id", "project_name", "enterprise", "credit_code", "region", "year", "rule", "rule_name",
    "clause", "basis", "amount", "status", "reason", "matter", "prepay_share", "prepay",
    "start_date", "acceptance_date",
]
_EPS = 1e-9


@dataclass(frozen=True)
class Rule:
    """One support-policy rule as written in ``data/subsidy_rules.csv`` (see the module docstring)."""

    code: str
    name: str
    topic: str                  # rules of one topic are alternatives (documents that disagree)
    matter: str                 # 就高不重复 compares eligible rules of one matter within a project
    kind: str
    source: str
    document: str
    status: str                 # official | draft
    clause: str
    project_types: tuple[str, ...] = ()
    honour: str | None = None
    min_basis: float | None = None
    grades: Mapping[str, float] = field(default_factory=dict)
    unrated_grade: str | None = None
    uplift_strategic: float = 0.0
    amount: float | None = None
    base_rate: float | None = None
    step_rate: float | None = None
    max_rate: float | None = None
    thresholds: Mapping[str, float] = field(default_factory=dict)
    steps: Mapping[str, float] = field(default_factory=dict)
    third_party: bool = False
    cap: float | None = None
    prepay_min: float | None = None
    prepay_max: float | None = None
    binding_default: bool = True

    @property
    def cites(self) -> str:
        """Document and clause, e.g. '嘉政发〔2024〕6号 三（一）1（1）'."""
        return f"{self.document} {self.clause}"


def binding_rules(rules: Iterable[Rule], overrides: Mapping[str, str] | None = None) -> list[Rule]:
    """The one rule in force per topic: the override (topic -> rule code) if it names a rule of that
    topic, else the rule marked ``binding_default``.  Order of ``rules`` is kept."""
    rules = list(rules)
    overrides = overrides or {}
    by_topic: dict[str, list[Rule]] = {}
    for r in rules:
        by_topic.setdefault(r.topic, []).append(r)
    chosen: set[str] = set()
    for topic, rs in by_topic.items():
        pick = next((r for r in rs if r.code == overrides.get(topic)), None)
        pick = pick or next((r for r in rs if r.binding_default), rs[0])
        chosen.add(pick.code)
    return [r for r in rules if r.code in chosen]


def fmt_wan(x: float) -> str:
    """An amount in 万元 for text: 1500, 1050, 262.5 (no trailing zeros)."""
    return f"{round(x, 4):g}"


def _num(v) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _truthy(v) -> bool:
    return bool(v) and not (isinstance(v, float) and math.isnan(v))


def _year(v) -> int | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    try:
        return int(pd.Timestamp(v).year)
    except (TypeError, ValueError):
        return None


def _types(v) -> set[str]:
    if isinstance(v, str):
        return {t for t in v.split("|") if t}
    if isinstance(v, Iterable):
        return set(v)
    return set()


# ---- one rule, one project -------------------------------------------------------------------------
def _grade_grant(rule: Rule, p: Mapping) -> tuple[str, float, str, str]:
    """(status, amount, basis, reason) for 智能化技术改造."""
    inv = _num(p.get("productive_investment"))
    need = rule.min_basis or 0.0
    if inv is None:
        return INELIGIBLE, 0.0, "", "未填写生产性投入（不含土建），无法测算"
    if inv + _EPS < need:
        return (INELIGIBLE, 0.0, f"生产性投入{fmt_wan(inv)}万元",
                f"生产性投入（不含土建）{fmt_wan(inv)}万元，低于{fmt_wan(need)}万元（须不低于{fmt_wan(need)}万元）")
    grade = p.get("grade")
    grade = grade if isinstance(grade, str) and grade in rule.grades else None
    parts = []
    if grade is None:
        grade = rule.unrated_grade or "B"
        parts.append(f"未参评，按{grade}档")
    else:
        parts.append(f"{grade}档")
    amount = float(rule.grades[grade])
    parts[-1] += f"{fmt_wan(amount)}万元"
    if _truthy(p.get("strategic")) and rule.uplift_strategic:
        amount = amount * (1 + rule.uplift_strategic)
        parts.append(f"战新上浮{fmt_wan(rule.uplift_strategic * 100)}%为{fmt_wan(amount)}万元")
    if rule.cap is not None and amount > rule.cap + _EPS:
        amount = rule.cap
        parts.append(f"封顶{fmt_wan(rule.cap)}万元")
    reason = f"生产性投入（不含土建）{fmt_wan(inv)}万元，不低于{fmt_wan(need)}万元"
    return ELIGIBLE, round(amount, 4), "，".join(parts), reason


def _equipment_rate(rule: Rule, p: Mapping) -> tuple[str, float, str, str]:
    """(status, amount, basis, reason) for 新能源替代利用/节能改造/节水改造."""
    equip = _num(p.get("equipment_investment"))
    misses: list[str] = []
    best_k, best_metric = -1, None
    for key, thr in rule.thresholds.items():
        fld, label, unit = METRICS[key]
        v = _num(p.get(fld))
        if v is None or v + _EPS < thr:
            if v is not None:
                misses.append(f"{label}{fmt_wan(v)}{unit}，未达{fmt_wan(thr)}{unit}")
            continue
        step = rule.steps.get(key)
        k = int(math.floor((v - thr) / step + _EPS)) if step else 0
        if k > best_k:
            best_k, best_metric = k, (key, v)
    if best_metric is None:
        why = "；".join(misses) or "未填写年节能量、二氧化碳年减排量或年节水量"
        return INELIGIBLE, 0.0, "", f"{why}（任一项达到门槛方可补助）"
    if rule.third_party and not _truthy(p.get("third_party")):
        return INELIGIBLE, 0.0, "", "未经有资质的第三方检测机构认定"
    need = rule.min_basis or 0.0
    if equip is None:
        return INELIGIBLE, 0.0, "", "未填写设备投资额，无法测算"
    if equip + _EPS < need:
        return (INELIGIBLE, 0.0, f"设备投资额{fmt_wan(equip)}万元",
                f"设备投资额{fmt_wan(equip)}万元，低于{fmt_wan(need)}万元（须不低于{fmt_wan(need)}万元）")
    key, v = best_metric
    _, label, unit = METRICS[key]
    rate = (rule.base_rate or 0.0) + best_k * (rule.step_rate or 0.0)
    parts = [f"按{label}{fmt_wan(v)}{unit}"]
    if best_k > 0:
        parts.append(f"{fmt_wan(rule.base_rate)}%+{fmt_wan(best_k * (rule.step_rate or 0))}个百分点")
    if rule.max_rate is not None and rate > rule.max_rate + _EPS:
        rate = rule.max_rate
        parts.append(f"比例封顶{fmt_wan(rule.max_rate)}%")
    amount = equip * rate / 100
    parts.append(f"设备投资额{fmt_wan(equip)}万元×{fmt_wan(rate)}%={fmt_wan(amount)}万元")
    if rule.cap is not None and amount > rule.cap + _EPS:
        amount = rule.cap
        parts.append(f"封顶{fmt_wan(rule.cap)}万元")
    reason = f"{label}{fmt_wan(v)}{unit}达到{fmt_wan(rule.thresholds[key])}{unit}，经第三方认定"
    return ELIGIBLE, round(amount, 4), "，".join(parts), reason


def _honour(rule: Rule, p: Mapping) -> tuple[str, float, str, str]:
    return ELIGIBLE, float(rule.amount or 0.0), f"{rule.honour}{fmt_wan(rule.amount or 0)}万元", f"经认定为{rule.honour}"


def applies(rule: Rule, p: Mapping) -> bool:
    """Whether ``rule`` concerns project ``p`` at all (its type or one of its honours)."""
    if rule.kind == "honour_award":
        return rule.honour in _types(p.get("honours"))
    if rule.kind in ("grade_grant", "equipment_rate"):
        return bool(_types(p.get("project_type")) & set(rule.project_types))
    return False


def judge_one(rule: Rule, p: Mapping) -> tuple[str, float, str, str]:
    """(status, amount 万元, basis, reason) of one rule for one project it applies to."""
    if rule.kind == "grade_grant":
        return _grade_grant(rule, p)
    if rule.kind == "equipment_rate":
        return _equipment_rate(rule, p)
    if rule.kind == "honour_award":
        return _honour(rule, p)
    raise ValueError(f"rule {rule.code}: kind {rule.kind!r} awards nothing")


def prepay_share(rule: Rule, p: Mapping, as_of: date | None = None) -> float:
    """预拨付 share of the amount: ``prepay_min`` (60 %) for a project on the provincial lists that has
    started (开工日期 on or before ``as_of``), ``prepay_max`` (90 %) with a commitment; else 0."""
    if rule.prepay_min is None or not _truthy(p.get("provincial_list")):
        return 0.0
    start = p.get("start_date")
    if start is None or (isinstance(start, float) and math.isnan(start)) or start is pd.NaT:
        return 0.0
    if as_of is not None and pd.Timestamp(start).date() > as_of:
        return 0.0
    if _truthy(p.get("commitment")) and rule.prepay_max is not None:
        return float(rule.prepay_max)
    return float(rule.prepay_min)


# ---- the whole ledger ------------------------------------------------------------------------------
def evaluate(projects: pd.DataFrame, rules: Iterable[Rule], *, as_of: date | None = None) -> pd.DataFrame:
    """One row per (project, rule that concerns it) with SUBSIDY_COLUMNS.

    ``projects`` has the ledger columns (project_id, project_name, enterprise, credit_code, region,
    project_type ('|'-joined), start_date, acceptance_date, productive_investment,
    equipment_investment, grade, strategic, energy_saving, co2_reduction, water_saving,
    third_party, honours ('|'-joined), provincial_list, commitment).  ``rules`` should be the
    binding ones (:func:`binding_rules`); the ``highest_only`` rule, if present, is cited for
    就高不重复.  ``year`` is the year of 验收日期 (None while not accepted)."""
    rules = list(rules)
    award_rules = [r for r in rules if r.kind != "highest_only"]
    highest = next((r for r in rules if r.kind == "highest_only"), None)
    out: list[dict] = []
    for p in projects.to_dict("records"):
        rows: list[dict] = []
        for order, rule in enumerate(award_rules):
            if not applies(rule, p):
                continue
            status, amount, basis, reason = judge_one(rule, p)
            share = prepay_share(rule, p, as_of) if status == ELIGIBLE else 0.0
            rows.append({
                "project_id": p.get("project_id"), "project_name": p.get("project_name"),
                "enterprise": p.get("enterprise"), "credit_code": p.get("credit_code"),
                "region": p.get("region"), "year": _year(p.get("acceptance_date")),
                "rule": rule.code, "rule_name": rule.name, "clause": rule.cites, "basis": basis,
                "amount": amount, "status": status, "reason": reason, "matter": rule.matter,
                "prepay_share": share, "prepay": round(amount * share, 4),
                "start_date": p.get("start_date"), "acceptance_date": p.get("acceptance_date"),
                "_order": order,
            })
        _highest_only(rows, highest)
        out.extend(rows)
    df = pd.DataFrame(out, columns=SUBSIDY_COLUMNS + ["_order"])
    return df.drop(columns="_order").astype({"amount": float, "prepay": float, "prepay_share": float})


def _highest_only(rows: list[dict], highest: Rule | None) -> None:
    """就高不重复 within one project: per matter, the highest eligible amount stays (earlier rule on a
    tie), the others become superseded naming the winner; the winner names what it replaced."""
    cite = highest.cites if highest else "就高不重复"
    by_matter: dict[str, list[dict]] = {}
    for r in rows:
        if r["status"] == ELIGIBLE:
            by_matter.setdefault(r["matter"], []).append(r)
    for group in by_matter.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (-r["amount"], r["_order"]))
        win, losers = group[0], group[1:]
        for lo in losers:
            lo["status"] = SUPERSEDED
            lo["reason"] = (f"就高不重复（{cite}）：同一事项按“{win['rule_name']}”（{win['clause']}，"
                            f"{fmt_wan(win['amount'])}万元）补助，本项{fmt_wan(lo['amount'])}万元不再重复")
            lo["amount"], lo["prepay"], lo["prepay_share"] = 0.0, 0.0, 0.0
        names = "、".join(f"“{lo['rule_name']}”" for lo in losers)
        win["reason"] += f"；就高不重复（{cite}），替代{names}"


def fund(subsidies: pd.DataFrame, year: int, budget: float) -> dict:
    """The city fund for ``year`` (万元): what falls due in the year against ``budget``.

    A subsidy is due in the year of 验收日期, less what was prepaid; a prepayment (预拨付) is due in
    the year of 开工日期.  ``committed`` includes ``prepaid``; ``remaining = budget − committed``;
    ``committed_share = committed / budget`` (None without a budget)."""
    e = subsidies[subsidies["status"] == ELIGIBLE]
    start_year = e["start_date"].map(_year)
    acc_year = e["acceptance_date"].map(_year)
    prepaid = float(e.loc[(e["prepay"] > 0) & (start_year == year), "prepay"].sum())
    balance = float((e["amount"] - e["prepay"])[acc_year == year].sum())
    committed = round(prepaid + balance, 4)
    return {
        "year": int(year), "budget": float(budget), "committed": committed,
        "prepaid": round(prepaid, 4), "remaining": round(budget - committed, 4),
        "committed_share": round(committed / budget, 6) if budget else None,
    }
