"""One table declares every command (jxtrack.cli.commands): each handler resolves, each says what it
does to the database, the shared options are the same objects everywhere, and the CLI modules are
joined only by top-level imports (no plugin loop over module names, no imports inside functions)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from jxtrack.cli import commands, parser
from jxtrack.cli import run as cli

CLI_DIR = Path(commands.__file__).parent
LEAVES = commands.leaves()
# the commands that only read: they must not upgrade a database behind the user's back
READERS = {("targets",), ("status",), ("user", "list"), ("template",), ("uploads",), ("quality",),
           ("projects", "template"), ("projects", "list"), ("projects", "uploads"), ("projects", "rules"),
           ("subsidy",), ("fund",), ("remind",), ("review", "list"), ("supervise", "list")}
WRITERS = {("user", "add"), ("import",), ("rollback",), ("report",), ("projects", "import"), ("projects", "bind"),
           ("review", "approve"), ("review", "return"), ("review", "reopen"),
           ("supervise", "open"), ("supervise", "reply"), ("supervise", "close"), ("supervise", "press")}
OWN_DATABASE = {("init",), ("demo",), ("accounts",), ("migrate",)}


def test_every_command_is_in_the_table_once_with_a_handler_that_resolves():
    names = [words for words, _ in LEAVES]
    assert len(names) == len(set(names)) == 33   # 24 + review (4) + supervise (5)
    for words, cmd in LEAVES:
        module, _, function = cmd.handler.partition(":")
        assert module.startswith("jxtrack.cli.") and callable(getattr(importlib.import_module(module), function)), words


def test_what_each_command_does_to_the_database():
    modes = {words: cmd.database for words, cmd in LEAVES if not callable(cmd.database)}
    assert {w for w, m in modes.items() if m == "read"} == READERS
    assert {w for w, m in modes.items() if m == "write"} == WRITERS
    assert {w for w, m in modes.items() if m == "none"} == OWN_DATABASE
    # showing the due day reads; setting it writes
    (due,) = [cmd for words, cmd in LEAVES if words == ("settings", "due-day")]
    p = commands.build_parser()
    assert due.database_for(p.parse_args(["settings", "due-day"])) == "read"
    assert due.database_for(p.parse_args(["settings", "due-day", "12", "--reason", "节假日"])) == "write"


@pytest.mark.parametrize("argv, expected", [
    (["status"], {"format": "table", "period": None, "region": None}),
    (["targets"], {"format": "csv"}),
    (["quality", "--period", " 2026-01 ", "--format", "json"], {"format": "json", "period": "2026-01"}),
    (["projects", "list", "--as", "jiashan", "--region", "嘉善县"], {"as_user": "jiashan", "region": "嘉善县", "format": "table"}),
    (["fund", "--year", "2026", "--as", "staff1"], {"as_user": "staff1", "year": 2026}),
    (["import", "f.xlsx", "--as", "x"], {"as_user": "x", "file": "f.xlsx", "period": None}),
])
def test_shared_options_parse_the_same_everywhere(argv, expected):
    args = vars(commands.build_parser().parse_args(argv))
    assert {k: args[k] for k in expected} == expected


def test_shared_options_are_declared_once():
    """Every command with --format, --as, --period (the cycle's default) or --region as a filter
    takes it from the one parent parser: the same argparse action, so the same help and type."""
    shared = {"--format": {id(parser.FORMAT._actions[0]), id(parser.FORMAT_CSV._actions[0])},
              "--as": {id(parser.AS_USER._actions[0])}}
    p = commands.build_parser()
    seen = {"--format": 0, "--as": 0}
    for words, _ in LEAVES:
        sub = p
        for w in words:
            sub = next(a for a in sub._actions if a.dest.endswith("command")).choices[w]
        for action in sub._actions:
            for flag in set(action.option_strings) & set(shared):
                assert id(action) in shared[flag], (words, flag)
                seen[flag] += 1
    assert seen == {"--format": 10, "--as": 20}   # + supervise list; + every review/supervise step


def _cli_modules() -> list[Path]:
    return sorted(CLI_DIR.glob("*.py"))


def test_cli_modules_import_each_other_only_at_the_top():
    for path in _cli_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom):
                    assert not (node.module or "").startswith("jxtrack.cli"), f"{path.name}:{node.lineno}"
                if isinstance(node, ast.Import):
                    assert not any(a.name.startswith("jxtrack.cli") for a in node.names), f"{path.name}:{node.lineno}"
        # the old plugin hook: a loop importing command modules by name
        assert "_extensions" not in path.read_text(encoding="utf-8"), path.name


def test_the_parser_and_boundary_import_no_handler():
    """run, commands and parser (what --help loads) import nothing of the handlers or services at the top."""
    for name in ("run", "commands", "parser", "database"):
        tree = ast.parse((CLI_DIR / f"{name}.py").read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        modules = {n.module for n in top if isinstance(n, ast.ImportFrom)} | {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
        ours = {m for m in modules if m and m.startswith(("jxtrack", "metrics"))}
        assert ours <= {"jxtrack.cli.commands", "jxtrack.cli.database", "jxtrack.cli.parser", "jxtrack.domain.errors",
                        "jxtrack.domain.access"}, (name, ours)


def test_main_is_the_entry_point():
    import tomllib

    scripts = tomllib.loads((CLI_DIR.parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["jxtrack"] == "jxtrack.cli.run:main" and callable(cli.main)
