"""``jxtrack review list|approve|return|reopen`` -- the working group's review (审核) of each
county's monthly report, with the web's rules (``jxtrack.services.review``).  Loaded by
``jxtrack.cli`` through its extension hook; user errors are ``lookup.ServiceError`` subclasses or
``access.AuthError`` (one Chinese line, exit 2)."""

from __future__ import annotations

import argparse
import sys

from jxtrack.domain import clock
from jxtrack.domain import review as rules
from jxtrack.present import outputs
from jxtrack.services import review

COMMANDS = ("review",)


def register(subparsers) -> None:
    from jxtrack.cli.run import _period

    s = subparsers.add_parser("review", help="审核区县月报：列出、审核通过、退回（写明原因）、重新打开")
    rs = s.add_subparsers(dest="review_command", required=True, metavar="操作")
    for name, words in (("list", "列出某月各区县的审核状态"), ("approve", "审核通过（锁定，之后不能再上传）"),
                        ("return", "退回区县更正（须写明原因，区县可见）"), ("reopen", "重新打开已审核的报表（须写明原因）")):
        a = rs.add_parser(name, help=words)
        a.add_argument("--period", type=_period, required=True, help="报告期 YYYY-MM")
        if name != "list":
            a.add_argument("--region", required=True, help="区县名称或代码")
        else:
            a.add_argument("--region", help="只看这个区县")
        a.add_argument("--reason", default="", help="原因（退回、重新打开时必填，记入操作日志）")
        a.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份（默认命令行操作员，即管理员）")


def run(args: argparse.Namespace) -> int:
    from jxtrack.cli.ingest import _user
    from jxtrack.cli.run import _store

    store = _store()
    user = _user(store, args.as_user)
    cmd = args.review_command
    if cmd == "list":
        rows = (review.reviews(store, args.period, user) if not args.region
                else [review.review_of(store, args.region, args.period, user)])
        for v in rows:
            print(_line(v))
        return 0
    step = {"approve": review.approve, "return": review.return_report, "reopen": review.reopen}[cmd]
    before = review.review_of(store, args.region, args.period, user).word
    after = step(store, user, args.region, args.period, args.reason)
    print(f"{after.region_name} {args.period}：{before} → {after.word}。")
    return 0


def _line(v: rules.Review) -> str:
    bits = [f"{v.region_name}\t{v.short}"]
    if v.upload_id is not None:
        bits.append(f"上传 #{v.upload_id}")
    d = v.decision
    if d is not None and v.state in (rules.APPROVED, rules.RETURNED):
        bits.append(f"{d.decided_by} {clock.show(d.decided_at)}")
    if v.return_reason:
        bits.append(f"退回原因：{outputs.printable(v.return_reason)}")
    return "\t".join(bits)


if __name__ == "__main__":  # pragma: no cover
    from jxtrack.cli.run import main

    sys.exit(main())
