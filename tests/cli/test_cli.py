"""The jxtrack command: output columns, one clear line for bad input, no traceback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from jxtrack.cli import run as cli
from jxtrack.services import lookup

STATUS_COLS = ("indicator_code,indicator_name,region,period,actual,unit,target,completion,expected,"
               "gap,light,forecast,required_pace,yoy,rank").split(",")


def run(capsys, *args):
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_targets_csv_columns_and_every_tax_figure(demo_store, capsys):
    code, out, _ = run(capsys, "targets", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert list(df.columns) == ["indicator_code", "indicator_name", "region", "year", "target_value",
                                "comparator", "source", "status", "binding", "binding_reason"]
    tax = df[(df.indicator_code == "tax_per_mu") & (df.year == 2026) & (df.region == "嘉兴市")]
    # 6号 40, 14号 41 (both official), the draft's 42
    assert sorted(tax["target_value"]) == [40, 41, 42]
    official = tax[tax.binding]
    assert official["target_value"].tolist() == [40] and official["status"].tolist() == ["official"]
    assert "嘉政发〔2024〕6号" in official["source"].iloc[0]
    assert official["binding_reason"].iloc[0].startswith("目录默认：")


def test_status_json_has_every_indicator_for_city_and_counties(demo_store, capsys):
    code, out, _ = run(capsys, "status", "--period", "2026-10", "--format", "json")
    assert code == 0
    df = pd.DataFrame(json.loads(out))
    assert list(df.columns) == STATUS_COLS
    n_ind = len(lookup.catalog().indicators)
    city = df[df.region == "嘉兴市"]
    assert len(city) == n_ind and set(city["indicator_code"]) == set(lookup.catalog().indicators["code"])
    assert set(df["light"]) <= {"green", "yellow", "red", "done", "none"}
    # the demo makes every colour occur
    assert {"green", "yellow", "red", "done"} <= set(df["light"])
    assert (df["period"] == "2026-10").all()


def test_status_region_and_default_period(demo_store, capsys):
    code, out, _ = run(capsys, "status", "--region", "嘉善", "--format", "csv")
    assert code == 0
    df = pd.read_csv(io.StringIO(out))
    assert set(df["region"]) == {"嘉善县"} and set(df["period"]) == {"2026-10"}


def test_status_table_is_labelled_demo(demo_store, capsys):
    code, out, _ = run(capsys, "status", "--period", "2026-10", "--region", "嘉兴市")
    assert code == 0 and out.startswith("【示例数据】")


@pytest.mark.parametrize("args, message", [
    (["status", "--period", "2026-13"], "报告期 “2026-13” 格式不对"),
    (["status", "--format", "xml"], "无效的选项"),
    (["status", "--region", "上海"], "没有名为 “上海” 的地区"),
    (["user", "add", "x", "--role", "county", "--password-stdin"], "必须用 --region"),
    (["demo", "--regions", "0"], "必须大于 0"),
    (["frobnicate"], "无效的选项"),
])
def test_bad_input_gets_one_chinese_line(demo_store, capsys, monkeypatch, args, message):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-good-password\n"))
    code, out, err = run(capsys, *args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_database_is_explained(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("JXTRACK_DB", str(tmp_path / "none.duckdb"))
    code, _, err = run(capsys, "status")
    assert code == 2 and "jxtrack init" in err


def test_user_add_reads_password_from_stdin(demo_store, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-pass\n"))
    code, out, err = run(capsys, "user", "add", "ph", "--role", "county", "--region", "平湖市", "--password-stdin")
    assert code == 0, err
    row = demo_store.get_user("ph")
    assert row["region"] == "330482" and row["password_hash"].startswith("$argon2")


def test_no_traceback_from_the_real_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "JXTRACK_DEBUG"}
    env["JXTRACK_DB"] = str(tmp_path / "x.duckdb")
    exe = os.path.join(os.path.dirname(sys.executable), "jxtrack")
    for args in (["status", "--period", "bad"], ["targets"], ["init"], ["status"]):
        r = subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=120)
        assert "Traceback" not in r.stderr + r.stdout, r.stderr
    r = subprocess.run([exe, "status"], capture_output=True, text=True, env=env, timeout=120)
    # an initialised database without figures: a clear message, not a crash
    assert r.returncode == 2 and "还没有任何数据" in r.stderr
    # with a period given, every indicator is there, grey (none): nothing was reported
    r = subprocess.run([exe, "status", "--period", "2026-10", "--format", "csv"], capture_output=True,
                       text=True, env=env, timeout=120)
    df = pd.read_csv(io.StringIO(r.stdout))
    assert r.returncode == 0 and set(df["light"]) == {"none"} and df["actual"].isna().all()


def test_regions_only_in_the_database_work_in_every_command(tmp_path, capsys, monkeypatch):
    """Issue 8: after `jxtrack demo --regions 3` the template of a synthetic county ended in an
    internal error (exit 70): the catalog was read from the files, the regions from the database."""
    import openpyxl

    monkeypatch.setenv("JXTRACK_DB", str(tmp_path / "s.duckdb"))
    assert cli.main(["demo", "--regions", "3", "--years", "1"]) == 0
    capsys.readouterr()
    out = tmp_path / "t.xlsx"
    assert cli.main(["template", "--region", "示例区县0001", "--period", "2026-10", "-o", str(out)]) == 0
    assert "示例区县0001" in openpyxl.load_workbook(out)["填报表"]["A2"].value
    capsys.readouterr()
    assert cli.main(["status", "--region", "示例区县0002", "--format", "csv"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(rows["region"]) == {"示例区县0002"} and len(rows) > 10


def test_a_reader_that_stops_reading_is_not_an_internal_error(demo_store, tmp_path):
    """`jxtrack status | head -1`: the pipe closes early; no 程序内部出错, no error log."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "JXTRACK_DB": demo_store.key, "PYTHONPATH": str(root / "src"), "JXTRACK_DEBUG": "0",
           "JXTRACK_LOG_DIR": str(tmp_path)}
    # `true` exits at once without reading: every write of ours meets a closed pipe
    cmd = f"{sys.executable} -m jxtrack.cli status --format csv | true"
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], env=env, capture_output=True, text=True, timeout=120)
    assert "程序内部出错" not in r.stderr and "Traceback" not in r.stderr and "Broken" not in r.stderr, r.stderr
    assert r.returncode in (0, 141)          # 141: ended by the closed pipe, as a shell reports SIGPIPE
    assert not (tmp_path / "jxtrack-errors.log").exists()
