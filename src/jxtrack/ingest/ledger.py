"""The project ledger (项目库) sheet -> validated project rows or a list of problems.

One project per row under a header row (found among the first rows, below titles and 填报单位
lines; merged multi-row headers are read as in layout.py).  Columns are recognised by their
labels (:data:`FIELDS`), units by the bracket in the label (``总投资（亿元）``) or in the cell
(``1.2亿元``) and converted by ``data/units.csv`` into the field's unit; regions through the
catalog's names and aliases; project types and honours through ``data/project_types.csv`` and
``data/subsidy_rules.csv``.  Every problem has a stable code, a Chinese message, the sheet and the
A1 cell.  No database, no Streamlit: the projects service adds permissions and what is stored.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from jxtrack.catalog.subsidy_rules import RuleBook
from jxtrack.domain.problems import ERROR, FileRefused, Problem, problem
from jxtrack.ingest import credit_code, reader
from jxtrack.ingest import header as hd
from jxtrack.ingest import normalise as nz
from jxtrack.ingest.layout import MAX_HEADER_SCAN, _filled
from jxtrack.ingest.normalise import Matcher, a1

# field -> (label shown in the template, other labels accepted, kind, unit)
FIELDS: dict[str, tuple[str, tuple[str, ...], str, str | None]] = {
    "project_name": ("项目名称", ("项目", "改造项目名称"), "text", None),
    "enterprise": ("企业名称", ("企业", "实施企业", "项目单位", "实施单位", "申报单位", "企业全称"), "text", None),
    "credit_code": ("统一社会信用代码", ("信用代码", "社会信用代码", "企业统一社会信用代码"), "credit", None),
    "region": ("所在地区", ("地区", "区县", "所在区县", "所属区县", "所属地区", "县(市、区)", "县市区"), "region", None),
    "project_type": ("项目类型", ("类型", "改造类型", "项目类别"), "types", None),
    "start_date": ("开工日期", ("开工时间", "开工年月"), "date", None),
    "acceptance_date": ("验收日期", ("验收时间", "竣工验收日期", "验收年月"), "date", None),
    "total_investment": ("总投资", ("项目总投资", "计划总投资", "总投资（计划）", "总投资额"), "money", "万元"),
    "productive_investment": ("生产性投入（不含土建）", ("生产性投入", "生产性投资"), "money", "万元"),
    "equipment_investment": ("设备投资额", ("设备投资", "设备投入"), "money", "万元"),
    "grade": ("绩效综合评价", ("绩效评价", "绩效综合评价结果", "亩均效益评价", "综合评价"), "grade", None),
    "strategic": ("战略性新兴产业", ("是否战略性新兴产业", "战新", "属于战略性新兴产业"), "yesno", None),
    "energy_saving": ("年节能量", ("年替代利用量", "年节能量替代利用量", "年替代利用量节能量", "节能量"), "energy", "吨标煤"),
    "co2_reduction": ("二氧化碳年减排量", ("co2年减排量", "年减排二氧化碳", "二氧化碳减排量"), "mass", "吨"),
    "water_saving": ("年节水量", ("节水量",), "mass", "万吨"),
    "third_party": ("第三方认定", ("经第三方认定", "第三方检测认定", "第三方检测机构认定", "是否第三方认定"), "yesno", None),
    "honours": ("认定", ("荣誉", "获得认定", "荣誉认定", "认定情况", "认定类别"), "honours", None),
    "provincial_list": ("列入省级计划", ("列入省级示范计划", "省级计划", "是否列入省级计划"), "yesno", None),
    "commitment": ("承诺说明", ("出具承诺说明", "是否出具承诺说明"), "yesno", None),
    "note": ("备注", ("说明",), "note", None),
}
REQUIRED = ("project_name", "enterprise", "credit_code", "project_type")
TEMPLATE_UNITS = {"total_investment": "万元", "productive_investment": "万元", "equipment_investment": "万元",
                  "energy_saving": "吨标准煤", "co2_reduction": "吨", "water_saving": "万吨"}
# CO₂ and water are masses in 吨 / 万吨; units.csv's 万吨 is an alias of 万吨标煤 (energy), so these two
# fields convert by this table of their own
MASS_UNITS = {"吨": 1.0, "万吨": 10000.0}
# what the header grammar takes for a unit in a ledger's header: the catalog's units (units.csv and
# its aliases) and the masses above; the catalog's are added per matcher (see _parse)
_UNIT_KEYS = frozenset(hd.COMMON_UNITS | set(MASS_UNITS))
GRADE_WORDS = {"a": "A", "b": "B", "c": "C", "d": "D"}
UNRATED_WORDS = {"未参评", "暂不参评", "暂不参与", "未参加", "不参评", "无", "未评价"}
YES = {"是", "y", "yes", "√", "✓", "1", "true", "有"}
NO = {"否", "n", "no", "×", "✗", "0", "false", "无"}
_SPLIT = re.compile(r"[、，,;；/|\n]+")
_BRACKETS = re.compile(r"\(([^()]*)\)")
_CELL_UNIT = re.compile(r"^(.*?\d)\s*([^\d\s.,%]+)$")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")
LEDGER_COLUMNS = list(FIELDS) + ["sheet", "row"]
PROBLEM_CODES = ("missing_column", "narrowed_column", "missing_value", "bad_credit_code", "bad_date", "date_order",
                 "unknown_project_type", "unknown_honour", "bad_choice", "region_not_county",
                 "cross_county_duplicate")


@dataclass
class ParsedLedger:
    projects: pd.DataFrame                       # LEDGER_COLUMNS, money in 万元
    problems: list[Problem] = field(default_factory=list)
    format: str | None = None
    # how the file was read, for people (as ingest.monthly.Parsed.explanation): which sheet and header row,
    # which column is which field, the units the amounts were read in and converted from, the region
    explanation: list[str] = field(default_factory=list)


def _label_keys() -> dict[str, str]:
    out: dict[str, str] = {}
    for f, (label, others, _, _) in FIELDS.items():
        for t in (label, *others):
            out[_BRACKETS.sub("", nz.squash(t))] = f
    return out


_LABELS = _label_keys()


def _own_qualifiers() -> dict[str, frozenset[str]]:
    """field -> the qualifiers its own labels carry ('生产性投入（不含土建）': 不含土建)."""
    return {f: frozenset(q for t in (label, *others) for q in hd.read_header(t).qualifiers)
            for f, (label, others, _, _) in FIELDS.items()}


_OWN = _own_qualifiers()


def _reading(text: object, is_unit=None) -> tuple[str | None, str | None, str | None]:
    """(field, unit text, narrowing qualifiers) for a header cell; see :func:`header_field`."""
    if not isinstance(text, str) or not text.strip():
        return None, None, None
    h = hd.read_header(text, is_unit or _UNIT_KEYS.__contains__)
    key = _BRACKETS.sub("", h.name).rstrip(":：*")
    key = re.sub(r"^(?:是否)", "", key) if key not in _LABELS else key
    unit = h.unit or ("、".join(h.units) if h.units else None)
    f = _LABELS.get(key)
    narrowing = [q for q in h.qualifiers if f and q not in _OWN[f] and hd.narrows(q)]
    return f, unit, "、".join(narrowing) or None


def header_field(text: object, is_unit=None) -> tuple[str | None, str | None]:
    """(field, unit text or None) for a header cell, read by the one header grammar
    (ingest.header): ``生产性投入（不含土建，万元）``, ``生产性投入（不含土建）（万元）`` and
    ``生产性投入/万元`` are all the productive investment in 万元.  Two units in one header
    (``（万元/亿元）``) give them joined with '、', which no unit is: refused, never guessed.
    A qualifier that makes it another figure than the field's (``总投资（不含土建）``,
    ``验收日期（计划）``; see :func:`ingest.header.narrows`) gives no field: :func:`narrowed_field`
    says which, for the message.  Fill instructions (``（必填）``) and the field's own qualifier
    (生产性投入的“不含土建”) do not."""
    f, unit, narrowing = _reading(text, is_unit)
    return (None, None) if narrowing else (f, unit)


def narrowed_field(text: object, is_unit=None) -> tuple[str, str] | None:
    """(field, qualifiers) for a header that names a field with a qualifier changing what is
    counted ('总投资（不含土建）' -> ('total_investment', '不含土建')); else None."""
    f, _, narrowing = _reading(text, is_unit)
    return (f, narrowing) if f and narrowing else None


def _find_header(grid: list[list[Any]], is_unit=None
                 ) -> tuple[int, dict[int, tuple[str, str | None]], dict[int, tuple[str, str]]] | None:
    """The header row (the last of a multi-row header), column -> (field, unit text), and the
    columns that name a field with a qualifier changing it: column -> (field, qualifiers)."""
    best = None
    for r, row in enumerate(grid[:MAX_HEADER_SCAN]):
        cols: dict[int, tuple[str, str | None]] = {}
        narrowed: dict[int, tuple[str, str]] = {}
        for c, v in enumerate(row):
            f, unit = header_field(v, is_unit)
            if f and f not in {x for x, _ in cols.values()}:
                cols[c] = (f, unit)
            elif (n := narrowed_field(v, is_unit)) is not None:
                narrowed[c] = n
        fields = {f for f, _ in cols.values()}
        if "project_name" in fields and len(fields) >= 3 and (best is None or len(cols) >= len(best[1])):
            best = (r, cols, narrowed)
    return best


@dataclass
class _Ctx:
    m: Matcher
    book: RuleBook
    sheet: str
    probs: list[Problem]
    type_keys: dict[str, str]
    honour_keys: dict[str, str]
    letters: dict[str, str] = field(default_factory=dict)   # field -> column letter
    memo: dict[str, str] = field(default_factory=dict)

    def sq(self, text: str) -> str:
        """nz.squash, memoised: a ledger repeats the same few words thousands of times."""
        k = self.memo.get(text)
        if k is None:
            k = self.memo[text] = nz.squash(text)
        return k

    def blank(self, v: Any) -> bool:
        """nz.is_blank with the memo."""
        if v is None:
            return True
        if isinstance(v, str):
            k = self.sq(v)
            return k == "" or k in nz.PLACEHOLDERS
        return False


def parse_ledger(data: bytes, m: Matcher, book: RuleBook, *, default_region: str | None = None) -> ParsedLedger:
    """Read and validate a ledger file.  Never raises for anything wrong with the file.
    ``default_region`` (a county code) applies to rows without a region when the sheet names none."""
    enabled = gc.isenabled()
    gc.disable()  # see ingest.monthly.parse: many small objects, no cycles
    try:
        return _parse(data, m, book, default_region)
    finally:
        if enabled:
            gc.enable()


def _parse(data: bytes, m: Matcher, book: RuleBook, default_region: str | None) -> ParsedLedger:
    empty = pd.DataFrame(columns=LEDGER_COLUMNS)
    try:
        wb = reader.read_workbook(data)
    except FileRefused as exc:
        return ParsedLedger(empty, [exc.problem])
    probs: list[Problem] = []
    rows: list[dict] = []
    explanation: list[str] = []
    is_unit = (m.unit_keys | _UNIT_KEYS).__contains__
    type_keys = {nz.squash(t): t for t in book.project_types["type"]}
    honour_keys = {nz.squash(h): h for h in book.honours}
    found_any = False
    for sheet in wb.sheets:
        if sheet.hidden or sheet.name == reader.META_SHEET or not sheet.rows:
            continue
        # only the header can be merged across cells: fill the top rows, not the whole sheet
        top = reader.Sheet(sheet.name, sheet.rows[:MAX_HEADER_SCAN], merged=sheet.merged)
        grid = _filled(top)
        hdr = _find_header(grid, is_unit)
        if hdr is None:
            continue
        found_any = True
        hr, cols, narrowed = hdr
        # '单位：万元' above the table: the amounts without a unit of their own are in it
        line = next((u for row in grid[:hr] for u in (hd.unit_line(v, is_unit) for v in row) if u), None)
        if line and m.unit_dim.get(m.units.get(nz.squash(line), "")) == "money":
            cols = {c: (f, unit if unit or FIELDS[f][2] != "money" else line) for c, (f, unit) in cols.items()}
        ctx = _Ctx(m, book, sheet.name, probs, type_keys, honour_keys,
                   {f: nz.col_letter(c) for c, (f, _) in cols.items()})
        fields = {f for f, _ in cols.values()}
        for c, (f, q) in sorted(narrowed.items()):
            if f not in fields:   # the only column for the field says it is another figure: ask
                probs.append(problem("narrowed_column", None, sheet.name, a1(hr, c), nz.cell_text(grid[hr][c]),
                                     header=nz.cell_text(grid[hr][c]), q=q, field=FIELDS[f][0]))
        if any(p.code == "narrowed_column" and p.sheet == sheet.name for p in probs):
            continue
        missing = [FIELDS[f][0] for f in REQUIRED if f not in fields]
        if missing:
            probs.append(problem("missing_column", None, sheet.name, a1(hr, 0), listed="、".join(missing)))
            continue
        sheet_region = _sheet_region(m, grid[:hr])
        region = sheet_region or default_region
        explanation.append(_explain(sheet.name, grid, hr, cols, line, sheet_region, default_region, m, narrowed))
        for r in range(hr + 1, len(sheet.rows)):
            row = sheet.rows[r]
            if not any(v is not None and str(v).strip() for v in row):
                continue
            first = next((v for v in row if v is not None and str(v).strip()), None)
            if isinstance(first, str) and (nz.is_footer(first) or nz.is_total_label(first)):
                if nz.is_footer(first):
                    break
                continue
            rec = _row(ctx, row, r, cols, region)
            if rec is not None:
                rows.append(rec)
    if not found_any:
        probs.append(problem("no_data", variant="ledger"))
    df = pd.DataFrame(rows, columns=LEDGER_COLUMNS + ["_where"]) if rows else empty
    _duplicates(df, m, probs)
    hidden = [s.name for s in wb.sheets if s.hidden and s.name != reader.META_SHEET]
    if hidden:
        explanation.append(f"隐藏的工作表{'、'.join(f'“{n}”' for n in hidden)}未读取。")
    return ParsedLedger(df, probs, wb.format, explanation)


def _explain(sheet: str, grid: list[list[Any]], hr: int, cols: dict[int, tuple[str, str | None]],
             line: str | None, sheet_region: str | None, default_region: str | None, m: Matcher,
             narrowed: dict[int, tuple[str, str]] | None = None) -> str:
    """'工作表“项目库”：第3行为表头；A列「项目名称」…；金额：E列「总投资（亿元）」按亿元读取，换算为万元 …'"""
    def head(c: int) -> str:
        return f"{nz.col_letter(c)}列「{nz.cell_text(grid[hr][c]) if c < len(grid[hr]) else ''}」"

    def field_at(c: int, f: str) -> str:
        label = FIELDS[f][0]
        text = nz.cell_text(grid[hr][c]) if c < len(grid[hr]) else ""
        same = _BRACKETS.sub("", nz.squash(text)) == _BRACKETS.sub("", nz.squash(label))
        return f"{nz.col_letter(c)}列{label}" + ("" if same else f"（「{text}」）")

    fields = "、".join(field_at(c, f) for c, (f, _) in sorted(cols.items()))
    units = []
    for c, (f, unit) in sorted(cols.items()):
        kind, target = FIELDS[f][2], FIELDS[f][3]
        if target is None:
            continue
        if unit is None:
            units.append(f"{head(c)}未写单位，按{target}读取")
            continue
        same = m.units.get(nz.squash(unit), nz.squash(unit)) == m.units.get(nz.squash(target), nz.squash(target))
        came = "（表头上方的“单位：”行）" if unit == line and kind == "money" else ""
        if not same or came:
            units.append(f"{head(c)}按{unit}{came}读取" + ("" if same else f"，换算为{target}"))
    narrowed = narrowed or {}
    unused = [f"{nz.col_letter(c)}列「{nz.cell_text(v)}」"
              + (f"（“{narrowed[c][1]}”与{FIELDS[narrowed[c][0]][0]}口径不同）" if c in narrowed else "")
              for c, v in enumerate(grid[hr]) if c not in cols and nz.cell_text(v)]
    if "region" in {f for f, _ in cols.values()}:
        where = "地区按行读取（“所在地区”列）" + (f"，未填的行按{m.region_info[sheet_region or default_region]['name']}"
                                         if (sheet_region or default_region) in m.region_info else "")
    elif sheet_region:
        where = f"地区：{m.region_info[sheet_region]['name']}（见表头上方）"
    elif default_region in m.region_info:
        where = f"地区：{m.region_info[default_region]['name']}（表中未写明，按填报人所在区县）"
    else:
        where = "地区：表中未写明"
    return (f"工作表“{sheet}”：第{hr + 1}行为表头，每行一个项目；{fields}"
            + (f"；{'、'.join(unused)}未取用" if unused else "")
            + (f"；{'；'.join(units)}" if units else "；各数按表头所写单位读取，无需换算") + f"；{where}。")


def _sheet_region(m: Matcher, top_rows: list[list[Any]]) -> str | None:
    found: set[str] = set()
    for row in top_rows:
        for v in row:
            if isinstance(v, str):
                found |= m.regions_in(v)
    counties = {c for c in found if m.region_info.get(c, {}).get("level") == "county"}
    return next(iter(counties)) if len(counties) == 1 else None


def _row(ctx: _Ctx, row: list[Any], r: int, cols: dict[int, tuple[str, str | None]],
         default_region: str | None) -> dict | None:
    rec: dict[str, Any] = {f: None for f in FIELDS}
    rec["sheet"], rec["row"] = ctx.sheet, r + 1
    n_before = len(ctx.probs)
    where = _Where(r, ctx.letters)
    for c, (f, unit) in cols.items():
        v = row[c] if c < len(row) else None
        rec[f] = _cell(ctx, f, v, unit, where)
    for f in REQUIRED:
        if rec[f] in (None, "", ()):
            if any(p.cell == where.get(f) for p in ctx.probs[n_before:]):
                continue
            ctx.probs.append(problem("missing_value", None, ctx.sheet, where.get(f), field=FIELDS[f][0]))
    if rec["region"] is None:
        if "region" in where and not _blank(row, cols, "region"):
            pass  # already reported
        elif default_region:
            rec["region"] = default_region
        else:
            ctx.probs.append(problem("region_unknown", None, ctx.sheet, where.get("region", a1(r, 0)), variant="project"))
    s, e = rec["start_date"], rec["acceptance_date"]
    if s is not None and e is not None and e < s:
        ctx.probs.append(problem("date_order", None, ctx.sheet, where["acceptance_date"], f"{e:%Y-%m-%d}",
                                start=f"{s:%Y-%m-%d}", end=f"{e:%Y-%m-%d}"))
    if rec["grade"] is None:
        rec["grade"] = "未参评"
    for f in ("strategic", "third_party", "provincial_list", "commitment"):
        rec[f] = bool(rec[f])
    if len(ctx.probs) > n_before and any(p.severity == ERROR for p in ctx.probs[n_before:]):
        return None
    rec["_where"] = where
    return rec


def _blank(row, cols, f) -> bool:
    for c, (ff, _) in cols.items():
        if ff == f:
            return nz.is_blank(row[c] if c < len(row) else None)
    return True


class _Where:
    """Field -> A1 cell of one row, built only when asked (most rows have no problem)."""

    __slots__ = ("letters", "r")

    def __init__(self, r: int, letters: dict[str, str]):
        self.r, self.letters = r, letters

    def get(self, f: str, default: str | None = None) -> str | None:
        letter = self.letters.get(f)
        return f"{letter}{self.r + 1}" if letter else default

    def __getitem__(self, f: str) -> str:
        return f"{self.letters[f]}{self.r + 1}"

    def __contains__(self, f: str) -> bool:
        return f in self.letters


def _cell(ctx: _Ctx, f: str, v: Any, unit: str | None, where: _Where) -> Any:
    kind = FIELDS[f][2]
    if kind in ("text", "note"):
        t = nz.cell_text(v)
        # kept as typed (（在建） stays full-width); only runs of spaces collapse.  Comparisons use
        # the NFKC form (_key), so '(在建)' and '（在建）' are still the same project
        return " ".join(t.split()) or None
    if ctx.blank(v):
        return () if kind in ("types", "honours") else None
    return _cell_value(ctx, f, kind, v, unit, where[f])


def _cell_value(ctx: _Ctx, f: str, kind: str, v: Any, unit: str | None, cell: str) -> Any:
    sheet = ctx.sheet
    if kind == "credit":
        code = credit_code.normalise(nz.cell_text(v))
        why = credit_code.problem_with(code)
        if why:
            ctx.probs.append(problem("bad_credit_code", None, sheet, cell, nz.cell_text(v), why=why))
            return None
        return code
    if kind == "region":
        code = ctx.m.region_exact(nz.cell_text(v))
        if code is None:
            ctx.probs.append(problem("unknown_region", None, sheet, cell, nz.cell_text(v), what="所在地区"))
            return None
        if ctx.m.region_info[code]["level"] != "county":
            ctx.probs.append(problem("region_not_county", None, sheet, cell, nz.cell_text(v)))
            return None
        return code
    if kind == "types":
        out = []
        for part in _SPLIT.split(nz.cell_text(v)):
            if not part.strip():
                continue
            t = ctx.type_keys.get(ctx.sq(part))
            if t is None:
                ctx.probs.append(problem("unknown_project_type", None, sheet, cell, nz.cell_text(v), item=part.strip(),
                                         choices="、".join(ctx.type_keys.values())))
                return ()
            out.append(t)
        return tuple(dict.fromkeys(out))
    if kind == "honours":
        out = []
        for part in _SPLIT.split(nz.cell_text(v)):
            if not part.strip():
                continue
            k = ctx.sq(part)
            h = ctx.honour_keys.get(k) or ctx.honour_keys.get(re.sub(r"(企业|认定)$", "", k))
            if h is None:
                ctx.probs.append(problem("unknown_honour", None, sheet, cell, nz.cell_text(v), item=part.strip(),
                                         choices="、".join(ctx.honour_keys.values())))
                return ()
            out.append(h)
        return tuple(dict.fromkeys(out))
    if kind == "date":
        d = _date(v)
        if d is None:
            ctx.probs.append(problem("bad_date", None, sheet, cell, nz.cell_text(v)))
        return d
    if kind == "grade":
        k = ctx.sq(nz.cell_text(v)).rstrip("档类级")
        if k in GRADE_WORDS:
            return GRADE_WORDS[k]
        if k in UNRATED_WORDS:
            return "未参评"
        ctx.probs.append(problem("bad_choice", None, sheet, cell, nz.cell_text(v), variant="grade"))
        return None
    if kind == "yesno":
        k = ctx.sq(nz.cell_text(v))
        if k in YES:
            return True
        if k in NO:
            return False
        ctx.probs.append(problem("bad_choice", None, sheet, cell, nz.cell_text(v), field=FIELDS[f][0]))
        return None
    return _quantity(ctx, f, v, unit, cell)


def _quantity(ctx: _Ctx, f: str, v: Any, header_unit: str | None, cell: str) -> float | None:
    """A number in the field's unit, converted from the unit in the cell or the header."""
    kind, target = FIELDS[f][2], FIELDS[f][3]
    num = nz.parse_number(v)
    unit_text = header_unit
    if num is None and isinstance(v, str):
        mt = _CELL_UNIT.match(nz.nfkc(v).strip())
        if mt:
            num, unit_text = nz.parse_number(mt.group(1)), mt.group(2)
    if num is None or num.percent:
        ctx.probs.append(problem("not_a_number", None, ctx.sheet, cell, nz.cell_text(v), variant="ledger", name=FIELDS[f][0],
                                unit=target))
        return None
    if num.value < 0:
        ctx.probs.append(problem("negative_value", None, ctx.sheet, cell, nz.cell_text(v), variant="ledger", name=FIELDS[f][0]))
        return None
    if not unit_text:
        return num.value
    if kind == "mass":
        factor = MASS_UNITS.get(ctx.sq(unit_text))
        if factor is None:
            ctx.probs.append(problem("unknown_unit", None, ctx.sheet, cell, unit_text, variant="ledger_mass", unit=unit_text,
                                    field=FIELDS[f][0]))
            return None
        return nz.tidy(num.value * factor / MASS_UNITS[target])
    unit = ctx.m.units.get(ctx.sq(unit_text))
    if unit is None:
        ctx.probs.append(problem("unknown_unit", None, ctx.sheet, cell, unit_text, variant="ledger", unit=unit_text,
                                expected=target))
        return None
    canonical = ctx.m.units.get(ctx.sq(target), target)
    if ctx.m.unit_dim.get(unit) != ctx.m.unit_dim.get(canonical):
        ctx.probs.append(problem("unit_not_convertible", None, ctx.sheet, cell, unit_text, variant="ledger", unit=unit_text,
                                expected=target, field=FIELDS[f][0]))
        return None
    return nz.tidy(num.value * ctx.m.unit_factor[unit] / ctx.m.unit_factor[canonical])


_EXCEL_EPOCH = date(1899, 12, 30)


def _date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool) and 20000 <= v <= 80000:
        return _EXCEL_EPOCH + timedelta(days=int(v))  # an Excel date serial not formatted as a date
    if isinstance(v, str):
        mt = _DATE_RE.match(nz.nfkc(v).strip())
        if mt:
            y, mo, d = int(mt.group(1)), int(mt.group(2)), int(mt.group(3) or 1)
            try:
                return date(y, mo, d)
            except ValueError:
                return None
    return None


def _key(text: object) -> str:
    return nz.squash(str(text or ""))


def _duplicates(df: pd.DataFrame, m: Matcher, probs: list[Problem]) -> None:
    """The same project twice in one region is an error; the same enterprise and project name in two
    regions is a warning (one of them probably counts another county's project)."""
    if df.empty:
        return
    seen: dict[tuple, dict] = {}
    by_name: dict[tuple, dict] = {}
    for rec in df.to_dict("records"):
        k = (rec["region"], rec["credit_code"], _key(rec["project_name"]))
        if k in seen:
            first = seen[k]
            probs.append(problem("duplicate_row", None, rec["sheet"], rec["_where"]["project_name"], rec["project_name"],
                                variant="project", first_sheet=first["sheet"], row=first["row"]))
            continue
        seen[k] = rec
        nk = (_key(rec["enterprise"]), _key(rec["project_name"]))
        other = by_name.get(nk)
        if other is not None and other["region"] != rec["region"]:
            probs.append(cross_county(m.region_info[other["region"]]["name"], rec["sheet"],
                                      rec["_where"]["project_name"], rec["project_name"]))
        by_name.setdefault(nk, rec)


def cross_county(other_region: str, sheet: str | None, cell: str | None, name: str) -> Problem:
    """The warning for a project that another county's ledger also lists."""
    return problem("cross_county_duplicate", None, sheet, cell, name, region=other_region)


def finish(df: pd.DataFrame) -> pd.DataFrame:
    """The parsed rows as stored: no internal cell map; types and honours joined with '|'."""
    out = df.drop(columns=[c for c in ("_where",) if c in df.columns]).copy()
    for col in ("project_type", "honours"):
        out[col] = out[col].map(lambda t: "|".join(t) if t else "")
    for col in ("start_date", "acceptance_date"):
        out[col] = pd.to_datetime(out[col])
    return out
