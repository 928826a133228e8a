"""One definition of "first upload" (issue 18): ``store.quality.first_uploads``; every 迟报
judgement (报送情况, 数据质量, the bulletin, ``jxtrack remind``) reads it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
# SQL that takes the earliest upload time: what a first-upload definition does
EARLIEST = re.compile(r"min\(\s*\w*\.?uploaded_at\s*\)", re.IGNORECASE)


def _defining_functions() -> list[str]:
    found = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                text = ast.get_source_segment(path.read_text(encoding="utf-8"), node) or ""
                inner = {n.name for n in ast.walk(node) if isinstance(n, ast.FunctionDef) and n is not node}
                if EARLIEST.search(text) and not inner:
                    found.append(f"{path.relative_to(SRC).as_posix()}:{node.name}")
    return sorted(found)


def test_only_first_uploads_takes_the_earliest_upload_time():
    """``store.quality.submissions`` had its own first_uploaded_at (the earliest upload behind the
    figures in force, which a late re-upload moves), kept as the bulletin's fallback."""
    assert _defining_functions() == ["jxtrack/store/quality.py:first_uploads"]
