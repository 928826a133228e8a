"""Handlers of the spreadsheet commands: ``template``, ``import``, ``uploads``, ``rollback``.

A refused file is reported problem by problem and exits with code 2.  Warnings (e.g. a
year-to-date figure lower than last month's) must be accepted: on a terminal the command asks;
otherwise pass ``--accept-warnings`` (``-y``).  Without acceptance nothing is written and the exit
code is 3.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jxtrack.cli.common import acting_user, emit, finish_import, read_file, write_output
from jxtrack.cli.database import Database
from jxtrack.domain import access, clock
from jxtrack.present import outputs
from jxtrack.services import importing, lookup
from jxtrack.store.interface import StoreBusyError
from metrics.periods import label_ytd


def template(args, db: Database) -> int:
    store = db()
    user = acting_user(store, args.as_user)
    carry = [c.strip() for c in args.carry_forward.split(",") if c.strip()]
    data, _ = importing.make_template(store, args.region, args.period, user, carry_forward=carry)
    out = write_output(args.output, data)
    print(f"已生成模板 {out}（{label_ytd(args.period)}）。")
    return 0


def import_file(args, db: Database) -> int:
    data = read_file(args.file)
    name = Path(args.file).name
    try:
        store = db()
        user = acting_user(store, args.as_user)
    except StoreBusyError:
        # the file was read: logged with its hash, so the operator can tell what was not imported
        raise importing.busy_not_imported(db.bare(), data, name, args.as_user or access.OPERATOR.username) from None
    res = importing.commit_import(store, data, name, user, args.region, args.period,
                                  accept_warnings=args.accept_warnings, dry_run=args.dry_run)
    return finish_import(res, lambda r, header=True: _report(store, r, header), lambda: importing.commit_import(
        store, data, name, user, args.region, args.period, accept_warnings=True))


def uploads(args, db: Database) -> int:
    store = db()
    region = lookup.resolve_region(store, args.region) if args.region else None
    up = store.uploads(region=region, limit=args.limit)
    cols = ["upload_id", "region", "period", "user", "uploaded_at", "status", "file_name"]
    # instants in the users' zone (Beijing time), whatever zone this server runs in
    up = up.assign(uploaded_at=clock.show_series(up["uploaded_at"], "%Y-%m-%d %H:%M:%S"))
    emit(up[cols], args.format)
    return 0


def rollback(args, db: Database) -> int:
    store = db()
    user = acting_user(store, args.as_user)
    up = importing.withdraw(store, args.upload_id, user, args.reason)
    print(f"已撤回上传 {args.upload_id}（{outputs.printable(up['file_name'] or '')}），此前的数据恢复生效。"
          f"操作人：{user.username}。")
    return 0


def _report(store, res: importing.ImportResult, header: bool = True) -> None:
    out = sys.stdout
    if header:
        where = res.region and _region_name(store, res.region) or "多个地区"
        if res.values.empty:
            where = "—"
        out.write(f"文件：{outputs.printable(res.file_name)}（{res.format or '无法识别'}，{res.file_size:,} 字节）\n")
        if res.explanation:  # how it was read, before anything is written
            out.write("读取说明：\n")
            for line in res.explanation:
                out.write(f"  {outputs.printable(line)}\n")
        if not res.values.empty:
            out.write(f"地区：{where}　报告期：{importing.periods_covered(res.period)}　指标数：{len(res.values)}\n")
            if res.status != "rejected":
                d = res.diff
                for r in d.itertuples():
                    old = "（新）" if r.change == "new" else f"{r.old:g}"
                    mark = "" if r.change == "same" else " *"
                    out.write(f"  {r.region_name} {r.period} {r.measure_name}：{old} → {r.new:g} {r.unit}{mark}\n")
        for p in res.problems:
            out.write(outputs.printable(p.line()) + "\n")  # quotes cells of the file
    msgs = {
        "rejected": f"未导入：发现 {len(res.errors)} 处错误（另有 {len(res.warnings)} 条提醒）。请按上面的提示改正后重新上传。"
                    + (f"（上传记录编号 {res.upload_id}，状态 rejected）" if res.upload_id else ""),
        "needs_confirmation": f"未导入：有 {len(res.warnings)} 条提醒需要确认。核对无误后，加 --accept-warnings 重新运行即可导入。",
        "dry_run": f"检查通过（试运行，未写入数据库）：{len(res.values)} 个数"
                   + (f"，{len(res.warnings)} 条提醒" if res.warnings else "") + "。",
        "identical": f"与已导入的上传 {res.upload_id} 完全相同，数据库未作改动。",
        "accepted": f"已导入：上传编号 {res.upload_id}，{len(res.values)} 个数"
                    + (f"（已接受 {len(res.warnings)} 条提醒）" if res.warnings else "") + "。",
    }
    msg = msgs.get(res.status, "")
    (sys.stderr if res.status == "rejected" else out).write(msg + "\n")


def _region_name(store, code: str) -> str:
    return lookup.catalog(store).regions.set_index("code")["name"].to_dict().get(code, code)
