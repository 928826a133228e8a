"""The support-policy rules (``data/subsidy_rules.csv``) and project types (``data/project_types.csv``),
read and validated like the catalog: every problem is collected with its file and line, then one
:class:`~jxtrack.catalog.model.CatalogError` is raised.  Computation lives in ``metrics.subsidy``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from jxtrack.catalog.model import BOOLS, CODE_RE, DATA_DIR, SOURCE_STATUSES, CatalogError, _Reader
from metrics.subsidy import GRADES, METRICS, RULE_KINDS, Rule

RULES_FILE = "subsidy_rules.csv"
TYPES_FILE = "project_types.csv"
TYPE_CATEGORIES = {"digital", "green", "other"}


@dataclass(frozen=True)
class RuleBook:
    """All rules (binding or not), in file order, and the project types with their category."""

    rules: tuple[Rule, ...]
    project_types: pd.DataFrame          # type, category, note

    @property
    def honours(self) -> list[str]:
        """Every honour (认定) some rule rewards, in file order."""
        return list(dict.fromkeys(r.honour for r in self.rules if r.honour))

    def by_code(self) -> dict[str, Rule]:
        return {r.code: r for r in self.rules}

    def frame(self) -> pd.DataFrame:
        """The rules as a table (for pages and the CLI)."""
        return pd.DataFrame([{
            "code": r.code, "name": r.name, "topic": r.topic, "matter": r.matter, "kind": r.kind,
            "document": r.document, "clause": r.clause, "status": r.status,
            "binding_default": r.binding_default} for r in self.rules])


def _pairs(r: _Reader, line: int, text: str, col: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in filter(None, text.split("|")):
        key, sep, val = part.partition("=")
        try:
            out[key.strip()] = float(val)
        except ValueError:
            r.err(RULES_FILE, line, f"{col} 的 “{part}” 应写成 键=数字，多项用 | 分隔")
            continue
        if not sep:
            r.err(RULES_FILE, line, f"{col} 的 “{part}” 应写成 键=数字")
    return out


def load_rules(directory: Path | str | None = None) -> RuleBook:
    """Read and validate the rules and project types; raise CatalogError listing every problem."""
    d = Path(directory) if directory else DATA_DIR
    r = _Reader()
    rows = r.read(d, RULES_FILE)
    types = r.read(d, TYPES_FILE)
    sources = {row["code"]: row for _, row in r.read(d, "sources.csv")}
    r.unique(TYPES_FILE, types, "type")
    for line, row in types:
        r.choice(TYPES_FILE, line, row, "category", TYPE_CATEGORIES)
    type_names = {row["type"] for _, row in types}
    r.unique(RULES_FILE, rows, "code")
    rules: list[Rule] = []
    for line, row in rows:
        n = len(r.problems)
        if not CODE_RE.match(row["code"]):
            r.err(RULES_FILE, line, f"code “{row['code']}” 只能用小写字母、数字和下划线，且以字母开头")
        for col in ("name", "topic", "document", "clause"):
            if not row[col]:
                r.err(RULES_FILE, line, f"{col} 不能为空（每条规则须注明文件和条款）")
        r.choice(RULES_FILE, line, row, "kind", set(RULE_KINDS))
        r.choice(RULES_FILE, line, row, "status", SOURCE_STATUSES)
        r.choice(RULES_FILE, line, row, "third_party", BOOLS)
        r.choice(RULES_FILE, line, row, "binding_default", BOOLS)
        src = sources.get(row["source"])
        if src is None:
            r.err(RULES_FILE, line, f"source “{row['source']}” 不在 sources.csv 中")
        elif src["status"] != row["status"]:
            r.err(RULES_FILE, line, f"status “{row['status']}” 与 sources.csv 中该文件的状态 “{src['status']}” 不一致")
        nums = {c: r.number(RULES_FILE, line, row, c, required=False) for c in (
            "min_basis", "uplift_strategic", "amount", "base_rate", "step_rate", "max_rate", "cap",
            "prepay_min", "prepay_max")}
        grades = _pairs(r, line, row["grades"], "grades")
        thresholds = _pairs(r, line, row["thresholds"], "thresholds")
        steps = _pairs(r, line, row["steps"], "steps")
        ptypes = tuple(t for t in row["project_types"].split("|") if t)
        for t in ptypes:
            if t not in type_names:
                r.err(RULES_FILE, line, f"project_types 中的 “{t}” 不在 {TYPES_FILE} 中")
        kind = row["kind"]
        if kind == "grade_grant":
            if set(grades) != set(GRADES):
                r.err(RULES_FILE, line, f"grade_grant 规则的 grades 须恰好给出 {'、'.join(GRADES)} 四档")
            if row["unrated_grade"] not in GRADES:
                r.err(RULES_FILE, line, "grade_grant 规则须写 unrated_grade（未参评按哪一档，如 B）")
            for c in ("min_basis", "cap"):
                if nums[c] is None:
                    r.err(RULES_FILE, line, f"grade_grant 规则须写 {c}")
            if not ptypes:
                r.err(RULES_FILE, line, "grade_grant 规则须写 project_types")
        elif kind == "equipment_rate":
            for c in ("min_basis", "base_rate", "step_rate", "max_rate", "cap"):
                if nums[c] is None:
                    r.err(RULES_FILE, line, f"equipment_rate 规则须写 {c}")
            if not thresholds or set(thresholds) - set(METRICS) or set(steps) - set(thresholds):
                r.err(RULES_FILE, line, f"thresholds/steps 的键只能是 {'、'.join(METRICS)}，且 steps 不多于 thresholds")
            if not ptypes:
                r.err(RULES_FILE, line, "equipment_rate 规则须写 project_types")
        elif kind == "honour_award":
            if not row["honour"] or nums["amount"] is None:
                r.err(RULES_FILE, line, "honour_award 规则须写 honour（认定名称）和 amount（万元）")
        if kind != "highest_only" and not row["matter"]:
            r.err(RULES_FILE, line, "matter 不能为空（就高不重复按事项比较）")
        if (nums["prepay_min"] is None) != (nums["prepay_max"] is None) or (
                nums["prepay_min"] is not None and not 0 < nums["prepay_min"] <= nums["prepay_max"] <= 1):
            r.err(RULES_FILE, line, "prepay_min 与 prepay_max 须同时填写，且 0 < prepay_min ≤ prepay_max ≤ 1")
        if len(r.problems) > n:
            continue
        rules.append(Rule(
            code=row["code"], name=row["name"], topic=row["topic"], matter=row["matter"], kind=kind,
            source=row["source"], document=row["document"], status=row["status"], clause=row["clause"],
            project_types=ptypes, honour=row["honour"] or None, min_basis=nums["min_basis"],
            grades=grades, unrated_grade=row["unrated_grade"] or None,
            uplift_strategic=nums["uplift_strategic"] or 0.0, amount=nums["amount"],
            base_rate=nums["base_rate"], step_rate=nums["step_rate"], max_rate=nums["max_rate"],
            thresholds=thresholds, steps=steps, third_party=BOOLS[row["third_party"]], cap=nums["cap"],
            prepay_min=nums["prepay_min"], prepay_max=nums["prepay_max"],
            binding_default=BOOLS[row["binding_default"]]))
    topics: dict[str, list[tuple[int, dict]]] = {}
    for line, row in rows:
        topics.setdefault(row["topic"], []).append((line, row))
    for topic, members in topics.items():
        n_default = sum(1 for _, row in members if row["binding_default"] == "true")
        if n_default != 1:
            r.err(RULES_FILE, members[0][0], f"topic “{topic}” 须恰好有一条 binding_default=true 的规则（现有 {n_default} 条）")
        if len({row["kind"] for _, row in members}) > 1:
            r.err(RULES_FILE, members[0][0], f"topic “{topic}” 的规则种类（kind）须相同")
    if sum(1 for _, row in rows if row["kind"] == "highest_only") == 0 and rows:
        r.err(RULES_FILE, 1, "须有一条 highest_only 规则（就高不重复的出处）")
    if r.problems:
        raise CatalogError(r.problems)
    pt = pd.DataFrame([row for _, row in types], columns=["type", "category", "note"])
    return RuleBook(tuple(rules), pt)


@lru_cache(maxsize=4)
def rulebook(directory: str | None = None) -> RuleBook:
    """The rules, loaded once per process."""
    return load_rules(directory)
