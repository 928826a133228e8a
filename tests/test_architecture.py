"""The README's "one owner per concept" table is true of the code (issue 18): every owner it names
exists, and simple greps find no decision of an owned kind outside its owner."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"


def _owner_rows() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("| concept | owner |")
    table = text[start:text.index("\n\n", start)].splitlines()[2:]
    rows = [tuple(cell.strip() for cell in line.strip("|").split("|", 1)) for line in table]
    assert len(rows) >= 15, "the owner table lost rows"
    return rows


def test_every_owner_in_the_readme_table_exists():
    missing = []
    for concept, owner in _owner_rows():
        named = list(re.finditer(r"`((?:jxtrack|metrics)(?:\.\w+)+)`(?:\s*\(([^)]*)\))?", owner))
        assert named, f"no module named for {concept!r}"
        for m in named:
            module = importlib.import_module(m.group(1))
            for attr in re.findall(r"`(\w+)`", m.group(2) or ""):
                if not hasattr(module, attr):
                    missing.append(f"{m.group(1)}.{attr} ({concept})")
    assert not missing, missing


def _python_files(*roots: Path):
    for root in roots:
        yield from (p for p in (root.rglob("*.py") if root.is_dir() else [root]) if ".venv" not in p.parts)


def _strings(path: Path):
    """Every string literal in a file with its line (docstrings and comments do not decide anything,
    but a docstring that shows SQL is still SQL: they are included)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|VIEW|INDEX))")


def test_sql_is_written_only_in_the_store():
    found = []
    for path in _python_files(SRC, ROOT / "pages", ROOT / "app.py", ROOT / "serve.py"):
        if (SRC / "jxtrack" / "store") in path.parents:
            continue
        found += [f"{path.relative_to(ROOT)}:{line}" for line, s in _strings(path) if SQL.search(s)]
    assert not found, found


def test_roles_are_compared_only_by_the_access_policy():
    rule = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)")
    owner = SRC / "jxtrack" / "domain" / "access.py"
    found = []
    for path in _python_files(SRC / "jxtrack", ROOT / "pages", ROOT / "app.py"):
        if path == owner or (SRC / "jxtrack" / "ingest") in path.parents:   # a header's "role" is not a user's
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if rule.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not found, found


def test_the_present_layer_and_reports_do_not_reach_into_streamlit_pieces():
    """Screen, CLI and paper share jxtrack.present; reports (paper) never import jxtrack.ui."""
    found = []
    for path in _python_files(SRC / "jxtrack" / "reports", SRC / "jxtrack" / "present",
                              SRC / "jxtrack" / "domain", SRC / "metrics"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and (
                    node.module.startswith("jxtrack.ui") or node.module == "streamlit"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
            if isinstance(node, ast.Import) and any(a.name.startswith(("jxtrack.ui", "streamlit"))
                                                    for a in node.names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_domain_rules_do_no_io():
    """jxtrack.domain is pure: it imports neither the store, services, streamlit nor a database driver."""
    banned = ("jxtrack.store", "jxtrack.services", "jxtrack.ui", "streamlit", "duckdb", "psycopg", "openpyxl")
    found = []
    for path in _python_files(SRC / "jxtrack" / "domain"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            found += [f"{path.name}:{node.lineno} {n}" for n in names if n.startswith(banned)]
    assert not found, found


def test_no_flat_modules_left_at_the_top_of_the_package():
    """The layout tells the layers: nothing but packages (and an empty __init__) under src/jxtrack."""
    top = sorted(p.name for p in (SRC / "jxtrack").glob("*.py"))
    assert top == ["__init__.py"], top
    for pkg in ("domain", "catalog", "store", "services", "present", "cli", "ingest"):
        init = SRC / "jxtrack" / pkg / "__init__.py"
        body = [n for n in ast.parse(init.read_text(encoding="utf-8")).body
                if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
        assert not body, f"logic in {init.relative_to(ROOT)}"


def test_each_page_is_a_render_function():
    """pages/*.py: a ``render()`` the router runs (Streamlit runs a page file as ``__main__``); importing
    a page runs nothing, so its pieces can be tested.  Top level holds only the docstring, imports,
    definitions, constants and the ``if __name__ == "__main__": render()`` guard."""
    found = []
    for path in sorted((ROOT / "pages").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(n, ast.FunctionDef) and n.name == "render" for n in tree.body):
            found.append(f"{path.name}: no render()")
        for n in tree.body:
            if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
                continue
            if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant):
                continue
            if isinstance(n, (ast.Assign, ast.AnnAssign)) and not any(
                    isinstance(c, ast.Call) for c in ast.walk(n.value)):
                continue
            if isinstance(n, ast.If) and ast.unparse(n.test) == "__name__ == '__main__'" \
                    and ast.unparse(n.body[0]) == "render()" and len(n.body) == 1:
                continue
            found.append(f"{path.name}:{n.lineno}: {ast.unparse(n).splitlines()[0]}")
    assert not found, found


def test_the_city_code_is_found_in_one_place():
    """catalog.model.city_code is the one way from a regions table to the city's code."""
    rule = re.compile(r"""\[\s*\w+\[["']level["']\]\s*==\s*["']city["']\s*,\s*["']code["']\s*\]""")
    owner = SRC / "jxtrack" / "catalog" / "model.py"
    found = [f"{p.relative_to(ROOT)}:{i}" for p in _python_files(SRC, ROOT / "pages", ROOT / "app.py")
             if p != owner for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if rule.search(line)]
    assert not found, found
    assert len([1 for line in owner.read_text(encoding="utf-8").splitlines() if rule.search(line)]) == 1


def test_use_cases_read_regions_from_the_one_runtime_catalog():
    """Regions reach every use case through services.lookup (``regions``, ``region_names``: the
    runtime catalog, cached by data version); only building a database reads the table itself."""
    builders = {SRC / "jxtrack" / "services" / "setup_db.py"}
    found = [f"{p.relative_to(ROOT)}:{i}" for p in _python_files(SRC / "jxtrack", ROOT / "pages", ROOT / "app.py")
             if (SRC / "jxtrack" / "store") not in p.parents and p not in builders
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\bstore\.regions\(\)", line)]
    assert not found, found
