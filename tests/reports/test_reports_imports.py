"""Paper is built from the same owners as the screen (jxtrack.present, jxtrack.domain), never from ui/."""

from __future__ import annotations

import ast
from pathlib import Path

REPORTS = Path(__file__).resolve().parents[2] / "src/jxtrack/reports"


def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


def test_reports_do_not_import_ui():
    files = sorted(REPORTS.rglob("*.py"))
    assert len(files) >= 8
    bad = {f.name: m for f in files for m in _imports(f) if m == "jxtrack.ui" or m.startswith("jxtrack.ui.")}
    assert bad == {}


def test_walk_sees_an_import_of_ui(tmp_path):
    p = tmp_path / "x.py"
    p.write_text("from jxtrack.ui import common\nimport jxtrack.ui.charts\nfrom jxtrack import ui\n")
    assert {"jxtrack.ui", "jxtrack.ui.charts", "jxtrack.ui.common"} <= set(_imports(p))
