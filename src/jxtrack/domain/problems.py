"""Problems: the one registry of problem types (code, severity, Chinese title and template) shared
by the importer (an uploaded file) and the data-quality monitor (figures already stored), after
frictionless' error classes.

Every problem found in a file has a stable English ``code`` (for tests, logs and the web page), a Chinese
``message`` that says what is wrong and what to do, the sheet, the A1 cell and the value found.
``severity`` is ``error`` (the whole file is refused) or ``warning`` (shown; the user may accept).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from jxtrack.domain.errors import UserError

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITY_LABELS = {ERROR: "严重", WARNING: "警告", INFO: "提示"}
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem (after frictionless' error classes): its stable code, its default
    severity, its Chinese title (what a list groups by) and the Chinese template of its message
    ({fields} filled by :meth:`message`), with named variants where one problem arises in a few
    distinct situations.  A type with a template is always worded by it.  One without is worded
    where it is found, because each situation says its own what-to-do, and may keep a variant for
    a situation met in several places; the same words are never written twice (tests/domain)."""

    code: str
    severity: str
    title: str
    template: str = ""
    variants: tuple[tuple[str, str], ...] = ()

    def message(self, variant: str | None = None, **fields: Any) -> str:
        text = dict(self.variants)[variant] if variant else self.template
        if not text:
            raise ValueError(f"problem {self.code!r} has no template{f' {variant!r}' if variant else ''}")
        return text.format(**fields)


def _types(*rows: tuple) -> dict[str, ProblemType]:
    """Rows of (code, severity, title[, template[, {variant: template}]])."""
    return {r[0]: ProblemType(*r[:4], tuple(r[4].items()) if len(r) > 4 else ()) for r in rows}


# What the importer reports about an uploaded file (monthly sheets, ledgers).  An error refuses
# the whole file; a warning is shown and the user may accept it.  Where a problem says the same
# thing wherever it is found its template is here; the others are worded where they are found
# (the sheet, cell and value always travel with the problem).
IMPORT: dict[str, ProblemType] = _types(
    # the file as a whole
    ("empty_file", ERROR, "空文件"),
    ("file_too_large", ERROR, "文件过大"),
    ("corrupt_file", ERROR, "文件已损坏", "",
     {"damaged": "文件已损坏或不完整（{why}），无法打开。请在 Excel/WPS 中重新打开并另存为 .xlsx 后再上传。"}),
    ("unsupported_format", ERROR, "不支持的文件格式"),
    ("macro_file", ERROR, "含宏的文件",
     "文件含有宏（VBA），出于安全考虑不予接收。请另存为不含宏的{save_as}后再上传。"),
    ("unsafe_xml", ERROR, "不安全的文件内容",
     "文件内部含有不安全的 XML 声明（DTD/实体），已拒绝。请在 Excel 中打开后另存为新的 .xlsx 再上传。"),
    ("encrypted_file", ERROR, "加密的文件",
     "文件设置了密码（已加密），无法读取。请取消密码保护后另存再上传。"),
    ("no_data", ERROR, "没有数据"),
    # who and when
    ("region_unknown", ERROR, "填报单位不明"),
    ("period_unknown", ERROR, "报告期不明"),
    ("wrong_region", ERROR, "填报单位不符"),
    ("wrong_period", ERROR, "报告期不符"),
    ("not_permitted", ERROR, "无权上传", "{refusal}",
     {"role": "{refusal}如需填报，请联系管理员开通填报权限。"}),
    # cells
    ("unknown_name", ERROR, "名称不认识",
     "指标名称无法识别，不知道{which}应记到哪个指标。请使用模板中的指标名称（或请市工作专班在目录中增加别名）。",
     {"narrowed": "指标名称中的“{q}”限定了口径，目录中的“{name}”没有这个限定，不能确定是同一个数（不会猜测）。"
                  "如口径相同，请删去括号中的“{q}”后重新上传（或请市工作专班在目录中增加这个名称的别名）。"}),
    ("unknown_region", ERROR, "地区不认识",
     "{what}无法识别。请写区县全称（如“嘉善县”）或地区代码。"),
    ("not_a_number", ERROR, "不是数字"),
    ("negative_count", ERROR, "个数为负"),
    ("negative_value", ERROR, "数值为负"),
    ("not_whole_number", ERROR, "不是整数"),
    ("rate_over_100", ERROR, "比率超过100%"),
    ("part_exceeds_whole", ERROR, "部分大于整体"),
    ("unknown_unit", ERROR, "单位不认识"),
    ("unit_not_convertible", ERROR, "单位无法换算"),
    ("duplicate_row", ERROR, "重复行"),
    ("formula_no_value", ERROR, "公式没有计算结果"),
    ("sum_mismatch", ERROR, "合计不符"),
    ("measure_not_for_region", ERROR, "该地区不报此项"),
    # which column is the report (ingest.header: the cumulative one, never a guess)
    ("value_column_single_month", ERROR, "只有当月数"),
    ("value_column_ambiguous", ERROR, "数值列不明"),
    # the project ledger (项目库, jxtrack.ingest.ledger)
    ("missing_column", ERROR, "缺少列"),
    ("narrowed_column", ERROR, "列的口径不同"),
    ("missing_value", ERROR, "缺少必填项"),
    ("bad_credit_code", ERROR, "统一社会信用代码有误"),
    ("bad_date", ERROR, "日期有误"),
    ("date_order", ERROR, "日期先后有误"),
    ("unknown_project_type", ERROR, "项目类型不认识"),
    ("unknown_honour", ERROR, "荣誉名称不认识"),
    ("bad_choice", ERROR, "不在可选项中"),
    ("region_not_county", ERROR, "不是区县"),
    ("period_locked", ERROR, "该月已审核锁定"),
    # the online form (在线填报, services.entry)
    ("carry_forward_refused", ERROR, "不能沿用上期数",
     "“{name}”不能沿用上期数（只有全年基本不变的存量指标可以沿用），请直接填写本期数。"),
    # warnings the user may accept
    ("ytd_decrease", WARNING, "累计数下降"),
    ("placeholder_not_reported", WARNING, "占位未报"),
    ("cross_county_duplicate", WARNING, "跨区县重复"),
    ("last_year_mismatch", WARNING, "与去年同期数不符"),
)

# What the data-quality monitor (services.quality) finds in the figures already stored.  Its
# messages come from these templates; ytd_decrease is the importer's problem found again later.
QUALITY: dict[str, ProblemType] = _types(
    ("ytd_decrease", ERROR, "累计数下降",
     "{region}{month}的{measure}为{value}{unit}，低于{prev_month}的{prev_value}{unit}；{what}不应下降，"
     "请核实（上传 #{upload}）。"),
    ("city_mismatch", ERROR, "市报数与区县合计不符",
     "全市自报{month}的{measure}为{value}{unit}，而{n}个区县合计为{total}{unit}，相差{diff}；"
     "通报采用区县合计，请核对（上传 #{upload}）。"),
    ("yoy_outlier", WARNING, "与上年同期差异过大",
     "{region}{month}的{measure}为{value}{unit}，比上年同期（{ly_value}）{direction}{change}%，超出±{limit}%，"
     "请核实或在偏差说明中解释（上传 #{upload}）。"),
    ("ratio_only", WARNING, "只报比率、未报分子分母",
     "{region}{month}只报了{indicator}（{value}{unit}），未报{lacking}；该比率可以显示，但不能汇总到全市。"
     "请补报分子、分母（上传 #{upload}）。"),
    ("missing_report", ERROR, "未报送",
     "{region}尚未报送{month}的数据（{deadline}）。通报中该区县各项指标显示为无数据。"),
    ("late_report", WARNING, "逾期报送",
     "{region}{month}的数据于{at}首次上传，晚于报送期限{due}（上传 #{upload}）。"),
    ("incomplete", INFO, "报送不完整",
     "{region}{month}的报表缺少以前报过的{listed}{more}（上传 #{upload}）；如为季度报送项目可忽略。"),
    # worded by services.projects.ledger_findings, which owns the ledger's comparison
    ("ledger_mismatch", WARNING, "报表与项目库不符"),
    ("ledger_duplicate", WARNING, "项目库跨区县重复"),
)

# code -> severity: the closed set of problems the importer reports; tests cover each one.
CODES: dict[str, str] = {c: t.severity for c, t in IMPORT.items()}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    value: str | None = None
    severity: str = ERROR

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def where(self) -> str:
        """'表!C7' style location for messages; '' when the problem concerns the whole file."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.cell or ""

    def line(self) -> str:
        """One human line: [错误] 9月!C7 not_a_number：……（读到 “abc”）."""
        label = "错误" if self.severity == ERROR else "提醒"
        where = f" {self.where()}" if self.where() else ""
        found = f"（读到 “{self.value}”）" if self.value not in (None, "") else ""
        return f"[{label}]{where} {self.code}：{self.message}{found}"


def problem(code: str, message: str | None = None, sheet: str | None = None, cell: str | None = None,
            value: Any = None, *, variant: str | None = None, **fields: Any) -> Problem:
    """Build an importer's problem; the severity comes from ``IMPORT`` so it cannot drift per call
    site.  Without ``message`` the registry's template (or its ``variant``) is filled with ``fields``."""
    if code not in CODES:
        raise ValueError(f"unknown problem code {code!r}")
    if message is None:
        message = IMPORT[code].message(variant, **fields)
    shown = None if value is None else _show(value)
    return Problem(code, message, sheet, cell, shown, CODES[code])


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


class FileRefused(UserError):
    """Raised inside the ingest package when the file cannot be read at all; carries one problem.
    The importing service turns it into a refused result; it never reaches the user as a traceback."""

    def __init__(self, prob: Problem):
        self.problem = prob
        super().__init__(prob.message)


class ProblemsReport:
    """What every file import reports (monthly sheets, ledgers): its problems split by severity,
    whether it can go in, and the problems as a table.  Mixed into the result dataclasses, which
    hold ``problems``."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """No errors: the file can go in (after the warnings, if any, are accepted)."""
        return not self.errors

    def problems_frame(self):
        import pandas as pd

        cols = ["severity", "code", "sheet", "cell", "value", "message"]
        return pd.DataFrame([p.to_dict() for p in self.problems], columns=cols)
