"""`jxtrack report` and `jxtrack quality`: one step to the month's files, one Chinese line for a
mistake."""

from __future__ import annotations

import io
import json

import pandas as pd
from docx import Document
from openpyxl import load_workbook

from jxtrack.cli import run as cli


def run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_writes_word_and_excel(demo_store, tmp_path, capsys):
    docx, xlsx = tmp_path / "通报.docx", tmp_path / "通报.xlsx"
    code, out, _ = run(capsys, "report", "--period", "2026-10", "-o", str(docx), "--no-charts")
    assert code == 0 and docx.exists() and "示例数据" in out
    assert Document(str(docx)).paragraphs[0].text.startswith("嘉兴市制造业")
    code, _, _ = run(capsys, "report", "-o", str(xlsx))
    assert code == 0 and "指标汇总" in load_workbook(xlsx).sheetnames
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".jxtrack-")]  # no temp file left


def test_report_refuses_unknown_extension_without_writing(demo_store, tmp_path, capsys):
    code, _, err = run(capsys, "report", "-o", str(tmp_path / "通报.pdf"))
    assert code == 2 and err.count("\n") == 1
    assert "不支持的文件类型 .pdf" in err and ".docx" in err and ".xlsx" in err
    assert not (tmp_path / "通报.pdf").exists()


def test_report_period_without_data_and_missing_folder(demo_store, tmp_path, capsys):
    code, _, err = run(capsys, "report", "--period", "2030-01", "-o", str(tmp_path / "a.docx"))
    assert code == 2 and "2030-01 没有任何区县报送数据" in err and "Traceback" not in err
    code, _, err = run(capsys, "report", "-o", str(tmp_path / "no" / "a.docx"))
    assert code == 2 and "输出目录" in err


def test_quality_formats(demo_store, capsys):
    code, out, _ = run(capsys, "quality", "--period", "2026-10", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert {"check", "region", "indicator", "period", "upload_id", "message"} <= set(df.columns)
    code, out, _ = run(capsys, "quality", "--format", "json")
    assert code == 0 and isinstance(json.loads(out), list)
    code, out, _ = run(capsys, "quality")
    assert code == 0 and out.startswith("【示例数据】")
