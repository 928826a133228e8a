"""The one registry of problem types (jxtrack.domain.problems): every code the importer or the
data-quality monitor uses is registered, with a severity, a Chinese title and, where the message
is built from the registry, its template."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from jxtrack.domain import problems
from jxtrack.domain.problems import IMPORT, QUALITY, SEVERITY_LABELS

SRC = Path(__file__).resolve().parents[2] / "src/jxtrack"
# the callables whose first argument is a problem code
CODE_TAKERS = {"problem", "_refuse"}
QUALITY_FILE = SRC / "services/quality.py"   # its findings are made by add(code, ...)


def _codes_used() -> dict[str, list[str]]:
    """code -> where, for every string literal passed as a code (first argument of a code taker,
    or the "chk" of a finding) anywhere in src/jxtrack."""
    used: dict[str, list[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            found = None
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                takers = CODE_TAKERS | ({"add"} if path == QUALITY_FILE else set())
                if name in takers and isinstance(node.args[0].value, str):
                    found = node.args[0].value
            elif isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "chk" and isinstance(v, ast.Constant):
                        found = v.value
            if found is not None:
                used.setdefault(found, []).append(f"{path.relative_to(SRC)}:{node.lineno}")
    return used


def test_every_code_used_is_registered():
    used = _codes_used()
    assert len(used) >= 40, sorted(used)   # the walk does see the call sites
    unknown = {c: w for c, w in used.items() if c not in IMPORT and c not in QUALITY}
    assert unknown == {}


def test_every_registered_type_has_severity_title_and_the_quality_ones_a_template():
    for reg in (IMPORT, QUALITY):
        for code, t in reg.items():
            assert t.code == code and t.severity in SEVERITY_LABELS and t.title.strip(), t
    assert set(problems.CODES) == set(IMPORT)
    worded_elsewhere = {"ledger_mismatch", "ledger_duplicate"}   # services.projects.ledger_findings
    for code, t in QUALITY.items():
        if code in worded_elsewhere:
            continue
        fields = {f for _, f, _, _ in string.Formatter().parse(t.template) if f}
        assert t.template and "month" in fields, t
        assert t.message(**{f: f"<{f}>" for f in fields}).count("<") == len(
            [f for _, f, _, _ in string.Formatter().parse(t.template) if f])


def test_quality_templates_fill_to_the_known_wording():
    msg = QUALITY["late_report"].message(region="南湖区", month="2026年10月", at="2026-11-12 09:30",
                                         due="2026-11-10", upload=7)
    assert msg == "南湖区2026年10月的数据于2026-11-12 09:30首次上传，晚于报送期限2026-11-10（上传 #7）。"
    msg = QUALITY["missing_report"].message(region="海盐县", month="2026年10月", deadline="报送期限2026-11-10，尚未到期")
    assert msg == "海盐县尚未报送2026年10月的数据（报送期限2026-11-10，尚未到期）。通报中该区县各项指标显示为无数据。"


def test_the_same_code_means_the_same_thing_in_both_stages():
    # ytd_decrease is the one code both report: a warning the uploader may accept, a serious finding later
    shared = set(IMPORT) & set(QUALITY)
    assert shared == {"ytd_decrease"}
    assert IMPORT["ytd_decrease"].title == QUALITY["ytd_decrease"].title


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_import_templates_fill_with_their_fields_and_refuse_a_missing_one():
    for code, t in IMPORT.items():
        for variant, text in [(None, t.template), *t.variants]:
            if not text:
                continue
            fields = _fields(text)
            specs = {f: spec for _, f, spec, _ in string.Formatter().parse(text) if f}
            # a field with a format spec (a limit as '1,000,000', a size as '20.5') gets a number
            given = {f: 1234567 if specs[f] else f"<{f}>" for f in fields}
            filled = t.message(variant, **given)
            shown = {f: format(v, specs[f]) for f, v in given.items()}
            assert all(s in filled for s in shown.values()) and "{" not in filled, (code, variant)
            if fields:
                with pytest.raises(KeyError):
                    t.message(variant)
    with pytest.raises(ValueError, match="no template"):
        IMPORT["file_too_large"].message()   # only its variants (each refusal names its own limit)
    assert IMPORT["file_too_large"].message("csv_cells", limit=1_000_000, row=1_000_001) == (
        "CSV 的单元格超过 1,000,000 个（第 1,000,001 行已超出），超过上限，未读取。请检查是否选错了文件。")
    p = problems.problem("unknown_region", None, "9月", "A7", "南湖", what="这一行的地区名称")
    assert p.message == "这一行的地区名称无法识别。请写区县全称（如“嘉善县”）或地区代码。"
    assert (p.severity, p.sheet, p.cell, p.value) == ("error", "9月", "A7", "南湖")
    p = problems.problem("not_permitted", variant="role", refusal="领导账号只能查看。")
    assert p.message == "领导账号只能查看。如需填报，请联系管理员开通填报权限。"


def _inline_wordings() -> dict[tuple[str, str], list[str]]:
    """(code, the literal text of an inline message) -> where, for every problem built in src/jxtrack
    with its own words (the templates' codes and those worded where found)."""
    out: dict[tuple[str, str], list[str]] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and len(node.args) >= 2 and isinstance(node.args[0], ast.Constant)):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in CODE_TAKERS or not isinstance(node.args[0].value, str):
                continue
            msg = node.args[1]
            if isinstance(msg, ast.Constant) and msg.value is None:
                continue
            parts = [v.value for v in ast.walk(msg) if isinstance(v, ast.Constant) and isinstance(v.value, str)]
            out.setdefault((node.args[0].value, "".join(parts)), []).append(f"{path.relative_to(SRC)}:{node.lineno}")
    return out


def test_no_problem_is_worded_where_it_is_found():
    """Every importer problem's words are the registry's (the call sites give fields only)."""
    assert _inline_wordings() == {}
    for code, t in IMPORT.items():
        assert t.template or t.variants, f"{code} has no wording"


def _codes_of(node: ast.expr, scope: ast.AST) -> list[str]:
    """The codes a call's first argument can be: a literal, either branch of a conditional, or a
    name assigned literals or conditionals of literals in the function around the call."""
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes_of(node.body, scope) + _codes_of(node.orelse, scope)
    if isinstance(node, ast.Name):
        out = []
        for n in ast.walk(scope):
            if isinstance(n, ast.Assign) and any(isinstance(t, ast.Name) and t.id == node.id for t in n.targets):
                if isinstance(n.value, (ast.Constant, ast.IfExp)):
                    out += _codes_of(n.value, scope)
        return out
    return []


def _function_around(tree: ast.AST, node: ast.AST) -> ast.AST:
    around = [f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              and f.lineno <= node.lineno <= f.end_lineno]
    return min(around, key=lambda f: f.end_lineno - f.lineno) if around else tree


def test_every_call_site_gives_exactly_the_fields_its_template_asks_for():
    """A missing field would be a KeyError before a user (a traceback instead of a message); an extra
    one is a field the wording forgot.  Checked statically for every problem built from the registry."""
    checked, wrong = 0, []
    positional = {"sheet", "cell", "value", "variant", "message"}
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in CODE_TAKERS:
                continue
            msg = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "message"), None)
            if msg is not None and not (isinstance(msg, ast.Constant) and msg.value is None):
                continue   # worded where found
            kw = {k.arg: k.value for k in node.keywords}
            variant = kw["variant"].value if "variant" in kw else None
            given = set(kw) - positional
            codes = _codes_of(node.args[0], _function_around(tree, node))
            assert codes, f"{path.relative_to(SRC)}:{node.lineno}: cannot tell the code"
            for code in codes:
                t = IMPORT[code]
                text = dict(t.variants)[variant] if variant else t.template
                if _fields(text) != given:
                    wrong.append(f"{path.relative_to(SRC)}:{node.lineno} {code}/{variant}: "
                                 f"template {sorted(_fields(text))}, given {sorted(given)}")
                checked += 1
    assert checked >= 60, checked
    assert wrong == []
