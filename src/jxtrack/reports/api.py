"""One-step bulletin: build the content and write the file (used by the CLI and the app)."""

from __future__ import annotations

import errno
import io
import os
import tempfile
from pathlib import Path

from jxtrack.domain import access
from jxtrack.reports.bulletin import Bulletin, ReportError, build
from jxtrack.store import cycle as cycle_sql
from jxtrack.store.interface import Store

FORMATS = {".docx": "Word", ".xlsx": "Excel"}


def _format_of(path: Path) -> str:
    ext = path.suffix.lower()
    if ext not in FORMATS:
        shown = ext or "（无扩展名）"
        raise ReportError(
            f"不支持的文件类型 {shown}：输出文件名须以 .docx（Word）或 .xlsx（Excel）结尾，例如 通报-2026-10.docx。"
        )
    return ext


def render_bytes(b: Bulletin, fmt: str, charts: bool = True) -> bytes:
    """The bulletin as file bytes; ``fmt`` is '.docx' or '.xlsx'."""
    buf = io.BytesIO()
    if fmt == ".docx":
        from jxtrack.reports import charts as charts_mod
        from jxtrack.reports.word import write_docx

        write_docx(b, buf, charts=charts_mod.render(b) if charts else None)
    elif fmt == ".xlsx":
        from jxtrack.reports.excel import write_xlsx

        write_xlsx(b, buf)
    else:
        raise ReportError(f"不支持的格式 {fmt}：可选 .docx 或 .xlsx。")
    return buf.getvalue()


def red_items(b: Bulletin) -> list[dict]:
    """The (indicator, region) pairs the bulletin shows red, city and counties: what reminders
    compare with to say which indicators turned red since."""
    st = b.status
    red = st[st["light"] == "red"]
    return [{"indicator": str(i), "region": str(r)} for i, r in zip(red["indicator_code"], red["region_code"], strict=True)]


def render(store: Store, period: str | None, path: str | Path, user: access.User | None = None,
           charts: bool = True) -> Bulletin:
    """Build the bulletin for ``period``, write it to ``path`` (.docx or .xlsx) and record it as
    issued (period, when, by whom, its red items) for the reminders.

    The file appears whole or not at all: it is written to a temporary file beside the target and
    renamed, so a failure never leaves half a report where the last good one was."""
    path = Path(path)
    fmt = _format_of(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ReportError(f"输出目录 {folder} 不存在，请先创建该目录或换一个输出路径。")
    if path.is_dir():
        raise ReportError(f"{path} 是一个文件夹，不能作为输出文件。请换一个文件名。")
    # the temporary file first: an unwritable place is reported before the bulletin is built
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".jxtrack-", suffix=fmt)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            b = build(store, period, user)
            f.write(render_bytes(b, fmt, charts=charts))
        os.replace(tmp, path)
    except OSError as exc:
        raise _unwritable(path, exc) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    actor = user.username if user is not None else access.OPERATOR.username
    cycle_sql.record_bulletin(store, b.period, actor, path.name, red_items(b))
    return b


def _unwritable(path: Path, exc: OSError) -> ReportError:
    """A failed write as a message saying what to do (the operating system's reason included)."""
    if isinstance(exc, PermissionError):
        return ReportError(f"无法写入 {path}：没有写权限（文件是否正在 Word/Excel 中打开？）。请换一个输出位置。")
    reasons = {errno.ENOENT: "路径不存在", errno.EROFS: "所在位置是只读的", errno.ENOSPC: "磁盘空间不足",
               errno.ENAMETOOLONG: "文件名过长", errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一部分不是文件夹"}
    reason = reasons.get(exc.errno, exc.strerror or type(exc).__name__)
    return ReportError(f"无法写入 {path}：{reason}。请换一个输出位置（如当前目录）后重试。")
