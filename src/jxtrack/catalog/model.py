"""The catalog: regions, units, measures, indicators, target sources, targets and aliases.

The catalog is data (CSV files under ``data/``), not code.  This module reads the files, checks
every row against a closed set of allowed values and cross-references, and collects *every*
problem with its file and line before failing once (like pandera's lazy validation).

Code holds only the closed sets of kinds and how each is computed (see ``src/metrics``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jxtrack.domain.errors import UserError

DATA_DIR = Path(__file__).resolve().parents[3] / "data"

REGION_LEVELS = {"city", "county", "zone"}
MEASURE_BEHAVIOURS = {"ytd_flow", "stock", "cumulative", "rate", "milestone"}
SCOPES = {"county", "city"}
INDICATOR_KINDS = {"annual_flow", "ytd_ratio", "level", "cumulative", "milestone"}
FORMULAS = {"measure", "sum", "difference", "ratio"}
DIRECTIONS = {"up", "down"}
GROUPS = {"两化", "两业"}
COMPARATORS = {">=", "<=", "="}
SOURCE_STATUSES = {"official", "draft"}
ALIAS_KINDS = {"measure", "region", "unit"}
BOOLS = {"true": True, "false": False}
# units of the "count" dimension in data/units.csv (a test keeps the two in step): figures in them
# are whole numbers — shown without decimals, and too small below a few dozen to judge 同比
COUNT_UNITS = frozenset({"个", "家", "项"})
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
REGION_CODE_RE = re.compile(r"^[A-Z0-9]+$")

# file -> (required columns in order, optional columns)
SCHEMAS: dict[str, tuple[list[str], list[str]]] = {
    "regions.csv": (["code", "name", "short_name", "level", "parent", "summable", "sort"], []),
    "units.csv": (["unit", "dimension", "factor"], []),
    "measures.csv": (["code", "name", "unit", "behaviour", "scope", "description"], []),
    "indicators.csv": (
        [
            "code", "name", "short_name", "group", "section", "kind", "formula", "numerator",
            "denominator", "reported_rate", "unit", "direction", "green_min_pp", "yellow_min_pp",
            "scope", "responsible", "key", "sort",
        ],
        [],
    ),
    "sources.csv": (["code", "doc_number", "title", "issuer", "issued", "status", "url_note"], []),
    "targets.csv": (
        ["indicator", "region", "year", "value", "comparator", "source", "clause", "note"], []
    ),
    "aliases.csv": (["kind", "alias", "code"], []),
    "bindings.csv": (["indicator", "region", "year", "source", "reason"], []),
    # support-policy rules and project types (the ledger, jxtrack.catalog.subsidy_rules)
    "subsidy_rules.csv": (
        [
            "code", "name", "topic", "matter", "kind", "source", "document", "status", "clause",
            "project_types", "honour", "min_basis", "grades", "unrated_grade", "uplift_strategic",
            "amount", "base_rate", "step_rate", "max_rate", "thresholds", "steps", "third_party",
            "cap", "prepay_min", "prepay_max", "binding_default",
        ],
        [],
    ),
    "project_types.csv": (["type", "category", "note"], []),
}


class CatalogError(UserError):
    """The catalog files have problems; ``problems`` lists each as 'file:line: message'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"目录数据有 {len(problems)} 处错误：\n" + "\n".join(problems))

    def lines(self) -> list[str]:
        return [f"目录数据有 {len(self.problems)} 处错误：", *self.problems]


def city_code(regions: pd.DataFrame) -> str:
    """The city's code in a regions table (the catalog's, the store's or a synthetic one): the one
    row of level ``city`` (the catalog's validator makes sure there is exactly one)."""
    return str(regions.loc[regions["level"] == "city", "code"].iloc[0])


@dataclass
class _Reader:
    problems: list[str] = field(default_factory=list)

    def read(self, directory: Path, name: str) -> list[tuple[int, dict[str, str]]]:
        path = directory / name
        required, optional = SCHEMAS[name]
        if not path.exists():
            self.problems.append(f"{name}: 文件不存在（应在 {directory}）")
            return []
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        if not rows:
            self.problems.append(f"{name}:1: 文件为空，缺少表头")
            return []
        header = [h.strip() for h in rows[0]]
        unknown = [h for h in header if h not in required and h not in optional]
        missing = [h for h in required if h not in header]
        if unknown:
            self.problems.append(f"{name}:1: 未知的列 {', '.join(unknown)}（允许的列：{', '.join(required + optional)}）")
        if missing:
            self.problems.append(f"{name}:1: 缺少必需的列 {', '.join(missing)}")
        if unknown or missing:
            return []
        out = []
        for lineno, row in enumerate(rows[1:], start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                self.problems.append(
                    f"{name}:{lineno}: 应有 {len(header)} 列，实有 {len(row)} 列（逗号是否多了或少了？）"
                )
                continue
            out.append((lineno, {h: c.strip() for h, c in zip(header, row, strict=True)}))
        return out

    def err(self, name: str, line: int, msg: str) -> None:
        self.problems.append(f"{name}:{line}: {msg}")

    def choice(self, name, line, row, col, allowed) -> None:
        if row[col] not in allowed:
            self.err(name, line, f"{col} 的值 “{row[col]}” 不在允许范围内（可选：{', '.join(sorted(allowed))}）")

    def number(self, name, line, row, col, *, required=True) -> float | None:
        v = row[col]
        if v == "":
            if required:
                self.err(name, line, f"{col} 不能为空")
            return None
        try:
            return float(v)
        except ValueError:
            self.err(name, line, f"{col} 的值 “{v}” 不是数字")
            return None

    def unique(self, name, rows, key) -> None:
        seen: dict[str, int] = {}
        for line, row in rows:
            k = tuple(row[c] for c in key) if isinstance(key, tuple) else row[key]
            if k in seen:
                self.err(name, line, f"{key} “{k}” 与第 {seen[k]} 行重复")
            else:
                seen[k] = line


@dataclass(frozen=True)
class Indicator:
    """One indicator, typed: it knows its kind, unit, scale and the measures it is made of
    (after dbt's ``measure_references``: nobody re-derives an indicator's parts)."""

    code: str
    name: str
    short_name: str
    group: str
    section: str
    kind: str                      # annual_flow | ytd_ratio | level | cumulative | milestone
    formula: str                   # measure | sum | difference | ratio
    numerator: tuple[str, ...]     # the numerator's measures (a-b: both)
    denominator: str | None
    reported_rate: str | None      # a rate a county may send instead of the parts
    unit: str
    scale: float | None            # raw formula result -> the indicator's unit
    scope: str                     # county | city
    direction: str
    sort: int

    @property
    def parts(self) -> tuple[str, ...]:
        """The measures the indicator is computed from (numerator, then denominator)."""
        return self.numerator + ((self.denominator,) if self.denominator else ())

    @property
    def measures(self) -> tuple[str, ...]:
        """Every measure that bears on the indicator: its parts and its reported rate."""
        return self.parts + ((self.reported_rate,) if self.reported_rate else ())


def _text_or_none(v) -> str | None:
    return v if isinstance(v, str) and v.strip() and v != "nan" else None


@dataclass(frozen=True)
class Catalog:
    """The validated catalog as DataFrames (one per file), plus derived columns on indicators."""

    regions: pd.DataFrame
    units: pd.DataFrame
    measures: pd.DataFrame
    indicators: pd.DataFrame
    sources: pd.DataFrame
    targets: pd.DataFrame
    aliases: pd.DataFrame
    # documented default decisions: which source binds where two documents of the same standing
    # disagree (the general rule, official before draft, cannot choose between two officials)
    bindings: pd.DataFrame

    @property
    def city_code(self) -> str:
        return city_code(self.regions)

    def region_name(self, code: str) -> str:
        return str(self.regions.set_index("code").loc[code, "name"])

    def counties(self) -> pd.DataFrame:
        return self.regions[self.regions["level"] == "county"]

    def unit_factor(self, unit: str) -> float:
        return float(self.units.set_index("unit").loc[unit, "factor"])

    def indicator(self, code: str) -> Indicator:
        """The typed indicator ``code`` (KeyError if unknown)."""
        return self._indicators()[code]

    def indicator_list(self) -> list[Indicator]:
        """Every indicator, in catalog order."""
        return list(self._indicators().values())

    def _indicators(self) -> dict[str, Indicator]:
        cached = self.__dict__.get("_typed")
        if cached is None:
            cached = {}
            for r in self.indicators.to_dict("records"):
                scale = r.get("scale")
                cached[r["code"]] = Indicator(
                    code=r["code"], name=r["name"], short_name=r.get("short_name") or r["name"],
                    group=r["group"], section=r.get("section") or "", kind=r["kind"], formula=r["formula"],
                    numerator=tuple(r["numerator_measures"]), denominator=_text_or_none(r.get("denominator")),
                    reported_rate=_text_or_none(r.get("reported_rate")), unit=r["unit"],
                    scale=None if scale is None or pd.isna(scale) else float(scale), scope=r["scope"],
                    direction=r["direction"], sort=int(r["sort"]))
            object.__setattr__(self, "_typed", cached)
        return cached

    def measure_indicator_pairs(self) -> pd.DataFrame:
        """(measure, indicator) for every measure an indicator is built from, its reported rate
        included, in catalog order: which indicators a figure (or its 偏差说明) bears on."""
        rows = [(m, i.code) for i in self.indicator_list() for m in i.measures]
        return pd.DataFrame(rows, columns=["measure", "indicator"]).drop_duplicates().reset_index(drop=True)

    def resolve_region(self, text: str) -> str | None:
        """Region code for a code, a full name, a short name or an alias; None if unknown."""
        t = text.strip()
        r = self.regions
        for col in ("code", "name", "short_name"):
            hit = r.loc[r[col] == t, "code"]
            if len(hit):
                return str(hit.iloc[0])
        a = self.aliases[(self.aliases["kind"] == "region") & (self.aliases["alias"] == t)]
        return str(a["code"].iloc[0]) if len(a) else None


def from_tables(tables: dict[str, pd.DataFrame]) -> Catalog:
    """The catalog as the database holds it (``Store.catalog_tables``): the one catalog at runtime.
    ``init`` copies the validated files into the database; regions added there (a province's
    counties, ``jxtrack demo --regions``) exist for every command."""
    reg = tables["regions"].copy()
    reg["sort"] = reg["sort"].astype(int)
    reg = reg.sort_values(["sort", "code"], kind="stable").reset_index(drop=True)
    ind = tables["indicators"].rename(columns={"grp": "group"}).copy()
    ind["numerator_measures"] = [_split_terms(str(n or "")) for n in ind["numerator"]]
    for col in ("denominator", "reported_rate"):
        ind[col] = ind[col].fillna("").astype(str)
    ind["sort"] = ind["sort"].astype(int)
    ind = ind.sort_values("sort", kind="stable").reset_index(drop=True)
    tg = tables["targets"].copy()
    tg["year"] = tg["year"].astype(int)
    tg["value"] = tg["value"].astype(float)
    return Catalog(
        regions=reg, units=tables["units"], measures=tables["measures"], indicators=ind,
        sources=tables["sources"], targets=tg, aliases=tables["aliases"], bindings=tables["bindings"],
    )


def _split_terms(expr: str) -> list[str]:
    return [t.strip() for t in re.split(r"[+\-]", expr) if t.strip()]


def load_catalog(directory: Path | str | None = None) -> Catalog:
    """Read and validate the catalog; raise CatalogError listing every problem found."""
    d = Path(directory) if directory else DATA_DIR
    r = _Reader()
    regions = r.read(d, "regions.csv")
    units = r.read(d, "units.csv")
    measures = r.read(d, "measures.csv")
    indicators = r.read(d, "indicators.csv")
    sources = r.read(d, "sources.csv")
    targets = r.read(d, "targets.csv")
    aliases = r.read(d, "aliases.csv")
    bindings = r.read(d, "bindings.csv")

    # regions
    r.unique("regions.csv", regions, "code")
    r.unique("regions.csv", regions, "name")
    codes = {row["code"] for _, row in regions}
    for line, row in regions:
        if not REGION_CODE_RE.match(row["code"]):
            r.err("regions.csv", line, f"code “{row['code']}” 只能由大写字母和数字组成")
        r.choice("regions.csv", line, row, "level", REGION_LEVELS)
        r.choice("regions.csv", line, row, "summable", BOOLS)
        r.number("regions.csv", line, row, "sort")
        if row["level"] == "city" and row["parent"]:
            r.err("regions.csv", line, "city 级地区不应有 parent")
        if row["level"] != "city" and row["parent"] not in codes:
            r.err("regions.csv", line, f"parent “{row['parent']}” 不是已知地区代码")
        if row["level"] == "zone" and row["summable"] == "true":
            r.err("regions.csv", line, "功能区与区县重叠，summable 必须为 false，否则会重复计入全市")
    if regions and sum(1 for _, row in regions if row["level"] == "city") != 1:
        r.err("regions.csv", 1, "必须恰好有一个 city 级地区")

    # units
    r.unique("units.csv", units, "unit")
    unit_dim: dict[str, str] = {}
    unit_fac: dict[str, float] = {}
    for line, row in units:
        f = r.number("units.csv", line, row, "factor")
        if f is not None and f <= 0:
            r.err("units.csv", line, "factor 必须大于 0")
        unit_dim[row["unit"]] = row["dimension"]
        unit_fac[row["unit"]] = f or 1.0

    # measures
    r.unique("measures.csv", measures, "code")
    r.unique("measures.csv", measures, "name")
    measure_unit: dict[str, str] = {}
    measure_behaviour: dict[str, str] = {}
    for line, row in measures:
        if not CODE_RE.match(row["code"]):
            r.err("measures.csv", line, f"code “{row['code']}” 须为小写字母、数字和下划线")
        r.choice("measures.csv", line, row, "behaviour", MEASURE_BEHAVIOURS)
        r.choice("measures.csv", line, row, "scope", SCOPES)
        if row["unit"] not in unit_dim:
            r.err("measures.csv", line, f"unit “{row['unit']}” 不在 units.csv 中")
        measure_unit[row["code"]] = row["unit"]
        measure_behaviour[row["code"]] = row["behaviour"]

    # indicators
    r.unique("indicators.csv", indicators, "code")
    ind_rows = []
    for line, row in indicators:
        name = "indicators.csv"
        if not CODE_RE.match(row["code"]):
            r.err(name, line, f"code “{row['code']}” 须为小写字母、数字和下划线")
        for col, allowed in (
            ("group", GROUPS), ("kind", INDICATOR_KINDS), ("formula", FORMULAS),
            ("direction", DIRECTIONS), ("scope", SCOPES), ("key", BOOLS),
        ):
            r.choice(name, line, row, col, allowed)
        g = r.number(name, line, row, "green_min_pp")
        y = r.number(name, line, row, "yellow_min_pp")
        if g is not None and y is not None and y > g:
            r.err(name, line, f"yellow_min_pp（{y}）不能高于 green_min_pp（{g}）")
        r.number(name, line, row, "sort")
        nums = _split_terms(row["numerator"])
        den = row["denominator"]
        bad = [m for m in nums + ([den] if den else []) if m not in measure_unit]
        if bad:
            r.err(name, line, f"引用了未知的 measure：{', '.join(bad)}")
        if row["reported_rate"] and measure_behaviour.get(row["reported_rate"]) != "rate":
            r.err(name, line, f"reported_rate “{row['reported_rate']}” 须为 behaviour=rate 的 measure")
        formula = row["formula"]
        if formula == "ratio" and not den:
            r.err(name, line, "ratio 指标须填写 denominator")
        if formula != "ratio" and den:
            r.err(name, line, f"{formula} 指标不应填写 denominator")
        if formula == "measure" and len(nums) != 1:
            r.err(name, line, "measure 指标的 numerator 只能有一个 measure")
        if formula == "difference" and ("-" not in row["numerator"] or "+" in row["numerator"]):
            r.err(name, line, "difference 指标的 numerator 须写作 a-b")
        if formula == "sum" and ("+" not in row["numerator"] or "-" in row["numerator"]):
            r.err(name, line, "sum 指标的 numerator 须写作 a+b(+…)")
        scale = None
        units_known = all(measure_unit[m] in unit_dim for m in nums + ([den] if den else []) if m in measure_unit)
        if not bad and formula in FORMULAS and units_known:
            scale = _scale(r, line, row, nums, den, measure_unit, unit_dim, unit_fac)
        if row["kind"] == "ytd_ratio" and formula != "ratio":
            r.err(name, line, "ytd_ratio 指标须为 ratio 公式")
        ind_rows.append({**row, "numerator_measures": nums, "scale": scale})

    # sources
    r.unique("sources.csv", sources, "code")
    source_codes = {row["code"] for _, row in sources}
    for line, row in sources:
        r.choice("sources.csv", line, row, "status", SOURCE_STATUSES)
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", row["issued"]):
            r.err("sources.csv", line, f"issued “{row['issued']}” 须为 YYYY-MM-DD")

    # targets
    ind_codes = {row["code"] for _, row in indicators}
    r.unique("targets.csv", targets, ("indicator", "region", "year", "source"))
    for line, row in targets:
        name = "targets.csv"
        if row["indicator"] not in ind_codes:
            r.err(name, line, f"indicator “{row['indicator']}” 不在 indicators.csv 中")
        if row["region"] not in codes:
            r.err(name, line, f"region “{row['region']}” 不在 regions.csv 中")
        if row["source"] not in source_codes:
            r.err(name, line, f"source “{row['source']}” 不在 sources.csv 中")
        yr = r.number(name, line, row, "year")
        if yr is not None and not (2000 <= yr <= 2100 and yr == int(yr)):
            r.err(name, line, f"year “{row['year']}” 不是有效年份")
        r.number(name, line, row, "value")
        r.choice(name, line, row, "comparator", COMPARATORS)
        if not row["clause"]:
            r.err(name, line, "clause 不能为空：每个目标都要注明出处条款")

    # default bindings: each names a target row that exists, and says why
    target_keys = {(row["indicator"], row["region"], row["year"], row["source"]) for _, row in targets}
    r.unique("bindings.csv", bindings, ("indicator", "region", "year"))
    for line, row in bindings:
        key = (row["indicator"], row["region"], row["year"], row["source"])
        if key not in target_keys:
            r.err("bindings.csv", line, f"targets.csv 中没有 {row['indicator']} / {row['region']} / {row['year']} "
                                        f"出处 “{row['source']}” 的目标，无法设为约束性")
        if not row["reason"]:
            r.err("bindings.csv", line, "reason 不能为空：默认约束性目标须写明理由")

    # aliases
    r.unique("aliases.csv", aliases, ("kind", "alias"))
    for line, row in aliases:
        r.choice("aliases.csv", line, row, "kind", ALIAS_KINDS)
        known = {"measure": measure_unit, "region": codes, "unit": unit_dim}.get(row["kind"], ())
        if row["code"] not in known:
            r.err("aliases.csv", line, f"别名指向未知的 {row['kind']} “{row['code']}”")

    if r.problems:
        raise CatalogError(r.problems)

    def frame(rows, cols):
        return pd.DataFrame([row for _, row in rows], columns=cols)

    reg = frame(regions, SCHEMAS["regions.csv"][0])
    reg["summable"] = reg["summable"].map(BOOLS)
    reg["sort"] = reg["sort"].astype(int)
    reg = reg.sort_values("sort", kind="stable").reset_index(drop=True)
    un = frame(units, SCHEMAS["units.csv"][0])
    un["factor"] = un["factor"].astype(float)
    ind = pd.DataFrame(ind_rows)
    ind["green_min_pp"] = ind["green_min_pp"].astype(float)
    ind["yellow_min_pp"] = ind["yellow_min_pp"].astype(float)
    ind["key"] = ind["key"].map(BOOLS)
    ind["sort"] = ind["sort"].astype(int)
    ind = ind.sort_values("sort", kind="stable").reset_index(drop=True)
    tg = frame(targets, SCHEMAS["targets.csv"][0])
    tg["year"] = tg["year"].astype(int)
    tg["value"] = tg["value"].astype(float)
    bd = frame(bindings, SCHEMAS["bindings.csv"][0])
    bd["year"] = bd["year"].astype(int)
    return Catalog(
        regions=reg,
        units=un,
        measures=frame(measures, SCHEMAS["measures.csv"][0]),
        indicators=ind,
        sources=frame(sources, SCHEMAS["sources.csv"][0]),
        targets=tg,
        aliases=frame(aliases, SCHEMAS["aliases.csv"][0]),
        bindings=bd,
    )


def _scale(r, line, row, nums, den, measure_unit, unit_dim, unit_fac) -> float | None:
    """Multiplier that turns the formula's raw result (in the measures' units) into the indicator's
    unit.  E.g. 规上工业增加值 (亿元) / 用地 (亩) -> 万元/亩: 1e8 / 1e4 = 10000."""
    name = "indicators.csv"
    unit = row["unit"]
    num_units = {measure_unit[m] for m in nums}
    num_dims = {unit_dim[u] for u in num_units}
    if len(num_dims) > 1:
        r.err(name, line, f"分子各项量纲不一致：{', '.join(sorted(num_units))}")
        return None
    # all numerator measures must share one unit, or the sum would mix units silently
    if len(num_units) > 1:
        r.err(name, line, f"分子各项单位不一致：{', '.join(sorted(num_units))}，请统一 measures.csv 中的单位")
        return None
    nu = num_units.pop()
    if row["formula"] != "ratio":
        if unit not in unit_dim or unit_dim[unit] != unit_dim[nu]:
            r.err(name, line, f"指标单位 “{unit}” 与 measure 单位 “{nu}” 量纲不同，无法换算")
            return None
        return unit_fac[nu] / unit_fac[unit]
    du = measure_unit[den]
    if unit == "%":
        if unit_dim[nu] != unit_dim[du]:
            r.err(name, line, f"百分比指标的分子（{nu}）与分母（{du}）量纲不同")
            return None
        return 100.0 * unit_fac[nu] / unit_fac[du]
    if "/" not in unit:
        r.err(name, line, f"比率指标的单位 “{unit}” 应为 % 或 “分子单位/分母单位”")
        return None
    iu_num, iu_den = unit.split("/", 1)
    for a, b in ((iu_num, nu), (iu_den, du)):
        if a not in unit_dim:
            r.err(name, line, f"单位 “{a}” 不在 units.csv 中")
            return None
        if unit_dim[a] != unit_dim[b]:
            r.err(name, line, f"单位 “{a}” 与 measure 单位 “{b}” 量纲不同，无法换算")
            return None
    return (unit_fac[nu] / unit_fac[iu_num]) / (unit_fac[du] / unit_fac[iu_den])
