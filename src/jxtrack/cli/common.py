"""What the command handlers share: the user a command acts as, printing a table (csv, json, aligned text), and reading and writing the files a
user names.  User-controlled text is made safe in one place (``jxtrack.present.outputs``)."""

from __future__ import annotations

import os
import stat
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from jxtrack.domain import access
from jxtrack.domain.errors import UserError
from jxtrack.present import outputs
from jxtrack.store.interface import Store

EXIT_REFUSED = 2
EXIT_UNCONFIRMED = 3


def acting_user(store: Store, username: str | None) -> access.User:
    """The user a command acts as (``--as``); without it the command-line operator (admin)."""
    if not username:
        return access.OPERATOR
    row = store.get_user(username.strip())
    if row is None:
        raise UserError(f"没有用户 “{username}”。请用 jxtrack user list 查看用户名。")
    if not row["active"]:
        raise UserError(f"用户 “{username}” 已停用，不能以其身份操作。")
    return access.User(row["username"], row["role"], row["region"], row["display_name"])


DEMO_NOTE = "【示例数据】以下为系统生成的示例数据，不是真实统计数字。"


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def emit(df: pd.DataFrame, fmt: str) -> None:
    """Print a table as csv, json or an aligned text table.  csv cells are neutralised against
    formula injection and, like table cells, have control characters escaped; json keeps every
    value exactly, with the characters a terminal must not receive written as \\u escapes."""
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


def write_output(path: str, data: bytes) -> Path:
    """Write a file the user asked for (-o); a place that cannot be written is one Chinese line."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise UserError(f"无法写入 {out}：{exc.strerror}。请换一个位置或文件名。") from None
    return out


def read_file(path: str) -> bytes:
    """The bytes of a regular file, read with a size bound.  Devices (/dev/zero), FIFOs, sockets
    and folders are refused at once: the file is opened without blocking and checked with fstat
    (the same object that is read, so it cannot be swapped between the check and the read)."""
    from jxtrack.ingest.reader import MAX_FILE_BYTES

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise UserError(f"找不到文件 {path}。请检查路径。") from None
    except IsADirectoryError:
        raise UserError(f"{path} 是文件夹，不是文件。") from None
    except OSError as exc:
        raise UserError(f"无法读取文件 {path}：{exc.strerror}。") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise UserError(f"{path} 是文件夹，不是文件。")
        raise UserError(f"{path} 不是普通文件（设备、管道或套接字），未导入。请指定一个报表文件（.xlsx/.xls/.csv）。")
    os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UserError(f"无法读取文件 {path}：{exc.strerror}。") from None
    if len(data) > MAX_FILE_BYTES:
        # not read further: the importer would refuse it anyway
        raise UserError(f"文件 {Path(path).name} 超过上限 {MAX_FILE_BYTES / 1048576:.0f} MB，未导入。"
                        "月报通常只有几十 KB，请检查是否选错了文件。")
    return data


def finish_import(res, report: Callable, commit_accepted: Callable) -> int:
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
