"""CLI commands for spreadsheets: ``template``, ``import``, ``uploads``, ``rollback``.

Loaded by cli.py through its ``_extensions()`` hook.  User errors are raised as ServiceError /
StoreError / AuthError subclasses so cli.main prints one Chinese line; a refused file is reported
problem by problem and exits with code 2.

Warnings (e.g. a year-to-date figure lower than last month's) must be accepted: on a terminal the
command asks; otherwise pass ``--accept-warnings`` (``-y``).  Without acceptance nothing is written
and the exit code is 3.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from jxtrack.domain import access, clock
from jxtrack.present import outputs
from jxtrack.services import importing, lookup
from jxtrack.store.interface import Store, StoreBusyError
from metrics.periods import label_ytd

COMMANDS = {"template", "import", "uploads", "rollback"}
EXIT_REFUSED = 2
EXIT_UNCONFIRMED = 3


class IngestCliError(lookup.ServiceError):
    """A CLI request for the import commands that the user can correct."""


def _period(text: str) -> str:
    try:
        return lookup.parse_period(text)
    except lookup.ServiceError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip("。")) from None


def _positive_int(text: str) -> int:
    from jxtrack.cli.run import _positive_int as parse

    return parse(text)


def register(sub) -> None:
    s = sub.add_parser("template", help="生成某地区某月的填报模板（.xlsx）")
    s.add_argument("--region", required=True, help="地区名称或代码，如 嘉善县")
    s.add_argument("--period", required=True, type=_period, help="报告期 YYYY-MM（1-2月合并报送填 YYYY-02）")
    s.add_argument("-o", "--output", required=True, help="输出文件 FILE.xlsx")
    s.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份（默认命令行操作员）")

    s = sub.add_parser("import", help="导入一个报表文件（.xlsx/.xls/.csv），逐格检查后入库")
    s.add_argument("file", help="报表文件")
    s.add_argument("--region", help="地区名称或代码（须与表中填报单位一致）")
    s.add_argument("--period", type=_period, help="报告期 YYYY-MM（须与表中报告期一致）")
    s.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份导入（默认命令行操作员，即管理员）")
    s.add_argument("--dry-run", action="store_true", help="只检查并显示结果，不写入数据库")
    s.add_argument("-y", "--accept-warnings", action="store_true", help="接受提醒（如累计数下降）并导入")

    s = sub.add_parser("uploads", help="列出上传记录（最新在前）")
    s.add_argument("--format", choices=["csv", "json", "table"], default="table")
    s.add_argument("--region", help="只看某地区")
    s.add_argument("--limit", type=_positive_int, help="最多显示条数（正整数）")

    s = sub.add_parser("rollback", help="撤回一次上传，恢复此前的数据（不删除任何记录）")
    s.add_argument("upload_id", type=int, help="上传编号（见 jxtrack uploads）")
    s.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份（默认命令行操作员）")
    s.add_argument("--reason", default="", help="撤回原因（必填）")


def _store() -> Store:
    store = Store()
    if not store.exists():
        raise IngestCliError(
            f"数据库 {store.label} 不存在。请先运行 `jxtrack init`（或 `jxtrack init --demo` 载入示例数据）。")
    store.migrate()
    return store


def _user(store: Store, username: str | None) -> access.User:
    if not username:
        return access.OPERATOR
    row = store.get_user(username.strip())
    if row is None:
        raise IngestCliError(f"没有用户 “{username}”。请用 jxtrack user list 查看用户名。")
    if not row["active"]:
        raise IngestCliError(f"用户 “{username}” 已停用，不能以其身份操作。")
    return access.User(row["username"], row["role"], row["region"], row["display_name"])


def run(args: argparse.Namespace) -> int:
    return {"template": _template, "import": _import, "uploads": _uploads, "rollback": _rollback}[
        args.command](args)


def _template(args) -> int:
    store = _store()
    user = _user(store, args.as_user)
    data, _ = importing.make_template(store, args.region, args.period, user)
    out = write_output(args.output, data)
    print(f"已生成模板 {out}（{label_ytd(args.period)}）。")
    return 0


def write_output(path: str, data: bytes) -> Path:
    """Write a file the user asked for (-o); a place that cannot be written is one Chinese line."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise IngestCliError(f"无法写入 {out}：{exc.strerror}。请换一个位置或文件名。") from None
    return out


def _read_file(path: str) -> bytes:
    """The bytes of a regular file, read with a size bound.  Devices (/dev/zero), FIFOs, sockets
    and folders are refused at once: the file is opened without blocking and checked with fstat
    (the same object that is read, so it cannot be swapped between the check and the read)."""
    from jxtrack.ingest.reader import MAX_FILE_BYTES

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise IngestCliError(f"找不到文件 {path}。请检查路径。") from None
    except IsADirectoryError:
        raise IngestCliError(f"{path} 是文件夹，不是文件。") from None
    except OSError as exc:
        raise IngestCliError(f"无法读取文件 {path}：{exc.strerror}。") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise IngestCliError(f"{path} 是文件夹，不是文件。")
        raise IngestCliError(f"{path} 不是普通文件（设备、管道或套接字），未导入。请指定一个报表文件（.xlsx/.xls/.csv）。")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise IngestCliError(f"无法读取文件 {path}：{exc.strerror}。") from None
    if len(data) > MAX_FILE_BYTES:
        # not read further: the importer would refuse it anyway
        raise IngestCliError(f"文件 {Path(path).name} 超过上限 {MAX_FILE_BYTES / 1048576:.0f} MB，未导入。"
                             "月报通常只有几十 KB，请检查是否选错了文件。")
    return data


def _import(args) -> int:
    data = _read_file(args.file)
    name = Path(args.file).name
    store = Store()
    try:
        store = _store()
        user = _user(store, args.as_user)
    except StoreBusyError:
        raise importing.busy_not_imported(store, data, name, args.as_user or access.OPERATOR.username) from None
    res = importing.commit_import(store, data, name, user, args.region, args.period,
                                  accept_warnings=args.accept_warnings, dry_run=args.dry_run)
    return finish_import(res, _report, lambda: importing.commit_import(
        store, data, name, user, args.region, args.period, accept_warnings=True))


def finish_import(res, report, commit_accepted) -> int:
    """The end of every file import on the command line (monthly sheets, ledgers): report, ask on a
    terminal whether warnings are accepted (``commit_accepted`` then writes), and the exit code."""
    if res.status == "needs_confirmation" and sys.stdin.isatty() and sys.stdout.isatty():
        report(res)
        answer = input("以上提醒已核对无误，确认导入？[y/N] ").strip().lower()
        if answer in ("y", "yes", "是"):
            report(commit_accepted(), header=False)
            return 0
        print("未导入。")
        return EXIT_UNCONFIRMED
    report(res)
    if res.status == "rejected":
        return EXIT_REFUSED
    if res.status == "needs_confirmation":
        return EXIT_UNCONFIRMED
    return 0


def _report(res: importing.ImportResult, header: bool = True) -> None:
    out = sys.stdout
    if header:
        where = res.region and _region_name(res.region) or "多个地区"
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


_names: dict[str, str] = {}


def _region_name(code: str) -> str:
    if not _names:
        _names.update(lookup.catalog(_store()).regions.set_index("code")["name"].to_dict())
    return _names.get(code, code)


def _uploads(args) -> int:
    from jxtrack.cli.run import _emit

    store = _store()
    region = lookup.resolve_region(store, args.region) if args.region else None
    up = store.uploads(region=region, limit=args.limit)
    cols = ["upload_id", "region", "period", "user", "uploaded_at", "status", "file_name"]
    # instants in the users' zone (Beijing time), whatever zone this server runs in
    up = up.assign(uploaded_at=clock.show_series(up["uploaded_at"], "%Y-%m-%d %H:%M:%S"))
    _emit(up[cols], args.format)
    return 0


def _rollback(args) -> int:
    store = _store()
    user = _user(store, args.as_user)
    up = importing.withdraw(store, args.upload_id, user, args.reason)
    print(f"已撤回上传 {args.upload_id}（{outputs.printable(up['file_name'] or '')}），此前的数据恢复生效。"
          f"操作人：{user.username}。")
    return 0
