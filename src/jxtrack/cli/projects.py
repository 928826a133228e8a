"""Handlers of the project ledger and subsidy commands: ``projects …``, ``subsidy``, ``fund``.
A ledger upload is withdrawn with ``jxtrack rollback UPLOAD_ID --reason …`` like any upload."""

from __future__ import annotations

import sys
from pathlib import Path

from jxtrack.cli.common import (
    EXIT_UNCONFIRMED,
    acting_user,
    emit,
    finish_import,
    read_file,
    write_output,
)
from jxtrack.cli.database import Database
from jxtrack.present import outputs
from jxtrack.services import projects


def _opened(args, db: Database):
    store = db()
    return store, acting_user(store, getattr(args, "as_user", None))


def subsidy(args, db: Database) -> int:
    store, user = _opened(args, db)
    out = projects.subsidies(store, user, year=args.year, region=args.region)
    emit(out[projects.SUBSIDY_COLUMNS], args.format)
    return 0


def fund(args, db: Database) -> int:
    store, user = _opened(args, db)
    emit(projects.fund(store, user, args.year), args.format)
    return 0


def template(args, db: Database) -> int:
    store, user = _opened(args, db)
    data, _ = projects.ledger_template(store, user)
    out = write_output(args.output, data)
    print(f"已生成项目库模板 {out}。")
    return 0


def list_projects(args, db: Database) -> int:
    store, user = _opened(args, db)
    out = projects.list_projects(store, user, region=args.region, year=args.year)
    emit(out[projects.LIST_COLUMNS], args.format)
    return 0


def uploads(args, db: Database) -> int:
    store, user = _opened(args, db)
    emit(projects.ledger_uploads(store, user)[
        ["upload_id", "region", "user", "uploaded_at", "status", "file_name", "n_projects"]], args.format)
    return 0


def rules(args, db: Database) -> int:
    emit(projects.rules_table(db()), args.format)
    return 0


def bind(args, db: Database) -> int:
    store, user = _opened(args, db)
    old = projects.switch_rule(store, user, args.topic, args.rule, args.reason)
    print(f"已将事项 {args.topic} 的适用规则由 {old or '默认规则'} 切换为 {args.rule}（操作人：{user.username}）。")
    return 0


def import_file(args, db: Database) -> int:
    store, user = _opened(args, db)
    data = read_file(args.file)
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

