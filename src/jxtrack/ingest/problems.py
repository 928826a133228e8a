"""Problems found in an uploaded file (after frictionless' error reports).

Every problem has a stable English ``code`` (for tests, logs and the web page), a Chinese
``message`` that says what is wrong and what to do, the sheet, the A1 cell and the value found.
``severity`` is ``error`` (the whole file is refused) or ``warning`` (shown; the user may accept).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

ERROR = "error"
WARNING = "warning"

# code -> severity.  The closed set of problems the importer reports; tests cover each one.
CODES: dict[str, str] = {
    # the file as a whole
    "empty_file": ERROR,
    "file_too_large": ERROR,
    "corrupt_file": ERROR,
    "unsupported_format": ERROR,
    "macro_file": ERROR,
    "unsafe_xml": ERROR,
    "encrypted_file": ERROR,
    "no_data": ERROR,
    # who and when
    "region_unknown": ERROR,
    "period_unknown": ERROR,
    "wrong_region": ERROR,
    "wrong_period": ERROR,
    "not_permitted": ERROR,
    "period_locked": ERROR,      # the month was approved (审核通过): locked until reopened
    # cells
    "unknown_name": ERROR,
    "unknown_region": ERROR,
    "not_a_number": ERROR,
    "negative_count": ERROR,
    "negative_value": ERROR,
    "not_whole_number": ERROR,
    "rate_over_100": ERROR,
    "part_exceeds_whole": ERROR,
    "unknown_unit": ERROR,
    "unit_not_convertible": ERROR,
    "duplicate_row": ERROR,
    "formula_no_value": ERROR,
    "sum_mismatch": ERROR,
    "measure_not_for_region": ERROR,
    # which column is the report (ingest.header: the cumulative one, never a guess)
    "value_column_single_month": ERROR,
    "value_column_ambiguous": ERROR,
    # the project ledger (项目库, jxtrack.ingest.ledger)
    "missing_column": ERROR,
    "missing_value": ERROR,
    "bad_credit_code": ERROR,
    "bad_date": ERROR,
    "date_order": ERROR,
    "unknown_project_type": ERROR,
    "unknown_honour": ERROR,
    "bad_choice": ERROR,
    "region_not_county": ERROR,
    # warnings the user may accept
    "ytd_decrease": WARNING,
    "placeholder_not_reported": WARNING,
    "cross_county_duplicate": WARNING,
}


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


def problem(code: str, message: str, sheet: str | None = None, cell: str | None = None,
            value: Any = None) -> Problem:
    """Build a problem; the severity comes from ``CODES`` so it cannot drift per call site."""
    if code not in CODES:
        raise ValueError(f"unknown problem code {code!r}")
    shown = None if value is None else _show(value)
    return Problem(code, message, sheet, cell, shown, CODES[code])


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value) if isinstance(value, float) else str(value)
    return text if len(text) <= 80 else text[:77] + "…"


class FileRefused(Exception):
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
