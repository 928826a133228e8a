"""Builders for ledger tests: valid credit codes (computed here, independently of the code under
test) and ledger workbooks with the template's header."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

# GB 32100-2015, written out again here so the tests do not trust the module they test
_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def valid_code(first17: str) -> str:
    s = sum(_ALPHA.index(ch) * w for ch, w in zip(first17, _W, strict=True))
    return first17 + _ALPHA[(31 - s % 31) % 31]


def code_for(n: int, region: str = "330421") -> str:
    """A distinct valid code per enterprise number."""
    return valid_code(f"91{region}MA{n:07d}"[:17])


HEADER = ["项目名称", "企业名称", "统一社会信用代码", "所在地区", "项目类型", "开工日期", "验收日期",
          "总投资（万元）", "生产性投入（不含土建）（万元）", "设备投资额（万元）", "绩效综合评价", "战略性新兴产业",
          "年节能量（吨标准煤）", "二氧化碳年减排量（吨）", "年节水量（万吨）", "第三方认定", "认定",
          "列入省级计划", "承诺说明"]
KEYS = ["name", "enterprise", "code", "region", "type", "start", "accept", "total", "productive",
        "equipment", "grade", "strategic", "energy", "co2", "water", "third", "honours", "plist", "commit"]


def project(n: int, **kw) -> dict:
    base = {"name": f"项目{n}", "enterprise": f"企业{n}", "code": code_for(n), "region": "嘉善县",
            "type": "智能化技术改造", "start": date(2024, 3, 1), "accept": date(2025, 6, 30),
            "total": 3000, "productive": 2500, "equipment": 1000, "grade": "B", "strategic": "否",
            "energy": None, "co2": None, "water": None, "third": "否", "honours": None, "plist": "否",
            "commit": "否"}
    base.update(kw)
    return base


def ledger_xlsx(rows: list[dict], title_region: str | None = None, header: list[str] | None = None) -> bytes:
    """A ledger workbook: title, 填报单位 line, header in row 3, one project per row from row 4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目库"
    ws.append(["“两化”改造项目库"])
    ws.append([f"填报单位：{title_region or ''}"])
    ws.append(header or HEADER)
    for r in rows:
        ws.append([r.get(k) for k in KEYS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
