"""One family of user errors (jxtrack.domain.errors.UserError) and one boundary: every error class
the code base defines is a UserError (or on the short list of errors that are not the user's), and
the CLI turns each into its Chinese message and its documented exit code -- never a traceback."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import jxtrack
from jxtrack.catalog.model import CatalogError
from jxtrack.cli import run as cli
from jxtrack.cli import status as status_handlers
from jxtrack.domain import access, clock
from jxtrack.domain.errors import UserError
from jxtrack.domain.problems import FileRefused, problem
from jxtrack.reports.bulletin import ReportError
from jxtrack.services import auth, cycle, lookup, notify, regions
from jxtrack.store import interface as store

# raised by our test tooling, not by anything a user asks for
NOT_USER_ERRORS = {"jxtrack.store.pgcluster.ClusterUnavailable"}


def _our_exception_classes() -> dict[str, type]:
    found = {}
    for mod in pkgutil.walk_packages(jxtrack.__path__, "jxtrack."):
        if mod.name.endswith("__main__"):
            continue
        module = importlib.import_module(mod.name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def test_every_error_class_of_ours_is_a_user_error():
    classes = _our_exception_classes()
    # the walk found them (not vacuous): the store's, the services', the domain's, the catalog's
    assert {"jxtrack.store.interface.StoreBusyError", "jxtrack.services.lookup.ServiceError",
            "jxtrack.domain.access.PermissionDenied", "jxtrack.catalog.model.CatalogError",
            "jxtrack.reports.bulletin.ReportError", "jxtrack.services.cycle.CycleError"} <= set(classes)
    outside = {name for name, cls in classes.items() if not issubclass(cls, UserError)}
    assert outside == NOT_USER_ERRORS


CASES = [
    (UserError("请先运行 jxtrack init。"), cli.EXIT_USER),
    (lookup.ServiceError("没有名为 “上海” 的地区。"), cli.EXIT_USER),
    (regions.WebError("该报告期没有数据。"), cli.EXIT_USER),
    (cycle.CycleError("截止日应在 1–28 之间。"), cli.EXIT_USER),
    (ReportError("输出目录不存在。"), cli.EXIT_USER),
    (notify.NotifyError("钉钉机器人地址无效。"), cli.EXIT_USER),
    (access.AuthError("用户名或密码错误。"), cli.EXIT_USER),
    (access.PermissionDenied("无权修改截止日。"), cli.EXIT_USER),
    (auth.SessionEnded("登录已过期。"), cli.EXIT_USER),
    (clock.ClockError("时区设置无效。"), cli.EXIT_USER),
    (FileRefused(problem("corrupt_file", "文件已损坏，无法读取。")), cli.EXIT_USER),
    (store.StoreError("无法打开数据库文件。"), cli.EXIT_USER),
    (store.NotFoundError("没有上传 99。"), cli.EXIT_USER),
    (store.StoreBusyError("数据库正忙。"), cli.EXIT_BUSY),
    (store.StoreUnavailableError("与数据库的连接中断。"), cli.EXIT_BUSY),
    (store.StoreDiskFullError("磁盘空间不足。"), cli.EXIT_DISK_FULL),
    (store.StoreReadOnlyError("数据库文件夹只读。"), cli.EXIT_READ_ONLY),
]


@pytest.fixture
def raising(monkeypatch):
    """`jxtrack targets` raising the error given (its handler replaced; the dispatch is the real one)."""
    def arm(exc: BaseException) -> None:
        def handler(args, db):
            raise exc
        monkeypatch.setattr(status_handlers, "targets", handler)
    return arm


@pytest.mark.parametrize("exc, code", CASES, ids=[type(e).__name__ for e, _ in CASES])
def test_the_cli_turns_each_into_its_message_and_exit_code(raising, capsys, exc, code):
    raising(exc)
    assert cli.main(["targets"]) == code
    out, err = capsys.readouterr()
    assert out == "" and err == f"错误：{exc}\n"


def test_the_exit_codes_are_the_documented_ones():
    assert (cli.EXIT_USER, cli.EXIT_BUG, cli.EXIT_DISK_FULL, cli.EXIT_BUSY, cli.EXIT_READ_ONLY) == (2, 70, 74, 75, 77)


def test_a_message_is_made_safe_for_the_terminal(raising, capsys):
    raising(lookup.ServiceError("没有名为 “\x1b[2J伪造\n错误：x” 的地区。"))
    assert cli.main(["targets"]) == cli.EXIT_USER
    err = capsys.readouterr().err
    assert err == "错误：没有名为 “\\e[2J伪造\\n错误：x” 的地区。\n"


def test_a_catalog_error_lists_its_problems_one_per_line(raising, capsys):
    raising(CatalogError(["indicators.csv:4: 未知的 kind “flow”", "targets.csv:9: 指标 \x1b 不存在"]))
    assert cli.main(["targets"]) == cli.EXIT_USER
    assert capsys.readouterr().err.splitlines() == [
        "错误：目录数据有 2 处错误：", "indicators.csv:4: 未知的 kind “flow”", "targets.csv:9: 指标 \\e 不存在"]


def test_anything_else_is_an_internal_error_logged_not_shown(raising, capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("JXTRACK_DEBUG", raising=False)
    monkeypatch.setenv("JXTRACK_DB", str(tmp_path / "x.duckdb"))
    raising(KeyError("a bug"))
    assert cli.main(["targets"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert err.startswith("错误：程序内部出错，操作未完成") and "Traceback" not in err
    log = (tmp_path / "jxtrack-errors.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "KeyError: 'a bug'" in log
