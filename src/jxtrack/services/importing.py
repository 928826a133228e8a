"""The import service: one code path for the CLI (`jxtrack import`) and the upload page.

    result = preview_import(store, data, file_name, user)          # never writes
    result = commit_import(store, data, file_name, user, accept_warnings=True)

``preview_import`` reads and validates the file, checks the user's permission, compares year-to-date
figures with the previous period and builds the diff old -> new.  ``commit_import`` does the same
and then writes:

* errors   -> the file is refused; the upload is recorded (hash, size, problems, status 'rejected')
              in its own transaction, with its audit record; no figure is written.  The bytes of
              a refused file are kept only when small (``store.REJECTED_BYTES_KEPT``) and only once per
              distinct file (a second refusal of the same bytes refers to the first copy by hash);
* warnings -> nothing is written unless ``accept_warnings`` (the page shows the warnings and a
              confirm button; the CLI asks, or takes ``--accept-warnings``); ``status`` is then
              'needs_confirmation';
* no errors -> the upload and all its figures are written in ONE transaction together with the
              audit record (status 'accepted'); an identical re-upload (same bytes, same figures
              already in force) writes nothing (``identical``).

``dry_run=True`` validates and reports exactly as a commit would, but writes nothing at all.

The upload page previews first; when the preview refuses the file it calls ``record_rejection``,
so refusals in the app are on record as the CLI's are (once per file and user, however often
Streamlit reruns the page).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from jxtrack.catalog.model import Catalog
from jxtrack.domain import access
from jxtrack.domain.access import User
from jxtrack.domain.problems import ERROR, WARNING, Problem, ProblemsReport, problem
from jxtrack.domain.reasons import require_reason
from jxtrack.ingest import reader
from jxtrack.ingest.monthly import Parsed, matcher, parse
from jxtrack.ingest.normalise import Matcher
from jxtrack.services import lookup
from jxtrack.store.interface import Con, Store, StoreBusyError, log_event
from metrics.periods import format_period, label_ytd, months_of_year, period_month, period_year, year_to_date

KIND = "upload"
# figures entered in the web form (services.entry) rather than read from a file: the format of
# their Parsed, and the upload's source as people read it (上传记录, the audit)
ONLINE_FORMAT = "form"
ONLINE_SOURCE = "在线填报"
# the one upload limit, in MB as people read it: the reader's (MAX_FILE_BYTES); the web server takes a
# little more (.streamlit/config.toml) so that a file just over it gets the reader's Chinese refusal
UPLOAD_LIMIT_MB = reader.MAX_FILE_BYTES // (1024 * 1024)
# a refused file's bytes are kept (to show the reporter what was sent, to diagnose the importer)
# only up to this size; a monthly report is a few dozen KB


@dataclass
class ImportResult(ProblemsReport):
    """What an import found and did.

    status: 'rejected' (errors), 'needs_confirmation' (warnings not yet accepted), 'dry_run'
    (validated only), 'identical' (same file already in force), 'accepted' (written), or
    'ok' (a preview without errors or warnings)."""

    file_name: str | None
    file_hash: str
    file_size: int
    region: str | None                  # region code when the file covers one region, else None
    period: str | None                  # 'YYYY-MM' when the file covers one period, else None
    values: pd.DataFrame                # region, period, measure, value, raw_value, sheet, cell, note, unit
    problems: list[Problem] = field(default_factory=list)
    diff: pd.DataFrame = field(default_factory=pd.DataFrame)
    format: str | None = None           # xlsx | xls | csv (told from the bytes)
    layouts: list[str] = field(default_factory=list)
    status: str = "ok"
    upload_id: int | None = None        # the upload written (accepted or rejected), or the identical one
    identical: bool = False
    explanation: list[str] = field(default_factory=list)   # how the file was read (ingest.monthly.Parsed)

    @property
    def reading(self) -> str:
        """The explanation as stored with the upload and shown in its history: one line each."""
        return "\n".join(self.explanation)


def _resolve_args(store: Store, region: str | None, period: str | None) -> tuple[str | None, str | None]:
    r = lookup.resolve_region(store, region) if region else None
    p = lookup.parse_period(period) if period else None
    return r, p


def preview_import(store: Store, data: bytes, file_name: str | None, user: User,
                   region: str | None = None, period: str | None = None, *,
                   parsed: Parsed | None = None) -> ImportResult:
    """Validate a file as ``user`` would import it; never writes.  ``region`` (name, short name,
    alias or code) and ``period`` ('YYYY-MM') are optional and must agree with the sheet.
    ``parsed``: figures already read and validated by the ingest rules from another source than a
    file (the online form, ``services.entry``); ``data`` is then that entry's record as bytes.
    Everything after the parse -- permission, the year-to-date check, the diff, the writes -- is
    the same for both."""
    region_code, period = _resolve_args(store, region, period)
    cat = lookup.catalog(store)
    # a county reporter's sheet that does not say whose it is: it is their own county's
    m = matcher(cat)
    if parsed is None:
        file_hash, parsed = parsed_file(data, m, region_code, period, user.region, _fingerprint(cat))
    else:
        file_hash, parsed = hashlib.sha256(data).hexdigest(), _copy(parsed)
    values = parsed.values
    problems = list(parsed.problems)
    with store.connect():
        regions = lookup.regions(store)
        names = regions.set_index("code")["name"].to_dict()
        refused = _permission_problems(user, values, region_code, names)
        locked = _locked_problems(store, values) if not refused else []
        # figures in force are read only for regions this user may import for: a refused file
        # must not reveal another county's stored figures (in the diff or a year-to-date message)
        history = _history(store, values) if not refused else None
    problems += refused + locked
    if history is not None and not values.empty:
        from jxtrack.ingest.validate import check_ytd

        problems += check_ytd(values, history, m)
    explanation = list(parsed.explanation)
    if history is not None and not values.empty:
        from jxtrack.ingest.validate import check_last_year

        warned, said = check_last_year(parsed.last_year, history, m)
        problems += warned
        explanation += said
    regs = sorted(values["region"].unique()) if len(values) else ([region_code] if region_code else [])
    pers = sorted(values["period"].unique()) if len(values) else ([period] if period else [])
    has_err = any(p.severity == ERROR for p in problems)
    has_warn = any(p.severity == WARNING for p in problems)
    if refused:
        # nothing of a file the user may not import reaches them but the refusal itself
        problems = refused
        values = values.iloc[0:0]
    return ImportResult(
        file_name=file_name,
        file_hash=file_hash,
        file_size=len(data),
        region=regs[0] if len(regs) == 1 else None,
        period=pers[0] if len(pers) == 1 else None,
        values=values.reset_index(drop=True),
        problems=problems,
        # what would change is shown only for a file that can go in
        diff=_diff(values, history, cat, names) if not has_err else _diff(values.iloc[0:0], None, cat, names),
        format=parsed.format,
        layouts=parsed.layouts,
        status="rejected" if has_err else "needs_confirmation" if has_warn else "ok",
        # a file the user may not import: not even how it was read (it names the region's cells)
        explanation=[] if refused else explanation,
    )


# An upload is parsed once: the preview's parse is what the confirm writes.  Reading and validating
# a file is a pure function of its bytes, the catalog and the region/period asked for, so its result
# is kept by the file's hash (a few files: the ones being previewed and confirmed right now); what
# depends on the database -- permission, the figures in force, the year-to-date check, the diff -- is
# decided again at every call, so a confirm judges against the database as it is then.
_PARSED_KEPT = 4
_parsed: OrderedDict[tuple, tuple[Matcher, Parsed]] = OrderedDict()
_parsed_lock = threading.Lock()
_fingerprints: dict[int, tuple[Catalog, str]] = {}


def _fingerprint(cat: Catalog) -> str:
    """What the catalog says, as a hash: the catalog is rebuilt after every write to the database
    (lookup.catalog), mostly unchanged -- a parse made with an equal catalog is the same parse."""
    hit = _fingerprints.get(id(cat))
    if hit is not None and hit[0] is cat:
        return hit[1]
    h = hashlib.sha256()
    for f in fields(cat):
        v = getattr(cat, f.name)
        if isinstance(v, pd.DataFrame):
            h.update(f"{f.name}:{list(v.columns)}:{len(v)}".encode())
            h.update(pd.util.hash_pandas_object(v.astype(str), index=False).to_numpy().tobytes())
    with _parsed_lock:
        if len(_fingerprints) >= 16:
            _fingerprints.clear()
        _fingerprints[id(cat)] = (cat, h.hexdigest())
    return h.hexdigest()


def parsed_file(data: bytes, m: Matcher, region: str | None, period: str | None,
                fallback_region: str | None = None, catalog_key: str | None = None) -> tuple[str, Parsed]:
    """The file's sha256 and its parse (``ingest.monthly.parse``), parsing it only if these bytes were
    parsed a moment ago with the same region and period and the same catalog (the same matcher,
    or an equal catalog: ``catalog_key``)."""
    file_hash = hashlib.sha256(data).hexdigest()
    key = (file_hash, len(data), region, period, None if region else fallback_region, catalog_key)
    with _parsed_lock:
        hit = _parsed.get(key)
        if hit is not None and (catalog_key is not None or hit[0] is m):
            _parsed.move_to_end(key)
            return file_hash, _copy(hit[1])
    got = parse(data, m, region=region, period=period, fallback_region=None if region else fallback_region)
    with _parsed_lock:
        _parsed[key] = (m, got)
        while len(_parsed) > _PARSED_KEPT:
            _parsed.popitem(last=False)
    return file_hash, _copy(got)


def forget_parses() -> None:
    """Drop the kept parses (tests that change the reader's limits; nothing else needs it)."""
    with _parsed_lock:
        _parsed.clear()


def _copy(p: Parsed) -> Parsed:
    """A copy whose lists and frame the caller may change (every field kept, whatever is added)."""
    return replace(p, values=p.values.copy(), problems=list(p.problems), layouts=list(p.layouts),
                   explanation=list(p.explanation), last_year=p.last_year.copy())


def commit_import(store: Store, data: bytes, file_name: str | None, user: User,
                  region: str | None = None, period: str | None = None, *,
                  accept_warnings: bool = False, dry_run: bool = False,
                  parsed: Parsed | None = None) -> ImportResult:
    """Validate and, if the file has no errors (and its warnings are accepted), write it.
    See the module docstring for what is written in each case.  If the database stays busy, the
    import is not done (nothing written), logged beside the database, and StoreBusyError says to
    retry."""
    try:
        return _commit_import(store, data, file_name, user, region, period,
                              accept_warnings=accept_warnings, dry_run=dry_run, parsed=parsed)
    except StoreBusyError:
        raise busy_not_imported(store, data, file_name, user.username) from None


def busy_not_imported(store: Store, data: bytes, file_name: str | None, username: str) -> StoreBusyError:
    """An import the database was too busy for: logged beside the database (file, hash, user) and
    returned as the error that tells the user nothing was written and to retry."""
    log_event(store.log_folder, f"import not done, database busy: file {file_name!r} ({len(data)} bytes, "
                          f"sha256 {hashlib.sha256(data).hexdigest()}) by {username}")
    return StoreBusyError(f"数据库正忙（另一个程序正在使用），文件“{file_name}”本次未导入，未写入任何数据。"
                          "请稍后重新导入；如持续出现，请联系管理员。")


def _commit_import(store: Store, data: bytes, file_name: str | None, user: User,
                   region: str | None, period: str | None, *,
                   accept_warnings: bool, dry_run: bool, parsed: Parsed | None = None) -> ImportResult:
    res = preview_import(store, data, file_name, user, region, period, parsed=parsed)
    if dry_run:
        if res.ok:
            res.status = "dry_run"
        return res
    if res.errors:
        _record_rejection(store, data, res, user)
        return res
    if res.warnings and not accept_warnings:
        res.status = "needs_confirmation"
        return res
    same = _identical_upload(store, res)
    if same is not None:
        res.identical, res.upload_id, res.status = True, same, "identical"
        return res
    values = res.values.drop(columns=["unit"])
    res.upload_id = store.write(
        user.username, "upload.accept", lambda uid: f"upload:{uid}",
        lambda con: store.record_upload(
            con, kind=KIND, username=user.username, status="accepted", file_name=file_name,
            file_bytes=data, region=res.region, period=res.period, values=values,
            problems=[p.to_dict() for p in res.problems], reading=res.reading or None),
        detail={
            "file_name": file_name, "file_hash": res.file_hash, "n_values": len(values),
            "regions": sorted(values["region"].unique()), "periods": sorted(values["period"].unique()),
            "warnings_accepted": sorted({p.code for p in res.warnings}),
            "changed": int((res.diff["change"] != "same").sum()) if len(res.diff) else 0,
            **({"source": ONLINE_SOURCE} if res.format == ONLINE_FORMAT else {})})
    res.status = "accepted"
    return res


def record_rejection(store: Store, data: bytes, res: ImportResult, user: User) -> int | None:
    """Record a file that ``preview_import`` refused (the upload page calls this), unless the
    user's latest upload record is already the refusal of these same bytes -- a Streamlit rerun of
    the page, not a new attempt.  Returns the upload id of the record, or None if nothing to do."""
    if not res.errors:
        return None
    last = store.last_upload_of(user.username)
    if last and last["status"] == "rejected" and last["file_hash"] == res.file_hash:
        res.upload_id, res.status = last["upload_id"], "rejected"
        return res.upload_id
    return _record_rejection(store, data, res, user)


def _record_rejection(store: Store, data: bytes, res: ImportResult, user: User) -> int:
    detail = {"file_name": res.file_name, "file_hash": res.file_hash, "file_size": len(data),
              "bytes_kept": None, "errors": sorted({p.code for p in res.errors}), "n_errors": len(res.errors)}

    def refuse(con: Con) -> int:
        detail["bytes_kept"] = keep = store.keeps_rejected_bytes(con, data)
        return store.record_upload(
            con, kind=KIND, username=user.username, status="rejected", file_name=res.file_name,
            file_bytes=data, region=res.region, period=res.period,
            problems=[p.to_dict() for p in res.problems], keep_bytes=keep, reading=res.reading or None)

    res.upload_id = store.write(user.username, "upload.reject", lambda uid: f"upload:{uid}", refuse,
                                detail=detail)
    res.status = "rejected"
    return res.upload_id


def _history(store: Store, values: pd.DataFrame) -> pd.DataFrame:
    """Figures in force for the file's regions in the file's years and the year before (for the
    year-to-date check and the diff)."""
    if values.empty:
        return pd.DataFrame(columns=["region", "period", "measure", "value", "note", "upload_id"])
    years = {period_year(p) for p in values["period"]}
    periods = [p for y in sorted(years | {y - 1 for y in years}) for p in months_of_year(y)]
    return store.observations(periods=periods, regions=sorted(values["region"].unique()))


def _permission_problems(user: User, values: pd.DataFrame, region: str | None,
                         names: dict[str, str]) -> list[Problem]:
    """One refusal per region of the file the user may not import for (the access policy decides)."""
    regions = set(values["region"]) if len(values) else ({region} if region else set())
    if not access.can(user, "import"):
        return [problem("not_permitted", variant="role", refusal=access.refusal(user, "import"))]
    out = []
    for r in sorted(regions):
        if not access.allowed(user, "import", r):
            first = values[values["region"] == r].head(1) if len(values) else None
            sheet = cell = None
            if first is not None and len(first):
                sheet, cell = first["sheet"].iloc[0], first["cell"].iloc[0]
            out.append(problem("not_permitted", None, sheet, cell, names.get(r, r),
                               refusal=access.refusal(user, "import", r, names=names)))
    return out


def _locked_problems(store: Store, values: pd.DataFrame) -> list[Problem]:
    """One refusal per month of the file the working group has approved (locked until reopened)."""
    from jxtrack.services import review

    if values.empty:
        return []
    pairs = list(zip(values["region"].astype(str), values["period"].astype(str), strict=True))
    out = []
    for rev in review.locked(store, pairs):
        first = values[(values["region"] == rev.region) & (values["period"] == rev.period)].head(1)
        out.append(problem("period_locked", None, first["sheet"].iloc[0], first["cell"].iloc[0], rev.region_name,
                           locked=review.locked_message(rev)))
    return out


def _diff(values: pd.DataFrame, history: pd.DataFrame | None, cat, names: dict[str, str]) -> pd.DataFrame:
    cols = ["region", "region_name", "period", "measure", "measure_name", "unit", "old", "new", "change"]
    if values.empty:
        return pd.DataFrame(columns=cols)
    cur = (history.set_index(["region", "period", "measure"])["value"] if history is not None and len(history)
           else pd.Series(dtype=float))
    mi = cat.measures.set_index("code")
    old = [cur.get((r, p, m)) for r, p, m in zip(values["region"], values["period"], values["measure"], strict=False)]
    d = pd.DataFrame({
        "region": values["region"], "region_name": values["region"].map(names),
        "period": values["period"], "measure": values["measure"],
        "measure_name": values["measure"].map(mi["name"]), "unit": values["measure"].map(mi["unit"]),
        "old": pd.array([None if o is None else float(o) for o in old], dtype="Float64"),
        "new": values["value"].astype(float),
    })
    d["change"] = [
        "new" if pd.isna(o) else "same" if abs(float(o) - n) <= 1e-9 * max(1.0, abs(n)) else "changed"
        for o, n in zip(d["old"], d["new"], strict=False)
    ]
    return d[cols].reset_index(drop=True)


def _identical_upload(store: Store, res: ImportResult) -> int | None:
    """The accepted upload of the same bytes whose figures are all still in force, if any."""
    ids = store.accepted_uploads_with_hash(res.file_hash)
    if not ids or res.values.empty or (res.diff["change"] != "same").any():
        return None
    in_force = set(store.observations(
        periods=sorted(res.values["period"].unique()),
        regions=sorted(res.values["region"].unique()),
        measures=sorted(res.values["measure"].unique()))["upload_id"].astype(int))
    for uid in ids:
        if in_force == {uid}:
            return uid
    return None


def withdraw(store: Store, upload_id: int, user: User, reason: str) -> dict:
    """Withdraw an accepted upload (the previous figures apply again); records who did it and why.

    One rule on every surface (CLI and web): a reason is always required; a county user may
    withdraw only uploads whose figures are all its own county's; staff and admin any."""
    up = store.get_upload(upload_id)
    if up is None:
        raise lookup.ServiceError(f"没有编号为 {upload_id} 的上传记录。请用 jxtrack uploads 查看编号。")
    regions = store.upload_regions(upload_id) or ([up["region"]] if up["region"] else [])
    names = lookup.region_names(store)
    access.ensure(user, "withdraw", regions, names=names)
    from jxtrack.services import review

    shut = review.locked_in_upload(store, upload_id)
    if shut:
        raise lookup.ServiceError(review.locked_message(shut[0], "撤回这次上传"))
    store.withdraw_upload(upload_id, user.username, require_reason(reason, "撤回上传"))
    return up


def periods_covered(period: str | None) -> str:
    """What an import covers, for people: one period's label, or 多个报告期 for a history file."""
    return label_ytd(period) if period else "多个报告期"


def make_template(store: Store, region: str, period: str, user: User | None = None,
                  carry_forward: tuple[str, ...] | list[str] = ()) -> tuple[bytes, str]:
    """The monthly template for a region and period as .xlsx bytes, with a suggested file name.
    The region's own figures the system holds stand beside the input cells as reference columns the
    importer never reads (``reference_figures``).  ``carry_forward``: measures (of
    ``template.carry_forward_measures``) whose last period's figure the downloader chose to carry
    into this period's cells.  A county user gets only their own county's template."""
    from jxtrack.ingest.template import carry_forward_measures, write_template

    code, period = _resolve_args(store, region, period)
    if user is not None:
        access.ensure(user, "import", code, names=lookup.region_names(store))
    cat = lookup.catalog(store)
    level = str(cat.regions.set_index("code").loc[code, "level"])
    unknown = sorted(set(carry_forward) - set(carry_forward_measures(cat, level)))
    if unknown:
        names = cat.measures.set_index("code")["name"]
        raise lookup.ServiceError(
            f"{'、'.join(str(names.get(c, c)) for c in unknown)}不能沿用上期数（只有全年基本不变的存量指标可以沿用）。")
    ref = reference_figures(store, code, period)
    data = write_template(cat, code, period, ref.previous, ref.previous_period, ref.last_year,
                          ref.last_year_period, tuple(carry_forward))
    name = cat.regions.set_index("code").loc[code, "name"]
    return data, f"{name}_{period}_月报模板.xlsx"


@dataclass
class ReferenceFigures:
    """A region's own figures the system holds, shown beside a month's input (template, online
    entry) for reference: last period (the latest earlier period of the same year with figures)
    and last year's same period.  Frames with columns measure, value."""

    previous: pd.DataFrame
    previous_period: str | None
    last_year: pd.DataFrame
    last_year_period: str | None


def reference_figures(store: Store, region_code: str, period: str) -> ReferenceFigures:
    """See ``ReferenceFigures``; the caller has checked that the user may see the region."""
    earlier = year_to_date(period)[:-1]  # this year's months before ``period``
    empty = pd.DataFrame(columns=["measure", "value"])
    prev = store.observations(periods=earlier, regions=[region_code]) if earlier else empty
    prev_period = str(prev["period"].max()) if len(prev) else None
    if prev_period:
        prev = prev[prev["period"] == prev_period]
    ly_period = format_period(period_year(period) - 1, period_month(period))
    ly = store.observations(periods=[ly_period], regions=[region_code])
    return ReferenceFigures(prev[["measure", "value"]].reset_index(drop=True) if len(prev) else empty,
                            prev_period, ly[["measure", "value"]].reset_index(drop=True) if len(ly) else empty,
                            ly_period if len(ly) else None)
