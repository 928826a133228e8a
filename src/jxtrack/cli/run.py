"""The ``jxtrack`` command.  Errors are translated into one Chinese line here, at the boundary;
no traceback reaches the user.  Set JXTRACK_DEBUG=1 to see tracebacks of unexpected errors."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import traceback
import unicodedata
from pathlib import Path

import pandas as pd

from jxtrack.catalog.model import CatalogError
from jxtrack.domain import access, clock, lights
from jxtrack.present import outputs
from jxtrack.services import auth, lookup, setup_db, status_table
from jxtrack.store.interface import (
    Store,
    StoreBusyError,
    StoreDiskFullError,
    StoreError,
    StoreReadOnlyError,
    StoreUnavailableError,
    audit_origin,
    fallback_log_folder,
    log_folder,
    private_folder,
)

EXIT_USER = 2
EXIT_BUG = 70
EXIT_BUSY = 75  # EX_TEMPFAIL: the database stayed busy or its connection was lost; nothing was done, try again
EXIT_DISK_FULL = 74   # EX_IOERR: the disk holding the database is full; nothing was written
EXIT_READ_ONLY = 77   # EX_NOPERM: the database folder cannot be written; nothing was written

# operator events (store.log_event: database busy, an import not done) are written to jxtrack.log;
# the terminal gets the Chinese message only, not also Python's fallback printing of the log line
logging.getLogger("jxtrack.store").addHandler(logging.NullHandler())


class UsageError(Exception):
    pass


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


def _listing(text: str) -> str:
    """"'a', 'b'" or "a, b" -> "a、b"."""
    return "、".join(p.strip().strip("'\"") for p in text.split(","))


# argparse's own messages (Python 3.11-3.13 wording) -> Chinese, in the order they are tried
_ARGPARSE_WORDS: list[tuple[re.Pattern, object]] = [(re.compile(p), f) for p, f in [
    (r"^argument (?P<arg>.+?): (?P<rest>.*)$", lambda m: f"参数 {m['arg']}：{_translate(m['rest'])}"),
    (r"^invalid int value: '(?P<v>.*)'$", lambda m: f"“{m['v']}” 不是整数"),
    (r"^invalid float value: '(?P<v>.*)'$", lambda m: f"“{m['v']}” 不是数字"),
    (r"^invalid \S+ value: '(?P<v>.*)'$", lambda m: f"“{m['v']}” 不是有效的值"),
    (r"^invalid choice: '(?P<v>.*?)' \(choose from (?P<c>.*)\)$",
     lambda m: f"无效的选项“{m['v']}”（可选：{_listing(m['c'])}）"),
    (r"^expected one argument$", lambda m: "后面需要给出一个值"),
    (r"^expected at most one argument$", lambda m: "后面最多给出一个值"),
    (r"^expected at least one argument$", lambda m: "后面至少需要给出一个值"),
    (r"^expected (?P<n>\d+) arguments?$", lambda m: f"后面需要给出 {m['n']} 个值"),
    (r"^not allowed with argument (?P<o>.*)$", lambda m: f"不能与 {m['o']} 同时使用"),
    (r"^ignored explicit argument '(?P<v>.*)'$", lambda m: f"不接受值“{m['v']}”"),
    (r"^the following arguments are required: (?P<a>.*)$", lambda m: f"缺少必需的参数 {_listing(m['a'])}"),
    (r"^unrecognized arguments: (?P<a>.*)$", lambda m: f"无法识别的参数 {m['a']}"),
    (r"^one of the arguments (?P<a>.*) is required$", lambda m: f"必须给出以下参数之一：{m['a']}"),
    (r"^ambiguous option: (?P<o>\S+) could match (?P<c>.*)$",
     lambda m: f"选项 {m['o']} 不明确，可能是 {_listing(m['c'])}"),
]]


def _translate(message: str) -> str:
    for pattern, words in _ARGPARSE_WORDS:
        m = pattern.match(message)
        if m:
            return words(m)
    return message  # our own type functions' messages are Chinese already


class _Parser(argparse.ArgumentParser):
    """argparse speaking Chinese: a bad argument is one clear Chinese line (``error``), and the
    help says 用法/选项 with a Chinese -h."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"参数错误：{_translate(message)}。用 `{self.prog} --help` 查看用法。")


def _period(text: str) -> str:
    try:
        return lookup.parse_period(text)
    except lookup.ServiceError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip("。")) from None


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” 不是整数") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"“{text}” 必须大于 0")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="jxtrack", description="嘉兴市“两化”改造与两业融合目标跟踪（数据库由 JXTRACK_DB 指定，默认 var/jxtrack.duckdb）")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="命令")

    s = sub.add_parser("init", help="创建或升级数据库，载入目录（指标、目标），可选示例数据")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--demo", action="store_true", help="同时载入示例数据和示例账号")
    g.add_argument("--demo-if-new", action="store_true", help="仅当数据库尚不存在时载入示例数据")

    s = sub.add_parser("demo", help="生成规模化的合成数据（用于性能测试），替换已有示例数据")
    s.add_argument("--regions", type=_positive_int, default=7, help="合成区县个数（默认 7）")
    s.add_argument("--years", type=_positive_int, default=3, help="年数（默认 3）")

    s = sub.add_parser("targets", help="列出全部目标及其出处")
    s.add_argument("--format", choices=["csv", "json", "table"], default="csv")

    s = sub.add_parser("status", help="各指标完成情况、亮灯、预测")
    s.add_argument("--period", type=_period, help="报告期 YYYY-MM（默认最近一个已报齐或已过报送截止日的月份）")
    s.add_argument("--region", help="地区名称或代码（默认全市及各区县）")
    s.add_argument("--format", choices=["csv", "json", "table"], default="table")

    s = sub.add_parser("user", help="用户管理")
    us = s.add_subparsers(dest="user_command", required=True, parser_class=_Parser, metavar="子命令")
    a = us.add_parser("add", help="新增用户（密码从标准输入读取）")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=list(access.ROLES))
    a.add_argument("--region", help="区县填报员所属区县")
    a.add_argument("--name", help="显示名称")
    a.add_argument("--email")
    a.add_argument("--password-stdin", action="store_true", required=True, help="从标准输入读取密码")
    us.add_parser("list", help="列出用户")

    sub.add_parser("accounts", help="显示示例数据库的示例账号")

    s = sub.add_parser("migrate", help="把整个数据库复制到一个新的 PostgreSQL 数据库并核对")
    s.add_argument("--from", dest="source", help="来源数据库（DuckDB 文件或 postgresql:// 地址；默认 JXTRACK_DB）")
    s.add_argument("--to", dest="target", required=True,
                   help="目标：新建的空 PostgreSQL 数据库，postgresql://用户@主机:端口/库名")
    for ext in _extensions():
        ext.register(sub)
    return p


def _extensions():
    """Command groups that live in their own modules (import, reports), each with
    ``COMMANDS``, ``register(subparsers)`` and ``run(args) -> int``."""
    import importlib

    mods = []
    for name in ("jxtrack.cli.ingest", "jxtrack.cli.reports", "jxtrack.cli.projects", "jxtrack.cli.cycle",
                 "jxtrack.cli.review"):
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return mods


def main(argv: list[str] | None = None) -> int:
    debug = os.environ.get("JXTRACK_DEBUG") == "1"
    try:
        args = build_parser().parse_args(argv)
        # The CLI is the server operator's tool (README: trust model): whoever can write the
        # database file can act as anyone with --as.  So every change it makes records who ran it.
        with audit_origin(via="cli", os_user=_os_user(), os_uid=os.getuid(),
                          as_user=getattr(args, "as_user", None)):
            return run(args)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except (StoreBusyError, StoreUnavailableError) as exc:
        print(f"错误：{outputs.printable(exc)}", file=sys.stderr)
        return EXIT_BUSY
    except StoreDiskFullError as exc:
        print(f"错误：{outputs.printable(exc)}", file=sys.stderr)
        return EXIT_DISK_FULL
    except StoreReadOnlyError as exc:
        print(f"错误：{outputs.printable(exc)}", file=sys.stderr)
        return EXIT_READ_ONLY
    except (UsageError, lookup.ServiceError, StoreError, access.AuthError) as exc:
        print(f"错误：{outputs.printable(exc)}", file=sys.stderr)
        return EXIT_USER
    except (CatalogError, clock.ClockError) as exc:
        print(f"错误：{exc}", file=sys.stderr)  # may list several problems, one per line
        return EXIT_USER
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader stopped reading (`jxtrack status | head`): not an error of ours.  Point stdout
        # at /dev/null so Python's flush at exit does not fail again; 141 is what a shell reports
        # for a command ended by SIGPIPE
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        return 141
    except Exception:
        if debug:
            raise
        log = _log_bug()
        print(f"错误：程序内部出错，操作未完成（数据库未被部分修改）。详情已记入 {log}，请发给管理员。",
              file=sys.stderr)
        return EXIT_BUG


def _os_user() -> str:
    """The operating-system account running the command (the uid when it has no name)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return str(os.getuid())


def _log_bug() -> Path:
    """Write the traceback to ``jxtrack-errors.log`` (beside the database, or in the fallback
    folder when that cannot be written); the file written."""
    first = log_folder() / "jxtrack-errors.log"
    for path in dict.fromkeys([first, fallback_log_folder() / "jxtrack-errors.log"]):
        try:
            private_folder(path.parent)
            # tracebacks can quote data: owner only, like the database beside it
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as f:
                f.write(f"--- {clock.now():%Y-%m-%d %H:%M:%S} {' '.join(sys.argv)}\n")
                f.write(traceback.format_exc())
            return path
        except OSError:
            continue
    return first


def _store(must_exist: bool = True) -> Store:
    store = Store()
    if must_exist and not store.exists():
        raise lookup.ServiceError(
            f"数据库 {store.label} 不存在。请先运行 `jxtrack init`（或 `jxtrack init --demo` 载入示例数据）。"
        )
    if must_exist:
        store.migrate()
    return store


def _migrate(args: argparse.Namespace) -> int:
    from jxtrack.services import moving
    from jxtrack.store.interface import target_from_env

    report = moving.move(args.source or target_from_env(), args.target, actor=access.OPERATOR.username)
    print(f"已复制 {report.source} → {report.target}：")
    for table, n in report.copied.items():
        print(f"  {table:<24}{n:>10,} 行")
    if report.ok:
        print(f"核对一致：{len(report.copied)} 张表行数相同；{len(report.periods_checked)} 个月份的状态表逐行相同。")
        print(f"今后使用新数据库：JXTRACK_DB={report.target}")
        return 0
    for table, (a, b) in report.counts_differ.items():
        print(f"错误：{table} 行数不一致（来源 {a}，目标 {b}）。", file=sys.stderr)
    if report.periods_differ:
        print(f"错误：以下月份的状态表不一致：{'、'.join(report.periods_differ)}。", file=sys.stderr)
    print("迁移后的核对未通过：请不要使用目标数据库，删除后重新迁移，并把以上信息发给管理员。", file=sys.stderr)
    return EXIT_USER


def run(args: argparse.Namespace) -> int:
    cmd = args.command
    if cmd == "init":
        store = Store()
        new = not store.exists()
        res = setup_db.init(store, lookup.catalog(), with_demo=args.demo or (args.demo_if_new and new))
        store.restrict_access()
        msg = f"数据库 {store.label} 已就绪（架构版本 {store.schema_version()}）"
        if res["migrations"]:
            msg += f"，执行迁移 {res['migrations']}"
        if res["demo_loaded"]:
            msg += "，已载入示例数据（示例数据）"
        print(msg + "。")
        return 0
    if cmd == "demo":
        from jxtrack.services import demo

        store = Store()
        setup_db.init(store, lookup.catalog())
        regions = demo.synthetic_regions(lookup.catalog(), args.regions)
        setup_db.load_demo(store, lookup.catalog(), regions=regions, years=args.years)
        print(f"已生成示例数据：{args.regions} 个合成区县，{args.years} 年，截至 {demo.DEMO_END}（{store.label}）。")
        return 0
    if cmd == "targets":
        t = status_table.targets_table(_store())
        _emit(t[["indicator_code", "indicator_name", "region", "year", "target_value", "comparator",
                 "source", "status", "binding", "binding_reason"]], args.format)
        return 0
    if cmd == "status":
        store = _store()
        st = status_table.status(store, args.period, args.region)
        out = st[status_table.STATUS_COLUMNS]
        if args.format == "table":
            if store.is_demo():
                print("【示例数据】以下为系统生成的示例数据，不是真实统计数字。")
            _emit(_format_for_table(out, st["light_reason"].to_numpy()), "table")
        else:
            _emit(out, args.format)
        return 0
    if cmd == "user":
        store = _store()
        if args.user_command == "add":
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise UsageError("没有从标准输入读到密码。用法：echo '密码' | jxtrack user add 用户名 --role … --password-stdin")
            region = lookup.resolve_region(store, args.region) if args.region else None
            auth.add_user(store, args.username, password, args.role, region, actor=access.OPERATOR.username,
                          display_name=args.name, email=args.email)
            print(f"已新增用户 {args.username}（{access.ROLES[args.role]}）。")
        else:
            _emit(store.users(), "table")
        return 0
    if cmd == "accounts":
        store = Store()
        if store.exists() and store.is_demo():
            print("示例数据库的示例账号（仅用于演示，正式使用前请删除或停用）：")
            for username, role, _region, display, password in setup_db.DEMO_ACCOUNTS:
                print(f"  {access.ROLES[role]:<6}  用户名 {username:<10} 密码 {password}   （{display}）")
        return 0
    if cmd == "migrate":
        return _migrate(args)
    for ext in _extensions():
        if cmd in ext.COMMANDS:
            return ext.run(args)
    raise UsageError(f"未知命令 {cmd}")


def _format_for_table(df: pd.DataFrame, reason: pd.Series) -> pd.DataFrame:
    out = df.copy()
    for col in ("actual", "target", "expected", "gap", "forecast", "required_pace"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v:,.2f}")
    for col in ("completion", "yoy"):
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else f"{v * 100:.1f}%")
    out["rank"] = out["rank"].map(lambda v: "" if pd.isna(v) else str(int(v)))
    # the light with its word, a grey one saying why (the one vocabulary of jxtrack.domain.lights)
    out["light"] = [f"{lt}({lights.get(lights.shown(lt, r)).label})" for lt, r in zip(out["light"], reason, strict=True)]
    return out


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _emit(df: pd.DataFrame, fmt: str) -> None:
    """Print a table as csv, json or an aligned text table.  User-controlled text is made safe in
    one place (jxtrack.present.outputs): csv cells are neutralised against formula injection and, like
    table cells, have control characters escaped; json keeps every value exactly, with the
    characters a terminal must not receive written as \\u escapes."""
    if fmt == "csv":
        sys.stdout.write(outputs.csv_text(outputs.printable_frame(df)))
    elif fmt == "json":
        text = df.to_json(orient="records", force_ascii=False, indent=1, date_format="iso")
        sys.stdout.write(outputs.printable_json(text))
        sys.stdout.write("\n")
    else:
        cells = [[outputs.printable(c) for c in df.columns]] + [
            ["" if (not isinstance(v, str) and pd.isna(v)) else outputs.printable(v) for v in row]
            for row in df.itertuples(index=False)
        ]
        widths = [max(_width(r[i]) for r in cells) for i in range(len(df.columns))]
        for r in cells:
            sys.stdout.write("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


if __name__ == "__main__":
    sys.exit(main())
