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
    ({fields} filled by :meth:`message`), or named variants where one problem arises in distinct
    situations that each say their own what-to-do.  Every problem is worded here: a call site
    gives only the fields (tests/domain check that each gives exactly what its template asks)."""

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
# the whole file; a warning is shown and the user may accept it.  Every problem is worded here (a
# template, or a variant per distinct situation); the call site gives the fields, the sheet, the
# cell and the value.
IMPORT: dict[str, ProblemType] = _types(
    # the file as a whole (jxtrack.ingest.reader; a variant per situation, each naming its limit)
    ("empty_file", ERROR, "空文件", "文件是空的（0 字节或只有空白）。请确认保存后再上传。"),
    ("file_too_large", ERROR, "文件过大", "", {
        "file_size": "文件有 {size:.1f} MB，超过上限 {limit:.0f} MB。月报通常只有几十 KB，请检查是否选错了文件，"
                     "或删去无关的工作表和图片后再上传。",
        "unpacked": "文件解压后的内容过大（超过安全上限），疑似异常文件，已拒绝。请只保留需要填报的工作表，"
                    "另存为新的 .xlsx 后再上传。",
        "part": "文件内部的“{part}”部分解压后有 {size:.1f} MB{together}，超过上限（每部分 {part_limit} MB，"
                "合计 {total_limit} MB），未读取。月报通常不到 1 MB：请删去多余的图表、批注、样式或数据透视表，"
                "另存为新的 .xlsx 后再上传。",
        "shared_bytes": "文件中的文字（共享字符串）解压后超过 {limit} MB，超过上限，未读取。月报的文字通常只有几十 KB："
                        "请检查是否选错了文件，或只保留需要填报的工作表，另存为新的 .xlsx 后再上传。",
        "shared_runs": "文件中的文字（共享字符串）格式过于复杂（超过 {limit:,} 个格式片段），超过上限，未读取。"
                       "请把表格复制到新工作簿（选择性粘贴为数值），另存为新的 .xlsx 后再上传。",
        "shared_count": "文件中的文字（共享字符串）超过 {limit:,} 条，超过上限，未读取。月报只有几百条文字："
                        "请检查是否选错了文件，或只保留需要填报的工作表，另存为新的 .xlsx 后再上传。",
        "other_content": "{where}中除单元格外的内容（条件格式、数据验证、列设置等）超过 {limit:,} 项，超过上限，未读取。"
                         "请清除多余的条件格式和数据验证（或把数据复制到新工作簿），另存为新的 .xlsx 后再上传。",
        "range": "{where}的范围达到 {rows:,} 行 × {cols:,} 列，超过上限（{limit:,} 个单元格）。月报只有几十行："
                 "请删除表格以外远处的内容（选中多余的行、列后“删除”），另存后再上传。",
        "cells": "{where}的单元格超过 {limit:,} 个（含合并单元格），超过上限，未读取。月报只有几百个单元格："
                 "请检查是否选错了文件，或只保留需要填报的工作表后再上传。",
        "sheet_range": "工作表“{sheet_name}”的范围达到 {rows:,} 行 × {cols:,} 列，超过上限。",
        "sheet_grid": "工作表“{sheet_name}”的单元格超过 {limit:,} 个，超过上限。",
        "old_format_cells": "文件的单元格超过上限（{limit:,} 个已填单元格，或一个工作表超过 {grid:,} 个单元格的范围），"
                            "未读取。月报只有几百个单元格：请检查是否选错了文件，或删除表格以外远处的内容、"
                            "只保留需要填报的工作表后再上传。",
        "csv_cells": "CSV 的单元格超过 {limit:,} 个（第 {row:,} 行已超出），超过上限，未读取。请检查是否选错了文件。",
        "memory": "文件内容过大，无法读取。"}),
    ("corrupt_file", ERROR, "文件已损坏", "", {
        "damaged": "文件已损坏或不完整（{why}），无法打开。请在 Excel/WPS 中重新打开并另存为 .xlsx 后再上传。",
        "invalid": "文件已损坏、不完整或内容不是有效的表格，无法读取。请在 Excel/WPS 中重新打开，另存为 .xlsx 后再上传。",
        "not_text": "文件既不是 Excel 表格，也不是可读的文本（CSV），可能已损坏。请上传 .xlsx、.xls 或 .csv 格式的报表。",
        "unreadable_characters": "文件含有大量不可读字符，既不是 Excel 表格也不是 CSV 文本，可能已损坏。"
                                 "请上传 .xlsx、.xls 或 .csv 格式的报表。",
        "csv": "CSV 文件格式有误（引号不成对等），无法读取。请用 Excel 另存为 .xlsx 后再上传。"}),
    ("unsupported_format", ERROR, "不支持的文件格式", "", {
        "xlsb": "这是 Excel 二进制工作簿（.xlsb），无法读取。请在 Excel 中“另存为”“Excel 工作簿（*.xlsx）”后再上传。",
        "not_a_workbook": "这是{what}，不是 Excel 表格（尽管文件名可能是 .xlsx）。请上传 .xlsx、.xls 或 .csv 格式的报表。",
        "word": "这是 Word 文档，不是 Excel 表格。请上传 .xlsx、.xls 或 .csv 格式的报表。",
        "pdf": "这是 PDF 文件，不是表格。请上传 .xlsx、.xls 或 .csv 格式的报表。",
        "html": "这是网页（HTML/XML）格式的文件，只是名字像 Excel。请用 Excel/WPS 打开后“另存为” .xlsx 再上传。",
        "unknown": "无法识别的文件格式（不是 Excel 表格，也不是 CSV 文本）。请上传 .xlsx、.xls 或 .csv 格式的报表。"}),
    ("macro_file", ERROR, "含宏的文件",
     "文件含有宏（VBA），出于安全考虑不予接收。请另存为不含宏的{save_as}后再上传。"),
    ("unsafe_xml", ERROR, "不安全的文件内容",
     "文件内部含有不安全的 XML 声明（DTD/实体），已拒绝。请在 Excel 中打开后另存为新的 .xlsx 再上传。"),
    ("encrypted_file", ERROR, "加密的文件",
     "文件设置了密码（已加密），无法读取。请取消密码保护后另存再上传。"),
    ("no_data", ERROR, "没有数据",
     "文件中没有找到可识别的指标数据。请使用下载的模板填报，或确认表中有“指标名称”列（或各区县为行、指标为列）"
     "和填写了数字的数值列。",
     {"ledger": "文件中没有找到项目表：需要一行表头，至少含“项目名称”“企业名称”“统一社会信用代码”“项目类型”等列。"
                "请使用下载的项目库模板（jxtrack projects template）填报。",
      "form": "表单中没有填写任何数字。请至少填写一项本期数（不填的指标本期不报送）。"}),
    # who and when
    ("region_unknown", ERROR, "填报单位不明",
     "无法确定这张表是哪个地区的：表头没有写明填报单位，也没有指定地区。"
     "请在表头写明“填报单位：××县”，或导入时指定地区（--region）。",
     {"project": "无法确定这个项目所在的区县：“所在地区”为空，表头也没有写明填报单位。请填写“所在地区”（如“嘉善县”）。"}),
    ("period_unknown", ERROR, "报告期不明",
     "无法确定报告期：表头没有写明报告期，也没有指定。请在标题或表头写明“报告期：2025年9月”，"
     "或导入时指定报告期（--period）。",
     {"cell": "报告期无法识别。请写成“2025年9月”或“2025-09”。"}),
    ("wrong_region", ERROR, "填报单位不符",
     "表中写的填报单位是“{stated}”，与指定的“{given}”不一致。请确认选对了文件，或改正表头后再上传。",
     {"several": "表中同时出现了多个地区：{listed}，无法确定是哪一个。请改正表头，或导入时指定地区（--region）。",
      "other_regions": "指定导入{region}的数据，但表中还有{others}的数据。"
                       "多地区汇总表请不要指定地区；只导入一个地区请删去其他地区的行。"}),
    ("wrong_period", ERROR, "报告期不符",
     "表中写的报告期是“{stated}”，与指定的“{given}”不一致。请确认选对了文件，或改正表头后再上传。",
     {"several": "表中同时出现了多个报告期：{listed}，无法确定是哪一个。请改正表头，或导入时指定报告期（--period）。",
      "other_periods": "指定导入 {period} 的数据，但表中还有 {others} 的数据。多期历史数据请不要指定报告期。",
      "header_month": "数值列表头{header_cell}「{header}」写的是{months}的累计数，而报告期是“{period}”{where}，两者不一致："
                      "这一列可能是别的月份的数（如复制上月的表后没有改表头），不能确定是本期的累计数（不会猜测）。"
                      "请核对这一列的数字，把表头改为“{expected}累计”，或改正报告期后重新上传。"}),
    ("not_permitted", ERROR, "无权上传", "{refusal}",
     {"role": "{refusal}如需填报，请联系管理员开通填报权限。"}),
    # cells
    ("unknown_name", ERROR, "名称不认识",
     "指标名称无法识别，不知道{which}应记到哪个指标。请使用模板中的指标名称（或请市工作专班在目录中增加别名）。",
     {"narrowed": "指标名称中的“{q}”限定了口径，目录中的“{name}”没有这个限定，不能确定是同一个数（不会猜测）。"
                  "如口径相同，请删去括号中的“{q}”后重新上传（或请市工作专班在目录中增加这个名称的别名）。"}),
    ("unknown_region", ERROR, "地区不认识",
     "{what}无法识别。请写区县全称（如“嘉善县”）或地区代码。"),
    ("not_a_number", ERROR, "不是数字",
     "“{name}”应填数字，这里填的内容不是数字。请只填数字（单位 {unit}，不要带文字）；不填写请留空。",
     {"flag": "“{name}”只能填 1（是）或 0（否）。",
      "ledger": "“{name}”应填数字（单位{unit}）。请改正。"}),
    ("negative_count", ERROR, "个数为负", "“{name}”不能是负数。请核对后填写。"),
    ("negative_value", ERROR, "数值为负", "“{name}”不能是负数。请核对后填写。",
     {"ledger": "“{name}”不能为负数。请改正。"}),
    ("not_whole_number", ERROR, "不是整数", "“{name}”是个数，应为整数（单位 {unit}）。请核对。"),
    ("rate_over_100", ERROR, "比率超过100%",
     "“{name}”是百分比，不能超过 100%。请核对（是否把小数或千分比填成了百分比？）。"),
    ("part_exceeds_whole", ERROR, "部分大于整体",
     "“{part}”（{part_value}）大于“{whole}”（{whole_value}，见 {whole_cell}），部分不能大于总数。请核对。"),
    ("unknown_unit", ERROR, "单位不认识",
     "“{name}”的单位“{unit}”无法识别。该指标的单位应为“{expected}”（或可换算的单位，如万元/亿元），请改正单位。",
     {"header": "数值列的表头「{header}」同时写了{units}几个单位，无法确定数字按哪个单位填写。"
                "请在表头只写一个单位（或在“单位”列逐行写明）。",
      "ledger": "单位“{unit}”无法识别。请用 {expected} 或同类单位（如 元、万元、亿元）。",
      "ledger_mass": "单位“{unit}”无法识别；“{field}”请用 吨 或 万吨。"}),
    ("unit_not_convertible", ERROR, "单位无法换算",
     "“{name}”的单位应为“{expected}”，表中是“{unit}”，两者无法换算（{what}不是{expected}）。请按“{expected}”填报。",
     {"percent": "“{name}”填的是百分数，但单位写的是“{unit}”。请统一。",
      "ledger": "单位“{unit}”不能换算为{expected}（“{field}”的单位）。请改正单位。"}),
    ("duplicate_row", ERROR, "重复行",
     "“{name}”在表中出现了两次（另一处在 {other}）。同一指标只能填一次，请删去重复的行。",
     {"project": "同一项目重复填报（与 {first_sheet} 第{row}行相同：同一企业、同一项目名称）。请删去重复的一行。"}),
    ("formula_no_value", ERROR, "公式没有计算结果",
     "“{name}”这一格是公式，但文件里没有保存计算结果（常见于程序生成的表格）。"
     "请在 Excel/WPS 中打开、确认数值显示正确后保存，再上传；或直接填写数值。"),
    ("sum_mismatch", ERROR, "合计不符",
     "合计行的“{name}”是 {total} {unit}，但上面各行相加是 {summed} {unit}，两者不一致。请核对各行数字或合计。"),
    ("measure_not_for_region", ERROR, "该地区不报此项", "“{name}”只由市本级填报，{region}不填此项。请删去这一行。"),
    # which column is the report (ingest.header: the cumulative one, never a guess)
    ("value_column_single_month", ERROR, "只有当月数",
     "表中只有本月（单月）数：{listed}，没有当年1月至本月的累计数{others}。本系统按累计数填报，不会把单月数当作累计数。"
     "请增加“1-N月累计”列（或使用下载的模板）后重新上传。",
     {"summary": "表中只有本月（单月）数：{listed}，没有当年1月至本月的累计数。本系统按累计数填报，不会把单月数当作累计数。"
                 "请改为“1-N月累计”数后重新上传。",
      "one_measure": "“{name}”有{n}列：{listed}，无法确定哪一列是当年1月至本月的累计数（不会猜测）。"
                     "请只保留累计数一列，或在表头写明“累计”后重新上传。"}),
    ("value_column_ambiguous", ERROR, "数值列不明",
     "表中有{n}列都可能是本期填报的累计数：{listed}，{what}，无法确定应取哪一列（不会猜测）。"
     "请只保留“1-N月累计”一列数字，或把其他列的表头写明口径（如“本月”“去年同期”“目标”）后重新上传。",
     {"summary": "表中有{n}列数字：{listed}，无法确定哪一列是本期的累计数（不会猜测）。"
                 "请只保留累计数一列，或把其他列的表头写明口径（如“本月”“去年同期”）后重新上传。",
      "one_measure": "“{name}”有{n}列：{listed}，无法确定哪一列是当年1月至本月的累计数（不会猜测）。"
                     "请只保留累计数一列，或在表头写明“累计”后重新上传。"}),
    # the project ledger (项目库, jxtrack.ingest.ledger)
    ("missing_column", ERROR, "缺少列",
     "项目表缺少必需的列：{listed}。请使用下载的项目库模板（jxtrack projects template），或在表头补上这些列。"),
    ("narrowed_column", ERROR, "列的口径不同",
     "表头“{header}”中的“{q}”限定了口径，与“{field}”不是同一个数，未读取（不会猜测）。如果这一列就是{field}，"
     "请把表头改为模板中的“{field}”（可保留单位）后重新上传；否则请补上“{field}”列。"),
    ("missing_value", ERROR, "缺少必填项", "“{field}”不能为空。请补填后重新上传。"),
    ("bad_credit_code", ERROR, "统一社会信用代码有误", "统一社会信用代码不正确：{why}。请按营业执照核对后重新填写。"),
    ("bad_date", ERROR, "日期有误", "日期无法识别。请写成“2025-03-15”或“2025年3月15日”。"),
    ("date_order", ERROR, "日期先后有误", "验收日期 {end} 早于开工日期 {start}。请核对两个日期。"),
    ("unknown_project_type", ERROR, "项目类型不认识",
     "项目类型“{item}”不在目录中。可选：{choices}；请改为其中之一（多个用“、”分隔）。"),
    ("unknown_honour", ERROR, "荣誉名称不认识", "认定“{item}”不在奖补规则中。可填：{choices}；多个用“、”分隔。请改正或删去。"),
    ("bad_choice", ERROR, "不在可选项中", "“{field}”只能填“是”或“否”。请改正。",
     {"grade": "绩效综合评价只能填 A、B、C、D 或“未参评”。请改正。"}),
    ("region_not_county", ERROR, "不是区县",
     "项目须填所在区县（如“嘉善县”），不能填全市或功能区（功能区与区县重叠，会重复计数）。请改为项目所在的区县。"),
    ("period_locked", ERROR, "该月已审核锁定", "{locked}"),
    # the online form (在线填报, services.entry)
    ("carry_forward_refused", ERROR, "不能沿用上期数",
     "“{name}”不能沿用上期数（只有全年基本不变的存量指标可以沿用），请直接填写本期数。"),
    # warnings the user may accept
    ("ytd_decrease", WARNING, "累计数下降",
     "“{name}”是累计数，本期 {now} 比上期（{prev_period}）的 {prev_value} 还少。累计数一般不会下降，请核对；"
     "如确认无误（如口径调整），可确认后导入。"),
    ("placeholder_not_reported", WARNING, "占位未报",
     "“{name}”是月报模板要求填报的指标，这里填的是“{raw}”而不是数字，本期按未填报处理（不导入数值）。"
     "如有数据，请填写数字（单位 {unit}）后重新上传；如本期确实没有数据，可确认后导入。"),
    ("cross_county_duplicate", WARNING, "跨区县重复",
     "同一企业的同名项目也在{region}的项目库中，可能重复统计。"
     "请与该区县核实项目所在地；确属两个项目请在项目名称中加以区分，核实无误可确认导入。"),
    ("last_year_mismatch", WARNING, "与去年同期数不符",
     "“{name}”的去年同期数（{column}）是 {raw}{converted}，系统中{before}的数是 {old} {unit}，相差 {diff} {unit}，"
     "超出了四舍五入的误差。请核对表中的去年同期数，或系统中去年的数据是否需要更正；本期数不受影响，如确认无误，可确认后导入。"),
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
