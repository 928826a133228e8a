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

from ..catalog import Catalog

_SPACE_RE = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "“”\"'‘’「」『』")
# leading numbering and "其中：" in any combination: "一、", "（一）", "1.", "(1)", "①", "其中："
_PREFIX_RE = re.compile(
    r"^(?:其中[:：]?|[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十]+\)|"
    r"\(?\d{1,2}\)[、.]?|\d{1,2}[、.](?!\d)|[①-⑳]|[-—·•*]|含[:：])+"
)
_BRACKET_RE = re.compile(r"\(([^()]*)\)$")
_SECTION_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+部分)")
BLANK_MARKS = {"-", "--", "—", "——", "/", "无", "空", "n/a", "na", "－", "…"}
TOTAL_RE = re.compile(r"^(?:合计|小计|总计|汇总|全市合计|总数)$")
FOOTER_RE = re.compile(
    r"^(?:填表人|填报人|审核人|审核|负责人|单位负责人|统计负责人|制表人|制表|联系电话|联系人|电话|注|说明|备注|填报日期|报出日期)\s*[:：]"
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


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        t = squash(value)
        return t == "" or t in BLANK_MARKS
    return False


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
        return f"{value.year:04d}-{value.month:02d}"
    if not isinstance(value, str):
        return None
    t = nfkc(value)
    for rx in (_P_RANGE, _P_MONTH, _P_ISO):
        m = rx.search(t)
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            if 2000 <= y <= 2100 and 1 <= mo <= 12:
                return f"{y:04d}-{mo:02d}"
    for rx, mo in _P_WORDS:
        m = rx.search(t)
        if m and 2000 <= int(m.group(1)) <= 2100:
            return f"{int(m.group(1)):04d}-{mo:02d}"
    return None


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
        for k in _variants(key):
            if k in self.measures:
                return self.measures[k], unit
        return None, unit

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
