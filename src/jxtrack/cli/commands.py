"""Every ``jxtrack`` command, in one table: its name, help, arguments, shared options, what it does
to the database and its handler.

A handler is named ``"module:function"`` and imported only when its command runs, so building
the parser (``jxtrack --help``) imports no service.  It is called as ``function(args, db)``;
``db()`` opens the database as the command's ``database`` entry says:

* ``"read"``  -- the command only reads: the database must exist and be at this program's schema
  version; an older one is refused (``jxtrack init`` upgrades it), never migrated behind the
  user's back;
* ``"write"`` -- the command changes data: the database must exist and is upgraded first;
* ``"none"``  -- the handler opens (or creates) what it needs itself (``init``, ``demo``, ...).

``database`` may also be a function of the parsed arguments (``settings due-day`` reads, or
writes when given a new day).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

from jxtrack.cli.parser import AS_USER, FORMAT, FORMAT_CSV, PERIOD, REGION, Parser, period, positive_int, year
from jxtrack.domain.access import ROLES


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call; args with the same ``exclusive`` key form one
    mutually exclusive group."""

    flags: tuple[str, ...]
    options: dict
    exclusive: str | None = None


def arg(*flags: str, exclusive: str | None = None, **options) -> Arg:
    return Arg(flags, options, exclusive)


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    handler: str | None = None                  # "module:function"; None for a group of subcommands
    args: tuple[Arg, ...] = ()
    shared: tuple[argparse.ArgumentParser, ...] = ()
    database: str | Callable[[argparse.Namespace], str] = "read"
    subcommands: tuple[Command, ...] = ()
    metavar: str = "子命令"                      # how the help names the subcommands

    def database_for(self, args: argparse.Namespace) -> str:
        return self.database(args) if callable(self.database) else self.database


_SETUP, _STATUS, _USERS = "jxtrack.cli.setup", "jxtrack.cli.status", "jxtrack.cli.users"
_INGEST, _PROJECTS = "jxtrack.cli.ingest", "jxtrack.cli.projects"
_REPORTS, _CYCLE = "jxtrack.cli.reports", "jxtrack.cli.cycle"
_SUPERVISE, _REVIEW = "jxtrack.cli.supervise", "jxtrack.cli.review"
_OUTPUT = arg("-o", "--output", required=True, help="输出文件 FILE.xlsx")
_DRY_RUN = arg("--dry-run", action="store_true", help="只检查并显示结果，不写入数据库")
_REASON = "（必填，记入操作日志）"

COMMANDS: tuple[Command, ...] = (
    Command("init", "创建或升级数据库，载入目录（指标、目标），可选示例数据", f"{_SETUP}:init", database="none", args=(
        arg("--demo", action="store_true", exclusive="demo", help="同时载入示例数据和示例账号"),
        arg("--demo-if-new", action="store_true", exclusive="demo", help="仅当数据库尚不存在时载入示例数据"),
    )),
    Command("demo", "生成规模化的合成数据（用于性能测试），替换已有示例数据", f"{_SETUP}:demo", database="none", args=(
        arg("--regions", type=positive_int, default=7, help="合成区县个数（默认 7）"),
        arg("--years", type=positive_int, default=3, help="年数（默认 3）"),
    )),
    Command("targets", "列出全部目标及其出处", f"{_STATUS}:targets", shared=(FORMAT_CSV,)),
    Command("status", "各指标完成情况、亮灯、预测", f"{_STATUS}:status", shared=(PERIOD, REGION, FORMAT)),
    Command("user", "用户管理", subcommands=(
        Command("add", "新增用户（密码从标准输入读取）", f"{_USERS}:add", database="write", args=(
            arg("username"),
            arg("--role", required=True, choices=list(ROLES)),
            arg("--region", help="区县填报员所属区县"),
            arg("--name", help="显示名称"),
            arg("--email"),
            arg("--password-stdin", action="store_true", required=True, help="从标准输入读取密码"),
        )),
        Command("list", "列出用户", f"{_USERS}:list_users"),
    )),
    Command("accounts", "显示示例数据库的示例账号", f"{_SETUP}:accounts", database="none"),
    Command("migrate", "把整个数据库复制到一个新的 PostgreSQL 数据库并核对", f"{_SETUP}:migrate", database="none", args=(
        arg("--from", dest="source", help="来源数据库（DuckDB 文件或 postgresql:// 地址；默认 JXTRACK_DB）"),
        arg("--to", dest="target", required=True, help="目标：新建的空 PostgreSQL 数据库，postgresql://用户@主机:端口/库名"),
    )),
    Command("template", "生成某地区某月的填报模板（.xlsx）", f"{_INGEST}:template", shared=(AS_USER,), args=(
        arg("--region", required=True, help="地区名称或代码，如 嘉善县"),
        arg("--period", required=True, type=period, help="报告期 YYYY-MM（1-2月合并报送填 YYYY-02）"),
        _OUTPUT,
        arg("--carry-forward", default="", metavar="CODE[,CODE…]",
            help="沿用上期数的指标编码（仅全年基本不变的存量指标，如 industrial_land）；不写则不沿用"),
    )),
    Command("import", "导入一个报表文件（.xlsx/.xls/.csv），逐格检查后入库", f"{_INGEST}:import_file",
            database="write", shared=(AS_USER,), args=(
        arg("file", help="报表文件"),
        arg("--region", help="地区名称或代码（须与表中填报单位一致）"),
        arg("--period", type=period, help="报告期 YYYY-MM（须与表中报告期一致）"),
        _DRY_RUN,
        arg("-y", "--accept-warnings", action="store_true", help="接受提醒（如累计数下降）并导入"),
    )),
    Command("uploads", "列出上传记录（最新在前）", f"{_INGEST}:uploads", shared=(REGION, FORMAT), args=(
        arg("--limit", type=positive_int, help="最多显示条数（正整数）"),
    )),
    Command("rollback", "撤回一次上传，恢复此前的数据（不删除任何记录）", f"{_INGEST}:rollback",
            database="write", shared=(AS_USER,), args=(
        arg("upload_id", type=int, help="上传编号（见 jxtrack uploads）"),
        arg("--reason", default="", help=f"撤回原因{_REASON}"),
    )),
    # issuing a bulletin records it (period, red items) for the reminders: a write
    Command("report", "生成月度通报（Word .docx 或 Excel .xlsx）", f"{_REPORTS}:report", database="write",
            shared=(PERIOD,), args=(
        arg("-o", "--output", required=True, metavar="文件", help="输出文件，扩展名决定格式：.docx（Word）或 .xlsx（Excel）"),
        arg("--no-charts", action="store_true", help="Word 通报中不插入图表（仅表格）"),
    )),
    Command("quality", "数据质量检查：累计数下降、市县不符、同比异常、只报比率、未报/迟报", f"{_REPORTS}:quality",
            shared=(PERIOD, FORMAT)),
    Command("projects", "项目库：模板、导入、列表、奖补规则", subcommands=(
        Command("template", "生成项目库模板（.xlsx）", f"{_PROJECTS}:template", shared=(AS_USER,), args=(_OUTPUT,)),
        Command("import", "导入项目库文件（.xlsx/.xls/.csv），逐格检查后入库", f"{_PROJECTS}:import_file",
                database="write", shared=(AS_USER,), args=(
            arg("file", help="项目库文件"),
            _DRY_RUN,
            arg("-y", "--accept-warnings", action="store_true", help="接受提醒（如跨区县重复项目）并导入"),
            arg("--confirm-remove", action="store_true", help="确认删除已有奖补承诺的项目（文件不再列出它们时必须加）"),
        )),
        Command("list", "列出项目库（现行版本）", f"{_PROJECTS}:list_projects", shared=(REGION, AS_USER, FORMAT), args=(
            arg("--year", type=year, help="只列该年开工或验收的项目"),
        )),
        Command("uploads", "项目库上传记录（最新在前）", f"{_PROJECTS}:uploads", shared=(AS_USER, FORMAT)),
        Command("rules", "奖补规则及其出处、是否适用", f"{_PROJECTS}:rules", shared=(FORMAT,)),
        Command("bind", "切换某事项适用的奖补规则（市工作专班、管理员）", f"{_PROJECTS}:bind", database="write",
                shared=(AS_USER,), args=(
            arg("topic", help="事项（见 jxtrack projects rules 的 topic 列）"),
            arg("rule", help="规则代码"),
            arg("--reason", default="", help=f"切换原因{_REASON}"),
        )),
    )),
    Command("subsidy", "奖补测算：每个项目适用的规则、条款、依据和金额（万元）", f"{_PROJECTS}:subsidy",
            shared=(REGION, AS_USER, FORMAT), args=(
        arg("--year", type=year, required=True, help="奖补年度（按验收日期）"),
    )),
    Command("fund", "市本级资金使用：预算、已承诺、预拨付、余额（万元）", f"{_PROJECTS}:fund",
            shared=(AS_USER, FORMAT), args=(
        arg("--year", type=year, required=True, help="年度"),
    )),
    Command("settings", "工作专班的设置：每月报送截止日", metavar="设置项", subcommands=(
        Command("due-day", "查看或修改每月报送截止日（次月第几日，1–28，默认 10）", f"{_CYCLE}:due_day",
                database=lambda args: "read" if args.day is None else "write", shared=(AS_USER,), args=(
            arg("day", nargs="?", help="新的截止日（不填则只显示当前设置）"),
            arg("--reason", default="", help="修改原因（修改时必填，记入操作日志）"),
        )),
    )),
    Command("remind", "报送提醒：未报、迟报的区县和新出现的红灯，发到钉钉群机器人和/或邮件", f"{_CYCLE}:remind",
            args=(
        arg("--period", type=period, help="报告期 YYYY-MM（默认上个月，即正在报送的月份）"),
        arg("--dry-run", action="store_true", help="只显示将要发送的内容和渠道，不发送"),
    )),
    Command("review", "审核区县月报：列出、审核通过、退回（写明原因）、重新打开", metavar="操作", subcommands=(
        Command("list", "列出某月各区县的审核状态", f"{_REVIEW}:list_reviews", shared=(AS_USER,), args=(
            arg("--period", type=period, required=True, help="报告期 YYYY-MM"),
            arg("--region", help="只看这个区县"),
        )),
        *(Command(name, words, f"{_REVIEW}:{handler}", database="write", shared=(AS_USER,), args=(
            arg("--period", type=period, required=True, help="报告期 YYYY-MM"),
            arg("--region", required=True, help="区县名称或代码"),
            arg("--reason", default="", help="原因（退回、重新打开时必填，记入操作日志）"),
        )) for name, words, handler in (
            ("approve", "审核通过（锁定，之后不能再上传）", "approve"),
            ("return", "退回区县更正（须写明原因，区县可见）", "return_report"),
            ("reopen", "重新打开已审核的报表（须写明原因）", "reopen"))),
    )),
    Command("supervise", "督办：红灯、黄灯指标的督办、区县回复、办结、再次督办", metavar="操作", subcommands=(
        Command("list", "列出督办（默认未办结的）", f"{_SUPERVISE}:list_notices", shared=(AS_USER, FORMAT), args=(
            arg("--state", choices=["open", "overdue", "closed", "all"], default="open",
                help="open 未办结 | overdue 逾期未回复 | closed 已办结 | all 全部"),
            arg("--region", help="只看一个区县"),
        )),
        Command("open", "发起督办（工作专班、管理员）", f"{_SUPERVISE}:open_notice", database="write",
                shared=(AS_USER,), args=(
            arg("--region", required=True, help="区县"),
            arg("--indicator", required=True, help="指标代码或名称"),
            arg("--period", required=True, type=period, help="报告期 YYYY-MM"),
            arg("--ask", required=True, help="督办事项：要求区县做什么"),
            arg("--reply-by", required=True, help="回复期限 YYYY-MM-DD（北京时间，当天仍算按时）"),
        )),
        Command("reply", "区县回复督办：整改措施和预计完成日期", f"{_SUPERVISE}:reply", database="write",
                shared=(AS_USER,), args=(
            arg("id", help="督办编号"),
            arg("--measures", required=True, help="整改措施"),
            arg("--expected", required=True, help="预计完成日期 YYYY-MM-DD"),
        )),
        Command("close", "办结督办（工作专班、管理员）", f"{_SUPERVISE}:close", database="write", shared=(AS_USER,),
                args=(arg("id", help="督办编号"), arg("--note", default="", help="办结说明"))),
        Command("press", "再次督办：已回复的督办重新要求回复", f"{_SUPERVISE}:press", database="write",
                shared=(AS_USER,), args=(
            arg("id", help="督办编号"),
            arg("--ask", required=True, help="新的要求"),
            arg("--reply-by", required=True, help="新的回复期限 YYYY-MM-DD"),
        )),
    )),
)

DESCRIPTION = "嘉兴市“两化”改造与两业融合目标跟踪（数据库由 JXTRACK_DB 指定，默认 var/jxtrack.duckdb）"


def _add(sub: argparse._SubParsersAction, cmd: Command) -> None:
    p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help, parents=list(cmd.shared))
    groups: dict[str, argparse._MutuallyExclusiveGroup] = {}
    for a in cmd.args:
        target = p if a.exclusive is None else groups.setdefault(a.exclusive, p.add_mutually_exclusive_group())
        target.add_argument(*a.flags, **a.options)
    if cmd.subcommands:
        nested = p.add_subparsers(dest=f"{cmd.name}_command", required=True, parser_class=Parser, metavar=cmd.metavar)
        for c in cmd.subcommands:
            _add(nested, c)
    else:
        p.set_defaults(command_entry=cmd)


def build_parser() -> Parser:
    p = Parser(prog="jxtrack", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="命令")
    for cmd in COMMANDS:
        _add(sub, cmd)
    return p


def leaves(commands: tuple[Command, ...] = COMMANDS, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Command]]:
    """Every runnable command with the words that name it (``("projects", "list")``)."""
    out = []
    for c in commands:
        if c.subcommands:
            out += leaves(c.subcommands, (*prefix, c.name))
        else:
            out.append(((*prefix, c.name), c))
    return out
