"""The project ledger (项目库) and subsidy calculation (奖补测算): what the CLI and the 项目库 page call.

    res = preview_ledger(store, data, file_name, user)                 # never writes
    res = commit_ledger(store, data, file_name, user, accept_warnings=True, dry_run=False)
    list_projects(store, user, region=..., year=...)
    subsidies(store, user, year=..., region=...)
    fund(store, user, year)

Import follows the monthly upload's discipline (jxtrack.services.importing): the whole file is validated
first; errors refuse it (the refused file is kept, status 'rejected'); warnings (a project that
another county also lists) need confirmation; an accepted file supersedes the region's earlier
ledger, which is kept and comes back if the new one is withdrawn (``importing.withdraw``).
Permissions come from ``jxtrack.domain.access`` only; the subsidy rules from ``data/subsidy_rules.csv``
(``jxtrack.catalog.subsidy_rules``) and the computation from ``metrics.subsidy``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from jxtrack.catalog.subsidy_rules import RuleBook, rulebook
from jxtrack.domain import access, clock
from jxtrack.domain.access import PermissionDenied, User
from jxtrack.domain.problems import Problem, ProblemsReport, problem
from jxtrack.domain.reasons import require_reason
from jxtrack.ingest import ledger as lg
from jxtrack.ingest.monthly import matcher
from jxtrack.present import fmt
from jxtrack.services import importing, lookup, status_table
from jxtrack.store import projects as sp
from jxtrack.store.interface import Store
from metrics import subsidy as engine
from metrics.periods import year_month

LIST_COLUMNS = [
    "project_name", "enterprise", "credit_code", "region", "project_type", "start_date",
    "acceptance_date", "total_investment", "productive_investment", "equipment_investment", "grade",
    "strategic", "energy_saving", "co2_reduction", "water_saving", "third_party", "honours",
    "provincial_list", "commitment", "duplicate_in",
]
SUBSIDY_COLUMNS = ["project_name", "enterprise", "credit_code", "region", "rule", "clause", "basis",
                   "amount", "status", "reason"]
FUND_COLUMNS = ["year", "budget", "committed", "prepaid", "remaining", "committed_share"]
STATUS_LABELS = {"eligible": "符合", "ineligible": "不符合", "superseded": "就高不重复（不再补助）"}
FUND_INDICATOR = "city_fund"


def today() -> date:
    """Today on the project's one clock (``jxtrack.domain.clock``: JXTRACK_TZ, Beijing by default, and the
    tests' fixed clock): subsidy prepayment and the fund forecast are judged by it."""
    return clock.today()


@dataclass
class LedgerImportResult(ProblemsReport):
    """What a ledger import found and did; ``status`` as in importing.ImportResult."""

    file_name: str | None
    file_hash: str
    file_size: int
    projects: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    format: str | None = None
    regions: list[str] = field(default_factory=list)
    replaces: dict[str, int] = field(default_factory=dict)   # region -> ledger upload it supersedes
    status: str = "ok"
    upload_id: int | None = None
    changes: LedgerChanges | None = None
    explanation: list[str] = field(default_factory=list)   # how the file was read (ingest.ledger)

    @property
    def reading(self) -> str:
        """The explanation as stored with the upload and shown in its history: one line each."""
        return "\n".join(self.explanation)

    @property
    def removes_committed(self) -> pd.DataFrame:
        """The projects this file removes that have subsidy money committed (eligible amount > 0):
        importing needs an explicit confirmation (``confirm_remove``)."""
        if self.changes is None:
            return pd.DataFrame(columns=CHANGE_COLUMNS)
        t = self.changes.table
        return t[(t["change"] == "removed") & (t["amount_before"] > 0)]


# what a ledger file does to the ledger in force, per project (keyed by county, enterprise, name)
CHANGE_COLUMNS = ["region", "change", "project_name", "enterprise", "fields", "amount_before", "amount_after"]
CHANGE_LABELS = {"added": "新增", "changed": "变更", "removed": "删除"}
# the ledger columns compared to call a project changed, with their Chinese names
COMPARED = {
    "credit_code": "统一社会信用代码", "project_type": "项目类型", "start_date": "开工日期",
    "acceptance_date": "验收日期", "total_investment": "总投资", "productive_investment": "生产性投入",
    "equipment_investment": "设备投资额", "grade": "绩效综合评价", "strategic": "战略性新兴产业",
    "energy_saving": "年节能量", "co2_reduction": "二氧化碳年减排量", "water_saving": "年节水量",
    "third_party": "第三方认定", "honours": "认定", "provincial_list": "列入省级计划", "commitment": "承诺说明",
}


@dataclass
class LedgerChanges:
    """A ledger file against the ledger in force of the counties it lists.

    ``table``: one row per project added, changed or removed (CHANGE_COLUMNS; ``fields`` names the
    changed columns, amounts are the project's eligible subsidy in 万元 before and after).
    ``fund``: the fund year's committed and prepaid of those counties before and after (万元).
    ``owners``: per county, whose ledger is in force now — a county's ledger is the newest accepted
    file listing it, uploaded by the county or by the working group on its behalf; the new file
    replaces that whole list."""

    table: pd.DataFrame
    year: int
    fund: dict[str, float]      # committed_before, committed_after, prepaid_before, prepaid_after
    owners: list[dict]          # region (name), upload_id, user (display name), role, uploaded_at, n_projects
    regions: list[str] = field(default_factory=list)   # the file's counties (names)

    def counts(self) -> dict[str, int]:
        return {c: int((self.table["change"] == c).sum()) for c in CHANGE_LABELS}

    def owner_lines(self) -> list[str]:
        """Whose ledger each county of the file has now, and that the file replaces it whole."""
        out = [f"{o['region']}的项目库现为{o['user']}" + (f"（{o['role']}）" if o["role"] else "")
               + f"于{fmt.moment(o['uploaded_at'])}上传的版本"
               f"（上传编号 {o['upload_id']}，{o['n_projects']} 个项目）；本文件将整体替代它（旧版本保留，可撤回）。"
               for o in self.owners]
        have = {o["region"] for o in self.owners}
        out += [f"{r}还没有项目库；本文件将成为{r}的项目库。" for r in self.regions if r not in have]
        return out

    def summary(self) -> str:
        n = self.counts()
        if not any(n.values()):
            return "与现行项目库相比没有变化。"
        return "与现行项目库相比：" + "，".join(f"{CHANGE_LABELS[c]} {k} 个" for c, k in n.items() if k) + "项目。"

    def fund_line(self) -> str:
        f = self.fund
        return (f"{self.year}年资金（本文件所涉区县）：已承诺 {fmt.wan(f['committed_before'])} → "
                f"{fmt.wan(f['committed_after'])}，其中预拨付 {fmt.wan(f['prepaid_before'])} → "
                f"{fmt.wan(f['prepaid_after'])}。")

    def lines(self) -> list[str]:
        """One line per project added, changed or removed (for the CLI)."""
        marks = {"added": "+", "changed": "~", "removed": "−"}
        out = []
        for r in self.table.itertuples():
            text = f"  {marks[r.change]} {CHANGE_LABELS[r.change]} {r.region} {r.project_name}（{r.enterprise}）"
            if r.change == "changed":
                text += f"：{r.fields}"
            if r.amount_before or r.amount_after:
                text += f"；奖补 {fmt.wan(r.amount_before)} → {fmt.wan(r.amount_after)}"
            out.append(text)
        return out


def _names(store: Store) -> dict[str, str]:
    return lookup.region_names(store)


def _city(store: Store) -> str:
    return lookup.catalog(store).city_code


def ledger_template(store: Store, user: User | None = None) -> tuple[bytes, str]:
    """The ledger template (.xlsx bytes) and a file name; a county user's names its county."""
    from jxtrack.ingest.ledger_template import write_ledger_template

    name = _names(store).get(user.region) if user is not None and user.region else None
    return write_ledger_template(rulebook(), name), f"{name or ''}项目库模板.xlsx"


def preview_ledger(store: Store, data: bytes, file_name: str | None, user: User,
                   book: RuleBook | None = None) -> LedgerImportResult:
    """Validate a ledger file as ``user`` would import it; never writes."""
    book = book or rulebook()
    default_region = user.region
    parsed = lg.parse_ledger(data, matcher(lookup.catalog(store)), book, default_region=default_region)
    df, problems = parsed.projects, list(parsed.problems)
    names = _names(store)
    regions = sorted(set(df["region"].dropna())) if len(df) else []
    refused: list[Problem] = []
    if not access.can(user, "import"):
        refused.append(problem("not_permitted", variant="role", refusal=access.refusal(user, "import")))
    for r in regions if not refused else []:
        try:
            access.ensure(user, "import", r, names=names)
        except PermissionDenied as exc:
            first = df[df["region"] == r].iloc[0]
            refused.append(problem("not_permitted", None, first["sheet"],
                                   first["_where"].get("region", first["_where"]["project_name"]), names.get(r, r),
                                   refusal=str(exc)))
    res = LedgerImportResult(file_name, hashlib.sha256(data).hexdigest(), len(data), df,
                             problems, parsed.format, regions, explanation=list(parsed.explanation))
    if refused:
        # nothing of a file the user may not import reaches them but the refusal itself
        # not even how it was read (it names the cells of another county's file)
        res.problems, res.projects, res.explanation = refused, df.iloc[0:0], []
        res.status = "rejected"
        return res
    if len(df):
        res.problems += _cross_county(store, df, names)
        in_force = sp.in_force_upload_ids(store)
        res.replaces = {r: in_force[r] for r in regions if r in in_force}
        res.changes = ledger_changes(store, df, regions, names)
    res.status = "rejected" if res.errors else "needs_confirmation" if res.warnings else "ok"
    return res


def _cross_county(store: Store, df: pd.DataFrame, names: dict[str, str]) -> list[Problem]:
    """Warnings for projects (same enterprise and project name) that another county's ledger lists."""
    keys = sp.project_keys(store)
    regions = set(df["region"])
    keys = keys[~keys["region"].isin(regions)]
    if keys.empty:
        return []
    other = {(lg._key(e), lg._key(n)): r for r, e, n in keys[["region", "enterprise", "project_name"]].itertuples(index=False)}
    out = []
    for rec in df.to_dict("records"):
        r = other.get((lg._key(rec["enterprise"]), lg._key(rec["project_name"])))
        if r is not None:
            out.append(lg.cross_county(names.get(r, r), rec["sheet"], rec["_where"]["project_name"],
                                       rec["project_name"]))
    return out


def uploaders(store: Store) -> dict[str, tuple[str, str]]:
    """username -> (display name, role's Chinese name), for saying who uploaded a file."""
    from jxtrack.domain.access import OPERATOR, ROLES

    u = store.users()
    out = {r.username: (r.display_name or r.username, ROLES.get(r.role, r.role)) for r in u.itertuples()}
    out.setdefault(OPERATOR.username, (OPERATOR.display_name, ROLES[OPERATOR.role]))
    return out


def _norm(v):
    """A ledger value as compared between the file and the database (dates as days, numbers
    rounded, blanks alike)."""
    if v is None or v is pd.NaT or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    if isinstance(v, (pd.Timestamp, datetime, date)):
        return pd.Timestamp(v).date().isoformat()
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return round(float(v), 4)
    text = str(v).strip()
    return text or None


def _eligible_by_project(df: pd.DataFrame, rules: list[engine.Rule], as_of: date) -> pd.Series:
    subs = engine.evaluate(_engine_frame(df), rules, as_of=as_of)
    e = subs[subs["status"] == engine.ELIGIBLE]
    return e.groupby("project_id")["amount"].sum() if len(e) else pd.Series(dtype=float)


def ledger_changes(store: Store, parsed: pd.DataFrame, regions: list[str], names: dict[str, str],
                   as_of: date | None = None) -> LedgerChanges:
    """What importing ``parsed`` (ingest.ledger's rows) would add, change and remove in the ledger
    of ``regions``, the fund change, and whose ledger it replaces.  Never writes."""
    as_of = as_of or today()
    rules = rules_in_force(store)
    old = sp.current_projects(store, regions)
    old = old.assign(project_id="old-" + old["upload_id"].astype(str) + "-" + old["row_no"].astype(str))
    new = lg.finish(parsed).reset_index(drop=True)
    new = new.assign(project_id=["new-" + str(i) for i in range(len(new))])
    amounts = pd.concat([_eligible_by_project(old, rules, as_of), _eligible_by_project(new, rules, as_of)])

    def keyed(df: pd.DataFrame) -> dict:
        return {(r["region"], lg._key(r["enterprise"]), lg._key(r["project_name"])): r
                for r in df.to_dict("records")}

    before, after = keyed(old), keyed(new)
    rows = []
    for k in list(after) + [k for k in before if k not in after]:
        a, b = before.get(k), after.get(k)
        if a is not None and b is not None:
            diff = [label for col, label in COMPARED.items() if _norm(a.get(col)) != _norm(b.get(col))]
            if not diff:
                continue
            change, fields = "changed", "、".join(diff)
        else:
            change, fields = ("added" if a is None else "removed"), ""
        rec = b if b is not None else a
        rows.append({"region": names.get(rec["region"], rec["region"]), "change": change,
                     "project_name": rec["project_name"], "enterprise": rec["enterprise"], "fields": fields,
                     "amount_before": float(amounts.get(a["project_id"], 0.0)) if a is not None else 0.0,
                     "amount_after": float(amounts.get(b["project_id"], 0.0)) if b is not None else 0.0})
    year = as_of.year
    fb = engine.fund(engine.evaluate(_engine_frame(old), rules, as_of=as_of), year, 0.0)
    fa = engine.fund(engine.evaluate(_engine_frame(new), rules, as_of=as_of), year, 0.0)
    fund_change = {"committed_before": fb["committed"], "committed_after": fa["committed"],
                   "prepaid_before": fb["prepaid"], "prepaid_after": fa["prepaid"]}
    owners = []
    people = uploaders(store) if len(old) else {}
    for (region, uid), g in old.groupby(["region", "upload_id"], sort=True):
        who, role = people.get(g["username"].iloc[0], (g["username"].iloc[0], ""))
        role = "" if role == who else role
        owners.append({"region": names.get(region, region), "upload_id": int(uid), "user": who,
                       "role": role, "uploaded_at": g["uploaded_at"].iloc[0], "n_projects": len(g)})
    return LedgerChanges(pd.DataFrame(rows, columns=CHANGE_COLUMNS), year, fund_change, owners,
                         [names.get(r, r) for r in regions])


def commit_ledger(store: Store, data: bytes, file_name: str | None, user: User, *,
                  accept_warnings: bool = False, dry_run: bool = False,
                  confirm_remove: bool = False) -> LedgerImportResult:
    """Validate and, without errors (and with warnings accepted), write the ledger file.  A file
    that removes projects with subsidy money committed is written only with ``confirm_remove``
    (status 'needs_remove_confirmation' otherwise)."""
    res = preview_ledger(store, data, file_name, user)
    if dry_run:
        if res.ok:
            res.status = "dry_run"
        return res
    region = res.regions[0] if len(res.regions) == 1 else None
    if res.errors:
        res.upload_id = sp.record_rejected(
            store, username=user.username, file_name=file_name, data=data, region=region,
            problems=[p.to_dict() for p in res.problems],
            audit={"file_name": file_name, "file_hash": res.file_hash,
                   "errors": sorted({p.code for p in res.errors}), "n_errors": len(res.errors)},
            reading=res.reading or None)
        res.status = "rejected"
        return res
    if res.warnings and not accept_warnings:
        res.status = "needs_confirmation"
        return res
    if len(res.removes_committed) and not confirm_remove:
        res.status = "needs_remove_confirmation"
        return res
    same = _identical(store, res)
    if same is not None:
        res.upload_id, res.status = same, "identical"
        return res
    res.upload_id = sp.record_accepted(
        store, username=user.username, file_name=file_name, data=data, region=region,
        projects=lg.finish(res.projects), problems=[p.to_dict() for p in res.problems],
        audit={"file_name": file_name, "file_hash": res.file_hash, "regions": res.regions,
               "supersedes": res.replaces, "warnings_accepted": sorted({p.code for p in res.warnings})},
        reading=res.reading or None)
    res.status = "accepted"
    return res


def _identical(store: Store, res: LedgerImportResult) -> int | None:
    """The accepted upload of the same bytes that is still in force for all the file's regions."""
    ids = store.accepted_uploads_with_hash(res.file_hash)
    ups = set(res.replaces.values())
    if len(ups) == 1 and set(res.replaces) == set(res.regions) and ups.pop() in ids:
        return next(iter(res.replaces.values()))
    return None


def withdraw(store: Store, upload_id: int, user: User, reason: str) -> dict:
    """Withdraw a ledger upload (the region's previous ledger applies again): the one withdrawal
    rule of jxtrack.services.importing (reason required; county: own uploads only)."""
    return importing.withdraw(store, upload_id, user, reason)


# ---- reading ---------------------------------------------------------------------------------------
def ledger_uploads(store: Store, user: User | None) -> pd.DataFrame:
    """The ledger uploads ``user`` may see: those of the counties they may read (all for staff,
    admin and leaders; a county its own), through the access policy."""
    from jxtrack.store import projects as sp

    mine = _readable_regions(store, user, None)
    every = _readable_regions(store, None, None)
    return sp.ledger_uploads(store, None if set(mine) >= set(every) else mine)


def _readable_regions(store: Store, user: User | None, region: str | None) -> list[str]:
    regions = lookup.regions(store)
    codes = list(regions.loc[regions["level"] == "county", "code"])
    if region:
        code = lookup.resolve_region(store, region)
        names = regions.set_index("code")["name"].to_dict()
        if user is not None:
            access.ensure(user, "read", code, city=_city(store), names=names)
        if code == _city(store):
            return access.readable(user, codes, city=_city(store)) if user is not None else codes
        return [code]
    return access.readable(user, codes, city=_city(store)) if user is not None else codes


def _ledger(store: Store, user: User | None, region: str | None) -> pd.DataFrame:
    regions = _readable_regions(store, user, region)
    df = sp.current_projects(store, regions)
    df["project_id"] = df["upload_id"].astype(str) + "-" + df["sheet"].astype(str) + "-" + df["row_no"].astype(str)
    return df


def duplicates(store: Store) -> pd.DataFrame:
    """Projects (same enterprise and project name) in more than one county's ledger in force:
    enterprise, project_name, regions (names, '、'-joined), n_regions."""
    keys = sp.project_keys(store)
    cols = ["enterprise", "project_name", "regions", "n_regions"]
    if keys.empty:
        return pd.DataFrame(columns=cols)
    names = _names(store)
    keys = keys.assign(k=[(lg._key(e), lg._key(n)) for e, n in zip(keys["enterprise"], keys["project_name"], strict=True)])
    g = keys.groupby("k").agg(enterprise=("enterprise", "first"), project_name=("project_name", "first"),
                              regions=("region", lambda s: sorted(set(s))))
    g = g[g["regions"].map(len) > 1]
    g["n_regions"] = g["regions"].map(len)
    g["regions"] = g["regions"].map(lambda rs: "、".join(names.get(r, r) for r in rs))
    return g[cols].reset_index(drop=True)


def list_projects(store: Store, user: User | None = None, region: str | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """The ledger in force that ``user`` may read (LIST_COLUMNS + project_id, region_code):
    ``year`` keeps projects started or accepted in that year.  ``duplicate_in`` names the other
    counties whose ledger lists the same enterprise and project (only to staff, admin, leaders)."""
    with store.connect():
        return _list_projects(store, user, region, year)


def _list_projects(store: Store, user: User | None, region: str | None, year: int | None) -> pd.DataFrame:
    df = _ledger(store, user, region)
    if year is not None:
        sy = pd.to_datetime(df["start_date"]).dt.year
        ay = pd.to_datetime(df["acceptance_date"]).dt.year
        df = df[(sy == year) | (ay == year)]
    names = _names(store)
    dup_in = [""] * len(df)
    keys = sp.project_keys(store)
    where: dict[tuple, set] = {}
    for r, e, n in keys[["region", "enterprise", "project_name"]].itertuples(index=False):
        where.setdefault((lg._key(e), lg._key(n)), set()).add(r)
    # another county's ledger is named only to a user who may read that county (never to a county)
    visible = set(access.readable(user, names, city=_city(store))) if user is not None else set(names)
    dup_in = ["、".join(names.get(x, x) for x in sorted((where.get((lg._key(e), lg._key(n)), set()) - {r}) & visible))
              for r, e, n in df[["region", "enterprise", "project_name"]].itertuples(index=False)]
    out = df.assign(region_code=df["region"], region=df["region"].map(names), duplicate_in=dup_in)
    for col in ("start_date", "acceptance_date"):
        out[col] = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d").fillna("")
    for col in ("project_type", "honours"):
        out[col] = out[col].fillna("").str.replace("|", "、", regex=False)
    return out[LIST_COLUMNS + ["project_id", "region_code"]].reset_index(drop=True)


def rules_in_force(store: Store, book: RuleBook | None = None) -> list[engine.Rule]:
    """The binding rule of each topic (data default or the working group's switch)."""
    book = book or rulebook()
    return engine.binding_rules(book.rules, sp.rule_bindings(store))


def subsidies(store: Store, user: User | None = None, year: int | None = None, region: str | None = None,
              as_of: date | None = None) -> pd.DataFrame:
    """Per project and rule that concerns it: metrics.subsidy.SUBSIDY_COLUMNS with region names
    (amount in 万元; ``year`` = the year of 验收日期; without ``year`` every project)."""
    with store.connect():
        df = _ledger(store, user, region)
        rules = rules_in_force(store)
        names = _names(store)
    out = engine.evaluate(_engine_frame(df), rules, as_of=as_of or today())
    if year is not None:
        out = out[out["year"] == year]
    return out.assign(region_code=out["region"], region=out["region"].map(names)).reset_index(drop=True)


def _engine_frame(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(
        start_date=pd.to_datetime(df["start_date"]), acceptance_date=pd.to_datetime(df["acceptance_date"]),
        project_type=df["project_type"].fillna(""), honours=df["honours"].fillna(""))


def budget(store: Store, year: int) -> float | None:
    """The city fund's binding target for ``year`` in 万元 (嘉政发〔2024〕6号 四（二）: 1亿元以上), or None."""
    with store.connect():
        t = status_table.binding_targets(store)
        cat = lookup.catalog(store)
    hit = t[(t["indicator"] == FUND_INDICATOR) & (t["region"] == cat.city_code) & (t["year"] == year) & t["binding"]]
    if hit.empty:
        return None
    unit = cat.indicators.set_index("code").loc[FUND_INDICATOR, "unit"]
    return float(hit["value"].iloc[0]) * cat.unit_factor(unit) / cat.unit_factor("万元")


def fund(store: Store, user: User | None, year: int, as_of: date | None = None) -> pd.DataFrame:
    """The city fund for ``year`` (FUND_COLUMNS, 万元; one row).  Who may read every county gets
    the whole city's ledger against the budget; a county user gets its own county's sums only
    (budget, remaining and share empty: they would reveal the other counties' total)."""
    with store.connect():
        b, subs, _ = _fund_inputs(store, user, year, as_of)
    return _fund_row(subs, year, b)


def fund_scope(store: Store, user: User | None) -> list[str] | None:
    """The counties whose ledger ``user``'s fund figures sum: None for the whole city (a user who
    may read every county), else the readable ones — the access policy decides."""
    counties = _readable_regions(store, None, None)
    mine = _readable_regions(store, user, None)
    return None if set(mine) >= set(counties) else mine


def _fund_inputs(store: Store, user: User | None, year: int,
                 as_of: date | None) -> tuple[float | None, pd.DataFrame, list[str] | None]:
    """The fund's budget for ``year`` (None for a part of the city), the subsidies of the counties
    ``user`` may read, and that scope (None = the whole city)."""
    scope = fund_scope(store, user)
    subs = subsidies(store, None, None, None, as_of=as_of)
    if scope is None:
        return budget(store, year), subs, None
    return None, subs[subs["region_code"].isin(scope)], scope


def _fund_row(subs: pd.DataFrame, year: int, b: float | None) -> pd.DataFrame:
    row = engine.fund(subs, year, b or 0.0)
    if b is None:
        row["budget"], row["remaining"], row["committed_share"] = None, None, None
    return pd.DataFrame([row], columns=FUND_COLUMNS)


def fund_view(store: Store, user: User | None, year: int, as_of: date | None = None) -> tuple[pd.Series, dict]:
    """The 资金使用 tab in one pass: ``fund``'s row and the use so far this year with a run-rate forecast to year end (the ledger and
    its subsidies read and computed once); ``scope`` names the counties summed (None: the city)."""
    as_of = as_of or today()
    with store.connect():
        b, subs, scope = _fund_inputs(store, user, year, as_of)
        names = _names(store)
    whole = _fund_row(subs, year, b).iloc[0]
    cut = pd.Timestamp(as_of)
    to_date = subs.assign(
        acceptance_date=subs["acceptance_date"].where(pd.to_datetime(subs["acceptance_date"]) <= cut),
        start_date=subs["start_date"].where(pd.to_datetime(subs["start_date"]) <= cut))
    used = engine.fund(to_date, year, whole["budget"] or 0.0)["committed"]
    months = 12 if as_of.year > year else as_of.month if as_of.year == year else 0
    forecast = used * 12 / months if months else None
    return whole, {"year": year, "budget": whole["budget"], "committed_to_date": used,
                   "committed_planned": whole["committed"], "forecast": forecast, "months": months,
                   "scope": None if scope is None else "、".join(names.get(r, r) for r in scope)}


@dataclass
class ProjectsView:
    """What the 项目库 page shows before any choice: the ledger, every year's subsidies, the rules."""

    ledger: pd.DataFrame      # list_projects
    subsidies: pd.DataFrame   # subsidies, every year
    rules: pd.DataFrame       # rules_table


def projects_view(store: Store, user: User, as_of: date | None = None) -> ProjectsView:
    """The 项目库 page's tables for ``user``, read on one connection."""
    with store.connect():
        return ProjectsView(list_projects(store, user), subsidies(store, user, as_of=as_of), rules_table(store))


def rules_table(store: Store) -> pd.DataFrame:
    """Every rule with its document, clause, status and whether it binds now."""
    book = rulebook()
    binding = {r.code for r in rules_in_force(store, book)}
    t = book.frame()
    t["binding"] = t["code"].isin(binding)
    return t


def switch_rule(store: Store, user: User, topic: str, rule_code: str, reason: str) -> str | None:
    """Make ``rule_code`` the binding rule of ``topic`` (staff, admin), logged with the reason."""
    access.ensure(user, "switch_binding")
    book = rulebook()
    rule = book.by_code().get(rule_code)
    if rule is None or rule.topic != topic:
        options = "、".join(r.code for r in book.rules if r.topic == topic)
        raise lookup.ServiceError(
            f"规则 “{rule_code}” 不属于事项 “{topic}”。" + (f"可选：{options}。" if options else "请用 jxtrack projects rules 查看。"))
    return sp.set_rule_binding(store, topic, rule_code, user.username, require_reason(reason, "切换补助规则"))


def totals(subs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Eligible amounts by county and by rule (万元; rules by their Chinese name and clause)."""
    e = subs[subs["status"] == engine.ELIGIBLE]
    by_region = e.groupby("region", as_index=False).agg(projects=("project_id", "nunique"), amount=("amount", "sum"))
    by_rule = e.groupby(["rule_name", "clause"], as_index=False).agg(projects=("project_id", "nunique"),
                                                                     amount=("amount", "sum"))
    return {"region": by_region.sort_values("amount", ascending=False),
            "rule": by_rule.sort_values("amount", ascending=False)}


# ---- data quality: the ledger against the monthly reports ------------------------------------------
# reported measure -> (what of the ledger it is compared with, tolerance as a share of the figure)
LEDGER_MEASURES = {"digital_projects": ("digital", 0.0), "green_projects": ("green", 0.0),
                   "tech_investment": ("investment", 0.005)}


def ledger_counts(ledger: pd.DataFrame, period: str, types: pd.DataFrame) -> pd.DataFrame:
    """Per region, the ledger's figures for the year to ``period`` (projects started in the year up
    to the period's month end): digital, green (project counts by data/project_types.csv; a project
    of two categories counts in both) and investment (Σ 总投资, 亿元)."""
    cols = ["region", "digital", "green", "investment"]
    if ledger.empty:
        return pd.DataFrame(columns=cols)
    start = pd.to_datetime(ledger["start_date"])
    y, m = year_month(period)
    end = pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)
    inyear = ledger[(start >= pd.Timestamp(y, 1, 1)) & (start <= end)]
    cat = types.set_index("type")["category"].to_dict()
    cats = inyear["project_type"].fillna("").map(lambda t: {cat.get(x) for x in t.split("|") if x})
    frame = pd.DataFrame({
        "region": inyear["region"], "digital": cats.map(lambda c: "digital" in c).astype(int),
        "green": cats.map(lambda c: "green" in c).astype(int),
        "investment": inyear["total_investment"].fillna(0.0) / 10000.0,
    })
    out = frame.groupby("region", as_index=False).sum()
    # a county whose ledger has no project this year still has a ledger: zero, not unknown
    missing = sorted(set(ledger["region"]) - set(out["region"]))
    if missing:
        out = pd.concat([out, pd.DataFrame({"region": missing, "digital": 0, "green": 0, "investment": 0.0})])
    return out[cols].reset_index(drop=True)


def ledger_findings(store: Store, period: str, reported: pd.DataFrame,
                    names: dict[str, str]) -> list[dict]:
    """Data-quality findings for jxtrack.services.quality: a county's reported 数字化改造项目数 / 绿色化改造项目数 /
    直接拉动技改投资 that differ from its ledger (``ledger_mismatch``), and projects listed by two
    counties (``ledger_duplicate``).  ``reported`` has region, measure, value, upload_id.  Each finding
    is a dict of the arguments of quality.check's ``add``."""
    ledger = sp.current_projects(store)
    out: list[dict] = []
    if ledger.empty:
        return out
    counts = ledger_counts(ledger, period, rulebook().project_types).set_index("region")
    labels = {"digital": "项目库中当年开工的数字化改造类项目", "green": "项目库中当年开工的绿色化改造类项目",
              "investment": "项目库中当年开工项目的总投资"}
    for r in reported[reported["measure"].isin(list(LEDGER_MEASURES))].itertuples():
        if r.region not in counts.index:
            continue
        what, tol = LEDGER_MEASURES[r.measure]
        mine = float(counts.loc[r.region, what])
        if abs(float(r.value) - mine) <= max(tol * abs(float(r.value)), 1e-6):
            continue
        unit = "亿元" if what == "investment" else "个"
        shown = f"{mine:,.2f}" if what == "investment" else f"{mine:,.0f}"
        value = f"{float(r.value):,.2f}" if what == "investment" else f"{float(r.value):,.0f}"
        out.append({
            "chk": "ledger_mismatch", "region": r.region, "measure": r.measure, "upload_id": r.upload_id,
            "value": r.value, "reference": f"项目库：{shown}{unit}",
            "message": f"{names.get(r.region, r.region)}{period}报送{value}{unit}，而{labels[what]}为{shown}{unit}；"
                       "请核对报表或补全项目库。"})
    for d in duplicates(store).itertuples():
        first = next(c for c, n in names.items() if n == d.regions.split("、")[0])
        out.append({
            "chk": "ledger_duplicate", "region": first, "measure": None, "upload_id": None, "value": None,
            "reference": d.regions,
            "message": f"{d.enterprise}的“{d.project_name}”同时列在{d.regions}的项目库中，可能重复统计，"
                       "请相关区县核实项目所在地。"})
    return out
