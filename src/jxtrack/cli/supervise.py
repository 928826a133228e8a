"""``jxtrack supervise list|open|reply|close|press`` — 督办 from the command line, with the web's
rules (``jxtrack.services.supervision``: staff/admin open, close and ask again; the county of the
item replies; ``--as`` names the user, default the operator, an admin)."""

from __future__ import annotations

from jxtrack.cli.common import acting_user, emit
from jxtrack.cli.database import Database
from jxtrack.domain import clock, lights
from jxtrack.services import supervision


def list_notices(args, db: Database) -> int:
    store = db()
    user = acting_user(store, args.as_user)
    df = supervision.notices(store, user, which=args.state, region=args.region)
    out = df[["supervision_id", "region_name", "indicator_name", "period", "light", "state_label", "ask",
              "reply_by", "measures", "expected", "opened_by", "opened_at"]].copy()
    out["opened_at"] = clock.show_series(out["opened_at"]) if len(out) else out["opened_at"]
    out = out.rename(columns={"region_name": "region", "indicator_name": "indicator", "state_label": "state"})
    out["light"] = out["light"].map(lights.badge)
    out["reply_by"] = out["reply_by"].astype(str)
    out["expected"] = ["" if v is None else str(v) for v in out["expected"]]
    emit(out, args.format)
    return 0


def open_notice(args, db: Database) -> int:
    store = db()
    user = acting_user(store, args.as_user)
    sid = supervision.open_notice(store, user, region=args.region, indicator=args.indicator,
                                  period=args.period, ask=args.ask, reply_by=args.reply_by)
    print(f"已发起督办（编号 {sid}），回复期限 {args.reply_by}。")
    return 0


def reply(args, db: Database) -> int:
    store = db()
    supervision.reply(store, acting_user(store, args.as_user), args.id, measures=args.measures,
                      expected=args.expected)
    print(f"已回复督办 {args.id}。")
    return 0


def close(args, db: Database) -> int:
    store = db()
    supervision.close(store, acting_user(store, args.as_user), args.id, args.note)
    print(f"督办 {args.id} 已办结。")
    return 0


def press(args, db: Database) -> int:
    store = db()
    supervision.press(store, acting_user(store, args.as_user), args.id, ask=args.ask, reply_by=args.reply_by)
    print(f"已再次督办 {args.id}，新的回复期限 {args.reply_by}。")
    return 0
