"""Builds every spreadsheet the ingest tests use, by script (no hand-made binaries are committed).

    python tests/ingest/make_fixtures.py OUT_DIR      # writes them all, for a look in Excel

Tests call ``build(name, directory)`` / ``build_all(directory)``; each builder writes one file and
returns its path.  Numbers are invented.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import openpyxl
import xlwt

TITLE = "嘉善县“两化”改造主要指标完成情况（2025年1-9月）"
UNIT_ROW = ["填报单位：嘉善县经信局", None, "报告期：2025年9月"]
HEADER = ["指标名称", "单位", "1-9月累计", "备注"]
GOOD_ROWS = [
    ["数字化改造项目数", "个", 136, None],
    ["绿色化改造项目数", "个", 31, "2个项目推迟"],
    ["直接拉动技改投资", "亿元", 41.7, None],
]


def county_xlsx(path: Path, rows=None, *, title: str | None = TITLE, unit_row=UNIT_ROW,
                header=HEADER, sheet="9月") -> Path:
    """A one-county report: title, 填报单位/报告期 row, header, data rows, footer."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    if unit_row:
        ws.append(list(unit_row))
    ws.append(list(header))
    for r in GOOD_ROWS if rows is None else rows:
        ws.append(list(r))
    ws.append([])
    ws.append(["填表人：张某", None, "联系电话：0573-84000000"])
    wb.save(path)
    return path


def summary_xlsx(path: Path, rows, header=None, total=None, title="2025年1-6月各县（市、区）数字化改造2.0推进情况") -> Path:
    """The working group's summary: counties as rows; ``total`` is the 合计 row (values or formulas)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "分县"
    ws.append([title])
    ws.append(header or ["地区", "规上工业企业数(家)", "完成2.0改造企业数(家)", "覆盖率(%)", "数字化改造项目(个)"])
    for r in rows:
        ws.append(list(r))
    if total is not None:
        ws.append(["合计", *total])
    wb.save(path)
    return path


SUMMARY_ROWS = [("南湖区", 690, 420, 60.9, 70), ("秀洲区", 790, 500, 63.3, 75), ("嘉善县", 980, 640, 65.3, 88)]


def _replace_in_zip(src: bytes, changes: dict[str, bytes | None], extra: dict[str, bytes] | None = None,
                    compress=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", compress) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in changes:
                if changes[info.filename] is None:
                    continue
                data = changes[info.filename]
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


# ---- one builder per fixture ----------------------------------------------------------------------
def good_xlsx(d: Path) -> Path:
    return county_xlsx(d / "good.xlsx")


def good_xls(d: Path) -> Path:
    """The same figures as good.xlsx in Excel 97-2003 format, with amounts in 万元."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("9月")
    ws.write(0, 0, TITLE)
    ws.write(1, 0, "填报单位：嘉善县经信局")
    for j, h in enumerate(["指标", "计量单位", "本期累计"]):
        ws.write(2, j, h)
    for i, r in enumerate([("数字化改造项目数", "个", 136), ("绿色化改造项目数", "个", 31),
                           ("直接拉动技改投资", "万元", 417000)], 3):
        for j, v in enumerate(r):
            ws.write(i, j, v)
    path = d / "good.xls"
    wb.save(str(path))
    return path


def good_csv(d: Path) -> Path:
    """Long layout: region, period, measure, unit, value per row (as a history export)."""
    path = d / "good.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["地区", "报告期", "指标名称", "单位", "数值"])
        w.writerow(["嘉善县", "2025-09", "数字化改造项目数", "个", "136"])
        w.writerow(["嘉善县", "2025-09", "绿色化改造项目数", "个", "31"])
        w.writerow(["嘉善县", "2025-09", "直接拉动技改投资", "亿元", "41.7"])
    return path


def history_xlsx(path: Path, n_rows: int = 20000) -> Path:
    """A long-format history workbook (region, period, measure, unit, value), n_rows figures,
    increasing month by month within each year so no year-to-date warning fires."""
    regions = ["南湖区", "秀洲区", "嘉善县", "平湖市", "海宁市", "海盐县", "桐乡市"]
    measures = [("数字化改造项目数", "个"), ("绿色化改造项目数", "个"), ("重点技术改造项目数", "个"),
                ("直接拉动技改投资", "亿元"), ("节约用能", "万吨标煤"), ("规上工业增加值", "亿元"),
                ("规上工业税收", "亿元"), ("规上工业企业数", "家"), ("完成数字化改造2.0的规上工业企业数", "家"),
                ("规上工业用地面积", "亩")]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("历史数据")
    ws.append(["地区", "报告期", "指标名称", "单位", "数值", "备注"])
    n = 0
    year = 2004
    while n < n_rows:
        year += 1
        for month in range(1, 13):
            for ri, reg in enumerate(regions):
                for mi, (name, unit) in enumerate(measures):
                    if n >= n_rows:
                        break
                    base = 100 + ri * 10 + mi
                    value = base * month if mi < 7 else base * 10 + mi
                    if mi == 8:
                        value = base * 5  # 2.0 firms stay below all firms
                    ws.append([reg, f"{year}-{month:02d}", name, unit, value, None])
                    n += 1
    wb.save(path)
    return path


FIXTURES: dict[str, Callable[[Path], Path]] = {}


def fixture(fn: Callable[[Path], Path]) -> Callable[[Path], Path]:
    FIXTURES[fn.__name__] = fn
    return fn


for _f in (good_xlsx, good_xls, good_csv):
    fixture(_f)


@fixture
def empty_file(d: Path) -> Path:
    (d / "empty_file.xlsx").write_bytes(b"")
    return d / "empty_file.xlsx"


@fixture
def file_too_large(d: Path) -> Path:
    """A zip bomb in miniature: a valid workbook plus a 30 MB part of zeros (compresses to ~30 KB)."""
    good = county_xlsx(d / "_tmp_big.xlsx").read_bytes()
    (d / "file_too_large.xlsx").write_bytes(_replace_in_zip(good, {}, {"xl/media/zeros.bin": bytes(30_000_000)}))
    return d / "file_too_large.xlsx"


@fixture
def corrupt_file(d: Path) -> Path:
    good = county_xlsx(d / "_tmp_c.xlsx").read_bytes()
    (d / "corrupt_file.xlsx").write_bytes(good[: len(good) // 2])  # truncated download
    return d / "corrupt_file.xlsx"


@fixture
def unsupported_format(d: Path) -> Path:
    """A Word document named .xlsx (mislabelled)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    (d / "unsupported_format.xlsx").write_bytes(out.getvalue())
    return d / "unsupported_format.xlsx"


@fixture
def macro_file(d: Path) -> Path:
    good = county_xlsx(d / "_tmp_m.xlsx").read_bytes()
    (d / "macro_file.xlsx").write_bytes(_replace_in_zip(good, {}, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0VBA"}))
    return d / "macro_file.xlsx"


@fixture
def unsafe_xml(d: Path) -> Path:
    """'Billion laughs': entity declarations in the worksheet part."""
    good = county_xlsx(d / "_tmp_x.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    dtd = (b'<!DOCTYPE worksheet [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
    end = sheet.index(b"?>") + 2 if sheet.startswith(b"<?xml") else 0
    bad = sheet[:end] + dtd + sheet[end:]
    (d / "unsafe_xml.xlsx").write_bytes(_replace_in_zip(good, {"xl/worksheets/sheet1.xml": bad}))
    return d / "unsafe_xml.xlsx"


@fixture
def encrypted_file(d: Path) -> Path:
    """What Excel writes for a password-protected workbook: an OLE container with EncryptedPackage."""
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(512)
    (d / "encrypted_file.xlsx").write_bytes(data)
    return d / "encrypted_file.xlsx"


@fixture
def no_data(d: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["请见附件"])
    wb.save(d / "no_data.xlsx")
    return d / "no_data.xlsx"


@fixture
def region_unknown(d: Path) -> Path:
    return county_xlsx(d / "region_unknown.xlsx", title="主要指标完成情况（2025年1-9月）", unit_row=None)


@fixture
def period_unknown(d: Path) -> Path:
    return county_xlsx(d / "period_unknown.xlsx", title="嘉善县主要指标完成情况", unit_row=["填报单位：嘉善县"])


@fixture
def wrong_region(d: Path) -> Path:
    return county_xlsx(d / "wrong_region.xlsx")  # imported with region=平湖市


@fixture
def wrong_period(d: Path) -> Path:
    return county_xlsx(d / "wrong_period.xlsx")  # imported with period=2025-08


@fixture
def not_permitted(d: Path) -> Path:
    return county_xlsx(d / "not_permitted.xlsx", title="平湖市主要指标（2025年1-9月）",
                       unit_row=["填报单位：平湖市经信局"])  # imported by 嘉善县's reporter


def _one_bad_row(name: str, row: list) -> Callable[[Path], Path]:
    def build(d: Path) -> Path:
        return county_xlsx(d / f"{name}.xlsx", GOOD_ROWS + [row])
    build.__name__ = name
    return fixture(build)


_one_bad_row("unknown_name", ["不存在的指标", "个", 5, None])
_one_bad_row("not_a_number", ["重点技术改造项目数", "个", "十二", None])
_one_bad_row("negative_count", ["重点技术改造项目数", "个", -3, None])
_one_bad_row("negative_value", ["规上工业增加值", "亿元", "-5", None])
_one_bad_row("not_whole_number", ["重点技术改造项目数", "个", 12.5, None])
_one_bad_row("unknown_unit", ["规上工业增加值", "斤", 300, None])
_one_bad_row("unit_not_convertible", ["节约用能", "万元", 300, None])
_one_bad_row("duplicate_row", ["数字化改造项目", "个", 140, None])
_one_bad_row("measure_not_for_region", ["市本级财政统筹安排“两化”改造资金", "亿元", 1, None])


@fixture
def part_exceeds_whole(d: Path) -> Path:
    return county_xlsx(d / "part_exceeds_whole.xlsx", GOOD_ROWS + [
        ["规上工业企业数", "家", 800, None], ["完成数字化改造2.0的规上工业企业数", "家", 900, None]])


@fixture
def formula_no_value(d: Path) -> Path:
    return county_xlsx(d / "formula_no_value.xlsx", GOOD_ROWS + [["重点技术改造项目数", "个", "=C4+C5", None]])


@fixture
def unknown_region(d: Path) -> Path:
    return summary_xlsx(d / "unknown_region.xlsx", SUMMARY_ROWS + [("火星县", 10, 5, 50, 1)])


@fixture
def rate_over_100(d: Path) -> Path:
    return summary_xlsx(d / "rate_over_100.xlsx", SUMMARY_ROWS + [("海盐县", None, None, "120%", 82)])


@fixture
def sum_mismatch(d: Path) -> Path:
    return summary_xlsx(d / "sum_mismatch.xlsx", SUMMARY_ROWS, total=[2460, 1560, None, 999])


@fixture
def summary_formula_total(d: Path) -> Path:
    """合计 written as formulas with no stored value (as openpyxl writes them): ignored."""
    return summary_xlsx(d / "summary_formula_total.xlsx", SUMMARY_ROWS,
                        total=["=SUM(B3:B5)", "=SUM(C3:C5)", None, "=SUM(E3:E5)"])


@fixture
def summary_right_total(d: Path) -> Path:
    return summary_xlsx(d / "summary_right_total.xlsx", SUMMARY_ROWS, total=[2460, 1560, None, 233])


@fixture
def ytd_decrease(d: Path) -> Path:
    """Lower than good.xlsx (2025-09) a month later: imported for 2025-10 after good.xlsx.  Its
    header says 1-10月累计 (a header that still said 1-9月 would be refused: wrong_period)."""
    return county_xlsx(d / "ytd_decrease.xlsx", [["数字化改造项目数", "个", 120, None]],
                       title="嘉善县主要指标（2025年1-10月）", unit_row=["填报单位：嘉善县"],
                       header=["指标名称", "单位", "1-10月累计", "备注"])


# ---- sheets as offices write them (issue 9): 海宁市, 2025年1-10月 -----------------------------------
HAINING_TITLE = "海宁市“两化”改造主要指标完成情况（2025年1-10月）"
HAINING_ROWS = [
    ["数字化改造项目数", "个", 212, None],
    ["绿色化改造项目数", "个", 40, None],
    ["直接拉动技改投资", "万元", 58300, None],     # = 5.83 亿元
]


def office_xlsx(path: Path, rows=None, *, top=None, bottom=None, sheet="Sheet1",
                header=("指标名称", "单位", "本期累计", "备注")) -> Path:
    """A one-county sheet: the rows ``top`` (title, 填报单位 …), a header, the data rows, an empty
    row and the rows ``bottom`` (footer).  Cells may be dates."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in [[HAINING_TITLE], ["填报单位：海宁市经信局"]] if top is None else top:
        ws.append(list(r))
    ws.append(list(header))
    for r in HAINING_ROWS if rows is None else rows:
        ws.append(list(r))
    ws.append([])
    for r in bottom or []:
        ws.append(list(r))
    wb.save(path)
    return path


@fixture
def fill_date_footer(d: Path) -> Path:
    """The footer dates the form: 填报日期 in its own cell, and a whole footer line in one cell."""
    return office_xlsx(d / "fill_date_footer.xlsx", bottom=[
        ["填表人：王某", None, "填报日期：2025年11月5日"],
        ["填表人：王某    审核人：李某    报出日期：2025年11月6日"],
    ])


@fixture
def fill_date_header(d: Path) -> Path:
    """Header rows date the sending: '报送时间：2025-11-06' (a 时间 label), a lone '填报时间：' with
    a date cell beside it, '制表日期 2025/11/04'; and a bare signing date under the table."""
    return office_xlsx(d / "fill_date_header.xlsx", top=[
        [HAINING_TITLE],
        ["填报单位：海宁市经信局", None, "报送时间：2025-11-06"],
        ["填报时间：", datetime(2025, 11, 5), "制表日期 2025/11/04"],
    ], bottom=[["填表人：王某"], [None, None, "2025年11月5日"]])


@fixture
def period_conflict(d: Path) -> Path:
    """A real conflict: the title says 1-10月, the 报告期 label says 9月 (and a fill date in 11月)."""
    return office_xlsx(d / "period_conflict.xlsx", top=[
        [HAINING_TITLE], ["填报单位：海宁市经信局", None, "报告期：2025年9月"],
    ], bottom=[["填报日期：2025年11月5日"]])


def year_title_sheet(d: Path, sheet: str, name: str = "year_title_sheet") -> Path:
    """The year only in the title, the months only in the sheet's name."""
    return office_xlsx(d / f"{name}.xlsx", sheet=sheet, top=[
        ["海宁市2025年“两化”改造主要指标完成情况"], ["填报单位：海宁市经信局"],
    ], bottom=[["填报日期：2025年11月5日"]])


@fixture
def year_title_month_sheet(d: Path) -> Path:
    return year_title_sheet(d, "1-10月", "year_title_month_sheet")


@fixture
def placeholders(d: Path) -> Path:
    """Placeholders where the template asks for a figure (重点技术改造项目数 'N/A', 节约用能 '无',
    规上工业增加值 '—', 规上工业税收 '/', 服务业增加值 '暂无', 规上工业企业数 '－') and where it does not
    (the rate-only 数字化改造2.0覆盖率 '—', the city-only 市本级资金 '/')."""
    return office_xlsx(d / "placeholders.xlsx", HAINING_ROWS + [
        ["重点技术改造项目数", "个", "N/A", None],
        ["节约用能", "万吨标煤", "无", None],
        ["规上工业增加值", "亿元", "—", None],
        ["规上工业税收", "亿元", "/", None],
        ["服务业增加值", "亿元", "暂无", "按季度报送"],
        ["规上工业企业数", "家", "－", None],
        ["数字化改造2.0覆盖率（仅报比率）", "%", "—", None],
        ["市本级财政统筹安排“两化”改造资金", "亿元", "/", None],
    ])


@fixture
def summary_placeholders(d: Path) -> Path:
    """The working group's summary: 海盐县 writes '—' for the coverage rate (optional: the template
    asks for the parts, never the rate), 秀洲区 writes '无' for its projects (asked for)."""
    return summary_xlsx(d / "summary_placeholders.xlsx", [
        ("南湖区", 690, 420, 60.9, 70), ("秀洲区", 790, 500, 63.3, "无"), ("海盐县", 590, 350, "—", 82)])


def build(name: str, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return FIXTURES[name](directory)


def build_all(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = {name: fn(directory) for name, fn in FIXTURES.items()}
    for tmp in directory.glob("_tmp_*"):
        tmp.unlink()
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "ingest-fixtures")
    for name, path in build_all(target).items():
        print(f"{name:24} {path}")
