"""Bytes in -> sheets of cell values.  The format is told from the bytes, never the file name.

Safety first, before any parser sees the file: the size of the file and of its decompressed
contents is limited (zip bombs), XML parts that declare a DTD or entities are refused (openpyxl also
parses through defusedxml), macro-bearing workbooks are refused, and whatever a damaged file makes
the third-party parsers raise is turned into one clear Chinese refusal (``FileRefused``).

Memory bombs: a small file can describe millions of cells (a 4 MB .xlsx held 4.9 million, which
openpyxl turns into 3.6 GB).  So the cells are counted *before* any parser builds them -- the sheet
XML is streamed in chunks and its cell, merge and hyperlink elements counted (.xlsx), the BIFF cell
records walked (.xls), the CSV rows counted as they are read -- and a file over ``MAX_CELLS``
filled cells, or a sheet spanning over ``MAX_GRID`` rows x columns, is refused at once.  Within
those limits any file is read in a few seconds and well under 1 GB (``make bench`` measures it).
"""

from __future__ import annotations

import csv
import io
import logging
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from jxtrack.domain.problems import FileRefused, problem

log = logging.getLogger("jxtrack.ingest")

MAX_FILE_BYTES = 20 * 1024 * 1024          # an uploaded file
MAX_UNPACKED_BYTES = 200 * 1024 * 1024     # all parts of an .xlsx, decompressed
MAX_RATIO = 200                            # decompressed / compressed, per part over 1 MB
MAX_PARTS = 5000
# filled cells in one file: openpyxl costs ~13 us and ~0.3 KB per cell, and validation as much
# again, so a workbook at the limit imports in ~3 s on a quiet machine and under 10 s on a busy
# one (make bench) -- with room for the 20 000-row x 5-column history workbook (100 005 cells).
MAX_CELLS = 120_000
# rows x columns one sheet spans (from A1 to its last cell): the grid the layout analysis walks
MAX_GRID = 1_000_000
_XLSX_MAX_ROW, _XLSX_MAX_COL = 1_048_576, 16_384

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
META_SHEET = "_jxtrack"
# what Python's zipfile can raise on a damaged archive (bad headers, CRC, deflate stream, sizes)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, OSError, EOFError,
               ValueError, KeyError, IndexError, RuntimeError, NotImplementedError)  # hidden sheet the template writes; see template.py


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]                                   # 0-based grid of values (None = empty)
    hidden: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 inclusive
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    percent_cells: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Workbook:
    format: str  # xlsx | xls | csv
    sheets: list[Sheet]

    def meta(self) -> dict[str, tuple[str, str]]:
        """Key -> (value, A1 cell) from the template's hidden metadata sheet, if any."""
        for s in self.sheets:
            if s.name == META_SHEET:
                out = {}
                for i, row in enumerate(s.rows):
                    if len(row) >= 2 and isinstance(row[0], str) and row[1] is not None:
                        out[row[0].strip()] = (str(row[1]).strip(), f"B{i + 1}")
                return out
        return {}


def _refuse(code: str, message: str | None = None, value: Any = None, *, variant: str | None = None,
            **fields: Any) -> FileRefused:
    """A refusal of the whole file; without ``message`` the registry's template (or its variant),
    filled with ``fields``."""
    return FileRefused(problem(code, message, value=value, variant=variant, **fields))


def _cause(exc: BaseException) -> None:
    """A parser's own words for a damaged file (English: "Bad CRC-32 for file ...", "ValueError:
    Unable to read workbook ...") are for the log, not for the reporter: the refusal says in
    Chinese what is wrong and what to do, and quotes nothing of it (the value shown is empty)."""
    log.info("file refused, the parser said: %s: %s", type(exc).__name__, str(exc)[:300])


def read_workbook(data: bytes, *, max_bytes: int | None = None,
                  max_unpacked: int | None = None) -> Workbook:
    """Read any supported spreadsheet; raise FileRefused with a Chinese message otherwise.
    The limits default to the module's MAX_FILE_BYTES and MAX_UNPACKED_BYTES."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    max_unpacked = MAX_UNPACKED_BYTES if max_unpacked is None else max_unpacked
    if len(data) > max_bytes:
        raise _refuse("file_too_large", variant="file_size", size=len(data) / 1048576, limit=max_bytes / 1048576)
    if not data.strip():
        raise _refuse("empty_file")
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, max_unpacked)
    if data.startswith(OLE_MAGIC):
        return _read_ole(data)
    return _read_text(data)


# ---- .xlsx ---------------------------------------------------------------------------------------
def _read_xlsx(data: bytes, max_unpacked: int) -> Workbook:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except _ZIP_ERRORS as exc:
        raise _refuse("corrupt_file", value=_cause(exc), variant="damaged", why="可能下载或复制时中断") from None
    by_name = {i.filename.lower(): i for i in infos}
    lower = set(by_name)
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > max_unpacked or any(
        i.file_size > 1_048_576 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos
    ):
        raise _refuse("file_too_large", variant="unpacked")
    if any(i.flag_bits & 0x1 for i in infos):
        raise _refuse("encrypted_file")
    if any(n.endswith("vbaproject.bin") or "/macrosheets/" in n or n.endswith(".bin") and "vba" in n
           for n in lower):
        raise _refuse("macro_file", save_as="“Excel 工作簿（*.xlsx）”")
    try:
        pkg = _package(zf, by_name)
    except _ZIP_ERRORS as exc:
        raise _refuse("corrupt_file", value=_cause(exc), variant="damaged", why="压缩数据校验失败") from None
    if not pkg.workbook & lower:
        if "word/document.xml" in lower:
            what = "Word 文档"
        elif "ppt/presentation.xml" in lower:
            what = "PowerPoint 文件"
        elif "mimetype" in lower or "content.xml" in lower:
            what = "OpenDocument（.ods/.odt）文件"
        elif "xl/workbook.bin" in lower:
            raise _refuse("unsupported_format", variant="xlsb")
        else:
            what = "压缩包"
        raise _refuse("unsupported_format", variant="not_a_workbook", what=what)
    try:
        has_formulas = _check_parts(zf, infos, pkg, by_name)
    except _ZIP_ERRORS as exc:
        raise _refuse("corrupt_file", value=_cause(exc), variant="damaged", why="压缩数据校验失败") from None
    import openpyxl

    wb = _guarded(lambda: openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False))
    sheets = []
    for ws in wb.worksheets:
        sheets.append(_openpyxl_sheet(ws))
    if has_formulas:
        wbf = _guarded(lambda: openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False))
        for sheet, ws in zip(sheets, wbf.worksheets, strict=False):
            for (r1, c1), cell in ws._cells.items():  # noqa: SLF001 - see _openpyxl_sheet
                r, c = r1 - 1, c1 - 1
                if cell.data_type == "f" and (
                    r >= len(sheet.rows) or c >= len(sheet.rows[r]) or sheet.rows[r][c] is None
                ):
                    sheet.formulas_without_value.add((r, c))
    return Workbook("xlsx", sheets)


# the elements of a sheet that make openpyxl build cells: rows and cells (placed as openpyxl places
# them), merged ranges and hyperlink ranges (a cell object for every position they cover); and
# formulas.  Any namespace prefix.
_XML_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c|f|mergeCell|hyperlink|comment)(?=[\s/>])([^>]*)>")
# every other element of a sheet becomes an object too (data validations, conditional formats, ...)
_OTHER_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?!(?:c|v|f|is|t|r|rPr|row|sheetData|mergeCell|hyperlink|"
                        rb"b|i|u|strike|sz|color|rFont|family|charset|scheme|vertAlign|outline|shadow|condense|"
                        rb"extend)[\s/>])[A-Za-z_]")
_ATTR_R = re.compile(rb"(?:^|\s)r\s*=\s*[\"']([^\"']*)[\"']")
_ATTR_REF = re.compile(rb"(?:^|\s)ref\s*=\s*[\"']([^\"']*)[\"']")
_A1 = re.compile(rb"^\$?([A-Za-z]{0,3})\$?(\d{0,7})$")
_SCAN_CHUNK = 1 << 20


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _a1(ref: bytes) -> tuple[int, int] | None:
    """'B12' -> (12, 2); a missing row or column (as in 'A:A' or '3:3') means the sheet's edge."""
    m = _A1.match(ref.strip())
    if m is None or not (m.group(1) or m.group(2)):
        return None
    row = int(m.group(2)) if m.group(2) else _XLSX_MAX_ROW
    col = _col_number(m.group(1)) if m.group(1) else _XLSX_MAX_COL
    return row, col


class _SheetScan:
    """Where openpyxl will put this sheet's cells, and how many it will build, from the raw XML."""

    def __init__(self) -> None:
        self.row = self.col = 0              # openpyxl's row and column counters
        self.cells = 0                       # cell elements
        self.covered = 0                     # positions covered by merged / hyperlink ranges
        self.max_row = self.max_col = 0
        self.formulas = False
        self.other = 0                       # elements that are not cells, rows or their contents

    def feed(self, text: bytes) -> None:
        self.other += len(_OTHER_TAG.findall(text))
        for m in _XML_TAG.finditer(text):
            tag, attrs = m.group(1), m.group(2)
            if tag == b"c":
                self.cells += 1
                r = _ATTR_R.search(attrs)
                pos = _a1(r.group(1)) if r else None
                if pos is not None:
                    row, self.col = pos
                else:
                    self.col += 1
                    row = self.row
                self.max_row = max(self.max_row, row)
                self.max_col = max(self.max_col, self.col)
            elif tag == b"row":
                r = _ATTR_R.search(attrs)
                self.row = int(r.group(1)) if r and r.group(1).strip().isdigit() else self.row + 1
                self.col = 0
            elif tag == b"f":
                self.formulas = True
            else:  # mergeCell, hyperlink, comment (openpyxl builds the cell a comment is on)
                ref = _ATTR_REF.search(attrs)
                if ref is None:
                    continue
                ends = [_a1(p) for p in ref.group(1).split(b":")[:2]]
                if any(e is None for e in ends):
                    continue
                (r0, c0), (r1, c1) = ends[0], ends[-1]
                self.covered += (abs(r1 - r0) + 1) * (abs(c1 - c0) + 1)
                self.max_row = max(self.max_row, r0, r1)
                self.max_col = max(self.max_col, c0, c1)

    @property
    def grid(self) -> int:
        return self.max_row * self.max_col


# ---- what openpyxl will load, found as openpyxl finds it -----------------------------------------
# [Content_Types].xml names the workbook part and the shared-string part; the workbook's
# relationships name every sheet part (openpyxl builds whatever a <sheet> points at as a worksheet,
# whatever the part is called: sheet1.dat as well as sheet1.xml).  Matching is case-insensitive
# and lenient (any namespace prefix, attributes in any order): the guard finds at least what the
# parser finds.
_CT_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_WORKBOOK_TYPES = frozenset({
    _CT_MAIN + "sheet.main+xml", _CT_MAIN + "template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml", "application/vnd.ms-excel.template.macroEnabled.main+xml"})
_SHEET_TYPES = frozenset({_CT_MAIN + "worksheet+xml", _CT_MAIN + "chartsheet+xml", _CT_MAIN + "dialogsheet+xml"})
_SHARED_STRINGS_TYPE = _CT_MAIN + "sharedStrings+xml"
_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(Default|Override|Relationship|sheet)(?=[\s/>])([^>]*)>")
_ATTR = re.compile(rb"(?:^|\s)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")

# shared strings (<si> entries): openpyxl builds a Text object for each (15-75 us an entry; 7.25 million
# in a 19 MB file cost 1.15 GB and 90 s), so 50 000 of them take 1-4 s.  A monthly report has a few
# hundred, the history workbook at the cell limit a few dozen distinct texts, a project ledger of
# 5 000 projects some 30 000.
MAX_SHARED_STRINGS = 50_000
MAX_SHARED_STRING_BYTES = 16 * 1024 * 1024    # the shared-string part, decompressed
MAX_SHARED_STRING_ELEMENTS = 5 * MAX_SHARED_STRINGS  # rich-text runs and their fonts are objects too
# elements of a sheet other than its cells and rows (conditional formats, data validations, columns,
# ...): openpyxl builds an object for each; a bloated real sheet has a few thousand
MAX_SHEET_OTHER_ELEMENTS = 50_000
# every other XML part openpyxl parses whole into a tree (workbook, styles, comments, drawings,
# charts, tables, pivot caches, relationships): each and all together.  The costliest is styles.xml:
# 6 MB of cell formats (60 000) took openpyxl 6.6 s and 290 MB.
MAX_TREE_PART_BYTES = 4 * 1024 * 1024
MAX_TREE_BYTES = 12 * 1024 * 1024


@dataclass
class _Package:
    workbook: set[str]                    # the workbook part(s), lower case
    sheets: dict[str, str]                # sheet part -> sheet name (from the workbook's relationships)
    shared_strings: set[str]              # the shared-string part(s)
    chartsheets: set[str]                 # sheet parts openpyxl parses whole, not streamed


def _attrs(text: bytes) -> dict[str, str]:
    out = {}
    for m in _ATTR.finditer(text):
        v = m.group(2) if m.group(2) is not None else m.group(3)
        out[m.group(1).decode("ascii", "replace").lower()] = v.decode("utf-8", "replace")
    return out


def _elements(data: bytes, tag: bytes) -> list[dict[str, str]]:
    return [_attrs(m.group(2)) for m in _ELEMENT.finditer(data) if m.group(1) == tag]


def _part(name: str) -> str:
    return name.lstrip("/").lower()


def _read_small(zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], name: str) -> bytes:
    """A part read whole -- only ever one of the small parts bounded by MAX_TREE_PART_BYTES."""
    info = by_name.get(_part(name))
    if info is None:
        return b""
    with zf.open(info) as f:
        return f.read(MAX_TREE_PART_BYTES + 1)


def _package(zf: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo]) -> _Package:
    types = _read_small(zf, by_name, "[Content_Types].xml")
    overrides = [(_part(a.get("partname", "")), a.get("contenttype", "")) for a in _elements(types, b"Override")]
    defaults = {a.get("contenttype", "") for a in _elements(types, b"Default")}
    workbook = {p for p, t in overrides if t in _WORKBOOK_TYPES}
    if not workbook and defaults & _WORKBOOK_TYPES or "xl/workbook.xml" in by_name:
        workbook.add("xl/workbook.xml")
    shared = {p for p, t in overrides if t == _SHARED_STRINGS_TYPE}
    sheets: dict[str, str] = {p: "" for p, t in overrides if t in _SHEET_TYPES}
    chartsheets: set[str] = set()
    for wb in sorted(workbook):
        folder, base = wb.rsplit("/", 1) if "/" in wb else ("", wb)
        rels, chart = {}, set()
        for a in _elements(_read_small(zf, by_name, f"{folder}/_rels/{base}.rels".lstrip("/")), b"Relationship"):
            target = a.get("target", "")
            if a.get("targetmode", "").lower() == "external" or not target:
                continue
            # resolved as openpyxl resolves it: absolute, or relative to the workbook's folder
            part = _part(target) if target.startswith("/") else _part(posixpath.normpath(posixpath.join(folder, target)))
            rels[a.get("id", "")] = part
            if "chartsheet" in a.get("type", ""):   # openpyxl's test
                chart.add(part)
            if a.get("type", "").endswith("/sharedStrings"):
                shared.add(part)
        for a in _elements(_read_small(zf, by_name, wb), b"sheet"):
            part = rels.get(a.get("id", ""))
            if part:
                sheets[part] = a.get("name", "")
                if part in chart:
                    chartsheets.add(part)
    return _Package(workbook, sheets, shared, chartsheets)


def _check_parts(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], pkg: _Package,
                 by_name: dict[str, zipfile.ZipInfo]) -> bool:
    """Bound, in streaming reads, everything openpyxl will build before it builds any of it:

    * the shared-string part: its ``<si>`` entries and its bytes (``MAX_SHARED_STRINGS``,
      ``MAX_SHARED_STRING_BYTES``), read up to the byte budget and no further;
    * every other XML part, which openpyxl parses whole into a tree: each at most
      ``MAX_TREE_PART_BYTES``, all together ``MAX_TREE_BYTES`` -- except the sheet parts, which
      openpyxl streams;
    * the cells: every part is scanned (the sheet parts found through the workbook's relationships
      and [Content_Types], and every other part too, whatever its name: a part counted needlessly
      costs a regex pass, a sheet missed is a memory bomb), see _scan_cells; in the sheet parts,
      the other elements too (``MAX_SHEET_OTHER_ELEMENTS``).

    Returns whether any sheet has formulas."""
    for info in infos:
        name = info.filename.lower()
        if not (name.endswith((".xml", ".rels")) or name in pkg.sheets or name in pkg.shared_strings):
            continue
        with zf.open(info) as f:
            head = f.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise _refuse("unsafe_xml")
    for part in sorted(pkg.shared_strings):
        if part in by_name:
            _scan_shared_strings(zf, by_name[part])
    tree = 0
    for info in infos:
        name = info.filename.lower()
        streamed = name in pkg.sheets and name not in pkg.chartsheets or name in pkg.shared_strings
        if streamed or not _looks_like_xml(zf, info):
            continue
        tree += info.file_size
        if info.file_size > MAX_TREE_PART_BYTES or tree > MAX_TREE_BYTES:
            raise _refuse("file_too_large", variant="part", part=info.filename, size=info.file_size / 1048576,
                          together="" if info.file_size > MAX_TREE_PART_BYTES else "（与其他部分合计超过上限）",
                          part_limit=MAX_TREE_PART_BYTES // 1048576, total_limit=MAX_TREE_BYTES // 1048576)
    return _scan_cells(zf, infos, pkg)


def _looks_like_xml(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part could be parsed as XML (text starting with '<'); images and other binary
    parts are not parsed, whatever the relationships call them."""
    if info.file_size == 0:
        return False
    with zf.open(info) as f:
        head = f.read(64)
    return head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<")


_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si(?=[\s/>])")
_START_TAG = re.compile(rb"<[A-Za-z_]")


def _scan_shared_strings(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Count the ``<si>`` entries of the shared-string part in chunks; refuse past the limits,
    reading at most ``MAX_SHARED_STRING_BYTES`` (+ one chunk) of it."""
    n = size = elements = 0
    tail = b""
    with zf.open(info) as f:
        while True:
            chunk = f.read(_SCAN_CHUNK)
            size += len(chunk)
            if size > MAX_SHARED_STRING_BYTES:
                raise _refuse("file_too_large", variant="shared_bytes", limit=MAX_SHARED_STRING_BYTES // 1048576)
            buf = tail + chunk
            # whole tags end before the last '<' (a tag never contains '<'); the rest waits for the next chunk
            cut = buf.rfind(b"<") if chunk else len(buf)
            cut = len(buf) if cut < 0 or len(buf) - cut > _SCAN_CHUNK else cut
            n += len(_SI.findall(buf, 0, cut))
            elements += len(_START_TAG.findall(buf, 0, cut))
            tail = buf[cut:]
            if elements > MAX_SHARED_STRING_ELEMENTS:
                raise _refuse("file_too_large", variant="shared_runs", limit=MAX_SHARED_STRING_ELEMENTS)
            if n > MAX_SHARED_STRINGS:
                raise _refuse("file_too_large", variant="shared_count", limit=MAX_SHARED_STRINGS)
            if not chunk:
                return


def _scan_cells(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], pkg: _Package) -> bool:
    """Count, in bounded memory, the cells the parts will make openpyxl build; refuse the file past
    ``MAX_CELLS`` (all sheets) or ``MAX_GRID`` (one sheet) before any is built.  Returns whether
    any sheet has formulas."""
    total, formulas = 0, False
    for info in infos:
        scan = _SheetScan()
        is_sheet = info.filename.lower() in pkg.sheets
        tail = b""
        with zf.open(info) as f:
            while True:
                chunk = f.read(_SCAN_CHUNK)
                if not chunk:
                    scan.feed(tail)
                    break
                buf = tail + chunk
                # a tag never contains '<', so everything before the last '<' is whole tags
                cut = buf.rfind(b"<")
                cut = len(buf) if cut < 0 or len(buf) - cut > _SCAN_CHUNK else cut
                scan.feed(buf[:cut])
                tail = buf[cut:]
                if total + scan.cells + scan.covered > MAX_CELLS or scan.grid > MAX_GRID or (
                        is_sheet and scan.other > MAX_SHEET_OTHER_ELEMENTS):
                    break
        formulas = formulas or scan.formulas
        if is_sheet and scan.other > MAX_SHEET_OTHER_ELEMENTS:
            sheet = pkg.sheets.get(info.filename.lower())
            raise _refuse("file_too_large", variant="other_content", where=f"工作表“{sheet}”" if sheet else "文件",
                          limit=MAX_SHEET_OTHER_ELEMENTS)
        if total + scan.cells + scan.covered > MAX_CELLS or scan.grid > MAX_GRID:
            sheet = pkg.sheets.get(info.filename.lower())
            where = f"工作表“{sheet}”" if sheet else "文件"
            if scan.grid > MAX_GRID:
                raise _refuse("file_too_large", variant="range", where=where, rows=scan.max_row, cols=scan.max_col, limit=MAX_GRID)
            raise _refuse("file_too_large", variant="cells", where=where, limit=MAX_CELLS)
        total += scan.cells + scan.covered
    return formulas


def _guarded(load):
    """Run a third-party parser over untrusted bytes.  A damaged file can make openpyxl/xlrd raise
    almost anything (KeyError, IndexError, TypeError, struct.error, ...); every such failure means
    'this file cannot be read', so it becomes one clear refusal here, at the parser boundary."""
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a pinned dependency
        DefusedXmlException = ()  # noqa: N806
    try:
        return load()
    except FileRefused:
        raise
    except DefusedXmlException:
        raise _refuse("unsafe_xml") from None
    except MemoryError:
        raise _refuse("file_too_large", variant="memory") from None
    except Exception as exc:  # noqa: BLE001 - see docstring: parser boundary for untrusted input
        raise _refuse("corrupt_file", value=_cause(exc), variant="invalid") from None


def _openpyxl_sheet(ws) -> Sheet:
    # The cells openpyxl built (ws._cells, private but stable in the pinned 3.1): ws.iter_rows()
    # would build a Cell object for every empty position of the sheet's rectangle as well.
    cells = ws._cells  # noqa: SLF001
    n_rows = max((r for r, _ in cells), default=0)
    n_cols = max((c for _, c in cells), default=0)
    if n_rows * n_cols > MAX_GRID:  # the scan already refused such a sheet; belt and braces
        raise _refuse("file_too_large", variant="sheet_range", sheet_name=ws.title, rows=n_rows, cols=n_cols)
    rows: list[list[Any]] = [[None] * n_cols for _ in range(n_rows)]
    percent: set[tuple[int, int]] = set()
    for (r1, c1), cell in cells.items():
        v = cell.value
        if v is None:
            continue
        rows[r1 - 1][c1 - 1] = v
        if type(v) in (int, float) and "%" in cell.number_format:
            percent.add((r1 - 1, c1 - 1))
    merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
    return Sheet(ws.title, rows, ws.sheet_state != "visible", merged, set(), percent)


# ---- .xls (Excel 97-2003, WPS .et) ---------------------------------------------------------------
def _read_ole(data: bytes) -> Workbook:
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise _refuse("encrypted_file")
    if "_VBA_PROJECT".encode("utf-16-le") in data or "_VBA_PROJECT_CUR".encode("utf-16-le") in data:
        raise _refuse("macro_file", save_as=" .xlsx 或 .xls ")
    if "WordDocument".encode("utf-16-le") in data:
        raise _refuse("unsupported_format", variant="word")
    import xlrd

    _scan_biff(data)
    book = _guarded(lambda: xlrd.open_workbook(
        file_contents=data, formatting_info=True, logfile=io.StringIO(), verbosity=0))
    return Workbook("xls", _guarded(lambda: [_xlrd_sheet(book, s) for s in book.sheets()]))


# BIFF8 cell records (row and column in their first four bytes): NUMBER, RK, LABELSST, LABEL,
# BLANK, BOOLERR, FORMULA, RSTRING; and the multi-cell records MULRK and MULBLANK (last column in
# their last two bytes).  BOF starts each sheet's substream.
_BIFF_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0201, 0x0205, 0x0006, 0x00D6})
_BIFF_MULTI = frozenset({0x00BD, 0x00BE})
_BIFF_BOF = 0x0809


def _scan_biff(data: bytes) -> None:
    """Walk the .xls record stream and count its cells before xlrd builds them (xlrd pads every
    row to the widest one, so a sheet's rows x columns count as well).  Refuses past the limits."""
    from xlrd import compdoc

    cd = _guarded(lambda: compdoc.CompDoc(data, logfile=io.StringIO()))
    mem = None
    for qname in ("Workbook", "Book"):
        mem, base, length = _guarded(lambda q=qname: cd.locate_named_stream(q))
        if mem:
            break
    if not mem:
        return  # xlrd refuses the file with its own error, turned into a refusal by _guarded
    pos, end = base, min(base + length, len(mem))
    total = max_row = max_col = 0
    while pos + 4 <= end:
        rc, size = struct.unpack_from("<HH", mem, pos)
        body, pos = pos + 4, pos + 4 + size
        if rc == _BIFF_BOF:
            max_row = max_col = 0
            continue
        if rc in _BIFF_CELLS and size >= 4 and body + 4 <= end:
            row, col = struct.unpack_from("<HH", mem, body)
            total += 1
        elif rc in _BIFF_MULTI and size >= 6 and body + size <= end:
            row, first = struct.unpack_from("<HH", mem, body)
            (col,) = struct.unpack_from("<H", mem, body + size - 2)
            total += max(col - first + 1, 0)
        else:
            continue
        max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
        if total > MAX_CELLS or max_row * max_col > MAX_GRID:
            raise _refuse("file_too_large", variant="old_format_cells", limit=MAX_CELLS, grid=MAX_GRID)


def _xlrd_sheet(book, sh) -> Sheet:
    import xlrd

    if sh.nrows * max(sh.ncols, 1) > MAX_GRID:  # _scan_biff refused such a sheet; belt and braces
        raise _refuse("file_too_large", variant="sheet_grid", sheet_name=sh.name, limit=MAX_GRID)
    rows: list[list[Any]] = []
    percent: set[tuple[int, int]] = set()
    for r in range(sh.nrows):
        vals: list[Any] = []
        for c in range(sh.ncols):
            cell = sh.cell(r, c)
            t = cell.ctype
            if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                vals.append(None)
            elif t == xlrd.XL_CELL_NUMBER:
                vals.append(cell.value)
                fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key) if book.xf_list else None
                if fmt is not None and "%" in fmt.format_str:
                    percent.add((r, c))
            elif t == xlrd.XL_CELL_DATE:
                try:
                    vals.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    vals.append(cell.value)
            elif t == xlrd.XL_CELL_BOOLEAN:
                vals.append(bool(cell.value))
            elif t == xlrd.XL_CELL_ERROR:
                vals.append(xlrd.error_text_from_code.get(cell.value, "#ERROR"))
            else:
                vals.append(cell.value)
        rows.append(vals)
    merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
    return Sheet(sh.name, rows, sh.visibility != 0, merged, set(), percent)


# ---- .csv ----------------------------------------------------------------------------------------
def _read_text(data: bytes) -> Workbook:
    head = data[:8]
    if head.startswith(b"%PDF"):
        raise _refuse("unsupported_format", variant="pdf")
    if b"\x00" in data[:4096] and not (data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff")):
        raise _refuse("unsupported_format", variant="unknown")
    text = None
    for enc in ("utf-8-sig", "utf-16", "gb18030"):
        if enc == "utf-16" and not (data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff")):
            continue
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise _refuse("corrupt_file", variant="not_text")
    low = text.lstrip()[:200].lower()
    if low.startswith("<"):
        raise _refuse("unsupported_format", variant="html")
    if sum(1 for ch in text[:4096] if ch < " " and ch not in "\r\n\t") > 8:
        raise _refuse("corrupt_file", variant="unreadable_characters")
    sample = text[:4096]
    # the delimiter is the mark that separates the most lines; a full-width '，' is taken only where
    # no ASCII one does as well: Chinese names and numbers carry it ('（全口径，万元）', '４，１８６')
    lines = sample.splitlines()
    marks = [",", "\t", ";", "，"]
    delim = max(marks, key=lambda d: (sum(1 for ln in lines if d in ln), -marks.index(d))) if lines else ","
    rows: list[list[Any]] = []
    n = 0
    try:
        # counted as they are read: the file is refused at the first cell over the limit
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
            n += max(len(row), 1)
            if n > MAX_CELLS:
                raise _refuse("file_too_large", variant="csv_cells", limit=MAX_CELLS, row=len(rows) + 1)
            rows.append([c if c.strip() else None for c in row])
    except csv.Error as exc:
        raise _refuse("corrupt_file", value=_cause(exc), variant="csv") from None
    return Workbook("csv", [Sheet("CSV", rows)])
