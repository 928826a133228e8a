"""The grammar of a column header: what a header cell says, whatever its spelling.

Statistics offices, enterprises and our own template label columns in many ways (see DOMAIN.md,
"How statistical sheets label their columns").  ``read_header`` turns one header cell into its
parts:

* ``name`` – the measure or field, without brackets and units: ``生产性投入``;
* ``unit`` – in brackets (``（万元）``), in the same bracket after a qualifier
  (``（不含土建，万元）``), after a slash or comma (``投资额/万元``), or as ``单位：万元`` inside the
  cell; two different units in one header (``（万元/亿元）``) give ``units`` of two and no ``unit``;
* ``qualifiers`` – what narrows the name: ``不含土建``, ``其中``, ``请填写`` …;
* ``role`` – what a value column holds: the report (``cumulative``: 1-N月累计, 本年累计, 累计,
  1～N月), the single month (``month``: 本月, 当月, N月), last year's same period (``last_year``),
  a growth rate (``growth``), a target (``target``), a share or progress (``share``), a rank
  (``rank``), last period's figure for reference (``previous``; any column marked 参考：… or
  “系统数据，不读取” is ``previous`` or ``last_year``, never the report), a note (``note``), a plain figure
  column that says nothing about its span (``value``: 数值, 本期, 填报数, 完成 …), and the key
  columns (``unit``, ``code``, ``serial``);
* ``months`` / ``year`` – the span a header states (``1-10月累计`` -> (1, 10); ``10月`` -> (10, 10)).

``unit_line`` reads a ``单位：万元`` line above a table.  Everything is pure: which texts are units
is the caller's (the catalog's) answer, passed as a predicate.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

# Units most sheets use, for callers without a catalog (tests, tools); the importers pass the
# catalog's own predicate.
COMMON_UNITS = frozenset({
    "元", "千元", "万元", "亿元", "吨", "万吨", "吨标煤", "吨标准煤", "万吨标煤", "万吨标准煤", "个", "家",
    "项", "户", "亩", "公顷", "平方米", "人", "万人", "%", "‰", "万元/亩", "元/亩", "万元/人", "元/人",
    "千瓦时", "万千瓦时", "是/否",
})

# role -> Chinese words for the explanation ("作为报告期累计数", "单月数未取用")
ROLE_WORDS = {
    "cumulative": "报告期累计数", "value": "填报数", "month": "单月数", "last_year": "去年同期数",
    "growth": "增长率", "target": "目标数", "share": "占比/进度", "rank": "排名", "previous": "上期参考数",
    "note": "备注", "unit": "单位", "code": "编码", "serial": "序号", None: "口径未标明",
}
# roles of a column that holds figures a sheet may offer; the report is the cumulative one
FIGURE_ROLES = frozenset({"cumulative", "value", "month", "last_year", "growth", "target", "share",
                          "rank", "previous"})

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")", "｛": "(",
                           "｝": ")", "{": "(", "}": ")", "〈": "(", "〉": ")", "《": "(", "》": ")"})
_GROUP = re.compile(r"\(([^()]*)\)")
_SEP = re.compile(r"[,、;]")
_UNIT_LABEL = re.compile(r"^(?:计量|金额|数量|价值|货币)?单位[:]?")
# a bracket part that is a unit the caller does not know ('美元', '万美元', '斤', 'kg'): kept as a
# unit so the caller refuses it, never read as a qualifier (which would leave the default unit)
_LOOKS_LIKE_UNIT = re.compile(r"^(?:[千万亿百十]?[美港欧日]?(?:元|吨|亩|人|个|家|项|户|米|斤|克|方|瓦|度|千瓦时)"
                              r"|[a-z]{1,4}|[%‰]|[千万]?立方米|平方公里|公里)$")
_QUALIFIER_PREFIX = re.compile(r"^(其中|含|另)[:]")
_QUALIFIER_WORDS = re.compile(r"^(?:其中|合计|小计|总计)$")
# Qualifiers that restate what every reported figure already is, so that a measure's name with them
# is the same measure as without: the report's span (a report is the figure from January to the
# report month, see ``role``) and the full scope.  Any other qualifier narrows, widens or changes
# what is counted (不含土建, 含结转, 其中外资, 本月, 1-9月 …): a name carrying it is a measure only
# where the catalog knows it so (an alias), never by dropping the qualifier.
NEUTRAL_QUALIFIERS = frozenset({"全口径", "累计", "当年累计", "本年累计", "累计数", "年初至今"})
_DASH = r"[-~至到—–―]"
_RANGE = re.compile(rf"(?:(\d{{4}})\s*年(?:度)?)?\s*(?:1|01|一)\s*{_DASH}\s*(\d{{1,2}})\s*月(?:份)?")
_MONTH = re.compile(r"(?:(\d{4})\s*年)?(?<![\d-])(\d{1,2})\s*月(?:份)?")
# (role, pattern) in priority order: the first that matches the squashed header wins, so
# '去年同期累计' is last year's, '本年目标' a target, '同比增长(%)' a growth rate, '本月累计' cumulative
_ROLE_RULES: list[tuple[str, re.Pattern]] = [
    ("code", re.compile(r"代码|编码|^code$")),
    ("serial", re.compile(r"^(?:序号|编号|no\.?|行次)$")),
    ("unit", re.compile(r"^(?:计量)?单位$")),
    ("note", re.compile(r"备注|说明|偏差|原因")),
    ("growth", re.compile(r"同比|环比|增长|增速|增幅|增减|比上年|比去年|比同期|±")),
    ("share", re.compile(r"占比|比重|占全|完成率|进度|完成比例|完成百分比")),
    ("rank", re.compile(r"排名|排序|名次|位次")),
    ("last_year", re.compile(r"去年|上年|同期")),
    ("target", re.compile(r"目标|计划|任务|预计|预期")),
    ("previous", re.compile(r"上期|上月|前期|参考")),
    ("cumulative", re.compile(r"累计|年初至|截至|截止|本年|\x00range")),
    ("month", re.compile(r"本月|当月|单月|\x00month")),
    ("value", re.compile(r"本期|数值|填报|完成|实际|数据|数量|金额|^值$|^数$|^数字$")),
]
# a column the sheet itself marks as reference, not to be read (our template's 「参考：上期数 1-9月
# （系统数据，不读取）」): a reference figure whatever else its header says -- last year's when it
# names last year, else last period's -- and so never the report, even when it holds numbers
_REFERENCE = re.compile(r"不读取|不导入|勿读|系统数据|^参考[:]")
_LAST_YEAR = _ROLE_RULES[[r for r, _ in _ROLE_RULES].index("last_year")][1]


@dataclass(frozen=True)
class Header:
    text: str                               # the header as read (NFKC, one space between words)
    name: str                               # without brackets, unit and qualifier prefix
    unit: str | None = None                 # the one unit stated (as written), or None
    units: tuple[str, ...] = ()             # every unit stated; two or more: ambiguous
    qualifiers: tuple[str, ...] = ()
    role: str | None = None
    months: tuple[int, int] | None = None   # (first, last) month of the span stated
    year: int | None = None

    @property
    def ambiguous_unit(self) -> bool:
        return len(set(self.units)) > 1


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits, brackets and separators), every bracket as (), and one
    space between words."""
    t = unicodedata.normalize("NFKC", text).translate(_BRACKETS)
    return " ".join(t.split())


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def read_header(text: object, is_unit: Callable[[str], bool] | None = None) -> Header:
    """The parts of one header cell (see the module docstring).  ``is_unit`` says whether a text
    (NFKC, no spaces) is a unit; by default :data:`COMMON_UNITS`."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return _read(text, is_unit or _common_unit)


def _common_unit(t: str) -> bool:
    return t in COMMON_UNITS


@functools.lru_cache(maxsize=4096)
def _read_cached(text: str, is_unit: Callable[[str], bool]) -> Header:
    return _read_uncached(text, is_unit)


def _read(text: str, is_unit: Callable[[str], bool]) -> Header:
    try:
        return _read_cached(text, is_unit)
    except TypeError:  # an unhashable predicate
        return _read_uncached(text, is_unit)


def _unit_in(part: str, is_unit: Callable[[str], bool]) -> str | None:
    """``part`` as a unit ('万元', '单位:万元', '%'), or None."""
    p = _squash(part)
    if not p:
        return None
    if is_unit(p):
        return p
    stripped = _UNIT_LABEL.sub("", p)
    if stripped != p and stripped and is_unit(stripped):
        return stripped
    return None


def _read_uncached(text: str, is_unit: Callable[[str], bool]) -> Header:
    t = normalise(text)
    units: list[str] = []
    qualifiers: list[str] = []
    outside = t
    # bracket groups, innermost first: each part is a unit, or else a qualifier
    while True:
        g = _GROUP.search(outside)
        if g is None:
            break
        content = g.group(1).strip()
        outside = (outside[: g.start()] + " " + outside[g.end():]).strip()
        whole = _unit_in(content, is_unit)
        if whole:
            units.append(whole)
            continue
        for part in _SEP.split(content):
            part = part.strip()
            if not part:
                continue
            u = _unit_in(part, is_unit)
            if u is None and "/" in part:  # (万元/亿元): two units, ambiguous
                pieces = [_unit_in(x, is_unit) for x in part.split("/")]
                if all(pieces):
                    units.extend(p for p in pieces if p)
                    continue
            if u:
                units.append(u)
            elif _LOOKS_LIKE_UNIT.match(_squash(part)):
                units.append(_squash(part))   # '(美元)', '(斤)': a unit, unknown; never ignored
            else:
                qualifiers.append(_squash(part))
    outside = " ".join(outside.split()).strip(" :*")
    # a unit after a slash or comma outside brackets: '投资额/万元', '投资额,万元'
    for sep in ("/", ","):
        if sep in outside:
            i = outside.index(sep)
            while i >= 0:
                u = _unit_in(outside[i + 1:], is_unit)
                if u and outside[:i].strip():
                    units.append(u)
                    outside = outside[:i].strip()
                    break
                i = outside.find(sep, i + 1)
    # 'X 单位:万元' written inside the cell without brackets
    m = re.search(r"(?:计量|金额)?单位\s*:\s*(\S+)$", outside)
    if m and _unit_in(m.group(1), is_unit):
        units.append(_unit_in(m.group(1), is_unit))
        outside = outside[: m.start()].strip(" ,:")
    pm = _QUALIFIER_PREFIX.match(outside)
    if pm:
        qualifiers.insert(0, pm.group(1))
        outside = outside[pm.end():].strip()
    name = _squash(outside)
    if _QUALIFIER_WORDS.match(name):
        qualifiers.append(name)
    # the span stated: a range '1-10月' is cumulative, a lone '10月' the single month
    months = year = None
    key = _squash(t)
    rm = _RANGE.search(normalise(text))
    marker = ""
    if rm:
        months, marker = (1, int(rm.group(2))), "\x00range"
        year = int(rm.group(1)) if rm.group(1) else None
    else:
        mm = _MONTH.search(normalise(text))
        if mm and 1 <= int(mm.group(2)) <= 12:
            months, marker = (int(mm.group(2)),) * 2, "\x00month"
            year = int(mm.group(1)) if mm.group(1) else None
    if months and not 1 <= months[1] <= 12:
        months, year, marker = None, None, ""
    role = None
    probe = key + marker
    for r, rx in _ROLE_RULES:
        if rx.search(probe):
            role = r
            break
    if _REFERENCE.search(key) and role not in ("last_year", "previous"):
        role = "last_year" if _LAST_YEAR.search(key) else "previous"
    if role == "unit" and units:
        role = None  # '单位(万元)' is not a unit column but a unit stated … of nothing: leave it
    units = list(dict.fromkeys(units))
    return Header(t, name, units[0] if len(units) == 1 else None, tuple(units), tuple(qualifiers),
                  role, months, year)


# A qualifier that changes what is counted: a scope (不含土建, 含税, 其中外资, 除房地产) or another
# figure than the thing itself (本月, 去年同期, 同比, 计划, 占比, 排名, 上期).  Fill instructions
# (必填, 选填, 按营业执照填写, 可多选) and the full scope do not; see :func:`narrows`.
_SCOPE = re.compile(r"^(?:不含|含|包含|包括|不包括|其中|除|扣除|剔除|仅|只含|只计|另)|(?:以外|之外|除外)$")
_OTHER_FIGURE_ROLES = frozenset({"month", "last_year", "growth", "share", "rank", "previous", "target"})


def narrows(qualifier: str) -> bool:
    """Whether a qualifier makes a field's header name a different figure than the field
    (``不含土建``, ``含税``, ``计划``, ``去年同期``), rather than restating it (``全口径``) or telling
    how to fill it in (``必填``, ``选填``, ``按营业执照填写``)."""
    q = _squash(normalise(qualifier))
    if not q or q in NEUTRAL_QUALIFIERS:
        return False
    return bool(_SCOPE.search(q)) or read_header(q).role in _OTHER_FIGURE_ROLES


def neutral_qualifier(text: str) -> bool:
    """Whether a qualifier restates what a reported figure is (:data:`NEUTRAL_QUALIFIERS`)."""
    return _squash(normalise(text)) in NEUTRAL_QUALIFIERS


def unit_line(text: object, is_unit: Callable[[str], bool] | None = None) -> str | None:
    """The unit a line above a table states for it: '单位：万元', '金额单位：万元', '（单位：亿元）'."""
    if not isinstance(text, str):
        return None
    t = _squash(normalise(text)).strip("()")
    m = re.search(r"(?:计量|金额|数量|价值|货币)?单位:(.+)$", t)
    if not m:
        return None
    u = m.group(1).strip("():;,。.")
    return u if (is_unit or _common_unit)(u) else None


def describe(col: str, header: Header) -> str:
    """'D列「1-10月累计」' for the explanation."""
    return f"{col}列「{header.text}」"
