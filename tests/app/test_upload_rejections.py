"""数据上传: a file the page refuses is on record (as the CLI's refusals are), once however often
the page reruns; nothing else is written (issue 12, item 6).  One upload limit, and every refusal
says in Chinese what is wrong, quoting no English (issue 20, item 5)."""

from __future__ import annotations

import io
import json
import re
import tempfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from jxtrack.ingest import reader
from jxtrack.services import importing

from .conftest import ROOT, USERS, run_app


def test_refused_upload_in_the_app_is_recorded_once(demo_store):
    before = demo_store.dump_tables(("observations",))
    n = len(demo_store.uploads())
    at = run_app(USERS["county"], "pages/upload.py")
    bad = "地区,报告期,指标,数值\n嘉善县,2026-10,数字化改造项目数,abc\n".encode()
    at.get("file_uploader")[0].set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception and any("不能导入" in e.value for e in at.error)
    at.run()                                            # reruns (any widget touched)
    at.run()
    ups = demo_store.uploads()
    assert len(ups) == n + 1
    top = ups.iloc[0]
    assert (top["status"], top["user"], top["file_name"]) == ("rejected", "jiashan", "bad.csv")
    audit = demo_store.audit_log(5)
    rejects = audit[audit["action"] == "upload.reject"]
    assert len(rejects) == 1 and json.loads(rejects.iloc[0]["detail"])["bytes_kept"] is True
    assert demo_store.dump_tables(("observations",)) == before


# ---- issue 20, item 5: one limit, and every refusal in Chinese -------------------------------

def _good_xlsx_parts() -> dict[str, bytes]:
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "ingest"))
    import make_fixtures

    d = Path(tempfile.mkdtemp(prefix="jxtrack-upload-"))
    z = zipfile.ZipFile(make_fixtures.good_xlsx(d))
    return {n: z.read(n) for n in z.namelist()}


def _zip(parts: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as out:
        for n, v in parts.items():
            out.writestr(n, v)
    return buf.getvalue()


def _xlsb() -> bytes:
    return _zip({"[Content_Types].xml": b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.sheet.binary.'
                 b'macroEnabled.main"/></Types>', "xl/workbook.bin": b"\x83\x01\x00" * 50,
                 "xl/worksheets/sheet1.bin": b"\x81\x01\x00" * 50})


def _xlsm() -> bytes:
    return _zip({**_good_xlsx_parts(), "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 500})


def _bad_crc() -> bytes:
    data = bytearray(_zip(_good_xlsx_parts(), zipfile.ZIP_STORED))
    data[data.find(b"<sheetData>") + 3] ^= 1      # one bit of a stored part: "Bad CRC-32 for file ..."
    return bytes(data)


def _bad_value() -> bytes:
    # a number cell holding text: openpyxl says "ValueError: Unable to read workbook: could not read worksheets"
    parts = _good_xlsx_parts()
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'(<c r="C4" t="n"><v>)[^<]*', rb"\g<1>abc",
                                               parts["xl/worksheets/sheet1.xml"])
    return _zip(parts)


def _table(at) -> str:
    t = at.table[0].value            # common.text_table: Markdown-escaped cells
    return " ".join(str(v) for col in ("问题", "读到的值") for v in t[col]).replace("\\", "")


def test_the_uploader_takes_any_type_and_one_limit_is_shown(demo_ro):
    at = run_app(USERS["county"], "pages/upload.py")
    up = at.get("file_uploader")[0]
    assert list(up.proto.type) == []                     # no English "… files are not allowed."
    # the one limit is the importer's 20 MB; the widget and the server take a little more, so a
    # file just over it gets the importer's Chinese refusal, never the widget's English one
    assert reader.MAX_FILE_BYTES == 20 * 1024 * 1024 and importing.UPLOAD_LIMIT_MB == 20
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    widget_bytes = server["maxUploadSize"] * 1000 * 1000  # the browser counts MB of 10^6 (10^3 KB) bytes
    assert reader.MAX_FILE_BYTES < widget_bytes <= reader.MAX_FILE_BYTES + 1024 * 1024
    assert "每个文件不超过 20 MB" in up.proto.label
    page = (ROOT / "pages" / "upload.py").read_text(encoding="utf-8")
    assert "20 MB" not in page                           # said from the one limit, not written again


def test_a_file_just_over_the_limit_is_refused_in_chinese(demo_store):
    at = run_app(USERS["county"], "pages/upload.py")
    data = b"\x00" * (reader.MAX_FILE_BYTES + 1)         # over 20 MB, under the widget's 21 000 000 bytes
    at.get("file_uploader")[0].set_value(("big.xlsx", data, "application/octet-stream")).run()
    assert not at.exception and any("不能导入" in e.value for e in at.error)
    assert "超过上限 20 MB" in _table(at)


@pytest.mark.parametrize("name, make, said", [
    ("report.xlsb", _xlsb, "二进制工作簿（.xlsb）"),
    ("report.xlsm", _xlsm, "含有宏"),
    ("crc.xlsx", _bad_crc, "压缩数据校验失败"),
    ("value.xlsx", _bad_value, "文件已损坏、不完整或内容不是有效的表格"),
])
def test_refusals_say_what_in_chinese_and_quote_no_english(demo_store, name, make, said):
    at = run_app(USERS["county"], "pages/upload.py")
    at.get("file_uploader")[0].set_value((name, make(), "application/octet-stream")).run()
    assert not at.exception and any("不能导入" in e.value for e in at.error)
    text = _table(at)
    assert said in text and "压缩包" not in text
    assert not re.search(r"[A-Za-z]{3,}", text.replace("Excel", "").replace("WPS", "").replace("VBA", "")
                         .replace("xlsx", "").replace("xlsb", "").replace("xls", "").replace("csv", "")), text
