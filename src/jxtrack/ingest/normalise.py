"""Text, number, unit, name, region and period normalisation for real-world sheets.

Real sheets write names with units in brackets, "其中：" prefixes, numbering, full-width characters
and stray spaces; numbers as text with thousands separators, full-width digits or a percent sign.
Everything here is pure (no I/O) and driven by the catalog (names, aliases, units).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from jxtrack.catalog.model import Catalog
from jxtrack.ingest import header as hd
from metrics.periods import format_period

_SPACE_RE = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
# leading numbering and "其中：" in any combination: "一、", "（一）", "1.", "(1)", "①", "其中："
_PREFIX_RE = re.compile(
    r"^(?:其中[:：]?|[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十]+\)|"
    r"\(?\d{1,2}\)[、.]?|\d{1,2}[、.](?!\d)|[①-⑳]|[-—·•*]|含[:：])+"
)
_BRACKET_RE = re.compile(r"\(([^()]*)\)$")
_UNIT_SEP_RE = re.compile(r"[,，、;；]")
_SECTION_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+部分)")
# What offices write in a figure cell for "no figure", in comparison form (squash: NFKC, so '－'
# is '-', '／' is '/', '…' is '...', 'Ｎ／Ａ' is 'n/a').  Not "#N/A": that is a failed formula.
PLACEHOLDERS = frozenset({
    "-", "--", "---", "—", "——", "–", "――", "―", "/", "//", "\\", "...", "......",
    "无", "暂无", "无数据", "暂无数据", "空", "空白", "不适用", "n/a", "na", "n.a.", "n.a",
})
TOTAL_RE = re.compile(r"^(?:合计|小计|总计|汇总|全市合计|总数)$")
# A label that dates the filling or sending of the sheet (填报日期, 报送时间, 制表日期 ...).  The date
# after it is when the form was written or sent, never the report period.  A bare 日期 counts too,
# but not when it ends another word (统计日期, 截止日期 say what the figures cover).
_FILL_WORDS = r"(?:填报|填表|报送|上报|报出|制表|编制|打印|审核|签发|导出)(?:日期|时间)|报告日期"
_FILL_LABEL = rf"(?:{_FILL_WORDS}|(?<![\u4e00-\u9fff])日期)"
_DATE = r"\d{4}\s*[年./-]\s*\d{1,2}\s*(?:[月./-]\s*(?:\d{1,2}\s*[日号]?)?)?"
FILL_DATE_RE = re.compile(rf"{_FILL_LABEL}\s*[:：]?\s*({_DATE})?")
FOOTER_RE = re.compile(
    r"^(?:填表人|填报人|审核人|审核|负责人|单位负责人|统计负责人|制表人|制表|联系电话|联系人|电话|注|说明|备注|"
    rf"{_FILL_WORDS}|日期|(?:填报|报送|上报|填表)单位(?:\(盖章\))?)\s*[:：]"
)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """NFKC, no whitespace, no quotes, lower case: the comparison form of any label."""
    return _SPACE_RE.sub("", nfkc(text)).translate(_QUOTES).lower()


def cell_text(value: object) -> str:
    """A cell as display text ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def is_empty(value: object) -> bool:
    """Nothing in the cell (or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def is_placeholder(value: object) -> bool:
    """A mark that stands for 'no figure' ('无', '—', '/', 'N/A', '暂无' ...)."""
    return isinstance(value, str) and squash(value) in PLACEHOLDERS


def is_blank(value: object) -> bool:
    """Empty or a placeholder: the cell holds no figure."""
    return is_empty(value) or is_placeholder(value)


# ---- numbers -------------------------------------------------------------------------------------
_NUM_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$")
_THOUSANDS_RE = re.compile(r"(?<=\d)[,，'](?=\d{3}(?:\D|$))")


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool = False  # written with a % sign (or a cell formatted as percent)


def parse_number(raw: object, percent_cell: bool = False) -> Number | None:
    """The number in a cell, or None if it is not a number.  Handles full-width digits,
    thousands separators, a trailing % (value kept as written: '59.3%' -> 59.3, percent=True),
    negative numbers in brackets, and cells formatted as percent (0.593 -> 59.3)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        v = float(raw)
        if v != v or v in (float("inf"), float("-inf")):
            return None
        if percent_cell:
            return Number(tidy(v * 100), True)
        return Number(v)
    if not isinstance(raw, str):
        return None
    t = _SPACE_RE.sub("", nfkc(raw)).lower()
    percent = False
    if t.endswith("%"):
        percent, t = True, t[:-1]
    neg = False
    if t.startswith("(") and t.endswith(")"):
        neg, t = True, t[1:-1]
    t = _THOUSANDS_RE.sub("", t)
    if not _NUM_RE.match(t):
        return None
    v = float(t)
    if v != v or v in (float("inf"), float("-inf")):
        return None
    return Number(-v if neg else v, percent)


def tidy(x: float) -> float:
    """Round away binary noise from unit conversion (58300 万元 -> 5.83 亿元, not 5.8300000001)."""
    return float(f"{x:.12g}")


# ---- periods -------------------------------------------------------------------------------------
_P_RANGE = re.compile(r"(\d{4})\s*年(?:度)?\s*(?:1|一)?\s*[-~～至到—–]\s*(\d{1,2})\s*月")
_P_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月")
_P_ISO = re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})(?![\d])")
_P_WORDS = [
    (re.compile(r"(\d{4})\s*年\s*(?:第?一季度|1季度)"), 3),
    (re.compile(r"(\d{4})\s*年\s*上半年"), 6),
    (re.compile(r"(\d{4})\s*年\s*前三季度"), 9),
    (re.compile(r"(\d{4})\s*年\s*(?:全年|1-12月)"), 12),
]


def parse_period_text(value: object) -> str | None:
    if isinstance(value, str) and len(value) < 64:
        return _parse_period_str(value)
    return _parse_period(value)


@functools.lru_cache(maxsize=4096)
def _parse_period_str(value: str) -> str | None:
    return _parse_period(value)


def _parse_period(value: object) -> str | None:
    """'2025年1-9月', '2025年9月', '2025-09', a date, '2025年上半年' -> 'YYYY-MM'; None if none.
    January-February reported together (1-2月) is period YYYY-02."""
    if isinstance(value, (datetime, date)):
        return format_period(value.year, value.month)
    if not isinstance(value, str):
        return None
    t = nfkc(value)
    for rx in (_P_RANGE, _P_MONTH, _P_ISO):
        m = rx.search(t)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            if 2000 <= y <= 2100 and 1 <= mo <= 12:
                return format_period(y, mo)
    for rx, mo in _P_WORDS:
        m = rx.search(t)
        if m and 2000 <= int(m.group(1)) <= 2100:
            return format_period(int(m.group(1)), mo)
    return None


def strip_fill_dates(text: str) -> tuple[str, bool]:
    """``text`` without its fill/sending dates ('填报日期：2025年11月5日' is removed), and whether it
    ends with such a label whose date stands in the next cell ('报送时间：' | 2025-11-06)."""
    t = nfkc(text)
    dangling = False
    for m in FILL_DATE_RE.finditer(t):
        if m.group(1) is None and not t[m.end():].strip():
            dangling = True
    return FILL_DATE_RE.sub(" ", t), dangling


_DATE_STAMP = re.compile(r"^\d{4}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]|[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2})$")


def is_date_stamp(value: object) -> bool:
    """A bare calendar day ('2025年11月5日', '2025-11-06' or a date cell) with no label: on a form
    this is when it was signed, a weaker hint of the period than a title or a 报告期 label."""
    if isinstance(value, (datetime, date)):
        return True
    return isinstance(value, str) and bool(_DATE_STAMP.match(nfkc(value).strip()))


_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年(?:度)?")
_YEAR_SPAN = re.compile(r"\d{4}\s*年?\s*[-~～至到—–―]\s*\d{4}\s*年")   # a plan's years: 2024—2026年
_SHEET_MONTHS = re.compile(r"(?<!\d)(?:(\d{1,2}|一)\s*[-~～至到—–]\s*)?(\d{1,2})\s*月")


def years_in(text: object) -> set[int]:
    """Years written as '2025年' / '2025年度' in a text (a title without a month); a span of years
    ('2024—2026年', the plan's life) names no single year."""
    if not isinstance(text, str):
        return set()
    t = _YEAR_SPAN.sub(" ", nfkc(text))
    return {int(y) for y in _YEAR.findall(t) if 2000 <= int(y) <= 2100}


def sheet_months(name: str) -> int | None:
    """The month a sheet's name gives without a year: '1-10月' -> 10, '10月' -> 10, '1-2月' -> 2.
    None when the name gives no month, or more than one, or a range that does not start in January
    (a year-to-date report always does)."""
    found = set()
    for m in _SHEET_MONTHS.finditer(nfkc(name)):
        if m.group(1) not in (None, "1", "一"):
            return None
        found.add(int(m.group(2)))
    if len(found) != 1:
        return None
    month = found.pop()
    return month if 1 <= month <= 12 else None


# ---- catalog-driven matching ---------------------------------------------------------------------
@dataclass
class Matcher:
    """Names, regions and units of the catalog in comparison form."""

    catalog: Catalog
    measures: dict[str, str] = field(default_factory=dict)       # name key -> measure code
    regions: dict[str, str] = field(default_factory=dict)        # name key -> region code
    units: dict[str, str] = field(default_factory=dict)          # unit key -> unit
    unit_factor: dict[str, float] = field(default_factory=dict)
    unit_dim: dict[str, str] = field(default_factory=dict)
    measure_info: dict[str, dict] = field(default_factory=dict)  # code -> measures.csv row
    region_info: dict[str, dict] = field(default_factory=dict)
    region_search: list[tuple[str, str]] = field(default_factory=list)  # (text, code), longest first
    unit_keys: frozenset = frozenset()                           # unit keys, for the header grammar
    _measure_cache: dict = field(default_factory=dict, repr=False)
    _region_cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> Matcher:
        m = cls(catalog)
        for row in catalog.units.itertuples():
            m.units[squash(row.unit)] = row.unit
            m.unit_factor[row.unit] = float(row.factor)
            m.unit_dim[row.unit] = row.dimension
        al = catalog.aliases
        for row in al[al["kind"] == "unit"].itertuples():
            m.units.setdefault(squash(row.alias), row.code)
        m.unit_keys = frozenset(m.units)
        exact: dict[str, str] = {}
        variants: dict[str, set[str]] = {}
        for row in catalog.measures.to_dict("records"):
            m.measure_info[row["code"]] = row
            exact[row["code"].lower()] = row["code"]
            for key in _name_keys(row["name"], m):
                variants.setdefault(key, set()).add(row["code"])
        for row in al[al["kind"] == "measure"].itertuples():
            for key in _name_keys(row.alias, m):
                variants.setdefault(key, set()).add(row.code)
        # a variant that could mean two measures is not used: better 'unknown name' than a guess
        m.measures = {k: next(iter(v)) for k, v in variants.items() if len(v) == 1}
        m.measures.update(exact)
        for row in catalog.regions.to_dict("records"):
            m.region_info[row["code"]] = row
            for t in (row["name"], row["short_name"], row["code"]):
                if t:
                    m.regions[squash(t)] = row["code"]
        for row in al[al["kind"] == "region"].itertuples():
            m.regions.setdefault(squash(row.alias), row.code)
        m.region_search = sorted(
            ((k, c) for k, c in m.regions.items() if not k.isdigit()), key=lambda kc: -len(kc[0])
        )
        return m

    # -- units
    def unit(self, text: str | None) -> str | None:
        """Canonical unit for a unit text, None if unknown.  '' / None means 'not given'."""
        if text is None:
            return None
        k = squash(text)
        return self.units.get(k)

    # -- names
    def split_name(self, text: str) -> tuple[str, str | None]:
        """(name key, unit text from a trailing bracket or None)."""
        k = _strip_prefix(squash(text))
        unit = None
        bm = _BRACKET_RE.search(k)
        if bm and (self.unit(bm.group(1)) or bm.group(1) in ("%", "％")):
            unit = bm.group(1)
            k = k[: bm.start()]
        elif bm:
            # the unit in the same bracket after a qualifier: '…(不含土建,万元)' -> '…(不含土建)', 万元
            parts = _UNIT_SEP_RE.split(bm.group(1))
            if len(parts) > 1 and self.unit(parts[-1]) and parts[0]:
                unit = parts[-1]
                k = f"{k[: bm.start()]}({bm.group(1)[: -len(parts[-1]) - 1]})"
        return k.rstrip(":："), unit

    def measure(self, text: str) -> tuple[str | None, str | None]:
        """(measure code or None, unit text found in the name or None).  Memoised: a history
        workbook repeats the same few names thousands of times."""
        hit = self._measure_cache.get(text)
        if hit is None:
            hit = self._measure_cache[text] = self._measure(text)
        return hit

    def _measure(self, text: str) -> tuple[str | None, str | None]:
        if not text or not text.strip():
            return None, None
        key, unit = self.split_name(text)
        if not key:
            return None, unit
        code = self._known(key)
        if code is None:
            base, qualifiers = _qualified(key)
            # '直接拉动技改投资（全口径，万元）': a qualifier that restates what every report is
            # (the header grammar's neutral ones) leaves the measure it qualifies
            if base and all(hd.neutral_qualifier(q) for q in qualifiers):
                code = self._known(base)
        return code, unit

    def _known(self, key: str) -> str | None:
        for k in _variants(key):
            if k in self.measures:
                return self.measures[k]
        return None

    def narrowed(self, text: str) -> tuple[str, str] | None:
        """(measure code, qualifier) for a name that is a known measure with a qualifier the catalog
        does not know it by ('直接拉动技改投资（含结转）'), for saying why it is not read; else None."""
        if not isinstance(text, str) or self.measure(text)[0]:
            return None
        key, _ = self.split_name(text)
        base, qualifiers = _qualified(key)
        code = self._known(base) if base else None
        if code is None:
            return None
        return code, "，".join(q for q in qualifiers if not hd.neutral_qualifier(q))

    def measures_ending_with(self, text: str) -> set[str]:
        """Measures whose name or alias ends with this label ('覆盖率' -> all coverage rates)."""
        key, _ = self.split_name(text)
        if len(key) < 2:
            return set()
        return {c for k, c in self.measures.items() if k.endswith(key)}

    # -- regions
    def region_exact(self, text: object) -> str | None:
        if not isinstance(text, str):
            return None
        if text not in self._region_cache:
            self._region_cache[text] = self.regions.get(_strip_prefix(squash(text)))
        return self._region_cache[text]

    def regions_in(self, text: str) -> set[str]:
        """Every region named inside a text (title, 填报单位), longest names first."""
        t = squash(text)
        found: set[str] = set()
        for k, code in self.region_search:
            if k in t:
                found.add(code)
                t = t.replace(k, "|")
        return found


def _qualified(key: str) -> tuple[str | None, list[str]]:
    """A name key with a trailing bracket of qualifiers ('直接拉动技改投资(全口径)') -> its base and
    the qualifiers; (None, []) without one."""
    bm = _BRACKET_RE.search(key)
    if not bm:
        return None, []
    parts = [p for p in _UNIT_SEP_RE.split(bm.group(1)) if p.strip()]
    base = key[: bm.start()].rstrip(":：")
    return (base, parts) if base and parts else (None, [])


def _strip_prefix(k: str) -> str:
    prev = None
    while prev != k:
        prev = k
        k = _PREFIX_RE.sub("", k)
    return k


def _name_keys(name: str, m: Matcher) -> list[str]:
    key, _ = m.split_name(name)
    keys = [key]
    bm = _BRACKET_RE.search(key)
    if bm:  # '数字化改造2.0覆盖率(仅报比率)' is also known without its remark
        keys.append(key[: bm.start()])
    return [v for k in keys for v in _variants(k)]


def _variants(key: str) -> list[str]:
    """Spelling variants that mean the same measure: trailing 数/个数, 规模以上 = 规上."""
    out = [key]
    for k in list(out):
        if k.startswith("规模以上"):
            out.append("规上" + k[4:])
    for k in list(out):
        if k.endswith("个数"):
            out.append(k[:-2])
        elif k.endswith("数"):
            out.append(k[:-1])
        else:
            out.append(k + "数")
    return list(dict.fromkeys(out))


def is_section_label(text: str) -> bool:
    return bool(_SECTION_RE.match(squash(text)))


def is_total_label(text: object) -> bool:
    return isinstance(text, str) and bool(TOTAL_RE.match(_strip_prefix(squash(text))))


def is_footer(text: object) -> bool:
    return isinstance(text, str) and bool(FOOTER_RE.match(squash(text)))


def col_letter(c: int) -> str:
    """0-based column index -> Excel letters."""
    s = ""
    c += 1
    while c:
        c, r = divmod(c - 1, 26)
        s = chr(65 + r) + s
    return s


def a1(r: int, c: int) -> str:
    """0-based (row, col) -> 'C7'."""
    return f"{col_letter(c)}{r + 1}"
