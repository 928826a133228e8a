"""argparse speaking Chinese, the value types of the command line, and the options every command
shares (declared once, as parent parsers: ``--format``, ``--as``, ``--period``, ``--region``).

Imports nothing heavy: ``jxtrack --help`` builds the whole parser without pandas, DuckDB or
Streamlit.  The type functions that need a service import it when a value is given.
"""

from __future__ import annotations

import argparse
import re

from jxtrack.domain.errors import UserError


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


class Parser(argparse.ArgumentParser):
    """argparse speaking Chinese: a bad argument is one clear Chinese line (a ``UserError``), and
    the help says 用法/选项 with a Chinese -h.  ``help_option=False`` for the shared parent
    parsers (their options join a command that has its own -h)."""

    def __init__(self, *args, help_option: bool = True, parents=(), **kwargs) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        if help_option:
            self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")
        # the parents' options are added once the titles are Chinese: argparse files them under
        # the group of the same title (else under a second group, "options")
        for parent in parents:
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(f"参数错误：{_translate(message)}。用 `{self.prog} --help` 查看用法。")


# ---- value types (their messages are Chinese; argparse prefixes the argument's name) -------------
def period(text: str) -> str:
    """A report period typed by a user, as 'YYYY-MM' (the services' one reading of it)."""
    from jxtrack.services import lookup

    try:
        return lookup.parse_period(text)
    except lookup.ServiceError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip("。")) from None


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” 不是整数") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"“{text}” 必须大于 0")
    return v


def year(text: str) -> int:
    try:
        y = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"年份 “{text}” 应为四位数字，如 2025") from None
    if not 2000 <= y <= 2100:
        raise argparse.ArgumentTypeError(f"年份 “{text}” 超出范围")
    return y


# ---- the shared options, declared once --------------------------------------------------------
FORMATS = ("csv", "json", "table")


def _shared(*flags: str, **kwargs) -> Parser:
    p = Parser(help_option=False)
    p.add_argument(*flags, **kwargs)
    return p


def _format(default: str) -> Parser:
    return _shared("--format", choices=FORMATS, default=default,
                   help=f"输出格式：table 对齐的文本表，csv 或 json（默认 {default}）")


FORMAT = _format("table")
FORMAT_CSV = _format("csv")     # `jxtrack targets`: a list usually kept as a file
AS_USER = _shared("--as", dest="as_user", metavar="USERNAME",
                  help="以该用户的身份和权限操作（默认命令行操作员，即管理员）")
PERIOD = _shared("--period", type=period,
                 help="报告期 YYYY-MM（默认最近一个已报齐或已过报送截止日的月份）")
REGION = _shared("--region", help="只看某地区：地区名称或代码（默认全部）")
