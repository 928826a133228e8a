"""Text that users write reaches Streamlit's Markdown only escaped (issue 20 item 1, issue 18).

Streamlit renders Markdown -- links, images fetched by every reader's browser, ``:red[…]``,
``$…$`` -- in st.markdown/caption/messages, in st.table cells, in radio options, metric labels and
values, expander and tab labels, and every widget label; selectbox and multiselect options and
st.dataframe show plain text.  A hostile text is written into every field users can write (a
county's 偏差说明 and file name through an import, a refused file's cells, the due day's reason, a
binding reason, a target source's title and clause, a withdrawal reason, a user's name, the
project ledger's cells and file name, a subsidy rule switch's reason), then every page is opened
as each role, and every string Streamlit was sent is checked: where Streamlit reads Markdown, the
payload may appear only escaped (``fmt.plain``); it must appear somewhere, so the check is not
vacuous.  ``tests/browser/test_no_injected_markup.py`` checks the same pages' DOM in Chromium."""

from __future__ import annotations

import ast
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.descriptor import FieldDescriptor
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from jxtrack.domain.access import User
from jxtrack.present import fmt
from jxtrack.services import cycle, importing, projects, submissions
from jxtrack.services import targets as targets_svc
from jxtrack.services import users as users_svc
from jxtrack.store.interface import Store
from jxtrack.ui import nav

from .conftest import OVERVIEW_FOLDS, USERS, run_app, table_shown

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ledger"))
from ledger_builders import ledger_xlsx, project  # noqa: E402

# a phishing link, a tracking image, a coloured directive, a formula and raw HTML
PAYLOAD = ("[点此重新登录](http://evil.invalid/login) ![x](http://evil.invalid/p.png) :red[红] $x^2$ "
           "<img src=http://evil.invalid/raw.png>")
# a user name has no spaces; a file name no slashes
USERNAME = "[u](http://evil.invalid)![x](http://evil.invalid/i):red[红]$x^2$"
USER_PASSWORD = "jxdemo-evil-pass"
FILE_NAME = "[点此重新登录](http:evil.invalid) ![x](http:evil.invalid) :red[红] $x^2$.csv"
# what only an unescaped payload contains (fmt.plain writes 'evil\.invalid', '\:red\[', '\$x^2\$')
RAW = ("evil.invalid", ":red[红]", "$x^2$")
TAX = "tax_per_mu"   # 规上亩均税收: the city's 2026 figure has two sources (40 and 42)
EVIL = User(USERNAME, "staff", None, PAYLOAD)


def escaped(text: str) -> str:
    return fmt.plain(text)


def poison(store: Store) -> dict:
    """Write the payload into every text field users can write; returns where it went."""
    staff, county = USERS["staff"], USERS["county"]
    users_svc.add_user(store, USERS["admin"], username=USERNAME, password=USER_PASSWORD, role="staff",
                       region=None, display_name=PAYLOAD, email=None)
    period = store.latest_period()
    # a county's figure far behind, with its 偏差说明 and a hostile file name
    note = f"地区,报告期,指标,数值,偏差说明\n嘉善县,{period},数字化改造项目数,1,{PAYLOAD}\n".encode()
    res = importing.commit_import(store, note, FILE_NAME, county, accept_warnings=True)
    assert res.status == "accepted", [p.line() for p in res.problems]
    # a refused file: its name and a cell quoted back
    bad = f"地区,报告期,指标,数值\n嘉善县,{period},绿色化改造项目数,{PAYLOAD}\n".encode()
    assert importing.commit_import(store, bad, "退回" + FILE_NAME, county).status == "rejected"
    # an upload withdrawn with a hostile reason (another figure, so the note above stays in force)
    other = f"地区,报告期,指标,数值\n嘉善县,{period},绿色化改造项目数,3\n".encode()
    up = importing.commit_import(store, other, "撤回" + FILE_NAME, county, accept_warnings=True)
    assert up.status == "accepted", [p.line() for p in up.problems]
    submissions.withdraw_upload(store, EVIL, up.upload_id, PAYLOAD)
    cycle.set_due_day(store, EVIL, 12, PAYLOAD)
    # a new source for the city's 2026 亩均税收 (title, issuer, clause, note), bound with a hostile reason
    figures = pd.DataFrame([{"indicator": TAX, "region": "", "year": 2026, "value": 45.0, "comparator": ">=",
                             "clause": PAYLOAD}])
    code = targets_svc.add_source(store, EVIL, doc_number=PAYLOAD, title=PAYLOAD, issuer=PAYLOAD, issued=None,
                                  status="official", figures=figures, reason=PAYLOAD, note=PAYLOAD)
    targets_svc.set_binding(store, EVIL, indicator=TAX, region="330400", year=2026, source=code, reason=PAYLOAD)
    # the ledger: project and enterprise names, a note, the file name
    ledger = ledger_xlsx([project(1, name=PAYLOAD, enterprise=PAYLOAD + "有限公司"), project(2)], "嘉善县")
    lres = projects.commit_ledger(store, ledger, FILE_NAME.replace(".csv", ".xlsx"), county, accept_warnings=True)
    assert lres.status == "accepted", [p.line() for p in lres.problems]
    rules = projects.rules_table(store)
    topic = rules.groupby("topic")["code"].count().loc[lambda c: c > 1].index[0]
    rule = rules.loc[(rules["topic"] == topic) & ~rules["binding"].astype(bool), "code"].iloc[0]
    projects.switch_rule(store, EVIL, topic, rule, PAYLOAD)
    return {"period": period, "source": code, "staff": staff}


@pytest.fixture(scope="module")
def hostile_db(demo_db_template, tmp_path_factory, backend):
    """A copy of the demo database with the payload in every user-writable field."""
    if backend != "duckdb":
        pytest.skip("one backend is enough: the check is about the pages")
    db = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(demo_db_template, db)
    mp = pytest.MonkeyPatch()
    mp.setenv("JXTRACK_DB", str(db))
    poison(Store(db))
    yield db
    mp.undo()


# ---- what Streamlit was sent ------------------------------------------------------------------------
# (element, field) that Streamlit shows as plain text, never as Markdown; every other string is
# treated as Markdown, so an element added later is checked unless it is listed here
PLAIN_FIELDS = {
    ("selectbox", "options"), ("selectbox", "raw_value"), ("multiselect", "options"),
    ("multiselect", "raw_values"), ("text_input", "value"), ("text_input", "default"),
    ("text_area", "value"), ("text_area", "default"),
}
NOT_SHOWN = {"id", "form_id", "query_param_key"}


@dataclass
class Shown:
    where: str     # element type and field, e.g. 'markdown.body', 'table.cell'
    text: str
    markdown: bool


def _strings(msg, path: str, out: list[Shown], kind: str) -> None:
    for field, value in msg.ListFields():
        if field.name in NOT_SHOWN:
            continue
        values = value if field.is_repeated else [value]
        for v in values:
            if field.type == FieldDescriptor.TYPE_STRING:
                out.append(Shown(f"{path}.{field.name}", v, (kind, field.name) not in PLAIN_FIELDS))
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                _strings(v, f"{path}.{field.name}", out, kind)


def _table_cells(proto, out: list[Shown]) -> None:
    """st.table renders every cell and header as Markdown (a Styler's display values included)."""
    frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(proto.arrow_data.data)]
    if proto.arrow_data.styler.display_values:
        frames.append(dataframe_util.convert_arrow_bytes_to_pandas_df(proto.arrow_data.styler.display_values))
    for df in frames:
        for text in [*map(str, df.columns), *(str(v) for v in df.to_numpy().ravel() if isinstance(v, str))]:
            out.append(Shown("table.cell", text, True))


def shown_strings(at: AppTest) -> list[Shown]:
    """Every string of every element and block on the page (main area and sidebar)."""
    out: list[Shown] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind == "table":
            _table_cells(proto, out)
        elif kind == "dataframe":   # the grid draws text as text
            pass
        elif proto is not None:
            _strings(proto, kind, out, kind)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def leaks(shown: list[Shown]) -> list[str]:
    """The Markdown strings that carry the payload unescaped, each around its first raw fragment."""
    out = []
    for s in shown:
        hit = min((i for i in (s.text.find(r) for r in RAW) if i >= 0), default=-1)
        if s.markdown and hit >= 0:
            out.append(f"{s.where}: …{s.text[max(0, hit - 60):hit + 40]}…")
    return out


def escaped_in(shown: list[Shown]) -> set[str]:
    """Where the payload is shown escaped in Markdown (so it did reach the page)."""
    marks = (fmt.plain(PAYLOAD), fmt.plain(USERNAME), fmt.plain(FILE_NAME))
    return {s.where for s in shown if s.markdown and any(m in s.text for m in marks)}


# ---- the pages --------------------------------------------------------------------------------------
ROLES = {"admin": USERS["admin"], "staff": EVIL, "county": USERS["county"], "leader": USERS["leader"]}


def visit(user: User, page: str) -> list[Shown]:
    """Open ``page`` as ``user`` with its hostile parts in view; what every run of it showed (the
    first run of the app also has the sidebar, which AppTest drops after a page switch)."""
    at = run_app(user, page)
    assert not at.exception, [e.value for e in at.exception]
    shown = shown_strings(at)
    if page == "pages/overview.py":
        for k in OVERVIEW_FOLDS:
            at.session_state[k] = True
        at.run()
    elif page == "pages/indicator.py":
        at.selectbox(key="indicator_code").set_value(TAX).run()
        at.selectbox(key="indicator_region").set_value("330400").run()
    elif page == "pages/targets.py" and any(s.key == "bind_key" for s in at.selectbox):
        labels = at.selectbox(key="bind_key").options
        i = next(k for k, lab in enumerate(labels) if lab.startswith("规上亩均税收 · 嘉兴市 · 2026"))
        at.selectbox(key="bind_key").set_value(i).run()
    assert not at.exception, [e.value for e in at.exception]
    return shown + shown_strings(at)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_shows_user_text_escaped(hostile_db, role):
    user = ROLES[role]
    found, leaked = {}, {}
    for pdef in nav.pages_for(user):
        shown = visit(user, pdef.path)
        leaked[pdef.url] = leaks(shown)
        found[pdef.url] = escaped_in(shown)
    assert not any(leaked.values()), {k: v for k, v in leaked.items() if v}
    # the payload did reach the pages (else the check above proves nothing)
    assert any(w.startswith("table.cell") for w in found["overview"]), found["overview"]   # 区县红灯清单 偏差说明
    assert "markdown.body" in found["indicator"], found["indicator"]                      # source, binding reason
    if role == "staff":
        assert any(w.startswith("markdown") for w in found["overview"]), "the signed-in name in the sidebar"
    if role in ("admin", "staff"):
        assert "caption.body" in found["reporting"], found["reporting"]                   # due day: who and why
        assert "radio.options" in found["targets"], found["targets"]                      # the source to bind


def test_hostile_upload_previews_are_escaped(hostile_db):
    """The upload page and the ledger import tab with a hostile file: name, cells and notes."""
    period = Store(hostile_db).latest_period()
    sheet = (f"地区,报告期,指标,数值,偏差说明\n嘉善县,{period},数字化改造项目数,{PAYLOAD},{PAYLOAD}\n"
             f"{PAYLOAD},{period},{PAYLOAD},2,{PAYLOAD}\n").encode()
    at = run_app(USERS["county"], "pages/upload.py")
    at.get("file_uploader")[0].set_value((FILE_NAME, sheet, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and not leaks(shown_strings(at)), leaks(shown_strings(at))
    problems = next(table_shown(t) for t in at.table if "读到的值" in table_shown(t).columns)
    assert any(v.startswith(PAYLOAD[:40]) for v in problems["读到的值"]), "the cell quoted back as typed"
    at = run_app(USERS["county"], "pages/projects.py")
    ledger = ledger_xlsx([project(3, name=PAYLOAD, enterprise=PAYLOAD, region=PAYLOAD)], PAYLOAD)
    at.get("file_uploader")[0].set_value((FILE_NAME.replace(".csv", ".xlsx"), ledger, "application/vnd.ms-excel")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and not leaks(shown_strings(at)), leaks(shown_strings(at))


def test_plain_text_places_show_the_text_as_typed(hostile_db):
    """Where Streamlit shows plain text (the grid, selectbox options), the text is not escaped:
    an official reads 偏差说明 and file names exactly as written, without backslashes."""
    at = run_app(USERS["admin"], "pages/reporting.py")
    history = next(d.value for d in at.dataframe if "文件名" in d.value.columns)
    assert FILE_NAME in set(history["文件名"]) and PAYLOAD in set(history["撤回原因"])
    assert any(FILE_NAME in o for o in at.selectbox(key="withdraw_id").options)


# ---- by construction ---------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[2]


def test_a_markdown_table_is_drawn_only_through_the_escaping_helper():
    """``st.table`` renders Markdown in every cell: pages and ui pieces draw it only through
    ``common.table``, which escapes every text cell (st.dataframe shows text as text)."""
    files = [ROOT / "app.py", *ROOT.glob("pages/*.py"), *(ROOT / "src" / "jxtrack" / "ui").glob("*.py"),
             *(ROOT / "src" / "jxtrack" / "reports").glob("*.py")]
    found = []

    def visit_calls(node, path: str, fn: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef) else fn
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "table"
                    and not (isinstance(child.func.value, ast.Name) and child.func.value.id == "common")):
                found.append((path, fn, child.lineno))
            visit_calls(child, path, inner)

    for path in files:
        visit_calls(ast.parse(path.read_text(encoding="utf-8")), path.relative_to(ROOT).as_posix(), None)
    assert {(p, f) for p, f, _ in found} == {("src/jxtrack/ui/common.py", "table")}, found


def test_md_escapes_the_values_and_keeps_the_template():
    assert fmt.md("**{}** 原因：{}", "张三", "[链接](http://evil.invalid)") == \
        "**张三** 原因：\\[链接\\]\\(http\\:\u2060//evil\\.invalid\\)"
    assert fmt.md("{who}", who=None) == ""


def test_plain_keeps_an_address_from_becoming_a_link():
    """The GFM autolink reads the text after its escapes: 'http\\://x' is still a link in a browser
    (tests/browser/test_no_injected_markup.py saw it), so ':' and '//' are kept apart invisibly."""
    from .conftest import unescaped

    text = "见 http://evil.invalid/a 和 HTTPS://evil.invalid/b，ftp://x"
    seen = unescaped(fmt.plain(text))
    assert seen == text, "the reader sees the text as typed"
    assert "://" not in fmt.plain(text).replace("\\", ""), "no address the autolink can find"


def test_plain_frame_escapes_every_text_cell_and_keeps_numbers():
    df = pd.DataFrame({"说明": ["![x](http://evil.invalid/p.png)", None], "数": [1.5, 2.0],
                       "[h](x)": ["a", "$1$"]})
    out = fmt.plain_frame(df)
    assert list(out.columns) == ["说明", "数", "\\[h\\]\\(x\\)"]
    assert out["说明"].iloc[0] == "\\!\\[x\\]\\(http\\:\u2060//evil\\.invalid/p\\.png\\)" and pd.isna(out["说明"].iloc[1])
    assert out["数"].tolist() == [1.5, 2.0] and out.iloc[1, 2] == "\\$1\\$"
    assert df["说明"].iloc[0].startswith("!["), "the input is not changed"
