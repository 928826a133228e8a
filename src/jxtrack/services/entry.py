"""在线填报: a county enters or corrects its month in a web form instead of a file.

The form is one row per measure the monthly template asks for, with its unit and the county's own
reference figures (last period, last year's same period).  What is typed becomes the same ``Parsed``
a file becomes -- ``RawValue``s checked by the same rules (``ingest.validate.resolve``: numbers, units,
whole counts, percentages, parts within their whole, the template's asked measures) -- and goes through
the one import service (``importing.preview_import`` / ``commit_import``: permission, a locked
period, the year-to-date check, the diff, the upload with its audit record).  So an online entry is
an upload like any other: source 在线填报, in 上传记录, withdrawn by the one withdrawal rule.

Where a file's problem names a sheet and cell, an entry's names the form (在线填报) and the measure.
Blank inputs are not reported (a figure already in force stays); fixed figures are carried forward
only where the county ticks 沿用上期 (``carry_forward``), never silently.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from jxtrack.domain import access
from jxtrack.domain.access import User
from jxtrack.domain.problems import problem
from jxtrack.ingest import validate as iv
from jxtrack.ingest.layout import RawValue, SheetResult
from jxtrack.ingest.monthly import Parsed, matcher
from jxtrack.ingest.reader import META_SHEET
from jxtrack.ingest.template import carry_forward_measures, template_measures
from jxtrack.services import importing, lookup
from jxtrack.services.importing import ONLINE_FORMAT, ONLINE_SOURCE, ImportResult
from jxtrack.store.interface import Store
from metrics.periods import label_ytd

FILE_NAME = ONLINE_SOURCE          # the upload's file name in 上传记录: there is no file
SHEET = ONLINE_SOURCE              # where a problem is: the form (its 'cell' is the measure's name)
LAYOUT = "online_form"


@dataclass(frozen=True)
class EntryRow:
    code: str
    name: str
    unit: str
    whole: bool                    # a count or a number of people: whole numbers only
    description: str
    previous: float | None         # last period's figure (reference)
    last_year: float | None        # last year's same period (reference)
    current: float | None          # this period's figure in force, if any (a correction starts there)
    carry_forward: bool            # may be carried forward from last period by ticking 沿用上期


@dataclass
class EntryForm:
    region: str
    region_name: str
    period: str
    previous_period: str | None
    last_year_period: str | None
    rows: list[EntryRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return label_ytd(self.period)


def entry_form(store: Store, region: str, period: str, user: User) -> EntryForm:
    """The form of ``region`` and ``period`` for ``user``: only a region the user may import for
    (the access policy; a county its own), so nobody sees another county's reference figures."""
    code, period = lookup.resolve_region(store, region), lookup.parse_period(period)
    names = lookup.region_names(store)
    access.ensure(user, "import", code, names=names)
    cat = lookup.catalog(store)
    level = str(cat.regions.set_index("code").loc[code, "level"])
    ref = importing.reference_figures(store, code, period)
    prev = dict(zip(ref.previous["measure"], ref.previous["value"], strict=True))
    ly = dict(zip(ref.last_year["measure"], ref.last_year["value"], strict=True))
    now = store.observations(periods=[period], regions=[code])
    current = dict(zip(now["measure"], now["value"], strict=True))
    dims = cat.units.set_index("unit")["dimension"]
    carry = set(carry_forward_measures(cat, level))

    def num(d: dict, k: str) -> float | None:
        v = d.get(k)
        return None if v is None or pd.isna(v) else float(v)

    rows = [EntryRow(m.code, m.name, m.unit, dims.get(m.unit) in iv.WHOLE_DIMS, str(m.description or ""),
                     num(prev, m.code), num(ly, m.code), num(current, m.code), m.code in carry)
            for m in template_measures(cat, level).itertuples()]
    return EntryForm(code, names.get(code, code), period, ref.previous_period, ref.last_year_period, rows)


def parse_entry(store: Store, region: str, period: str, figures: Mapping[str, object],
                notes: Mapping[str, str] | None = None,
                carry_forward: tuple[str, ...] | list[str] = ()) -> tuple[bytes, Parsed]:
    """The entry as the bytes recorded for it (its figures as JSON: hash, history) and its
    ``Parsed``, validated by the ingest rules exactly as a file's figures are.  ``figures``:
    measure code -> what was typed (None or '' = not reported).  ``carry_forward``: codes whose
    last period's figure is taken, by the county's explicit choice, where nothing was typed."""
    code, period = lookup.resolve_region(store, region), lookup.parse_period(period)
    cat = lookup.catalog(store)
    m = matcher(cat)
    level = str(cat.regions.set_index("code").loc[code, "level"])
    names = cat.measures.set_index("code")["name"]
    notes = {k: str(v).strip() for k, v in (notes or {}).items() if v is not None and str(v).strip()}
    typed = {k: v for k, v in figures.items() if v is not None and not (isinstance(v, str) and not v.strip())}
    problems = []
    carried: dict[str, float] = {}
    if carry_forward:
        allowed = set(carry_forward_measures(cat, level))
        prev = importing.reference_figures(store, code, period).previous
        prev = dict(zip(prev["measure"], prev["value"], strict=True))
        for c in carry_forward:
            if c not in allowed:
                problems.append(problem("carry_forward_refused", None, SHEET, str(names.get(c, c)),
                                        name=names.get(c, c)))
            elif c not in typed and c in prev and not pd.isna(prev[c]):
                carried[c] = float(prev[c])
    unknown = sorted(k for k in typed if k not in m.measure_info)
    for k in unknown:
        problems.append(problem("unknown_name", None, SHEET, k, k, which="这个数"))
    raw = {k: v for k, v in typed.items() if k in m.measure_info} | carried
    values = [RawValue(SHEET, str(names.get(k, k)), k, v, note=notes.get(k)) for k, v in raw.items()]
    sheet = SheetResult(SHEET, LAYOUT, values)
    res = iv.resolve([sheet], m, region=code, period=period, meta={}, meta_sheet=META_SHEET)
    explanation = [f"在线填报：{cat.regions.set_index('code').loc[code, 'name']}{label_ytd(period)}，"
                   f"网页表单填写 {len(typed)} 项" + (f"，沿用上期数 {len(carried)} 项（"
                   + "、".join(str(names.get(c, c)) for c in carried) + "）" if carried else "") + "。",
                   *res.explanation]
    parsed = Parsed(res.values, problems + res.problems, ONLINE_FORMAT, res.layouts, None, explanation)
    if res.values.empty and not any(p.severity == "error" for p in parsed.problems):
        parsed.problems.append(problem("no_data", None, SHEET, variant="form"))
    record = {"source": ONLINE_SOURCE, "region": code, "period": period,
              "figures": {k: _jsonable(v) for k, v in sorted(raw.items())},
              "notes": dict(sorted(notes.items())), "carried_forward": sorted(carried)}
    return json.dumps(record, ensure_ascii=False, sort_keys=True).encode(), parsed


def _jsonable(v: object) -> object:
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    return str(v)


def preview_entry(store: Store, user: User, region: str, period: str, figures: Mapping[str, object],
                  notes: Mapping[str, str] | None = None,
                  carry_forward: tuple[str, ...] | list[str] = ()) -> ImportResult:
    """What submitting the entry would do, as ``importing.preview_import`` says for a file."""
    data, parsed = parse_entry(store, region, period, figures, notes, carry_forward)
    return importing.preview_import(store, data, FILE_NAME, user, region, period, parsed=parsed)


def check_entry(store: Store, user: User, region: str, period: str, figures: Mapping[str, object],
                notes: Mapping[str, str] | None = None,
                carry_forward: tuple[str, ...] | list[str] = ()) -> ImportResult:
    """``preview_entry``, and a refused entry is on record as a refused file is on the upload page
    (``importing.record_rejection``: once, however often the page reruns)."""
    data, parsed = parse_entry(store, region, period, figures, notes, carry_forward)
    res = importing.preview_import(store, data, FILE_NAME, user, region, period, parsed=parsed)
    importing.record_rejection(store, data, res, user)
    return res


def submit_entry(store: Store, user: User, region: str, period: str, figures: Mapping[str, object],
                 notes: Mapping[str, str] | None = None, carry_forward: tuple[str, ...] | list[str] = (), *,
                 accept_warnings: bool = False) -> ImportResult:
    """Store the entry as an upload (``importing.commit_import``): refused with the file's messages,
    or written with its audit record; a refusal is on record like a refused file's."""
    data, parsed = parse_entry(store, region, period, figures, notes, carry_forward)
    return importing.commit_import(store, data, FILE_NAME, user, region, period,
                                   accept_warnings=accept_warnings, parsed=parsed)


def is_online(file_name: object) -> bool:
    """Whether an upload record is an online entry (its file name is the source's)."""
    return file_name == FILE_NAME
