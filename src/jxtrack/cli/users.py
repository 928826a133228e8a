"""Handlers of ``user add`` and ``user list``."""

from __future__ import annotations

import sys

from jxtrack.cli.common import emit
from jxtrack.cli.database import Database
from jxtrack.domain import access
from jxtrack.domain.errors import UserError
from jxtrack.services import auth, lookup


def add(args, db: Database) -> int:
    store = db()
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise UserError("没有从标准输入读到密码。用法：echo '密码' | jxtrack user add 用户名 --role … --password-stdin")
    region = lookup.resolve_region(store, args.region) if args.region else None
    auth.add_user(store, args.username, password, args.role, region, actor=access.OPERATOR.username,
                  display_name=args.name, email=args.email)
    print(f"已新增用户 {args.username}（{access.ROLES[args.role]}）。")
    return 0


def list_users(args, db: Database) -> int:
    emit(db().users(), "table")
    return 0
