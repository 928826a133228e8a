"""``jxtrack settings`` (the working group's settings: the monthly due day) and ``jxtrack remind``
(reminders to a DingTalk group robot and/or e-mail).  Loaded by ``jxtrack.cli`` through its
extension hook; user errors are ``lookup.ServiceError`` subclasses (one Chinese line, exit 2)."""

from __future__ import annotations

import argparse
import sys

from jxtrack.domain import clock
from jxtrack.services import cycle, lookup, notify, remind

COMMANDS = ("settings", "remind")


def register(subparsers) -> None:
    from jxtrack.cli.run import _period

    s = subparsers.add_parser("settings", help="工作专班的设置：每月报送截止日")
    ss = s.add_subparsers(dest="settings_command", required=True, metavar="设置项")
    d = ss.add_parser("due-day", help="查看或修改每月报送截止日（次月第几日，1–28，默认 10）")
    d.add_argument("day", nargs="?", help="新的截止日（不填则只显示当前设置）")
    d.add_argument("--reason", default="", help="修改原因（修改时必填，记入操作日志）")
    d.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份（默认命令行操作员，即管理员）")

    s = subparsers.add_parser("remind", help="报送提醒：未报、迟报的区县和新出现的红灯，发到钉钉群机器人和/或邮件")
    s.add_argument("--period", type=_period, help="报告期 YYYY-MM（默认上个月，即正在报送的月份）")
    s.add_argument("--dry-run", action="store_true", help="只显示将要发送的内容和渠道，不发送")


def run(args: argparse.Namespace) -> int:
    from jxtrack.cli.ingest import _user
    from jxtrack.cli.run import _store

    store = _store()
    if args.command == "settings":
        if args.day is None:
            print(_describe(cycle.due_day_setting(store)))
            return 0
        user = _user(store, args.as_user)
        before = cycle.due_day(store)
        after = cycle.set_due_day(store, user, args.day, args.reason)
        print(f"报送截止日已由次月 {before} 日改为次月 {after.day} 日（{after.caption}）。")
        return 0
    if args.command == "remind":
        rem = remind.build(store, args.period)
        if args.dry_run:
            try:
                channels = notify.load_config().channels
            except notify.NotifyError as exc:
                channels = [f"（设置有误：{exc}）"]
            print("【预览，未发送】将发送到：" + ("；".join(channels) if channels else "（尚未配置提醒渠道）"))
            if not rem.has_news:
                print("（目前没有需要提醒的事项，正式运行时不会发送。）")
            print(rem.message().text, end="")
            return 0
        if not rem.has_news:
            print(f"{rem.title}：没有需要提醒的事项（均已按时报送，也没有新出现的红灯），未发送。")
            return 0
        sent = notify.send(notify.load_config(), rem.message())
        print(f"已发送{rem.title}（{'、'.join(sent)}）。")
        return 0
    raise lookup.ServiceError(f"未知命令 {args.command}")  # pragma: no cover


def _describe(d: cycle.DueDay) -> str:
    if d.set_by is None:
        return f"报送截止日：次月 {d.day} 日（默认值，尚未修改）。{d.caption}。"
    return (f"报送截止日：次月 {d.day} 日（{d.set_by} 于{clock.zone_label()} {clock.show(d.set_at)} 设置，"
            f"原因：{d.reason}）。{d.caption}。")


if __name__ == "__main__":  # pragma: no cover
    from jxtrack.cli.run import main

    sys.exit(main())
