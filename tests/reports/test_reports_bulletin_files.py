"""The Word and Excel bulletins built from the demo database, opened again and checked against
``status_table.status``; the narrative against a golden file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from report_helpers import add_upload

from jxtrack.domain import lights
from jxtrack.reports import bulletin, render_bytes
from jxtrack.reports.text import light_text
from jxtrack.services import lookup, status_table

PERIOD = "2026-10"
GOLDEN = Path(__file__).parent / "golden" / "narrative.txt"
GOLDEN_PERIODS = ("2026-10", "2026-02", "2025-01", "2024-12")


@pytest.fixture(scope="module")
def built(demo_readonly):
    b = bulletin.build(demo_readonly, PERIOD)
    docx = Document(io.BytesIO(render_bytes(b, ".docx", charts=False)))
    xlsx = load_workbook(io.BytesIO(render_bytes(b, ".xlsx")))
    status = status_table.status(demo_readonly, PERIOD)
    return b, docx, xlsx, status


def _docx_tables(doc):
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def _table_with_header(doc, first: str, second: str | None = None):
    for t in _docx_tables(doc):
        if t[0][0] == first and (second is None or t[0][1] == second):
            return t
    raise AssertionError(f"no table starting with {first}")


def _sheet_rows(ws, header_row: int):
    header = [c.value for c in ws[header_row]]
    rows = []
    for r in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if r[0] is None and all(v is None for v in r):
            break
        rows.append(dict(zip(header, r, strict=False)))
    return header, rows


# ---- Excel --------------------------------------------------------------------------------------

def test_excel_summary_matches_status(built):
    _, _, wb, st = built
    assert wb.sheetnames == ["通报摘要", "指标汇总", "区县排名", "红灯清单", "报送情况", "数据质量", "明细"]
    ws = wb["指标汇总"]
    assert ws.freeze_panes == "A4"
    _, rows = _sheet_rows(ws, 3)
    rows = [r for r in rows if r["序号"] is not None and r["指标"] is not None]  # skip group rows
    city = st[st["region_level"] == "city"].reset_index(drop=True)
    assert len(rows) == len(city) == len(lookup.catalog().indicators)
    for r, s in zip(rows, city.itertuples(), strict=True):
        assert r["指标"] == s.indicator_name
        assert r["亮灯"] == light_text(s.light)
        if s.actual == s.actual:
            assert r["1–10月"] == pytest.approx(s.actual)
        if s.target == s.target:
            assert r["目标"] == pytest.approx(s.target)
    # number formats and light fills
    hdr = [c.value for c in ws[3]]
    c_completion = ws.cell(row=5, column=hdr.index("完成率") + 1)
    assert c_completion.number_format == "0.0%"
    light_cells = [ws.cell(row=i, column=hdr.index("亮灯") + 1) for i in range(5, ws.max_row + 1)]
    red = [c for c in light_cells if c.value == light_text("red")]
    assert red and all(c.fill.fgColor.rgb.endswith(lights.get("red").print_fill) for c in red)


def test_excel_print_setup_is_a4_landscape(built):
    wb = built[2]
    for name in wb.sheetnames[1:]:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows


def test_excel_red_list_and_rankings_match_status(built):
    _, _, wb, st = built
    _, rows = _sheet_rows(wb["红灯清单"], 3)
    red = st[(st["region_level"] != "city") & (st["light"] == "red")]
    assert {(r["区县"], r["指标"]) for r in rows} == set(zip(red["region"], red["indicator_name"], strict=True))
    _, ranks = _sheet_rows(wb["区县排名"], 3)
    key = st[(st["region_level"] == "county") & st["key"].astype(bool)]
    first = ranks[0]
    code = key.iloc[0]["indicator_code"]
    expected = key[key["indicator_code"] == code].set_index("region")["rank"]
    got = {r["区县"]: r["排名"] for r in ranks if r["指标（排名依据）"] == first["指标（排名依据）"]}
    assert got == {k: int(v) for k, v in expected.items()}


def test_no_cell_in_the_workbook_is_a_formula(built):
    wb = built[2]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


def test_hostile_explanation_is_neutralised_in_excel_and_kept_in_word(demo_store):
    # a county's 偏差说明 that would be a formula in a spreadsheet
    hostile = '=HYPERLINK("http://evil.example","点我")'
    st = status_table.status(demo_store, PERIOD)
    red = st[(st["region_level"] == "county") & (st["light"] == "red") & (st["indicator_code"] == "green_projects")]
    region = red.iloc[0]["region_code"]
    value = float(red.iloc[0]["actual"])
    add_upload(demo_store, [(region, PERIOD, "green_projects", value, hostile)])
    b = bulletin.build(demo_store, PERIOD)
    wb = load_workbook(io.BytesIO(render_bytes(b, ".xlsx")))
    cells = [c for row in wb["红灯清单"].iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    # text cells showing the county's text exactly: no formula, no visible apostrophe
    assert cells and all(c.data_type == "s" for c in cells), [(c.value, c.quotePrefix) for c in cells]
    assert all(c.quotePrefix for c in cells if c.value.startswith("=")), [(c.value, c.quotePrefix) for c in cells]
    assert any(c.value == hostile for c in cells)
    doc = Document(io.BytesIO(render_bytes(b, ".docx", charts=False)))
    assert any(hostile in cell for t in _docx_tables(doc) for row in t for cell in row)


# ---- Word ---------------------------------------------------------------------------------------

def test_word_page_fonts_headings_and_page_numbers(built):
    doc = built[1]
    sec = doc.sections[0]
    assert abs(sec.page_width.cm - 21.0) < 0.05 and abs(sec.page_height.cm - 29.7) < 0.05
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption"):
        rfonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert rfonts is not None and rfonts.get(qn("w:eastAsia")), name
        assert rfonts.get(qn("w:asciiTheme")) is None
    assert doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:6] == ["一、总体情况", "二、需要关注的问题", "三、指标完成情况", "四、重点指标区县排名",
                            "五、红灯指标及偏差说明", "六、报送情况"]
    footer_xml = sec.footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml and "fldChar" in footer_xml


def test_word_text_has_the_narrative_and_the_demo_label(built):
    b, doc, _, _ = built
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "【示例数据】" in text
    for para in b.overview + [p for _, ps in b.groups for p in ps] + b.attention:
        assert para in text
    assert "1–10月，全市完成“两化”改造项目" in text


def test_word_summary_table_matches_status(built):
    _, doc, _, st = built
    t = _table_with_header(doc, "序号", "指标")
    body = [r for r in t[1:] if r[0].isdigit()]
    city = st[st["region_level"] == "city"]
    assert [r[1] for r in body] == list(city["indicator_name"])
    assert [r[-1] for r in body] == [light_text(v) for v in city["light"]]
    # completion printed as the status says
    first = city.iloc[0]
    assert body[0][5] == f"{first['completion'] * 100:.1f}%"


def test_word_light_cells_are_coloured(built):
    doc = built[1]
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    for row in table.rows[1:]:
        cell = row.cells[-1]
        for key, lt in lights.TABLE.items():
            fill = lt.print_fill
            if cell.text == light_text(key):
                shd = cell._tc.tcPr.find(qn("w:shd"))
                assert shd is not None and shd.get(qn("w:fill")) == fill


def test_word_red_list_names_who_must_explain(built):
    _, doc, _, st = built
    t = _table_with_header(doc, "区县", "指标")
    red = st[(st["region_level"] == "county") & (st["light"] == "red")]
    assert len(t) - 1 == len(red)
    missing = sum(1 for r in t[1:] if r[-1] == "【未提交偏差说明】")
    explained = len(t) - 1 - missing
    assert missing > 0 and explained > 0
    assert f"共{missing}项红灯指标尚未提交偏差说明" in "\n".join(p.text for p in doc.paragraphs)


def test_word_rankings_and_submissions(built):
    b, doc, _, st = built
    rank_tables = [t for t in _docx_tables(doc) if t[0][0] == "排名"]
    n_key = st.loc[st["key"].astype(bool), "indicator_code"].nunique()
    assert len(rank_tables) == n_key
    subs = _table_with_header(doc, "地区", "报送情况")
    assert [r[0] for r in subs[1:]] == ["嘉兴市（市本级）", "南湖区", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市"]
    assert all(r[1] == "已报送" for r in subs[1:])


# ---- golden narrative ---------------------------------------------------------------------------

def _narrative(store) -> str:
    out = []
    for period in GOLDEN_PERIODS:
        b = bulletin.build(store, period)
        out.append(f"## {period} {b.subtitle}")
        out.extend(b.overview)
        for title, paras in b.groups:
            out.append(f"### {title}")
            out.extend(paras)
        out.append("### 需要关注的问题")
        out.extend(b.attention)
    return "\n".join(out) + "\n"


def test_narrative_matches_golden(demo_readonly, update_golden):
    text = _narrative(demo_readonly)
    if update_golden or not GOLDEN.exists():
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
        if not update_golden:
            pytest.fail(f"{GOLDEN} did not exist; written now — review it and commit")
    assert text == GOLDEN.read_text(encoding="utf-8"), (
        "narrative changed: review, then regenerate with JXTRACK_UPDATE_GOLDEN=1 pytest tests/reports")


def test_word_ends_with_the_issuing_block_and_light_rule_from_data(built):
    b, docx, _, _ = built
    paras = [p.text for p in docx.paragraphs if p.text.strip()]
    g = b.generated_at
    assert paras[-1] == f"嘉兴市“两化”改造与两业融合工作专班办公室　　　　{g.year}年{g.month}月{g.day}日印发"
    # every indicator in data/indicators.csv has green_min_pp 0 and yellow_min_pp −10
    assert any("绿灯=达到或快于序时进度；黄灯=落后序时进度不超过10个百分点；红灯=落后超过10个百分点；" in p for p in paras)
