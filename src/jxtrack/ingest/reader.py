"""Bytes in -> sheets of cell values.  The format is told from the bytes, never the file name.

Safety first, before any parser sees the file: the size of the file and of its decompressed
contents is limited (zip bombs), XML parts that declare a DTD or entities are refused (openpyxl also
parses through defusedxml), macro-bearing workbooks are refused, and whatever a damaged file makes
the third-party parsers raise is turned into one clear Chinese refusal (``FileRefused``).
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from .problems import FileRefused, problem

MAX_FILE_BYTES = 20 * 1024 * 1024          # an uploaded file
MAX_UNPACKED_BYTES = 200 * 1024 * 1024     # all parts of an .xlsx, decompressed
MAX_RATIO = 200                            # decompressed / compressed, per part over 1 MB
MAX_PARTS = 5000
MAX_CELLS = 5_000_000

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


def _refuse(code: str, message: str, value: Any = None) -> FileRefused:
    return FileRefused(problem(code, message, value=value))


def read_workbook(data: bytes, *, max_bytes: int | None = None,
                  max_unpacked: int | None = None) -> Workbook:
    """Read any supported spreadsheet; raise FileRefused with a Chinese message otherwise.
    The limits default to the module's MAX_FILE_BYTES and MAX_UNPACKED_BYTES."""
    max_bytes = MAX_FILE_BYTES if max_bytes is None else max_bytes
    max_unpacked = MAX_UNPACKED_BYTES if max_unpacked is None else max_unpacked
    if len(data) > max_bytes:
        raise _refuse("file_too_large",
                      f"文件有 {len(data) / 1048576:.1f} MB，超过上限 {max_bytes / 1048576:.0f} MB。"
                      "月报通常只有几十 KB，请检查是否选错了文件，或删去无关的工作表和图片后再上传。")
    if not data.strip():
        raise _refuse("empty_file", "文件是空的（0 字节或只有空白）。请确认保存后再上传。")
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
        raise _refuse("corrupt_file", "文件已损坏或不完整（可能下载或复制时中断），无法打开。"
                      "请在 Excel/WPS 中重新打开并另存为 .xlsx 后再上传。", str(exc)) from None
    names = {i.filename for i in infos}
    lower = {n.lower() for n in names}
    if len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > max_unpacked or any(
        i.file_size > 1_048_576 and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos
    ):
        raise _refuse("file_too_large", "文件解压后的内容过大（超过安全上限），疑似异常文件，已拒绝。"
                      "请只保留需要填报的工作表，另存为新的 .xlsx 后再上传。")
    if any(i.flag_bits & 0x1 for i in infos):
        raise _refuse("encrypted_file", "文件设置了密码（已加密），无法读取。请取消密码保护后另存再上传。")
    if any(n.endswith("vbaproject.bin") or "/macrosheets/" in n or n.endswith(".bin") and "vba" in n
           for n in lower):
        raise _refuse("macro_file", "文件含有宏（VBA），出于安全考虑不予接收。请在 Excel 中另存为"
                      "“Excel 工作簿（*.xlsx）”（不含宏）后再上传。")
    if "xl/workbook.xml" not in lower:
        if "word/document.xml" in lower:
            what = "Word 文档"
        elif "ppt/presentation.xml" in lower:
            what = "PowerPoint 文件"
        elif "mimetype" in lower or "content.xml" in lower:
            what = "OpenDocument（.ods/.odt）文件"
        else:
            what = "压缩包"
        raise _refuse("unsupported_format", f"这是{what}，不是 Excel 表格（尽管文件名可能是 .xlsx）。"
                      "请上传 .xlsx、.xls 或 .csv 格式的报表。")
    has_formulas = False
    try:
        for info in infos:
            n = info.filename.lower()
            if not (n.endswith(".xml") or n.endswith(".rels")):
                continue
            with zf.open(info) as f:
                head = f.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise _refuse("unsafe_xml", "文件内部含有不安全的 XML 声明（DTD/实体），已拒绝。"
                                  "请在 Excel 中打开后另存为新的 .xlsx 再上传。")
                if n.startswith("xl/worksheets/") and not has_formulas:
                    # decompress the sheet to find formulas; real sizes are bounded by the checks above
                    body = head + f.read()
                    has_formulas = b"<f>" in body or b"<f " in body or b":f>" in body
    except _ZIP_ERRORS as exc:
        raise _refuse("corrupt_file", "文件已损坏或不完整（压缩数据校验失败），无法打开。"
                      "请在 Excel/WPS 中重新打开并另存为 .xlsx 后再上传。", str(exc)) from None
    import openpyxl

    wb = _guarded(lambda: openpyxl.load_workbook(io.BytesIO(data), data_only=True, keep_links=False))
    sheets = []
    for ws in wb.worksheets:
        sheets.append(_openpyxl_sheet(ws))
    if has_formulas:
        wbf = _guarded(lambda: openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_links=False))
        for sheet, ws in zip(sheets, wbf.worksheets, strict=False):
            for r, row in enumerate(ws.iter_rows()):
                for c, cell in enumerate(row):
                    if cell.data_type == "f" and (
                        r >= len(sheet.rows) or c >= len(sheet.rows[r]) or sheet.rows[r][c] is None
                    ):
                        sheet.formulas_without_value.add((r, c))
    return Workbook("xlsx", sheets)


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
        raise _refuse("unsafe_xml", "文件内部含有不安全的 XML 声明（DTD/实体），已拒绝。"
                      "请在 Excel 中打开后另存为新的 .xlsx 再上传。") from None
    except MemoryError:
        raise _refuse("file_too_large", "文件内容过大，无法读取。") from None
    except Exception as exc:  # noqa: BLE001 - see docstring: parser boundary for untrusted input
        raise _refuse("corrupt_file", "文件已损坏、不完整或内容不是有效的表格，无法读取。"
                      "请在 Excel/WPS 中重新打开，另存为 .xlsx 后再上传。",
                      f"{type(exc).__name__}: {exc}"[:120]) from None


def _openpyxl_sheet(ws) -> Sheet:
    rows: list[list[Any]] = []
    percent: set[tuple[int, int]] = set()
    n = 0
    for r, row in enumerate(ws.iter_rows()):
        vals = []
        for c, cell in enumerate(row):
            v = cell.value
            if v is not None and type(v) in (int, float) and "%" in cell.number_format:
                percent.add((r, c))
            vals.append(v)
        n += len(vals)
        if n > MAX_CELLS:
            raise _refuse("file_too_large", f"工作表“{ws.title}”的单元格超过 {MAX_CELLS:,} 个，超过上限。")
        rows.append(vals)
    merged = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
    return Sheet(ws.title, rows, ws.sheet_state != "visible", merged, set(), percent)


# ---- .xls (Excel 97-2003, WPS .et) ---------------------------------------------------------------
def _read_ole(data: bytes) -> Workbook:
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise _refuse("encrypted_file", "文件设置了密码（已加密），无法读取。请取消密码保护后另存再上传。")
    if "_VBA_PROJECT".encode("utf-16-le") in data or "_VBA_PROJECT_CUR".encode("utf-16-le") in data:
        raise _refuse("macro_file", "文件含有宏（VBA），出于安全考虑不予接收。请另存为不含宏的"
                      " .xlsx 或 .xls 后再上传。")
    if "WordDocument".encode("utf-16-le") in data:
        raise _refuse("unsupported_format", "这是 Word 文档，不是 Excel 表格。请上传 .xlsx、.xls 或 .csv 格式的报表。")
    import xlrd

    book = _guarded(lambda: xlrd.open_workbook(
        file_contents=data, formatting_info=True, logfile=io.StringIO(), verbosity=0))
    return Workbook("xls", _guarded(lambda: [_xlrd_sheet(book, s) for s in book.sheets()]))


def _xlrd_sheet(book, sh) -> Sheet:
    import xlrd

    if sh.nrows * max(sh.ncols, 1) > MAX_CELLS:
        raise _refuse("file_too_large", f"工作表“{sh.name}”的单元格超过 {MAX_CELLS:,} 个，超过上限。")
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
        raise _refuse("unsupported_format", "这是 PDF 文件，不是表格。请上传 .xlsx、.xls 或 .csv 格式的报表。")
    if b"\x00" in data[:4096] and not (data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff")):
        raise _refuse("unsupported_format", "无法识别的文件格式（不是 Excel 表格，也不是 CSV 文本）。"
                      "请上传 .xlsx、.xls 或 .csv 格式的报表。")
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
        raise _refuse("corrupt_file", "文件既不是 Excel 表格，也不是可读的文本（CSV），可能已损坏。"
                      "请上传 .xlsx、.xls 或 .csv 格式的报表。")
    low = text.lstrip()[:200].lower()
    if low.startswith("<"):
        raise _refuse("unsupported_format", "这是网页（HTML/XML）格式的文件，只是名字像 Excel。"
                      "请用 Excel/WPS 打开后“另存为” .xlsx 再上传。")
    if sum(1 for ch in text[:4096] if ch < " " and ch not in "\r\n\t") > 8:
        raise _refuse("corrupt_file", "文件含有大量不可读字符，既不是 Excel 表格也不是 CSV 文本，可能已损坏。"
                      "请上传 .xlsx、.xls 或 .csv 格式的报表。")
    sample = text[:4096]
    delim = max([",", "\t", ";", "，"], key=sample.count) if sample else ","
    try:
        rows = [[c if c.strip() else None for c in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
    except csv.Error as exc:
        raise _refuse("corrupt_file", "CSV 文件格式有误（引号不成对等），无法读取。请用 Excel 另存为 .xlsx 后再上传。",
                      str(exc)) from None
    if sum(len(r) for r in rows) > MAX_CELLS:
        raise _refuse("file_too_large", f"CSV 的单元格超过 {MAX_CELLS:,} 个，超过上限。")
    return Workbook("csv", [Sheet("CSV", rows)])
