"""Handlers of ``init``, ``demo``, ``accounts`` and ``migrate``: setting a database up, filling it
with demo data, and moving it to PostgreSQL."""

from __future__ import annotations

import sys

from jxtrack.cli.common import EXIT_REFUSED
from jxtrack.cli.database import Database
from jxtrack.domain import access
from jxtrack.services import lookup, setup_db


def init(args, db: Database) -> int:
    store = db()
    new = not store.exists()
    res = setup_db.init(store, lookup.catalog(), with_demo=args.demo or (args.demo_if_new and new))
    store.restrict_access()
    msg = f"数据库 {store.label} 已就绪（架构版本 {store.schema_version()}）"
    if res["migrations"]:
        msg += f"，执行迁移 {res['migrations']}"
    if res["demo_loaded"]:
        msg += "，已载入示例数据（示例数据）"
    print(msg + "。")
    return 0


def demo(args, db: Database) -> int:
    from jxtrack.services import demo as demo_data

    store = db()
    setup_db.init(store, lookup.catalog())
    regions = demo_data.synthetic_regions(lookup.catalog(), args.regions)
    setup_db.load_demo(store, lookup.catalog(), regions=regions, years=args.years)
    print(f"已生成示例数据：{args.regions} 个合成区县，{args.years} 年，截至 {demo_data.DEMO_END}（{store.label}）。")
    return 0


def accounts(args, db: Database) -> int:
    store = db()
    if store.exists() and store.is_demo():
        print("示例数据库的示例账号（仅用于演示，正式使用前请删除或停用）：")
        for username, role, _region, display, password in setup_db.DEMO_ACCOUNTS:
            print(f"  {access.ROLES[role]:<6}  用户名 {username:<10} 密码 {password}   （{display}）")
    return 0


def migrate(args, db: Database) -> int:
    from jxtrack.services import moving
    from jxtrack.store.interface import target_from_env

    report = moving.move(args.source or target_from_env(), args.target, actor=access.OPERATOR.username)
    print(f"已复制 {report.source} → {report.target}：")
    for table, n in report.copied.items():
        print(f"  {table:<24}{n:>10,} 行")
    if report.ok:
        print(f"核对一致：{len(report.copied)} 张表行数相同；{len(report.periods_checked)} 个月份的状态表逐行相同。")
        print(f"今后使用新数据库：JXTRACK_DB={report.target}")
        return 0
    for table, (a, b) in report.counts_differ.items():
        print(f"错误：{table} 行数不一致（来源 {a}，目标 {b}）。", file=sys.stderr)
    if report.periods_differ:
        print(f"错误：以下月份的状态表不一致：{'、'.join(report.periods_differ)}。", file=sys.stderr)
    print("迁移后的核对未通过：请不要使用目标数据库，删除后重新迁移，并把以上信息发给管理员。", file=sys.stderr)
    return EXIT_REFUSED
