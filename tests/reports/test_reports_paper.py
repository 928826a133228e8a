"""The bulletin on paper (issue 19): a 版头 with the issuing body and 文号, the 生成 line with the
full Beijing date and time, the 版记 never alone on a last page, and the Excel 明细 sheet printable
(landscape, fit to width, header repeated, footer clear of the rows).  The layout checks render the
files with LibreOffice when it is installed."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime

import pytest
from docx import Document
from openpyxl import load_workbook

from jxtrack.domain import access, clock
from jxtrack.domain.reasons import ReasonRequired
from jxtrack.reports import bulletin, render_bytes
from jxtrack.services import submissions

PERIOD = "2026-10"
AT = datetime(2026, 12, 3, 19, 34, 34)   # Beijing wall-clock time


@pytest.fixture(scope="module")
def files(demo_readonly):
    with clock.fixed(AT):
        b = bulletin.build(demo_readonly, PERIOD)
        docx = render_bytes(b, ".docx", charts=False)
        xlsx = render_bytes(b, ".xlsx")
    return b, docx, xlsx


def _paras(docx: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(docx)).paragraphs if p.text.strip()]


def test_word_has_a_masthead_with_issuer_and_document_number(files):
    b, docx, _ = files
    paras = _paras(docx)
    assert paras[0] == "嘉兴市“两化”改造和两业融合工作专班"
    assert paras[1] == "嘉两化专班通报〔2026〕10号"          # one number per report month
    assert paras[2] == bulletin.TITLE and paras[3] == "（2026年1–10月）"
    assert paras[-1] == "嘉兴市“两化”改造和两业融合工作专班办公室　　　　2026年12月3日印发"


def test_generated_line_has_the_full_beijing_date_and_time(files):
    b, docx, xlsx = files
    # was '嘉兴市工作专班        2026年12月03日生成' (no time, no zone)
    assert "生成时间：2026年12月3日 19:34（北京时间）" in _paras(docx)
    ws = load_workbook(io.BytesIO(xlsx))["通报摘要"]
    assert ws["A2"].value == "嘉兴市“两化”改造和两业融合工作专班　嘉两化专班通报〔2026〕10号　生成时间：2026年12月3日 19:34（北京时间）"


def test_bulletin_names_uploaders_by_display_name(files):
    b, _, _ = files
    who = {r[0]: r[5] for r in b.submissions.rows}
    assert who["嘉善县"] == "示例数据"                      # the demo account, not 'demo'
    names = {"jiashan": "示例嘉善县填报员"}
    assert submissions.shown_person(names, "jiashan,zhuanban") == "示例嘉善县填报员, zhuanban"


def test_masthead_is_configured_by_the_working_group(demo_store):
    staff = access.User("zhuanban", "staff", None, "示例市工作专班")
    with pytest.raises(ReasonRequired, match="修改发文机关和文号的原因"):
        bulletin.set_masthead(demo_store, staff, issuer="嘉兴市数字经济工作专班", reason=" ")
    with pytest.raises(access.PermissionDenied):
        bulletin.set_masthead(demo_store, access.User("jiashan", "county", "330421"), prefix="X", reason="r")
    bulletin.set_masthead(demo_store, staff, issuer="嘉兴市数字经济工作专班", prefix="嘉数专", reason="专班更名")
    b = bulletin.build(demo_store, PERIOD)
    assert (b.issuer, b.office, b.doc_number) == ("嘉兴市数字经济工作专班", "嘉兴市数字经济工作专班办公室",
                                                  "嘉数专〔2026〕10号")


def test_excel_detail_sheet_prints_readably(files):
    _, _, xlsx = files
    ws = load_workbook(io.BytesIO(xlsx))["明细"]
    ps = ws.page_setup
    assert ps.orientation == "landscape" and int(ps.paperSize) == 9   # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ps.fitToWidth == 1 and ps.fitToHeight == 0
    assert ws.print_title_rows == "$3:$3"                      # the header row on every page
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    m = ws.page_margins
    assert m.footer + 0.3 <= m.bottom                          # the footer below the rows, not over them
    # fit to the width of landscape A4 (29.7 cm less 2 × 0.5 inch: 10.69 inch at 96 px), a column of
    # width w takes w × 7 + 5 px: the sheet prints at ≥ 75% of its size, 11 pt text at ≥ 8 pt
    # (the sheet was 239 characters wide: 48%, about 5 pt)
    px = sum(int(ws.column_dimensions[c].width * 7 + 5) for c in "ABCDEFGHIJKLMNO")
    assert ws.max_column == 15 and 10.69 * 96 / px >= 0.75, px


# ---- rendered: LibreOffice lays the files out as a printer would --------------------------------
soffice = shutil.which("soffice")


def _pdf_pages(tmp_path, name: str, data: bytes) -> list[str]:
    src = tmp_path / name
    src.write_bytes(data)
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    pdf = src.with_suffix(".pdf")
    pdftotext = shutil.which("pdftotext")
    if not pdftotext:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    return out.split("\f")


@pytest.mark.skipif(soffice is None, reason="LibreOffice is not installed")
def test_word_last_page_is_not_two_lines(files, tmp_path):
    _, docx, _ = files
    # the last notes are kept with the 版记 (keep-with-next): a page break can fall before them,
    # never between them and the 印发 line
    body = [p for p in Document(io.BytesIO(docx)).paragraphs if p.text.strip()]
    assert "印发" in body[-1].text
    assert all(p.paragraph_format.keep_with_next for p in body[-4:-1])
    pages = [p for p in _pdf_pages(tmp_path, "b.docx", docx) if p.strip()]
    last = [line for line in pages[-1].splitlines() if line.strip()]
    assert "印发" in pages[-1]
    # the 版记 comes with the last notes: more than the 印发 line and the page number
    assert len(last) >= 6, last


@pytest.mark.skipif(soffice is None, reason="LibreOffice is not installed")
def test_excel_detail_pages_carry_header_and_page_numbers(files, tmp_path):
    _, _, xlsx = files
    wb = load_workbook(io.BytesIO(xlsx))
    for name in wb.sheetnames:   # print the detail sheet alone
        if name != "明细":
            del wb[name]
    buf = io.BytesIO()
    wb.save(buf)
    pages = [p for p in _pdf_pages(tmp_path, "detail.xlsx", buf.getvalue()) if p.strip()]
    assert len(pages) > 1
    for i, page in enumerate(pages, start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        assert "地区" in page and "序时进度" in page, f"page {i} lacks the header row"
        assert lines[-1].strip() == f"第 {i} 页，共 {len(pages)} 页", lines[-3:]
