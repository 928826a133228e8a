"""Handlers of ``status`` and ``targets``: the status table and the targets with their sources.
Kept free of what these two do not need (no sign-in hashing, no importer, no reports): they are the
commands run most often, and a process's start is most of their time."""

from __future__ import annotations

import pandas as pd

from jxtrack.cli.common import DEMO_NOTE, emit
from jxtrack.cli.database import Database
from jxtrack.domain import lights
from jxtrack.services import status_table

TARGET_COLUMNS = ["indicator_code", "indicator_name", "region", "year", "target_value", "comparator",
                  "source", "status", "binding", "binding_reason"]


def targets(args, db: Database) -> int:
    emit(status_table.targets_table(db())[TARGET_COLUMNS], args.format)
    return 0


def status(args, db: Database) -> int:
    store = db()
    st = status_table.status(store, args.period, args.region)
    out = st[status_table.STATUS_COLUMNS]
    if args.format == "table":
        if store.is_demo():
            print(DEMO_NOTE)
        emit(_format_for_table(out, st["light_reason"].to_numpy()), "table")
    else:
        emit(out, args.format)
    return 0


def _format_for_table(df: pd.DataFrame, reason) -> pd.DataFrame:
    out = df.copy()
    for col in ("actual", "target", "expected", "gap", "forecast", "required_pace"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    for col in ("completion", "yoy"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v * 100:.1f}%")
    out["rank"] = out["rank"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    # the light with its word, a grey one saying why (the one vocabulary of jxtrack.domain.lights)
    out["light"] = [f"{lt}({lights.get(lights.shown(lt, r)).label})" for lt, r in zip(out["light"], reason, strict=True)]
    return out
