"""The ``jxtrack`` command: parse (``jxtrack.cli.commands``), run the command's handler, and the one
error boundary.

Every error a user can act on is a ``jxtrack.domain.errors.UserError``: printed as Chinese (one
line, or one per problem listed), with the exit code below.  Anything else is a bug: its traceback
goes to ``jxtrack-errors.log`` and the terminal gets one Chinese line saying so, never the
traceback (set JXTRACK_DEBUG=1 to see it).

Exit codes: 0 done; 2 a request the user can correct (bad argument, unknown region, no permission,
a database to create or upgrade first ...); 3 an import whose warnings were not accepted; 74 the disk
under the database is full; 75 the database stayed busy or its connection was lost (run it again);
77 the database folder cannot be written; 70 an internal error; 130 interrupted; 141 the reader of
the output stopped reading.

Only light modules are imported here: ``jxtrack --help`` starts without pandas or DuckDB.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback
from pathlib import Path

from jxtrack.cli.commands import Command, build_parser
from jxtrack.cli.database import Database
from jxtrack.domain.errors import UserError

EXIT_USER = 2
EXIT_BUG = 70
EXIT_BUSY = 75  # EX_TEMPFAIL: the database stayed busy or its connection was lost; nothing was done, try again
EXIT_DISK_FULL = 74   # EX_IOERR: the disk holding the database is full; nothing was written
EXIT_READ_ONLY = 77   # EX_NOPERM: the database folder cannot be written; nothing was written

# operator events (store.log_event: database busy, an import not done) are written to jxtrack.log;
# the terminal gets the Chinese message only, not also Python's fallback printing of the log line
logging.getLogger("jxtrack.store").addHandler(logging.NullHandler())


def main(argv: list[str] | None = None) -> int:
    debug = os.environ.get("JXTRACK_DEBUG") == "1"
    try:
        args = build_parser().parse_args(argv)
        return _dispatch(args)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except UserError as exc:
        from jxtrack.present.outputs import printable

        first, *more = exc.lines()
        print(f"错误：{printable(first)}", *map(printable, more), sep="\n", file=sys.stderr)
        return exit_code(exc)
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


def exit_code(exc: UserError) -> int:
    """The exit code of a user error: the store's infrastructure faults have their own (a script can
    tell "try again" from "free disk space" from "fix the request")."""
    store = sys.modules.get("jxtrack.store.interface")   # loaded if the error came from the store
    if store is not None:
        if isinstance(exc, (store.StoreBusyError, store.StoreUnavailableError)):
            return EXIT_BUSY
        if isinstance(exc, store.StoreDiskFullError):
            return EXIT_DISK_FULL
        if isinstance(exc, store.StoreReadOnlyError):
            return EXIT_READ_ONLY
    return EXIT_USER


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command's handler (imported now) with the database opener its table entry asks for.
    The CLI is the server operator's tool (README: trust model): whoever can write the database
    file can act as anyone with --as, so every change it makes records who ran it."""
    from jxtrack.store.interface import audit_origin

    cmd: Command = args.command_entry
    module, _, function = cmd.handler.partition(":")
    handler = getattr(importlib.import_module(module), function)
    with audit_origin(via="cli", os_user=_os_user(), os_uid=os.getuid(), as_user=getattr(args, "as_user", None)):
        return handler(args, Database(cmd.database_for(args)))


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
    from jxtrack.domain import clock
    from jxtrack.store.interface import fallback_log_folder, log_folder, private_folder

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


if __name__ == "__main__":
    sys.exit(main())
