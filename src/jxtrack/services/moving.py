"""Moving a database to PostgreSQL (``jxtrack migrate --from … --to …``): copy everything, then
verify that both hold the same rows and give the same status table for every month."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from jxtrack.services import setup_db
from jxtrack.services.lookup import ServiceError, catalog
from jxtrack.services.status_table import status
from jxtrack.store import transfer
from jxtrack.store.interface import Store


@dataclass
class MoveReport:
    source: str
    target: str
    copied: dict[str, int]
    counts_differ: dict[str, tuple[int, int]] = field(default_factory=dict)
    periods_checked: list[str] = field(default_factory=list)
    periods_differ: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.counts_differ and not self.periods_differ


def _same_status(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """The two status tables hold the same rows and values (column dtypes may differ)."""
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    keys = ["indicator_code", "region_code"]
    a = a.sort_values(keys).reset_index(drop=True)
    b = b.sort_values(keys).reset_index(drop=True)
    try:
        pd.testing.assert_frame_equal(a, b, check_dtype=False, check_exact=False, rtol=1e-9,
                                      check_categorical=False)
    except AssertionError:
        return False
    return True


def move(source: str, target: str, actor: str) -> MoveReport:
    """Copy the database ``source`` into the new, empty PostgreSQL database ``target`` and verify
    the copy (row counts of every table; the status table of every month with figures)."""
    src, dst = Store(source), Store(target)
    if dst.backend != "postgresql":
        raise ServiceError(f"目标 “{dst.label}” 不是 PostgreSQL 地址：目标应写成 postgresql://用户@主机:端口/库名。")
    if not src.exists():
        raise ServiceError(f"来源数据库 {src.label} 不存在或尚未初始化。")
    src.migrate()
    setup_db.init(dst, catalog())
    copied = transfer.copy_all(src, dst)
    report = MoveReport(source=src.label, target=dst.label, copied=copied)
    a, b = transfer.row_counts(src), transfer.row_counts(dst)
    report.counts_differ = {t: (a.get(t, 0), b.get(t, 0)) for t in sorted(set(a) | set(b))
                            if a.get(t, 0) != b.get(t, 0)}
    for period in src.periods():
        report.periods_checked.append(period)
        if not _same_status(status(src, period), status(dst, period)):
            report.periods_differ.append(period)
    with dst.transaction() as con:
        dst.audit(con, actor, "database.migrate", f"from:{src.label}", {
            "tables": len(copied), "rows": sum(copied.values()), "verified": report.ok,
            "periods_checked": len(report.periods_checked)})
    return report
