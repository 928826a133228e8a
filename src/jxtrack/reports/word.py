"""The bulletin as a Word file (.docx): A4, Chinese fonts set on every style (w:eastAsia), heading
styles, tables that fit the page with lights as words on coloured cells, page numbers in the footer.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from jxtrack.domain import lights
from jxtrack.present.outputs import clean
from jxtrack.reports.bulletin import Bulletin, Table
from jxtrack.reports.text import light_text, num, pct, pp

BODY_FONT = "仿宋"  # FangSong: body text of Chinese official documents
HEADING_FONT = "黑体"  # SimHei: first-level headings and the title
HEADING2_FONT = "楷体"  # KaiTi: second-level headings
TABLE_FONT = "宋体"  # SimSun: tables
LATIN_FONT = "Times New Roman"
PAGE_W, PAGE_H = 21.0, 29.7  # A4, cm
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 2.6, 2.4, 2.5, 2.2
TEXT_W = PAGE_W - MARGIN_L - MARGIN_R
CN_NUMERALS = "一二三四五六七八九十"


def _fonts(rpr_owner, east_asia: str, size: float | None = None, bold: bool | None = None,
           color: str | None = None) -> None:
    """Set Latin and East-Asian fonts on a style or run.  Word picks the w:eastAsia font for
    Chinese characters; without it Chinese falls back to the theme font (often not Chinese)."""
    font = rpr_owner.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    font.color.rgb = RGBColor.from_string(color or "000000")
    _rfonts(rpr_owner.element.get_or_add_rPr(), east_asia).set(qn("w:cs"), LATIN_FONT)


def _rfonts(rpr, east_asia: str):
    """The w:rFonts of a run-properties element, theme fonts removed, Latin and East-Asian set."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asia)
    return rfonts


def _setup(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(PAGE_W), Cm(PAGE_H)
    sec.left_margin, sec.right_margin = Cm(MARGIN_L), Cm(MARGIN_R)
    sec.top_margin, sec.bottom_margin = Cm(MARGIN_T), Cm(MARGIN_B)
    styles = doc.styles
    # document defaults: East-Asian font and language for anything without its own style
    defaults = styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _rfonts(rpr, BODY_FONT)
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:eastAsia"), "zh-CN")
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT, 12)
    normal.paragraph_format.line_spacing = 1.35
    normal.paragraph_format.space_after = Pt(4)
    title = styles["Title"]
    _fonts(title, HEADING_FONT, 18, bold=False)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    # the template's Title has a bottom border; an official document has none
    ppr = title.element.get_or_add_pPr()
    for b in ppr.findall(qn("w:pBdr")):
        ppr.remove(b)
    for name, font, size in (("Heading 1", HEADING_FONT, 15), ("Heading 2", HEADING2_FONT, 13.5),
                             ("Heading 3", HEADING2_FONT, 12)):
        st = styles[name]
        _fonts(st, font, size, bold=name != "Heading 2")
        st.paragraph_format.space_before = Pt(10 if name == "Heading 1" else 6)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.keep_with_next = True
        st.font.italic = False
    cap = styles["Caption"]
    _fonts(cap, BODY_FONT, 9, bold=False, color="404040")
    cap.font.italic = False
    cap.paragraph_format.space_before = Pt(6)
    cap.paragraph_format.space_after = Pt(2)
    cap.paragraph_format.keep_with_next = True
    _footer(sec)


def _field(paragraph, instr: str) -> None:
    """A Word field (PAGE, NUMPAGES): Word computes it when the page is laid out."""
    run = paragraph.add_run()
    for tag, text in (("begin", None), ("instr", instr), ("separate", None), ("text", "1"), ("end", None)):
        if tag == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {text} "
            run._r.append(el)
        elif tag == "text":
            el = OxmlElement("w:t")
            el.text = text
            run._r.append(el)
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
            run._r.append(el)
    _fonts(run, TABLE_FONT, 10.5)


def _footer(section) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for piece in ("第 ", "PAGE", " 页  共 ", "NUMPAGES", " 页"):
        if piece in ("PAGE", "NUMPAGES"):
            _field(p, piece)
        else:
            _fonts(p.add_run(piece), TABLE_FONT, 10.5)


def _para(doc, text: str, style: str | None = None, bold: bool = False, size: float | None = None,
          color: str | None = None, align=None, indent: bool = True):
    p = doc.add_paragraph(style=style)
    if indent and style is None:
        p.paragraph_format.first_line_indent = Pt((size or 12) * 2)
    if align is not None:
        p.alignment = align
    run = p.add_run(clean(text))
    if bold or size or color:
        _fonts(run, HEADING_FONT if bold else BODY_FONT, size, bold=bold, color=color)
    return p


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _cell_text(cell, text: str, size: float, bold=False, align=WD_ALIGN_PARAGRAPH.LEFT,
               color: str | None = None) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.first_line_indent = None
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    p.paragraph_format.line_spacing = 1.0
    run = p.add_run(clean(text))
    _fonts(run, HEADING_FONT if bold else TABLE_FONT, size, bold=bold, color=color)


def format_cell(kind: str, value, unit: str | None) -> str:
    """A table value as the Word file prints it."""
    if kind == "num":
        return num(value, unit)
    if kind == "pct":
        return pct(value)
    if kind == "pp":
        return pp(value)
    if kind == "int":
        return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else str(int(value))
    if kind == "light":
        return light_text(value)
    if kind == "rank_change":
        if value is None:
            return "—"
        return "持平" if value == 0 else (f"↑{value}" if value > 0 else f"↓{-value}")
    return "" if value is None else str(value)


def _table(doc, t: Table, size: float = 9) -> None:
    if t.title:
        p = doc.add_paragraph(style="Caption")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(clean(t.title))
        _fonts(run, HEADING_FONT, 10.5, bold=False)
    widths = [c.width for c in t.columns]
    scale = min(1.0, (TEXT_W - 0.1) / sum(widths))
    widths = [w * scale for w in widths]
    n_rows = 1 + len(t.rows) + len(t.section_rows)
    table = doc.add_table(rows=n_rows, cols=len(t.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblpr = table._tbl.tblPr
    # table.autofit = False already wrote <w:tblLayout w:type="fixed"/>
    # header row: repeated on every page, never split
    hdr = table.rows[0]
    trpr = hdr._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):  # schema order: cantSplit before tblHeader
        el = OxmlElement(tag)
        trpr.append(el)
    for j, col in enumerate(t.columns):
        cell = hdr.cells[j]
        _cell_text(cell, col.title, size, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _shade(cell, "D9E1F2")
    ri = 1
    for i, row in enumerate(t.rows):
        if i in t.section_rows:
            cells = table.rows[ri].cells
            merged = cells[0].merge(cells[-1])
            _cell_text(merged, t.section_rows[i], size, bold=True)
            _shade(merged, "F2F2F2")
            ri += 1
        tr = table.rows[ri]
        tr._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        unit = t.units[i] if i < len(t.units) else None
        for j, (col, value) in enumerate(zip(t.columns, row, strict=False)):
            cell = tr.cells[j]
            text = format_cell(col.kind, value, unit)
            align = WD_ALIGN_PARAGRAPH.LEFT if col.kind == "text" else WD_ALIGN_PARAGRAPH.CENTER \
                if col.kind in ("light", "rank_change", "int") else WD_ALIGN_PARAGRAPH.RIGHT
            color = None
            if col.kind == "light":
                lt = lights.get(value)
                _shade(cell, lt.print_fill)
                color = lt.print_font
            if col.kind == "text" and text.startswith("【未提交"):
                color = "C00000"
            _cell_text(cell, text, size, align=align, color=color)
        ri += 1
    # widths on the grid (LibreOffice, fixed layout) and on every cell (Word)
    for j, w in enumerate(widths):
        table.columns[j].width = Cm(w)
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:type"), "dxa")
    tblw.set(qn("w:w"), str(int(sum(widths) / 2.54 * 1440)))
    for row in table.rows:
        cells = row.cells
        if len({id(c._tc) for c in cells}) == 1:  # a merged group-heading row spans the table
            cells[0].width = Cm(sum(widths))
            continue
        for j, cell in enumerate(cells):
            if j < len(widths):
                cell.width = Cm(widths[j])
    if t.note:
        p = doc.add_paragraph(style="Caption")
        p.add_run(clean("注：" + t.note))


def _heading(doc, text: str, level: int) -> None:
    doc.add_heading(clean(text), level=level)


ISSUER = "嘉兴市“两化”改造与两业融合工作专班办公室"


def write_docx(b: Bulletin, target: str | Path | io.BytesIO,
               charts: list[tuple[str, bytes]] | None = None) -> None:
    """Write the bulletin to ``target`` (a path or a binary buffer).  ``charts``: (caption, PNG)
    pairs placed after the overview (see ``charts.render``); none means tables only."""
    doc = Document()
    _setup(doc)
    props = doc.core_properties
    props.title = f"{b.title}{b.subtitle}"
    props.author = "嘉兴市“两化”改造与两业融合目标跟踪系统"
    props.language = "zh-CN"
    doc.add_paragraph(clean(b.title), style="Title")
    _para(doc, b.subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, size=14)
    _para(doc, f"嘉兴市工作专班        {b.generated_at:%Y年%m月%d日}生成", align=WD_ALIGN_PARAGRAPH.CENTER,
          indent=False, size=10.5, color="404040")
    if b.is_demo:
        _para(doc, "【示例数据】本通报由系统生成的示例数据编制，不是真实统计数字。",
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, bold=True, size=12, color="C00000")

    sec = 0

    def h1(text):
        nonlocal sec
        _heading(doc, f"{CN_NUMERALS[sec]}、{text}", 1)
        sec += 1

    h1("总体情况")
    for text in b.overview:
        _para(doc, text)
    for gi, (title, paras) in enumerate(b.groups):
        _heading(doc, f"（{CN_NUMERALS[gi]}）{title}", 2)
        for text in paras:
            _para(doc, text)
    for caption, png in charts or []:
        doc.add_picture(io.BytesIO(png), width=Cm(TEXT_W))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        p = doc.add_paragraph(style="Caption")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.add_run(clean(caption))

    h1("需要关注的问题")
    for text in b.attention or ["本期无需特别关注的问题。"]:
        _para(doc, text)

    h1("指标完成情况")
    _table(doc, b.summary)

    h1("重点指标区县排名")
    if not b.rankings:
        _para(doc, "本期没有可排名的区县数据。")
    for t in b.rankings:
        _table(doc, t)

    h1("红灯指标及偏差说明")
    if b.red_list.rows:
        _table(doc, b.red_list)
    else:
        _para(doc, "本期各区县无红灯指标。")

    h1("报送情况")
    _table(doc, b.submissions)

    if b.fund is not None:
        h1("资金使用")
        _table(doc, b.fund)

    _heading(doc, "附件：数据质量提示", 1)
    if b.quality.rows:
        _table(doc, b.quality, size=8.5)
    else:
        _para(doc, "本期系统未发现数据质量问题。")

    _heading(doc, "说明", 2)
    for text in b.notes:
        _para(doc, text, size=10.5, indent=False)
    # 版记: who issues the bulletin and when (GB/T 9704 puts it at the end of an official document)
    _para(doc, "", indent=False)
    _para(doc, f"{ISSUER}　　　　{b.generated_at.year}年{b.generated_at.month}月{b.generated_at.day}日印发",
          indent=False, size=12)
    doc.save(target)
