"""Hostile files (issue 12, item 1; issue 20, item 2): memory bombs are refused from the counted
cells, shared strings and part sizes before any parser builds them -- every part the parser will
load is found through [Content_Types] and the relationships, whatever it is called -- and
`jxtrack import` refuses non-regular files at once and reads with a bound.
Each refusal is checked for its code and message and for nothing lost: the figures in force are
unchanged and the refused upload is on record."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlrd
import xlwt
from benchmarks.ingest import (
    DENSE_PARTS,
    dense_workbook,
    renamed_sheet_workbook,
    shared_strings_workbook,
    zip_parts,
)

from conftest import ADMIN
from jxtrack.cli import run as cli
from jxtrack.ingest import reader
from jxtrack.services.importing import commit_import

ROOT = Path(__file__).resolve().parents[2]
SHEET = "xl/worksheets/sheet1.xml"
HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def _with_sheet(body: bytes) -> bytes:
    """A one-sheet workbook whose sheet XML is ``HEAD + body + '</worksheet>'``."""
    src = zipfile.ZipFile(io.BytesIO(dense_workbook(1, 1)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = HEAD + body + b"</worksheet>" if info.filename == SHEET else src.read(info)
            out.writestr(info.filename, data)
    return buf.getvalue()


@pytest.fixture
def no_parser(monkeypatch):
    """Fail the test if openpyxl or xlrd is asked to build the file: the refusal must come first."""
    def boom(*a, **k):
        raise AssertionError("a parser built the cells of a file that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", boom)
    monkeypatch.setattr(xlrd, "open_workbook", boom)


def _refused(store, data: bytes, name: str):
    before = store.dump_tables(("observations", "users", "targets"))
    n_uploads = len(store.uploads())
    res = commit_import(store, data, name, ADMIN)
    assert res.status == "rejected"
    assert [p.code for p in res.errors] == ["file_too_large"]
    # nothing lost, nothing half-written: the figures are untouched, the refusal is on record
    assert store.dump_tables(("observations", "users", "targets")) == before
    ups = store.uploads()
    assert len(ups) == n_uploads + 1 and ups.iloc[0]["status"] == "rejected"
    assert ups.iloc[0]["file_hash"] == res.file_hash
    return res.errors[0]


def test_dense_workbook_over_the_cell_limit_is_refused_before_parsing(empty_store, no_parser):
    rows, cols = 301, 1000          # 301 000 filled cells > MAX_CELLS (120 000), a few hundred KB
    data = dense_workbook(rows, cols)
    assert len(data) < 1_000_000 and rows * cols > reader.MAX_CELLS
    p = _refused(empty_store, data, "dense.xlsx")
    assert "数据" in p.message and f"{reader.MAX_CELLS:,}" in p.message  # names the sheet and the limit


def test_dense_workbook_under_the_limit_is_read_whole():
    wb = reader.read_workbook(dense_workbook(50, 40))
    (sheet,) = wb.sheets
    assert len(sheet.rows) == 50 and {len(r) for r in sheet.rows} == {40}
    assert all(isinstance(v, int) and 0 <= v <= 9 for r in sheet.rows for v in r)


@pytest.mark.parametrize("body, what", [
    # one cell far away: openpyxl's rectangle A1:XFD1048576 would be 17 billion positions
    (b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
     b'<row r="1048576"><c r="XFD1048576"><v>2</v></c></row></sheetData>', "range"),
    # cells without coordinates are placed one after another: 2 000 columns x 600 rows
    (b"<sheetData>" + b"<row>" + b"<c><v>1</v></c>" * 2000 + b"</row>" + b"<row/>" * 598
     + b'<row r="600"><c><v>1</v></c></row></sheetData>', "range"),
    # a merged range: openpyxl builds a MergedCell for every position it covers
    (b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
     b'<mergeCells count="1"><mergeCell ref="A1:Z20000"/></mergeCells>', "cells"),
    # a hyperlink over a range: openpyxl builds every cell of the range to attach it
    (b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
     b'<hyperlinks><hyperlink ref="A1:T15000" location="A1"/></hyperlinks>', "cells"),
    # a whole-column hyperlink reference
    (b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
     b'<hyperlinks><hyperlink ref="A:C" location="A1"/></hyperlinks>', "range"),
    # namespace-prefixed elements are cells too
    (b'<x:sheetData xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
     + b"".join(b'<x:row r="%d">' % (r + 1) + b"".join(
         b"<x:c><x:v>%d</x:v></x:c>" % v for v in random.Random(r).choices(range(10**6), k=1000)) + b"</x:row>"
         for r in range(reader.MAX_CELLS // 1000 + 1)) + b"</x:sheetData>", "cells"),
])
def test_sheets_that_would_build_millions_of_cells_are_refused(empty_store, no_parser, body, what):
    p = _refused(empty_store, _with_sheet(body), "bomb.xlsx")
    assert "数据" in p.message
    assert ("行 ×" in p.message) == (what == "range")


def test_a_refused_bomb_does_not_stop_an_ordinary_file(empty_store, fx):
    _refused(empty_store, dense_workbook(301, 1000), "dense.xlsx")
    res = commit_import(empty_store, fx["good_xlsx"].read_bytes(), "good.xlsx", ADMIN, accept_warnings=True)
    assert res.status == "accepted" and len(res.values) > 0


def test_csv_over_the_cell_limit_is_refused(empty_store):
    data = "地区,报告期,指标名称,单位,数值\n".encode() + b"1,2,3,4,5\n" * (reader.MAX_CELLS // 5)
    p = _refused(empty_store, data, "big.csv")
    assert "CSV" in p.message and f"{reader.MAX_CELLS // 5 + 1:,}" in p.message  # the row where it ran over
    # blank lines count too (20 MB of newlines is 20 million rows)
    _refused(empty_store, b"a,b\n" + b"\n" * (reader.MAX_CELLS + 1), "blank.csv")


def _xls(rows: int, cols: int, far: tuple[int, int] | None = None) -> bytes:
    wb = xlwt.Workbook()
    ws = wb.add_sheet("大表")
    for r in range(rows):
        for c in range(cols):
            ws.write(r, c, r + c)
    if far:
        ws.write(*far, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xls_cells_are_counted_from_the_records_before_xlrd(empty_store, no_parser, monkeypatch):
    monkeypatch.setattr(reader, "MAX_CELLS", 1000)   # a smaller file over a smaller limit
    _refused(empty_store, _xls(40, 30), "big.xls")   # 1 200 cells
    monkeypatch.setattr(reader, "MAX_GRID", 50_000)
    _refused(empty_store, _xls(1, 1, far=(60_000, 200)), "far.xls")  # 60 001 rows x 201 columns


def test_xls_under_the_limit_is_read(monkeypatch):
    monkeypatch.setattr(reader, "MAX_CELLS", 1000)
    wb = reader.read_workbook(_xls(30, 30))
    assert len(wb.sheets[0].rows) == 30 and wb.sheets[0].rows[29][29] == 58


# ---- issue 20: every part the parser loads is bounded, found by relationship -------------------

def test_millions_of_shared_strings_are_refused_before_parsing(empty_store, no_parser):
    # the shape of the issue (7.25 million <si> in 19 MB, 1.15 GB and 90 s in openpyxl), smaller:
    # one entry over the limit, in a file of ~0.1 MB that passes the size and ratio limits
    data = shared_strings_workbook(reader.MAX_SHARED_STRINGS + 1)
    assert len(data) < reader.MAX_FILE_BYTES
    p = _refused(empty_store, data, "strings.xlsx")
    assert p.message.startswith("文件中的文字（共享字符串）超过 50,000 条") and "另存为新的 .xlsx" in p.message


def test_shared_strings_at_the_limit_are_read():
    wb = reader.read_workbook(shared_strings_workbook(reader.MAX_SHARED_STRINGS))
    assert wb.sheets[0].rows == [["00000000"]]       # A1 is the first string


def test_shared_strings_over_the_byte_budget_are_refused_unread(monkeypatch, no_parser):
    # few entries, many bytes: 40 strings of 50 000 pseudo-random digits = 2 MB of XML
    monkeypatch.setattr(reader, "MAX_SHARED_STRING_BYTES", 1024 * 1024)
    rnd = random.Random(7)
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           + b"".join(b"<si><t>%s</t></si>" % "".join(rnd.choices("0123456789", k=50_000)).encode()
                      for _ in range(40)) + b"</sst>")
    data = _with_parts({"xl/sharedStrings.xml": sst}, shared=True)
    read = []
    real_open = zipfile.ZipFile.open

    def counting_open(self, name, *a, **k):
        f = real_open(self, name, *a, **k)
        if getattr(name, "filename", name) == "xl/sharedStrings.xml":
            real_read = f.read
            f.read = lambda n=-1: read.append(len(chunk := real_read(n))) or chunk
        return f

    monkeypatch.setattr(zipfile.ZipFile, "open", counting_open)
    with pytest.raises(reader.FileRefused) as exc:
        reader.read_workbook(data)
    assert exc.value.problem.code == "file_too_large"
    assert exc.value.problem.message.startswith("文件中的文字（共享字符串）解压后超过 1 MB")
    # read in chunks up to the budget and no further: the head for the XML check, then 1 MB + 1 chunk
    assert sum(read) <= 4096 + 2 * 1024 * 1024 and max(read) <= 1024 * 1024


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.dat", "xl/data/blob", "xl/Worksheets/Sheet1.XML.bak"])
def test_a_sheet_part_with_any_name_is_counted(empty_store, no_parser, part):
    # the workbook's relationship (and [Content_Types]) point at it, so openpyxl builds it whole
    data = renamed_sheet_workbook(301, 1000, part)
    assert not any(n.endswith("sheet1.xml") for n in zipfile.ZipFile(io.BytesIO(data)).namelist())
    p = _refused(empty_store, data, "dat.xlsx")
    assert p.message.startswith("工作表“数据”的单元格超过 120,000 个")


def test_a_sheet_part_with_any_name_under_the_limit_is_read():
    wb = reader.read_workbook(renamed_sheet_workbook(20, 30))
    (sheet,) = wb.sheets
    assert sheet.name == "数据" and len(sheet.rows) == 20 and {len(r) for r in sheet.rows} == {30}


def _with_parts(extra: dict[str, bytes], shared: bool = False, sheet: bytes | None = None) -> bytes:
    """The one-cell workbook plus ``extra`` parts (the shared strings declared when ``shared``)."""
    parts = dict(DENSE_PARTS)
    if shared:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            "</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    parts["xl/worksheets/sheet1.xml"] = sheet or (HEAD + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
                                                  b"</row></sheetData></worksheet>")
    return zip_parts({**parts, **extra})


def test_an_oversized_xml_part_parsed_whole_is_refused(monkeypatch, no_parser):
    # styles.xml is parsed whole into a tree (60 000 cell formats: 6.6 s, 290 MB); here 300 KB over 256 KB
    monkeypatch.setattr(reader, "MAX_TREE_PART_BYTES", 256 * 1024)
    rnd = random.Random(3)
    styles = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs>'
              + b"".join(b'<xf numFmtId="%d" fontId="0"/>' % rnd.randrange(50) for _ in range(12_000))
              + b"</cellXfs></styleSheet>")
    assert 256 * 1024 < len(styles) < 400 * 1024
    with pytest.raises(reader.FileRefused) as exc:
        reader.read_workbook(_with_parts({"xl/styles.xml": styles}))
    p = exc.value.problem
    assert p.code == "file_too_large" and "“xl/styles.xml”部分解压后有 0.3 MB" in p.message
    assert "请删去多余的图表、批注、样式" in p.message


def test_comments_count_as_cells(monkeypatch, no_parser):
    # openpyxl builds the cell every comment is on
    monkeypatch.setattr(reader, "MAX_CELLS", 1000)
    comments = (b'<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><commentList>'
                + b"".join(b'<comment ref="B%d" authorId="0"><text><t>x</t></text></comment>' % r
                           for r in range(1, 1002)) + b"</commentList></comments>")
    with pytest.raises(reader.FileRefused) as exc:
        reader.read_workbook(_with_parts({"xl/comments1.xml": comments}))
    assert "单元格超过 1,000 个" in exc.value.problem.message


def test_a_sheet_with_too_many_other_elements_is_refused(empty_store, no_parser):
    # openpyxl builds an object for every data validation (or conditional format, ...) of a sheet
    rnd = random.Random(11)
    body = (b'<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData><dataValidations>'
            + b"".join(b'<dataValidation type="whole" sqref="B%d"><formula1>%d</formula1></dataValidation>'
                       % (rnd.randrange(1, 999), rnd.randrange(10**6))
                       for _ in range(reader.MAX_SHEET_OTHER_ELEMENTS // 2 + 1)) + b"</dataValidations>")
    p = _refused(empty_store, _with_sheet(body), "dv.xlsx")
    assert p.message.startswith("工作表“数据”中除单元格外的内容（条件格式、数据验证、列设置等）超过 50,000 项")


def test_shared_strings_with_too_many_runs_are_refused(no_parser):
    # few entries, each of many rich-text runs with their fonts: objects, not strings
    rnd = random.Random(13)
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + b"".join(
        b"<si>" + b"".join(b'<r><rPr><b/><sz val="%d"/></rPr><t>%d</t></r>' % (rnd.randrange(8, 40), rnd.randrange(10**4))
                           for _ in range(1000)) + b"</si>"
        for _ in range(reader.MAX_SHARED_STRING_ELEMENTS // 5000 + 1)) + b"</sst>")
    assert sst.count(b"<si>") < reader.MAX_SHARED_STRINGS and len(sst) < reader.MAX_SHARED_STRING_BYTES
    with pytest.raises(reader.FileRefused) as exc:
        reader.read_workbook(_with_parts({"xl/sharedStrings.xml": sst}, shared=True))
    assert "格式过于复杂（超过 250,000 个格式片段）" in exc.value.problem.message


def test_a_chartsheet_is_bounded_as_a_part_parsed_whole(monkeypatch, no_parser):
    # openpyxl parses a chartsheet whole (not streamed like a worksheet)
    monkeypatch.setattr(reader, "MAX_TREE_PART_BYTES", 64 * 1024)
    parts = dict(DENSE_PARTS)
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        "relationships/worksheet", "relationships/chartsheet")
    rnd = random.Random(5)
    parts["xl/worksheets/sheet1.xml"] = (b'<chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                         + b"".join(b'<x%d a="%d"/>' % (i, rnd.randrange(10**6)) for i in range(8000))
                                         + b"</chartsheet>")
    with pytest.raises(reader.FileRefused) as exc:
        reader.read_workbook(zip_parts(parts))
    assert "“xl/worksheets/sheet1.xml”部分解压后有" in exc.value.problem.message


def _shared_strings_as_excel_saves(data: bytes) -> bytes:
    """The workbook with its inline strings (openpyxl's way) moved into a shared-string part, as
    Excel and WPS save every file."""
    src = zipfile.ZipFile(io.BytesIO(data))
    strings: list[bytes] = []

    def to_shared(m):
        strings.append(m.group(2))
        return b'<c %st="s"><v>%d</v></c>' % (m.group(1), len(strings) - 1)

    sheet = re.sub(rb'<c ([^>]*)t="inlineStr"><is><t>(.*?)</t></is></c>', to_shared,
                   src.read("xl/worksheets/sheet1.xml"))
    sst = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
           % (len(strings), len(strings)) + b"".join(b"<si><t>%s</t></si>" % s for s in strings) + b"</sst>")
    parts = {n: src.read(n) for n in src.namelist()}
    parts["xl/worksheets/sheet1.xml"] = sheet
    parts["xl/sharedStrings.xml"] = sst
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(b"</Relationships>", (
        b'<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml" Id="rId9"/></Relationships>'))
    return zip_parts(parts)


def test_an_ordinary_file_with_shared_strings_still_imports(empty_store, fx):
    inline = fx["good_xlsx"].read_bytes()
    data = _shared_strings_as_excel_saves(inline)
    sst = zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml")
    assert b"inlineStr" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert 10 < sst.count(b"<si>") < reader.MAX_SHARED_STRINGS
    # the same figures as the inline-string file, and they go in
    assert reader.read_workbook(data).sheets[0].rows == reader.read_workbook(inline).sheets[0].rows
    res = commit_import(empty_store, data, "good.xlsx", ADMIN, accept_warnings=True)
    assert res.status == "accepted" and len(res.values) > 0


# ---- the CLI reads only regular files, with a bound ------------------------------------------

def _cli(*args: str, db: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = dict(os.environ, JXTRACK_DB=str(db), PYTHONPATH=str(ROOT / "src"), JXTRACK_DEBUG="0")
    return subprocess.run([sys.executable, "-m", "jxtrack.cli", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("kind", ["dev_zero", "fifo", "directory"])
def test_cli_refuses_non_regular_files_at_once(empty_store, tmp_path, kind):
    target = {"dev_zero": "/dev/zero", "directory": str(tmp_path)}.get(kind)
    if kind == "fifo":
        target = str(tmp_path / "pipe")
        os.mkfifo(target)  # nobody writes to it: opening it for a blocking read would hang
    before = empty_store.dump_tables()
    r = _cli("import", target, db=empty_store.key)
    assert r.returncode == cli.EXIT_USER, r.stderr
    assert r.stderr.startswith("错误：") and len(r.stderr.splitlines()) == 1
    assert ("文件夹" if kind == "directory" else "不是普通文件") in r.stderr
    assert empty_store.dump_tables() == before


def test_cli_reads_a_regular_file_with_a_bound(empty_store, tmp_path, monkeypatch, capsys):
    big = tmp_path / "big.xlsx"
    with big.open("wb") as f:
        f.truncate(reader.MAX_FILE_BYTES + 5)   # sparse: 20 MB + 5 bytes
    reads = []
    real_fdopen = os.fdopen

    class Counting:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def read(self, n=-1):
            reads.append(n)
            return self.f.read(n)

    monkeypatch.setattr(os, "fdopen", lambda *a, **k: Counting(real_fdopen(*a, **k)))
    before = empty_store.dump_tables()
    assert cli.main(["import", str(big)]) == cli.EXIT_USER
    assert "超过上限 20 MB" in capsys.readouterr().err
    assert reads == [reader.MAX_FILE_BYTES + 1]          # one bounded read, never read(-1)
    assert empty_store.dump_tables() == before
