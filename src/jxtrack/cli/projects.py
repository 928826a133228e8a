"""CLI commands for the project ledger and subsidies: ``projects``, ``subsidy``, ``fund``.

Loaded by cli.py through its ``_extensions()`` hook; errors become one Chinese line there.

    jxtrack projects template -o FILE.xlsx [--as USERNAME]
    jxtrack projects import FILE [--as USERNAME] [--dry-run] [-y] [--confirm-remove]
    jxtrack projects list [--region NAME] [--year YYYY] --format csv|json|table
    jxtrack projects uploads --format csv|json|table
    jxtrack projects rules --format csv|json|table
    jxtrack projects bind TOPIC RULE --reason TEXT [--as USERNAME]
    jxtrack subsidy --year YYYY [--region NAME] --format csv|json|table
    jxtrack fund --year YYYY --format csv|json|table

A ledger upload is withdrawn with ``jxtrack rollback UPLOAD_ID --reason …`` like any upload.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jxtrack.cli.ingest import (
    EXIT_UNCONFIRMED,
    IngestCliError,
    _read_file,
    _store,
    _user,
    finish_import,
    write_output,
)
from jxtrack.present import outputs
from jxtrack.services import projects

COMMANDS = {"projects", "subsidy", "fund"}


def _year(text: str) -> int:
    try:
        y = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年份 “{text}” 应为四位数字，如 2025") from None
    if not 2000 <= y <= 2100:
        raise argparse.ArgumentTypeError(f"年份 “{text}” 超出范围")
    return y


def register(sub) -> None:
    s = sub.add_parser("projects", help="项目库：模板、导入、列表、奖补规则")
    ps = s.add_subparsers(dest="projects_command", required=True, parser_class=type(s), metavar="子命令")
    t = ps.add_parser("template", help="生成项目库模板（.xlsx）")
    t.add_argument("-o", "--output", required=True, help="输出文件 FILE.xlsx")
    t.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份（默认命令行操作员）")
    i = ps.add_parser("import", help="导入项目库文件（.xlsx/.xls/.csv），逐格检查后入库")
    i.add_argument("file", help="项目库文件")
    i.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份导入（默认命令行操作员）")
    i.add_argument("--dry-run", action="store_true", help="只检查并显示结果，不写入数据库")
    i.add_argument("-y", "--accept-warnings", action="store_true", help="接受提醒（如跨区县重复项目）并导入")
    i.add_argument("--confirm-remove", action="store_true",
                   help="确认删除已有奖补承诺的项目（文件不再列出它们时必须加）")
    ls = ps.add_parser("list", help="列出项目库（现行版本）")
    ls.add_argument("--region", help="地区名称或代码")
    ls.add_argument("--year", type=_year, help="只列该年开工或验收的项目")
    ls.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份查看")
    ls.add_argument("--format", choices=["csv", "json", "table"], default="table")
    u = ps.add_parser("uploads", help="项目库上传记录（最新在前）")
    u.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份查看")
    u.add_argument("--format", choices=["csv", "json", "table"], default="table")
    r = ps.add_parser("rules", help="奖补规则及其出处、是否适用")
    r.add_argument("--format", choices=["csv", "json", "table"], default="table")
    b = ps.add_parser("bind", help="切换某事项适用的奖补规则（市工作专班、管理员）")
    b.add_argument("topic", help="事项（见 jxtrack projects rules 的 topic 列）")
    b.add_argument("rule", help="规则代码")
    b.add_argument("--reason", default="", help="切换原因（必填）")
    b.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份（默认命令行操作员）")

    s = sub.add_parser("subsidy", help="奖补测算：每个项目适用的规则、条款、依据和金额（万元）")
    s.add_argument("--year", type=_year, required=True, help="奖补年度（按验收日期）")
    s.add_argument("--region", help="地区名称或代码")
    s.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份查看")
    s.add_argument("--format", choices=["csv", "json", "table"], default="table")

    s = sub.add_parser("fund", help="市本级资金使用：预算、已承诺、预拨付、余额（万元）")
    s.add_argument("--year", type=_year, required=True, help="年度")
    s.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份查看")
    s.add_argument("--format", choices=["csv", "json", "table"], default="table")


def run(args: argparse.Namespace) -> int:
    from jxtrack.cli.run import _emit

    store = _store()
    user = _user(store, getattr(args, "as_user", None))
    if args.command == "subsidy":
        out = projects.subsidies(store, user, year=args.year, region=args.region)
        _emit(out[projects.SUBSIDY_COLUMNS], args.format)
        return 0
    if args.command == "fund":
        _emit(projects.fund(store, user, args.year), args.format)
        return 0
    sub = args.projects_command
    if sub == "template":
        data, _ = projects.ledger_template(store, user)
        out = write_output(args.output, data)
        print(f"已生成项目库模板 {out}。")
        return 0
    if sub == "import":
        return _import(store, user, args)
    if sub == "list":
        out = projects.list_projects(store, user, region=args.region, year=args.year)
        _emit(out[projects.LIST_COLUMNS], args.format)
        return 0
    if sub == "uploads":
        _emit(projects.ledger_uploads(store, user)[
            ["upload_id", "region", "user", "uploaded_at", "status", "file_name", "n_projects"]], args.format)
        return 0
    if sub == "rules":
        _emit(projects.rules_table(store), args.format)
        return 0
    if sub == "bind":
        old = projects.switch_rule(store, user, args.topic, args.rule, args.reason)
        print(f"已将事项 {args.topic} 的适用规则由 {old or '默认规则'} 切换为 {args.rule}（操作人：{user.username}）。")
        return 0
    raise IngestCliError(f"未知子命令 {sub}")


def _import(store, user, args) -> int:
    data = _read_file(args.file)
    name = Path(args.file).name
    res = projects.commit_ledger(store, data, name, user, accept_warnings=args.accept_warnings,
                                 dry_run=args.dry_run, confirm_remove=args.confirm_remove)
    last = [res]

    def accepted():
        last.append(projects.commit_ledger(store, data, name, user, accept_warnings=True,
                                           confirm_remove=args.confirm_remove))
        return last[-1]

    code = finish_import(res, _report, accepted)
    return EXIT_UNCONFIRMED if last[-1].status == "needs_remove_confirmation" else code


def _report(res: projects.LedgerImportResult, header: bool = True) -> None:
    out = sys.stdout
    n = len(res.projects)
    if header:
        out.write(f"文件：{outputs.printable(res.file_name)}（{res.format or '无法识别'}，{res.file_size:,} 字节）\n")
        if res.explanation:  # how it was read, before anything is written (as jxtrack import)
            out.write("读取说明：\n")
            for line in res.explanation:
                out.write(f"  {outputs.printable(line)}\n")
        if n and res.status != "rejected":
            out.write(f"项目数：{n}\n")
            if res.changes is not None:
                for line in res.changes.owner_lines():
                    out.write(outputs.printable(line) + "\n")
                out.write(res.changes.summary() + "\n")
                for line in res.changes.lines():
                    out.write(outputs.printable(line) + "\n")
                out.write(res.changes.fund_line() + "\n")
        for p in res.problems:
            out.write(outputs.printable(p.line()) + "\n")  # quotes cells of the file
    msgs = {
        "rejected": f"未导入：发现 {len(res.errors)} 处错误（另有 {len(res.warnings)} 条提醒）。请按上面的提示改正后重新上传。"
                    + (f"（上传记录编号 {res.upload_id}，状态 rejected）" if res.upload_id else ""),
        "needs_confirmation": f"未导入：有 {len(res.warnings)} 条提醒需要确认。核对无误后，加 -y 重新运行即可导入。",
        "needs_remove_confirmation": f"未导入：本文件不再列出 {len(res.removes_committed)} 个已有奖补承诺的项目"
                                     f"（{'、'.join(res.removes_committed['project_name'])}），导入后它们将从项目库删除。"
                                     "核对无误后，加 --confirm-remove 重新运行即可导入。",
        "dry_run": f"检查通过（试运行，未写入数据库）：{n} 个项目" + (f"，{len(res.warnings)} 条提醒" if res.warnings else "") + "。"
                   + ("正式导入时须加 --confirm-remove 确认删除已有奖补承诺的项目。" if len(res.removes_committed) else ""),
        "identical": f"与已导入的上传 {res.upload_id} 完全相同，数据库未作改动。",
        "accepted": f"已导入：上传编号 {res.upload_id}，{n} 个项目" + (f"（已接受 {len(res.warnings)} 条提醒）" if res.warnings else "") + "。",
    }
    (sys.stderr if res.status in ("rejected", "needs_remove_confirmation") else out).write(msgs.get(res.status, "") + "\n")

