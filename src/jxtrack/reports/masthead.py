"""The bulletin's masthead (版头), 版记 and 生成 line: the issuing body, the document number, dates."""

from __future__ import annotations

from jxtrack.domain import clock
from jxtrack.present import fmt

# Defaults; the working group sets its own (settings ``bulletin_issuer`` / ``bulletin_doc_prefix``,
# see ``reports.bulletin.set_masthead``).
ISSUER = "嘉兴市“两化”改造和两业融合工作专班"
ISSUING_OFFICE = "嘉兴市“两化”改造和两业融合工作专班办公室"
DOC_PREFIX = "嘉两化专班通报"


def doc_number(prefix: str, period: str) -> str:
    """The bulletin's number, one per report month: '嘉两化专班通报〔2026〕10号' for 1–10月."""
    year, month = str(period).split("-")[:2]
    return f"{prefix}〔{int(year)}〕{int(month)}号"


def generated_line(at) -> str:
    """'生成时间：2026年12月3日 19:34（北京时间）' — the full date and time, in the project's zone."""
    return f"生成时间：{fmt.moment(at, with_year=True)}（{clock.zone_label()}）"


def issued_date(at) -> str:
    """The 印发 date of the 版记: '2026年12月3日' (Beijing date)."""
    d = clock.local(at)
    return f"{d.year}年{d.month}月{d.day}日"
