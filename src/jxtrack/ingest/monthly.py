"""A county's monthly sheet in -> validated rows or a list of problems.  No database, no Streamlit.

``parse(data, matcher, region=..., period=...)`` reads the bytes (reader), finds the table in every
visible sheet (layout), converts and checks the figures (validate) and returns a ``Parsed``.
The importing service (jxtrack.services.importing) adds what needs the database: permissions, last period's
figures for the year-to-date check, the diff, and the writes.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field

import pandas as pd

from jxtrack.catalog.model import Catalog
from jxtrack.domain.problems import ERROR, FileRefused, Problem, problem
from jxtrack.ingest import layout, reader, validate
from jxtrack.ingest.normalise import Matcher


@dataclass
class Parsed:
    values: pd.DataFrame                        # validate.VALUE_COLUMNS, canonical units
    problems: list[Problem] = field(default_factory=list)
    format: str | None = None                   # xlsx | xls | csv
    layouts: list[str] = field(default_factory=list)
    template_version: str | None = None
    # how the file was read, for people: which sheet, which header row, which column each figure
    # came from and why, the region and period and where they were found, unit conversions
    explanation: list[str] = field(default_factory=list)
    # last year's same-period figures the sheet offers (validate.LAST_YEAR_COLUMNS), for the check
    # against the stored ones (validate.check_last_year, by the import service)
    last_year: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=validate.LAST_YEAR_COLUMNS))


_matchers: dict[int, tuple[Catalog, Matcher]] = {}


def matcher(catalog: Catalog) -> Matcher:
    """The catalog's names, aliases and units in comparison form (built once per catalog)."""
    hit = _matchers.get(id(catalog))
    if hit is None or hit[0] is not catalog:
        hit = _matchers[id(catalog)] = (catalog, Matcher.from_catalog(catalog))
    return hit[1]


def parse(data: bytes, m: Matcher, *, region: str | None = None, period: str | None = None,
          fallback_region: str | None = None) -> Parsed:
    """Read and validate a file.  Never raises for anything wrong with the file: problems are
    returned (a file that cannot be read at all gives one problem and no values).
    ``fallback_region``: the region of a sheet that does not say whose it is (a county reporter's
    own county), used only when no ``region`` is given and the sheet cannot tell."""
    # A workbook becomes ~10^5 small objects without reference cycles; the cyclic garbage collector
    # re-scanning them while they are built costs a third of the parse time, so pause it (memory is
    # bounded by the reader's size limits) and let it run again afterwards.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(data, m, region, period, fallback_region)
    finally:
        if enabled:
            gc.enable()


def _parse(data: bytes, m: Matcher, region: str | None, period: str | None,
           fallback_region: str | None) -> Parsed:
    empty = pd.DataFrame(columns=validate.VALUE_COLUMNS)
    try:
        wb = reader.read_workbook(data)
    except FileRefused as exc:
        return Parsed(empty, [exc.problem])
    meta = wb.meta()
    results = [layout.analyse(s, m) for s in wb.sheets if not s.hidden and s.name != reader.META_SHEET]
    res = validate.resolve(results, m, region=region, period=period, meta=meta,
                           meta_sheet=reader.META_SHEET)
    if region is None and fallback_region and any(p.code == "region_unknown" for p in res.problems):
        # the sheets are read once; only the region is decided again
        res = validate.resolve(results, m, region=fallback_region, period=period, meta=meta,
                               meta_sheet=reader.META_SHEET)
    parsed = Parsed(res.values, res.problems, wb.format, res.layouts,
                    meta.get("template_version", (None,))[0], res.explanation, res.last_year)
    hidden = [s.name for s in wb.sheets if s.hidden and s.name != reader.META_SHEET]
    if hidden:
        parsed.explanation.append(f"隐藏的工作表{'、'.join(f'“{n}”' for n in hidden)}未读取。")
    if not res.layouts or (res.values.empty and not any(p.severity == ERROR for p in res.problems)):
        parsed.problems.append(problem("no_data"))
    return parsed
