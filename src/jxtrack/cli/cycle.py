"""Handlers of ``settings due-day`` (the working group's monthly due day) and ``remind``
(reminders to a DingTalk group robot and/or e-mail)."""

from __future__ import annotations

from jxtrack.cli.common import acting_user
from jxtrack.cli.database import Database
from jxtrack.domain import clock
from jxtrack.services import cycle, notify
from jxtrack.services import remind as reminders


def due_day(args, db: Database) -> int:
    store = db()
    if args.day is None:
        print(_describe(cycle.due_day_setting(store)))
        return 0
    user = acting_user(store, args.as_user)
    before = cycle.due_day(store)
    after = cycle.set_due_day(store, user, args.day, args.reason)
    print(f"报送截止日已由次月 {before} 日改为次月 {after.day} 日（{after.caption}）。")
    return 0


def remind(args, db: Database) -> int:
    rem = reminders.build(db(), args.period)
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


def _describe(d: cycle.DueDay) -> str:
    if d.set_by is None:
        return f"报送截止日：次月 {d.day} 日（默认值，尚未修改）。{d.caption}。"
    return (f"报送截止日：次月 {d.day} 日（{d.set_by} 于{clock.zone_label()} {clock.show(d.set_at)} 设置，"
            f"原因：{d.reason}）。{d.caption}。")
