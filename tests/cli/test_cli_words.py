"""argparse speaks Chinese (issue 20, item 5): a bad argument is one Chinese line saying what is
wrong, and the help says 用法/选项 -- no "invalid int value", "usage:", "show this help message"."""

from __future__ import annotations

import re

import pytest

from jxtrack.cli import run as cli


def _english(text: str) -> list[str]:
    """English words left once the command, option names, metavars and the user's values are removed."""
    text = re.sub(r"--?[\w-]+|“[^”]*”|`[^`]*`|\[[^\]]*\]", " ", text)
    return [w for w in re.findall(r"[A-Za-z][\w-]{2,}", text)
            if w not in {"jxtrack", "csv", "json", "table", "file", "upload_id", "username", "YYYY", "xlsx", "xls",
                         "JXTRACK_DB", "var", "duckdb", "init", "demo", "targets", "status", "user", "accounts",
                         "migrate", "template", "import", "uploads", "rollback", "report", "quality", "projects",
                         "subsidy", "fund", "settings", "remind", "review", "add", "list", "postgresql", "Excel", "Word",
                         "REGION", "PERIOD", "USERNAME", "OUTPUT", "FORMAT", "LIMIT", "REASON", "ROLE", "NAME",
                         "EMAIL", "YEARS", "REGIONS", "admin", "staff", "county", "leader", "SOURCE", "TARGET",
                         "FILE", "YEAR", "DAY", "reason", "supervise"}]


@pytest.mark.parametrize("argv, said", [
    (["rollback", "abc"], "参数 upload_id：“abc” 不是整数"),
    (["status", "--format", "xx"], "参数 --format：无效的选项“xx”（可选：csv、json、table）"),
    (["frob"], "无效的选项“frob”"),
    (["import"], "缺少必需的参数 file"),
    (["user", "add", "x"], "缺少必需的参数 --role、--password-stdin"),
    (["status", "--bogus"], "无法识别的参数 --bogus"),
    (["init", "--demo", "--demo-if-new"], "参数 --demo-if-new：不能与 --demo 同时使用"),
    (["user", "add", "x", "--role"], "参数 --role：后面需要给出一个值"),
    (["demo", "--regions", "2.5"], "参数 --regions：“2.5” 不是整数"),
])
def test_a_bad_argument_is_one_chinese_line(capsys, argv, said):
    assert cli.main(argv) == cli.EXIT_USER
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith("错误：参数错误：") and said in err and "查看用法" in err, err
    assert _english(err) == [], err


@pytest.mark.parametrize("argv", [["--help"], ["import", "--help"], ["user", "add", "-h"], ["rollback", "-h"]])
def test_help_is_chinese(capsys, argv):
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：jxtrack") and "显示本帮助并退出" in out
    # argparse's own words; the commands' descriptions are the project's (and may name PostgreSQL, .docx)
    for english in ("usage:", "options:", "positional arguments", "show this help message"):
        assert english not in out
