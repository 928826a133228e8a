"""``jxtrack supervise list|open|reply|close|press`` — 督办 from the command line, with the web's
rules (``jxtrack.services.supervision``: staff/admin open, close and ask again; the county of the
item replies; ``--as`` names the user, default the operator, an admin)."""

from __future__ import annotations

import argparse

from jxtrack.domain import clock, lights
from jxtrack.services import supervision

COMMANDS = ("supervise",)


def register(subparsers) -> None:
    from jxtrack.cli.run import _period

    s = subparsers.add_parser("supervise", help="督办：红灯、黄灯指标的督办、区县回复、办结、再次督办")
    ss = s.add_subparsers(dest="supervise_command", required=True, metavar="操作")

    def as_user(p):
        p.add_argument("--as", dest="as_user", metavar="USERNAME", help="以该用户身份（默认命令行操作员，即管理员）")

    p = ss.add_parser("list", help="列出督办（默认未办结的）")
    p.add_argument("--state", choices=list(supervision.FILTERS), default="open",
                   help="open 未办结 | overdue 逾期未回复 | closed 已办结 | all 全部")
    p.add_argument("--region", help="只看一个区县")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    as_user(p)
    p = ss.add_parser("open", help="发起督办（工作专班、管理员）")
    p.add_argument("--region", required=True, help="区县")
    p.add_argument("--indicator", required=True, help="指标代码或名称")
    p.add_argument("--period", required=True, type=_period, help="报告期 YYYY-MM")
    p.add_argument("--ask", required=True, help="督办事项：要求区县做什么")
    p.add_argument("--reply-by", required=True, help="回复期限 YYYY-MM-DD（北京时间，当天仍算按时）")
    as_user(p)
    p = ss.add_parser("reply", help="区县回复督办：整改措施和预计完成日期")
    p.add_argument("id", help="督办编号")
    p.add_argument("--measures", required=True, help="整改措施")
    p.add_argument("--expected", required=True, help="预计完成日期 YYYY-MM-DD")
    as_user(p)
    p = ss.add_parser("close", help="办结督办（工作专班、管理员）")
    p.add_argument("id", help="督办编号")
    p.add_argument("--note", default="", help="办结说明")
    as_user(p)
    p = ss.add_parser("press", help="再次督办：已回复的督办重新要求回复")
    p.add_argument("id", help="督办编号")
    p.add_argument("--ask", required=True, help="新的要求")
    p.add_argument("--reply-by", required=True, help="新的回复期限 YYYY-MM-DD")
    as_user(p)


def run(args: argparse.Namespace) -> int:
    from jxtrack.cli.ingest import _user
    from jxtrack.cli.run import _emit, _store

    store = _store()
    user = _user(store, args.as_user)
    cmd = args.supervise_command
    if cmd == "list":
        df = supervision.notices(store, user, which=args.state, region=args.region)
        out = df[["supervision_id", "region_name", "indicator_name", "period", "light", "state_label", "ask",
                  "reply_by", "measures", "expected", "opened_by", "opened_at"]].copy()
        out["opened_at"] = clock.show_series(out["opened_at"]) if len(out) else out["opened_at"]
        out = out.rename(columns={"region_name": "region", "indicator_name": "indicator", "state_label": "state"})
        out["light"] = out["light"].map(lights.badge)
        out["reply_by"] = out["reply_by"].astype(str)
        out["expected"] = ["" if v is None else str(v) for v in out["expected"]]
        _emit(out, args.format)
        return 0
    if cmd == "open":
        sid = supervision.open_notice(store, user, region=args.region, indicator=args.indicator,
                                      period=args.period, ask=args.ask, reply_by=args.reply_by)
        print(f"已发起督办（编号 {sid}），回复期限 {args.reply_by}。")
        return 0
    if cmd == "reply":
        supervision.reply(store, user, args.id, measures=args.measures, expected=args.expected)
        print(f"已回复督办 {args.id}。")
        return 0
    if cmd == "close":
        supervision.close(store, user, args.id, args.note)
        print(f"督办 {args.id} 已办结。")
        return 0
    supervision.press(store, user, args.id, ask=args.ask, reply_by=args.reply_by)
    print(f"已再次督办 {args.id}，新的回复期限 {args.reply_by}。")
    return 0
