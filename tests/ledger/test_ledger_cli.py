"""The ledger commands: the contract's columns, exit codes, one Chinese line for a bad request."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import openpyxl
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from ledger_builders import code_for, ledger_xlsx, project  # noqa: E402

from jxtrack.cli import run as cli  # noqa: E402
from jxtrack.services import auth  # noqa: E402

SUBSIDY_COLS = ["project_name", "enterprise", "credit_code", "region", "rule", "clause", "basis",
                "amount", "status", "reason"]
FUND_COLS = ["year", "budget", "committed", "prepaid", "remaining", "committed_share"]


def run(capsys, *args):
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _users(store):
    auth.add_user(store, "jiashan", "pw-jiashan-1", "county", "330421", actor="test")
    auth.add_user(store, "pinghu", "pw-pinghu-1", "county", "330482", actor="test")


def test_template_imports_back(empty_store, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    code, _, _ = run(capsys, "projects", "template", "-o", out)
    assert code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["项目库"]
    ws.append(["项目甲", "企业甲", code_for(7), "海宁市", "数字化改造", "2025-01-05", "2025-12-01",
               100, 80, 50, "未参评", "否"])
    wb.save(out)
    code, text, err = run(capsys, "projects", "import", out)
    assert code == 0, err
    assert "已导入" in text and "1 个项目" in text


def test_import_list_subsidy_fund(empty_store, tmp_path, capsys):
    _users(empty_store)
    f = tmp_path / "l.xlsx"
    f.write_bytes(ledger_xlsx([project(1, grade="A", strategic="是"), project(2, productive=1999)]))
    code, text, _ = run(capsys, "projects", "import", f, "--as", "jiashan", "--dry-run")
    assert code == 0 and "试运行" in text
    code, out, _ = run(capsys, "projects", "list", "--format", "csv")
    assert code == 0 and pd.read_csv(io.StringIO(out)).empty
    assert run(capsys, "projects", "import", f, "--as", "jiashan")[0] == 0
    code, out, _ = run(capsys, "projects", "list", "--year", "2025", "--format", "json")
    df = pd.DataFrame(json.loads(out))
    assert df["project_name"].tolist() == ["项目1", "项目2"]
    code, out, _ = run(capsys, "subsidy", "--year", "2025", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == SUBSIDY_COLS
    assert df[["project_name", "amount", "status"]].values.tolist() == [["项目1", 1500.0, "eligible"],
                                                                     ["项目2", 0.0, "ineligible"]]
    assert df["basis"].iloc[0] == "A档1500万元，战新上浮5%为1575万元，封顶1500万元"
    assert df["clause"].iloc[0] == "嘉政发〔2024〕6号 三（一）1（1）"
    assert run(capsys, "subsidy", "--year", "2024", "--format", "csv")[1].strip() == ",".join(SUBSIDY_COLS)
    code, out, _ = run(capsys, "fund", "--year", "2025", "--format", "json")
    [row] = json.loads(out)
    assert list(row) == FUND_COLS
    assert (row["budget"], row["committed"], row["remaining"], row["committed_share"]) == (10000, 1500, 8500, 0.15)
    code, out, _ = run(capsys, "subsidy", "--year", "2025", "--format", "table")
    assert code == 0 and out.splitlines()[0].split() == SUBSIDY_COLS


def test_bad_credit_code_exit_2_names_cell(empty_store, tmp_path, capsys):
    f = tmp_path / "bad.xlsx"
    good = code_for(1)
    f.write_bytes(ledger_xlsx([project(1, code=good[:5] + "I" + good[6:])]))
    code, out, err = run(capsys, "projects", "import", f)
    assert code == 2
    assert "项目库!C4 bad_credit_code" in out and "未导入" in err and "Traceback" not in out + err


def test_county_cannot_list_another_county(empty_store, capsys):
    _users(empty_store)
    code, out, err = run(capsys, "projects", "list", "--region", "平湖市", "--as", "jiashan", "--format", "csv")
    assert code == 2 and out == ""
    assert err.startswith("错误：") and "平湖市" in err and len(err.strip().splitlines()) == 1


def test_cross_county_warning_needs_y(empty_store, tmp_path, capsys):
    _users(empty_store)
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(ledger_xlsx([project(1, region="平湖市")]))
    b.write_bytes(ledger_xlsx([project(1)]))
    assert run(capsys, "projects", "import", a, "--as", "pinghu")[0] == 0
    code, out, _ = run(capsys, "projects", "import", b, "--as", "jiashan")
    assert code == 3 and "cross_county_duplicate" in out
    assert run(capsys, "projects", "import", b, "--as", "jiashan", "-y")[0] == 0


def test_rollback_and_bind(empty_store, tmp_path, capsys):
    f = tmp_path / "a.xlsx"
    f.write_bytes(ledger_xlsx([project(1, type="其他", honours="省级未来工厂")]))
    run(capsys, "projects", "import", f)
    code, out, err = run(capsys, "projects", "bind", "future_factory", "future_factory_draft")
    assert code == 2 and "切换原因" in err
    assert run(capsys, "projects", "bind", "future_factory", "future_factory_draft", "--reason", "正式文件待印发")[0] == 0
    out = run(capsys, "subsidy", "--year", "2025", "--format", "csv")[1]
    assert pd.read_csv(io.StringIO(out))["amount"].tolist() == [300.0]
    code, _, _ = run(capsys, "rollback", "1", "--reason", "重报")
    assert code == 0
    assert pd.read_csv(io.StringIO(run(capsys, "projects", "list", "--format", "csv")[1])).empty
    up = pd.read_csv(io.StringIO(run(capsys, "projects", "uploads", "--format", "csv")[1]))
    assert up[["upload_id", "status"]].values.tolist() == [[1, "withdrawn"]]


def test_import_prints_the_ledger_cells_it_quotes_with_control_characters_escaped(empty_store, tmp_path, capsys):
    """Issue 18: a problem line quotes the cell, and a cell's ESC reached the terminal raw (it could
    clear the screen, recolour or forge the lines after it); now escaped like every user text."""
    import csv

    from ledger_builders import HEADER, KEYS

    rows = [project(1, code="\x1b[2J\x1b[31m伪造代码\x07")]
    f = tmp_path / "l.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows([["" if r.get(k) is None else r.get(k) for k in KEYS] for r in rows])
    code, out, err = run(capsys, "projects", "import", f)
    assert code != 0
    line = next(s for s in out.splitlines() if "bad_credit_code" in s)
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert "（读到 “\\e[2J\\e[31m伪造代码\\x07”）" in line
