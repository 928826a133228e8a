"""Census of generated sheet shapes: how many were tried, read exactly, refused (by reason code),
and read to a different figure (must be 0).  For the README (issue 16).

    .venv/bin/python tests/ingest/shape_census.py [N] [--seed S] [--all] [--show K]

N examples per kind of sheet (monthly, summary, ledger; default 300).  ``--all`` includes the shape
classes test_shapes_property.KNOWN_GAPS leaves out of the property; ``--show K`` prints the first K
different figures with their specs (JSON, ready to keep as regressions/NAME.json).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import shapes  # noqa: E402
import test_shapes_property as prop  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

from jxtrack.services import lookup, setup_db  # noqa: E402
from jxtrack.store.interface import Store  # noqa: E402


def census(n: int, seed_value: int, include_gaps: bool, show: int) -> int:
    folder = tempfile.mkdtemp(prefix="jxtrack-census-")
    store = Store(Path(folder) / "census.duckdb")
    setup_db.init(store, lookup.catalog())
    gaps = frozenset() if include_gaps else prop.GAPS
    kinds = {"monthly": shapes.monthly_specs(exclude=gaps),
             "summary": shapes.summary_specs(), "ledger": shapes.ledger_specs(exclude=gaps)}
    total = collections.Counter()
    refused = collections.Counter()
    different = []
    classes = collections.Counter()
    t0 = time.perf_counter()
    def tally(kind, strategy):
        @seed(seed_value)  # a fixed seed: the same census each run
        @settings(max_examples=n, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(spec=strategy)
        def one(spec):
            out = prop.run(store, spec)
            total[(kind, out.verdict)] += 1
            if out.verdict == "refused":
                for code in out.codes:
                    refused[(kind, code)] += 1
            elif out.verdict == "different":
                different.append((kind, out.detail, spec))
            for name in shapes.shape_classes(spec):
                classes[(name, out.verdict)] += 1

        one()

    for kind, strategy in kinds.items():
        tally(kind, strategy)
    tried = sum(total.values())
    print(f"shapes tried: {tried} ({n} per kind; seed {seed_value}; "
          f"{'with' if include_gaps else 'without'} the known gaps; {time.perf_counter() - t0:.0f} s)")
    for kind in kinds:
        k_all = sum(v for (k, _), v in total.items() if k == kind)
        print(f"- {kind}: {k_all} tried, {total[(kind, 'exact')]} read exactly, "
              f"{total[(kind, 'refused')]} refused, {total[(kind, 'different')]} silently different")
        for (k, code), v in sorted(refused.items(), key=lambda kv: -kv[1]):
            if k == kind:
                print(f"    refused {code}: {v}")
    print("by shape class (exact / refused / different):")
    for name in shapes.SHAPE_CLASSES:
        print(f"    {name}: {classes[(name, 'exact')]} / {classes[(name, 'refused')]} / "
              f"{classes[(name, 'different')]}")
    print(f"silently different: {len(different)} (must be 0)")
    for kind, detail, spec in different[:show]:
        print(f"\n[{kind}] {detail}\n{json.dumps(spec, ensure_ascii=False)}")
    return 1 if different else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=300)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--all", action="store_true", help="include the known gaps")
    ap.add_argument("--show", type=int, default=0)
    a = ap.parse_args()
    return census(a.n, a.seed, a.all, a.show)


if __name__ == "__main__":
    sys.exit(main())
