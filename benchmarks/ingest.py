"""Import benchmarks for `make bench` (measured, not asserted; goals from issue 3).

* one-county monthly sheet (the template, filled in), end to end: read, validate, permission and
  year-to-date checks, diff, one transaction -- goal <= 0.3 s;
* a 20 000-row history workbook (region, period, measure, unit, value per row) -- goal <= 10 s;
* parsing (read + layout + validation) vs a bare openpyxl read of the same file -- goal <= 2x;
* hostile workbooks, generated here: a dense one (~4.9 million filled cells in ~4 MB), one with
  7.25 million shared strings (~19 MB), one whose 2.5 million cells are in a sheet part named
  sheet1.dat; and the largest workbook still accepted (``reader.MAX_CELLS`` cells): each imported in a child process, which
  reports its time and peak memory -- goal: refused or accepted within 10 s and 1 GB.

Each figure is the median of several runs on a fresh temporary database.
"""

from __future__ import annotations

import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import openpyxl

from jxtrack.domain.access import OPERATOR
from jxtrack.services import lookup, setup_db
from jxtrack.store.interface import Store


def _median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _demo_sheets(store: Store, region: str, months: list[str]) -> list[bytes]:
    """The monthly template of ``region`` for each month, filled with the demo's figures (parts
    within wholes, year-to-date figures rising: every one passes every check and is accepted)."""
    from jxtrack.services import demo

    from .backends import filled_template

    obs, _ = demo.build(lookup.catalog())
    code = lookup.resolve_region(store, region)
    out = []
    for month in months:
        mine = obs[(obs["region"] == code) & (obs["period"] == month)]
        out.append(filled_template(store, code, month, dict(zip(mine["measure"], mine["value"], strict=True))))
    return out


def history_workbook(n_rows: int = 20000) -> bytes:
    """Long-format history: region, period, measure, unit, value; values rise month by month."""
    regions = ["南湖区", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市"]
    measures = [("数字化改造项目数", "个"), ("绿色化改造项目数", "个"), ("重点技术改造项目数", "个"),
                ("直接拉动技改投资", "亿元"), ("节约用能", "万吨标煤"), ("规上工业增加值", "亿元"),
                ("规上工业税收", "亿元"), ("规上工业企业数", "家"), ("规上工业用地面积", "亩"),
                ("规上工业从业人员年平均人数", "人")]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("历史数据")
    ws.append(["地区", "报告期", "指标名称", "单位", "数值"])
    n, year = 0, 2004
    while n < n_rows:
        year += 1
        for month in range(1, 13):
            for ri, reg in enumerate(regions):
                for mi, (name, unit) in enumerate(measures):
                    if n < n_rows:
                        ws.append([reg, f"{year}-{month:02d}", name, unit, (100 + ri * 10 + mi) * month])
                        n += 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


DENSE_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="数据" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def dense_workbook(n_rows: int, n_cols: int, seed: int = 20261130) -> bytes:
    """An .xlsx whose one sheet has ``n_rows`` x ``n_cols`` filled number cells, written straight
    into the zip (a streaming writer: no workbook object is ever built).  Cells carry no ``r``
    attribute (allowed; openpyxl places them in order) and one-digit values, so 4.9 million cells
    pack into about 4 MB, like the memory bomb of issue 12."""
    rnd = random.Random(seed)
    tokens = [b"<c><v>%d</v></c>" % v for v in range(10)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in DENSE_PARTS.items():
            zf.writestr(name, text)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for r in range(1, n_rows + 1):
                f.write(b'<row r="%d">' % r + b"".join(rnd.choices(tokens, k=n_cols)) + b"</row>")
            f.write(b"</sheetData></worksheet>")
    return buf.getvalue()


def zip_parts(parts: dict[str, bytes | str], streamed: dict[str, object] | None = None) -> bytes:
    """An .xlsx from its parts; ``streamed`` parts are iterables of byte chunks written straight
    into the zip (no part is ever held whole)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text)
        for name, chunks in (streamed or {}).items():
            with zf.open(name, "w", force_zip64=True) as f:
                for chunk in chunks:
                    f.write(chunk)
    return buf.getvalue()


def shared_strings_workbook(n_strings: int) -> bytes:
    """A one-cell workbook whose shared-string part holds ``n_strings`` distinct ``<si>`` entries
    (issue 20: 7.25 million in ~19 MB, 183 MB of XML, cost openpyxl 1.15 GB and 90 s).  Only the
    first is used by a cell: the rest are never shown, only built."""
    ct = DENSE_PARTS["[Content_Types].xml"].replace(
        "</Types>", '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    rels = DENSE_PARTS["xl/_rels/workbook.xml.rels"].replace(
        "</Relationships>", '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')

    def chunks():
        yield (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (n_strings, n_strings))
        batch = 50_000
        for start in range(0, n_strings, batch):
            yield b"".join(b"<si><t>%08d</t></si>" % i for i in range(start, min(start + batch, n_strings)))
        yield b"</sst>"

    return zip_parts({**DENSE_PARTS, "[Content_Types].xml": ct, "xl/_rels/workbook.xml.rels": rels,
                       "xl/worksheets/sheet1.xml": sheet}, {"xl/sharedStrings.xml": chunks()})


def renamed_sheet_workbook(n_rows: int, n_cols: int, part: str = "xl/worksheets/sheet1.dat",
                           seed: int = 20261204) -> bytes:
    """``dense_workbook``'s sheet under a name that does not end in .xml, declared in
    [Content_Types] and the workbook's relationships (issue 20: openpyxl builds it whole)."""
    dense = zipfile.ZipFile(io.BytesIO(dense_workbook(n_rows, n_cols, seed)))
    target = part.removeprefix("xl/")
    parts = {n: dense.read(n) for n in dense.namelist() if n != "xl/worksheets/sheet1.xml"}
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"/xl/worksheets/sheet1.xml", b"/" + part.encode())
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", target.encode())
    sheet = dense.read("xl/worksheets/sheet1.xml")
    return zip_parts(parts, {part: [sheet]})


_CHILD = """
import json, sys, time
from pathlib import Path
from jxtrack.services import lookup, setup_db
from jxtrack.domain.access import OPERATOR
from jxtrack.services.importing import commit_import
from jxtrack.store.interface import Store
store = Store(Path(sys.argv[2]))
setup_db.init(store, lookup.catalog())
data = Path(sys.argv[1]).read_bytes()
t = time.perf_counter()
res = commit_import(store, data, Path(sys.argv[1]).name, OPERATOR, accept_warnings=True)
secs = time.perf_counter() - t
peak = 0
for line in open("/proc/self/status", encoding="ascii"):
    if line.startswith("VmHWM:"):
        peak = int(line.split()[1]) * 1024
if not peak:
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"status": res.status, "seconds": secs, "peak": peak,
                  "codes": sorted({p.code for p in res.errors})}))
"""


def import_in_child(data: bytes, workdir: Path, name: str = "file.xlsx") -> dict:
    """Import ``data`` (as the operator, warnings accepted) into a fresh database in a child
    process; returns its status, the import's seconds and the child's peak resident memory in
    bytes (the whole process: interpreter, libraries and the import)."""
    path = workdir / name
    path.write_bytes(data)
    db = workdir / f"{path.stem}.duckdb"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(db)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def hostile_bench(workdir: Path) -> list[tuple[str, str]]:
    """The dense-workbook figures (see the module docstring)."""
    from jxtrack.ingest.reader import MAX_CELLS, MAX_SHARED_STRINGS

    out = []
    rows = MAX_CELLS // 5 - 1
    for label, name, make in (
            ("hostile dense workbook, 49 000 × 100 cells", "dense.xlsx", lambda: dense_workbook(49_000, 100)),
            ("hostile shared strings, 7 250 000 <si> entries", "strings.xlsx",
             lambda: shared_strings_workbook(7_250_000)),
            ("hostile sheet part named sheet1.dat, 25 000 × 100 cells", "dat.xlsx",
             lambda: renamed_sheet_workbook(25_000, 100)),
            (f"shared strings at the limit, {MAX_SHARED_STRINGS:,} <si> entries (read, then no data)",
             "strings_max.xlsx", lambda: shared_strings_workbook(MAX_SHARED_STRINGS)),
            (f"history workbook at the cell limit, {rows:,} rows × 5 columns", "history_max.xlsx",
             lambda: history_workbook(rows))):
        data = make()
        r = import_in_child(data, workdir, name)
        ok = r["seconds"] <= 10 and r["peak"] <= 1 << 30
        out.append((f"import: {label}, {len(data) / 1048576:.1f} MB (goal ≤ 10 s and ≤ 1 GB)",
                    f"{r['status']} {','.join(r['codes'])} in {r['seconds']:.2f} s, peak memory "
                    f"{r['peak'] / 1048576:.0f} MB (whole process) {'✓' if ok else '✗'}"))
    return out


def run_bench() -> list[tuple[str, str]]:
    from jxtrack.ingest.monthly import matcher, parse
    from jxtrack.services.importing import commit_import

    out: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="jxtrack-bench-") as d:
        store = Store(Path(d) / "bench.duckdb")
        setup_db.init(store, lookup.catalog())
        lookup.catalog()
        m = matcher(lookup.catalog())
        # warm-up: imports, catalog matcher, first connection
        warm, *files = _demo_sheets(store, "嘉善县", [f"2025-{mo:02d}" for mo in range(2, 10)])
        assert commit_import(store, warm, "warm.xlsx", OPERATOR).status == "accepted"
        it = iter(files)
        results = []
        t_one = _median_time(lambda: results.append(commit_import(store, next(it), "t.xlsx", OPERATOR)), 7)
        accepted = sum(r.status == "accepted" for r in results)
        out.append((f"import: one-county monthly sheet, end to end (goal ≤ 0.3 s; {accepted} of {len(results)} "
                    "accepted, figures written)", f"{t_one:.3f} s"))

        hist = history_workbook(20000)
        t = time.perf_counter()
        res = commit_import(store, hist, "history.xlsx", OPERATOR, accept_warnings=True)
        t_hist = time.perf_counter() - t
        out.append((f"import: 20 000-row history workbook (goal ≤ 10 s; {res.status}, {len(res.values)} values)",
                    f"{t_hist:.2f} s"))

        def bare():
            wb = openpyxl.load_workbook(io.BytesIO(hist), data_only=True)
            for ws in wb.worksheets:
                for _row in ws.iter_rows(values_only=True):
                    pass

        t_bare = _median_time(bare, 3)
        t_parse = _median_time(lambda: parse(hist, m), 3)
        out.append(("parse 20 000-row workbook: ours vs bare openpyxl read (goal ≤ 2×)",
                    f"{t_parse:.2f} s vs {t_bare:.2f} s = {t_parse / t_bare:.2f}×"))
        one = files[0]

        def bare_one():
            wb = openpyxl.load_workbook(io.BytesIO(one), data_only=True)
            for ws in wb.worksheets:
                for _row in ws.iter_rows(values_only=True):
                    pass

        t_b1 = _median_time(bare_one, 7)
        t_p1 = _median_time(lambda: parse(one, m), 7)
        out.append(("parse one-county sheet: ours vs bare openpyxl read",
                    f"{t_p1 * 1000:.0f} ms vs {t_b1 * 1000:.0f} ms = {t_p1 / t_b1:.2f}×"))
        out += hostile_bench(Path(d))
    return out


if __name__ == "__main__":
    for label, figure in run_bench():
        print(f"{label:80} {figure}")
