"""The lights' one vocabulary (jxtrack.domain.lights): one order, one palette, one wording of the rule,
and no private copy of them elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd

from jxtrack.domain import lights
from metrics import progress

ROOT = Path(__file__).resolve().parents[2]
LIGHT_KEYS = {"red", "yellow", "green", "done"}


def test_one_order_covers_the_table_and_agrees_with_the_metrics_severity():
    assert sorted(lights.ORDER) == sorted(lights.TABLE)
    assert lights.DECIDED == progress.LIGHTS
    # group_light's "worst wins" and the display order are the same ranking, read in opposite directions
    by_severity = sorted(progress.LIGHT_SEVERITY, key=progress.LIGHT_SEVERITY.get, reverse=True)
    assert by_severity == [k for k in lights.ORDER if k in lights.DECIDED]


def test_rank_and_colour_scale_paint_each_light_in_its_colour():
    assert lights.rank("red") == 0 and lights.rank("done") == 3
    assert lights.rank("nonsense") == lights.rank(None) == lights.rank(float("nan")) == lights.ORDER.index("none")
    scale = lights.colour_scale()
    n = len(lights.ORDER)
    assert scale[0] == (0.0, "#d62728") and scale[-1] == (1.0, lights.TABLE["n/a"].color)
    # with zmin=-0.5, zmax=n-0.5 the cell z=i sits at (i+0.5)/n, inside the i-th band
    for i, key in enumerate(lights.ORDER):
        pos = (i + 0.5) / n
        band = [c for (a, c), (b, _) in zip(scale[::2], scale[1::2], strict=True) if a <= pos <= b]
        assert band == [lights.TABLE[key].color]


def test_rule_words_follow_other_bands():
    # a province that uses yellow = 10 to 30 points behind
    ind = pd.DataFrame({"short_name": ["甲"], "green_min_pp": [-10.0], "yellow_min_pp": [-30.0]})
    rule, other = lights.rules(ind)
    assert rule == {"green": "进度差不低于-10个百分点", "yellow": "进度差在-30至-10个百分点之间",
                    "red": "落后超过30个百分点"}
    assert other == ""
    # no thresholds at all: the default rule of DOMAIN.md
    assert lights.rules(ind.iloc[0:0])[0]["yellow"] == "落后序时进度不超过10个百分点"


def _python_files():
    for base in ("src/jxtrack", "pages"):
        yield from (ROOT / base).rglob("*.py")
    yield ROOT / "app.py"


def test_no_private_light_order_or_palette_outside_the_owner():
    """A literal list, tuple, set or dict naming three or more light keys is a private order or
    palette; the owner is jxtrack.domain.lights."""
    found = []
    for path in _python_files():
        if path == ROOT / "src/jxtrack/domain/lights.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.List | ast.Tuple | ast.Set):
                items = node.elts
            elif isinstance(node, ast.Dict):
                items = [k for k in node.keys if k is not None]
            else:
                continue
            words = {e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if len(words & LIGHT_KEYS) >= 3:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_light_words_are_said_only_by_the_owner():
    """红灯/黄灯/绿灯 as a label built from a key lives in the table; other code asks lights.get()."""
    found = []
    for path in _python_files():
        if path == ROOT / "src/jxtrack/domain/lights.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                pairs = [(k.value, v.value) for k, v in zip(node.keys, node.values, strict=True)
                         if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)]
                if any(k in LIGHT_KEYS and isinstance(v, str) and (v.startswith("#") or v in ("红", "黄", "绿"))
                       for k, v in pairs):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []
